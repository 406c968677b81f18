// SPDX-License-Identifier: MIT
// Looking up a role a constexpr table does not define, in a constant expression, is a compile error.
// WARD_EXPECT_ERROR: ward_role_table_error_role_is_not_in_the_table
#include <ward/parse.hpp>
#include <ward/role.hpp>

enum class perm : unsigned { read_users = 0, update_users = 1, delete_users = 2, read_org = 3 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read_users, "read:users"},
                                                            {perm::update_users, "update:users"},
                                                            {perm::delete_users, "delete:users"},
                                                            {perm::read_org, "read:organization"}};
};

constexpr auto roles = ward::make_roles<perm>({
    {"guest", ward::permissions<perm>("read:organization")},
    {"viewer", ward::permissions<perm>("read:users"), {"guest"}},
    {"admin", ward::permissions<perm>("update:users delete:users"), {"viewer"}},
});
#ifdef WARD_COMPILE_FAIL
constexpr auto looked_up = roles["nope"];
#else
constexpr auto looked_up = roles["viewer"];
#endif
static_assert(!looked_up.contains(perm::delete_users), "viewer can never delete users");

static_assert(roles.valid(), "the table is valid");

int main() { return roles["admin"].contains(perm::read_org) ? 0 : 1; }
