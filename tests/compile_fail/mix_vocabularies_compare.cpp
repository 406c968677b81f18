// SPDX-License-Identifier: MIT
// Two vocabularies' sets cannot be compared, even when their bits and names coincide.
// WARD_EXPECT_ERROR: no match for|invalid operands
#include <ward/permission_set.hpp>

enum class alpha : unsigned { a = 0 };
enum class beta : unsigned { a = 0 };

template <>
struct ward::permission_traits<alpha> {
    static constexpr ward::permission_name<alpha> names[] = {{alpha::a, "a"}};
};
template <>
struct ward::permission_traits<beta> {
    static constexpr ward::permission_name<beta> names[] = {{beta::a, "a"}};
};

int main() {
    const ward::permission_set<alpha> x{alpha::a};
    const ward::permission_set<beta> y{beta::a};
#ifdef WARD_COMPILE_FAIL
    const bool same = x == y;
#else
    const bool same = x == ward::permission_set<alpha>{alpha::a} && y.any();
#endif
    return same ? 0 : 1;
}
