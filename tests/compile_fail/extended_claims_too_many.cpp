// SPDX-License-Identifier: MIT
// A credential counts its extended entries in one byte: a limit past 255 does not compile.
// WARD_EXPECT_ERROR: WARD_MAX_EXTENDED_CLAIMS must be in \[1, 255\]
#ifdef WARD_COMPILE_FAIL
#define WARD_MAX_EXTENDED_CLAIMS 1000
#else
#define WARD_MAX_EXTENDED_CLAIMS 255
#endif
#include <ward/credential.hpp>

enum class perm : unsigned { read = 0 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}};
};

int main() {
    ward::credential<perm> c = ward::credential<perm>::of(ward::principal_handle{0});
    for (unsigned i = 0; i < 256; ++i) c.cap_at(ward::scope_handle{i}, ward::permission_set<perm>{perm::read});
    return !c.authenticated() && c.extended_count() == 255 ? 0 : 1; // the 256th entry fails closed
}
