// SPDX-License-Identifier: MIT
// Every row of the provide ident example answers the status ident documents.
#include "provide_ident.hpp"
#include "support/example_table.hpp"
#include "support/ward_catch.hpp"

TEST_CASE("provide ident: every documented rule is a checked row", "[example][provide]") {
    wt::check_every_row(provide::run_table(), 24);
}

TEST_CASE("provide ident: the named masks decode and encode exactly", "[example][provide]") {
    using provide::perm;
    CHECK(provide::decode(510) == provide::mask{perm::read_resources, perm::create_resource, perm::update_resource,
                                                perm::delete_resource, perm::grant_resource_authorization,
                                                perm::revoke_resource_authorization, perm::publish, perm::subscribe});
    CHECK(provide::decode(30) ==
          provide::mask{perm::read_resources, perm::create_resource, perm::update_resource, perm::delete_resource});
    CHECK(provide::decode(386) == provide::mask{perm::read_resources, perm::publish, perm::subscribe});
    CHECK(provide::decode(provide::sudoer).to_integer() == 415u + 0x20000000u);
    CHECK(provide::permissions_for_new_user(0) == 415u);
    CHECK(provide::permissions_for_new_user(386) == 386u);
}
