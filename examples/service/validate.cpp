// SPDX-License-Identifier: MIT
#include "validate.hpp"

#include "http.hpp"
#include "json_depth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ward_service {

namespace {

bool is_hex(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); }
bool is_alnum(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/// The `n` decimal digits of `s` from `at`, or -1 when one of them is not a digit.
int digits(std::string_view s, std::size_t at, std::size_t n) {
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (i >= s.size() || !is_digit(s[i])) return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

int days_in_month(int year, int month) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

} // namespace

void lower_ascii(std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

bool is_record_id(std::string_view s, std::string_view prefix) {
    if (s.size() <= prefix.size() + 1 || s.size() > prefix.size() + 65) return false;
    if (s.substr(0, prefix.size()) != prefix || s[prefix.size()] != '_') return false;
    return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(prefix.size()) + 1, s.end(),
                       [](char ch) { return is_alnum(ch) || ch == '_'; });
}

bool is_provider_id(std::string_view s) {
    const std::size_t bar = s.find('|');
    if (bar == std::string_view::npos || bar == 0 || bar > 40 || s.size() - bar - 1 == 0 || s.size() - bar - 1 > 64)
        return false;
    const auto provider_ok = std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(bar),
                                         [](char ch) { return is_alnum(ch) || ch == '-'; });
    const auto id_ok = std::all_of(s.begin() + static_cast<std::ptrdiff_t>(bar) + 1, s.end(),
                                   [](char ch) { return is_alnum(ch) || ch == '.' || ch == '_' || ch == '-'; });
    return provider_ok && id_ok;
}

bool is_role_id(std::string_view s) {
    return s.size() > 4 && s.size() <= 44 && s.substr(0, 4) == "rol_" && std::all_of(s.begin() + 4, s.end(), is_alnum);
}

std::string printable(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
        const auto ch = static_cast<unsigned char>(s[i]);
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            out += static_cast<char>(ch);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", ch);
            out += buf;
        }
    }
    if (s.size() > 64) out += "...";
    return out;
}

void allow_only(const json& object, std::initializer_list<std::string_view> allowed, std::string_view where) {
    for (const auto& item : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
            fail(400, "unknown_field",
                 "unknown field '" + printable(item.key()) + "'" + (where.empty() ? "" : " in ") + std::string(where));
    }
}

std::optional<std::string> string_field(const json& object, const char* name, std::size_t min, std::size_t max,
                                        bool required) {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        if (required) fail(400, "missing_field", std::string("'") + name + "' is required");
        return std::nullopt;
    }
    if (!it->is_string()) fail(400, "wrong_type", std::string("'") + name + "' must be a string");
    std::string value = it->get<std::string>();
    if (value.size() < min || value.size() > max)
        fail(400, "bad_length",
             std::string("'") + name + "' must be " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
    if (value.find('\0') != std::string::npos)
        fail(400, "bad_value", std::string("'") + name + "' contains a NUL byte");
    return value;
}

std::optional<bool> bool_field(const json& object, const char* name) {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) fail(400, "wrong_type", std::string("'") + name + "' must be true or false");
    return it->get<bool>();
}

std::string email_field(const json& object, bool required) {
    auto e = string_field(object, "email", 3, 254, required);
    if (!e) return {};
    const std::size_t at = e->find('@');
    if (at == std::string::npos || at == 0 || at + 1 == e->size() || e->find('@', at + 1) != std::string::npos ||
        e->find_first_of(" \t\r\n") != std::string::npos)
        fail(400, "bad_email", "'email' is not an email address");
    return *e;
}

std::optional<std::string> utc_timestamp(std::string_view s) {
    // 2021-02-09T14:37:33 is 19 characters; then an optional fraction, then 'Z'.
    if (s.size() < 20 || s.size() > 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s.back() != 'Z')
        return std::nullopt;
    const int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
    const int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 59)
        return std::nullopt;
    std::string fraction;
    if (s.size() > 20) {
        // ".f" to ".fff" before the 'Z'.
        if (s[19] != '.' || s.size() == 21) return std::nullopt;
        fraction = std::string(s.substr(20, s.size() - 21));
        if (!std::all_of(fraction.begin(), fraction.end(), is_digit)) return std::nullopt;
    }
    fraction.resize(3, '0');
    return std::string(s.substr(0, 19)) + "." + fraction + "Z";
}

settable<std::string> timestamp_field(const json& object, const char* name) {
    const auto it = object.find(name);
    if (it == object.end()) return std::nullopt;
    if (it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) fail(400, "wrong_type", std::string("'") + name + "' must be a timestamp string (or null)");
    const auto stamp = utc_timestamp(it->get_ref<const std::string&>());
    if (!stamp)
        fail(400, "bad_timestamp",
             std::string("'") + name + "' is not a UTC timestamp like 2021-02-09T14:37:33.384Z: '" +
                 printable(it->get_ref<const std::string&>()) + "'");
    return std::optional<std::string>(*stamp);
}

std::optional<json> metadata_field(const json& object) {
    const auto it = object.find("metadata");
    if (it == object.end()) return std::nullopt;
    if (!it->is_object()) fail(400, "wrong_type", "'metadata' must be a JSON object ({} clears it)");
    for (const char* member : {"app_metadata", "user_metadata"}) {
        const auto m = it->find(member);
        if (m != it->end() && !m->is_object())
            fail(400, "wrong_type", std::string("'metadata.") + member + "' must be a JSON object");
    }
    const std::string text = dump(*it);
    if (text.size() > max_metadata_bytes)
        fail(400, "too_large", "'metadata' is larger than " + std::to_string(max_metadata_bytes) + " bytes as JSON");
    if (nests_deeper_than(text, max_metadata_depth))
        fail(400, "too_deep", "'metadata' nests deeper than " + std::to_string(max_metadata_depth) + " levels");
    return *it;
}

} // namespace ward_service
