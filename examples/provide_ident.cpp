// SPDX-License-Identifier: MIT
// provide "ident" in ward: prints its default masks, why "any of" and "all of" must be named, and
// the table of its user endpoints' rules with ward's decision for each.
#include "provide_ident.hpp"

#include <cstdio>
#include <string>

using provide::mask;
using provide::perm;

namespace {

// ident's own check: `p & flags != 0`, an ANY-bit test.
bool ident_has(std::uint32_t permissions, std::uint32_t flags) { return (permissions & flags) != 0; }

void print_masks() {
    std::printf("== provide ident: the default masks ==\n");
    const struct {
        const char* name;
        std::uint32_t value;
    } masks[] = {{"default user", provide::default_user},
                 {"application resource", provide::application_resource},
                 {"organization token", provide::organization_token},
                 {"organization user", provide::organization_user},
                 {"sudoer", provide::sudoer}};
    for (const auto& m : masks) {
        const auto decoded = ward::parse_integer<perm>(m.value);
        std::printf("%-21s %10u = %s\n", m.name, static_cast<unsigned>(m.value),
                    ward::to_string(decoded.value).c_str());
    }
    const auto bad = ward::parse_integer<perm>(provide::default_user | 0x4000u);
    std::printf("%-21s %10u -> %s (bit %zu), nothing granted\n", "415|0x4000",
                static_cast<unsigned>(provide::default_user | 0x4000u), std::string(ward::to_string(bad.ec)).c_str(),
                bad.position);
    std::printf("a user created with mask 0 gets %u\n\n", static_cast<unsigned>(provide::permissions_for_new_user(0)));
}

void print_any_versus_all() {
    std::printf("== why \"any of\" and \"all of\" must be named ==\n");
    const std::uint32_t list_or_update = 0x100000u | 0x400000u; // ListUsers|UpdateUser
    const mask user = provide::decode(provide::default_user);
    const mask required{perm::list_users, perm::authenticate};
    std::printf("ident Has(415, ListUsers|UpdateUser)   = %s\n",
                ident_has(provide::default_user, list_or_update) ? "true" : "false");
    std::printf("ident Has(415, ListUsers|Authenticate) = %s   <- passes without ListUsers\n",
                ident_has(provide::default_user, 0x100000u | 0x1u) ? "true" : "false");
    std::printf("ident Has(415, 0)                      = %s\n",
                ident_has(provide::default_user, 0) ? "true" : "false");
    std::printf("ward  contains_all(list_users authenticate) = %s\n", user.contains_all(required) ? "true" : "false");
    std::printf("ward  contains_any(list_users authenticate) = %s   <- only when you say \"any\"\n",
                user.contains_any(required) ? "true" : "false");
    std::printf("ward  check(..., {} /* nothing */)          = refused: an empty requirement is never allowed\n\n");
}

} // namespace

int main() {
    print_masks();
    print_any_versus_all();

    std::printf("== provide ident: user endpoints ==\n");
    const auto table = provide::run_table();
    const int wrong = acceptance::print(table, "ident's");
    return table.empty() || wrong != 0 ? 1 : 0;
}
