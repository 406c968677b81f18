// SPDX-License-Identifier: MIT
// Fuzz harness: token subjects (parse_subject) and scope restrictions (parse_scope_restriction).
// The whole input is parsed by both. Each result must equal the naive oracle's, which applies the
// documented rules in order; on success the parts are views into the input that put back
// together give the input; on error the value is empty and the position lies within the input.
#include "fuzz/fuzz_check.hpp"
#include <ward/subject.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool provider_byte(char c) { return lower(c) || digit(c) || in(c, "-_"); }
bool id_byte(char c) { return lower(c) || upper(c) || digit(c) || in(c, "._@+=~-"); }
bool kind_byte(char c) { return lower(c) || c == '_'; }
bool value_byte(char c) { return lower(c) || upper(c) || digit(c) || in(c, "._~-"); }

struct want {
    ward::errc ec = ward::errc::ok;
    std::size_t position = 0;
};

/// The first byte of `s` from `from` on that fails `ok`, or npos.
template <class F>
std::size_t first_bad(std::string_view s, std::size_t from, F ok) {
    for (std::size_t i = from; i < s.size(); ++i)
        if (!ok(s[i])) return i;
    return std::string_view::npos;
}

want naive_subject(std::string_view s) {
    if (s.empty()) return {ward::errc::empty_input, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {ward::errc::input_too_long, WARD_MAX_ID_LENGTH};
    const std::size_t sep = s.find_first_of(":|");
    const std::size_t head = sep == std::string_view::npos ? s.size() : sep;
    const std::size_t bad = first_bad(s.substr(0, head), 0, provider_byte);
    if (bad != std::string_view::npos) return {ward::errc::invalid_character, bad};
    if (sep == std::string_view::npos) return {ward::errc::malformed, s.size()};
    if (sep == 0) return {ward::errc::malformed, 0};
    if (s[sep] == ':') {
        const std::string_view k = s.substr(0, sep);
        if (k != "user" && k != "application" && k != "organization" && k != "api_credential" && k != "token" &&
            k != "invite")
            return {ward::errc::unknown_kind, 0};
    }
    if (sep + 1 == s.size()) return {ward::errc::malformed, sep + 1};
    const std::size_t bad_id = first_bad(s, sep + 1, id_byte);
    if (bad_id != std::string_view::npos) return {ward::errc::invalid_character, bad_id};
    return {};
}

want naive_restriction(std::string_view s) {
    if (s.empty()) return {ward::errc::empty_input, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {ward::errc::input_too_long, WARD_MAX_ID_LENGTH};
    const std::size_t a = s.find(':');
    const std::size_t a_end = a == std::string_view::npos ? s.size() : a;
    const std::size_t bad = first_bad(s.substr(0, a_end), 0, kind_byte);
    if (bad != std::string_view::npos) return {ward::errc::invalid_character, bad};
    if (a == std::string_view::npos || a == 0) return {ward::errc::malformed, a_end};
    const std::size_t b = s.find(':', a + 1);
    if (b == std::string_view::npos) return {ward::errc::malformed, s.size()}; // two parts: the third is missing
    const std::size_t bad2 = first_bad(s.substr(0, b), a + 1, kind_byte);
    if (bad2 != std::string_view::npos) return {ward::errc::invalid_character, bad2};
    if (b == a + 1) return {ward::errc::malformed, b};
    const std::string_view attribute = s.substr(a + 1, b - a - 1);
    if (attribute != "id" && attribute != "code") return {ward::errc::unknown_kind, a + 1};
    if (b + 1 == s.size()) return {ward::errc::malformed, b + 1};
    const std::size_t bad3 = first_bad(s, b + 1, value_byte);
    if (bad3 != std::string_view::npos) return {ward::errc::invalid_character, bad3};
    return {};
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view s = wf::as_text(data, size);

    const ward::parse_result<ward::subject> sub = ward::parse_subject(s);
    const want ws = naive_subject(s);
    WARD_FUZZ_CHECK(sub.ec == ws.ec && sub.position == ws.position && sub.skipped == 0);
    WARD_FUZZ_CHECK(sub.position <= s.size());
    if (sub) {
        const ward::subject& v = sub.value;
        WARD_FUZZ_CHECK(inside(v.kind_name, s) && inside(v.id, s) && v.kind_name.data() == s.data());
        WARD_FUZZ_CHECK(std::string(v.kind_name) + v.separator + std::string(v.id) == s);
        WARD_FUZZ_CHECK(!v.kind_name.empty() && !v.id.empty());
        if (v.separator == ':') WARD_FUZZ_CHECK(ward::to_string(v.kind) == v.kind_name);
        else WARD_FUZZ_CHECK(v.separator == '|' && v.kind == ward::principal_kind::user);
    } else {
        WARD_FUZZ_CHECK(sub.value.kind_name.empty() && sub.value.id.empty() && sub.value.separator == ':');
        WARD_FUZZ_CHECK(sub.value.kind == ward::principal_kind::user);
    }

    const ward::parse_result<ward::scope_restriction> res = ward::parse_scope_restriction(s);
    const want wr = naive_restriction(s);
    WARD_FUZZ_CHECK(res.ec == wr.ec && res.position == wr.position && res.skipped == 0);
    WARD_FUZZ_CHECK(res.position <= s.size());
    if (res) {
        const ward::scope_restriction& v = res.value;
        WARD_FUZZ_CHECK(inside(v.resource, s) && inside(v.attribute, s) && inside(v.value, s));
        WARD_FUZZ_CHECK(std::string(v.resource) + ':' + std::string(v.attribute) + ':' + std::string(v.value) == s);
        WARD_FUZZ_CHECK(v.attribute == "id" || v.attribute == "code");
    } else {
        WARD_FUZZ_CHECK(res.value.resource.empty() && res.value.attribute.empty() && res.value.value.empty());
    }
    return 0;
}
