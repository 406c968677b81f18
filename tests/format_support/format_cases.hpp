// SPDX-License-Identifier: MIT
// The cases std::format (std_format_test.cpp) and fmt (fmt_test.cpp) must both answer the same
// way: check_format_cases(format), where format(spec, value) formats one value with a runtime
// format string and returns the text, and check_rejected_specs(format_throws), where
// format_throws(spec, value) is true when formatting throws the library's format_error.
#ifndef WARD_TESTS_FORMAT_CASES_HPP
#define WARD_TESTS_FORMAT_CASES_HPP

#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/decision.hpp>
#include <ward/error.hpp>
#include <ward/format.hpp>
#include <ward/permission_set.hpp>

#include <cstdint>

namespace wt_format {

using set = ward::permission_set<wt::ident>;

inline set three() { return set{wt::ident::sudo, wt::ident::authenticate, wt::ident::list_users}; }

inline ward::decision<wt::ident> denied_missing() {
    ward::decision<wt::ident> d;
    d.why = ward::reason::missing_permission;
    d.missing = set{wt::ident::list_users, wt::ident::create_user};
    d.row = 4;
    d.version = 3;
    return d;
}

inline ward::decision<wt::ident> allowed() {
    ward::decision<wt::ident> d;
    d.allowed = true;
    d.why = ward::reason::granted;
    d.row = 7;
    d.version = UINT64_MAX;
    return d;
}

inline ward::build_error bad_binding() { return {ward::errc::unknown_role, ward::row_kind::binding, 7, "rol_x"}; }

template <class Format>
void check_format_cases(Format&& format) {
    const set s = three();
    SECTION("a permission set: its names, as to_string gives them") {
        CHECK(format("{}", s) == "authenticate list_users sudo");
        CHECK(format("{}", s) == ward::to_string(s));
        CHECK(format("{}", set{}).empty());
        CHECK(format("{:}", s) == "authenticate list_users sudo");
    }
    SECTION("a permission set: separator, width, fill and alignment") {
        CHECK(format("{:,}", s) == "authenticate,list_users,sudo");
        CHECK(format("{: }", s) == "authenticate list_users sudo");
        CHECK(format("{:|}", s) == ward::to_string(s, '|'));
        CHECK(format("{:32}", s) == "authenticate list_users sudo    ");
        CHECK(format("{:<32}", s) == "authenticate list_users sudo    ");
        CHECK(format("{:>32}", s) == "    authenticate list_users sudo");
        CHECK(format("{:^33}", s) == "  authenticate list_users sudo   ");
        CHECK(format("{:*^32;}", s) == "**authenticate;list_users;sudo**");
        CHECK(format("{:0>30}", s) == "00authenticate list_users sudo");
        CHECK(format("{:>>30}", s) == ">>authenticate list_users sudo");
        CHECK(format("{:>10,}", s) == "authenticate,list_users,sudo"); // narrower than the text: no cut
        CHECK(format("{:->4}", set{}) == "----");
        CHECK(format("{:65535}", set{}).size() == 65535);
    }
    SECTION("a decision: allowed or denied, the reason, what is missing, the policy version") {
        CHECK(format("{}", denied_missing()) == "denied: missing permission (list_users create_user) [policy v3]");
        CHECK(format("{:,}", denied_missing()) == "denied: missing permission (list_users,create_user) [policy v3]");
        CHECK(format("{}", allowed()) == "allowed: granted [policy v18446744073709551615]");
        CHECK(format("{}", ward::decision<wt::ident>{}) == "denied: unauthenticated [policy v0]");
        CHECK(format("{:.>40}", ward::decision<wt::ident>{}) == ".....denied: unauthenticated [policy v0]");
    }
    SECTION("reasons, error codes, row kinds and build errors: their text, padded as strings") {
        CHECK(format("{}", ward::reason::outside_scope) == "outside the credential's scope");
        CHECK(format("{:>12}", ward::reason::granted) == "     granted");
        CHECK(format("{}", ward::errc::buffer_too_small) == "buffer too small");
        CHECK(format("{:_<12}", ward::errc::ok) == "ok__________");
        CHECK(format("{}", ward::row_kind::deny_everyone) == "deny for everyone");
        CHECK(format("{}", bad_binding()) == "row 7 (binding): unknown role 'rol_x'");
        CHECK(format("{}", bad_binding()) == bad_binding().message());
        CHECK(format("{:^7}", ward::build_error{}) == "  ok   ");
    }
}

template <class FormatThrows>
void check_rejected_specs(FormatThrows&& format_throws) {
    const set s = three();
    for (const char* spec : {"{:x}", "{:s}", "{:05}", "{:.3}", "{:,,}", "{:10,x}", "{:65536}",
                             "{:99999999999999999999}", "{:{<5}", "{:{}}", "{:\x01<5}", "{:\xc3\xa9}"}) {
        INFO("spec " << spec);
        CHECK(format_throws(spec, s));
        CHECK(format_throws(spec, denied_missing()));
    }
    for (const char* spec : {"{:,}", "{: }", "{:x}", "{:>5,}", "{:05}", "{:.3}", "{:d}"}) {
        INFO("spec " << spec);
        CHECK(format_throws(spec, ward::reason::granted));
        CHECK(format_throws(spec, ward::errc::ok));
        CHECK(format_throws(spec, ward::row_kind::grant));
        CHECK(format_throws(spec, bad_binding()));
    }
    CHECK_FALSE(format_throws("{:*>5}", ward::reason::granted));
    CHECK_FALSE(format_throws("{:*>5#}", s));
}

} // namespace wt_format

#endif
