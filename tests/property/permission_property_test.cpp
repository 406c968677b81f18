// SPDX-License-Identifier: MIT
// Property tests: thousands of random sets per vocabulary, checked against the algebra's laws and
// against a deliberately naive reference model (a vector<bool> per set, a linear name lookup, a
// fixed-point implication closure, a split-on-space scope parser). Random hostile byte strings are
// fed to every parser. Deterministic: the seed is printed with INFO and can be set with
// WARD_PROPERTY_SEED in the environment.
#include "support/splitmix64.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using wt::property_seed;
using wt::splitmix64;

// ---- the reference model --------------------------------------------------------------------------
template <class P>
using set_t = ward::permission_set<P>;
using model = std::vector<bool>;

template <class P>
struct ref {
    using voc = ward::vocabulary<P>;
    static constexpr std::size_t bits = voc::bits;

    static model defined() {
        model m(bits);
        for (std::size_t i = 0; i < bits; ++i) m[i] = !voc::name(i).empty();
        return m;
    }
    static model of(const set_t<P>& s) {
        model m(bits);
        for (std::size_t i = 0; i < bits; ++i) m[i] = s.test(i);
        return m;
    }
    static set_t<P> to_set(const model& m) {
        set_t<P> s;
        for (std::size_t i = 0; i < bits; ++i)
            if (m[i]) s.insert(voc::from_index(i));
        return s;
    }
    static std::size_t count(const model& m) {
        std::size_t n = 0;
        for (bool b : m) n += b ? 1 : 0;
        return n;
    }
    /// Linear scan over the names; the library uses a hash table.
    static std::size_t find(std::string_view name) {
        for (std::size_t i = 0; i < bits; ++i)
            if (!voc::name(i).empty() && voc::name(i) == name) return i;
        return voc::npos;
    }
    /// Fixed-point closure over the declared implication pairs, one step at a time.
    static model closure(model m) {
        bool changed = true;
        while (changed) {
            changed = false;
            for (const auto& imp : voc::source::implications)
                if (m[imp.from] && !m[imp.to]) {
                    m[imp.to] = true;
                    changed = true;
                }
        }
        return m;
    }
};

template <class F>
model zip(const model& a, const model& b, F f) {
    model out(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = f(a[i], b[i]);
    return out;
}

/// A random set: dense (random words), sparse (a few indices), empty or full.
template <class P>
set_t<P> random_set(splitmix64& rng) {
    using voc = ward::vocabulary<P>;
    switch (rng.below(8)) {
    case 0: return set_t<P>{};
    case 1: return set_t<P>::all();
    case 2:
    case 3: {
        set_t<P> s;
        const std::size_t n = rng.below(6);
        for (std::size_t k = 0; k < n; ++k) s.insert(voc::from_index(rng.below(voc::bits)));
        return s;
    }
    default: {
        typename set_t<P>::word_array w{};
        for (auto& x : w) x = rng.next() & (rng.chance(50) ? ~std::uint64_t{0} : rng.next());
        return set_t<P>::from_words(w);
    }
    }
}

/// Names for small sets, the words in hex for large ones (cheap enough to build every round).
template <class P>
std::string describe(const set_t<P>& s) {
    if (s.count() <= 8) return "{" + ward::to_string(s, ',') + "}";
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "words";
    for (std::uint64_t w : s.words()) {
        out += ' ';
        for (int k = 60; k >= 0; k -= 4) out += hex[(w >> k) & 15u];
    }
    return out;
}

template <class P>
void check_algebra(splitmix64& rng, std::size_t rounds) {
    using R = ref<P>;
    const model def = R::defined();
    const set_t<P> none{}, all = set_t<P>::all();
    REQUIRE(R::of(all) == def);
    REQUIRE(all.count() == ward::vocabulary<P>::size);
    for (std::size_t round = 0; round < rounds; ++round) {
        const set_t<P> a = random_set<P>(rng), b = random_set<P>(rng), c = random_set<P>(rng);
        const model ma = R::of(a), mb = R::of(b);
        INFO("round " << round << ": a = " << describe(a) << "; b = " << describe(b));

        // Against the model.
        REQUIRE(R::of(a | b) == zip(ma, mb, [](bool x, bool y) { return x || y; }));
        REQUIRE(R::of(a & b) == zip(ma, mb, [](bool x, bool y) { return x && y; }));
        REQUIRE(R::of(a - b) == zip(ma, mb, [](bool x, bool y) { return x && !y; }));
        REQUIRE(R::of(a ^ b) == zip(ma, mb, [](bool x, bool y) { return x != y; }));
        REQUIRE(R::of(~a) == zip(ma, def, [](bool x, bool d) { return !x && d; }));
        REQUIRE(a.count() == R::count(ma));
        REQUIRE(a.none() == (R::count(ma) == 0));
        REQUIRE(a.any() == (R::count(ma) != 0));
        REQUIRE((a == b) == (ma == mb));
        REQUIRE(a.contains_all(b) == (R::count(zip(ma, mb, [](bool x, bool y) { return y && !x; })) == 0));
        REQUIRE(a.contains_any(b) == (R::count(zip(ma, mb, [](bool x, bool y) { return x && y; })) != 0));
        REQUIRE(R::of(a.implied()) == R::closure(ma));
        // Every member is a defined permission.
        REQUIRE(R::count(zip(ma, def, [](bool x, bool d) { return x && !d; })) == 0);

        // Laws.
        REQUIRE((a | b) == (b | a));
        REQUIRE((a & b) == (b & a));
        REQUIRE((a ^ b) == (b ^ a));
        REQUIRE(((a | b) | c) == (a | (b | c)));
        REQUIRE(((a & b) & c) == (a & (b & c)));
        REQUIRE(((a ^ b) ^ c) == (a ^ (b ^ c)));
        REQUIRE((a & (b | c)) == ((a & b) | (a & c)));
        REQUIRE((a | (b & c)) == ((a | b) & (a | c)));
        REQUIRE(~(a | b) == (~a & ~b));
        REQUIRE(~(a & b) == (~a | ~b));
        REQUIRE((a - b) == (a & ~b));
        REQUIRE(~~a == a);
        REQUIRE((a | ~a) == all);
        REQUIRE((a & ~a) == none);
        REQUIRE((a ^ a) == none);
        REQUIRE((a | none) == a);
        REQUIRE((a & all) == a);
        REQUIRE((a ^ b) == ((a - b) | (b - a)));
        REQUIRE((a | b).count() + (a & b).count() == a.count() + b.count());
        REQUIRE(a.count() + (~a).count() == all.count());
        REQUIRE(a.contains_all(a & b));
        REQUIRE(a.contains_all(b) == ((a & b) == b));
        REQUIRE(a.contains_any(b) == (a & b).any());
        REQUIRE((a | b).contains_all(a));
        REQUIRE(a.contains_all(none));
        REQUIRE_FALSE(a.contains_any(none));
        REQUIRE(a.contains_any(a) == a.any());

        // Compound assignment agrees with the binary operators.
        set_t<P> t = a;
        REQUIRE((t |= b) == (a | b));
        t = a;
        REQUIRE((t &= b) == (a & b));
        t = a;
        REQUIRE((t -= b) == (a - b));
        t = a;
        REQUIRE((t ^= b) == (a ^ b));

        // Iteration: exactly count() members, strictly increasing, each contained and defined.
        std::size_t n = 0, last = 0;
        bool increasing = true, contained = true, indexed = true, defined = true;
        for (auto it = a.begin(); it != a.end(); ++it, ++n) {
            increasing = increasing && (n == 0 || it.index() > last);
            contained = contained && a.contains(*it);
            indexed = indexed && ward::vocabulary<P>::index(*it) == it.index();
            defined = defined && def[it.index()];
            last = it.index();
        }
        REQUIRE(increasing);
        REQUIRE(contained);
        REQUIRE(indexed);
        REQUIRE(defined);
        REQUIRE(n == a.count());

        // Insert and erase of each member rebuild and empty the set.
        set_t<P> rebuilt;
        for (P p : a) rebuilt.insert(p);
        REQUIRE(rebuilt == a);
        for (P p : a) rebuilt.erase(p);
        REQUIRE(rebuilt.none());

        // implied(): extensive, idempotent, monotone.
        const set_t<P> ia = a.implied();
        REQUIRE(ia.contains_all(a));
        REQUIRE(ia.implied() == ia);
        REQUIRE((a | b).implied().contains_all(ia));
        REQUIRE((a | b).implied() == (ia | b.implied()));

        // Equal sets hash equally.
        REQUIRE(set_t<P>::from_words(a.words()).hash() == a.hash());
    }
}

template <class P>
void check_names_round_trip(splitmix64& rng, std::size_t rounds) {
    std::vector<char> buf;
    std::vector<std::string_view> items;
    for (std::size_t round = 0; round < rounds; ++round) {
        const set_t<P> a = random_set<P>(rng);
        const char sep = rng.chance(50) ? ' ' : ',';
        buf.assign(ward::formatted_size(a) + 1, '\x01');
        const auto f = ward::format_to(buf.data(), buf.data() + buf.size() - 1, a, sep);
        REQUIRE(f);
        REQUIRE(f.ptr == buf.data() + buf.size() - 1);
        REQUIRE(buf.back() == '\x01');
        const std::string_view text(buf.data(), buf.size() - 1);
        INFO("round " << round << ": " << text);
        if (sep == ' ') {
            const auto back = ward::parse_scope<P>(text);
            REQUIRE(back);
            REQUIRE(back.value == a);
            // One byte short fails and writes nothing.
            if (!text.empty()) {
                buf.assign(buf.size(), '\x01');
                const auto short_by_one = ward::format_to(buf.data(), buf.data() + buf.size() - 2, a);
                REQUIRE(short_by_one.ec == ward::errc::buffer_too_small);
                REQUIRE(short_by_one.ptr == buf.data());
                REQUIRE(std::string_view(buf.data(), buf.size()) == std::string(buf.size(), '\x01'));
            }
        } else {
            items.clear();
            std::size_t start = 0;
            for (std::size_t i = 0; i <= text.size(); ++i)
                if (i == text.size() || text[i] == ',') {
                    if (i > start) items.push_back(text.substr(start, i - start));
                    start = i + 1;
                }
            REQUIRE(items.size() == a.count());
            const auto back = ward::parse_names<P>(items.begin(), items.end());
            REQUIRE(back);
            REQUIRE(back.value == a);
        }
    }
}

template <class P>
void check_integer_round_trip(splitmix64& rng, std::size_t rounds) {
    using voc = ward::vocabulary<P>;
    std::uint64_t defined_mask = 0;
    for (std::size_t i = 0; i < voc::bits; ++i)
        if (voc::is_defined(i)) defined_mask |= std::uint64_t{1} << i;
    for (std::size_t round = 0; round < rounds; ++round) {
        const std::uint64_t raw = rng.next() >> rng.below(64);
        const std::uint64_t good = raw & defined_mask;
        INFO("round " << round << ": raw " << raw);
        const auto r = set_t<P>::from_integer(good);
        REQUIRE(r);
        REQUIRE(static_cast<std::uint64_t>(r.value.to_integer()) == good);
        REQUIRE(r.value.template to_integer<std::uint64_t>() == good);
        bool bits_match = true;
        for (std::size_t i = 0; i < voc::bits; ++i)
            bits_match = bits_match && r.value.test(i) == (((good >> i) & 1u) != 0);
        REQUIRE(bits_match);
        const auto dec = ward::parse_integer<P>(std::to_string(good));
        REQUIRE(dec);
        REQUIRE(dec.value == r.value);

        const std::uint64_t bad = raw & ~defined_mask;
        const auto e = set_t<P>::from_integer(raw);
        if (bad == 0) {
            REQUIRE(e);
            REQUIRE(e.value == r.value);
        } else {
            std::size_t lowest = 0;
            while (((bad >> lowest) & 1u) == 0) ++lowest;
            REQUIRE(e.ec == ward::errc::unknown_bit);
            REQUIRE(e.position == lowest);
            REQUIRE(e.value.none());
        }

        // Random decimal strings, against a reference that detects overflow digit by digit.
        std::string digits;
        const std::size_t len = rng.below(21);
        for (std::size_t i = 0; i < len; ++i) digits += static_cast<char>('0' + rng.below(10));
        const bool junk = !digits.empty() && rng.chance(10);
        if (junk) digits[rng.below(digits.size())] = "-+ x.\0"[rng.below(6)];
        INFO("decimal \"" << digits << "\"");
        const auto d = ward::parse_integer<P>(std::string_view(digits));
        // A JSON integer: digits only, and no leading zero (a JSON parser stops at byte 1 of "05").
        const std::size_t non_digit = digits.find_first_not_of("0123456789");
        const std::size_t leading_zero = digits.size() > 1 && digits[0] == '0' ? 1 : std::string::npos;
        const std::size_t malformed_at = non_digit < leading_zero ? non_digit : leading_zero;
        if (digits.empty()) {
            REQUIRE(d.ec == ward::errc::empty_input);
        } else if (malformed_at != std::string::npos) {
            REQUIRE(d.ec == ward::errc::malformed);
            REQUIRE(d.position == malformed_at);
        } else {
            bool overflow = false;
            std::uint64_t v = 0;
            for (char ch : digits) {
                const auto dv = static_cast<std::uint64_t>(ch - '0');
                if (v > UINT64_MAX / 10 || v * 10 > UINT64_MAX - dv) overflow = true;
                v = v * 10 + dv;
            }
            if (overflow) REQUIRE(d.ec == ward::errc::value_out_of_range);
            else if ((v & ~defined_mask) != 0) REQUIRE(d.ec == ward::errc::unknown_bit);
            else {
                REQUIRE(d);
                REQUIRE(static_cast<std::uint64_t>(d.value.template to_integer<std::uint64_t>()) == v);
            }
        }
        if (!d) REQUIRE(d.value.none());
    }
}

// ---- hostile input ---------------------------------------------------------------------------------

/// Splits on single spaces exactly as RFC 6749 scope strings are split (empty tokens kept).
/// An empty string has no tokens (an empty scope).
std::vector<std::string_view> tokens(std::string_view s) {
    std::vector<std::string_view> out;
    if (s.empty()) return out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == ' ') {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

bool ref_name_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '"' && c != '\\';
}

/// A random string built from valid names, mangled names, junk bytes and separators.
template <class P>
std::string random_input(splitmix64& rng) {
    using voc = ward::vocabulary<P>;
    static constexpr char junk[] = {'\0', ' ', ' ', ' ', '\t',   '\n',   '"',    '\\',   ':',    '.',
                                    ',',  'a', 'p', '0', '\x7f', '\x80', '\xc3', '\xff', '\x01', '*'};
    std::string s;
    const std::size_t pieces = rng.below(10);
    for (std::size_t k = 0; k < pieces; ++k) {
        std::string_view name = voc::name(rng.below(voc::bits));
        switch (rng.below(6)) {
        case 0:
        case 1: s += name; break;
        case 2: s += ' '; break;
        case 3: s += junk[rng.below(sizeof junk)]; break;
        case 4: { // a name with one byte changed (case, junk) or cut short
            std::string m(name);
            if (!m.empty()) {
                const std::size_t at = rng.below(m.size());
                if (rng.chance(50)) m[at] = static_cast<char>(m[at] ^ 0x20);
                else m.resize(at);
            }
            s += m;
            break;
        }
        default: s += static_cast<char>(rng.next() & 0xff); break;
        }
        if (rng.chance(60)) s += ' ';
    }
    return s;
}

/// The reference scope parser: the documented rules, written out naively.
template <class P>
ward::parse_result<set_t<P>> ref_parse_scope(std::string_view s, ward::parse_mode mode) {
    using R = ref<P>;
    if (s.size() > WARD_MAX_INPUT_LENGTH) return {{}, ward::errc::input_too_long, WARD_MAX_INPUT_LENGTH, 0};
    if (s.empty()) return {};
    model m(R::bits);
    std::size_t skipped = 0, offset = 0;
    for (std::string_view t : tokens(s)) {
        if (t.empty()) {
            if (mode == ward::parse_mode::strict) return {{}, ward::errc::empty_name, offset, 0};
        } else {
            for (std::size_t i = 0; i < t.size(); ++i)
                if (!ref_name_char(t[i])) return {{}, ward::errc::invalid_character, offset + i, 0};
            const std::size_t idx = R::find(t);
            if (idx == ward::vocabulary<P>::npos) {
                if (mode == ward::parse_mode::strict) return {{}, ward::errc::unknown_name, offset, 0};
                ++skipped;
            } else {
                m[idx] = true;
            }
        }
        offset += t.size() + 1;
    }
    return {R::to_set(m), ward::errc::ok, 0, skipped};
}

template <class P>
void check_members_are_tokens(const set_t<P>& value, const std::vector<std::string_view>& toks) {
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string_view name = ward::vocabulary<P>::name(it.index());
        bool found = false;
        for (std::string_view t : toks) found = found || t == name;
        if (!found) FAIL("member " << name << " is not a whole token of the input");
    }
}

template <class P>
void check_hostile_input(splitmix64& rng, std::size_t rounds) {
    for (std::size_t round = 0; round < rounds; ++round) {
        const std::string input = random_input<P>(rng);
        std::string shown;
        for (char ch : input) {
            const auto u = static_cast<unsigned char>(ch);
            if (u >= 0x20 && u < 0x7f) shown += ch;
            else shown += "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) + "0123456789abcdef"[u & 15];
        }
        INFO("round " << round << ": \"" << shown << "\"");
        const std::vector<std::string_view> toks = tokens(input);

        for (ward::parse_mode mode : {ward::parse_mode::strict, ward::parse_mode::lenient}) {
            const auto r = ward::parse_scope<P>(input, mode);
            const auto want = ref_parse_scope<P>(input, mode);
            INFO("mode " << (mode == ward::parse_mode::strict ? "strict" : "lenient"));
            REQUIRE(r.ec == want.ec);
            REQUIRE(r.position == want.position);
            REQUIRE(r.skipped == want.skipped);
            REQUIRE(r.value == want.value);
            if (r) check_members_are_tokens(r.value, toks);
            else REQUIRE(r.value.none());

            // The same tokens, pre-split.
            const auto n = ward::parse_names<P>(toks.begin(), toks.end(), mode);
            REQUIRE(static_cast<bool>(n) == static_cast<bool>(r));
            if (n) {
                check_members_are_tokens(n.value, toks);
                if (r) REQUIRE(n.value == r.value);
            } else {
                REQUIRE(n.value.none());
                REQUIRE(n.position < toks.size());
            }
        }

        // Strict and lenient agree whenever strict succeeds; lenient never grants more than the
        // known names present.
        const auto strict = ward::parse_scope<P>(input);
        const auto lenient = ward::parse_scope<P>(input, ward::parse_mode::lenient);
        if (strict) {
            REQUIRE(lenient);
            REQUIRE(lenient.value == strict.value);
            REQUIRE(lenient.skipped == 0);
        }

        const auto one = ward::parse_name<P>(input);
        if (one) {
            REQUIRE(one.value.count() == 1);
            REQUIRE(ward::vocabulary<P>::name(one.value.begin().index()) == input);
        } else {
            REQUIRE(one.value.none());
            REQUIRE((input.empty() || one.position < input.size()));
        }

        // Decimal parsing of the same junk never yields a set from a non-number.
        if constexpr (ward::vocabulary<P>::bits <= 64) {
            const auto num = ward::parse_integer<P>(std::string_view(input));
            if (num) {
                REQUIRE_FALSE(input.empty());
                for (char ch : input) REQUIRE((ch >= '0' && ch <= '9'));
            } else {
                REQUIRE(num.value.none());
            }
        }
    }
}

template <class P>
void run_vocabulary(const char* name, std::size_t rounds, bool integer_form) {
    const std::uint64_t s = property_seed();
    INFO("vocabulary " << name << ", seed " << s << " (set WARD_PROPERTY_SEED to reproduce)");
    splitmix64 rng{s ^ ward::vocabulary<P>::bits};
    check_algebra<P>(rng, rounds);
    check_names_round_trip<P>(rng, rounds);
    check_hostile_input<P>(rng, rounds);
    if constexpr (ward::vocabulary<P>::bits <= 64) {
        if (integer_form) check_integer_round_trip<P>(rng, rounds);
    }
}

} // namespace

TEST_CASE("property: provide ident", "[property][ident]") { run_vocabulary<wt::ident>("ident", 2000, true); }
TEST_CASE("property: Auth0-style product", "[property][product]") { run_vocabulary<wt::bb>("bb", 2000, true); }
TEST_CASE("property: Commerce Layer product", "[property][product]") { run_vocabulary<wt::cl>("cl", 2000, true); }
TEST_CASE("property: 8 bits", "[property]") { run_vocabulary<wt::v8>("v8", 1000, true); }
TEST_CASE("property: 64 bits", "[property]") { run_vocabulary<wt::v64>("v64", 2000, true); }
TEST_CASE("property: 200 bits with an implication cycle", "[property]") {
    run_vocabulary<wt::v200>("v200", 1500, false);
}
TEST_CASE("property: 1024 bits", "[property]") { run_vocabulary<wt::v1024>("v1024", 500, false); }

TEST_CASE("property: the reference model can tell sets apart", "[property][harness]") {
    // The harness must be able to fail: a set that differs by one bit differs in the model.
    using R = ref<wt::v200>;
    const set_t<wt::v200> a{wt::v200{3}}, b{wt::v200{4}};
    CHECK(R::of(a) != R::of(b));
    CHECK(R::closure(R::of(set_t<wt::v200>{wt::v200{0}})) ==
          R::of(set_t<wt::v200>{wt::v200{0}, wt::v200{130}, wt::v200{199}}));
    const auto bad = ref_parse_scope<wt::ident>("sudo nope", ward::parse_mode::strict);
    CHECK(bad.ec == ward::errc::unknown_name);
    CHECK(bad.position == 5);
}
