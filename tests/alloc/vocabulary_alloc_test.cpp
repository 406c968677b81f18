// SPDX-License-Identifier: MIT
// Zero heap allocations: every parse overload (strict and lenient, success and error), formatting
// into a caller's buffer, and every set operation on the 1024-bit vocabulary and on provide ident.
// Inputs that need heap storage (std::string, std::vector) are built before the counted window.
#include "support/alloc_counter.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::string_view_literals;
using ward::errc;
using ward::parse_mode;
using wt::ident;
using iset = ward::permission_set<ident>;
using kset = ward::permission_set<wt::v1024>;

} // namespace

TEST_CASE("alloc: the counter sees ward::to_string allocate", "[alloc][harness]") {
    // The one allocating function: proves this file's windows would see an allocation.
    std::string s;
    CHECK(wt::allocations_during([&] { s = ward::to_string(kset::all()); }) >= 1);
    CHECK(s.size() == ward::formatted_size(kset::all()));
}

TEST_CASE("alloc: parse_name", "[alloc][parse]") {
    const std::string too_long(WARD_MAX_INPUT_LENGTH + 1, 'a');
    ward::parse_result<iset> ok, unknown, bad, empty, longer;
    ward::parse_result<kset> wide;
    const std::size_t n = wt::allocations_during([&] {
        ok = ward::parse_name<ident>("sudo");
        unknown = ward::parse_name<ident>("SUDO");
        bad = ward::parse_name<ident>("su\0do"sv);
        empty = ward::parse_name<ident>("");
        longer = ward::parse_name<ident>(too_long);
        wide = ward::parse_name<wt::v1024>("p1000");
    });
    CHECK(n == 0);
    CHECK(ok.value == iset{ident::sudo});
    CHECK(unknown.ec == errc::unknown_name);
    CHECK(bad.ec == errc::invalid_character);
    CHECK(empty.ec == errc::empty_input);
    CHECK(longer.ec == errc::input_too_long);
    CHECK(wide.value.test(1000));
}

TEST_CASE("alloc: parse_scope in strict and lenient mode on success and error", "[alloc][parse]") {
    // A long scope string with all 1024 names, built outside the window.
    const std::string all_names = ward::to_string(kset::all());
    const std::string too_long(WARD_MAX_INPUT_LENGTH + 1, ' ');
    for (parse_mode mode : {parse_mode::strict, parse_mode::lenient}) {
        INFO((mode == parse_mode::strict ? "strict" : "lenient"));
        ward::parse_result<iset> ok, unknown, junk, empty, seps, longer;
        ward::parse_result<kset> wide;
        const std::size_t n = wt::allocations_during([&] {
            ok = ward::parse_scope<ident>("authenticate list_users sudo", mode);
            unknown = ward::parse_scope<ident>("authenticate nope sudo", mode);
            junk = ward::parse_scope<ident>("authenticate\tsudo", mode);
            empty = ward::parse_scope<ident>("", mode);
            seps = ward::parse_scope<ident>(" sudo  ", mode);
            longer = ward::parse_scope<ident>(too_long, mode);
            wide = ward::parse_scope<wt::v1024>(all_names, mode);
        });
        CHECK(n == 0);
        CHECK(ok.value.count() == 3);
        CHECK(bool(unknown) == (mode == parse_mode::lenient));
        CHECK(junk.ec == errc::invalid_character);
        CHECK(empty);
        CHECK(bool(seps) == (mode == parse_mode::lenient));
        CHECK(longer.ec == errc::input_too_long);
        CHECK(wide.value == kset::all());
    }
}

TEST_CASE("alloc: parse_names over every kind of sequence", "[alloc][parse]") {
    const std::vector<std::string> vec{"list_users", "sudo", "nope", ""};
    const std::array<std::string_view, 2> arr{"publish", "subscribe"};
    const char* raw[] = {"authenticate", "reserved"};
    for (parse_mode mode : {parse_mode::strict, parse_mode::lenient}) {
        INFO((mode == parse_mode::strict ? "strict" : "lenient"));
        ward::parse_result<iset> from_vec, from_iters, from_arr, from_list, from_raw, bad_list;
        const std::size_t n = wt::allocations_during([&] {
            from_vec = ward::parse_names<ident>(vec, mode);
            from_iters = ward::parse_names<ident>(vec.begin(), vec.begin() + 2, mode);
            from_arr = ward::parse_names<ident>(arr, mode);
            from_list = ward::parse_names<ident>({"sudo", "reserved"}, mode);
            from_raw = ward::parse_names<ident>(raw, mode);
            bad_list = ward::parse_names<ident>({"sudo", "su do"}, mode);
        });
        CHECK(n == 0);
        CHECK(bool(from_vec) == (mode == parse_mode::lenient));
        CHECK(from_iters.value == iset{ident::list_users, ident::sudo});
        CHECK(from_arr.value == iset{ident::publish, ident::subscribe});
        CHECK(from_list.value == iset{ident::sudo, ident::reserved});
        CHECK(from_raw.value == iset{ident::authenticate, ident::reserved});
        CHECK(bad_list.ec == errc::invalid_character);
    }
}

TEST_CASE("alloc: parse_integer and permissions<P>", "[alloc][parse]") {
    const std::string decimal = "536871327";
    const std::string scope = "read:users update:users";
    ward::parse_result<iset> a, b, c, d, e, f;
    ward::permission_set<wt::bb> lit, bad_lit;
    const std::size_t n = wt::allocations_during([&] {
        a = ward::parse_integer<ident>(415);
        b = ward::parse_integer<ident>(std::uint64_t{1} << 63);
        c = ward::parse_integer<ident>(decimal);
        d = ward::parse_integer<ident>("18446744073709551616");
        e = ward::parse_integer<ident>("-1");
        f = ward::parse_integer<ident>("");
        lit = ward::permissions<wt::bb>(scope);
        bad_lit = ward::permissions<wt::bb>(std::string_view(scope).substr(0, 7));
    });
    CHECK(n == 0);
    CHECK(a.value.count() == 7);
    CHECK(b.ec == errc::unknown_bit);
    CHECK(c.value.contains(ident::sudo));
    CHECK(d.ec == errc::value_out_of_range);
    CHECK(e.ec == errc::malformed);
    CHECK(f.ec == errc::empty_input);
    CHECK(lit.count() == 2);
    CHECK(bad_lit.none());
}

TEST_CASE("alloc: the whole-list limit, leading zeros and long decimal text", "[alloc][parse]") {
    std::vector<std::string> many;
    for (std::size_t bytes = 0; bytes <= WARD_MAX_INPUT_LENGTH; bytes += 5) many.emplace_back("sudo");
    const std::string padded = std::string(30, '0') + "415";
    const std::string junk = "12345678901234567890x";
    const std::string too_long(WARD_MAX_INPUT_LENGTH + 1, '1');
    const char* with_null[] = {"sudo", nullptr};
    ward::parse_result<iset> a, b, c, d, e;
    const std::size_t n = wt::allocations_during([&] {
        a = ward::parse_names<ident>(many, parse_mode::lenient);
        b = ward::parse_integer<ident>(padded);
        c = ward::parse_integer<ident>(junk);
        d = ward::parse_integer<ident>(too_long);
        e = ward::parse_names<ident>(with_null);
    });
    CHECK(n == 0);
    CHECK(a.ec == errc::input_too_long);
    CHECK(b.ec == errc::malformed);
    CHECK(c.ec == errc::malformed);
    CHECK(d.ec == errc::input_too_long);
    CHECK(e.ec == errc::empty_name);
}

TEST_CASE("alloc: formatting into a caller's buffer", "[alloc][format]") {
    const kset wide = kset::all();
    const iset sudoer = ward::parse_integer<ident>(415u | 0x20000000u).value;
    std::vector<char> buf(ward::formatted_size(wide) + ward::formatted_size(sudoer));
    ward::format_result full{}, small{}, comma{};
    char* end = nullptr;
    std::size_t size = 0;
    const std::size_t n = wt::allocations_during([&] {
        size = ward::formatted_size(wide);
        full = ward::format_to(buf.data(), buf.data() + buf.size(), wide);
        small = ward::format_to(buf.data(), buf.data() + 3, sudoer);
        comma = ward::format_to(buf.data(), buf.data() + buf.size(), sudoer, ',');
        end = ward::write_names(buf.data(), wide);
        end = ward::write_names(end, sudoer, ',');
    });
    CHECK(n == 0);
    CHECK(full);
    CHECK(static_cast<std::size_t>(full.ptr - buf.data()) == size);
    CHECK(small.ec == errc::buffer_too_small);
    CHECK(comma);
    CHECK(end == buf.data() + buf.size());
    CHECK(std::string_view(buf.data() + size, buf.size() - size) ==
          "authenticate,read_resources,create_resource,update_resource,delete_resource,publish,subscribe,sudo");
}

namespace {

template <class P>
struct set_ops_results {
    ward::permission_set<P> u, i, d, x, c, imp, from_words, built;
    bool all_of = false, any_of = false, eq = false, has = false, empty = false;
    std::size_t count = 0, iterated = 0, h = 0, sh = 0;
};

template <class P>
std::size_t set_operations(const ward::permission_set<P>& a, const ward::permission_set<P>& b, P p,
                           set_ops_results<P>& r) {
    return wt::allocations_during([&] {
        r.u = a | b;
        r.i = a & b;
        r.d = a - b;
        r.x = a ^ b;
        r.c = ~a;
        r.imp = (a | p).implied();
        r.all_of = a.contains_all(b);
        r.any_of = a.contains_any(b);
        r.eq = a == b || a != b;
        r.has = a.contains(p);
        r.empty = a.none() || a.any();
        r.count = a.count() + a.size();
        for (P q : a) r.iterated += ward::vocabulary<P>::index(q) + 1;
        r.h = a.hash();
        r.sh = std::hash<ward::permission_set<P>>{}(b);
        r.from_words = ward::permission_set<P>::from_words(a.words());
        ward::permission_set<P> t{p};
        t |= a;
        t &= b;
        t -= a;
        t ^= b;
        t.insert(p).erase(p);
        t.clear();
        r.built = t | ward::permission_set<P>::all();
    });
}

} // namespace

TEST_CASE("alloc: every set operation on the 1024-bit vocabulary", "[alloc][set]") {
    const kset a = ward::permissions<wt::v1024>("p0 p63 p64 p500 p1023");
    const kset b = ward::permissions<wt::v1024>("p63 p700");
    set_ops_results<wt::v1024> r;
    CHECK(set_operations(a, b, wt::v1024{900}, r) == 0);
    CHECK(r.u.count() == 6);
    CHECK(r.i.count() == 1);
    CHECK(r.c.count() == 1019);
    CHECK(r.imp == (a | wt::v1024{900}));
    CHECK(r.iterated == 1 + 64 + 65 + 501 + 1024);
    CHECK(r.from_words == a);
    CHECK(r.built == kset::all());
    CHECK(r.h == a.hash());
}

TEST_CASE("alloc: every set operation on provide ident and the integer wire form", "[alloc][set]") {
    const iset a = ward::parse_integer<ident>(415).value;
    const iset b{ident::read_resources, ident::list_users};
    set_ops_results<ident> r;
    CHECK(set_operations(a, b, ident::sudo, r) == 0);
    CHECK(r.imp.count() == 7 + 1 + 11);
    CHECK(r.i == iset{ident::read_resources});

    std::uint32_t wire = 0;
    ward::parse_result<iset> good, bad;
    const std::size_t n = wt::allocations_during([&] {
        good = iset::from_integer(510);
        bad = iset::from_integer(0x4000);
        wire = good.value.to_integer();
    });
    CHECK(n == 0);
    CHECK(wire == 510u);
    CHECK(bad.ec == errc::unknown_bit);
}

TEST_CASE("alloc: rows and columns of a product", "[alloc][set]") {
    ward::permission_set<wt::cl> row, col;
    const std::size_t n = wt::allocations_during([&] {
        row = ward::row<wt::cl>(wt::cl_subject::orders);
        col = ward::column<wt::cl>(wt::crud::read).implied();
    });
    CHECK(n == 0);
    CHECK(row.count() == 4);
    CHECK(col.count() == 5);
}
