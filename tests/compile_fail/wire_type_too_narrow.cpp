// SPDX-License-Identifier: MIT
// A declared wire type narrower than the vocabulary's highest bit is a compile error.
// WARD_EXPECT_ERROR: narrower
#include <ward/permission_set.hpp>

#include <cstdint>

enum class perm : unsigned { read = 0, write = 1, admin = 8 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {
        {perm::read, "read"}, {perm::write, "write"}, {perm::admin, "admin"}};
#ifdef WARD_COMPILE_FAIL
    using wire_type = std::uint8_t; // bit 8 does not fit
#else
    using wire_type = std::uint16_t;
#endif
};

int main() {
    const ward::permission_set<perm> s{perm::admin};
    return static_cast<int>(s.to_integer()) - 256;
}
