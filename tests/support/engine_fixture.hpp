// SPDX-License-Identifier: MIT
// What the unit tests of the decision engine build on: short names for the test vocabularies'
// sets, the Bluebricks/Auth0 style role ladder, rows 0..9 of most test policies, Commerce Layer's
// scope schema, and building a policy that must (or must not) build.
#ifndef WARD_TESTS_ENGINE_FIXTURE_HPP
#define WARD_TESTS_ENGINE_FIXTURE_HPP

#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/parse.hpp>
#include <ward/role.hpp>
#include <ward/scope.hpp>
#include <ward/snapshot.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace wt {

using bset = ward::permission_set<bb>;
using cset = ward::permission_set<cl>;
using iset = ward::permission_set<ident>;

inline bset B(std::string_view s) { return ward::permissions<bb>(s); }
inline cset C(std::string_view s) { return ward::permissions<cl>(s); }
inline iset I(std::string_view s) { return ward::permissions<ident>(s); }

inline bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// A Bluebricks/Auth0 style role ladder, flattened at compile time.
inline constexpr auto ladder = ward::make_roles<bb>({
    {"guest", ward::permissions<bb>("read:organization")},
    {"viewer", ward::permissions<bb>("read:users read:blueprints read:deployments"), {"guest"}},
    {"editor", ward::permissions<bb>("create:blueprints update:blueprints create:deployments"), {"viewer"}},
    {"admin", ward::permissions<bb>("create:users update:users delete:users update:organization"), {"editor"}},
    {"billing", ward::permissions<bb>("update:organization")},
});

inline std::shared_ptr<const ward::snapshot<bb>> must_build(const ward::policy_builder<bb>& b) {
    auto r = b.build();
    INFO(r.error.message());
    REQUIRE(r);
    REQUIRE(r.error.ok());
    return r.value;
}
template <class P>
ward::build_error must_fail(const ward::policy_builder<P>& b) {
    auto r = b.build();
    CHECK(!r);
    CHECK(r.value == nullptr);
    CHECK(!r.error.ok());
    return r.error;
}

// The base of most tests: rows 0..9.
inline void base_rows(ward::policy_builder<bb>& b) {
    b.add_scope("platform", "platform");                                    // 0
    b.add_scope("org:acme", "organization", "platform");                    // 1
    b.add_scope("org:globex", "organization", "platform");                  // 2
    b.add_scope("app:acme-shop", "application", "org:acme");                // 3
    b.add_scope("res:acme-db", "resource", "org:acme");                     // 4
    b.add_principal("user:alice");                                          // 5
    b.add_principal("user:bob");                                            // 6
    b.add_principal("auth0|carol");                                         // 7
    b.add_principal("application:shop", ward::principal_kind::application); // 8
    b.add_roles(ladder);                                                    // 9
}

// Commerce Layer: organizations, their applications and markets.
inline ward::scope_schema commerce_schema() {
    ward::scope_schema s;
    s.kind("organization", {}, true).kind("application", {"organization"}).kind("market", {"organization"});
    return s;
}

} // namespace wt

#endif
