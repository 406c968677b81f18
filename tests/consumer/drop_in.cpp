// SPDX-License-Identifier: MIT
// A program that uses ward the way a drop-in user does: one header, nothing else.
#include <ward/ward.hpp>

#include <cstdio>

enum class perm : unsigned { read_users, update_users };
template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read_users, "read:users"},
                                                            {perm::update_users, "update:users"}};
};

int main() {
    ward::policy_builder<perm> b;
    b.add_scope("org:acme", "organization");
    b.add_principal("user:alice");
    b.grant("user:alice", "org:acme", perm::read_users);
    const auto built = b.build();
    if (!built) return 2;
    const auto cred = ward::credential<perm>::of(built.value->find_principal("user:alice"));
    const bool read = built.value->check(cred, perm::read_users, "org:acme").allowed;
    const bool update = built.value->check(cred, perm::update_users, "org:acme").allowed;
    std::printf("ward %s: read %s, update %s\n", ward::version_string, read ? "allowed" : "denied",
                update ? "allowed" : "denied");
    return read && !update ? 0 : 1;
}
