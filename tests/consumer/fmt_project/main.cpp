// SPDX-License-Identifier: MIT
// ward/fmt.hpp as a user includes it: fmt formats ward's permission sets, decisions, reasons and
// error codes. Built against the installed package and against single_include/ (the drop-in).
#include <ward/fmt.hpp>
#include <ward/ward.hpp>

#include <cstdio>
#include <string>

#include <fmt/format.h>

enum class perm { read_users, update_users };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read_users, "read:users"},
                                                            {perm::update_users, "update:users"}};
};

int main() {
    const ward::permission_set<perm> s{perm::read_users, perm::update_users};
    ward::decision<perm> d;
    d.why = ward::reason::missing_permission;
    d.missing = s;
    d.version = 3;
    const std::string text = fmt::format("{:,} | {} | {:>8}", s, d, ward::errc::ok);
    const std::string expected =
        "read:users,update:users | denied: missing permission (read:users update:users) [policy v3] |       ok";
    std::printf("%s\n", text.c_str());
    return text == expected ? 0 : 1;
}
