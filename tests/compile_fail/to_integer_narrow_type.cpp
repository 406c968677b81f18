// SPDX-License-Identifier: MIT
// Converting to an integer type narrower than the vocabulary is a compile error, never a silent
// truncation that drops permissions.
// WARD_EXPECT_ERROR: U is narrower than the vocabulary
#include <ward/permission_set.hpp>

#include <cstdint>

enum class perm : unsigned { read = 0, write = 1, admin = 12 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {
        {perm::read, "read"}, {perm::write, "write"}, {perm::admin, "admin"}};
};

int main() {
    const ward::permission_set<perm> s{perm::read};
#ifdef WARD_COMPILE_FAIL
    const auto v = s.to_integer<std::uint8_t>();
#else
    const auto v = s.to_integer<std::uint16_t>();
#endif
    return static_cast<int>(v) - 1;
}
