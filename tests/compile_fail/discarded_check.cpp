// SPDX-License-Identifier: MIT
// A check's decision, a parser's result and a role lookup are [[nodiscard]]: dropping one is a
// warning, an error under -Werror.
// WARD_EXPECT_ERROR: nodiscard|unused result|ignoring return value
#include <ward/builder.hpp>
#include <ward/parse.hpp>
#include <ward/snapshot.hpp>

enum class perm : unsigned { read = 0, write = 1 };
template <>
struct ward::permission_traits<perm> {
    static constexpr ward::permission_name<perm> names[] = {{perm::read, "read"}, {perm::write, "write"}};
};

int main() {
    ward::policy_builder<perm> b;
    b.add_scope("platform", "platform");
    const auto built = b.build();
    if (!built) return 1;
    const auto& s = *built.value;
    const auto cred = ward::credential<perm>::of(s.find_principal("user:nobody"));
#ifdef WARD_COMPILE_FAIL
    s.check(cred, ward::permission_set<perm>{perm::read}, "platform");
    ward::parse_scope<perm>("read");
    s.role_permissions("viewer");
#endif
    const auto d = s.check(cred, ward::permission_set<perm>{perm::read}, "platform");
    return d.allowed ? 1 : 0;
}
