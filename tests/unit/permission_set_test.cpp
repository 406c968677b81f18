// SPDX-License-Identifier: MIT
// permission_set at run time: provide ident's documented masks, the integer wire form, all-of vs
// any-of, implications, product rows and columns, iteration, hashing.
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using wt::ident;
using iset = ward::permission_set<ident>;

/// The bit indices iteration visits, in order.
template <class P>
std::vector<std::size_t> indices(const ward::permission_set<P>& s) {
    std::vector<std::size_t> out;
    for (auto it = s.begin(); it != s.end(); ++it) out.push_back(it.index());
    return out;
}

} // namespace

TEST_CASE("provide ident's named default masks decode to exactly the documented flags", "[permission_set][ident]") {
    struct named_mask {
        const char* what;
        std::uint64_t mask;
        iset flags;
    };
    // Worked out by hand from DOMAIN.md's flag values:
    //   415 = 0x19F = 0x100|0x80|0x10|0x8|0x4|0x2|0x1, 510 = 0x1FE = 0x100|0x80|0x40|0x20|0x10|0x8|0x4|0x2,
    //   30 = 0x1E = 0x10|0x8|0x4|0x2, 386 = 0x182 = 0x100|0x80|0x2, sudoer = 415|0x20000000.
    const named_mask masks[] = {
        {"default user 415", 415,
         iset{ident::authenticate, ident::read_resources, ident::create_resource, ident::update_resource,
              ident::delete_resource, ident::publish, ident::subscribe}},
        {"application resource 510", 510,
         iset{ident::read_resources, ident::create_resource, ident::update_resource, ident::delete_resource,
              ident::grant_resource_authorization, ident::revoke_resource_authorization, ident::publish,
              ident::subscribe}},
        {"organization token 30", 30,
         iset{ident::read_resources, ident::create_resource, ident::update_resource, ident::delete_resource}},
        {"organization user 386", 386, iset{ident::read_resources, ident::publish, ident::subscribe}},
        {"sudoer 415|Sudo", 415u | 0x20000000u,
         iset{ident::authenticate, ident::read_resources, ident::create_resource, ident::update_resource,
              ident::delete_resource, ident::publish, ident::subscribe, ident::sudo}},
    };
    for (const named_mask& m : masks) {
        INFO(m.what);
        const auto r = ward::parse_integer<ident>(m.mask);
        REQUIRE(r);
        CHECK(r.ec == ward::errc::ok);
        CHECK(r.value == m.flags);
        CHECK(r.value.to_integer() == m.mask);
        CHECK(m.flags.to_integer() == m.mask);
        CHECK(iset::from_integer(m.mask).value == m.flags);
    }
    CHECK(masks[0].flags.count() == 7);
    CHECK(masks[1].flags.count() == 8);
    CHECK(masks[2].flags.count() == 4);
    CHECK(masks[3].flags.count() == 3);
    CHECK(masks[4].flags.count() == 8);
}

TEST_CASE("each ident flag has the documented wire value", "[permission_set][ident]") {
    const std::pair<ident, std::uint32_t> flags[] = {
        {ident::authenticate, 0x1u},
        {ident::read_resources, 0x2u},
        {ident::create_resource, 0x4u},
        {ident::update_resource, 0x8u},
        {ident::delete_resource, 0x10u},
        {ident::grant_resource_authorization, 0x20u},
        {ident::revoke_resource_authorization, 0x40u},
        {ident::publish, 0x80u},
        {ident::subscribe, 0x100u},
        {ident::reserved, 0x200u},
        {ident::list_applications, 0x400u},
        {ident::create_application, 0x800u},
        {ident::update_application, 0x1000u},
        {ident::delete_application, 0x2000u},
        {ident::list_users, 0x100000u},
        {ident::create_user, 0x200000u},
        {ident::update_user, 0x400000u},
        {ident::delete_user, 0x800000u},
        {ident::list_tokens, 0x1000000u},
        {ident::create_token, 0x2000000u},
        {ident::delete_token, 0x4000000u},
        {ident::sudo, 0x20000000u},
    };
    std::uint32_t all = 0;
    for (const auto& f : flags) {
        INFO(ward::name_of(f.first));
        CHECK(iset{f.first}.to_integer() == f.second);
        const auto r = ward::parse_integer<ident>(f.second);
        REQUIRE(r);
        CHECK(r.value == iset{f.first});
        all |= f.second;
    }
    CHECK(iset::all().to_integer() == all);
    CHECK(all == 0x27F03FFFu);
    CHECK(iset::all().count() == 22);
}

TEST_CASE("an integer mask with an undefined bit is rejected with that bit's index", "[permission_set][ident]") {
    struct bad_mask {
        std::uint64_t mask;
        std::size_t bit;
    };
    const bad_mask cases[] = {
        {0x4000u, 14},                            // first gap bit
        {0x80000u, 19},                           // last gap bit
        {std::uint64_t{1} << 27, 27},             // between DeleteToken and Sudo
        {std::uint64_t{1} << 30, 30},             // above Sudo
        {std::uint64_t{1} << 31, 31},             // top bit of the uint32 wire type
        {std::uint64_t{1} << 32, 32},             // beyond the wire type
        {std::uint64_t{1} << 63, 63},             // the top of a uint64
        {415u | (std::uint64_t{1} << 63), 63},    // good bits do not hide a bad one
        {0x4000u | (std::uint64_t{1} << 30), 14}, // the lowest bad bit is reported
        {0xFFFFFFFFFFFFFFFFull, 14},
    };
    for (const bad_mask& c : cases) {
        INFO("mask " << c.mask);
        const auto r = ward::parse_integer<ident>(c.mask);
        CHECK_FALSE(r);
        CHECK(r.ec == ward::errc::unknown_bit);
        CHECK(r.position == c.bit);
        CHECK(r.value.none());
        CHECK(r.value.to_integer() == 0u);
        CHECK(r.skipped == 0);
    }
    // Zero is the empty set, a valid mask.
    const auto zero = ward::parse_integer<ident>(std::uint64_t{0});
    REQUIRE(zero);
    CHECK(zero.value.none());
}

TEST_CASE("integer wire form of 8- and 64-bit vocabularies", "[permission_set]") {
    using s8 = ward::permission_set<wt::v8>;
    using s64 = ward::permission_set<wt::v64>;
    const auto full8 = s8::from_integer(0xFFu);
    REQUIRE(full8);
    CHECK(full8.value == s8::all());
    const std::uint8_t w8 = full8.value.to_integer(); // the declared wire type
    CHECK(w8 == 0xFFu);
    const auto over = s8::from_integer(0x1FFu);
    CHECK(over.ec == ward::errc::unknown_bit);
    CHECK(over.position == 8);
    CHECK(over.value.none());

    const auto full64 = s64::from_integer(~std::uint64_t{0});
    REQUIRE(full64);
    CHECK(full64.value.count() == 64);
    CHECK(full64.value.to_integer() == ~std::uint64_t{0});
    CHECK(s64{wt::v64{63}}.to_integer() == std::uint64_t{1} << 63);
    // A wider destination type than the declared one is allowed.
    CHECK(iset{ident::sudo}.to_integer<std::uint64_t>() == 0x20000000u);
}

TEST_CASE("contains_all and contains_any are different questions", "[permission_set][ident]") {
    const iset user = ward::parse_integer<ident>(386).value; // read, publish, subscribe
    const iset required{ident::read_resources, ident::delete_resource};

    // provide's Has() is an any-bit test: it would let this user through.
    CHECK(user.contains_any(required));
    // ward's all-of test refuses: delete_resource is missing.
    CHECK_FALSE(user.contains_all(required));
    CHECK((required - user) == iset{ident::delete_resource});

    CHECK(user.contains_all(iset{ident::read_resources, ident::publish}));
    CHECK_FALSE(user.contains_any(iset{ident::sudo, ident::authenticate}));

    // The empty requirement: all-of is vacuously true, any-of is false (Has(0) is false too).
    const iset empty;
    CHECK(user.contains_all(empty));
    CHECK_FALSE(user.contains_any(empty));
    CHECK(empty.contains_all(empty));
    CHECK_FALSE(empty.contains_any(empty));
    CHECK_FALSE(empty.contains_all(user));
    CHECK_FALSE(empty.contains_any(user));

    CHECK(user.contains(ident::publish));
    CHECK_FALSE(user.contains(ident::authenticate));
}

TEST_CASE("undefined enum values never become members", "[permission_set][ident]") {
    iset s{ident::authenticate};
    s.insert(ident{14}).insert(ident{30}).insert(ident{31});
    CHECK(s == iset{ident::authenticate});
    CHECK(s.count() == 1);
    CHECK_FALSE(s.contains(ident{14}));
    CHECK_FALSE(iset::all().contains(ident{14}));
    CHECK_FALSE(iset::all().contains(ident{200}));
    CHECK_FALSE(iset::all().test(14));
    CHECK_FALSE(iset::all().test(1000));
    CHECK(iset{ident{14}}.none());
    s.erase(ident{14});
    CHECK(s == iset{ident::authenticate});
    s.erase(ident::authenticate);
    CHECK(s.none());

    // from_words drops undefined bits.
    iset::word_array w{};
    w[0] = 0x4000u | 0x1u | (std::uint64_t{1} << 40);
    CHECK(iset::from_words(w) == iset{ident::authenticate});
}

TEST_CASE("set algebra on ident", "[permission_set][ident]") {
    const iset a{ident::authenticate, ident::read_resources, ident::sudo};
    const iset b{ident::read_resources, ident::publish};
    CHECK((a | b) == iset{ident::authenticate, ident::read_resources, ident::publish, ident::sudo});
    CHECK((a & b) == iset{ident::read_resources});
    CHECK((a - b) == iset{ident::authenticate, ident::sudo});
    CHECK((a ^ b) == iset{ident::authenticate, ident::publish, ident::sudo});
    CHECK((~a).count() == 19);
    CHECK_FALSE((~a).contains(ident::sudo));
    CHECK((~a).contains(ident::delete_token));
    CHECK((~a).to_integer() == (0x27F03FFFu & ~(0x1u | 0x2u | 0x20000000u)));
    CHECK((a | ident::publish) == iset{ident::authenticate, ident::read_resources, ident::publish, ident::sudo});

    iset c = a;
    c |= b;
    CHECK(c == (a | b));
    c = a;
    c &= b;
    CHECK(c == (a & b));
    c = a;
    c -= b;
    CHECK(c == (a - b));
    c = a;
    c ^= b;
    CHECK(c == (a ^ b));
    c.clear();
    CHECK(c.empty());
    CHECK(c.size() == 0);
    CHECK(a != b);
}

TEST_CASE("sudo implies every privileged flag and nothing else", "[permission_set][ident][implication]") {
    const iset privileged{ident::list_applications,  ident::create_application, ident::update_application,
                          ident::delete_application, ident::list_users,         ident::create_user,
                          ident::update_user,        ident::delete_user,        ident::list_tokens,
                          ident::create_token,       ident::delete_token};
    const iset sudoer = ward::parse_integer<ident>(415u | 0x20000000u).value;
    const iset effective = sudoer.implied();
    CHECK(effective == (sudoer | privileged));
    CHECK(effective.count() == 8 + 11);
    CHECK_FALSE(effective.contains(ident::reserved));
    CHECK_FALSE(effective.contains(ident::grant_resource_authorization));
    // Without sudo nothing is added; implications do not run backwards.
    const iset user = ward::parse_integer<ident>(415).value;
    CHECK(user.implied() == user);
    CHECK(privileged.implied() == privileged);
    CHECK_FALSE(privileged.implied().contains(ident::sudo));
}

TEST_CASE("Commerce Layer: update and destroy imply read; per subject", "[permission_set][product][implication]") {
    using wt::cl;
    using wt::cl_subject;
    using wt::crud;
    using cset = ward::permission_set<cl>;
    CHECK(cset{cl{cl_subject::orders, crud::update}}.implied() ==
          cset{cl{cl_subject::orders, crud::update}, cl{cl_subject::orders, crud::read}});
    CHECK(cset{cl{cl_subject::prices, crud::destroy}, cl{cl_subject::skus, crud::create}}.implied() ==
          cset{cl{cl_subject::prices, crud::destroy}, cl{cl_subject::prices, crud::read},
               cl{cl_subject::skus, crud::create}});
    CHECK(cset{cl{cl_subject::orders, crud::read}}.implied() == cset{cl{cl_subject::orders, crud::read}});
    CHECK(ward::row<cl>(cl_subject::markets).implied() == ward::row<cl>(cl_subject::markets));
}

TEST_CASE("product rows and columns", "[permission_set][product]") {
    using wt::bb;
    using wt::bb_action;
    using wt::bb_resource;
    using bset = ward::permission_set<bb>;
    const bset users = ward::row<bb>(bb_resource::users);
    CHECK(ward::to_string(users) == "read:users create:users update:users delete:users");
    const bset reads = ward::column<bb>(bb_action::read);
    CHECK(ward::to_string(reads) ==
          "read:users read:organization read:organization_api_key read:blueprints read:deployments");
    CHECK((users & reads) == bset{bb{bb_resource::users, bb_action::read}});
    CHECK((users | reads).count() == 8);

    bset rows, cols;
    for (bb_resource r : {bb_resource::users, bb_resource::organization, bb_resource::organization_api_key,
                          bb_resource::blueprints, bb_resource::deployments})
        rows |= ward::row<bb>(r);
    for (bb_action a : {bb_action::read, bb_action::create, bb_action::update, bb_action::remove})
        cols |= ward::column<bb>(a);
    CHECK(rows == bset::all());
    CHECK(cols == bset::all());
    CHECK(bset::all().count() == 20);
    // Rows are disjoint.
    CHECK((ward::row<bb>(bb_resource::users) & ward::row<bb>(bb_resource::organization)).none());
}

TEST_CASE("iteration visits members in bit order", "[permission_set]") {
    const iset s{ident::sudo, ident::authenticate, ident::list_users, ident::delete_application};
    CHECK(indices(s) == std::vector<std::size_t>{0, 13, 20, 29});
    std::vector<ident> seen;
    for (ident p : s) seen.push_back(p);
    CHECK(seen == std::vector<ident>{ident::authenticate, ident::delete_application, ident::list_users, ident::sudo});
    CHECK(indices(iset{}).empty());
    CHECK(iset{}.begin() == iset{}.end());

    using s1k = ward::permission_set<wt::v1024>;
    const s1k w{wt::v1024{1023}, wt::v1024{64}, wt::v1024{63}, wt::v1024{0}, wt::v1024{640}};
    CHECK(indices(w) == std::vector<std::size_t>{0, 63, 64, 640, 1023});
    CHECK(indices(s1k::all()).size() == 1024);
    auto it = w.begin();
    const auto first = it++;
    CHECK(first.index() == 0);
    CHECK(it.index() == 63);
}

TEST_CASE("hash: equal sets hash equally; sets work in unordered containers", "[permission_set]") {
    using s1k = ward::permission_set<wt::v1024>;
    const s1k a{wt::v1024{5}, wt::v1024{900}};
    s1k b;
    b.insert(wt::v1024{900}).insert(wt::v1024{5});
    CHECK(a.hash() == b.hash());
    CHECK(std::hash<s1k>{}(a) == a.hash());
    // Distinct sets: the same bit in different words, and sets differing in one bit.
    CHECK(s1k{wt::v1024{0}}.hash() != s1k{wt::v1024{64}}.hash());
    CHECK(a.hash() != (a | wt::v1024{6}).hash());

    std::unordered_set<iset> seen;
    for (std::uint32_t m : {415u, 510u, 30u, 386u, 415u, 30u}) seen.insert(ward::parse_integer<ident>(m).value);
    CHECK(seen.size() == 4);
    CHECK(seen.count(ward::parse_integer<ident>(510).value) == 1);
}

TEST_CASE("vocabulary tables", "[vocabulary]") {
    using voc = ward::vocabulary<ident>;
    CHECK(voc::bits == 30);
    CHECK(voc::words == 1);
    CHECK(voc::size == 22);
    CHECK(voc::max_name_length == std::string_view("revoke_resource_authorization").size());
    CHECK(voc::find("sudo") == 29);
    CHECK(voc::find("Sudo") == voc::npos);
    CHECK(voc::find("") == voc::npos);
    CHECK(voc::index(ident{14}) == voc::npos);
    CHECK(voc::is_defined(20));
    CHECK_FALSE(voc::is_defined(19));
    CHECK(voc::name(19).empty());
    CHECK(ward::name_of(ident::list_tokens) == "list_tokens");
    CHECK(ward::vocabulary<wt::v200>::words == 4);
    CHECK(ward::vocabulary<wt::v1024>::find("p1023") == 1023);
    CHECK(ward::vocabulary<wt::v1024>::find("p01") == ward::vocabulary<wt::v1024>::npos);
    CHECK(ward::vocabulary<wt::cl>::find("orders.read") == 1);
    CHECK(ward::vocabulary<wt::bb>::find("read:users") == 0);
    CHECK(ward::is_vocabulary_v<ident>);
    CHECK(ward::is_vocabulary_v<wt::bb>);
    CHECK_FALSE(ward::is_vocabulary_v<int>);
}
