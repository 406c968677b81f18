// SPDX-License-Identifier: MIT
// A requirement of one vocabulary cannot be checked against a set of another.
// WARD_EXPECT_ERROR: no matching (member )?function|cannot convert|no viable conversion
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
    const bool ok = x.contains_all(y);
#else
    const bool ok = x.contains_all(ward::permission_set<alpha>{alpha::a}) && y.any();
#endif
    return ok ? 0 : 1;
}
