// SPDX-License-Identifier: MIT
// Fuzz harness: integer masks. The first byte picks a vocabulary (and may repeat the text past
// WARD_MAX_INPUT_LENGTH); the rest is read as decimal text (parse_integer(string_view)) and its
// first eight bytes as a little-endian mask (parse_integer(uint64_t)). The oracle follows the
// documented rules, with overflow-checked arithmetic; a mask is accepted exactly when every set
// bit is defined, else unknown_bit at the lowest undefined bit. Accepted masks give back the same
// integer (to_integer) and decimal text, and survive formatting.
#include "fuzz/fuzz_check.hpp"
#include "support/vocabularies.hpp"
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

template <class P>
bool defined_bit(std::size_t i) {
    return ward::vocabulary<P>::is_defined(i);
}

/// What parse_integer(mask) must answer.
template <class P>
void check_mask(std::uint64_t mask, const ward::parse_result<ward::permission_set<P>>& got) {
    std::size_t lowest_undefined = 64;
    for (std::size_t i = 0; i < 64 && lowest_undefined == 64; ++i)
        if (((mask >> i) & 1u) != 0 && !defined_bit<P>(i)) lowest_undefined = i;
    if (lowest_undefined < 64) {
        WARD_FUZZ_CHECK(got.ec == ward::errc::unknown_bit && got.position == lowest_undefined);
        WARD_FUZZ_CHECK(got.value.none() && got.skipped == 0);
        return;
    }
    WARD_FUZZ_CHECK(got.ec == ward::errc::ok && got.position == 0);
    WARD_FUZZ_CHECK(got.value.template to_integer<std::uint64_t>() == mask);
    WARD_FUZZ_CHECK(wf::only_defined(got.value));
    for (std::size_t i = 0; i < 64; ++i) WARD_FUZZ_CHECK(got.value.test(i) == (((mask >> i) & 1u) != 0));
    wf::check_round_trip(got.value);
    WARD_FUZZ_CHECK(ward::permission_set<P>::from_integer(mask).value == got.value);
}

template <class P>
void run(std::string_view text) {
    // Decimal text: a JSON non-negative integer (digits only, no leading zero), documented errors
    // in order: empty, too long, not a number (the first non-digit, or 1 for a leading zero),
    // above 2^64 - 1 (the digit where it overflows), an undefined bit.
    const auto got = ward::parse_integer<P>(text);
    std::size_t not_digit = text.size();
    for (std::size_t i = 0; i < text.size() && not_digit == text.size(); ++i)
        if (text[i] < '0' || text[i] > '9') not_digit = i;
    const bool leading_zero = text.size() > 1 && text[0] == '0' && not_digit >= 1;
    if (text.empty()) {
        WARD_FUZZ_CHECK(got.ec == ward::errc::empty_input && got.position == 0 && got.value.none());
    } else if (text.size() > WARD_MAX_INPUT_LENGTH) {
        WARD_FUZZ_CHECK(got.ec == ward::errc::input_too_long && got.position == WARD_MAX_INPUT_LENGTH);
        WARD_FUZZ_CHECK(got.value.none());
    } else if (not_digit < text.size() || leading_zero) {
        WARD_FUZZ_CHECK(got.ec == ward::errc::malformed && got.position == (leading_zero ? 1 : not_digit));
        WARD_FUZZ_CHECK(got.value.none());
    } else {
        std::uint64_t v = 0;
        std::size_t overflow = text.size();
        for (std::size_t i = 0; i < text.size() && overflow == text.size(); ++i) {
            std::uint64_t next = 0;
            if (__builtin_mul_overflow(v, std::uint64_t{10}, &next) ||
                __builtin_add_overflow(next, static_cast<std::uint64_t>(text[i] - '0'), &next))
                overflow = i;
            v = next;
        }
        if (overflow < text.size()) {
            WARD_FUZZ_CHECK(got.ec == ward::errc::value_out_of_range && got.position == overflow);
            WARD_FUZZ_CHECK(got.value.none());
        } else {
            check_mask<P>(v, got);
            // The canonical text of an accepted number is the input itself.
            WARD_FUZZ_CHECK(std::to_string(v) == text);
        }
    }
    WARD_FUZZ_CHECK(got.skipped == 0);
    WARD_FUZZ_CHECK(got.ec == ward::errc::unknown_bit ? got.position < 64 : got.position <= text.size());

    // The first eight bytes as a mask.
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < 8 && i < text.size(); ++i)
        mask |= static_cast<std::uint64_t>(static_cast<unsigned char>(text[i])) << (8 * i);
    check_mask<P>(mask, ward::parse_integer<P>(mask));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view text = wf::as_text(data + 1, size - 1);
    std::string longer;
    if ((data[0] & 0x80u) != 0 && !text.empty()) { // past the input limit
        while (longer.size() <= WARD_MAX_INPUT_LENGTH) longer += text;
        text = longer;
    }
    switch (data[0] % 5) {
    case 0: run<wt::ident>(text); break;
    case 1: run<wt::bb>(text); break;
    case 2: run<wt::cl>(text); break;
    case 3: run<wt::v8>(text); break;
    default: run<wt::v64>(text); break;
    }
    return 0;
}
