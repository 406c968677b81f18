// SPDX-License-Identifier: MIT
#include "alloc/alloc_counter.hpp"
#include "vocabularies.hpp"
#include "ward_catch.hpp"

TEST_CASE("parse_scope allocates nothing", "[alloc]") {
    ward::parse_result<ward::permission_set<wt::ident>> r;
    CHECK(wt::allocations_during([&] { r = ward::parse_scope<wt::ident>("list_users sudo"); }) == 0);
    CHECK(r);
}
