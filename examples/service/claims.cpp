// SPDX-License-Identifier: MIT
#include "claims.hpp"

#include "crypto.hpp"
#include "http.hpp"
#include "jwks.hpp"
#include "tokens.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

namespace ward_service {

namespace {

/// The bearer token of the request: empty when there is no Authorization header.
std::string_view bearer(const httplib::Request& req) {
    const auto it = req.headers.find("Authorization");
    if (it == req.headers.end()) return {};
    std::string_view v = it->second;
    constexpr std::string_view scheme = "bearer ";
    if (v.size() < scheme.size() || !std::equal(scheme.begin(), scheme.end(), v.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        }))
        fail(401, "invalid_token", "the Authorization header must be 'Bearer <token>'");
    v.remove_prefix(scheme.size());
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty()) fail(401, "invalid_token", "the bearer token is empty");
    return v;
}

} // namespace

json verified_claims(const httplib::Request& req, const std::string& secret, std::string_view audience,
                     external_tokens* external) {
    const std::string_view token = bearer(req);
    if (token.empty()) return nullptr;
    // The header's `alg` only picks the verifier; each verifier fixes its own algorithm. HS256 is
    // the service's own secret and nothing else; the rest ("none" included) is the key set's to refuse.
    const bool own = external == nullptr || jwt_header_alg(token).value_or("HS256") == "HS256";
    jwt_result r =
        own ? jwt_verify(token, secret, token_issuer, audience, unix_now()) : external->verify(token, unix_now());
    if (!r) fail(401, "invalid_token", "the token was refused: " + std::string(to_string(r.error)));
    return std::move(r.claims);
}

std::uint32_t mask_claim(const json& v, const char* name) {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xFFFFFFFFu)
        fail(401, "invalid_token", std::string("the token's '") + name + "' claim is not a uint32 mask");
    return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}

std::string claim_string(const json& claims, const char* name) {
    const auto it = claims.find(name);
    if (it == claims.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

std::int64_t unix_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json base_claims(std::string_view audience, std::string_view subject, std::int64_t ttl, std::int64_t not_before) {
    const std::int64_t now_ms = unix_now_ms();
    const std::int64_t now = now_ms / 1000;
    return json{{"iss", token_issuer},     {"aud", audience},
                {"sub", subject},          {"iat", static_cast<double>(now_ms) / 1000.0},
                {"nbf", now + not_before}, {"exp", now + ttl},
                {"jti", random_uuid()}};
}

} // namespace ward_service
