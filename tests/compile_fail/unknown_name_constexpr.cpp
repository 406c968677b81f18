// SPDX-License-Identifier: MIT
// A permissions<P>() literal naming a permission the vocabulary does not define, evaluated at
// compile time, is a compile error that names the API.
// WARD_EXPECT_ERROR: ward_permissions_literal_is_not_valid_for_the_vocabulary
#include <ward/parse.hpp>

enum class perm : unsigned { read = 0, write = 1 };

template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}, {perm::write, "write"}};
};

#ifdef WARD_COMPILE_FAIL
constexpr auto required = ward::permissions<perm>("read nope");
#else
constexpr auto required = ward::permissions<perm>("read write");
#endif
static_assert(required.count() == 2);

int main() { return 0; }
