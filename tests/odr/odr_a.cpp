// SPDX-License-Identifier: MIT
// Two translation units include ward and are linked together: every function defined in a header
// must be inline (or a template), or this program fails to link.
#include "odr_vocabulary.hpp"
#include <ward/ward.hpp>

int decide_in_a(const ward::snapshot<odr::perm>& s) {
    const auto cred = ward::credential<odr::perm>::of(s.find_principal("user:a"));
    return s.check(cred, odr::perm::read, "org:x").allowed ? 1 : 0;
}
