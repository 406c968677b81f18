// SPDX-License-Identifier: MIT
// decision: the status table (reason to HTTP status) and its variants, and the reasons' names.
#include "support/ward_catch.hpp"
#include <ward/decision.hpp>

using ward::reason;

TEST_CASE("status tables", "[engine][status]") {
    constexpr ward::status_table t;
    static_assert(t(reason::granted) == 200);
    static_assert(t(reason::unauthenticated) == 401);
    static_assert(t(reason::invalid_request) == 400);
    static_assert(t(reason::unknown_principal) == 401);
    static_assert(t(reason::unknown_scope) == 404);
    static_assert(t(reason::outside_scope) == 404);
    static_assert(t(reason::missing_permission) == 403);
    static_assert(t(reason::explicitly_denied) == 403);
    static_assert(t(reason::not_in_token) == 403);
    static_assert(t(reason::restricted_by_application) == 403);
    CHECK(t(static_cast<reason>(200)) == 500);

    // Commerce Layer answers 401 for insufficient permissions.
    constexpr auto commerce_layer = t.with_insufficient_permission(401);
    static_assert(commerce_layer(reason::missing_permission) == 401);
    static_assert(commerce_layer(reason::explicitly_denied) == 401);
    static_assert(commerce_layer(reason::not_in_token) == 401);
    static_assert(commerce_layer(reason::restricted_by_application) == 401);
    static_assert(commerce_layer(reason::granted) == 200);
    static_assert(commerce_layer(reason::outside_scope) == 404);
    static_assert(commerce_layer(reason::unknown_scope) == 404);
    static_assert(commerce_layer(reason::invalid_request) == 400);
    static_assert(commerce_layer(reason::unauthenticated) == 401);
    constexpr auto hidden = t.with(reason::explicitly_denied, 404);
    static_assert(hidden(reason::explicitly_denied) == 404 && hidden(reason::missing_permission) == 403);
    CHECK(ward::to_string(reason::outside_scope) == "outside the credential's scope");
    CHECK(ward::reason_count == 10);
}
