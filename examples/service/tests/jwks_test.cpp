// SPDX-License-Identifier: MIT
// Tokens from an identity provider: RS256 and ES256 verified with keys from a JWKS document, the
// keys generated here ([crypto]: the document, the signatures, the refusals, reloading), and the
// real service with --jwks ([jwks]: the Bluebricks API decides them as its own tokens, refuses the
// rest with 401 and nothing changed, and rotates keys on SIGHUP and on an unknown kid).
#include "checks.hpp"
#include "jwks.hpp"
#include "signing_keys.hpp"

#include <openssl/hmac.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace ward_service_test;
using ward_service::jwt_error;

namespace {

// ---- keys, generated once per test run ---------------------------------------------------------------

struct test_keys {
    signing_key rsa_1 = signing_key::rsa("rsa-1");
    signing_key rsa_2 = signing_key::rsa("rsa-2");
    signing_key ec_1 = signing_key::ec("ec-1");
    /// Keys the identity provider never published, under kids of their own and under the published ones.
    signing_key stranger = signing_key::rsa("stranger");
    signing_key stranger_ec = signing_key::ec("stranger-ec");
};
const test_keys& keys() {
    static const test_keys k;
    return k;
}
const signing_key& rsa_1() { return keys().rsa_1; }
const signing_key& rsa_2() { return keys().rsa_2; }
const signing_key& ec_1() { return keys().ec_1; }
const signing_key& stranger() { return keys().stranger; }
const signing_key& stranger_ec() { return keys().stranger_ec; }

constexpr const char* idp_issuer = "https://bluebricks.example.auth0.com/";
constexpr const char* idp_audience = "https://api.bluebricks.example";

/// An Auth0-style access token's claims for the Bluebricks API: `scope` holds the OpenID scopes and
/// the permissions granted (requested and held), `permissions` lists them too.
json idp_claims(const std::string& subject, const std::string& organization, const json& permissions,
                std::int64_t ttl = 3600) {
    const std::int64_t now = ward_service::unix_now();
    std::string scope = "openid profile email";
    for (const json& p : permissions) scope += " " + p.get<std::string>();
    return json{{"iss", idp_issuer},
                {"aud", json::array({idp_audience, "https://bluebricks.example.auth0.com/userinfo"})},
                {"sub", subject},
                {"iat", now},
                {"exp", now + ttl},
                {"azp", "client-id-of-the-console"},
                {"scope", scope},
                {"org_id", organization},
                {"permissions", permissions}};
}

json with(json claims, const char* key, const json& value) {
    if (value.is_null()) claims.erase(key);
    else claims[key] = value;
    return claims;
}

std::string b64(std::string_view s) { return ward_service::base64url_encode(s); }

/// header . payload . HMAC-SHA256(key): how an attacker signs with a public key as the secret.
std::string hs256_with(const json& header, const json& claims, const std::string& key) {
    const std::string input = b64(header.dump()) + "." + b64(claims.dump());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &length) == nullptr)
        throw std::runtime_error("HMAC failed");
    return input + "." + b64(std::string(reinterpret_cast<const char*>(out), length));
}

/// A parsed document and, when it was refused, why; the caller shows `error` (INFO) before its
/// REQUIRE, where Catch prints it.
struct parsed {
    std::optional<ward_service::jwk_set> set;
    std::string error;
};

parsed parse(const json& document) {
    parsed p;
    p.set = ward_service::jwk_set::parse(document.dump(), p.error);
    return p;
}

std::string refusal_of(const json& document) {
    std::string error;
    const auto set = ward_service::jwk_set::parse(document.dump(), error);
    return set ? std::string("(accepted)") : error;
}

const ward_service::jwk_set& published() {
    static const ward_service::jwk_set set = [] {
        std::string error;
        auto s = ward_service::jwk_set::parse(jwks_of({rsa_1().jwk(), ec_1().jwk()}).dump(), error);
        if (!s) throw std::runtime_error("the test key set does not parse: " + error);
        return std::move(*s);
    }();
    return set;
}

jwt_error verify(const std::string& token, std::int64_t now = ward_service::unix_now()) {
    return ward_service::jwt_verify_jwks(token, published(), idp_issuer, idp_audience, now).error;
}

void write_file(const std::string& path, const std::string& text) {
    // Written aside and renamed: a reader sees the old document or the new one, never half of one.
    const std::string aside = path + ".new";
    {
        std::ofstream out(aside, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + aside);
    }
    std::filesystem::rename(aside, path);
}

const json alice_permissions = json::array(
    {"read:users", "create:users", "update:users", "delete:users", "read:organization", "update:organization"});

/// Asks until `condition` holds, up to 10 s (reloads happen on another thread, or another process).
template <class Condition>
bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

/// What an external_tokens logged: lines come from its refresher thread and from the test's.
class log_lines {
public:
    std::function<void(const std::string&)> sink() {
        return [this](const std::string& line) {
            const std::lock_guard<std::mutex> lock(mutex_);
            lines_.push_back(line);
        };
    }
    std::vector<std::string> lines() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return lines_;
    }
    std::size_t size() const { return lines().size(); }
    bool contains(const std::string& part) const {
        for (const std::string& line : lines())
            if (line.find(part) != std::string::npos) return true;
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

/// A JWKS document holding `keys`, written into `dir`; its path.
std::string jwks_file(const temp_dir& dir, std::initializer_list<json> keys) {
    const std::string file = dir.file("jwks.json");
    write_file(file, jwks_of(keys).dump());
    return file;
}

/// Options for the test identity provider's key set at `jwks` (a file or URL), logging into `log`.
ward_service::external_token_options idp_options(const std::string& jwks, log_lines& log) {
    ward_service::external_token_options o;
    o.jwks = jwks;
    o.issuer = idp_issuer;
    o.audience = idp_audience;
    o.log = log.sink();
    return o;
}

/// An identity provider's JWKS endpoint on 127.0.0.1, serving `document`. While stalled, it holds
/// every fetch (no answer at all) until released, and says how many it holds; /missing answers 404.
class jwks_endpoint {
public:
    jwks_endpoint() {
        server_.Get("/.well-known/jwks.json", [this](const httplib::Request&, httplib::Response& res) {
            std::unique_lock<std::mutex> lock(mutex_);
            ++fetches_;
            if (stalled_) {
                ++held_;
                ++ever_held_;
                changed_.notify_all();
                // Bounded, so that a test that fails before release() still ends.
                changed_.wait_for(lock, std::chrono::seconds(60), [this] { return !stalled_; });
                --held_;
            }
            res.set_content(document_, "application/json");
        });
        server_.Get("/missing", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
        port_ = server_.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw std::runtime_error("the JWKS endpoint cannot listen");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~jwks_endpoint() {
        release();
        server_.stop();
        thread_.join();
    }
    jwks_endpoint(const jwks_endpoint&) = delete;
    jwks_endpoint& operator=(const jwks_endpoint&) = delete;

    std::string url(const std::string& path = "/.well-known/jwks.json") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    void serve(const json& document) {
        const std::lock_guard<std::mutex> lock(mutex_);
        document_ = document.dump();
    }
    void stall() {
        const std::lock_guard<std::mutex> lock(mutex_);
        stalled_ = true;
    }
    void release() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stalled_ = false;
        }
        changed_.notify_all();
    }
    int fetches() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return fetches_;
    }
    /// Fetches held right now.
    int held() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return held_;
    }
    /// Waits (up to 10 s) until `count` fetches in all have been held; whether they were.
    bool wait_held(int count) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return ever_held_ >= count; });
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string document_ = "{}";
    bool stalled_ = false;
    int fetches_ = 0, held_ = 0, ever_held_ = 0;
};

} // namespace

// ==== [crypto]: the document, the signature, the claims ================================================

TEST_CASE("JWKS: the RS256 and ES256 signing keys of a document, by kid", "[crypto]") {
    const parsed p = parse(jwks_of({rsa_1().jwk(), ec_1().jwk()}));
    INFO("error: " << p.error);
    REQUIRE(p.set);
    const auto& set = p.set;
    CHECK(set->size() == 2);
    CHECK(set->skipped() == 0);
    REQUIRE(set->find("rsa-1") != nullptr);
    CHECK(set->find("rsa-1")->algorithm == ward_service::jwk_algorithm::rs256);
    REQUIRE(set->find("ec-1") != nullptr);
    CHECK(set->find("ec-1")->algorithm == ward_service::jwk_algorithm::es256);
    CHECK(set->find("rsa-2") == nullptr);
    CHECK(set->find("") == nullptr);
    CHECK(set->find("RSA-1") == nullptr);
    CHECK(set->describe() == "rsa-1 (RS256), ec-1 (ES256)");

    // `alg` and `use` may be left out; extra members (x5c, x5t, ...) are ignored.
    json bare_rsa = rsa_1().jwk();
    bare_rsa.erase("alg");
    bare_rsa.erase("use");
    bare_rsa["x5t"] = "ignored";
    json bare_ec = ec_1().jwk();
    bare_ec.erase("alg");
    bare_ec["key_ops"] = json::array({"verify"});
    const parsed bare = parse(jwks_of({bare_rsa, bare_ec}));
    INFO("error: " << bare.error);
    REQUIRE(bare.set);
    CHECK(bare.set->size() == 2);

    // Keys that verify nothing here are skipped, never used: encryption keys, other algorithms and
    // curves, and symmetric keys (a published "oct" key must never become an HMAC secret).
    // A published key with one member changed and a kid of its own.
    auto changed = [](const signing_key& k, const char* kid, const char* member, json value) {
        json jwk = k.jwk();
        jwk[member] = std::move(value);
        jwk["kid"] = kid;
        return jwk;
    };
    const json encryption = changed(rsa_2(), "enc", "use", "enc");
    const json rs512 = changed(rsa_2(), "rs512", "alg", "RS512");
    const json ps256 = changed(rsa_2(), "ps256", "alg", "PS256");
    const json ec_as_rs256 = changed(ec_1(), "ec-as-rs256", "alg", "RS256");
    const json p384 = changed(ec_1(), "p384", "crv", "P-384");
    const json wrap_only = changed(rsa_2(), "wrap", "key_ops", json::array({"wrapKey"}));
    const json oct = {{"kty", "oct"}, {"kid", "hs"}, {"alg", "HS256"}, {"k", b64("a shared secret of 32 bytes ....")}};
    const json okp = {{"kty", "OKP"}, {"kid", "ed"}, {"crv", "Ed25519"}, {"x", b64(std::string(32, 'x'))}};
    const parsed mixed =
        parse(jwks_of({encryption, rs512, ps256, ec_as_rs256, p384, wrap_only, oct, okp, rsa_1().jwk()}));
    INFO("error: " << mixed.error);
    REQUIRE(mixed.set);
    CHECK(mixed.set->size() == 1);
    CHECK(mixed.set->skipped() == 8);
    CHECK(mixed.set->unusable().empty()); // none of them is a signing key that could not be used
    CHECK(mixed.set->find("hs") == nullptr);
    CHECK(mixed.set->find("enc") == nullptr);
}

TEST_CASE("JWKS: a malformed document is refused whole", "[crypto]") {
    std::string error;
    for (const char* text : {"", "not json", "[]", "null", "{}", R"({"keys":{}})", R"({"keys":"[]"})", R"({"keys":[]})",
                             R"({"keys":[42]})", R"({"keys":[{}]})", R"({"keys":[{"kty":1}]})"}) {
        INFO(text);
        CHECK_FALSE(ward_service::jwk_set::parse(text, error));
        CHECK_FALSE(error.empty());
    }
    CHECK_FALSE(ward_service::jwk_set::parse(std::string(100, '[') + std::string(100, ']'), error));

    const json oct = {{"kty", "oct"}, {"kid", "hs"}, {"k", b64("secret")}};
    CHECK(refusal_of(jwks_of({oct})) == "the document has no RS256 or ES256 signing key");

    // Two signing keys under one kid: which one it names is not for the service to guess.
    CHECK(refusal_of(jwks_of({rsa_1().jwk(), with(rsa_2().jwk(), "kid", "rsa-1")})) ==
          "two signing keys have kid 'rsa-1'");
    CHECK(refusal_of(jwks_of({rsa_1().jwk(), with(ec_1().jwk(), "kid", "rsa-1")})) ==
          "two signing keys have kid 'rsa-1'");

    // More than 100 keys, or more than 1 MiB.
    json many = json::array();
    for (int i = 0; i < 101; ++i) many.push_back(with(oct, "kid", "k" + std::to_string(i)));
    CHECK(refusal_of(json{{"keys", many}}) == "the document has more than 100 keys");
    CHECK_FALSE(ward_service::jwk_set::parse(std::string(ward_service::max_jwks_bytes + 1, ' '), error));
}

TEST_CASE("JWKS: an unusable signing key is skipped, the others are used", "[crypto]") {
    const json rsa = rsa_1().jwk();
    const std::string n = *ward_service::base64url_decode(rsa["n"].get<std::string>());
    std::string even = n;
    even.back() = static_cast<char>(even.back() & ~1);
    const json ec = ec_1().jwk();
    const std::string x = *ward_service::base64url_decode(ec["x"].get<std::string>());
    std::string y = *ward_service::base64url_decode(ec["y"].get<std::string>());
    std::string off_curve = y;
    off_curve[31] = static_cast<char>(off_curve[31] ^ 1);

    struct unusable {
        std::string what;
        json key;
        std::string reason; ///< "" when only "not accepted" is checked
    };
    const std::vector<unusable> keys = {
        // A signing key must have a kid.
        {"no kid", with(rsa, "kid", nullptr), "a signing key has no 'kid'"},
        {"an empty kid", with(rsa, "kid", ""), "a signing key has no 'kid'"},
        {"a kid that is no string", with(rsa, "kid", 7), "a signing key has no 'kid'"},
        // Member types.
        {"use 1", with(rsa, "use", 1), "a key's 'use', 'alg' or 'crv' is not a string"},
        {"key_ops a string", with(rsa, "key_ops", "verify"), "a key's 'key_ops' is not an array"},
        {"not an object", json(42), "a key is not an object"},
        // The numbers of a signing key: strict base64url, sizes, and a valid public key.
        {"no n", with(rsa, "n", nullptr), ""},
        {"no e", with(rsa, "e", nullptr), ""},
        {"n padded", with(rsa, "n", rsa["n"].get<std::string>() + "="), ""},
        {"n empty", with(rsa, "n", ""), ""},
        {"e of 9 bytes", with(rsa, "e", b64(std::string(9, '\x01'))), ""},
        {"an even modulus", with(rsa, "n", b64(even)), "key 'rsa-1': not a valid public key"},
        {"a 1024-bit modulus cut from a key", with(rsa, "n", b64(n.substr(0, 128))),
         "key 'rsa-1': the modulus has 1024 bits (2048 to 8192 are accepted)"},
        {"a 1024-bit key", signing_key::rsa("small", 1024).jwk(),
         "key 'small': the modulus has 1024 bits (2048 to 8192 are accepted)"},
        {"a modulus over 8192 bits", with(rsa, "n", b64(std::string(1030, '\xff'))),
         "key 'rsa-1': the modulus is longer than 8192 bits"},
        {"x of 31 bytes", with(ec, "x", b64(x.substr(1))), ""},
        {"y of 33 bytes", with(ec, "y", b64(y + "\x01")), ""},
        {"no y", with(ec, "y", nullptr), ""},
        {"a point off the curve", with(ec, "y", b64(off_curve)), "key 'ec-1': not a valid public key"},
        {"the point (0, 0)", with(with(ec, "x", b64(std::string(32, '\0'))), "y", b64(std::string(32, '\0'))),
         "key 'ec-1': not a valid public key"},
    };
    for (const unusable& u : keys) {
        INFO(u.what);
        // Next to a good key: skipped, the reason kept for the log, the good key used.
        const parsed p = parse(jwks_of({u.key, rsa_2().jwk()}));
        INFO("error: " << p.error);
        REQUIRE(p.set);
        CHECK(p.set->size() == 1);
        CHECK(p.set->find("rsa-2") != nullptr);
        CHECK(p.set->skipped() == 1);
        REQUIRE(p.set->unusable().size() == 1);
        if (!u.reason.empty()) CHECK(p.set->unusable()[0] == u.reason);
        // Alone: no key is left, and the refusal says why.
        const std::string refusal = refusal_of(jwks_of({u.key}));
        CHECK(refusal.rfind("the document has no RS256 or ES256 signing key (skipped: ", 0) == 0);
        if (!u.reason.empty()) CHECK(refusal.find(u.reason) != std::string::npos);
    }
    // The kid of a skipped key names nothing; the usable key under the same kid is used.
    const parsed same_kid = parse(jwks_of({with(rsa, "n", b64(even)), rsa_1().jwk()}));
    INFO("error: " << same_kid.error);
    REQUIRE(same_kid.set);
    CHECK(same_kid.set->size() == 1);
    CHECK(ward_service::jwt_verify_jwks(rsa_1().sign(idp_claims("auth0|alice", "org_acme", alice_permissions)),
                                        *same_kid.set, idp_issuer, idp_audience, ward_service::unix_now())
              .error == jwt_error::ok);
}

TEST_CASE("JWKS tokens: RS256 and ES256, each verified with the key its kid names", "[crypto]") {
    const json claims = idp_claims("auth0|alice", "org_acme", alice_permissions);
    for (const signing_key* key : {&rsa_1(), &ec_1()}) {
        INFO(key->kid());
        const std::string token = key->sign(claims);
        const auto r =
            ward_service::jwt_verify_jwks(token, published(), idp_issuer, idp_audience, ward_service::unix_now());
        REQUIRE(r.error == jwt_error::ok);
        CHECK(r.claims == claims);
        // RFC 9068's access-token `typ`, or none.
        CHECK(verify(key->sign_with_header({{"alg", key->alg()}, {"kid", key->kid()}, {"typ", "at+jwt"}}, claims)) ==
              jwt_error::ok);
        CHECK(verify(key->sign_with_header({{"alg", key->alg()}, {"kid", key->kid()}}, claims)) == jwt_error::ok);
        // The audience may be the only one, a string.
        CHECK(verify(key->sign(with(claims, "aud", idp_audience))) == jwt_error::ok);
    }
    // The low-level check: the signature of exactly this input.
    const std::string input = "header.payload";
    CHECK(ward_service::jws_verify(*published().find("rsa-1"), input, rsa_1().signature(input)));
    CHECK(ward_service::jws_verify(*published().find("ec-1"), input, ec_1().signature(input)));
    CHECK_FALSE(ward_service::jws_verify(*published().find("rsa-1"), input + ".", rsa_1().signature(input)));
    CHECK_FALSE(ward_service::jws_verify(*published().find("ec-1"), input + ".", ec_1().signature(input)));
    CHECK_FALSE(ward_service::jws_verify(*published().find("ec-1"), input, ec_1().der_signature(input)));
    CHECK_FALSE(ward_service::jws_verify(*published().find("rsa-1"), input, ""));
    CHECK_FALSE(ward_service::jws_verify(*published().find("ec-1"), input, std::string(64, '\0')));
}

TEST_CASE("JWKS tokens: the algorithm is the key's, never the token's", "[crypto]") {
    const json claims = idp_claims("auth0|alice", "org_acme", alice_permissions);
    const std::string payload = b64(claims.dump());

    // No key, unknown keys, a key under another key's kid.
    CHECK(verify(rsa_1().sign_with_header({{"alg", "RS256"}, {"typ", "JWT"}}, claims)) == jwt_error::unknown_key);
    CHECK(verify(rsa_1().sign_with_header({{"alg", "RS256"}, {"kid", 1}}, claims)) == jwt_error::unknown_key);
    CHECK(verify(rsa_1().sign_with_header({{"alg", "RS256"}, {"kid", ""}}, claims)) == jwt_error::unknown_key);
    CHECK(verify(stranger().sign(claims)) == jwt_error::unknown_key);
    CHECK(verify(stranger().sign_with_header({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims)) ==
          jwt_error::bad_signature);
    CHECK(verify(stranger_ec().sign_with_header({{"alg", "ES256"}, {"kid", "ec-1"}}, claims)) ==
          jwt_error::bad_signature);
    // A key the token carries itself (jwk, jku, x5u) is never looked at.
    const json embedded = {{"alg", "RS256"},
                           {"kid", "rsa-1"},
                           {"jwk", stranger().jwk()},
                           {"jku", "https://attacker.example/jwks.json"},
                           {"x5u", "https://attacker.example/cert.pem"}};
    CHECK(verify(stranger().sign_with_header(embedded, claims)) == jwt_error::bad_signature);

    // alg "none", in any spelling, with or without a signature.
    for (const char* none : {"none", "None", "NONE", ""}) {
        INFO(none);
        const json header = {{"alg", none}, {"kid", "rsa-1"}};
        CHECK(verify(b64(header.dump()) + "." + payload + ".") == jwt_error::unsupported_algorithm);
        CHECK(verify(rsa_1().sign_with_header(header, claims)) == jwt_error::unsupported_algorithm);
    }
    CHECK(verify(b64(R"({"kid":"rsa-1"})") + "." + payload + ".") == jwt_error::unsupported_algorithm);

    // HS256 with what the identity provider publishes as the secret: the PEM, the JWK, its modulus.
    const json hs256 = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}};
    for (const std::string& secret : {rsa_1().public_pem(), rsa_1().jwk().dump(),
                                      *ward_service::base64url_decode(rsa_1().jwk()["n"].get<std::string>())}) {
        const std::string token = hs256_with(hs256, claims, secret);
        CHECK(verify(token) == jwt_error::unsupported_algorithm);
        // ... and the service's own HS256 check uses its own secret only.
        CHECK(ward_service::jwt_verify(token, "the service's own secret, 32 b.", idp_issuer, idp_audience,
                                       ward_service::unix_now())
                  .error == jwt_error::bad_signature);
    }
    CHECK(verify(hs256_with({{"alg", "HS256"}, {"kid", "ec-1"}}, claims, ec_1().public_pem())) ==
          jwt_error::unsupported_algorithm);

    // The other algorithm of the pair, or a neighbour of it: signed by the right key all the same.
    CHECK(verify(rsa_1().sign_with_header({{"alg", "ES256"}, {"kid", "rsa-1"}}, claims)) == jwt_error::wrong_algorithm);
    CHECK(verify(ec_1().sign_with_header({{"alg", "RS256"}, {"kid", "ec-1"}}, claims)) == jwt_error::wrong_algorithm);
    for (const char* alg : {"RS384", "RS512", "PS256", "ES384", "ES512", "EdDSA", "rs256", "RS256 ", "HS384"}) {
        INFO(alg);
        CHECK(verify(rsa_1().sign_with_header({{"alg", alg}, {"kid", "rsa-1"}}, claims)) ==
              jwt_error::unsupported_algorithm);
    }
    CHECK(verify(rsa_1().sign_with_header({{"alg", json::array({"RS256"})}, {"kid", "rsa-1"}}, claims)) ==
          jwt_error::unsupported_algorithm);
    CHECK(verify(rsa_1().sign_with_header({{"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", {"exp"}}}, claims)) ==
          jwt_error::bad_header);

    // Signatures: tampered, truncated, empty, or ES256 in DER rather than r || s.
    const std::string good = rsa_1().sign(claims);
    const std::string input = good.substr(0, good.rfind('.'));
    const std::string signature = *ward_service::base64url_decode(good.substr(good.rfind('.') + 1));
    CHECK(verify(good) == jwt_error::ok);
    CHECK(verify(input + "." + b64(signature.substr(0, 255))) == jwt_error::bad_signature);
    CHECK(verify(input + ".") == jwt_error::bad_signature);
    std::string flipped = signature;
    flipped[100] = static_cast<char>(flipped[100] ^ 0x10);
    CHECK(verify(input + "." + b64(flipped)) == jwt_error::bad_signature);
    const std::string other_payload = b64(with(claims, "sub", "auth0|mallory").dump());
    CHECK(verify(good.substr(0, good.find('.') + 1) + other_payload + good.substr(good.rfind('.'))) ==
          jwt_error::bad_signature);
    const std::string ec_token = ec_1().sign(claims);
    const std::string ec_input = ec_token.substr(0, ec_token.rfind('.'));
    CHECK(verify(ec_input + "." + b64(ec_1().der_signature(ec_input))) == jwt_error::bad_signature);
    const std::string rs = *ward_service::base64url_decode(ec_token.substr(ec_token.rfind('.') + 1));
    CHECK(verify(ec_input + "." + b64(rs.substr(32) + rs.substr(0, 32))) == jwt_error::bad_signature);
}

TEST_CASE("JWKS tokens: exp, nbf, iat, iss and aud", "[crypto]") {
    const json claims = idp_claims("auth0|alice", "org_acme", alice_permissions);
    const std::int64_t now = ward_service::unix_now();
    for (const signing_key* key : {&rsa_1(), &ec_1()}) {
        INFO(key->kid());
        CHECK(verify(key->sign(with(claims, "exp", now - 10))) == jwt_error::expired);
        CHECK(verify(key->sign(claims), now + 3600 + 5) == jwt_error::expired);
        CHECK(verify(key->sign(with(claims, "exp", nullptr))) == jwt_error::bad_claims);
        CHECK(verify(key->sign(with(claims, "sub", nullptr))) == jwt_error::bad_claims);
        CHECK(verify(key->sign(with(claims, "nbf", now + 60))) == jwt_error::not_yet_valid);
        CHECK(verify(key->sign(with(claims, "nbf", now))) == jwt_error::ok);
        CHECK(verify(key->sign(with(claims, "iat", now + 60))) == jwt_error::not_yet_valid);
        CHECK(verify(key->sign(with(claims, "iss", "https://other-tenant.auth0.com/"))) == jwt_error::wrong_issuer);
        CHECK(verify(key->sign(with(claims, "iss", "https://bluebricks.example.auth0.com"))) ==
              jwt_error::wrong_issuer);
        CHECK(verify(key->sign(with(claims, "iss", "ward-service"))) == jwt_error::wrong_issuer);
        CHECK(verify(key->sign(with(claims, "iss", nullptr))) == jwt_error::wrong_issuer);
        CHECK(verify(key->sign(with(claims, "aud", "bluebricks"))) == jwt_error::wrong_audience);
        CHECK(verify(key->sign(with(claims, "aud", json::array({"https://api.other.example"})))) ==
              jwt_error::wrong_audience);
        CHECK(verify(key->sign(with(claims, "aud", nullptr))) == jwt_error::wrong_audience);
    }
}

TEST_CASE("external_tokens: reload, an unknown kid reloads in the background at most once per interval", "[crypto]") {
    temp_dir dir;
    const std::string file = jwks_file(dir, {rsa_1().jwk()});
    log_lines log;
    ward_service::external_token_options o = idp_options(file, log);
    o.reload_interval = 30;
    ward_service::external_tokens tokens(o);
    const json claims = idp_claims("auth0|alice", "org_acme", alice_permissions);

    // Nothing is accepted before the first document loaded.
    CHECK(tokens.keys() == nullptr);
    CHECK(tokens.verify(rsa_1().sign(claims), ward_service::unix_now()).error == jwt_error::unknown_key);
    std::string error;
    REQUIRE(tokens.reload(error));
    const std::int64_t loaded = ward_service::unix_now();
    CHECK(tokens.verify(rsa_1().sign(claims), loaded).error == jwt_error::ok);
    CHECK(tokens.verify(rsa_2().sign(claims), loaded).error == jwt_error::unknown_key);

    // The provider rotates: rsa-2 in, rsa-1 out. Within the interval the document is not read again.
    write_file(file, jwks_of({rsa_2().jwk()}).dump());
    CHECK(tokens.verify(rsa_2().sign(claims), loaded + 5).error == jwt_error::unknown_key);
    CHECK(tokens.verify(rsa_1().sign(claims), loaded + 5).error == jwt_error::ok);
    CHECK(log.size() == 0);
    // Past it, the unknown kid asks the refresher for the document and is refused at once; the
    // same kid is accepted once the refresher has swapped the new set in. One reload only.
    CHECK(tokens.verify(rsa_2().sign(claims), loaded + 31).error == jwt_error::unknown_key);
    CHECK(eventually([&] { return tokens.verify(rsa_2().sign(claims), loaded + 31).error == jwt_error::ok; }));
    REQUIRE(log.size() == 1);
    CHECK(log.lines()[0] == "JWKS reloaded for an unknown key: rsa-2 (RS256)");
    CHECK(tokens.verify(rsa_1().sign(claims), loaded + 31).error == jwt_error::unknown_key);
    CHECK(tokens.verify(stranger().sign(claims), loaded + 32).error == jwt_error::unknown_key);
    CHECK(log.size() == 1);

    // A document that does not load or parse leaves the keys as they were.
    write_file(file, "{\"keys\": [");
    CHECK_FALSE(tokens.reload(error));
    CHECK(error == "the document is not JSON");
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::ok);
    CHECK(tokens.verify(stranger().sign(claims), ward_service::unix_now() + 3600).error == jwt_error::unknown_key);
    REQUIRE(eventually([&] { return log.size() == 2; }));
    CHECK(log.lines()[1].rfind("JWKS reload for an unknown key failed, the keys stay as they were: ", 0) == 0);
    std::filesystem::remove(file);
    CHECK_FALSE(tokens.reload(error));
    CHECK(error == "cannot open " + file);
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::ok);

    // An explicit reload takes the new document at once, and says which keys it skipped.
    write_file(file, jwks_of({rsa_1().jwk(), ec_1().jwk(), signing_key::rsa("small", 1024).jwk()}).dump());
    REQUIRE(tokens.reload(error));
    CHECK(tokens.verify(ec_1().sign(claims), ward_service::unix_now()).error == jwt_error::ok);
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::unknown_key);
    CHECK(log.contains("JWKS key skipped: key 'small': the modulus has 1024 bits (2048 to 8192 are accepted)"));

    // request_reload() (SIGHUP in the service) returns at once; the refresher reloads and logs.
    const std::size_t before = log.size();
    write_file(file, jwks_of({rsa_2().jwk()}).dump());
    tokens.request_reload();
    REQUIRE(eventually([&] { return log.size() > before; }));
    CHECK(log.lines()[before] == "JWKS reloaded: rsa-2 (RS256)");
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::ok);

    // Interval 0: an unknown kid never asks for a reload.
    o.reload_interval = 0;
    log_lines fixed_log;
    o.log = fixed_log.sink();
    ward_service::external_tokens fixed(o);
    REQUIRE(fixed.reload(error));
    write_file(file, jwks_of({rsa_1().jwk()}).dump());
    CHECK(fixed.verify(rsa_1().sign(claims), ward_service::unix_now() + 86400).error == jwt_error::unknown_key);
    // An explicit request is served all the same: the log then holds its line and no other.
    fixed.request_reload();
    REQUIRE(eventually([&] { return fixed_log.size() > 0; }));
    CHECK(fixed_log.lines() == std::vector<std::string>{"JWKS reloaded: rsa-1 (RS256)"});
}

TEST_CASE("external_tokens: the key set is reloaded in the background when it reaches its maximum age", "[crypto]") {
    temp_dir dir;
    const std::string file = jwks_file(dir, {rsa_1().jwk()});
    log_lines log;
    ward_service::external_token_options o = idp_options(file, log);
    o.reload_interval = 0; // no reload on an unknown kid: only the age brings rsa-2 in
    o.max_age = 1;
    ward_service::external_tokens tokens(o);
    std::string error;
    REQUIRE(tokens.reload(error));
    write_file(file, jwks_of({rsa_2().jwk()}).dump());
    const json claims = idp_claims("auth0|alice", "org_acme", alice_permissions);
    CHECK(eventually(
        [&] { return tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::ok; }));
    CHECK(log.contains("JWKS reloaded at the key set's maximum age: rsa-2 (RS256)"));
    CHECK(tokens.verify(rsa_1().sign(claims), ward_service::unix_now()).error == jwt_error::unknown_key);
}

TEST_CASE("external_tokens: a hanging JWKS fetch never holds up verify(), and is cancelled on destruction",
          "[crypto]") {
    jwks_endpoint idp;
    idp.serve(jwks_of({rsa_1().jwk()}));
    log_lines log;
    ward_service::external_token_options o = idp_options(idp.url(), log);
    o.reload_interval = 30;
    auto tokens = std::make_unique<ward_service::external_tokens>(o);
    std::string error;
    REQUIRE(tokens->reload(error));
    const std::int64_t loaded = ward_service::unix_now();
    const json claims = idp_claims("auth0|alice", "org_acme", alice_permissions);

    // From now on the provider holds every fetch; the document it will send holds rsa-2.
    idp.serve(jwks_of({rsa_1().jwk(), rsa_2().jwk()}));
    idp.stall();
    CHECK(tokens->verify(rsa_2().sign(claims), loaded + 31).error == jwt_error::unknown_key);
    REQUIRE(idp.wait_held(1));
    // While the refresher's fetch hangs, every verify() answers at once.
    CHECK(tokens->verify(rsa_2().sign(claims), loaded + 31).error == jwt_error::unknown_key);
    CHECK(tokens->verify(stranger().sign(claims), loaded + 32).error == jwt_error::unknown_key);
    CHECK(tokens->verify(rsa_1().sign(claims), loaded + 32).error == jwt_error::ok);
    CHECK(idp.held() == 1);
    CHECK(log.size() == 0); // the fetch has not ended
    idp.release();
    CHECK(eventually([&] { return tokens->verify(rsa_2().sign(claims), loaded + 31).error == jwt_error::ok; }));
    CHECK(log.contains("JWKS reloaded for an unknown key: rsa-1 (RS256), rsa-2 (RS256)"));

    // Destroying the verifier (the service stopping) cancels a fetch in progress.
    idp.stall();
    tokens->request_reload();
    REQUIRE(idp.wait_held(2));
    tokens.reset();
    CHECK(idp.held() == 1); // the provider still holds it: the fetch was cut on the service's side
    CHECK(log.contains("JWKS reload failed, the keys stay as they were: " + idp.url() + ": cancelled"));
}

TEST_CASE("load_jwks_document: a whole fetch has a deadline, and can be cancelled", "[crypto]") {
    std::string error;
    // No answer at all: cut at the deadline (the 5 s read timeout is not waited for).
    {
        jwks_endpoint idp;
        idp.stall();
        CHECK_FALSE(ward_service::load_jwks_document(idp.url(), error, false, nullptr, std::chrono::milliseconds(300)));
        CHECK(error == idp.url() + ": no complete answer within the fetch deadline");
        CHECK(idp.held() == 1);
    }
    // An answer that trickles in, a byte at a time, each well within the read timeout.
    {
        httplib::Server slow;
        std::atomic<bool> quit{false};
        slow.Get("/jwks.json", [&quit](const httplib::Request&, httplib::Response& res) {
            res.set_chunked_content_provider("application/json", [&quit](std::size_t offset, httplib::DataSink& sink) {
                if (quit.load() || offset >= 300) { // 30 s at most, then a body that is no JSON document
                    sink.done();
                    return true;
                }
                sink.write(" ", 1);
                std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the trickle's pace
                return true;
            });
        });
        const int port = slow.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        std::thread serving([&] { slow.listen_after_bind(); });
        const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/jwks.json";
        const auto loaded =
            ward_service::load_jwks_document(url, error, false, nullptr, std::chrono::milliseconds(500));
        quit.store(true);
        slow.stop();
        serving.join();
        CHECK_FALSE(loaded);
        CHECK(error == url + ": no complete answer within the fetch deadline");
    }
    // Cancelled from another thread while the provider holds the fetch.
    {
        jwks_endpoint idp;
        idp.stall();
        ward_service::fetch_canceller cancel;
        std::string fetch_error;
        std::optional<std::string> loaded;
        std::thread fetching(
            [&] { loaded = ward_service::load_jwks_document(idp.url(), fetch_error, false, &cancel); });
        const bool held = idp.wait_held(1);
        cancel.cancel();
        fetching.join();
        REQUIRE(held);
        CHECK_FALSE(loaded);
        CHECK(fetch_error == idp.url() + ": cancelled");
        CHECK(idp.held() == 1);
        // Once cancelled, every later fetch fails at once.
        CHECK_FALSE(ward_service::load_jwks_document(idp.url(), error, false, &cancel));
        CHECK(error == idp.url() + ": cancelled");
    }
}

TEST_CASE("jwks_source_allowed: https, or http to a loopback host only", "[crypto]") {
    std::string error;
    for (const char* allowed :
         {"https://bluebricks.example.auth0.com/.well-known/jwks.json", "https://idp.example:8443/keys",
          "https://[2001:db8::1]/jwks", "http://127.0.0.1:8080/jwks.json", "http://127.1.2.3/",
          "http://[::1]:9000/jwks", "http://localhost/jwks.json", "http://LocalHost:80", "/etc/ward/jwks.json",
          "jwks.json"}) {
        INFO(allowed);
        CHECK(ward_service::jwks_source_allowed(allowed, false, error));
    }
    for (const char* refused :
         {"http://example.invalid/jwks.json", "http://idp.example:80/jwks", "http://10.0.0.1/jwks", "http://0.0.0.0/",
          "http://128.0.0.1/", "http://127.0.0.1.example.invalid/", "http://localhost.example.invalid/",
          "http://localhost./", "http://0x7f000001/", "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://[::2]/",
          "http://127.0.0.1@example.invalid/", "http://example.invalid#@127.0.0.1/"}) {
        INFO(refused);
        error.clear();
        CHECK_FALSE(ward_service::jwks_source_allowed(refused, false, error));
        CHECK_FALSE(error.empty());
    }
    // --jwks-allow-insecure-http: any host over http, but still a well-formed URL.
    CHECK(ward_service::jwks_source_allowed("http://example.invalid/jwks.json", true, error));
    CHECK(ward_service::jwks_source_allowed("http://10.0.0.1:8080/jwks", true, error));
    for (const char* malformed : {"http://", "https://", "http:///jwks", "https://:443/", "https://user@idp.example/",
                                  "https://idp.example:port/", "https://idp.example:1234567/", "https://[::1/",
                                  "https://idp.example?x=1", "http://127.0.0.1#x"}) {
        INFO(malformed);
        CHECK_FALSE(ward_service::jwks_source_allowed(malformed, true, error));
    }
    // load_jwks_document refuses what jwks_source_allowed refuses, before any connection.
    CHECK_FALSE(ward_service::load_jwks_document("http://example.invalid/jwks.json", error));
    CHECK(error.find("loopback") != std::string::npos);
}

// ==== [jwks]: the service with --jwks ===================================================================

namespace {

/// The service on a fresh database, taking identity-provider tokens with keys from `document`
/// (written to a file), and unknown kids reloading at most every `reload_interval` seconds.
struct idp_fixture {
    temp_dir dir;
    test_database data{dir};
    std::string db = data.location();
    std::string jwks = dir.file("jwks.json");
    std::unique_ptr<service_process> server;
    std::unique_ptr<client> http;

    explicit idp_fixture(const json& document, const std::string& reload_interval = "0",
                         const std::vector<std::string>& extra = {}) {
        write_file(jwks, document.dump());
        std::vector<std::string> args = {"--jwks",       jwks,       "--jwt-audience",         idp_audience,
                                         "--jwt-issuer", idp_issuer, "--jwks-reload-interval", reload_interval};
        args.insert(args.end(), extra.begin(), extra.end());
        server = std::make_unique<service_process>(db, args);
        http = std::make_unique<client>(server->port());
    }
};

/// The claims the service's own bluebricks token for `email` carries, as an identity provider would
/// issue them (its issuer, its audience).
json idp_claims_like(client& http, const std::string& email) {
    const json own = token_claims(login(http, email, seeded_password, "bluebricks"));
    return idp_claims(own["sub"].get<std::string>(), own["org_id"].get<std::string>(), own["permissions"]);
}

constexpr const char* ben_roles = "/api/v1/user/auth0%7Cben/roles";
const json api_keys_role = {{"roles", {"rol_abCdeFghIjklMnmP"}}};

} // namespace

TEST_CASE("identity-provider tokens: RS256 and ES256 are decided by ward as the service's own", "[jwks]") {
    idp_fixture f(jwks_of({rsa_1().jwk(), ec_1().jwk()}));
    const std::string own_alice = login(*f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const json alice = idp_claims_like(*f.http, "alice@bluebricks.local");
    const response own_me = f.http->get("/api/v1/user/me", own_alice);
    REQUIRE_STATUS(own_me, 200);
    for (const signing_key* key : {&rsa_1(), &ec_1()}) {
        INFO(key->alg());
        const std::string token = key->sign(alice);
        const response me = f.http->get("/api/v1/user/me", token);
        REQUIRE_STATUS(me, 200);
        CHECK(me.json_body == own_me.json_body);
        // Outside alice's organization: 404, as with her own token.
        CHECK_ERROR(f.http->get("/api/v1/user/prov0%7C1234567890", token), 404, "not_found");
        CHECK_STATUS(f.http->get("/api/v1/user/auth0%7Cben", token), 200);
        // The Bluebricks API only: ident and provisioning take the service's own tokens.
        CHECK_ERROR(f.http->get("/api/v1/users", token), 401, "invalid_token");
        CHECK_ERROR(f.http->get("/api/user", token), 401, "invalid_token");
    }
    // Ward caps a token by its permissions: the Guest's and a token that names none get 403.
    const json gus = idp_claims_like(*f.http, "gus@bluebricks.local");
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_1().sign(gus)), 403, "missing_permission");
    CHECK_ERROR(f.http->get("/api/v1/user/me", ec_1().sign(with(alice, "permissions", json::array()))), 403,
                "not_in_token");
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_1().sign(with(alice, "scope", "openid profile email"))), 403,
                "not_in_token");
    // A subject the service does not know, or no org_id: 401.
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_1().sign(with(alice, "sub", "auth0|nobody"))), 401, "invalid_token");
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_1().sign(with(alice, "org_id", nullptr))), 401, "invalid_token");

    // A write through an RS256 token, as alice's own token would.
    const response r = f.http->post(ben_roles, rsa_1().sign(alice), api_keys_role);
    REQUIRE_STATUS(r, 200);
    CHECK(strings_of(r.json_body["roles"]) == sorted({"rol_Bu1ldAsDfGhJkL9z", "rol_abCdeFghIjklMnmP"}));
    // The service's own tokens keep working next to them.
    CHECK_STATUS(f.http->get("/api/v1/user/me", own_alice), 200);
    CHECK_STATUS(f.http->get("/api/v1/users", login(*f.http, seeded::bob_email)), 200);
}

TEST_CASE("identity-provider tokens: every refused token answers 401 and changes nothing", "[jwks]") {
    idp_fixture f(jwks_of({rsa_1().jwk(), ec_1().jwk()}));
    const json alice = idp_claims_like(*f.http, "alice@bluebricks.local");
    const std::int64_t now = ward_service::unix_now();
    const std::string payload = b64(alice.dump());
    const std::string ec_token = ec_1().sign(alice);
    const std::string ec_input = ec_token.substr(0, ec_token.rfind('.'));

    struct refusal {
        std::string what, token, reason; ///< reason: the end of the 401's message
    };
    const std::vector<refusal> refused = {
        {"an unknown kid", stranger().sign(alice), "unknown key"},
        {"another key under a published kid", stranger().sign_with_header({{"alg", "RS256"}, {"kid", "rsa-1"}}, alice),
         "bad signature"},
        {"no kid", rsa_1().sign_with_header({{"alg", "RS256"}}, alice), "unknown key"},
        {"ES256 under an RSA key's kid", rsa_1().sign_with_header({{"alg", "ES256"}, {"kid", "rsa-1"}}, alice),
         "algorithm does not match the key"},
        {"RS256 under an EC key's kid", ec_1().sign_with_header({{"alg", "RS256"}, {"kid", "ec-1"}}, alice),
         "algorithm does not match the key"},
        {"RS512", rsa_1().sign_with_header({{"alg", "RS512"}, {"kid", "rsa-1"}}, alice), "unsupported algorithm"},
        {"alg none", b64(json{{"alg", "none"}, {"kid", "rsa-1"}}.dump()) + "." + payload + ".",
         "unsupported algorithm"},
        {"alg none, signed", rsa_1().sign_with_header({{"alg", "none"}, {"kid", "rsa-1"}}, alice),
         "unsupported algorithm"},
        // HS256 goes to the service's own secret, whatever the token's kid.
        {"HS256 with the public key's PEM as secret",
         hs256_with({{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}}, alice, rsa_1().public_pem()),
         "bad signature"},
        {"HS256 with the published JWKS as secret",
         hs256_with({{"alg", "HS256"}, {"kid", "ec-1"}}, alice, jwks_of({rsa_1().jwk(), ec_1().jwk()}).dump()),
         "bad signature"},
        {"HS256 with the service's own secret and the provider's claims", forge(f.db, alice), "wrong issuer"},
        {"ES256 signature in DER", ec_input + "." + b64(ec_1().der_signature(ec_input)), "bad signature"},
        {"expired", rsa_1().sign(with(alice, "exp", now - 60)), "expired"},
        {"nbf in the future", ec_1().sign(with(alice, "nbf", now + 600)), "not yet valid"},
        {"iat in the future", rsa_1().sign(with(alice, "iat", now + 600)), "not yet valid"},
        {"wrong iss", rsa_1().sign(with(alice, "iss", "https://other-tenant.auth0.com/")), "wrong issuer"},
        {"the service's own iss", rsa_1().sign(with(with(alice, "iss", "ward-service"), "aud", "bluebricks")),
         "wrong issuer"},
        {"wrong aud", ec_1().sign(with(alice, "aud", "https://api.other.example")), "wrong audience"},
        {"the service's own aud", ec_1().sign(with(alice, "aud", "bluebricks")), "wrong audience"},
        {"no exp", rsa_1().sign(with(alice, "exp", nullptr)), "bad claims"},
    };
    const auto before = database(f.db).dump();
    for (const refusal& r : refused) {
        INFO(r.what);
        const response write = f.http->post(ben_roles, r.token, api_keys_role);
        CHECK_ERROR(write, 401, "invalid_token");
        CHECK(write.json_body["error"]["message"] == "the token was refused: " + r.reason);
        CHECK_ERROR(f.http->get("/api/v1/user/me", r.token), 401, "invalid_token");
    }
    CHECK(database(f.db).dump() == before);
    // The service is still up and takes a good token.
    CHECK_STATUS(f.http->get("/api/v1/user/me", rsa_1().sign(alice)), 200);
    CHECK(f.server->running());
}

TEST_CASE("identity-provider tokens: SIGHUP reloads the JWKS document", "[jwks]") {
    idp_fixture f(jwks_of({rsa_1().jwk()})); // an unknown kid never reloads (interval 0)
    const json alice = idp_claims_like(*f.http, "alice@bluebricks.local");
    CHECK(f.server->stderr_log().find("keys rsa-1 (RS256)") != std::string::npos);
    CHECK_STATUS(f.http->get("/api/v1/user/me", rsa_1().sign(alice)), 200);

    // The provider rotates: rsa-2 in, rsa-1 out. Until the reload, nothing changes.
    write_file(f.jwks, jwks_of({rsa_2().jwk(), ec_1().jwk()}).dump());
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_2().sign(alice)), 401, "invalid_token");
    CHECK_STATUS(f.http->get("/api/v1/user/me", rsa_1().sign(alice)), 200);
    REQUIRE(::kill(f.server->pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return f.http->get("/api/v1/user/me", rsa_2().sign(alice)).status == 200; }));
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_1().sign(alice)), 401, "invalid_token");
    CHECK_STATUS(f.http->get("/api/v1/user/me", ec_1().sign(alice)), 200);
    CHECK(f.server->stderr_log().find("JWKS reloaded: rsa-2 (RS256), ec-1 (ES256)") != std::string::npos);

    // A broken document: the keys stay as they were.
    write_file(f.jwks, R"({"keys": [{"kty": "RSA", "kid": "rsa-3", "n": "AQAB", "e": "AQAB"}]})");
    REQUIRE(::kill(f.server->pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return f.server->stderr_log().find("JWKS reload failed") != std::string::npos; }));
    CHECK_STATUS(f.http->get("/api/v1/user/me", rsa_2().sign(alice)), 200);
    CHECK(f.server->running());
    f.server->stop();
    CHECK(f.server->stopped_cleanly());
}

TEST_CASE("identity-provider tokens: an unknown kid reloads the document, at most once per interval", "[jwks]") {
    idp_fixture f(jwks_of({rsa_1().jwk()}), "1");
    const json alice = idp_claims_like(*f.http, "alice@bluebricks.local");
    write_file(f.jwks, jwks_of({rsa_1().jwk(), rsa_2().jwk()}).dump());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    // No signal: rsa-2 is unknown, the last load is over a second old, so the document is read again.
    CHECK(eventually([&] { return f.http->get("/api/v1/user/me", rsa_2().sign(alice)).status == 200; }));
    CHECK(f.server->stderr_log().find("JWKS reloaded for an unknown key: rsa-1 (RS256), rsa-2 (RS256)") !=
          std::string::npos);
    CHECK_ERROR(f.http->get("/api/v1/user/me", stranger().sign(alice)), 401, "invalid_token");
    CHECK_STATUS(f.http->get("/api/v1/user/me", rsa_1().sign(alice)), 200);
}

TEST_CASE("identity-provider tokens: the key set reaches its maximum age and is reloaded", "[jwks]") {
    idp_fixture f(jwks_of({rsa_1().jwk()}), "0", {"--jwks-max-age", "1"}); // no reload on an unknown kid
    const json alice = idp_claims_like(*f.http, "alice@bluebricks.local");
    write_file(f.jwks, jwks_of({rsa_2().jwk()}).dump());
    CHECK(eventually([&] { return f.http->get("/api/v1/user/me", rsa_2().sign(alice)).status == 200; }));
    CHECK_ERROR(f.http->get("/api/v1/user/me", rsa_1().sign(alice)), 401, "invalid_token");
    CHECK(f.server->stderr_log().find("JWKS reloaded at the key set's maximum age: rsa-2 (RS256)") !=
          std::string::npos);
}

TEST_CASE("identity-provider tokens: the JWKS document from a URL", "[jwks]") {
    // The identity provider's JWKS endpoint, counting how often it is asked.
    jwks_endpoint idp;
    idp.serve(jwks_of({rsa_1().jwk(), ec_1().jwk()}));

    temp_dir dir;
    const std::string db = dir.file("ward.db");
    service_process server(db, {"--jwks", idp.url(), "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    client http(server.port());
    CHECK(idp.fetches() == 1);
    const json alice = idp_claims_like(http, "alice@bluebricks.local");
    CHECK_STATUS(http.get("/api/v1/user/me", rsa_1().sign(alice)), 200);
    CHECK_STATUS(http.get("/api/v1/user/me", ec_1().sign(alice)), 200);
    // Unknown kids within the default interval (30 s) do not reach the provider.
    for (int i = 0; i < 5; ++i) CHECK_ERROR(http.get("/api/v1/user/me", stranger().sign(alice)), 401, "invalid_token");
    CHECK(idp.fetches() == 1);
    // SIGHUP does: the provider rotated, rsa-2 in, rsa-1 out.
    idp.serve(jwks_of({rsa_2().jwk(), ec_1().jwk()}));
    CHECK_ERROR(http.get("/api/v1/user/me", rsa_2().sign(alice)), 401, "invalid_token");
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return idp.fetches() == 2; }));
    CHECK(eventually([&] { return http.get("/api/v1/user/me", rsa_2().sign(alice)).status == 200; }));
    CHECK_ERROR(http.get("/api/v1/user/me", rsa_1().sign(alice)), 401, "invalid_token");
    CHECK_STATUS(http.get("/api/v1/user/me", ec_1().sign(alice)), 200);
    CHECK(server.stderr_log().find("JWKS reloaded: rsa-2 (RS256), ec-1 (ES256)") != std::string::npos);

    // A URL that does not answer 200 keeps the service from starting.
    const program_result missing =
        run_program({service_binary(), "serve", "--db", dir.file("other.db"), "--port", "0", "--jwks",
                     idp.url("/missing"), "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("answered 404") != std::string::npos);
}

TEST_CASE("identity-provider tokens: a hanging JWKS fetch holds up no request, and no stop", "[jwks]") {
    jwks_endpoint idp;
    idp.serve(jwks_of({rsa_1().jwk()}));
    temp_dir dir;
    service_process server(dir.file("ward.db"), {"--jwks", idp.url(), "--jwt-issuer", idp_issuer, "--jwt-audience",
                                                 idp_audience, "--jwks-reload-interval", "1"});
    client http(server.port());
    const json alice = idp_claims_like(http, "alice@bluebricks.local");
    const std::string own = login(http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const std::string me = "/api/v1/user/me";
    auto refused_as_unknown = [&](const std::string& token) {
        const response r = http.get(me, token);
        CHECK_ERROR(r, 401, "invalid_token");
        CHECK(r.json_body["error"]["message"] == "the token was refused: unknown key");
    };

    // From now on the provider holds every fetch without answering; the document it will send
    // holds rsa-2. A token signed with rsa-2 is refused at once, and once the interval (1 s) has
    // passed since the start, one of them sets the service's refresher fetching.
    idp.serve(jwks_of({rsa_1().jwk(), rsa_2().jwk()}));
    idp.stall();
    CHECK(eventually([&] {
        refused_as_unknown(rsa_2().sign(alice));
        return idp.held() > 0;
    }));
    REQUIRE(idp.held() == 1);
    // While that fetch hangs: unknown kids are refused without waiting for it (the interval has
    // passed again for some of them), and known kids and the service's own tokens are served.
    for (int i = 0; i < 3; ++i) {
        refused_as_unknown(rsa_2().sign(alice));
        refused_as_unknown(stranger().sign(alice));
        CHECK_STATUS(http.get(me, rsa_1().sign(alice)), 200);
        CHECK_STATUS(http.get(me, own), 200);
    }
    // All of that happened while the fetch was in progress: the provider still holds it, and the
    // service has logged no outcome (an answer, or the 10 s deadline, would have ended it).
    CHECK(idp.held() == 1);
    CHECK(server.stderr_log().find("JWKS reload") == std::string::npos);
    // The provider answers: the refresher swaps the new set in, and rsa-2 is accepted.
    idp.release();
    CHECK(eventually([&] { return http.get(me, rsa_2().sign(alice)).status == 200; }));
    CHECK(server.stderr_log().find("JWKS reloaded for an unknown key: rsa-1 (RS256), rsa-2 (RS256)") !=
          std::string::npos);

    // A SIGHUP whose fetch hangs does not hold up the stop: the fetch is cancelled.
    const int before = idp.fetches();
    idp.stall();
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    REQUIRE(eventually([&] { return idp.fetches() > before && idp.held() > 0; }));
    CHECK_STATUS(http.get(me, rsa_1().sign(alice)), 200);
    server.stop();
    CHECK(server.stopped_cleanly());
    CHECK(idp.held() >= 1); // still held by the provider: the service did not wait for it
    CHECK(server.stderr_log().find(idp.url() + ": cancelled") != std::string::npos);
}

TEST_CASE("identity-provider tokens: a configuration that cannot work keeps the service from starting", "[jwks]") {
    temp_dir dir;
    const std::string db = dir.file("ward.db");
    const std::string jwks = dir.file("jwks.json");
    auto serve = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv = {service_binary(), "serve", "--db", db, "--host", "127.0.0.1", "--port", "0"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_program(argv);
    };
    // The three options go together.
    write_file(jwks, jwks_of({rsa_1().jwk()}).dump());
    CHECK(serve({"--jwks", jwks}).exit_code == 2);
    CHECK(serve({"--jwks", jwks, "--jwt-issuer", idp_issuer}).exit_code == 2);
    CHECK(serve({"--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience}).exit_code == 2);
    CHECK(serve({"--jwks", jwks, "--jwt-issuer", "", "--jwt-audience", idp_audience}).exit_code == 2);
    CHECK(serve({"--jwks-reload-interval", "5"}).exit_code == 2);
    CHECK(serve({"--jwks", jwks, "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience, "--jwks-reload-interval",
                 "-1"})
              .exit_code == 2);
    CHECK(serve({"--jwks-max-age", "60"}).exit_code == 2);
    CHECK(serve({"--jwks-allow-insecure-http"}).exit_code == 2);
    CHECK(serve({"--jwks", jwks, "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience, "--jwks-max-age", "-1"})
              .exit_code == 2);
    // Keys over plain http only from a loopback host, unless explicitly allowed.
    const program_result insecure = serve(
        {"--jwks", "http://example.invalid/jwks.json", "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    CHECK(insecure.exit_code == 2);
    CHECK(insecure.err.find("loopback") != std::string::npos);
    CHECK(serve({"--jwks", "http://127.0.0.1@example.invalid/", "--jwt-issuer", idp_issuer, "--jwt-audience",
                 idp_audience})
              .exit_code == 2);
    // With --jwks-allow-insecure-http the option is taken; the host does not exist, so the
    // document does not load.
    const program_result allowed = serve({"--jwks", "http://example.invalid/jwks.json", "--jwt-issuer", idp_issuer,
                                          "--jwt-audience", idp_audience, "--jwks-allow-insecure-http"});
    CHECK(allowed.exit_code == 1);
    CHECK(allowed.err.find("http://example.invalid/jwks.json") != std::string::npos);
    // A document that does not load or holds no signing key.
    const program_result no_file =
        serve({"--jwks", dir.file("none.json"), "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    CHECK(no_file.exit_code == 1);
    CHECK(no_file.err.find("cannot open") != std::string::npos);
    write_file(jwks, json{{"keys", {{{"kty", "oct"}, {"kid", "hs"}, {"k", b64("secret")}}}}}.dump());
    const program_result symmetric =
        serve({"--jwks", jwks, "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    CHECK(symmetric.exit_code == 1);
    CHECK(symmetric.err.find("no RS256 or ES256 signing key") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(db));
}
