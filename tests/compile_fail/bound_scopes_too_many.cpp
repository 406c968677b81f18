// SPDX-License-Identifier: MIT
// A credential counts its bound scopes in one byte: a limit past 255 would wrap the counter and
// leave a token bound to 256 scopes bound to none (fail open), so it does not compile.
// WARD_EXPECT_ERROR: WARD_MAX_BOUND_SCOPES must be in \[1, 255\]
#ifdef WARD_COMPILE_FAIL
#define WARD_MAX_BOUND_SCOPES 256
#else
#define WARD_MAX_BOUND_SCOPES 255
#endif
#include <ward/credential.hpp>

enum class perm : unsigned { read = 0 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}};
};

int main() {
    ward::credential<perm> c = ward::credential<perm>::of(ward::principal_handle{0});
    for (unsigned i = 0; i < 255; ++i) c.bind_to(ward::scope_handle{i});
    return c.authenticated() && c.bound_count() == 255 ? 0 : 1;
}
