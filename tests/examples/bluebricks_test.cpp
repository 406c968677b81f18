// SPDX-License-Identifier: MIT
// Every row of the Bluebricks example answers the status the documents give.
#include "bluebricks.hpp"
#include "support/example_table.hpp"
#include "support/ward_catch.hpp"

TEST_CASE("bluebricks: every documented rule is a checked row", "[example][bluebricks]") {
    wt::check_every_row(bluebricks::run_table(), 27);
}

TEST_CASE("bluebricks: add keeps the roles, replace drops them", "[example][bluebricks]") {
    using namespace bluebricks;
    service svc(sample_database());
    REQUIRE(svc.snapshot() != nullptr);
    const auto dan = [&] {
        const auto& s = *svc.snapshot();
        return s
            .effective_permissions(ward::credential<perm>::of(s.find_principal("google-oauth2|dan")),
                                   s.find_scope("org_acme"))
            .permissions;
    };
    CHECK(dan() == ladder["viewer"]);
    REQUIRE(svc.assign_roles("google-oauth2|dan", {"rol_abCdeFghIjklMnmP"}, true));
    CHECK(dan() ==
          (ladder["viewer"] | ward::permissions<perm>("read:organization_api_key create:organization_api_key")));
    REQUIRE(svc.assign_roles("google-oauth2|dan", {"rol_Gu35tLkJhGfDsA3r"}, false));
    CHECK(dan() == ladder["guest"]);
    CHECK(svc.snapshot()->version() == 3);
    CHECK(!svc.assign_roles("google-oauth2|dan", {"rol_nope"}, true));
    CHECK(svc.snapshot()->version() == 3);
}
