// SPDX-License-Identifier: MIT
#include "validate.hpp"

#include "http.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ward_service {

namespace {

bool is_hex(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); }
bool is_alnum(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

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

} // namespace ward_service
