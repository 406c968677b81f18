// SPDX-License-Identifier: MIT
// The three policies: each API's ward snapshot built from the store's rows (provide ident,
// Commerce Layer Provisioning, Bluebricks), and the names the handlers use for their permissions.
//
// Each API's rows are grouped in units (policy_rows.hpp), one per record the policy reads:
//   ident         organization <id>, application <id>, user <id>
//   provisioning  user <id>, organization <id>, role <id>, credential <id>, membership <id> (with
//                 its profile's access scope, its role's set and its application memberships)
//   bluebricks    organization <id>, role <id>, user <id> (with its roles)
// At startup every unit is built from all rows (X_units); a write turns the records it changed
// (store::transaction::changes_since) into the units they change (X_changes), reading only those
// records and what they depend on.
#ifndef WARD_SERVICE_POLICIES_HPP
#define WARD_SERVICE_POLICIES_HPP

#include "bluebricks.hpp"
#include "commerce_layer.hpp"
#include "policy_rows.hpp"
#include "provide_ident.hpp"
#include "store.hpp"
#include <ward/ward.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ward_service {

// ---- provide ident ----
using ident_perm = provide::perm;
using ident_set = provide::mask;

/// The scope of one ident user's record.
std::string ident_user_scope(std::string_view id);

/// What every application holds at its own scope: the application-resource mask (510) and
/// ListUsers, CreateUser, UpdateUser, DeleteUser, so it administers its own users.
constexpr std::uint32_t application_mask =
    provide::application_resource | 0x100000u | 0x200000u | 0x400000u | 0x800000u;

using ident_policy = policy_rows<ident_perm>;
std::vector<unit_rows<ident_perm>> ident_units(const ident_rows& rows);
ident_policy make_ident_policy(const ident_rows& rows);
unit_map<ident_perm> ident_changes(const store::reader& t, const std::vector<record_change>& changes);
std::shared_ptr<const ward::snapshot<ident_perm>> build_ident(const ident_rows& rows, std::string& error);

// ---- Commerce Layer Provisioning ----
using cl_perm = commerce_layer::perm;
using cl_set = commerce_layer::perms;
using commerce_layer::crud;
using commerce_layer::subject;

/// The subject class called `name` ("orders", "memberships", ...).
std::optional<subject> subject_named(std::string_view name);

/// The access scope called `name` (live, test, all).
std::optional<commerce_layer::access_scope> access_named(std::string_view name);

/// The stored rows as commerce_layer's loader reads them, so the service and the example share
/// one model.
using provisioning_policy = policy_rows<cl_perm>;
std::vector<unit_rows<cl_perm>> provisioning_units(const provisioning_rows& rows);
provisioning_policy make_provisioning_policy(const provisioning_rows& rows);
/// A role whose set changed changes every membership of it too (a live- or test-scoped
/// membership holds the role's Provisioning subjects at its organization).
unit_map<cl_perm> provisioning_changes(const store::reader& t, const std::vector<record_change>& changes,
                                       const provisioning_policy& now);
std::shared_ptr<const ward::snapshot<cl_perm>> build_provisioning(const provisioning_rows& rows, std::string& error);

// ---- Bluebricks ----
using bb_perm = bluebricks::perm;
using bb_set = bluebricks::perms;

using bluebricks_policy = policy_rows<bb_perm>;
std::vector<unit_rows<bb_perm>> bluebricks_units(const bluebricks_rows& rows);
bluebricks_policy make_bluebricks_policy(const bluebricks_rows& rows);
unit_map<bb_perm> bluebricks_changes(const store::reader& t, const std::vector<record_change>& changes);
std::shared_ptr<const ward::snapshot<bb_perm>> build_bluebricks(const bluebricks_rows& rows, std::string& error);

// ---- all three ----

/// `build(rows)`, or a store_error naming the API: a policy that does not build is never served.
template <class Rows, class Build>
auto built(const char* api, const Rows& rows, Build build) {
    std::string error;
    auto snapshot = build(rows, error);
    if (!snapshot) throw store_error(std::string("the ") + api + " policy does not build: " + error);
    return snapshot;
}

/// The names of a permission set, in vocabulary order.
template <class P>
nlohmann::json names_of(const ward::permission_set<P>& s) {
    nlohmann::json out = nlohmann::json::array();
    for (auto it = s.begin(); it != s.end(); ++it) out.push_back(std::string(ward::vocabulary<P>::name(it.index())));
    return out;
}

} // namespace ward_service

#endif
