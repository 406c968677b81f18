// SPDX-License-Identifier: MIT
// A bit position at or beyond WARD_MAX_PERMISSION_BITS is a compile error.
// WARD_EXPECT_ERROR: WARD_MAX_PERMISSION_BITS
#include <ward/permission_set.hpp>

enum class perm : unsigned { read = 0, huge = 5000 };

template <>
struct ward::permission_traits<perm> {
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}, { perm::huge, "huge" }};
#else
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}};
#endif
};

int main() {
    const ward::permission_set<perm> s{perm::read};
    return static_cast<int>(s.count()) - 1;
}
