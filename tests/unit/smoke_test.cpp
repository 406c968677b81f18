// SPDX-License-Identifier: MIT
#include "vocabularies.hpp"
#include "ward_catch.hpp"

TEST_CASE("provide ident's documented masks decode to their flags", "[vocabulary][ident]") {
    using wt::ident;
    const auto r = ward::parse_integer<ident>(415);
    REQUIRE(r);
    CHECK(r.value == ward::permission_set<ident>{ident::authenticate, ident::read_resources, ident::create_resource,
                                                 ident::update_resource, ident::delete_resource, ident::publish,
                                                 ident::subscribe});
    CHECK(r.value.to_integer() == 415u);
}
