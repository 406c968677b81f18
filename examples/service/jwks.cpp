// SPDX-License-Identifier: MIT
#include "jwks.hpp"

#include "json_depth.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <iterator>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace ward_service {

namespace {

using json = nlohmann::json;

/// A JWKS document nests three levels ({"keys": [{"key_ops": [...]}]}); more is not one.
constexpr int max_jwks_depth = 8;
constexpr std::size_t max_keys = 100;
constexpr int min_rsa_bits = 2048;
constexpr int max_rsa_bits = 8192;
/// A public exponent longer than this is no RSA key anyone uses (65537 takes three bytes).
constexpr std::size_t max_rsa_exponent_bytes = 8;
constexpr std::size_t p256_coordinate_bytes = 32;

template <class T, void (*Free)(T*)>
struct openssl_deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T*)>
using openssl_ptr = std::unique_ptr<T, openssl_deleter<T, Free>>;

void free_bignum(BIGNUM* p) { BN_free(p); }
using bignum_ptr = openssl_ptr<BIGNUM, free_bignum>;
using param_builder_ptr = openssl_ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using params_ptr = openssl_ptr<OSSL_PARAM, OSSL_PARAM_free>;
using pkey_ctx_ptr = openssl_ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using md_ctx_ptr = openssl_ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using ecdsa_sig_ptr = openssl_ptr<ECDSA_SIG, ECDSA_SIG_free>;

const unsigned char* bytes_of(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }

/// A base64url member of a JWK, decoded; nullopt when absent, not a string or not strict base64url.
std::optional<std::string> member_bytes(const json& key, const char* name) {
    const auto it = key.find(name);
    if (it == key.end() || !it->is_string()) return std::nullopt;
    return base64url_decode(it->get_ref<const std::string&>());
}

/// A string member, "" when absent; `present` says whether it was there at all.
bool string_member(const json& key, const char* name, std::string& out, bool& present) {
    const auto it = key.find(name);
    present = it != key.end();
    if (!present) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

/// The EVP_PKEY that `params` describe, if it is a valid public key of `type` ("RSA", "EC").
std::shared_ptr<evp_pkey_st> public_key_from(const char* type, OSSL_PARAM* params, std::string& error) {
    const pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1 || raw == nullptr) {
        EVP_PKEY_free(raw);
        ERR_clear_error(); // the thread's error queue is not left holding this key's failure
        error = "not a valid public key";
        return nullptr;
    }
    std::shared_ptr<evp_pkey_st> key(raw, EVP_PKEY_free);
    // fromdata takes the numbers as given: the point must be on the curve, the modulus odd, ...
    const pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        ERR_clear_error();
        error = "not a valid public key";
        return nullptr;
    }
    return key;
}

/// The public key of `type` from the parameters pushed into `bld` (null: pushing them failed).
std::shared_ptr<evp_pkey_st> public_key_built(const char* type, OSSL_PARAM_BLD* bld, std::string& error) {
    const params_ptr params(bld != nullptr ? OSSL_PARAM_BLD_to_param(bld) : nullptr);
    if (!params) {
        ERR_clear_error();
        error = "out of memory";
        return nullptr;
    }
    return public_key_from(type, params.get(), error);
}

std::shared_ptr<evp_pkey_st> rsa_key(const json& key, std::string& error) {
    const auto n = member_bytes(key, "n");
    const auto e = member_bytes(key, "e");
    if (!n || !e || n->empty() || e->empty() || e->size() > max_rsa_exponent_bytes) {
        error = "'n' and 'e' must be base64url numbers";
        return nullptr;
    }
    if (n->size() > max_rsa_bits / 8 + 1) { // one leading zero byte is tolerated
        error = "the modulus is longer than 8192 bits";
        return nullptr;
    }
    const bignum_ptr bn_n(BN_bin2bn(bytes_of(*n), static_cast<int>(n->size()), nullptr));
    const bignum_ptr bn_e(BN_bin2bn(bytes_of(*e), static_cast<int>(e->size()), nullptr));
    if (!bn_n || !bn_e) {
        error = "out of memory";
        return nullptr;
    }
    const int bits = BN_num_bits(bn_n.get());
    if (bits < min_rsa_bits || bits > max_rsa_bits) {
        error = "the modulus has " + std::to_string(bits) + " bits (2048 to 8192 are accepted)";
        return nullptr;
    }
    const param_builder_ptr bld(OSSL_PARAM_BLD_new());
    const bool pushed = bld && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
                        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1;
    return public_key_built("RSA", pushed ? bld.get() : nullptr, error);
}

std::shared_ptr<evp_pkey_st> p256_key(const json& key, std::string& error) {
    const auto x = member_bytes(key, "x");
    const auto y = member_bytes(key, "y");
    if (!x || !y || x->size() != p256_coordinate_bytes || y->size() != p256_coordinate_bytes) {
        error = "'x' and 'y' must be 32-byte base64url coordinates";
        return nullptr;
    }
    // The uncompressed point: 0x04 || x || y.
    std::string point(1, '\x04');
    point += *x;
    point += *y;
    const param_builder_ptr bld(OSSL_PARAM_BLD_new());
    const bool pushed =
        bld && OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
    return public_key_built("EC", pushed ? bld.get() : nullptr, error);
}

enum class key_kind { used, skipped, unusable };

/// One member of "keys": used (and `out` set), skipped (not an RS256 or ES256 signing key), or
/// unusable (malformed, or a signing key that cannot be used), `error` saying why.
key_kind read_key(const json& key, jwk& out, std::string& error) {
    if (!key.is_object()) return error = "a key is not an object", key_kind::unusable;
    std::string kty, use, alg, crv;
    bool has_kty = false, has_use = false, has_alg = false, has_crv = false;
    if (!string_member(key, "kty", kty, has_kty) || !has_kty) return error = "a key has no 'kty'", key_kind::unusable;
    if (!string_member(key, "use", use, has_use) || !string_member(key, "alg", alg, has_alg) ||
        !string_member(key, "crv", crv, has_crv))
        return error = "a key's 'use', 'alg' or 'crv' is not a string", key_kind::unusable;
    if (has_use && use != "sig") return key_kind::skipped;
    if (const auto ops = key.find("key_ops"); ops != key.end()) {
        if (!ops->is_array()) return error = "a key's 'key_ops' is not an array", key_kind::unusable;
        if (std::find(ops->begin(), ops->end(), json("verify")) == ops->end()) return key_kind::skipped;
    }
    if (kty == "RSA" && (!has_alg || alg == "RS256")) {
        out.algorithm = jwk_algorithm::rs256;
    } else if (kty == "EC" && crv == "P-256" && (!has_alg || alg == "ES256")) {
        out.algorithm = jwk_algorithm::es256;
    } else {
        return key_kind::skipped; // "oct" (never a secret here), "OKP", RSA-OAEP, RS512, P-384, ...
    }
    bool has_kid = false;
    if (!string_member(key, "kid", out.kid, has_kid) || out.kid.empty())
        return error = "a signing key has no 'kid'", key_kind::unusable;
    std::string why;
    out.key = out.algorithm == jwk_algorithm::rs256 ? rsa_key(key, why) : p256_key(key, why);
    if (!out.key) return error = "key '" + out.kid + "': " + why, key_kind::unusable;
    return key_kind::used;
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

/// The parts of a URL that jwks_source_allowed looks at; false and `error` when it is malformed.
bool split_url(const std::string& url, std::string& origin, std::string& path, std::string& host, bool& bracketed,
               std::string& error) {
    const std::size_t host_start = url.find("://") + 3;
    const std::size_t end = url.find_first_of("/?#", host_start);
    if (end != std::string::npos && url[end] != '/') return error = "the URL's host must be followed by /", false;
    const std::string authority = url.substr(host_start, end == std::string::npos ? end : end - host_start);
    if (authority.find('@') != std::string::npos) return error = "the URL must not carry user info", false;
    std::string rest;
    bracketed = !authority.empty() && authority[0] == '[';
    if (bracketed) {
        const std::size_t close = authority.find(']');
        if (close == std::string::npos) return error = "the URL's host is malformed", false;
        host = authority.substr(1, close - 1);
        rest = authority.substr(close + 1);
    } else {
        const std::size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string::npos) rest = authority.substr(colon);
    }
    if (host.empty()) return error = "the URL has no host", false;
    if (!rest.empty() && (rest[0] != ':' || rest.size() < 2 || rest.size() > 6 ||
                          rest.find_first_not_of("0123456789", 1) != std::string::npos))
        return error = "the URL's port is malformed", false;
    origin = url.substr(0, end);
    path = end == std::string::npos ? "/" : url.substr(end);
    return true;
}

/// 127.0.0.0/8, ::1 (written [::1]) or "localhost".
bool loopback_host(const std::string& host, bool bracketed) {
    if (bracketed) {
        in6_addr a6{};
        return inet_pton(AF_INET6, host.c_str(), &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    unsigned char a4[4];
    if (inet_pton(AF_INET, host.c_str(), a4) == 1) return a4[0] == 127;
    std::string lower = host;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "localhost";
}

std::optional<std::string> load_url(const std::string& url, std::string& error, bool allow_insecure_http,
                                    fetch_canceller& cancel, std::chrono::milliseconds deadline_after) {
    using clock = std::chrono::steady_clock;
    const clock::time_point deadline = clock::now() + deadline_after;
    std::string origin, path, host;
    bool bracketed = false;
    if (!jwks_source_allowed(url, allow_insecure_http, error)) return std::nullopt;
    if (!split_url(url, origin, path, host, bracketed, error)) return std::nullopt;
    httplib::Client client(origin);
    if (!client.is_valid()) return error = "unusable URL " + url, std::nullopt;
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    client.set_write_timeout(5, 0);
    client.set_follow_location(false);
    client.enable_server_certificate_verification(true);
    std::string body;
    int status = 0;
    bool too_big = false;
    // The timeouts above are per connection attempt and per read: the deadline bounds the whole
    // answer. The callbacks stop at it when bytes arrive; when none do, the watchdog below shuts the
    // connection down at it (or at once when `cancel` is cancelled).
    const auto expired = [&cancel, deadline] { return cancel.cancelled() || clock::now() >= deadline; };
    const httplib::ResponseHandler on_status = [&status, &expired](const httplib::Response& response) {
        status = response.status;
        return status == 200 && !expired(); // the body of any other answer is not read
    };
    const httplib::ContentReceiver on_body = [&body, &too_big, &expired](const char* data, std::size_t length) {
        if (expired()) return false;
        if (body.size() + length > max_jwks_bytes) {
            too_big = true;
            return false;
        }
        body.append(data, length);
        return true;
    };
    const httplib::Progress on_progress = [&expired](std::uint64_t, std::uint64_t) { return !expired(); };
    if (cancel.cancelled()) return error = url + ": cancelled", std::nullopt;
    std::atomic<bool> done{false};
    struct watchdog_thread {
        std::thread thread;
        std::atomic<bool>& done;
        fetch_canceller& cancel;
        ~watchdog_thread() {
            done.store(true);
            cancel.wake();
            if (thread.joinable()) thread.join();
        }
    } watchdog{{}, done, cancel};
    watchdog.thread = std::thread([&client, &done, &cancel, deadline] {
        const auto finished = [&done] { return done.load(); };
        cancel.wait(deadline, finished, true);
        // Past the deadline or cancelled, and the fetch still runs: shut its connection down until
        // it returns (a stop() before the request has its socket does nothing, so it is repeated).
        while (!done.load()) {
            client.stop();
            cancel.wait(clock::now() + std::chrono::milliseconds(50), finished, false);
        }
    });
    const httplib::Result r =
        client.Get(path, httplib::Headers{{"Accept", "application/json"}}, on_status, on_body, on_progress);
    done.store(true);
    cancel.wake();
    const bool cut_short = expired();
    if (!r) ERR_clear_error(); // a TLS failure leaves its reasons on this thread's queue
    if (status != 0 && status != 200) return error = url + " answered " + std::to_string(status), std::nullopt;
    if (too_big) return error = url + " answered more than 1 MiB", std::nullopt;
    if (cancel.cancelled()) return error = url + ": cancelled", std::nullopt;
    if (cut_short && !r) return error = url + ": no complete answer within the fetch deadline", std::nullopt;
    if (!r) return error = url + ": " + httplib::to_string(r.error()), std::nullopt;
    return body;
}

std::optional<std::string> load_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return error = "cannot open " + path, std::nullopt;
    std::string text;
    char buffer[4096];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_jwks_bytes) return error = path + " is larger than 1 MiB", std::nullopt;
    }
    if (in.bad()) return error = "cannot read " + path, std::nullopt;
    return text;
}

} // namespace

std::string_view to_string(jwk_algorithm a) noexcept { return a == jwk_algorithm::es256 ? "ES256" : "RS256"; }

std::optional<jwk_set> jwk_set::parse(std::string_view document, std::string& error) {
    try {
        if (document.size() > max_jwks_bytes) return error = "the document is larger than 1 MiB", std::nullopt;
        if (nests_deeper_than(document, max_jwks_depth)) return error = "the document nests too deep", std::nullopt;
        const json doc = json::parse(document, nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) return error = "the document is not JSON", std::nullopt;
        const auto keys = doc.is_object() ? doc.find("keys") : doc.end();
        if (!doc.is_object() || keys == doc.end() || !keys->is_array())
            return error = "the document is not {\"keys\": [...]}", std::nullopt;
        if (keys->size() > max_keys) return error = "the document has more than 100 keys", std::nullopt;
        jwk_set set;
        for (const json& k : *keys) {
            jwk key;
            std::string why;
            switch (read_key(k, key, why)) {
            case key_kind::unusable: set.unusable_.push_back(why); [[fallthrough]];
            case key_kind::skipped: ++set.skipped_; continue;
            case key_kind::used: break;
            }
            // Which of two keys a kid names is not for the service to guess.
            if (set.find(key.kid) != nullptr)
                return error = "two signing keys have kid '" + key.kid + "'", std::nullopt;
            set.keys_.push_back(std::move(key));
        }
        if (set.keys_.empty()) {
            error = "the document has no RS256 or ES256 signing key";
            for (std::size_t i = 0; i < set.unusable_.size(); ++i)
                error += (i == 0 ? " (skipped: " : "; ") + set.unusable_[i];
            if (!set.unusable_.empty()) error += ")";
            return std::nullopt;
        }
        return set;
    } catch (const std::exception& e) {
        error = std::string("cannot read the document: ") + e.what();
        return std::nullopt;
    }
}

const jwk* jwk_set::find(std::string_view kid) const noexcept {
    for (const jwk& k : keys_)
        if (k.kid == kid) return &k;
    return nullptr;
}

std::string jwk_set::describe() const {
    std::string out;
    for (const jwk& k : keys_) {
        if (!out.empty()) out += ", ";
        out += k.kid + " (" + std::string(to_string(k.algorithm)) + ")";
    }
    return out;
}

bool jws_verify(const jwk& key, std::string_view signing_input, std::string_view signature) noexcept {
    if (!key.key) return false;
    std::string der; // ES256: r || s as the DER ECDSA-Sig-Value OpenSSL verifies
    std::string_view checked = signature;
    if (key.algorithm == jwk_algorithm::es256) {
        if (signature.size() != 2 * p256_coordinate_bytes) return false;
        const ecdsa_sig_ptr sig(ECDSA_SIG_new());
        BIGNUM* r = BN_bin2bn(bytes_of(signature), 32, nullptr);
        BIGNUM* s = BN_bin2bn(bytes_of(signature.substr(32)), 32, nullptr);
        if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
            BN_free(r);
            BN_free(s);
            ERR_clear_error();
            return false;
        }
        const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
        if (length <= 0) return ERR_clear_error(), false;
        try {
            der.resize(static_cast<std::size_t>(length));
        } catch (...) { return false; }
        auto* out = reinterpret_cast<unsigned char*>(der.data());
        if (i2d_ECDSA_SIG(sig.get(), &out) != length) return ERR_clear_error(), false;
        checked = der;
    } else {
        // PKCS #1 v1.5: exactly as long as the modulus.
        const int size = EVP_PKEY_get_size(key.key.get());
        if (size <= 0 || signature.size() != static_cast<std::size_t>(size)) return false;
    }
    const md_ctx_ptr md(EVP_MD_CTX_new());
    const bool good = md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) == 1 &&
                      EVP_DigestVerify(md.get(), bytes_of(checked), checked.size(), bytes_of(signing_input),
                                       signing_input.size()) == 1;
    // A bad signature is an ordinary answer: the reasons OpenSSL queued for it are not kept on the
    // request thread's queue, where a later, unrelated check would find them.
    if (!good) ERR_clear_error();
    return good;
}

jwt_result jwt_verify_jwks(std::string_view token, const jwk_set& keys, std::string_view issuer,
                           std::string_view audience, std::int64_t now, std::int64_t leeway) noexcept {
    const jwt_signature_check check = [&keys](const json& header, std::string_view signing_input,
                                              std::string_view signature) {
        const auto alg = header.find("alg");
        if (alg == header.end() || !alg->is_string()) return jwt_error::unsupported_algorithm;
        const std::string& name = alg->get_ref<const std::string&>();
        jwk_algorithm named;
        if (name == "RS256") named = jwk_algorithm::rs256;
        else if (name == "ES256") named = jwk_algorithm::es256;
        else return jwt_error::unsupported_algorithm; // "none", HS256 (own secret only), RS512, PS256, ...
        const auto kid = header.find("kid");
        if (kid == header.end() || !kid->is_string()) return jwt_error::unknown_key;
        const jwk* key = keys.find(kid->get_ref<const std::string&>());
        if (key == nullptr) return jwt_error::unknown_key;
        if (key->algorithm != named) return jwt_error::wrong_algorithm;
        if (!jws_verify(*key, signing_input, signature)) return jwt_error::bad_signature;
        return jwt_error::ok;
    };
    return jwt_verify_with(token, check, issuer, audience, now, leeway);
}

bool jwks_source_allowed(const std::string& source, bool allow_insecure_http, std::string& error) noexcept {
    try {
        const bool https = starts_with(source, "https://");
        if (!https && !starts_with(source, "http://")) return true; // a file
        std::string origin, path, host;
        bool bracketed = false;
        if (!split_url(source, origin, path, host, bracketed, error)) return false;
        if (https || allow_insecure_http || loopback_host(host, bracketed)) return true;
        error = "an http:// URL must name a loopback host (127.0.0.0/8, [::1], localhost): the keys would come "
                "unauthenticated over the network; use https://";
        return false;
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
}

void fetch_canceller::cancel() noexcept {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        cancelled_ = true;
    }
    changed_.notify_all();
}

bool fetch_canceller::cancelled() const noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
}

void fetch_canceller::wait(std::chrono::steady_clock::time_point deadline, const std::function<bool()>& done,
                           bool watch_cancel) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return done() || (watch_cancel && cancelled_); });
}

void fetch_canceller::wake() noexcept {
    { const std::lock_guard<std::mutex> lock(mutex_); } // whoever waits is in wait_until or sees `done`
    changed_.notify_all();
}

std::optional<std::string> load_jwks_document(const std::string& source, std::string& error, bool allow_insecure_http,
                                              fetch_canceller* cancel, std::chrono::milliseconds deadline) noexcept {
    try {
        if (starts_with(source, "http://") || starts_with(source, "https://")) {
            fetch_canceller own;
            return load_url(source, error, allow_insecure_http, cancel != nullptr ? *cancel : own, deadline);
        }
        return load_file(source, error);
    } catch (const std::exception& e) {
        error = std::string("cannot load ") + source + ": " + e.what();
        return std::nullopt;
    }
}

external_tokens::external_tokens(external_token_options options) : options_(std::move(options)) {
    refresher_ = std::thread([this] { refresher(); });
}

external_tokens::~external_tokens() {
    // A fetch in progress is cut short: stopping the service does not wait for an identity provider.
    cancel_.cancel();
    {
        const std::lock_guard<std::mutex> lock(state_mutex_);
        stopping_ = true;
    }
    wake_refresher_.notify_all();
    refresher_.join();
}

void external_tokens::log(const std::string& line) const {
    if (options_.log) options_.log(line);
}

std::shared_ptr<const jwk_set> external_tokens::keys() const {
    const std::lock_guard<std::mutex> lock(keys_mutex_);
    return keys_;
}

bool external_tokens::reload(std::string& error) { return reload_now(error, true); }

void external_tokens::request_reload() {
    {
        const std::lock_guard<std::mutex> lock(state_mutex_);
        pending_ = reason::signal;
    }
    wake_refresher_.notify_all();
}

bool external_tokens::reload_now(std::string& error, bool stamp) {
    const std::lock_guard<std::mutex> serial(reload_mutex_);
    if (stamp) {
        {
            const std::lock_guard<std::mutex> lock(state_mutex_);
            last_reload_ = unix_now();
        }
        wake_refresher_.notify_all(); // the max age counts from here: the refresher may be waiting without a timeout
    }
    const auto document = load_jwks_document(options_.jwks, error, options_.allow_insecure_http, &cancel_);
    if (!document) return false;
    auto set = jwk_set::parse(*document, error);
    if (!set) return false;
    for (const std::string& why : set->unusable()) log("JWKS key skipped: " + why);
    auto next = std::make_shared<const jwk_set>(std::move(*set));
    const std::lock_guard<std::mutex> lock(keys_mutex_);
    keys_ = std::move(next);
    return true;
}

void external_tokens::refresher() {
    std::unique_lock<std::mutex> lock(state_mutex_);
    while (!stopping_) {
        // The periodic reload counts from the start of the last one (a failed one too); it begins
        // after the first reload, which the service's start does itself.
        const bool aging = options_.max_age > 0 && last_reload_ > 0;
        if (pending_ == reason::none && aging && unix_now() - last_reload_ >= options_.max_age)
            pending_ = reason::max_age;
        if (pending_ == reason::none) {
            if (aging) {
                const std::int64_t left = last_reload_ + options_.max_age - unix_now();
                wake_refresher_.wait_for(lock, std::chrono::seconds(std::clamp<std::int64_t>(left, 1, 60)));
            } else {
                wake_refresher_.wait(lock);
            }
            continue;
        }
        const reason why = pending_;
        pending_ = reason::none;
        lock.unlock();
        std::string error;
        // An unknown kid's reload was stamped when verify() asked for it.
        const bool ok = reload_now(error, why != reason::unknown_key);
        const std::string described = ok ? keys()->describe() : std::string();
        switch (why) {
        case reason::signal:
            log(ok ? "JWKS reloaded: " + described : "JWKS reload failed, the keys stay as they were: " + error);
            break;
        case reason::unknown_key:
            log(ok ? "JWKS reloaded for an unknown key: " + described
                   : "JWKS reload for an unknown key failed, the keys stay as they were: " + error);
            break;
        case reason::max_age:
        case reason::none:
            log(ok ? "JWKS reloaded at the key set's maximum age: " + described
                   : "JWKS reload at the key set's maximum age failed, the keys stay as they were: " + error);
            break;
        }
        lock.lock();
    }
}

jwt_result external_tokens::verify(std::string_view token, std::int64_t now) noexcept {
    try {
        const std::shared_ptr<const jwk_set> set = keys();
        // Before the first document loaded (which the service's start does itself) nothing is asked.
        if (!set) return jwt_result{jwt_error::unknown_key, nullptr};
        jwt_result r = jwt_verify_jwks(token, *set, options_.issuer, options_.audience, now);
        if (r.error != jwt_error::unknown_key || options_.reload_interval <= 0) return r;
        // Ask the refresher for the document, at most once per interval, and answer now: the
        // request never waits for the network. state_mutex_ is never held across a fetch.
        bool asked = false;
        {
            const std::lock_guard<std::mutex> lock(state_mutex_);
            if (!stopping_ && pending_ == reason::none && now - last_reload_ >= options_.reload_interval) {
                last_reload_ = now;
                pending_ = reason::unknown_key;
                asked = true;
            }
        }
        if (asked) wake_refresher_.notify_all();
        return r;
    } catch (...) { return jwt_result{jwt_error::malformed, nullptr}; }
}

} // namespace ward_service
