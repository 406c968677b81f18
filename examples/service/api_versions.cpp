// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning's versions (audience `provisioning`; insufficient permission answers
// 401): the audit trail. Every write to a Provisioning record leaves a version in its own
// transaction (the tables' triggers, store.cpp): the record's type and id, the event, who wrote it,
// when, and the changes as {"column": [old, new]}. Versions are only read, never written here.
//
// A version is read by whoever may read the record it describes, decided by ward with the check
// the record's own show endpoint makes: its subject's read (organizations.read for identity
// providers) at its organization, or at its API credential for credentials and application
// memberships. A version of a record that is gone is decided where the record was: at its
// organization, or, once its credential is gone, at the credential's environment. Like every
// record of an organization, it does not exist for a caller outside that organization (404).
#include "app_impl.hpp"
#include "jsonapi.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward_service {

namespace {

/// The subject whose read guards records of `resource_type` (identity providers belong to their
/// organization); nullopt for a type the trail does not know, which nobody reads.
std::optional<subject> guarding(std::string_view resource_type) {
    if (resource_type == "identity_providers") return subject::organizations;
    const auto on = subject_named(resource_type);
    if (!on || !commerce_layer::provisioning_subjects.contains_any(ward::row<cl_perm>(*on))) return std::nullopt;
    return on;
}

json version_json(const cl_version& v) {
    json attributes{{"resource_type", v.resource_type}, {"resource_id", v.resource_id}, {"event", v.event}};
    attributes["who"] = json::parse(v.who, nullptr, false);
    attributes["changes"] = json::parse(v.changes, nullptr, false);
    attributes["created_at"] = v.created_at;
    return organization_resource("versions", v.id, v.organization_id, std::move(attributes));
}

/// Where reading `v`'s record is decided: its scope while the policy has it, its environment after.
std::string_view target_of(const ward::snapshot<cl_perm>& s, const cl_version& v) {
    if (v.environment && !s.find_scope(v.scope).valid()) return *v.environment;
    return v.scope;
}

} // namespace

reply app::impl::cl_versions_list(call& c) {
    const auto snap = provisioning.read();
    const cl_caller who = cl_login(c, *snap, true);
    const std::vector<cl_version> versions = db.read([&](const store::reader& r) {
        std::vector<cl_version> out;
        for (auto s = r.prepare(cl_versions_table.select("ORDER BY seq")); s.step();)
            out.push_back(cl_versions_table.read(s));
        return out;
    });
    json out = json::array();
    std::map<std::string, bool> seen; // whether the caller sees an organization, asked once each
    for (const cl_version& v : versions) {
        const auto on = guarding(v.resource_type);
        const auto known = seen.find(v.organization_id);
        const bool sees_it = known != seen.end()
                                 ? known->second
                                 : seen.emplace(v.organization_id, sees(who, v.organization_id)).first->second;
        if (on && sees_it && cl_allowed(c, *snap, who, *on, crud::read, target_of(*snap, v)))
            out.push_back(version_json(v));
    }
    return {200, json{{"data", std::move(out)}}};
}

reply app::impl::cl_version_get(call& c) {
    const std::string id = path_id(c, "ver", "a version");
    const auto snap = provisioning.read();
    const cl_caller who = cl_login(c, *snap, true);
    const auto v = find_row(cl_versions_table, id);
    if (!v || !sees(who, v->organization_id)) fail(404, "not_found", "no such version");
    const auto on = guarding(v->resource_type);
    if (!on) fail(404, "not_found", "no such version");
    cl_require(c, *snap, who, *on, crud::read, target_of(*snap, *v),
               "reading a version of " + v->resource_type + " " + v->resource_id);
    return {200, json{{"data", version_json(*v)}}};
}

} // namespace ward_service
