// SPDX-License-Identifier: MIT
// An implication from a value beyond the vocabulary's highest bit is a compile error too.
// WARD_EXPECT_ERROR: does not define
#include <ward/permission_set.hpp>

enum class perm : unsigned { read = 0, write = 1 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}, {perm::write, "write"}};
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::implication<perm> implications[] = {{ static_cast<perm>(7), perm::read }};
#else
    static constexpr ward::implication<perm> implications[] = {{perm::write, perm::read}};
#endif
};

int main() {
    const ward::permission_set<perm> s = ward::permission_set<perm>{perm::write}.implied();
    return static_cast<int>(s.count()) - 2;
}
