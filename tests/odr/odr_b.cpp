// SPDX-License-Identifier: MIT
#include "odr_vocabulary.hpp"
#include <ward/ward.hpp>

#include <cstdio>

int decide_in_a(const ward::snapshot<odr::perm>& s);

int main() {
    ward::policy_builder<odr::perm> b;
    b.add_scope("org:x", "organization");
    b.add_principal("user:a");
    b.grant("user:a", "org:x", odr::perm::read);
    const auto built = b.build();
    if (!built) return 2;
    const auto cred = ward::credential<odr::perm>::of(built.value->find_principal("user:a"));
    const int here = built.value->check(cred, odr::perm::write, "org:x").allowed ? 1 : 0;
    const int there = decide_in_a(*built.value);
    std::printf("a: %d, b: %d, %s\n", there, here, std::string(ward::to_string(ward::errc::unknown_name)).c_str());
    return there == 1 && here == 0 ? 0 : 1;
}
