// SPDX-License-Identifier: MIT
// Every row of the Commerce Layer example answers the status the documents give.
#include "commerce_layer.hpp"
#include "support/example_table.hpp"
#include "support/ward_catch.hpp"

TEST_CASE("commerce layer: every documented rule is a checked row", "[example][commerce_layer]") {
    wt::check_every_row(commerce_layer::run_table(), 32);
}

TEST_CASE("commerce layer: custom roles and application sets", "[example][commerce_layer]") {
    using namespace commerce_layer;
    const database db = sample_database();
    std::string error;
    CHECK(custom_role_set(db, "role_acme_orders", error) ==
          ward::permissions<perm>("memberships.read orders.create orders.read orders.update customers.read skus.read"));
    CHECK(error.empty());

    database bad = sample_database();
    bad.application_memberships.push_back(
        {"amem_2", "mem_bob", "app_ci", role_kind::custom, ward::permissions<perm>("orders.read roles.destroy")});
    const policy refused = load(bad);
    CHECK(!refused);
    CHECK(!refused.error.empty());

    database twice = sample_database();
    twice.permissions.push_back({"perm_5", "role_acme_orders", subject::orders, false, false, false, true});
    CHECK(!load(twice));
}
