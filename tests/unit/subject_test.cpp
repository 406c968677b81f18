// SPDX-License-Identifier: MIT
// Parsing of token subjects (kind:id, provider|id) and of Commerce Layer scope restrictions
// (resource:attribute:value), every error with its position.
#include "support/ward_catch.hpp"
#include <ward/subject.hpp>

#include <cstddef>
#include <string>
#include <string_view>

using ward::errc;

TEST_CASE("parse_subject", "[engine][parse]") {
    SECTION("kind:id") {
        const auto r = ward::parse_subject("user:alice.smith@example.com");
        REQUIRE(r);
        CHECK(r.value.kind == ward::principal_kind::user);
        CHECK(r.value.kind_name == "user");
        CHECK(r.value.id == "alice.smith@example.com");
        CHECK(r.value.separator == ':');
        const auto a = ward::parse_subject("application:shop-42");
        REQUIRE(a);
        CHECK(a.value.kind == ward::principal_kind::application);
        CHECK(ward::parse_subject("organization:acme").value.kind == ward::principal_kind::organization);
        CHECK(ward::parse_subject("api_credential:k_123").value.kind == ward::principal_kind::api_credential);
        CHECK(ward::parse_subject("token:t1").value.kind == ward::principal_kind::token);
        CHECK(ward::parse_subject("invite:i1").value.kind == ward::principal_kind::invite);
    }
    SECTION("provider|id") {
        const auto r = ward::parse_subject("google-oauth2|1234567890");
        REQUIRE(r);
        CHECK(r.value.kind == ward::principal_kind::user);
        CHECK(r.value.kind_name == "google-oauth2");
        CHECK(r.value.id == "1234567890");
        CHECK(r.value.separator == '|');
        CHECK(ward::parse_subject("auth0|5f7c8ec7c33c6c004bbafe82"));
    }
    SECTION("errors, with positions") {
        struct bad {
            std::string_view in;
            errc ec;
            std::size_t pos;
        };
        const std::string overlong = "user:" + std::string(300, 'a');
        const std::string longest = "user:" + std::string(251, 'a');
        const bad cases[] = {
            {"", errc::empty_input, 0},
            {"alice", errc::malformed, 5},
            {":alice", errc::malformed, 0},
            {"|alice", errc::malformed, 0},
            {"robot:1", errc::unknown_kind, 0},
            {"User:alice", errc::invalid_character, 0},
            {"user:", errc::malformed, 5},
            {"auth0|", errc::malformed, 6},
            {"user:al ice", errc::invalid_character, 7},
            {" user:alice", errc::invalid_character, 0},
            {"user:alice ", errc::invalid_character, 10},
            {std::string_view("user:al\0ice", 11), errc::invalid_character, 7},
            {std::string_view("us\0er:alice", 11), errc::invalid_character, 2},
            {"user:a\x01", errc::invalid_character, 6},
            {"user:al:ice", errc::invalid_character, 7},
            {"user:\xc3\xa9", errc::invalid_character, 5},
            {overlong, errc::input_too_long, 256},
        };
        for (const bad& c : cases) {
            INFO(std::string(c.in));
            const auto r = ward::parse_subject(c.in);
            CHECK(!r);
            CHECK(r.ec == c.ec);
            CHECK(r.position == c.pos);
            CHECK(r.value.id.empty());
            CHECK(r.value.kind_name.empty());
        }
        CHECK(longest.size() == 256);
        CHECK(ward::parse_subject(longest));
    }
    static_assert(ward::parse_subject("user:x").value.kind == ward::principal_kind::user);
    static_assert(ward::parse_subject("robot:1").ec == ward::errc::unknown_kind);
}

TEST_CASE("parse_scope_restriction", "[engine][parse]") {
    const auto r = ward::parse_scope_restriction("market:id:dGjKqWzP");
    REQUIRE(r);
    CHECK(r.value.resource == "market");
    CHECK(r.value.attribute == "id");
    CHECK(r.value.value == "dGjKqWzP");
    const auto c = ward::parse_scope_restriction("stock_location:code:eu-west_1.a~b");
    REQUIRE(c);
    CHECK(c.value.resource == "stock_location");
    CHECK(c.value.attribute == "code");
    CHECK(c.value.value == "eu-west_1.a~b");

    struct bad {
        std::string_view in;
        errc ec;
        std::size_t pos;
    };
    const std::string overlong = "market:id:" + std::string(300, 'a');
    const bad cases[] = {
        {"", errc::empty_input, 0},
        {"market", errc::malformed, 6},
        {":id:x", errc::malformed, 0},
        {"market:", errc::malformed, 7},
        {"market:id", errc::malformed, 9},
        {"market::x", errc::malformed, 7},
        {"market:id:", errc::malformed, 10},
        {"market:name:x", errc::unknown_kind, 7},
        {"Market:id:x", errc::invalid_character, 0},
        {"market:ID:x", errc::invalid_character, 7},
        {"market:id:a b", errc::invalid_character, 11},
        {"market:id:a@b", errc::invalid_character, 11},
        {"market:id:a+b", errc::invalid_character, 11},
        {"market:id:a:b", errc::invalid_character, 11},
        {std::string_view("market:id:ab\0", 13), errc::invalid_character, 12},
        {overlong, errc::input_too_long, 256},
    };
    for (const bad& b : cases) {
        INFO(std::string(b.in));
        const auto p = ward::parse_scope_restriction(b.in);
        CHECK(!p);
        CHECK(p.ec == b.ec);
        CHECK(p.position == b.pos);
        CHECK(p.value.resource.empty());
        CHECK(p.value.value.empty());
    }
    static_assert(ward::parse_scope_restriction("market:code:EU").value.value == "EU");
}

// ---- input decisions (docs/security.md, "Input decisions") ------------------------------------------

TEST_CASE("parse_scope_restriction: the legacy two-part form and market:all are refused", "[engine][parse]") {
    // "market:1234" (legacy: no attribute) used to fail as an invalid character at the digit; it
    // is malformed at its end, where the third part is missing. ward does not guess id or code.
    const auto legacy = ward::parse_scope_restriction("market:1234");
    CHECK(legacy.ec == errc::malformed);
    CHECK(legacy.position == 11);
    CHECK(legacy.value.resource.empty());
    // "market:all" is no wildcard: malformed the same way.
    const auto all = ward::parse_scope_restriction("market:all");
    CHECK(all.ec == errc::malformed);
    CHECK(all.position == 10);
    CHECK(ward::parse_scope_restriction("market:a b").ec == errc::malformed);
    // "all" as a value is an opaque id like any other (it names the scope "market:id:all", if any).
    const auto value_all = ward::parse_scope_restriction("market:id:all");
    REQUIRE(value_all);
    CHECK(value_all.value.value == "all");
    // Upper case is not folded.
    CHECK(ward::parse_scope_restriction("MARKET:id:x").ec == errc::invalid_character);
    CHECK(ward::parse_scope_restriction("MARKET:id:x").position == 0);
    CHECK(ward::parse_scope_restriction("market:Id:x").position == 7);
    CHECK(ward::parse_scope_restriction("market:id:ABC")); // values keep their case
    static_assert(ward::parse_scope_restriction("market:1234").ec == errc::malformed);
}

TEST_CASE("parse_subject: kinds and providers are lower case; ids keep their case", "[engine][parse]") {
    struct bad {
        std::string_view in;
        errc ec;
        std::size_t pos;
    };
    const bad cases[] = {
        {"USER:abc", errc::invalid_character, 0},  {"uSer:abc", errc::invalid_character, 1},
        {"Auth0|abc", errc::invalid_character, 0}, {"google-OAuth2|1", errc::invalid_character, 7},
        {"market:1234", errc::unknown_kind, 0}, // a scope restriction is not a subject
    };
    for (const bad& c : cases) {
        INFO(std::string(c.in));
        const auto r = ward::parse_subject(c.in);
        CHECK(r.ec == c.ec);
        CHECK(r.position == c.pos);
        CHECK(r.value.id.empty());
    }
    const auto upper_id = ward::parse_subject("auth0|ABC");
    REQUIRE(upper_id);
    CHECK(upper_id.value.id == "ABC");
    CHECK(ward::parse_subject("user:ABC").value.id == "ABC");
}
