// SPDX-License-Identifier: MIT
// Decisions: a policy built from rows, a credential from token claims, a check, its HTTP status
// and its explanation.
#include <ward/ward.hpp>

#include <cstdio>
#include <string>

enum class perm : unsigned { read_users, update_users, delete_users, read_org, update_org };
template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read_users, "read:users"},
                                                            {perm::update_users, "update:users"},
                                                            {perm::delete_users, "delete:users"},
                                                            {perm::read_org, "read:organization"},
                                                            {perm::update_org, "update:organization"}};
};

// Roles known at compile time, flattened by the compiler; their invariants are static_asserts.
constexpr auto roles = ward::make_roles<perm>({
    {"viewer", ward::permissions<perm>("read:users read:organization")},
    {"admin", ward::permissions<perm>("update:users delete:users update:organization"), {"viewer"}},
});
static_assert(!roles["viewer"].contains(perm::delete_users), "a viewer can never delete users");

int main() {
    // Rows as the service keeps them in its database, in any order.
    ward::policy_builder<perm> rows;
    rows.add_scope("platform", "platform");
    rows.add_scope("org:acme", "organization", "platform");
    rows.add_scope("app:shop", "application", "org:acme");
    rows.add_principal("auth0|alice");
    rows.add_roles(roles);
    rows.bind("auth0|alice", "org:acme", {"admin"});
    rows.deny("auth0|alice", "app:shop", "delete:users"); // deny wins below org:acme
    const auto built = rows.build();
    if (!built) return std::printf("bad row: %s\n", built.error.message().c_str()), 1;
    const ward::snapshot<perm>& policy = *built.value;

    // A verified access token's claims; the token caps what the policy grants.
    ward::token_claims claims;
    claims.subject = "auth0|alice";
    claims.has_scope = true;
    claims.scope = "read:users delete:users";
    const auto credential = policy.authenticate(claims).value;

    const ward::status_table status; // 401 / 403 / 404; Commerce Layer would use .with_insufficient_permission(401)
    const struct {
        const char* need;
        const char* where;
    } requests[] = {{"read:users", "org:acme"},
                    {"delete:users", "org:acme"},
                    {"delete:users", "app:shop"},
                    {"update:users", "org:acme"},
                    {"read:users", "org:globex"}};
    for (const auto& r : requests) {
        const auto d = policy.check(credential, ward::permissions<perm>(r.need), r.where);
        std::printf("%-13s at %-10s -> %d  %s\n", r.need, r.where, status(d), policy.explain(d).c_str());
    }
    const auto me = policy.effective_permissions(credential, policy.find_scope("org:acme"));
    std::printf("GET /user/me at org:acme -> %s\n", ward::to_string(me.permissions).c_str());
}
