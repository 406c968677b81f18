// SPDX-License-Identifier: MIT
// A single permission of another vocabulary does not convert to a set of this one.
// WARD_EXPECT_ERROR: cannot convert|cannot initialize|no viable conversion|no matching
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
#ifdef WARD_COMPILE_FAIL
    const bool ok = x.contains(beta::a);
#else
    const bool ok = x.contains(alpha::a);
#endif
    return ok ? 0 : 1;
}
