// SPDX-License-Identifier: MIT
// A declared wire type narrower than the highest bit is an error for vocabularies wider than 64
// bits too: declaring std::uint32_t for a 100-bit vocabulary promises a wire form that cannot exist.
// WARD_EXPECT_ERROR: narrower
#include <ward/permission_set.hpp>

#include <cstdint>

enum class perm : unsigned { read = 0, write = 1, admin = 99 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {
        {perm::read, "read"}, {perm::write, "write"}, {perm::admin, "admin"}};
#ifdef WARD_COMPILE_FAIL
    using wire_type = std::uint32_t;
#endif
};

int main() {
    const ward::permission_set<perm> s{perm::admin};
    return static_cast<int>(s.count()) - 1;
}
