// SPDX-License-Identifier: MIT
// A request's token as the handlers see it: the verified claims of its bearer token, the claims'
// values, and the claims every token the service signs starts from.
#ifndef WARD_SERVICE_CLAIMS_HPP
#define WARD_SERVICE_CLAIMS_HPP

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
}

namespace ward_service {

class external_tokens;

/// Verified claims of the request's token for `audience`, or null when there is no token; a 401
/// when the Authorization header or the token is refused. An HS256 token is verified with
/// `secret`. With `external` (an API that accepts identity-provider tokens), a token whose header
/// names any other algorithm goes to `external` instead, which verifies it with its key set, its
/// issuer and its audience (jwks.hpp); without it, such a token is refused.
nlohmann::json verified_claims(const httplib::Request& req, const std::string& secret, std::string_view audience,
                               external_tokens* external = nullptr);

/// A uint32 claim, or a 401: a token whose claims are the wrong shape grants nothing.
std::uint32_t mask_claim(const nlohmann::json& v, const char* name);

/// A string claim; "" when absent or not a string.
std::string claim_string(const nlohmann::json& claims, const char* name);

/// Milliseconds since the epoch: a password change is stamped with it, and `iat` carries it (a
/// NumericDate may have a fraction), so a token issued before the change is told from one after.
std::int64_t unix_now_ms();

/// iss, aud, sub, iat (to the millisecond), nbf, exp and a random jti.
nlohmann::json base_claims(std::string_view audience, std::string_view subject, std::int64_t ttl,
                           std::int64_t not_before);

} // namespace ward_service

#endif
