// SPDX-License-Identifier: MIT
// One enumerator named twice is a compile error.
// WARD_EXPECT_ERROR: two entries name the same enumerator
#include <ward/permission_set.hpp>

enum class perm : unsigned { read = 0, write = 1 };

template <>
struct ward::permission_traits<perm> {
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}, { perm::read, "write" }};
#else
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}, {perm::write, "write"}};
#endif
};

int main() {
    const ward::permission_set<perm> s{perm::read};
    return static_cast<int>(s.count()) - 1;
}
