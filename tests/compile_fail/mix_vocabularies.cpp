// SPDX-License-Identifier: MIT
// Sets of two vocabularies are distinct types: combining them does not compile.
// WARD_EXPECT_ERROR: no match for|invalid operands
#include <ward/permission_set.hpp>

enum class alpha : unsigned { a = 0, b = 1 };
enum class beta : unsigned { a = 0, b = 1 };

template <>
struct ward::permission_traits<alpha> {
    static constexpr ward::permission_name<alpha> names[] = {{alpha::a, "a"}, {alpha::b, "b"}};
};
template <>
struct ward::permission_traits<beta> {
    static constexpr ward::permission_name<beta> names[] = {{beta::a, "a"}, {beta::b, "b"}};
};

int main() {
    const ward::permission_set<alpha> x{alpha::a};
    const ward::permission_set<beta> y{beta::b};
#ifdef WARD_COMPILE_FAIL
    const auto z = x | y;
#else
    const auto z = x | ward::permission_set<alpha>{alpha::b};
#endif
    return static_cast<int>(z.count() + y.count()) - 3;
}
