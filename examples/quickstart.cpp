// SPDX-License-Identifier: MIT
// Quick start: declare a permission vocabulary, then check permission sets at compile time and at run time.
#include <ward/ward.hpp>

#include <iostream>

// 1. The vocabulary: a scoped enum of bit positions (gaps allowed) and the wire name of each.
enum class perm : unsigned {
    read_users = 0,
    update_users = 1,
    delete_users = 2,
    read_organization = 3,
    update_organization = 4,
    sudo = 31
};

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read_users, "read:users"},
                                                            {perm::update_users, "update:users"},
                                                            {perm::delete_users, "delete:users"},
                                                            {perm::read_organization, "read:organization"},
                                                            {perm::update_organization, "update:organization"},
                                                            {perm::sudo, "sudo"}};
    // Holding `from` also grants `to`; closed transitively at compile time.
    static constexpr ward::implication<perm> implications[] = {{perm::sudo, perm::delete_users},
                                                               {perm::sudo, perm::update_organization},
                                                               {perm::delete_users, perm::update_users},
                                                               {perm::update_users, perm::read_users},
                                                               {perm::update_organization, perm::read_organization}};
};

using perms = ward::permission_set<perm>;

// 2. Compile time: requirements are constants, and the compiler checks how they relate.
constexpr perms manage_users = ward::permissions<perm>("read:users update:users delete:users");
constexpr perms read_anything = ward::permissions<perm>("read:users read:organization");
static_assert(perms{perm::sudo}.implied().contains_all(manage_users), "sudo implies every user permission");
static_assert(!perms{perm::update_users}.contains_any(ward::permissions<perm>("delete:users sudo")));
static_assert(perms{perm::update_users}.implied() == ward::permissions<perm>("read:users update:users"));

// 3. Run time: parse the scope claim of a (pretend) access token and ask questions of it.
void permission_sets() {
    std::cout << "== permission sets ==\n";
    const auto token = ward::parse_scope<perm>("read:users update:users read:organization");
    std::cout << "token scope     " << ward::to_string(token.value) << '\n'
              << "manage users?   " << (token.value.contains_all(manage_users) ? "yes" : "no") << "   (contains_all "
              << ward::to_string(manage_users) << ")\n"
              << "read anything?  " << (token.value.contains_any(read_anything) ? "yes" : "no") << "  (contains_any "
              << ward::to_string(read_anything) << ")\n"
              << "sudo implies    " << ward::to_string(perms{perm::sudo}.implied()) << '\n';

    // Unknown names are refused, never ignored: the result is empty, with an error code and position.
    const auto bad = ward::parse_scope<perm>("read:users write:users");
    std::cout << "\"read:users write:users\" -> " << ward::to_string(bad.ec) << " at byte " << bad.position << ", "
              << bad.value.count() << " permissions granted\n";
}

int main() {
    permission_sets();
    return 0;
}
