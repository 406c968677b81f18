// SPDX-License-Identifier: MIT
#include "http.hpp"

#include "app.hpp"
#include "json_depth.hpp"
#include "validate.hpp"

#include <httplib.h>

#include <algorithm>
#include <string>

namespace ward_service {

namespace {

/// Deepest nesting a body may have; deeper JSON is refused before it is parsed.
constexpr int max_json_depth = 16;

} // namespace

json error_body(int status, std::string_view code, std::string_view message, std::string_view reason) {
    json e = {{"status", status}, {"code", code}, {"message", message}};
    if (!reason.empty()) e["reason"] = reason;
    return json{{"error", std::move(e)}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string path_param(const call& c) { return c.req.matches[1]; }

json parse_body(const call& c) {
    const std::string& body = c.req.body;
    if (body.size() > max_body_bytes) fail(413, "body_too_large", "the body is larger than 64 KiB");
    if (body.find_first_not_of(" \t\r\n") == std::string::npos)
        fail(400, "empty_body", "a JSON object body is required");
    if (c.req.has_header("Content-Type")) {
        // The media type itself (parameters such as charset may follow a ';'), case-insensitively.
        std::string type = c.req.get_header_value("Content-Type");
        type = type.substr(0, type.find(';'));
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
        lower_ascii(type);
        if (type != "application/json" && type != "application/vnd.api+json")
            fail(415, "unsupported_media_type", "the body must be application/json");
    }
    if (nests_deeper_than(body, max_json_depth))
        fail(400, "too_deep", "the JSON nests deeper than " + std::to_string(max_json_depth) + " levels");
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) fail(400, "malformed_json", "the body is not valid JSON");
    if (!j.is_object()) fail(400, "not_an_object", "the body must be a JSON object");
    return j;
}

std::string code_of(ward::reason r) {
    switch (r) {
    case ward::reason::unknown_scope:
    case ward::reason::outside_scope: return "not_found";
    default: break;
    }
    std::string s(ward::to_string(r));
    std::replace(s.begin(), s.end(), ' ', '_');
    std::replace(s.begin(), s.end(), '\'', '_');
    return s;
}

} // namespace ward_service
