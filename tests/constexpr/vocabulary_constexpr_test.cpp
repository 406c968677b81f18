// SPDX-License-Identifier: MIT
// Compile-time tests of the permission vocabulary: every claim below is checked by the compiler
// (static_assert at namespace scope), and a few are mirrored as Catch2 STATIC_REQUIREs so the
// suite reports them. Each vocabulary width (8, 64, 200, 1024 bits) is exercised, with members
// placed on either side of the 64-bit word boundaries.
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>
#include <ward/vocabulary.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace {

// A local vocabulary with a chain and a diamond of implications: admin -> write -> read,
// admin -> audit, audit -> read, and an unrelated permission with a gap before it.
enum class chain : unsigned { read = 0, write = 1, admin = 2, audit = 3, other = 6 };

} // namespace

template <>
struct ward::permission_traits<chain> {
    static constexpr ward::permission_name<chain> names[] = {{chain::read, "read"},
                                                             {chain::write, "write"},
                                                             {chain::admin, "admin"},
                                                             {chain::audit, "audit"},
                                                             {chain::other, "other"}};
    static constexpr ward::implication<chain> implications[] = {{chain::admin, chain::write},
                                                                {chain::write, chain::read},
                                                                {chain::admin, chain::audit},
                                                                {chain::audit, chain::read}};
};

namespace {

template <class P>
using set_t = ward::permission_set<P>;

/// A set of the permissions at the given bit indices (for the generated vocabularies).
template <class P>
constexpr set_t<P> bits_of(std::initializer_list<std::size_t> idx) noexcept {
    set_t<P> s;
    for (std::size_t i : idx) s.insert(ward::vocabulary<P>::from_index(i));
    return s;
}

/// True when iterating `s` yields exactly the bit indices `want`, in that order.
template <class P, std::size_t N>
constexpr bool iterates_as(const set_t<P>& s, const std::array<std::size_t, N>& want) noexcept {
    std::size_t k = 0;
    for (P p : s) {
        if (k >= N || ward::vocabulary<P>::index(p) != want[k]) return false;
        ++k;
    }
    return k == N;
}

/// The number of elements iteration visits (independent of count()).
template <class P>
constexpr std::size_t iterated(const set_t<P>& s) noexcept {
    std::size_t n = 0;
    for (auto it = s.begin(); it != s.end(); ++it) ++n;
    return n;
}

// ---- 8 bits ---------------------------------------------------------------------------------------
using wt::v8;
constexpr auto a8 = bits_of<v8>({0, 1, 2, 7});
constexpr auto b8 = bits_of<v8>({2, 3, 7});

static_assert(ward::vocabulary<v8>::bits == 8 && ward::vocabulary<v8>::words == 1 && ward::vocabulary<v8>::size == 8);
static_assert((a8 | b8) == bits_of<v8>({0, 1, 2, 3, 7}));
static_assert((a8 & b8) == bits_of<v8>({2, 7}));
static_assert((a8 - b8) == bits_of<v8>({0, 1}));
static_assert((b8 - a8) == bits_of<v8>({3}));
static_assert((a8 ^ b8) == bits_of<v8>({0, 1, 3}));
static_assert(~a8 == bits_of<v8>({3, 4, 5, 6}));
static_assert(~set_t<v8>{} == set_t<v8>::all() && (~set_t<v8>::all()).none());
static_assert(a8.contains(v8{7}) && !a8.contains(v8{3}));
static_assert(a8.contains_all(bits_of<v8>({0, 7})) && !a8.contains_all(b8));
static_assert(a8.contains_any(b8) && !a8.contains_any(bits_of<v8>({3, 4})));
static_assert(a8.contains_all(set_t<v8>{}) && !a8.contains_any(set_t<v8>{}));
static_assert(set_t<v8>{}.none() && !set_t<v8>{}.any() && a8.any() && !a8.none());
static_assert(a8.count() == 4 && b8.count() == 3 && set_t<v8>::all().count() == 8);
static_assert(a8 == bits_of<v8>({7, 2, 1, 0}) && a8 != b8);
static_assert(iterates_as(a8, std::array<std::size_t, 4>{0, 1, 2, 7}));
static_assert(a8.to_integer() == 0x87u);
static_assert(set_t<v8>::from_integer(0x87u).value == a8);
static_assert(set_t<v8>::from_integer(0x4Cu).value.to_integer() == 0x4Cu);
static_assert(set_t<v8>::from_integer(0x100u).ec == ward::errc::unknown_bit);
static_assert(set_t<v8>::from_integer(0x100u).position == 8 && set_t<v8>::from_integer(0x100u).value.none());
static_assert(ward::permissions<v8>("p7 p0 p2 p1") == a8);
static_assert(ward::parse_name<v8>("p3").value == bits_of<v8>({3}));
static_assert(ward::parse_name<v8>("p8").ec == ward::errc::unknown_name);
static_assert(a8.implied() == a8); // no implications declared

// ---- 64 bits: the top bit of the only word --------------------------------------------------------
using wt::v64;
constexpr auto a64 = bits_of<v64>({0, 31, 32, 62, 63});
constexpr auto b64 = bits_of<v64>({1, 32, 63});

static_assert(ward::vocabulary<v64>::bits == 64 && ward::vocabulary<v64>::words == 1);
static_assert((a64 | b64) == bits_of<v64>({0, 1, 31, 32, 62, 63}));
static_assert((a64 & b64) == bits_of<v64>({32, 63}));
static_assert((a64 - b64) == bits_of<v64>({0, 31, 62}));
static_assert((a64 ^ b64) == bits_of<v64>({0, 1, 31, 62}));
static_assert((~a64).count() == 59 && !(~a64).contains(v64{63}) && (~a64).contains(v64{61}));
static_assert(~~a64 == a64);
static_assert(a64.contains_all(bits_of<v64>({63, 0})) && !a64.contains_all(b64) && a64.contains_any(b64));
static_assert(!bits_of<v64>({5}).contains_any(a64));
static_assert(a64.count() == 5 && set_t<v64>::all().count() == 64);
static_assert(iterates_as(a64, std::array<std::size_t, 5>{0, 31, 32, 62, 63}));
static_assert(a64.to_integer() == ((std::uint64_t{1} << 63) | (std::uint64_t{1} << 62) | (std::uint64_t{1} << 32) |
                                   (std::uint64_t{1} << 31) | 1u));
static_assert(set_t<v64>::from_integer(~std::uint64_t{0}).value == set_t<v64>::all());
static_assert(set_t<v64>::all().to_integer() == ~std::uint64_t{0});
static_assert(set_t<v64>::from_integer(a64.to_integer()).value == a64);
static_assert(ward::permissions<v64>("p63 p0 p62 p32 p31") == a64);
static_assert(ward::parse_scope<v64>("p1 p64").ec == ward::errc::unknown_name);
static_assert(ward::parse_scope<v64>("p1 p64").position == 3);

// ---- 200 bits: four words, an implication cycle 199 -> 0 -> 130 -> 199 -----------------------------
using wt::v200;
constexpr auto a200 = bits_of<v200>({5, 63, 64, 127, 128, 199});
constexpr auto b200 = bits_of<v200>({6, 64, 128, 191, 192});

static_assert(ward::vocabulary<v200>::bits == 200 && ward::vocabulary<v200>::words == 4);
static_assert((a200 | b200) == bits_of<v200>({5, 6, 63, 64, 127, 128, 191, 192, 199}));
static_assert((a200 & b200) == bits_of<v200>({64, 128}));
static_assert((a200 - b200) == bits_of<v200>({5, 63, 127, 199}));
static_assert((a200 ^ b200) == bits_of<v200>({5, 6, 63, 127, 191, 192, 199}));
static_assert((~a200).count() == 194 && !(~a200).contains(v200{199}) && (~a200).contains(v200{198}));
// Complement stays within the vocabulary: nothing above bit 199 in the last word.
static_assert((~set_t<v200>{}).words()[3] == (std::uint64_t{1} << 8) - 1);
static_assert(a200.contains_all(bits_of<v200>({199, 64})) && !a200.contains_all(b200));
static_assert(a200.contains_any(bits_of<v200>({1, 2, 127})) && !a200.contains_any(bits_of<v200>({1, 2, 126})));
static_assert(a200.count() == 6 && iterated(a200) == 6);
static_assert(iterates_as(a200, std::array<std::size_t, 6>{5, 63, 64, 127, 128, 199}));
static_assert(ward::permissions<v200>("p199 p128 p127 p64 p63 p5") == a200);
// Closure of the cycle from any member reaches all three; other bits are untouched.
static_assert(bits_of<v200>({199}).implied() == bits_of<v200>({0, 130, 199}));
static_assert(bits_of<v200>({0}).implied() == bits_of<v200>({0, 130, 199}));
static_assert(bits_of<v200>({130, 7}).implied() == bits_of<v200>({0, 7, 130, 199}));
static_assert(bits_of<v200>({1, 129, 198}).implied() == bits_of<v200>({1, 129, 198}));
static_assert(a200.implied() == (a200 | bits_of<v200>({0, 130})));

// ---- 1024 bits: sixteen words ----------------------------------------------------------------------
using wt::v1024;
constexpr auto a1k = bits_of<v1024>({0, 511, 512, 1000, 1023});
constexpr auto b1k = bits_of<v1024>({1, 512, 1023});

static_assert(ward::vocabulary<v1024>::bits == 1024 && ward::vocabulary<v1024>::words == 16);
static_assert((a1k | b1k) == bits_of<v1024>({0, 1, 511, 512, 1000, 1023}));
static_assert((a1k & b1k) == bits_of<v1024>({512, 1023}));
static_assert((a1k - b1k) == bits_of<v1024>({0, 511, 1000}));
static_assert((a1k ^ b1k) == bits_of<v1024>({0, 1, 511, 1000}));
static_assert((~a1k).count() == 1019 && !(~a1k).contains(v1024{1023}) && (~a1k).contains(v1024{1022}));
static_assert(set_t<v1024>::all().count() == 1024 && iterated(set_t<v1024>::all()) == 1024);
static_assert(a1k.contains_all(b1k - bits_of<v1024>({1})) && !a1k.contains_all(b1k));
static_assert(a1k.contains_any(bits_of<v1024>({1000})) && !a1k.contains_any(bits_of<v1024>({999, 1001})));
static_assert(iterates_as(a1k, std::array<std::size_t, 5>{0, 511, 512, 1000, 1023}));
static_assert(ward::permissions<v1024>("p1023 p1000 p512 p511 p0") == a1k);
static_assert(ward::parse_name<v1024>("p1023").value == bits_of<v1024>({1023}));
static_assert(ward::parse_name<v1024>("p1024").ec == ward::errc::unknown_name);
static_assert(ward::vocabulary<v1024>::name(777) == "p777");
static_assert(a1k.implied() == a1k);

// ---- implication closure: transitive chain and diamond -------------------------------------------
static_assert(set_t<chain>{chain::admin}.implied() ==
              set_t<chain>{chain::admin, chain::write, chain::audit, chain::read});
static_assert(set_t<chain>{chain::write}.implied() == set_t<chain>{chain::write, chain::read});
static_assert(set_t<chain>{chain::audit, chain::other}.implied() ==
              set_t<chain>{chain::audit, chain::read, chain::other});
static_assert(set_t<chain>{chain::read}.implied() == set_t<chain>{chain::read});
static_assert(set_t<chain>{}.implied().none());
static_assert(ward::vocabulary<chain>::bits == 7 && ward::vocabulary<chain>::size == 5);
static_assert((~set_t<chain>{}).count() == 5 && !(~set_t<chain>{}).test(4) && !(~set_t<chain>{}).test(5));
static_assert(!set_t<chain>{}.insert(chain{4}).any()); // an undefined value is never a member

// ---- provide ident -------------------------------------------------------------------------------
using wt::ident;
static_assert(ward::vocabulary<ident>::bits == 30 && ward::vocabulary<ident>::size == 22);
static_assert(set_t<ident>::from_integer(415).value ==
              set_t<ident>{ident::authenticate, ident::read_resources, ident::create_resource, ident::update_resource,
                           ident::delete_resource, ident::publish, ident::subscribe});
static_assert(set_t<ident>::from_integer(0x4000).ec == ward::errc::unknown_bit);
static_assert(set_t<ident>{ident::sudo}.implied() ==
              set_t<ident>{ident::sudo, ident::list_applications, ident::create_application, ident::update_application,
                           ident::delete_application, ident::list_users, ident::create_user, ident::update_user,
                           ident::delete_user, ident::list_tokens, ident::create_token, ident::delete_token});
static_assert(set_t<ident>{ident::list_users}.implied() == set_t<ident>{ident::list_users});
static_assert(ward::name_of(ident::grant_resource_authorization) == "grant_resource_authorization");
static_assert(ward::name_of(ident{14}).empty());

// ---- products: rows, columns, names, per-row implications ----------------------------------------
using wt::bb;
using wt::bb_action;
using wt::bb_resource;
static_assert(ward::vocabulary<bb>::bits == 20 && ward::vocabulary<bb>::size == 20);
static_assert(ward::row<bb>(bb_resource::users) ==
              set_t<bb>{bb{bb_resource::users, bb_action::read}, bb{bb_resource::users, bb_action::create},
                        bb{bb_resource::users, bb_action::update}, bb{bb_resource::users, bb_action::remove}});
static_assert(ward::column<bb>(bb_action::remove) == set_t<bb>{bb{bb_resource::users, bb_action::remove},
                                                               bb{bb_resource::organization, bb_action::remove},
                                                               bb{bb_resource::organization_api_key, bb_action::remove},
                                                               bb{bb_resource::blueprints, bb_action::remove},
                                                               bb{bb_resource::deployments, bb_action::remove}});
static_assert((ward::row<bb>(bb_resource::blueprints) & ward::column<bb>(bb_action::update)) ==
              set_t<bb>{bb{bb_resource::blueprints, bb_action::update}});
static_assert(ward::permissions<bb>("read:users delete:deployments") ==
              set_t<bb>{bb{bb_resource::users, bb_action::read}, bb{bb_resource::deployments, bb_action::remove}});
static_assert(ward::name_of(bb{bb_resource::organization_api_key, bb_action::update}) == "update:organization_api_key");
static_assert(ward::parse_name<bb>("users:read").ec == ward::errc::unknown_name); // wrong order

using wt::cl;
using wt::cl_subject;
using wt::crud;
static_assert(ward::row<cl>(cl_subject::orders).count() == 4 && ward::column<cl>(crud::read).count() == 5);
static_assert(ward::name_of(cl{cl_subject::skus, crud::destroy}) == "skus.destroy");
static_assert(set_t<cl>{cl{cl_subject::orders, crud::update}}.implied() ==
              set_t<cl>{cl{cl_subject::orders, crud::update}, cl{cl_subject::orders, crud::read}});
static_assert(ward::column<cl>(crud::destroy).implied() ==
              (ward::column<cl>(crud::destroy) | ward::column<cl>(crud::read)));
static_assert(ward::permissions<cl>("orders.create prices.read") ==
              set_t<cl>{cl{cl_subject::orders, crud::create}, cl{cl_subject::prices, crud::read}});

// ---- formatting at compile time ------------------------------------------------------------------
template <class P, std::size_t N>
struct formatted {
    std::array<char, N> buf{};
    std::size_t size = 0;
    ward::errc ec = ward::errc::ok;
};
template <std::size_t N, class P>
constexpr formatted<P, N> format_ct(const set_t<P>& s, char sep = ' ') noexcept {
    formatted<P, N> f;
    const ward::format_result r = ward::format_to(f.buf.data(), f.buf.data() + N, s, sep);
    f.ec = r.ec;
    f.size = static_cast<std::size_t>(r.ptr - f.buf.data());
    return f;
}
template <class P, std::size_t N>
constexpr std::string_view view(const formatted<P, N>& f) noexcept {
    return std::string_view(f.buf.data(), f.size);
}

constexpr auto f200 = format_ct<64>(a200);
static_assert(view(f200) == "p5 p63 p64 p127 p128 p199");
static_assert(ward::formatted_size(a200) == 25);
static_assert(format_ct<24>(a200).ec == ward::errc::buffer_too_small);
static_assert(ward::parse_scope<v200>(view(f200)).value == a200);
static_assert(view(format_ct<64>(a8, ',')) == "p0,p1,p2,p7");
static_assert(view(format_ct<64>(ward::row<cl>(cl_subject::markets))) ==
              "markets.create markets.read markets.update markets.destroy");

constexpr std::size_t all1k_size = ward::formatted_size(set_t<v1024>::all());
// 10 names of 2 chars, 90 of 3, 900 of 4, 24 of 5, plus 1023 separators.
static_assert(all1k_size == 10 * 2 + 90 * 3 + 900 * 4 + 24 * 5 + 1023);
constexpr auto f1k = format_ct<all1k_size>(set_t<v1024>::all());
static_assert(f1k.ec == ward::errc::ok && f1k.size == all1k_size);
static_assert(ward::parse_scope<v1024>(view(f1k)).value == set_t<v1024>::all());

// ---- hashing is constexpr and distinguishes the word a bit lives in ---------------------------------
static_assert(a1k.hash() == bits_of<v1024>({1023, 1000, 512, 511, 0}).hash());
static_assert(bits_of<v1024>({0}).hash() != bits_of<v1024>({64}).hash());
static_assert(std::hash<set_t<v200>>{}(a200) == a200.hash());

} // namespace

TEST_CASE("vocabulary operations are constant expressions", "[constexpr][vocabulary]") {
    STATIC_REQUIRE((a8 | b8) == bits_of<v8>({0, 1, 2, 3, 7}));
    STATIC_REQUIRE(~a8 == bits_of<v8>({3, 4, 5, 6}));
    STATIC_REQUIRE((a200 & b200) == bits_of<v200>({64, 128}));
    STATIC_REQUIRE(bits_of<v200>({199}).implied() == bits_of<v200>({0, 130, 199}));
    STATIC_REQUIRE(set_t<chain>{chain::admin}.implied().count() == 4);
    STATIC_REQUIRE(iterates_as(a1k, std::array<std::size_t, 5>{0, 511, 512, 1000, 1023}));
    STATIC_REQUIRE(ward::permissions<v1024>("p1023 p0") == bits_of<v1024>({0, 1023}));
    STATIC_REQUIRE(set_t<ident>::from_integer(0x20000000u | 415u).value.contains(ident::sudo));
    STATIC_REQUIRE(set_t<v64>::from_integer(a64.to_integer()).value == a64);
    STATIC_REQUIRE(ward::row<bb>(bb_resource::users).count() == 4);
    STATIC_REQUIRE(view(f200) == "p5 p63 p64 p127 p128 p199");
}

TEST_CASE("constexpr results agree with the same calls at run time", "[constexpr][vocabulary]") {
    // The same expressions evaluated at run time (through a volatile index, so not folded).
    volatile std::size_t hi = 1023;
    auto a = bits_of<v1024>({0, 511, 512, 1000});
    a.insert(v1024{static_cast<unsigned short>(hi)});
    CHECK(a == a1k);
    CHECK(a.count() == a1k.count());
    CHECK((a | b1k) == (a1k | b1k));
    CHECK(~a == ~a1k);
    CHECK(a.hash() == a1k.hash());
    volatile std::size_t c = 130;
    CHECK(bits_of<v200>({c}).implied() == bits_of<v200>({0, 130, 199}));
}
