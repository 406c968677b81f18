// SPDX-License-Identifier: MIT
// Fuzz harness: permission names. The first byte picks a vocabulary (and may repeat the text past
// WARD_MAX_INPUT_LENGTH); the rest is parsed as one name (parse_name), a scope string in strict
// and lenient mode (parse_scope, permissions), and newline-separated items (parse_names). Each
// result must equal the naive oracle's (error, position, skipped count, bits), hold only defined
// bits, be empty on error, and survive formatting and parsing back.
#include "fuzz/fuzz_check.hpp"
#include "support/vocabularies.hpp"
#include <ward/format.hpp>
#include <ward/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

template <class P>
void run(std::string_view text) {
    const bool fits = text.size() <= WARD_MAX_INPUT_LENGTH;

    // One name.
    const auto one = ward::parse_name<P>(text);
    {
        wf::naive_result want;
        if (text.empty()) {
            want.ec = ward::errc::empty_input;
        } else {
            std::size_t bad = 0;
            want.ec = wf::naive_item<P>(text, false, want, bad);
            want.position = bad;
            if (want.ec != ward::errc::ok) want.value.clear();
        }
        wf::check_same(one, want);
        if (one) WARD_FUZZ_CHECK(one.value.count() == 1 && ward::to_string(one.value) == text);
        WARD_FUZZ_CHECK(one.position <= text.size());
    }

    // A scope string, strict and lenient.
    const auto strict = ward::parse_scope<P>(text);
    const auto lenient = ward::parse_scope<P>(text, ward::parse_mode::lenient);
    wf::check_same(strict, wf::naive_scope<P>(text, false));
    wf::check_same(lenient, wf::naive_scope<P>(text, true));
    WARD_FUZZ_CHECK(strict.position <= text.size() || !fits);
    WARD_FUZZ_CHECK(lenient.position <= text.size() || !fits);
    if (strict) {
        // Strict success implies lenient success with the same set.
        WARD_FUZZ_CHECK(lenient && lenient.value == strict.value && lenient.skipped == 0);
        wf::check_round_trip(strict.value);
    }
    if (lenient) wf::check_round_trip(lenient.value);
    // The literal helper at run time: the strict set, or nothing.
    WARD_FUZZ_CHECK(ward::permissions<P>(text) == (strict ? strict.value : ward::permission_set<P>{}));

    // Items the caller split (a JSON array), strict and lenient.
    const std::vector<std::string_view> items = wf::pieces(text, '\n');
    const auto listed = ward::parse_names<P>(items);
    const auto listed_lenient = ward::parse_names<P>(items, ward::parse_mode::lenient);
    wf::check_same(listed, wf::naive_names<P>(items, false));
    wf::check_same(listed_lenient, wf::naive_names<P>(items, true));
    if (!listed) WARD_FUZZ_CHECK(listed.position < items.size());
    if (!listed_lenient) WARD_FUZZ_CHECK(listed_lenient.position < items.size());
    if (listed) wf::check_round_trip(listed.value);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned mode = data[0];
    std::string_view text = wf::as_text(data + 1, size - 1);
    std::string longer;
    if ((mode & 0x80u) != 0 && !text.empty()) { // past the input limit: refused, never scanned
        while (longer.size() <= WARD_MAX_INPUT_LENGTH) longer += text;
        text = longer;
    }
    switch (mode % 5) {
    case 0: run<wt::ident>(text); break;
    case 1: run<wt::bb>(text); break;
    case 2: run<wt::cl>(text); break;
    case 3: run<wt::v200>(text); break;
    default: run<wt::v1024>(text); break;
    }
    return 0;
}
