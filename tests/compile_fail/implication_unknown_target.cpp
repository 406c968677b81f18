// SPDX-License-Identifier: MIT
// An implication to a bit position the vocabulary leaves unnamed (a gap) is a compile error.
// WARD_EXPECT_ERROR: does not define
#include <ward/permission_set.hpp>

enum class perm : unsigned { read = 0, write = 1, admin = 4 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {
        {perm::read, "read"}, {perm::write, "write"}, {perm::admin, "admin"}};
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::implication<perm> implications[] = {{ perm::admin, static_cast<perm>(2) }};
#else
    static constexpr ward::implication<perm> implications[] = {{perm::admin, perm::write}};
#endif
};

int main() {
    const ward::permission_set<perm> s = ward::permission_set<perm>{perm::admin}.implied();
    return static_cast<int>(s.count()) - 2;
}
