// SPDX-License-Identifier: MIT
// Shared by the fuzz harnesses: the check macro (a violated invariant aborts, so libFuzzer reports
// the input as a crash), a reader of the input's lines, and naive oracles of the text parsers. The
// oracles follow the documented rules one by one, with plain loops and linear searches; they share
// no code with ward's parsers (no name table, no split_spaces, no character tables).
#ifndef WARD_TESTS_FUZZ_CHECK_HPP
#define WARD_TESTS_FUZZ_CHECK_HPP

#include <ward/config.hpp>
#include <ward/error.hpp>
#include <ward/format.hpp>
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>
#include <ward/vocabulary.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

/// Aborts with the failed condition when an invariant does not hold.
#define WARD_FUZZ_CHECK(cond)                                                                                          \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "ward fuzz: invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__);            \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

namespace wf {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(data), size);
}

/// The pieces of `s` between the separator bytes (n separators give n + 1 pieces).
inline std::vector<std::string_view> pieces(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

// ---- naive permission names -------------------------------------------------------------------------------
using bitset = std::set<std::size_t>;

/// The index of the permission named `s`, by a linear search of the vocabulary's names; npos if none.
template <class P>
std::size_t naive_find(std::string_view s) {
    using voc = ward::vocabulary<P>;
    for (std::size_t i = 0; i < voc::bits; ++i)
        if (voc::is_defined(i) && voc::name(i) == s) return i;
    return static_cast<std::size_t>(-1);
}

/// A scope-token byte (RFC 6749 section 3.3): %x21 / %x23-5B / %x5D-7E.
inline bool naive_name_byte(char c) {
    const int u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
}

struct naive_result {
    ward::errc ec = ward::errc::ok;
    std::size_t position = 0;
    bitset value;
    std::size_t skipped = 0;
};

/// One item of a scope string or a name list, as the documentation states it. `bad` is the
/// offset of the bad byte inside the item.
template <class P>
ward::errc naive_item(std::string_view item, bool lenient, naive_result& r, std::size_t& bad) {
    bad = 0;
    if (item.empty()) return lenient ? ward::errc::ok : ward::errc::empty_name;
    if (item.size() > WARD_MAX_INPUT_LENGTH) {
        bad = WARD_MAX_INPUT_LENGTH;
        return ward::errc::input_too_long;
    }
    for (std::size_t i = 0; i < item.size(); ++i)
        if (!naive_name_byte(item[i])) {
            bad = i;
            return ward::errc::invalid_character;
        }
    const std::size_t k = naive_find<P>(item);
    if (k == static_cast<std::size_t>(-1)) {
        if (!lenient) return ward::errc::unknown_name;
        ++r.skipped;
        return ward::errc::ok;
    }
    r.value.insert(k);
    return ward::errc::ok;
}

template <class P>
naive_result naive_scope(std::string_view s, bool lenient) {
    naive_result r;
    if (s.size() > WARD_MAX_INPUT_LENGTH) return {ward::errc::input_too_long, WARD_MAX_INPUT_LENGTH, {}, 0};
    if (s.empty()) return r;
    std::size_t offset = 0;
    for (std::string_view item : pieces(s, ' ')) {
        std::size_t bad = 0;
        const ward::errc e = naive_item<P>(item, lenient, r, bad);
        if (e != ward::errc::ok) return {e, offset + bad, {}, 0};
        offset += item.size() + 1;
    }
    return r;
}

/// A list of names: the list counts as its items joined by single spaces, and the item at which
/// that length first exceeds WARD_MAX_INPUT_LENGTH is input_too_long, before it is scanned.
template <class P>
naive_result naive_names(const std::vector<std::string_view>& items, bool lenient) {
    naive_result r;
    std::size_t joined = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        joined += (i == 0 ? 0 : 1) + items[i].size();
        if (joined > WARD_MAX_INPUT_LENGTH) return {ward::errc::input_too_long, i, {}, 0};
        std::size_t bad = 0;
        const ward::errc e = naive_item<P>(items[i], lenient, r, bad);
        if (e != ward::errc::ok) return {e, i, {}, 0};
    }
    return r;
}

// ---- checks on permission sets ------------------------------------------------------------------------------
template <class P>
bitset bits_of(const ward::permission_set<P>& s) {
    bitset b;
    for (std::size_t i = 0; i < ward::vocabulary<P>::bits; ++i)
        if (s.test(i)) b.insert(i);
    return b;
}

/// Only bits the vocabulary defines: no word holds a bit outside vocabulary<P>::defined.
template <class P>
bool only_defined(const ward::permission_set<P>& s) {
    const auto& w = s.words();
    for (std::size_t k = 0; k < w.size(); ++k)
        if ((w[k] & ~ward::vocabulary<P>::defined[k]) != 0) return false;
    return true;
}

/// A parse result agrees with the naive one, and an error leaves nothing behind.
template <class P>
void check_same(const ward::parse_result<ward::permission_set<P>>& got, const naive_result& want) {
    WARD_FUZZ_CHECK(got.ec == want.ec);
    WARD_FUZZ_CHECK(got.position == want.position);
    WARD_FUZZ_CHECK(got.skipped == want.skipped);
    WARD_FUZZ_CHECK(bits_of(got.value) == want.value);
    WARD_FUZZ_CHECK(only_defined(got.value));
    if (!got) WARD_FUZZ_CHECK(got.value.none() && got.skipped == 0);
}

/// Formatting a set and parsing it back gives the set; every formatting entry point agrees.
template <class P>
void check_round_trip(const ward::permission_set<P>& s) {
    const std::string text = ward::to_string(s);
    WARD_FUZZ_CHECK(text.size() == ward::formatted_size(s));
    const auto back = ward::parse_scope<P>(text);
    WARD_FUZZ_CHECK(back.ec == ward::errc::ok && back.skipped == 0 && back.value == s);
    const std::string commas = ward::to_string(s, ',');
    const auto items = pieces(commas, ',');
    if (!commas.empty()) {
        const auto listed = ward::parse_names<P>(items);
        WARD_FUZZ_CHECK(listed.ec == ward::errc::ok && listed.value == s);
    }
    std::vector<char> buf(text.size() + 1, '#');
    const ward::format_result exact = ward::format_to(buf.data(), buf.data() + text.size(), s);
    WARD_FUZZ_CHECK(exact.ec == ward::errc::ok && exact.ptr == buf.data() + text.size());
    WARD_FUZZ_CHECK(std::string_view(buf.data(), text.size()) == text && buf[text.size()] == '#');
    if (!text.empty()) {
        std::vector<char> small(text.size() - 1, '#');
        char* const first = small.data();
        const ward::format_result no = ward::format_to(first, first + small.size(), s);
        WARD_FUZZ_CHECK(no.ec == ward::errc::buffer_too_small && no.ptr == first);
        for (char c : small) WARD_FUZZ_CHECK(c == '#');
    }
}

} // namespace wf

#endif
