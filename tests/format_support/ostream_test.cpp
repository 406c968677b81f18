// SPDX-License-Identifier: MIT
// ward/ostream.hpp in every variant: operator<< gives the text "{}" gives (the shared cases'
// expectations), honours the stream's width, fill and adjustment and resets the width, and writes
// nothing to a failed stream. ward/std_format.hpp is included too: where the standard library has
// no std::format (C++17, libstdc++ 12) it must compile to nothing but WARD_HAS_STD_FORMAT 0.
#include "format_support/format_cases.hpp"
#include <ward/ostream.hpp>
#include <ward/std_format.hpp>

#include <iomanip>
#include <ios>
#include <sstream>
#include <string>

#if !defined(WARD_HAS_STD_FORMAT)
#error "ward/std_format.hpp must define WARD_HAS_STD_FORMAT (0 or 1)"
#endif
#if __cplusplus < 202002L
static_assert(WARD_HAS_STD_FORMAT == 0, "no std::format before C++20");
#endif

namespace {

template <class T>
std::string streamed(const T& value) {
    std::ostringstream os;
    os << value;
    return os.str();
}

} // namespace

TEST_CASE("operator<<: the text of \"{}\"", "[format][ostream]") {
    const wt_format::set s = wt_format::three();
    CHECK(streamed(s) == "authenticate list_users sudo");
    CHECK(streamed(s) == ward::to_string(s));
    CHECK(streamed(wt_format::set{}).empty());
    CHECK(streamed(wt_format::denied_missing()) == "denied: missing permission (list_users create_user) [policy v3]");
    CHECK(streamed(wt_format::allowed()) == "allowed: granted [policy v18446744073709551615]");
    CHECK(streamed(ward::decision<wt::ident>{}) == "denied: unauthenticated [policy v0]");
    CHECK(streamed(ward::reason::not_in_token) == "not in token");
    CHECK(streamed(ward::errc::unknown_name) == "unknown name");
    CHECK(streamed(ward::row_kind::role_table) == "role table");
    CHECK(streamed(wt_format::bad_binding()) == "row 7 (binding): unknown role 'rol_x'");
    CHECK(streamed(ward::build_error{}) == "ok");
}

TEST_CASE("operator<<: width, fill and adjustment as for a string; the width is reset", "[format][ostream]") {
    const wt_format::set s = wt_format::three();
    std::ostringstream os;
    os << std::setw(32) << s << '|' << s;
    CHECK(os.str() == "    authenticate list_users sudo|authenticate list_users sudo");

    os.str("");
    os << std::left << std::setfill('.') << std::setw(32) << s << '|' << std::setw(8) << ward::errc::ok << '|'
       << std::right << std::setw(38) << ward::decision<wt::ident>{} << '|' << std::setw(4) << wt_format::set{};
    CHECK(os.str() == "authenticate list_users sudo....|ok......|...denied: unauthenticated [policy v0]|....");

    os.str("");
    os << std::setw(3) << s; // narrower than the text: nothing is cut
    CHECK(os.str() == "authenticate list_users sudo");
}

TEST_CASE("operator<<: a failed stream is left alone", "[format][ostream]") {
    std::ostringstream os;
    os.setstate(std::ios_base::failbit);
    os << wt_format::three() << wt_format::denied_missing() << ward::reason::granted;
    CHECK(os.str().empty());
    CHECK(os.fail());
}
