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
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace ward_service_test;
using ward_service::jwt_error;

namespace {

// ---- keys, generated once per test run ---------------------------------------------------------------

const signing_key& rsa_1() {
    static const signing_key k = signing_key::rsa("rsa-1");
    return k;
}
const signing_key& rsa_2() {
    static const signing_key k = signing_key::rsa("rsa-2");
    return k;
}
const signing_key& ec_1() {
    static const signing_key k = signing_key::ec("ec-1");
    return k;
}
/// A key the identity provider never published, under a kid of its own and under the published ones.
const signing_key& stranger() {
    static const signing_key k = signing_key::rsa("stranger");
    return k;
}
const signing_key& stranger_ec() {
    static const signing_key k = signing_key::ec("stranger-ec");
    return k;
}

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

std::optional<ward_service::jwk_set> parse(const json& document) {
    std::string error;
    auto set = ward_service::jwk_set::parse(document.dump(), error);
    INFO("error: " << error);
    return set;
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

} // namespace

// ==== [crypto]: the document, the signature, the claims ================================================

TEST_CASE("JWKS: the RS256 and ES256 signing keys of a document, by kid", "[crypto]") {
    const auto set = parse(jwks_of({rsa_1().jwk(), ec_1().jwk()}));
    REQUIRE(set);
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
    const auto bare = parse(jwks_of({bare_rsa, bare_ec}));
    REQUIRE(bare);
    CHECK(bare->size() == 2);

    // Keys that verify nothing here are skipped, never used: encryption keys, other algorithms and
    // curves, and symmetric keys (a published "oct" key must never become an HMAC secret).
    json encryption = rsa_2().jwk();
    encryption["use"] = "enc";
    encryption["kid"] = "enc";
    json rs512 = rsa_2().jwk();
    rs512["alg"] = "RS512";
    rs512["kid"] = "rs512";
    json ps256 = rsa_2().jwk();
    ps256["alg"] = "PS256";
    ps256["kid"] = "ps256";
    json ec_as_rs256 = ec_1().jwk();
    ec_as_rs256["alg"] = "RS256";
    ec_as_rs256["kid"] = "ec-as-rs256";
    json p384 = ec_1().jwk();
    p384["crv"] = "P-384";
    p384["kid"] = "p384";
    json wrap_only = rsa_2().jwk();
    wrap_only["key_ops"] = json::array({"wrapKey"});
    wrap_only["kid"] = "wrap";
    const json oct = {{"kty", "oct"}, {"kid", "hs"}, {"alg", "HS256"}, {"k", b64("a shared secret of 32 bytes ....")}};
    const json okp = {{"kty", "OKP"}, {"kid", "ed"}, {"crv", "Ed25519"}, {"x", b64(std::string(32, 'x'))}};
    const auto mixed =
        parse(jwks_of({encryption, rs512, ps256, ec_as_rs256, p384, wrap_only, oct, okp, rsa_1().jwk()}));
    REQUIRE(mixed);
    CHECK(mixed->size() == 1);
    CHECK(mixed->skipped() == 8);
    CHECK(mixed->find("hs") == nullptr);
    CHECK(mixed->find("enc") == nullptr);
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

    // A signing key must have a kid, one no other signing key has.
    CHECK(refusal_of(jwks_of({with(rsa_1().jwk(), "kid", nullptr)})) == "a signing key has no 'kid'");
    CHECK(refusal_of(jwks_of({with(rsa_1().jwk(), "kid", "")})) == "a signing key has no 'kid'");
    CHECK(refusal_of(jwks_of({with(rsa_1().jwk(), "kid", 7)})) == "a signing key has no 'kid'");
    CHECK(refusal_of(jwks_of({rsa_1().jwk(), with(rsa_2().jwk(), "kid", "rsa-1")})) ==
          "two signing keys have kid 'rsa-1'");
    CHECK(refusal_of(jwks_of({rsa_1().jwk(), with(ec_1().jwk(), "kid", "rsa-1")})) ==
          "two signing keys have kid 'rsa-1'");

    // Member types.
    CHECK(refusal_of(jwks_of({with(rsa_1().jwk(), "use", 1)})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(rsa_1().jwk(), "key_ops", "verify")})) != "(accepted)");

    // The numbers of a signing key: strict base64url, sizes, and a valid public key.
    const json rsa = rsa_1().jwk();
    const std::string n = *ward_service::base64url_decode(rsa["n"].get<std::string>());
    CHECK(refusal_of(jwks_of({with(rsa, "n", nullptr)})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(rsa, "e", nullptr)})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(rsa, "n", rsa["n"].get<std::string>() + "=")})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(rsa, "n", "")})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(rsa, "e", b64(std::string(9, '\x01')))})) != "(accepted)");
    std::string even = n;
    even.back() = static_cast<char>(even.back() & ~1);
    CHECK(refusal_of(jwks_of({with(rsa, "n", b64(even))})) == "key 'rsa-1': not a valid public key");
    CHECK(refusal_of(jwks_of({with(rsa, "n", b64(n.substr(0, 128)))})) ==
          "key 'rsa-1': the modulus has 1024 bits (2048 to 8192 are accepted)");
    CHECK(refusal_of(jwks_of({signing_key::rsa("small", 1024).jwk()})) ==
          "key 'small': the modulus has 1024 bits (2048 to 8192 are accepted)");
    CHECK(refusal_of(jwks_of({with(rsa, "n", b64(std::string(1030, '\xff')))})) ==
          "key 'rsa-1': the modulus is longer than 8192 bits");

    const json ec = ec_1().jwk();
    const std::string x = *ward_service::base64url_decode(ec["x"].get<std::string>());
    std::string y = *ward_service::base64url_decode(ec["y"].get<std::string>());
    CHECK(refusal_of(jwks_of({with(ec, "x", b64(x.substr(1)))})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(ec, "y", b64(y + "\x01"))})) != "(accepted)");
    CHECK(refusal_of(jwks_of({with(ec, "y", nullptr)})) != "(accepted)");
    y[31] = static_cast<char>(y[31] ^ 1); // off the curve
    CHECK(refusal_of(jwks_of({with(ec, "y", b64(y))})) == "key 'ec-1': not a valid public key");
    CHECK(refusal_of(jwks_of({with(with(ec, "x", b64(std::string(32, '\0'))), "y", b64(std::string(32, '\0')))})) ==
          "key 'ec-1': not a valid public key");

    // More than 100 keys, or more than 1 MiB.
    json many = json::array();
    for (int i = 0; i < 101; ++i) many.push_back(with(oct, "kid", "k" + std::to_string(i)));
    CHECK(refusal_of(json{{"keys", many}}) == "the document has more than 100 keys");
    CHECK_FALSE(ward_service::jwk_set::parse(std::string(ward_service::max_jwks_bytes + 1, ' '), error));
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

TEST_CASE("external_tokens: reload, an unknown kid reloads at most once per interval", "[crypto]") {
    temp_dir dir;
    const std::string file = dir.file("jwks.json");
    write_file(file, jwks_of({rsa_1().jwk()}).dump());
    std::vector<std::string> log;
    ward_service::external_token_options o;
    o.jwks = file;
    o.issuer = idp_issuer;
    o.audience = idp_audience;
    o.reload_interval = 30;
    o.log = [&log](const std::string& line) { log.push_back(line); };
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
    CHECK(log.empty());
    // Past it, the unknown kid reloads, once.
    CHECK(tokens.verify(rsa_2().sign(claims), loaded + 31).error == jwt_error::ok);
    CHECK(log.size() == 1);
    CHECK(tokens.verify(rsa_1().sign(claims), loaded + 31).error == jwt_error::unknown_key);
    CHECK(tokens.verify(stranger().sign(claims), loaded + 32).error == jwt_error::unknown_key);
    CHECK(log.size() == 1);

    // A document that does not load or parse leaves the keys as they were.
    write_file(file, "{\"keys\": [");
    CHECK_FALSE(tokens.reload(error));
    CHECK(error == "the document is not JSON");
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::ok);
    CHECK(tokens.verify(stranger().sign(claims), ward_service::unix_now() + 3600).error == jwt_error::unknown_key);
    REQUIRE(log.size() == 2);
    CHECK(log[1].find("failed") != std::string::npos);
    std::filesystem::remove(file);
    CHECK_FALSE(tokens.reload(error));
    CHECK(error == "cannot open " + file);
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::ok);

    // An explicit reload (SIGHUP in the service) takes the new document at once.
    write_file(file, jwks_of({rsa_1().jwk(), ec_1().jwk()}).dump());
    REQUIRE(tokens.reload(error));
    CHECK(tokens.verify(ec_1().sign(claims), ward_service::unix_now()).error == jwt_error::ok);
    CHECK(tokens.verify(rsa_2().sign(claims), ward_service::unix_now()).error == jwt_error::unknown_key);

    // Interval 0: an unknown kid never reloads.
    o.reload_interval = 0;
    ward_service::external_tokens fixed(o);
    REQUIRE(fixed.reload(error));
    write_file(file, jwks_of({rsa_2().jwk()}).dump());
    CHECK(fixed.verify(rsa_2().sign(claims), ward_service::unix_now() + 86400).error == jwt_error::unknown_key);
}

// ==== [jwks]: the service with --jwks ===================================================================

namespace {

/// The service on a fresh database, taking identity-provider tokens with keys from `document`
/// (written to a file), and unknown kids reloading at most every `reload_interval` seconds.
struct idp_fixture {
    temp_dir dir;
    std::string db = dir.file("ward.db");
    std::string jwks = dir.file("jwks.json");
    std::unique_ptr<service_process> server;
    std::unique_ptr<client> http;

    explicit idp_fixture(const json& document, const std::string& reload_interval = "0") {
        write_file(jwks, document.dump());
        server = std::make_unique<service_process>(
            db, std::vector<std::string>{"--jwks", jwks, "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience,
                                         "--jwks-reload-interval", reload_interval});
        http = std::make_unique<client>(server->port());
    }
};

/// The claims the service's own bluebricks token for `email` carries, as an identity provider would
/// issue them (its issuer, its audience).
json idp_claims_like(client& http, const std::string& email) {
    const json own = token_claims(login(http, email, seeded_password, "bluebricks"));
    return idp_claims(own["sub"].get<std::string>(), own["org_id"].get<std::string>(), own["permissions"]);
}

/// Asks until `condition` holds, up to 10 s (a SIGHUP is handled asynchronously).
template <class Condition>
bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
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

TEST_CASE("identity-provider tokens: the JWKS document from a URL", "[jwks]") {
    // The identity provider's JWKS endpoint, counting how often it is asked.
    httplib::Server idp;
    std::atomic<int> fetched{0};
    std::string document = jwks_of({rsa_1().jwk(), ec_1().jwk()}).dump();
    idp.Get("/.well-known/jwks.json", [&](const httplib::Request&, httplib::Response& res) {
        ++fetched;
        res.set_content(document, "application/json");
    });
    idp.Get("/missing", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
    const int port = idp.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&] { idp.listen_after_bind(); });
    struct stop_on_exit {
        httplib::Server& s;
        std::thread& t;
        ~stop_on_exit() {
            s.stop();
            t.join();
        }
    } stopper{idp, serving};
    const std::string base = "http://127.0.0.1:" + std::to_string(port);

    temp_dir dir;
    const std::string db = dir.file("ward.db");
    service_process server(
        db, {"--jwks", base + "/.well-known/jwks.json", "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    client http(server.port());
    CHECK(fetched.load() == 1);
    const json alice = idp_claims_like(http, "alice@bluebricks.local");
    CHECK_STATUS(http.get("/api/v1/user/me", rsa_1().sign(alice)), 200);
    CHECK_STATUS(http.get("/api/v1/user/me", ec_1().sign(alice)), 200);
    // Unknown kids within the default interval (30 s) do not reach the provider.
    for (int i = 0; i < 5; ++i) CHECK_ERROR(http.get("/api/v1/user/me", stranger().sign(alice)), 401, "invalid_token");
    CHECK(fetched.load() == 1);
    // SIGHUP does.
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return fetched.load() == 2; }));

    // A URL that does not answer 200 keeps the service from starting.
    const program_result missing =
        run_program({service_binary(), "serve", "--db", dir.file("other.db"), "--port", "0", "--jwks",
                     base + "/missing", "--jwt-issuer", idp_issuer, "--jwt-audience", idp_audience});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("answered 404") != std::string::npos);
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
