// SPDX-License-Identifier: MIT
// The integer wire form exists only for vocabularies of at most 64 bits.
// WARD_EXPECT_ERROR: wider than 64 bits
#include <ward/permission_set.hpp>

#include <cstdint>

enum class perm : unsigned { read = 0, write = 1, admin = 63, audit = 64 };

template <>
struct ward::permission_traits<perm> {
#ifdef WARD_COMPILE_FAIL
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"},
                                                            {perm::write, "write"},
                                                            {perm::admin, "admin"},
                                                            { perm::audit,
                                                              "audit" }};
#else
    static constexpr ward::permission_name<perm> names[] = {
        {perm::read, "read"}, {perm::write, "write"}, {perm::admin, "admin"}};
#endif
};

int main() {
    const auto r = ward::permission_set<perm>::from_integer(3);
    return r.value.to_integer() == 3u ? 0 : 1;
}
