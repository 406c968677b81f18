// SPDX-License-Identifier: MIT
// Tokens from an identity provider (Auth0 and the like): RS256 and ES256 signatures checked with
// public keys from a JWKS document (RFC 7517), on OpenSSL 3. The key is chosen by the token's
// `kid`; the algorithm is the key's, never the token's: a token whose `alg` names another
// algorithm than its key's is refused, and no key of a set ever verifies an HS256 token (those
// are checked with the service's own secret only, crypto.hpp). See README.md, "Tokens from an
// identity provider".
#ifndef WARD_SERVICE_JWKS_HPP
#define WARD_SERVICE_JWKS_HPP

#include "crypto.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st; // OpenSSL's EVP_PKEY

namespace ward_service {

/// The algorithms a key of a set verifies; each key verifies exactly one.
enum class jwk_algorithm { rs256, es256 };
/// "RS256", "ES256".
std::string_view to_string(jwk_algorithm a) noexcept;

/// One signing key of a JWKS document.
struct jwk {
    std::string kid;
    jwk_algorithm algorithm = jwk_algorithm::rs256;
    std::shared_ptr<evp_pkey_st> key; ///< the public key (an EVP_PKEY), checked with EVP_PKEY_public_check
};

/// Largest JWKS document read (file or URL).
inline constexpr std::size_t max_jwks_bytes = 1024 * 1024;

/// The signing keys of one JWKS document, immutable once parsed.
class jwk_set {
public:
    /// Parses `{"keys": [...]}`. A key is used when it is a signature key (`use` absent or "sig",
    /// `key_ops` absent or holding "verify") and either RSA (`alg` absent or "RS256", a modulus of
    /// 2048 to 8192 bits) or EC on P-256 (`alg` absent or "ES256"); every other key (encryption
    /// keys, symmetric "oct" keys, other curves and algorithms) is skipped. The whole document is
    /// refused (nullopt, the reason in `error`) when it is not such JSON, when a used key has no
    /// `kid` or one another used key has, when a used key's numbers are malformed or not a valid
    /// public key (a point off the curve, an even modulus), or when no key is used. Never throws
    /// on bad input.
    static std::optional<jwk_set> parse(std::string_view document, std::string& error);

    /// The key with this `kid`, or null.
    const jwk* find(std::string_view kid) const noexcept;
    std::size_t size() const noexcept { return keys_.size(); }
    /// How many keys of the document were skipped.
    std::size_t skipped() const noexcept { return skipped_; }
    /// "kid (RS256), kid (ES256)", for logs.
    std::string describe() const;

private:
    std::vector<jwk> keys_;
    std::size_t skipped_ = 0;
};

/// Whether `signature` (JWS form: RS256 the PKCS #1 v1.5 signature, as long as the modulus; ES256
/// the 64 bytes r || s) signs `signing_input` under `key` with SHA-256. Never throws.
bool jws_verify(const jwk& key, std::string_view signing_input, std::string_view signature) noexcept;

/// Verifies a token with a key set: length, shape and header as jwt_verify; `alg` must be "RS256"
/// or "ES256" (else unsupported_algorithm: "none", HS256, ...); `kid` must name a key of the set
/// (else unknown_key); that key must verify `alg` (else wrong_algorithm); the signature (else
/// bad_signature); then the claims as jwt_verify checks them (`sub`, `exp`, `nbf`, `iat`, `iss`,
/// `aud`). The header's `jku`, `x5u`, `jwk` and `x5c` are ignored: keys come from the set only.
/// Never throws.
jwt_result jwt_verify_jwks(std::string_view token, const jwk_set& keys, std::string_view issuer,
                           std::string_view audience, std::int64_t now, std::int64_t leeway = 5) noexcept;

/// Reads a JWKS document: an http:// or https:// URL (GET, 200 only, no redirects, 5 s connect
/// and read timeouts, the server's certificate checked against the system's CAs), or else a file.
/// At most max_jwks_bytes. nullopt and `error` on failure. Never throws.
std::optional<std::string> load_jwks_document(const std::string& source, std::string& error) noexcept;

/// Where the keys come from and what tokens must claim (`serve --jwks --jwt-issuer --jwt-audience`).
struct external_token_options {
    std::string jwks;     ///< a file or an http(s) URL
    std::string issuer;   ///< `iss` the tokens must carry exactly
    std::string audience; ///< a value `aud` must hold
    /// Least seconds between two reloads that a token with an unknown `kid` causes; 0: such
    /// tokens never cause one (reload() still does).
    std::int64_t reload_interval = 30;
    /// Where reloads report (a line without a newline); may be empty.
    std::function<void(const std::string&)> log;
};

/// The service's verifier for identity-provider tokens: the current key set, replaced whole by
/// each successful reload. Safe to use from every thread.
class external_tokens {
public:
    explicit external_tokens(external_token_options options);

    /// Reads and parses the document now. On success the new set replaces the current one; on
    /// failure the current set stays (an empty one before the first success) and `error` says why.
    bool reload(std::string& error);

    /// jwt_verify_jwks with the current set, the configured issuer and audience. A token whose
    /// `kid` the set does not know makes the set reload first when the last reload (of any kind)
    /// started at least reload_interval seconds before `now`: that is how keys an identity
    /// provider rotated in are found. Never throws.
    jwt_result verify(std::string_view token, std::int64_t now) noexcept;

    /// The current set (null before the first successful reload).
    std::shared_ptr<const jwk_set> keys() const;
    const external_token_options& options() const noexcept { return options_; }

private:
    void log(const std::string& line) const;
    /// reload() with reload_mutex_ held, `now` the Unix time it counts as started at.
    bool reload_locked(std::string& error, std::int64_t now);

    external_token_options options_;
    mutable std::mutex keys_mutex_; ///< guards keys_
    std::shared_ptr<const jwk_set> keys_;
    std::mutex reload_mutex_;      ///< one reload at a time; guards last_reload_
    std::int64_t last_reload_ = 0; ///< Unix seconds when the last reload started
};

} // namespace ward_service

#endif
