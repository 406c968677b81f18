// SPDX-License-Identifier: MIT
// Parsing of names, scope strings, pre-split lists and integer masks (formatting back to names is
// in format_test.cpp). Every input is hostile: each error case checks the code, the exact position
// and an empty value.
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/error.hpp>
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <array>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::string_view_literals;
using wt::bb;
using wt::ident;
using iset = ward::permission_set<ident>;
using bset = ward::permission_set<bb>;
using ward::errc;
using ward::parse_mode;
using wt::delete_deployments;
using wt::read_users;
using wt::update_users;

/// Checks a failed parse: the code, the position, an empty value and nothing counted as skipped.
template <class P>
void check_error(const ward::parse_result<ward::permission_set<P>>& r, errc ec, std::size_t position) {
    CHECK_FALSE(r);
    CHECK(r.ec == ec);
    CHECK(r.position == position);
    CHECK(r.value.none());
    CHECK(r.skipped == 0);
}

} // namespace

// ---- parse_name -------------------------------------------------------------------------------------

TEST_CASE("parse_name: exactly one wire name", "[parse][name]") {
    const auto r = ward::parse_name<bb>("read:users");
    REQUIRE(r);
    CHECK(r.value == bset{read_users});
    CHECK(r.position == 0);
    CHECK(r.skipped == 0);
    CHECK(ward::parse_name<bb>("delete:deployments").value == bset{delete_deployments});
    CHECK(ward::parse_name<ident>("sudo").value == iset{ident::sudo});
    CHECK(ward::parse_name<wt::cl>("orders.update").value ==
          ward::permission_set<wt::cl>{wt::cl{wt::cl_subject::orders, wt::crud::update}});

    check_error(ward::parse_name<bb>(""), errc::empty_input, 0);
    check_error(ward::parse_name<bb>("READ:users"), errc::unknown_name, 0); // case-sensitive
    check_error(ward::parse_name<bb>("Read:Users"), errc::unknown_name, 0);
    check_error(ward::parse_name<bb>("users:read"), errc::unknown_name, 0);
    check_error(ward::parse_name<bb>("read:user"), errc::unknown_name, 0);
    check_error(ward::parse_name<bb>("read:userss"), errc::unknown_name, 0);
    check_error(ward::parse_name<bb>("read"), errc::unknown_name, 0);
    check_error(ward::parse_name<bb>("read:users update:users"), errc::invalid_character, 10);
    check_error(ward::parse_name<bb>(" read:users"), errc::invalid_character, 0);
    check_error(ward::parse_name<bb>("read:users "), errc::invalid_character, 10);
    check_error(ward::parse_name<bb>("read:\tusers"), errc::invalid_character, 5);
    check_error(ward::parse_name<bb>("read:users\n"), errc::invalid_character, 10);
    check_error(ward::parse_name<bb>("\"read:users\""), errc::invalid_character, 0);
    check_error(ward::parse_name<bb>("read:us\\ers"), errc::invalid_character, 7);
    check_error(ward::parse_name<bb>("read:us\xC3\xA9rs"), errc::invalid_character, 7);
    check_error(ward::parse_name<bb>("read:users\x7F"), errc::invalid_character, 10);
    check_error(ward::parse_name<bb>("\xFF"), errc::invalid_character, 0);
}

TEST_CASE("parse_name: embedded NUL bytes are not terminators", "[parse][name]") {
    check_error(ward::parse_name<bb>("read:users\0"sv), errc::invalid_character, 10);
    check_error(ward::parse_name<bb>("read\0:users"sv), errc::invalid_character, 4);
    check_error(ward::parse_name<bb>("\0read:users"sv), errc::invalid_character, 0);
    check_error(ward::parse_name<bb>(std::string_view("\0", 1)), errc::invalid_character, 0);
    // A std::string holding a NUL keeps its full length when viewed.
    const std::string s("sudo\0sudo", 9);
    check_error(ward::parse_name<ident>(s), errc::invalid_character, 4);
}

TEST_CASE("parse_name: overlong input", "[parse][name]") {
    const std::string longest(WARD_MAX_INPUT_LENGTH, 'a');
    check_error(ward::parse_name<bb>(longest), errc::unknown_name, 0); // at the limit: well formed, unknown
    const std::string too_long(WARD_MAX_INPUT_LENGTH + 1, 'a');
    check_error(ward::parse_name<bb>(too_long), errc::input_too_long, WARD_MAX_INPUT_LENGTH);
    // A known name followed by junk past the limit is still refused as too long, not scanned.
    std::string padded = "read:users" + std::string(WARD_MAX_INPUT_LENGTH, '\0');
    check_error(ward::parse_name<bb>(padded), errc::input_too_long, WARD_MAX_INPUT_LENGTH);
    // One byte longer than the longest defined name is unknown, not an error of another kind.
    const std::string near = "revoke_resource_authorizationx";
    check_error(ward::parse_name<ident>(near), errc::unknown_name, 0);
}

// ---- parse_scope ----------------------------------------------------------------------------------

TEST_CASE("parse_scope: space-separated names", "[parse][scope]") {
    const auto r = ward::parse_scope<bb>("read:users update:users delete:deployments");
    REQUIRE(r);
    CHECK(r.value == bset{read_users, update_users, delete_deployments});
    CHECK(r.skipped == 0);
    // Order and repetition do not matter.
    CHECK(ward::parse_scope<bb>("delete:deployments read:users read:users").value ==
          bset{read_users, delete_deployments});
    CHECK(ward::parse_scope<ident>("list_users sudo").value == iset{ident::list_users, ident::sudo});
    CHECK(ward::parse_scope<ident>("sudo").value == iset{ident::sudo});
    // Parsing is not closure: sudo does not bring its implications in.
    CHECK(ward::parse_scope<ident>("sudo").value.count() == 1);
}

TEST_CASE("parse_scope: empty input is an empty set in both modes", "[parse][scope]") {
    for (parse_mode m : {parse_mode::strict, parse_mode::lenient}) {
        const auto r = ward::parse_scope<bb>("", m);
        REQUIRE(r);
        CHECK(r.value.none());
        CHECK(r.skipped == 0);
        CHECK(ward::parse_scope<bb>(std::string_view{}, m));
    }
}

TEST_CASE("parse_scope: leading; trailing and repeated separators", "[parse][scope]") {
    struct sep_case {
        const char* input;
        std::size_t strict_position;
        bset lenient_value;
    };
    const sep_case cases[] = {
        {" ", 0, bset{}},
        {"  ", 0, bset{}},
        {" read:users", 0, bset{read_users}},
        {"read:users ", 11, bset{read_users}},
        {"read:users  update:users", 11, bset{read_users, update_users}},
        {"read:users update:users   ", 24, bset{read_users, update_users}},
        {"   read:users   update:users   ", 0, bset{read_users, update_users}},
    };
    for (const sep_case& c : cases) {
        INFO('"' << c.input << '"');
        check_error(ward::parse_scope<bb>(c.input), errc::empty_name, c.strict_position);
        const auto lenient = ward::parse_scope<bb>(c.input, parse_mode::lenient);
        REQUIRE(lenient);
        CHECK(lenient.value == c.lenient_value);
        CHECK(lenient.skipped == 0); // empty items are skipped, not counted as unknown names
    }
}

TEST_CASE("parse_scope: unknown names; strict vs lenient", "[parse][scope]") {
    check_error(ward::parse_scope<bb>("read:users nope update:users"), errc::unknown_name, 11);
    check_error(ward::parse_scope<bb>("nope"), errc::unknown_name, 0);
    check_error(ward::parse_scope<bb>("read:users READ:users"), errc::unknown_name, 11);
    check_error(ward::parse_scope<bb>("read:users update:users read:Users"), errc::unknown_name, 24);
    check_error(ward::parse_scope<ident>("Sudo"), errc::unknown_name, 0);

    const auto r = ward::parse_scope<bb>("read:users nope update:users READ:users x:y", parse_mode::lenient);
    REQUIRE(r);
    CHECK(r.value == bset{read_users, update_users});
    CHECK(r.skipped == 3);

    // A case-variant of a privileged name is skipped, never granted.
    const auto sudo = ward::parse_scope<ident>("SUDO sudo_ Sudo", parse_mode::lenient);
    REQUIRE(sudo);
    CHECK(sudo.value.none());
    CHECK_FALSE(sudo.value.contains(ident::sudo));
    CHECK(sudo.skipped == 3);

    // Only unknown names count; empty items between them do not.
    const auto mixed = ward::parse_scope<ident>("  a  b sudo ", parse_mode::lenient);
    REQUIRE(mixed);
    CHECK(mixed.value == iset{ident::sudo});
    CHECK(mixed.skipped == 2);
}

TEST_CASE("parse_scope: bytes outside the scope-token alphabet fail in both modes", "[parse][scope]") {
    struct bad_case {
        std::string_view input;
        std::size_t position;
    };
    const bad_case cases[] = {
        {"read:users\tupdate:users"sv, 10}, // tab is not a separator
        {"read:users\nupdate:users"sv, 10},
        {"read:users\rupdate:users"sv, 10},
        {"read:users\0update:users"sv, 10},  // embedded NUL
        {"read:users update:users\0"sv, 23}, // trailing NUL
        {"\0read:users"sv, 0},
        {"read:users \"update:users\""sv, 11},
        {"read:users up\\date:users"sv, 13},
        {"read:users caf\xC3\xA9"sv, 14}, // UTF-8
        {"read:users \x80"sv, 11},
        {"read:users \x7F"sv, 11},
        {"read:users\x1F"sv, 10},
        {"nope \t"sv, 5}, // in lenient mode the junk after an unknown name is reached
    };
    for (const bad_case& c : cases) {
        INFO("input of " << c.input.size() << " bytes, bad byte at " << c.position);
        check_error(ward::parse_scope<bb>(c.input, parse_mode::lenient), errc::invalid_character, c.position);
        if (c.input.substr(0, 4) != "nope") {
            check_error(ward::parse_scope<bb>(c.input), errc::invalid_character, c.position);
        }
    }
    // In strict mode the first bad item decides: an unknown name before the junk.
    check_error(ward::parse_scope<bb>("nope \t"sv), errc::unknown_name, 0);
}

TEST_CASE("parse_scope: overlong input", "[parse][scope]") {
    // Exactly the limit: "sudo" and 8188 spaces. Strict refuses the empty items, lenient accepts.
    std::string at_limit = "sudo" + std::string(WARD_MAX_INPUT_LENGTH - 4, ' ');
    REQUIRE(at_limit.size() == WARD_MAX_INPUT_LENGTH);
    check_error(ward::parse_scope<ident>(at_limit), errc::empty_name, 5);
    const auto ok = ward::parse_scope<ident>(at_limit, parse_mode::lenient);
    REQUIRE(ok);
    CHECK(ok.value == iset{ident::sudo});

    // One byte more: refused before it is scanned, in both modes.
    const std::string over = at_limit + " ";
    check_error(ward::parse_scope<ident>(over), errc::input_too_long, WARD_MAX_INPUT_LENGTH);
    check_error(ward::parse_scope<ident>(over, parse_mode::lenient), errc::input_too_long, WARD_MAX_INPUT_LENGTH);

    // Many valid names just over the limit.
    std::string names;
    while (names.size() <= WARD_MAX_INPUT_LENGTH) names += "read:users ";
    names.pop_back();
    REQUIRE(names.size() > WARD_MAX_INPUT_LENGTH);
    check_error(ward::parse_scope<bb>(names), errc::input_too_long, WARD_MAX_INPUT_LENGTH);

    // A single overlong name inside the limit is just unknown.
    const std::string one_long(WARD_MAX_INPUT_LENGTH, 'x');
    check_error(ward::parse_scope<bb>(one_long), errc::unknown_name, 0);
    const auto skipped = ward::parse_scope<bb>(one_long, parse_mode::lenient);
    REQUIRE(skipped);
    CHECK(skipped.value.none());
    CHECK(skipped.skipped == 1);
}

// ---- parse_names ----------------------------------------------------------------------------------

TEST_CASE("parse_names: pre-split sequences", "[parse][names]") {
    const bset want{read_users, update_users};

    const std::vector<std::string> vec{"read:users", "update:users"};
    const auto from_vector = ward::parse_names<bb>(vec);
    REQUIRE(from_vector);
    CHECK(from_vector.value == want);
    CHECK(ward::parse_names<bb>(vec.begin(), vec.end()).value == want);

    const std::array<std::string_view, 2> arr{"update:users", "read:users"};
    CHECK(ward::parse_names<bb>(arr).value == want);

    const auto from_list = ward::parse_names<bb>({"read:users", "update:users"});
    REQUIRE(from_list);
    CHECK(from_list.value == want);

    const char* raw[] = {"read:users", "update:users", "read:users"};
    CHECK(ward::parse_names<bb>(raw).value == want);
    CHECK(ward::parse_names<bb>(std::begin(raw), std::end(raw)).value == want);

    const std::list<std::string> linked{"delete:deployments"};
    CHECK(ward::parse_names<bb>(linked).value == bset{delete_deployments});

    const std::vector<std::string> none;
    const auto empty = ward::parse_names<bb>(none);
    REQUIRE(empty);
    CHECK(empty.value.none());
    CHECK(ward::parse_names<bb>(std::initializer_list<std::string_view>{}));
}

TEST_CASE("parse_names: errors give the index of the bad item", "[parse][names]") {
    const std::vector<std::string> unknown{"read:users", "update:users", "READ:users"};
    check_error(ward::parse_names<bb>(unknown), errc::unknown_name, 2);
    check_error(ward::parse_names<bb>({"read:users", ""}), errc::empty_name, 1);
    check_error(ward::parse_names<bb>({"", "read:users"}), errc::empty_name, 0);
    // An item is one name: a space inside it is not a separator here.
    check_error(ward::parse_names<bb>({"read:users update:users"}), errc::invalid_character, 0);
    check_error(ward::parse_names<bb>({"read:users", " update:users"}), errc::invalid_character, 1);
    check_error(ward::parse_names<bb>({"read:users", "update:users\t"}), errc::invalid_character, 1);
    const std::vector<std::string> with_nul{"read:users", std::string("update:users\0", 13)};
    check_error(ward::parse_names<bb>(with_nul), errc::invalid_character, 1);
    const std::array<std::string_view, 3> with_utf8{"read:users", "update:users", "read:us\xC3\xA9rs"};
    check_error(ward::parse_names<bb>(with_utf8), errc::invalid_character, 2);
    const std::vector<std::string> overlong{"read:users", std::string(WARD_MAX_INPUT_LENGTH + 1, 'r')};
    check_error(ward::parse_names<bb>(overlong), errc::input_too_long, 1);
    // Lenient mode does not excuse malformed items either.
    check_error(ward::parse_names<bb>(overlong, parse_mode::lenient), errc::input_too_long, 1);
    check_error(ward::parse_names<bb>(with_nul, parse_mode::lenient), errc::invalid_character, 1);
}

TEST_CASE("parse_names: lenient mode skips empty and unknown items", "[parse][names]") {
    const std::vector<std::string> items{"", "read:users", "nope", "READ:users", "", "update:users"};
    const auto r = ward::parse_names<bb>(items, parse_mode::lenient);
    REQUIRE(r);
    CHECK(r.value == bset{read_users, update_users});
    CHECK(r.skipped == 2);
    const auto it = ward::parse_names<bb>(items.begin(), items.end(), parse_mode::lenient);
    CHECK(it.value == r.value);
    CHECK(it.skipped == 2);
    const auto list = ward::parse_names<bb>({"nope", "delete:deployments"}, parse_mode::lenient);
    CHECK(list.value == bset{delete_deployments});
    CHECK(list.skipped == 1);
}

// ---- parse_integer --------------------------------------------------------------------------------

TEST_CASE("parse_integer: numbers and decimal strings", "[parse][integer]") {
    const iset default_user{ident::authenticate,    ident::read_resources,  ident::create_resource,
                            ident::update_resource, ident::delete_resource, ident::publish,
                            ident::subscribe};
    CHECK(ward::parse_integer<ident>(415).value == default_user);
    const auto dec = ward::parse_integer<ident>("415");
    REQUIRE(dec);
    CHECK(dec.value == default_user);
    CHECK(ward::parse_integer<ident>(std::string("536871327")).value == (default_user | ident::sudo));
    const auto zero = ward::parse_integer<ident>("0");
    REQUIRE(zero);
    CHECK(zero.value.none());

    check_error(ward::parse_integer<ident>(""), errc::empty_input, 0);
    check_error(ward::parse_integer<ident>("-1"), errc::malformed, 0);
    check_error(ward::parse_integer<ident>("+1"), errc::malformed, 0);
    check_error(ward::parse_integer<ident>(" 1"), errc::malformed, 0);
    check_error(ward::parse_integer<ident>("1 "), errc::malformed, 1);
    check_error(ward::parse_integer<ident>("4.15e2"), errc::malformed, 1);
    check_error(ward::parse_integer<ident>("0x19f"), errc::malformed, 1);
    check_error(ward::parse_integer<ident>("41\0"
                                           "5"sv),
                errc::malformed, 2);
    check_error(ward::parse_integer<ident>("\xEF\xBC\x91"), errc::malformed, 0); // a full-width digit
    // 2^64 overflows at its last digit; 2^64-1 fits but has undefined bits.
    check_error(ward::parse_integer<ident>("18446744073709551616"), errc::value_out_of_range, 19);
    check_error(ward::parse_integer<ident>("99999999999999999999"), errc::value_out_of_range, 19);
    check_error(ward::parse_integer<ident>("184467440737095516150"), errc::value_out_of_range, 20);
    check_error(ward::parse_integer<ident>("18446744073709551615"), errc::unknown_bit, 14);
    check_error(ward::parse_integer<ident>("16384"), errc::unknown_bit, 14);
    check_error(ward::parse_integer<ident>("1073741824"), errc::unknown_bit, 30);
    const auto max64 = ward::parse_integer<wt::v64>("18446744073709551615");
    REQUIRE(max64);
    CHECK(max64.value == ward::permission_set<wt::v64>::all());
}

TEST_CASE("parse_integer: decimal text is a JSON integer; malformed before out of range", "[parse][integer]") {
    // Leading zeros: JSON forbids them, so they are malformed at the byte after the zero, however
    // small the value and however long the text.
    check_error(ward::parse_integer<ident>("0415"), errc::malformed, 1);
    check_error(ward::parse_integer<ident>("00"), errc::malformed, 1);
    check_error(ward::parse_integer<ident>("000415"), errc::malformed, 1);
    const std::string padded = std::string(25, '0') + "415"; // its value fits 64 bits
    check_error(ward::parse_integer<ident>(padded), errc::malformed, 1);
    // Text that is not a number at all is malformed, even past 20 digits.
    check_error(ward::parse_integer<ident>("12345678901234567890x"), errc::malformed, 20);
    check_error(ward::parse_integer<ident>("99999999999999999999999-"), errc::malformed, 23);
    check_error(ward::parse_integer<ident>("0x"), errc::malformed, 1);
    // A number that does not fit stays value_out_of_range, at the digit where it overflows.
    check_error(ward::parse_integer<ident>("123456789012345678901"), errc::value_out_of_range, 20);
    const std::string huge = "1" + std::string(WARD_MAX_INPUT_LENGTH - 1, '0');
    check_error(ward::parse_integer<ident>(huge), errc::value_out_of_range, 20);
    // Past WARD_MAX_INPUT_LENGTH: refused before it is scanned.
    check_error(ward::parse_integer<ident>(huge + "0"), errc::input_too_long, WARD_MAX_INPUT_LENGTH);
    const std::string junk(WARD_MAX_INPUT_LENGTH + 1, 'x');
    check_error(ward::parse_integer<ident>(junk), errc::input_too_long, WARD_MAX_INPUT_LENGTH);
    // A single zero and numbers without leading zeros are fine.
    REQUIRE(ward::parse_integer<ident>("0"));
    CHECK(ward::parse_integer<ident>("0").value.none());
    REQUIRE(ward::parse_integer<ident>("415"));
    REQUIRE(ward::parse_integer<ident>("10"));
    static_assert(ward::parse_integer<ident>("0415").ec == errc::malformed);
}

// ---- the whole input of one call is bounded ---------------------------------------------------------

TEST_CASE("parse_names: WARD_MAX_INPUT_LENGTH bounds the whole list, not each item", "[parse][names]") {
    // 100,000 bytes of short, valid names: every item is short, the list is not.
    std::vector<std::string> many;
    std::size_t bytes = 0;
    while (bytes < 100000) {
        many.emplace_back("read:users");
        bytes += 11;
    }
    check_error(ward::parse_names<bb>(many), errc::input_too_long, (WARD_MAX_INPUT_LENGTH + 1) / 11);
    check_error(ward::parse_names<bb>(many, parse_mode::lenient), errc::input_too_long,
                (WARD_MAX_INPUT_LENGTH + 1) / 11);
    check_error(ward::parse_names<bb>(many.begin(), many.end()), errc::input_too_long,
                (WARD_MAX_INPUT_LENGTH + 1) / 11);

    // Exactly the limit, counted as the items joined by single spaces, is accepted; one byte more
    // is not. Two items: a + 1 + b bytes.
    const std::string a(WARD_MAX_INPUT_LENGTH - 11, 'x');
    const std::vector<std::string> at_limit{"read:users", a};
    REQUIRE(10 + 1 + a.size() == WARD_MAX_INPUT_LENGTH);
    const auto ok = ward::parse_names<bb>(at_limit, parse_mode::lenient);
    REQUIRE(ok);
    CHECK(ok.value == bset{read_users});
    CHECK(ok.skipped == 1);
    const std::vector<std::string> over{"read:users", a + "x"};
    check_error(ward::parse_names<bb>(over, parse_mode::lenient), errc::input_too_long, 1);

    // Empty items count their separators too: a list of empty strings cannot be endless.
    const std::vector<std::string_view> empties(WARD_MAX_INPUT_LENGTH + 2);
    check_error(ward::parse_names<bb>(empties, parse_mode::lenient), errc::input_too_long, WARD_MAX_INPUT_LENGTH + 1);

    // A null C string is an empty item, never a crash.
    const char* with_null[] = {"read:users", nullptr};
    check_error(ward::parse_names<bb>(with_null), errc::empty_name, 1);
    const auto lenient_null = ward::parse_names<bb>(with_null, parse_mode::lenient);
    REQUIRE(lenient_null);
    CHECK(lenient_null.value == bset{read_users});
}

// ---- permissions<P>() at run time -------------------------------------------------------------------

TEST_CASE("permissions<P>: a literal; and bad input at run time grants nothing", "[parse][literal]") {
    CHECK(ward::permissions<bb>("read:users update:users") == bset{read_users, update_users});
    std::string input = "read:users nope";
    CHECK(ward::permissions<bb>(input).none());
    input = "read:users  update:users";
    CHECK(ward::permissions<bb>(input).none());
    input = "read:users update:users";
    CHECK(ward::permissions<bb>(input) == bset{read_users, update_users});
}
