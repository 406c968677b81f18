// SPDX-License-Identifier: MIT
// ward-service's cryptography, on OpenSSL: base64url, random ids, HS256 JSON Web Tokens and
// PBKDF2 password hashes. Every function that takes untrusted input fails closed with an error
// value; none throws on bad input.
#ifndef WARD_SERVICE_CRYPTO_HPP
#define WARD_SERVICE_CRYPTO_HPP

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ward_service {

/// RFC 4648 section 5 alphabet, no padding.
std::string base64url_encode(std::string_view bytes);
/// Strict: only the base64url alphabet, no padding, no whitespace, length % 4 != 1, and the unused
/// low bits of the last character must be zero. nullopt on anything else.
std::optional<std::string> base64url_decode(std::string_view text);

/// `n` bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails (never returns weak bytes).
std::string random_bytes(std::size_t n);
/// `prefix` + "_" + `length` random characters of [A-Za-z0-9], e.g. random_id("org") = "org_3fK9...".
std::string random_id(std::string_view prefix, std::size_t length = 16);
/// A random (version 4) UUID in lower-case 8-4-4-4-12 form.
std::string random_uuid();

/// Largest token jwt_verify looks at.
inline constexpr std::size_t max_token_length = 8192;

enum class jwt_error {
    ok,
    missing,               ///< empty token
    too_long,              ///< over max_token_length
    malformed,             ///< not three base64url parts, or a part is not a JSON object
    bad_header,            ///< header not an object, or `typ` present and not "JWT", or `crit` present
    unsupported_algorithm, ///< `alg` is not exactly "HS256" ("none", "RS256", "HS512", missing, ...)
    bad_signature,         ///< the HMAC does not match (compared in constant time)
    bad_claims,     ///< `sub` missing or not a non-empty string; `exp` missing or not a number; `nbf`/`iat` not numbers
    expired,        ///< now >= exp + leeway
    not_yet_valid,  ///< now + leeway < nbf, or < iat (a token issued in the future)
    wrong_issuer,   ///< `iss` missing or different
    wrong_audience, ///< `aud` (a string, or an array of strings) does not contain the audience
};
std::string_view to_string(jwt_error e) noexcept; // "ok", "missing token", "token too long", "malformed token", ...

struct jwt_result {
    jwt_error error = jwt_error::missing;
    nlohmann::json claims; ///< the payload object when error == ok, null otherwise
    explicit operator bool() const noexcept { return error == jwt_error::ok; }
};

/// Signs `claims` (an object) as header {"alg":"HS256","typ":"JWT"} . payload . HMAC-SHA256.
std::string jwt_sign(const nlohmann::json& claims, std::string_view secret);

/// Verifies in this order: length, shape, header and `alg`, signature, then claims. `now` is Unix
/// seconds. Never throws.
jwt_result jwt_verify(std::string_view token, std::string_view secret, std::string_view issuer,
                      std::string_view audience, std::int64_t now, std::int64_t leeway = 5) noexcept;

/// Unix time in seconds.
std::int64_t unix_now() noexcept;

inline constexpr unsigned default_pbkdf2_iterations = 600000;

/// "pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>" with a 16-byte random salt and
/// a 32-byte PBKDF2-HMAC-SHA256 output.
std::string password_hash(std::string_view password, unsigned iterations = default_pbkdf2_iterations);
/// Constant-time comparison; false for a malformed stored string, iterations outside 1..10,000,000
/// or a wrong password. Never throws.
bool password_verify(std::string_view password, std::string_view stored) noexcept;
/// Spends the time of one verification at `iterations`, for unknown accounts (no timing oracle).
void password_burn(std::string_view password, unsigned iterations = default_pbkdf2_iterations) noexcept;

} // namespace ward_service

#endif
