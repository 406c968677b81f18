// SPDX-License-Identifier: MIT
// ward-service's cryptography, on OpenSSL: base64url, random ids, HS256 JSON Web Tokens, the
// token checks every signature algorithm shares (jwks.hpp adds RS256 and ES256 with keys from a
// JWKS document) and PBKDF2 password hashes. Every function that takes untrusted input fails closed with an error
// value; none throws on bad input.
#ifndef WARD_SERVICE_CRYPTO_HPP
#define WARD_SERVICE_CRYPTO_HPP

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
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
    bad_header,            ///< header not an object, or `typ` present and not "JWT" or "at+jwt", or `crit` present
    unsupported_algorithm, ///< `alg` is not one the verifier accepts (jwt_verify: exactly "HS256"; "none", ...)
    bad_signature,         ///< the HMAC (compared in constant time) or the public-key signature does not match
    bad_claims,     ///< `sub` missing or not a non-empty string; `exp` missing or not a number; `nbf`/`iat` not numbers
    expired,        ///< now >= exp + leeway
    not_yet_valid,  ///< now + leeway < nbf, or < iat (a token issued in the future)
    wrong_issuer,   ///< `iss` missing or different
    wrong_audience, ///< `aud` (a string, or an array of strings) does not contain the audience
    unknown_key,    ///< key-set tokens: `kid` missing, or no key of the set has it
    wrong_algorithm, ///< key-set tokens: `alg` names another algorithm than the key with this `kid` verifies
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

/// The check of a token's algorithm and signature that jwt_verify_with runs once the token has its
/// shape and its header is an object with an acceptable `typ` and no `crit`: ok, or why the token
/// is refused. It fixes the algorithm itself (from its secret or key); the header's `alg` only has
/// to name that algorithm. It may throw (the caller refuses the token).
using jwt_signature_check =
    std::function<jwt_error(const nlohmann::json& header, std::string_view signing_input, std::string_view signature)>;

/// jwt_verify with another signature check: length, shape, header, `check`, then the claims
/// exactly as jwt_verify checks them. Never throws.
jwt_result jwt_verify_with(std::string_view token, const jwt_signature_check& check, std::string_view issuer,
                           std::string_view audience, std::int64_t now, std::int64_t leeway = 5) noexcept;

/// The header's `alg` of a token that has the shape of one, unverified: only for choosing which
/// verifier to hand the token to, never for choosing an algorithm. nullopt when there is none.
std::optional<std::string> jwt_header_alg(std::string_view token) noexcept;

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
