// SPDX-License-Identifier: MIT
// A wire name must be an OAuth scope-token: a space (or quote, backslash, control byte) in it is a
// compile error, since such a name could never be parsed back.
// WARD_EXPECT_ERROR: a wire name may hold only printable ASCII
#include <ward/permission_set.hpp>

enum class perm : unsigned { read = 0, write = 1 };

template <>
struct ward::permission_traits<perm> {
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read users"}, { perm::write, "write" }};
#else
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read:users"}, {perm::write, "write"}};
#endif
};

int main() {
    const ward::permission_set<perm> s{perm::read};
    return static_cast<int>(s.count()) - 1;
}
