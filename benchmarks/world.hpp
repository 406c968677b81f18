// SPDX-License-Identifier: MIT
// The scaled policy every decision benchmark runs on, in two forms: a ward snapshot and the
// hand-written baseline a developer would write without ward.
//
// Shape: `orgs` organizations x 10 users each; 5 custom roles per organization, each granting 4
// (resource, action) pairs of the 64-permission product vocabulary; each user is a member of its
// organization with 2 of its 5 roles. One membership per user, so memberships = orgs x 10.
// Ids look like production ids: organizations "org_" + 16 characters, roles "rol_" + 16,
// users "auth0|" + 24 hex digits.
#ifndef WARD_BENCH_WORLD_HPP
#define WARD_BENCH_WORLD_HPP

#include "vocab.hpp"
#include <ward/ward.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace wb {

inline constexpr std::size_t users_per_org = 10;
inline constexpr std::size_t roles_per_org = 5;
inline constexpr std::size_t perms_per_role = 4;
inline constexpr std::size_t roles_per_member = 2;

/// A bijective 64-bit mix (splitmix64's finalizer): distinct inputs give distinct ids.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/// A small, fast generator for the set-up code (never on a timed path).
struct rng {
    std::uint64_t s;
    std::uint64_t next() noexcept { return mix(s++); }
    std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
};

/// The rows of the policy, as a service would read them from its database.
struct dataset {
    std::size_t orgs = 0;
    std::vector<std::string> org_ids;                                    ///< org o
    std::vector<std::string> role_ids;                                   ///< role r belongs to org r / roles_per_org
    std::vector<std::array<std::uint8_t, perms_per_role>> role_perms;    ///< permission indices 0..63
    std::vector<std::string> user_ids;                                   ///< user u belongs to org u / users_per_org
    std::vector<std::array<std::uint32_t, roles_per_member>> user_roles; ///< role indices (global)

    std::size_t memberships() const noexcept { return user_ids.size(); }
    /// Rows a loader consumes: organizations, roles, users and memberships.
    std::size_t row_count() const noexcept { return org_ids.size() + role_ids.size() + 2 * user_ids.size(); }
    std::size_t org_of(std::size_t user) const noexcept { return user / users_per_org; }
    /// The permissions user u holds in its organization (indices into the product vocabulary).
    perms held_by(std::size_t u) const noexcept {
        perms s;
        for (std::uint32_t r : user_roles[u])
            for (std::uint8_t p : role_perms[r]) s.insert(perm_at(p));
        return s;
    }
};

std::shared_ptr<const dataset> make_dataset(std::size_t orgs);

/// Fills a builder with the dataset's rows.
void add_rows(ward::policy_builder<perm>& b, const dataset& d);
/// The snapshot of a dataset (aborts on a build error: the data is generated, so one is a bug).
std::shared_ptr<const ward::snapshot<perm>> build_snapshot(const dataset& d, std::uint64_t version = 1);

// ---- the baseline: what a developer writes by hand ------------------------------------------------
/// user -> organization -> set of role names; role -> set of "org|object|action" strings.
/// A check finds the user, then the organization, builds the key "org|object|action" and probes
/// the set of each of the user's roles there.
struct baseline_policy {
    std::unordered_map<std::string, std::unordered_map<std::string, std::unordered_set<std::string>>> members;
    std::unordered_map<std::string, std::unordered_set<std::string>> roles;

    void load(const dataset& d);

    bool check(const std::string& user, const std::string& org, std::string_view object,
               std::string_view action) const {
        const auto u = members.find(user);
        if (u == members.end()) return false;
        const auto o = u->second.find(org);
        if (o == u->second.end()) return false;
        std::string key;
        key.reserve(org.size() + object.size() + action.size() + 2);
        key.append(org).append(1, '|').append(object).append(1, '|').append(action);
        for (const std::string& role : o->second) {
            const auto r = roles.find(role);
            if (r != roles.end() && r->second.count(key) != 0) return true;
        }
        return false;
    }
    /// Every "org|object|action" the user holds in org (the reverse query).
    std::unordered_set<std::string> permissions_of(const std::string& user, const std::string& org) const {
        std::unordered_set<std::string> out;
        const auto u = members.find(user);
        if (u == members.end()) return out;
        const auto o = u->second.find(org);
        if (o == u->second.end()) return out;
        for (const std::string& role : o->second) {
            const auto r = roles.find(role);
            if (r != roles.end()) out.insert(r->second.begin(), r->second.end());
        }
        return out;
    }
};

// ---- requests -------------------------------------------------------------------------------------
inline constexpr std::size_t request_count = 1u << 16; ///< random requests per table (power of two)

struct handle_request {
    ward::principal_handle principal;
    ward::scope_handle target;
    perms required;
};
struct string_request {
    std::string_view principal;
    std::string_view target;
    perms required;
};
struct baseline_request {
    const std::string* user;
    const std::string* org;
    std::string_view object;
    std::string_view action;
};

/// A dataset with its snapshot, its baseline and request tables drawn at random (uniformly over
/// all users; half of the requests ask for a permission the user holds, half for a random one).
struct world {
    std::shared_ptr<const dataset> data;
    std::shared_ptr<const ward::snapshot<perm>> snap;
    std::unique_ptr<baseline_policy> base;
    std::vector<handle_request> by_handle;
    std::vector<string_request> by_string;
    std::vector<baseline_request> by_baseline;
    std::vector<bool> expected;
    std::size_t allowed_count = 0;
};

/// The world of `orgs` organizations, built on first use and kept for the run.
const world& world_for(std::size_t orgs);

} // namespace wb

#endif
