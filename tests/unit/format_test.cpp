// SPDX-License-Identifier: MIT
// Formatting permission sets back to names: format_to into a caller's buffer (exact, one byte short,
// empty and null ranges), write_names, to_string, and names round-tripping through format and parse
// for every vocabulary.
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/error.hpp>
#include <ward/format.hpp>
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ward::errc;
using wt::bb;
using wt::delete_deployments;
using wt::ident;
using wt::read_users;
using wt::update_users;
using bset = ward::permission_set<bb>;
using iset = ward::permission_set<ident>;

} // namespace

TEST_CASE("format_to: exact buffer; one byte short; custom separator; empty set", "[format]") {
    const iset s{ident::sudo, ident::authenticate, ident::list_users};
    const std::string_view expected = "authenticate list_users sudo";
    REQUIRE(ward::formatted_size(s) == expected.size());
    CHECK(ward::to_string(s, ',').size() == ward::formatted_size(s)); // whatever the separator

    std::array<char, 64> buf;
    buf.fill('#');
    // Exactly big enough.
    auto r = ward::format_to(buf.data(), buf.data() + expected.size(), s);
    REQUIRE(r);
    CHECK(r.ec == errc::ok);
    CHECK(r.ptr == buf.data() + expected.size());
    CHECK(std::string_view(buf.data(), expected.size()) == expected);
    CHECK(buf[expected.size()] == '#'); // nothing past the end, no terminator

    // One byte too small: nothing written.
    buf.fill('#');
    r = ward::format_to(buf.data(), buf.data() + expected.size() - 1, s);
    CHECK_FALSE(r);
    CHECK(r.ec == errc::buffer_too_small);
    CHECK(r.ptr == buf.data());
    CHECK(std::string_view(buf.data(), buf.size()) == std::string(buf.size(), '#'));
    r = ward::format_to(buf.data(), buf.data(), s);
    CHECK(r.ec == errc::buffer_too_small);
    CHECK(buf[0] == '#');

    // Custom separator.
    buf.fill('#');
    r = ward::format_to(buf.data(), buf.data() + buf.size(), s, ',');
    REQUIRE(r);
    CHECK(std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data())) == "authenticate,list_users,sudo");

    // A single name has no separator.
    r = ward::format_to(buf.data(), buf.data() + 4, iset{ident::sudo});
    REQUIRE(r);
    CHECK(std::string_view(buf.data(), 4) == "sudo");

    // The empty set writes nothing and succeeds, even into an empty range.
    buf.fill('#');
    CHECK(ward::formatted_size(iset{}) == 0);
    r = ward::format_to(buf.data(), buf.data(), iset{});
    REQUIRE(r);
    CHECK(r.ptr == buf.data());
    r = ward::format_to(buf.data(), buf.data() + buf.size(), iset{});
    REQUIRE(r);
    CHECK(r.ptr == buf.data());
    CHECK(buf[0] == '#');
}

TEST_CASE("format_to: the empty set fits an empty range; even a null one", "[format]") {
    // A buffer sized with formatted_size() for the empty set is empty, and an empty std::vector or
    // std::string may hand out a null data(). Nothing needs writing, so this is not "too small".
    std::vector<char> buf(ward::formatted_size(iset{}));
    const auto r = ward::format_to(buf.data(), buf.data() + buf.size(), iset{});
    CHECK(r.ec == errc::ok);
    CHECK(r.ptr == buf.data());
    char* const null = nullptr;
    const auto n = ward::format_to(null, null, iset{});
    CHECK(n.ec == errc::ok);
    CHECK(n.ptr == null);
    // A non-empty set into a null range is too small, as before.
    CHECK(ward::format_to(null, null, iset{ident::sudo}).ec == errc::buffer_too_small);
}

TEST_CASE("write_names and to_string", "[format]") {
    const bset s{delete_deployments, read_users, update_users};
    std::string out;
    ward::write_names(std::back_inserter(out), s);
    CHECK(out == "read:users update:users delete:deployments");
    out.clear();
    ward::write_names(std::back_inserter(out), s, '|');
    CHECK(out == "read:users|update:users|delete:deployments");
    out = "x";
    ward::write_names(std::back_inserter(out), bset{});
    CHECK(out == "x");

    char buf[64];
    std::memset(buf, '#', sizeof buf);
    char* end = ward::write_names(buf, s);
    CHECK(static_cast<std::size_t>(end - buf) == ward::formatted_size(s));
    CHECK(std::string_view(buf, static_cast<std::size_t>(end - buf)) == "read:users update:users delete:deployments");
    CHECK(*end == '#');

    CHECK(ward::to_string(s) == "read:users update:users delete:deployments");
    CHECK(ward::to_string(s, ',') == "read:users,update:users,delete:deployments");
    CHECK(ward::to_string(bset{}).empty());
    CHECK(ward::to_string(ward::parse_integer<ident>(386).value) == "read_resources publish subscribe");
    CHECK(ward::to_string(ward::permission_set<wt::cl>{wt::cl{wt::cl_subject::orders, wt::crud::read},
                                                       wt::cl{wt::cl_subject::skus, wt::crud::destroy}}) ==
          "orders.read skus.destroy");
}

namespace {
/// Formats then parses, through all three formatting entry points and the two parsers.
template <class P>
void check_round_trip(const ward::permission_set<P>& s) {
    const std::string text = ward::to_string(s);
    CHECK(text.size() == ward::formatted_size(s));
    const auto back = ward::parse_scope<P>(text);
    REQUIRE(back);
    CHECK(back.value == s);

    std::vector<char> buf(ward::formatted_size(s) + 1, '#'); // +1: never a null data() pointer
    const auto r = ward::format_to(buf.data(), buf.data() + buf.size() - 1, s);
    REQUIRE(r);
    CHECK(std::string_view(buf.data(), buf.size() - 1) == text);
    CHECK(buf.back() == '#');

    std::vector<std::string> items;
    for (auto it = s.begin(); it != s.end(); ++it) items.emplace_back(ward::vocabulary<P>::name(it.index()));
    CHECK(ward::parse_names<P>(items).value == s);
    for (const std::string& item : items) CHECK(ward::parse_name<P>(item));
}
} // namespace

TEST_CASE("names round-trip through format and parse for every vocabulary", "[format][parse]") {
    check_round_trip(ward::permission_set<ident>::all());
    check_round_trip(ward::permission_set<ident>{ident::sudo});
    check_round_trip(ward::permission_set<ident>{});
    check_round_trip(ward::permission_set<bb>::all());
    check_round_trip(ward::permission_set<wt::cl>::all());
    check_round_trip(ward::permission_set<wt::v8>::all());
    check_round_trip(ward::permission_set<wt::v64>::all());
    check_round_trip(ward::permission_set<wt::v200>::all());
    check_round_trip(ward::permission_set<wt::v1024>::all());
    check_round_trip(ward::permission_set<wt::v1024>{wt::v1024{1023}, wt::v1024{0}, wt::v1024{512}});
    // Every permission of every vocabulary on its own.
    for (std::size_t i = 0; i < ward::vocabulary<wt::v1024>::bits; ++i) {
        const auto name = ward::vocabulary<wt::v1024>::name(i);
        const auto r = ward::parse_name<wt::v1024>(name);
        REQUIRE(r);
        CHECK(r.value.count() == 1);
        CHECK(r.value.test(i));
    }
}
