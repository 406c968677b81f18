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

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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
    /// 2048 to 8192 bits) or EC on P-256 (`alg` absent or "ES256"), has a `kid` and numbers that
    /// make a valid public key (EVP_PKEY_public_check: a point on the curve, an odd modulus).
    /// Every other key is skipped: keys that are not RS256 or ES256 signing keys (encryption keys,
    /// symmetric "oct" keys, other curves and algorithms) silently, unusable signing keys (no
    /// `kid`, a modulus out of range, malformed numbers, not a valid public key, malformed members)
    /// with their reason in unusable(). The whole document is refused (nullopt, the reason in
    /// `error`) only when it is not such JSON, has more than 100 keys, two used keys share a
    /// `kid`, or no key is left to use. Never throws on bad input.
    static std::optional<jwk_set> parse(std::string_view document, std::string& error);

    /// The key with this `kid`, or null.
    const jwk* find(std::string_view kid) const noexcept;
    std::size_t size() const noexcept { return keys_.size(); }
    /// How many keys of the document were skipped (unusable ones included).
    std::size_t skipped() const noexcept { return skipped_; }
    /// Why each unusable signing key was skipped ("key 'k1': the modulus has 1024 bits ..."), for logs.
    const std::vector<std::string>& unusable() const noexcept { return unusable_; }
    /// "kid (RS256), kid (ES256)", for logs.
    std::string describe() const;

private:
    std::vector<jwk> keys_;
    std::size_t skipped_ = 0;
    std::vector<std::string> unusable_;
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

/// Whether `source` may be fetched: a file (anything not starting with "http://" or "https://"),
/// an https:// URL, or an http:// URL whose host is a loopback address (127.0.0.0/8, [::1],
/// "localhost") or any host when `allow_insecure_http`. A URL must have a host and no user info.
/// false and `error` otherwise. Never throws.
bool jwks_source_allowed(const std::string& source, bool allow_insecure_http, std::string& error) noexcept;

/// Stops URL fetches (load_jwks_document) from another thread: once cancel() is called, a fetch in
/// progress is cut short and every later one fails at once. Thread-safe.
class fetch_canceller {
public:
    void cancel() noexcept;
    bool cancelled() const noexcept;
    /// Waits until `done()` holds, `deadline` passes or (when `watch_cancel`) cancel() is called.
    /// `done` is looked at under the canceller's lock; whoever makes it true calls wake().
    void wait(std::chrono::steady_clock::time_point deadline, const std::function<bool()>& done, bool watch_cancel);
    void wake() noexcept;

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool cancelled_ = false;
};

/// Longest a URL fetch may take, from the start to the last byte of the answer.
inline constexpr std::chrono::seconds jwks_fetch_deadline{10};

/// Reads a JWKS document: a URL that jwks_source_allowed() accepts (GET, 200 only, no redirects,
/// 5 s connect and read timeouts, the whole answer within `deadline`, the server's certificate
/// checked against the system's CAs), or else a file. At most max_jwks_bytes. A fetch is cut short
/// at `deadline` or when `cancel` is cancelled (name resolution and one connection attempt cannot
/// be: they take up to the resolver's and the 5 s connect timeouts). nullopt and `error` on
/// failure. Never throws.
std::optional<std::string> load_jwks_document(const std::string& source, std::string& error,
                                              bool allow_insecure_http = false, fetch_canceller* cancel = nullptr,
                                              std::chrono::milliseconds deadline = jwks_fetch_deadline) noexcept;

/// Where the keys come from and what tokens must claim (`serve --jwks --jwt-issuer --jwt-audience`).
struct external_token_options {
    std::string jwks;     ///< a file or an http(s) URL, see jwks_source_allowed
    std::string issuer;   ///< `iss` the tokens must carry exactly
    std::string audience; ///< a value `aud` must hold
    /// Least seconds between two reloads that a token with an unknown `kid` causes; 0: such
    /// tokens never cause one (reload() and request_reload() still do).
    std::int64_t reload_interval = 30;
    /// Seconds after the start of the last reload at which the refresher reloads on its own; 0: never.
    std::int64_t max_age = 3600;
    /// Fetch http:// URLs of any host, not only loopback ones.
    bool allow_insecure_http = false;
    /// Where reloads report (a line without a newline); may be empty. Called from the refresher
    /// thread too, so it must be thread-safe.
    std::function<void(const std::string&)> log;
};

/// The service's verifier for identity-provider tokens: the current key set, replaced whole by
/// each successful reload. Safe to use from every thread.
///
/// Requests never wait for the network: a background thread (the refresher, one per object) does
/// every reload except the explicit reload(). verify() with an unknown `kid` only asks the
/// refresher for a reload (at most one per reload_interval) and answers unknown_key at once; a later
/// token with that `kid` is accepted once the refresher has swapped the new set in. The refresher
/// also reloads on request_reload() (SIGHUP) and when the set reaches max_age. The destructor
/// cancels a fetch in progress and joins the refresher.
class external_tokens {
public:
    explicit external_tokens(external_token_options options);
    ~external_tokens();
    external_tokens(const external_tokens&) = delete;
    external_tokens& operator=(const external_tokens&) = delete;

    /// Reads and parses the document now, on the calling thread (the service's start; never a
    /// request). On success the new set replaces the current one (its unusable keys are logged); on
    /// failure the current set stays (an empty one before the first success) and `error` says why.
    bool reload(std::string& error);

    /// Asks the refresher to reload as soon as it can (SIGHUP) and returns at once. The refresher
    /// logs the outcome: "JWKS reloaded: ..." or "JWKS reload failed, the keys stay as they were: ...".
    void request_reload();

    /// jwt_verify_jwks with the current set, the configured issuer and audience. A token whose
    /// `kid` the set does not know asks the refresher for a reload when the last reload (of any
    /// kind) started at least reload_interval seconds before `now`, and is answered unknown_key
    /// without waiting for it. Never blocks on a reload, never throws.
    jwt_result verify(std::string_view token, std::int64_t now) noexcept;

    /// The current set (null before the first successful reload).
    std::shared_ptr<const jwk_set> keys() const;
    const external_token_options& options() const noexcept { return options_; }

private:
    enum class reason { none, max_age, unknown_key, signal };

    void log(const std::string& line) const;
    /// One reload: fetch, parse, swap, serialized by reload_mutex_. `stamp`: it counts as started
    /// now (an unknown kid's reload was stamped when asked for).
    bool reload_now(std::string& error, bool stamp);
    void refresher();

    external_token_options options_;
    mutable std::mutex keys_mutex_; ///< guards keys_
    std::shared_ptr<const jwk_set> keys_;
    std::mutex reload_mutex_; ///< one fetch at a time (reload() and the refresher); never taken by verify()
    fetch_canceller cancel_;  ///< cancelled by the destructor
    std::mutex state_mutex_;  ///< guards the members below; never held during a fetch
    std::condition_variable wake_refresher_;
    std::int64_t last_reload_ = 0; ///< Unix seconds when the last reload started (or was asked for)
    reason pending_ = reason::none;
    bool stopping_ = false;
    std::thread refresher_; ///< last: started once everything above is ready
};

} // namespace ward_service

#endif
