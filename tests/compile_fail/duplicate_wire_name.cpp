// SPDX-License-Identifier: MIT
// Two permissions with the same wire name would make parsing ambiguous: a compile error.
// WARD_EXPECT_ERROR: two permissions share a wire name
#include <ward/permission_set.hpp>

enum class perm : unsigned { read = 0, write = 1, admin = 5 };

template <>
struct ward::permission_traits<perm> {
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"},
                                                            {perm::write, "write"},
                                                            { perm::admin,
                                                              "read" }};
#else
    static constexpr ward::permission_name<perm> names[] = {
        {perm::read, "read"}, {perm::write, "write"}, {perm::admin, "admin"}};
#endif
};

int main() {
    const ward::permission_set<perm> s{perm::admin};
    return static_cast<int>(s.count()) - 1;
}
