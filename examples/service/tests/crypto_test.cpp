// SPDX-License-Identifier: MIT
// ward-service's cryptography: base64url, HS256 JSON Web Tokens, PBKDF2 password hashes and random
// ids, against published test vectors and hostile input.
#include "crypto.hpp"
#include "support/ward_catch.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using ward_service::jwt_error;

std::string hex(std::string_view bytes) {
    constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char ch : bytes) {
        out += digits[static_cast<unsigned char>(ch) >> 4];
        out += digits[static_cast<unsigned char>(ch) & 15];
    }
    return out;
}

std::string unhex(std::string_view text) {
    auto value = [](char ch) { return ch <= '9' ? ch - '0' : ch - 'a' + 10; };
    std::string out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        out += static_cast<char>(value(text[i]) * 16 + value(text[i + 1]));
    return out;
}

/// HMAC-SHA256 straight from OpenSSL, to craft tokens the library would never sign.
std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    const unsigned char* result = HMAC(EVP_sha256(), key.empty() ? "" : key.data(), static_cast<int>(key.size()),
                                       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
    if (result == nullptr || length != 32) throw std::runtime_error("HMAC failed");
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string b64(std::string_view bytes) { return ward_service::base64url_encode(bytes); }

/// header . payload . HMAC-SHA256(key), from the exact JSON texts given.
std::string raw_token(std::string_view header, std::string_view payload, std::string_view key) {
    const std::string signing_input = b64(header) + "." + b64(payload);
    return signing_input + "." + b64(hmac_sha256(key, signing_input));
}

constexpr std::string_view standard_header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::int64_t now = 1700000000;
const std::string test_secret = "an example secret of 32 bytes ..";
const std::string issuer = "ward-service";
const std::string audience = "ident";

json claims() {
    return json{{"iss", issuer},     {"aud", audience}, {"sub", "user:15679071-4a5e-41e3-a495-5d93b478257b"},
                {"iat", now},        {"nbf", now},      {"exp", now + 3600},
                {"permissions", 415}};
}

/// The claims with one key set to `value`, or removed when `value` is null.
json claims_with(const char* key, const json& value) {
    json c = claims();
    if (value.is_null()) c.erase(key);
    else c[key] = value;
    return c;
}

jwt_error verify(std::string_view token, std::int64_t at = now) {
    return ward_service::jwt_verify(token, test_secret, issuer, audience, at).error;
}

jwt_error verify_claims(const json& c, std::int64_t at = now) {
    return verify(ward_service::jwt_sign(c, test_secret), at);
}

/// A token with the standard header and the payload text given verbatim, e.g. with "exp":1e400.
jwt_error verify_payload_text(std::string_view payload) {
    return verify(raw_token(standard_header, payload, test_secret));
}

/// `depth` nested arrays around 0: nested(2) = "[[0]]".
std::string nested(std::size_t depth) { return std::string(depth, '[') + "0" + std::string(depth, ']'); }

/// Whether `id` is `prefix` "_" and then `length` characters of [A-Za-z0-9].
bool is_id(std::string_view id, std::string_view prefix, std::size_t length) {
    const std::string_view alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return id.size() == prefix.size() + 1 + length && id.substr(0, prefix.size()) == prefix &&
           id[prefix.size()] == '_' && id.find_first_not_of(alphanumeric, prefix.size() + 1) == std::string_view::npos;
}

/// Whether `u` is a lower-case 8-4-4-4-12 version 4 UUID with the RFC 4122 variant.
bool is_uuid_v4(std::string_view u) {
    if (u.size() != 36) return false;
    for (std::size_t i = 0; i < u.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (u[i] == '-')) return false;
        if (!dash && std::string_view("0123456789abcdef").find(u[i]) == std::string_view::npos) return false;
    }
    return u[14] == '4' && std::string_view("89ab").find(u[19]) != std::string_view::npos;
}

std::string split_field(const std::string& stored, std::size_t index) {
    std::size_t begin = 0;
    for (std::size_t i = 0; i < index; ++i) begin = stored.find('$', begin) + 1;
    return stored.substr(begin, stored.find('$', begin) - begin);
}

} // namespace

// --- base64url ---------------------------------------------------------------------------------

TEST_CASE("base64url: the RFC 4648 test vectors, without padding", "[crypto]") {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [bytes, text] : vectors) {
        INFO(bytes);
        CHECK(ward_service::base64url_encode(bytes) == text);
        const auto decoded = ward_service::base64url_decode(text);
        REQUIRE(decoded);
        CHECK(*decoded == bytes);
    }
    // The URL alphabet: where standard base64 has '+' and '/', base64url has '-' and '_'.
    CHECK(ward_service::base64url_encode("\xfb\xff\xbf") == "-_-_");
    CHECK(ward_service::base64url_encode(std::string("\0\0\0", 3)) == "AAAA");
    CHECK(ward_service::base64url_decode("-_-_") == std::optional<std::string>("\xfb\xff\xbf"));
    CHECK(ward_service::base64url_encode("\xff") == "_w");
    CHECK(ward_service::base64url_encode("\xff\xff") == "__8");
}

TEST_CASE("base64url: every byte string round-trips and encodes to the URL alphabet only", "[crypto]") {
    std::string all_bytes;
    for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
    std::mt19937 rng(4648);
    std::vector<std::string> inputs = {all_bytes};
    for (std::size_t length = 0; length <= 100; ++length) {
        std::string s;
        for (std::size_t i = 0; i < length; ++i) s += static_cast<char>(rng() & 0xFF);
        inputs.push_back(s);
    }
    for (const std::string& bytes : inputs) {
        INFO(hex(bytes));
        const std::string text = ward_service::base64url_encode(bytes);
        CHECK(text.size() == (bytes.size() * 4 + 2) / 3);
        CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              std::string::npos);
        CHECK(ward_service::base64url_decode(text) == std::optional<std::string>(bytes));
    }
}

TEST_CASE("base64url: decoding is strict", "[crypto]") {
    const std::vector<std::string> refused = {
        "Zg==",
        "Zg=",
        "Zm8=",
        "Zm9v====",
        "=",
        "====", // padding
        "+/8",
        "Zm9v+w",
        "Zm9v/w",
        "a+b/", // the standard alphabet
        "Zm9v Yg",
        " Zm9v",
        "Zm9v\n",
        "Zm9v\t",
        "Zm\r\n9v", // whitespace
        "Z",
        "Zm9vY",
        "Zm9vYmFyZ", // length % 4 == 1
        "Zh",
        "Zm9",
        "Zm9vYh",
        "Zm9vYmF", // non-zero unused bits ("Zg", "Zm8", "Zm9vYg", "Zm9vYmE" are right)
        std::string("Zm9v\0", 5),
        std::string("\0", 1),
        "Zm9v\xc3\xa9",
        "\xff\xfe",
        "Zm9v.Yg",
        "Zm9v$",
        "%5A",
    };
    for (const std::string& text : refused) {
        INFO(hex(text));
        CHECK_FALSE(ward_service::base64url_decode(text));
    }
}

TEST_CASE("base64url: every accepted text is the one encoding of what it decodes to", "[crypto]") {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // All 64^2 two-character and 64^3 three-character texts: only those whose unused low bits are
    // zero decode (4 of 64 last characters for two, 16 of 64 for three), and they re-encode as is.
    std::size_t accepted2 = 0, accepted3 = 0, not_canonical = 0;
    std::string text(3, ' ');
    for (const char a : alphabet) {
        for (const char b : alphabet) {
            const std::string two{a, b};
            if (const auto d = ward_service::base64url_decode(two)) {
                ++accepted2;
                not_canonical += d->size() != 1 || ward_service::base64url_encode(*d) != two;
            }
            for (const char c : alphabet) {
                text = {a, b, c};
                if (const auto d = ward_service::base64url_decode(text)) {
                    ++accepted3;
                    not_canonical += d->size() != 2 || ward_service::base64url_encode(*d) != text;
                }
            }
        }
    }
    CHECK(accepted2 == 64 * 4);
    CHECK(accepted3 == 64 * 64 * 16);
    CHECK(not_canonical == 0);
}

// --- HS256 JSON Web Tokens ---------------------------------------------------------------------

TEST_CASE("HMAC-SHA256: known answers", "[crypto]") {
    // RFC 4231 test cases 2 and 6 check the helper the tests below craft tokens with.
    CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    // The jwt.io HS256 example, signed with "your-256-bit-secret". Its signature is right, so the
    // verification gets past it to the claims (it has no `exp`); any other secret stops at the signature.
    const std::string example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                                "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
                                "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    CHECK(ward_service::jwt_verify(example, "your-256-bit-secret", issuer, audience, now).error ==
          jwt_error::bad_claims);
    CHECK(ward_service::jwt_verify(example, "your-256-bit-secreT", issuer, audience, now).error ==
          jwt_error::bad_signature);
    CHECK(ward_service::jwt_verify(example, "", issuer, audience, now).error == jwt_error::bad_signature);

    // What jwt_sign writes: the fixed header, the claims' JSON and the RFC 2104 HMAC of both.
    for (const std::string& key : {test_secret, std::string(), std::string(131, '\xaa'), std::string("a\0b", 3)}) {
        INFO(hex(key));
        const std::string token = ward_service::jwt_sign(claims(), key);
        const std::size_t dot1 = token.find('.'), dot2 = token.rfind('.');
        CHECK(token.substr(0, dot1) == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        CHECK(ward_service::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)) ==
              std::optional<std::string>(claims().dump()));
        CHECK(token.substr(dot2 + 1) == b64(hmac_sha256(key, token.substr(0, dot2))));
        CHECK(ward_service::jwt_verify(token, key, issuer, audience, now).error == jwt_error::ok);
    }
    // A secret is all its bytes: one with a NUL in it is not its prefix.
    CHECK(ward_service::jwt_verify(ward_service::jwt_sign(claims(), std::string("a\0b", 3)), "a", issuer, audience, now)
              .error == jwt_error::bad_signature);
}

TEST_CASE("JWT: a signed token verifies and hands back its claims", "[crypto]") {
    const json c = claims();
    const std::string token = ward_service::jwt_sign(c, test_secret);
    const auto r = ward_service::jwt_verify(token, test_secret, issuer, audience, now);
    CHECK(r.error == jwt_error::ok);
    CHECK(static_cast<bool>(r));
    CHECK(r.claims == c);

    // Optional claims may be absent, floats are fine, `typ` is optional and case-insensitive, and
    // `aud` may be an array holding the audience among others.
    json minimal = claims();
    minimal.erase("nbf");
    minimal.erase("iat");
    minimal.erase("permissions");
    CHECK(verify_claims(minimal) == jwt_error::ok);
    CHECK(verify_claims(claims_with("exp", static_cast<double>(now) + 60.5)) == jwt_error::ok);
    CHECK(verify_claims(claims_with("aud", json::array({"provisioning", "ident"}))) == jwt_error::ok);
    CHECK(verify_claims(claims_with("aud", json::array({1, nullptr, "ident"}))) == jwt_error::ok);
    const std::string payload = claims().dump();
    CHECK(verify(raw_token(R"({"alg":"HS256"})", payload, test_secret)) == jwt_error::ok);
    CHECK(verify(raw_token(R"({"typ":"jwt","alg":"HS256"})", payload, test_secret)) == jwt_error::ok);
    CHECK(verify(raw_token(R"({"alg":"HS256","typ":"JWT","kid":"key-1"})", payload, test_secret)) == jwt_error::ok);

    CHECK_THROWS_AS(ward_service::jwt_sign(json::array({1, 2}), test_secret), std::invalid_argument);
    CHECK_THROWS_AS(ward_service::jwt_sign(json("claims"), test_secret), std::invalid_argument);
}

TEST_CASE("JWT: length and shape", "[crypto]") {
    const std::string good = ward_service::jwt_sign(claims(), test_secret);
    REQUIRE(verify(good) == jwt_error::ok);
    const std::size_t dot1 = good.find('.'), dot2 = good.rfind('.');
    const std::string header = good.substr(0, dot1), payload = good.substr(dot1 + 1, dot2 - dot1 - 1),
                      signature = good.substr(dot2 + 1);

    CHECK(verify("") == jwt_error::missing);
    CHECK(verify(std::string(8193, 'a')) == jwt_error::too_long);
    CHECK(verify(std::string(8192, 'a')) == jwt_error::malformed);

    const std::vector<std::string> malformed = {
        "garbage",
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c.d",
        header + "." + payload,                    // two parts
        good + ".",                                // four parts, the last empty
        good + "." + signature,                    // four parts
        "." + payload + "." + signature,           // empty header
        header + ".." + signature,                 // empty payload
        header + "." + payload + "=." + signature, // padding
        header + "=." + payload + "." + signature,
        good + "=",
        header + "." + payload + "." + signature + " ", // whitespace
        " " + good,
        header + "\n." + payload + "." + signature,
        "e$J.e$J.e$J",
        b64("not json") + "." + payload + "." + signature, // a header that is not JSON
        b64(R"({"alg":"HS256")") + "." + payload + "." + signature,
        b64("") + "x." + payload + "." + signature,
    };
    for (const std::string& token : malformed) {
        INFO(token);
        const auto r = ward_service::jwt_verify(token, test_secret, issuer, audience, now);
        CHECK(r.error == jwt_error::malformed);
        CHECK(r.claims.is_null());
    }
    // A payload that is not a JSON object is refused once the signature holds.
    CHECK(verify_payload_text("not json") == jwt_error::malformed);
    CHECK(verify_payload_text("[]") == jwt_error::malformed);
    CHECK(verify_payload_text(R"("a string")") == jwt_error::malformed);
    CHECK(verify_payload_text("") == jwt_error::malformed);
    CHECK(verify_payload_text(claims().dump() + "x") == jwt_error::malformed);
    CHECK(verify_payload_text(R"({"sub":"x" /* comment */})") == jwt_error::malformed);
}

TEST_CASE("JWT: tokens up to 8 KiB are read, longer ones are not", "[crypto]") {
    // Pad a claim until the token is exactly max_token_length characters, then one more.
    auto padded = [](std::size_t size) {
        for (std::size_t n = 0; n < ward_service::max_token_length; ++n) {
            std::string token = ward_service::jwt_sign(claims_with("padding", std::string(n, 'x')), test_secret);
            if (token.size() == size) return token;
        }
        return std::string();
    };
    const std::string at_limit = padded(ward_service::max_token_length);
    const std::string over = padded(ward_service::max_token_length + 1);
    REQUIRE(at_limit.size() == 8192);
    REQUIRE(over.size() == 8193);
    CHECK(verify(at_limit) == jwt_error::ok);
    CHECK(verify(over) == jwt_error::too_long);
}

TEST_CASE("JWT: the header and its algorithm", "[crypto]") {
    const std::string payload = claims().dump();
    // Unsigned and otherwise-signed tokens: the algorithm is never the token's choice.
    CHECK(verify(b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(payload) + ".") == jwt_error::unsupported_algorithm);
    CHECK(verify(b64(R"({"alg":"none"})") + "." + b64(payload) + ".") == jwt_error::unsupported_algorithm);
    const std::vector<std::string> refused_algorithms = {
        R"({"alg":"none","typ":"JWT"})",
        R"({"alg":"None"})",
        R"({"alg":"RS256","typ":"JWT"})",
        R"({"alg":"HS512","typ":"JWT"})",
        R"({"alg":"HS384"})",
        R"({"alg":"hs256","typ":"JWT"})",
        R"({"alg":"HS256 "})",
        R"({"alg":" HS256"})",
        R"({"alg":"HS256\u0000"})",
        R"({"alg":""})",
        R"({"alg":null})",
        R"({"alg":256})",
        R"({"alg":["HS256"]})",
        R"({"alg":{"name":"HS256"}})",
        R"({"typ":"JWT"})",
        R"({})",
    };
    for (const std::string& header : refused_algorithms) {
        INFO(header);
        // HMAC-signed with the right secret all the same: only `alg` is wrong.
        CHECK(verify(raw_token(header, payload, test_secret)) == jwt_error::unsupported_algorithm);
    }
    const std::vector<std::string> bad_headers = {
        R"({"alg":"HS256","typ":"JWS"})",
        R"({"alg":"HS256","typ":"JWT "})",
        R"({"alg":"HS256","typ":""})",
        R"({"alg":"HS256","typ":1})",
        R"({"alg":"HS256","typ":null})",
        R"({"alg":"HS256","crit":["exp"]})",
        R"({"alg":"HS256","crit":[]})",
        R"({"alg":"HS256","typ":"JWT","crit":["b64"],"b64":false})",
        "[]",
        R"(["alg","HS256"])",
        "null",
        "42",
        R"("HS256")",
    };
    for (const std::string& header : bad_headers) {
        INFO(header);
        CHECK(verify(raw_token(header, payload, test_secret)) == jwt_error::bad_header);
    }
}

TEST_CASE("JWT: the signature", "[crypto]") {
    const std::string good = ward_service::jwt_sign(claims(), test_secret);
    const std::size_t dot1 = good.find('.'), dot2 = good.rfind('.');
    const std::string signing_input = good.substr(0, dot2), signature = good.substr(dot2 + 1);

    // Signed with another secret, with the secret's prefix, or with the secret and more.
    CHECK(verify(ward_service::jwt_sign(claims(), "another secret")) == jwt_error::bad_signature);
    CHECK(verify(ward_service::jwt_sign(claims(), test_secret.substr(0, 31))) == jwt_error::bad_signature);
    CHECK(verify(ward_service::jwt_sign(claims(), test_secret + "x")) == jwt_error::bad_signature);
    CHECK(verify(ward_service::jwt_sign(claims(), "")) == jwt_error::bad_signature);

    // The payload swapped for one granting more, the header and signature kept.
    json more = claims();
    more["permissions"] = 0xFFFFFFFFu;
    CHECK(verify(good.substr(0, dot1 + 1) + b64(more.dump()) + good.substr(dot2)) == jwt_error::bad_signature);
    // The same claims re-serialized differently are different bytes: the signature covers bytes.
    CHECK(verify(good.substr(0, dot1 + 1) + b64(claims().dump(1)) + good.substr(dot2)) == jwt_error::bad_signature);
    // An equivalent header in other bytes.
    CHECK(verify(b64(R"({"typ":"JWT","alg":"HS256"})") + good.substr(dot1)) == jwt_error::bad_signature);

    // The signature altered, shortened, lengthened, emptied or replaced by zeros.
    std::string flipped = signature;
    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    CHECK(verify(signing_input + "." + flipped) == jwt_error::bad_signature);
    const std::string mac = *ward_service::base64url_decode(signature);
    REQUIRE(mac.size() == 32);
    CHECK(verify(signing_input + "." + b64(mac.substr(0, 31))) == jwt_error::bad_signature);
    CHECK(verify(signing_input + "." + b64(mac.substr(0, 16))) == jwt_error::bad_signature);
    CHECK(verify(signing_input + "." + b64(mac + '\0')) == jwt_error::bad_signature);
    CHECK(verify(signing_input + "." + b64(mac + mac)) == jwt_error::bad_signature);
    CHECK(verify(signing_input + ".") == jwt_error::bad_signature);
    CHECK(verify(signing_input + "." + b64(std::string(32, '\0'))) == jwt_error::bad_signature);
    // The MAC in hexadecimal is base64url text of other bytes; with padding it is not base64url.
    CHECK(verify(signing_input + "." + hex(mac)) == jwt_error::bad_signature);
    CHECK(verify(signing_input + "." + signature + "=") == jwt_error::malformed);

    // The signature is checked before the claims: an expired or otherwise wrong token with a bad
    // signature says "bad signature", nothing about its claims.
    CHECK(verify(ward_service::jwt_sign(claims_with("exp", now - 3600), "another secret")) == jwt_error::bad_signature);
    CHECK(verify(ward_service::jwt_sign(claims_with("sub", nullptr), "another secret")) == jwt_error::bad_signature);
    CHECK(verify(raw_token(standard_header, "not json", "another secret")) == jwt_error::bad_signature);
}

TEST_CASE("JWT: the claims", "[crypto]") {
    SECTION("sub") {
        CHECK(verify_claims(claims_with("sub", nullptr)) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("sub", "")) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("sub", 42)) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("sub", json::array({"user:1"}))) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("sub", json::object())) == jwt_error::bad_claims);
        CHECK(verify_payload_text(R"({"iss":"ward-service","aud":"ident","exp":1800000000,"sub":null})") ==
              jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("sub", "x")) == jwt_error::ok);
    }
    SECTION("exp") {
        CHECK(verify_claims(claims_with("exp", nullptr)) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("exp", std::to_string(now + 3600))) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("exp", true)) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("exp", json::array({now + 3600}))) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("exp", json::object())) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("exp", now - 3600)) == jwt_error::expired);
        CHECK(verify_claims(claims_with("exp", 0)) == jwt_error::expired);
        CHECK(verify_claims(claims_with("exp", -1)) == jwt_error::expired);
    }
    SECTION("exp, nbf and iat at the edges of what a number can be") {
        auto payload_with = [](const std::string& key, const std::string& number) {
            json c = claims();
            c.erase(key);
            std::string text = c.dump();
            text.insert(1, "\"" + key + "\":" + number + ",");
            return text;
        };
        // Integers in int64's range are exact; the far future is not expired, the far past is.
        CHECK(verify_payload_text(payload_with("exp", "9223372036854775807")) == jwt_error::ok);
        CHECK(verify_payload_text(payload_with("exp", "-9223372036854775808")) == jwt_error::expired);
        // Beyond int64 (an unsigned, or a float) there is no exact second: refused, never converted.
        CHECK(verify_payload_text(payload_with("exp", "9223372036854775808")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "18446744073709551615")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "18446744073709551616")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "-9223372036854775809")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "1e300")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "-1e300")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "9.3e18")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("exp", "8.9e18")) == jwt_error::ok);
        CHECK(verify_payload_text(payload_with("exp", "-8.9e18")) == jwt_error::expired);
        // Not JSON at all (the parser refuses overflowing literals and NaN).
        CHECK(verify_payload_text(payload_with("exp", "1e400")) == jwt_error::malformed);
        CHECK(verify_payload_text(payload_with("exp", "NaN")) == jwt_error::malformed);
        CHECK(verify_payload_text(payload_with("exp", "Infinity")) == jwt_error::malformed);
        CHECK(verify_payload_text(payload_with("exp", "-Infinity")) == jwt_error::malformed);
        // Tiny and negative-zero floats are 0: long expired.
        CHECK(verify_payload_text(payload_with("exp", "1e-400")) == jwt_error::expired);
        CHECK(verify_payload_text(payload_with("exp", "-0.0")) == jwt_error::expired);
        // A float rounds down: now + 5.9 is now + 5, which the 5 s leeway has just passed.
        CHECK(verify_payload_text(payload_with("exp", std::to_string(now - 5) + ".9")) == jwt_error::expired);
        CHECK(verify_payload_text(payload_with("exp", std::to_string(now - 4) + ".1")) == jwt_error::ok);
        // Down means down for negative times too: -0.5 is -1, which a clock at 4 with 5 s of leeway has reached.
        const std::string negative =
            raw_token(standard_header, R"({"iss":"ward-service","aud":"ident","sub":"x","exp":-0.5})", test_secret);
        CHECK(ward_service::jwt_verify(negative, test_secret, issuer, audience, 4, 5).error == jwt_error::expired);
        CHECK(ward_service::jwt_verify(negative, test_secret, issuer, audience, 3, 5).error == jwt_error::ok);

        CHECK(verify_payload_text(payload_with("nbf", "1e300")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("nbf", "18446744073709551615")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("nbf", "9223372036854775807")) == jwt_error::not_yet_valid);
        CHECK(verify_payload_text(payload_with("nbf", "-9223372036854775808")) == jwt_error::ok);
        CHECK(verify_payload_text(payload_with("iat", "1e300")) == jwt_error::bad_claims);
        CHECK(verify_payload_text(payload_with("iat", "9223372036854775807")) == jwt_error::not_yet_valid);
        CHECK(verify_payload_text(payload_with("iat", "-9223372036854775808")) == jwt_error::ok);
    }
    SECTION("nbf and iat are optional, but numbers when present") {
        CHECK(verify_claims(claims_with("nbf", nullptr)) == jwt_error::ok);
        CHECK(verify_claims(claims_with("iat", nullptr)) == jwt_error::ok);
        CHECK(verify_claims(claims_with("nbf", std::to_string(now))) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("iat", std::to_string(now))) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("nbf", false)) == jwt_error::bad_claims);
        CHECK(verify_claims(claims_with("iat", json::array())) == jwt_error::bad_claims);
        CHECK(verify_payload_text(R"({"iss":"ward-service","aud":"ident","sub":"x","exp":1800000000,"nbf":null})") ==
              jwt_error::bad_claims);
        // A token issued in the future (past the leeway) is not valid yet either.
        CHECK(verify_claims(claims_with("iat", now + 86400)) == jwt_error::not_yet_valid);
        CHECK(verify_claims(claims_with("iat", now + 5)) == jwt_error::ok);
        CHECK(verify_claims(claims_with("iat", now + 6)) == jwt_error::not_yet_valid);
        CHECK(verify_claims(claims_with("nbf", now + 3600)) == jwt_error::not_yet_valid);
    }
    SECTION("iss") {
        CHECK(verify_claims(claims_with("iss", nullptr)) == jwt_error::wrong_issuer);
        CHECK(verify_claims(claims_with("iss", "someone-else")) == jwt_error::wrong_issuer);
        CHECK(verify_claims(claims_with("iss", "Ward-Service")) == jwt_error::wrong_issuer);
        CHECK(verify_claims(claims_with("iss", "ward-service ")) == jwt_error::wrong_issuer);
        CHECK(verify_claims(claims_with("iss", "")) == jwt_error::wrong_issuer);
        CHECK(verify_claims(claims_with("iss", json::array({"ward-service"}))) == jwt_error::wrong_issuer);
        CHECK(verify_claims(claims_with("iss", 1)) == jwt_error::wrong_issuer);
    }
    SECTION("aud") {
        CHECK(verify_claims(claims_with("aud", nullptr)) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", "bluebricks")) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", "IDENT")) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", "")) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", json::array())) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", json::array({"provisioning", "bluebricks"}))) ==
              jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", json::array({json::array({"ident"})}))) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", json::object({{"ident", true}}))) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", 7)) == jwt_error::wrong_audience);
        CHECK(verify_claims(claims_with("aud", json::array({"bluebricks", "ident"}))) == jwt_error::ok);
        // The audience asked for decides, not the token.
        const std::string token = ward_service::jwt_sign(claims(), test_secret);
        CHECK(ward_service::jwt_verify(token, test_secret, issuer, "bluebricks", now).error ==
              jwt_error::wrong_audience);
        CHECK(ward_service::jwt_verify(token, test_secret, "other", audience, now).error == jwt_error::wrong_issuer);
    }
}

TEST_CASE("JWT: exp and nbf with the leeway", "[crypto]") {
    const std::int64_t exp = now + 100, nbf = now + 50;
    json c = claims();
    c["exp"] = exp;
    c["nbf"] = nbf;
    const std::string token = ward_service::jwt_sign(c, test_secret);
    auto at = [&](std::int64_t t, std::int64_t leeway) {
        return ward_service::jwt_verify(token, test_secret, issuer, audience, t, leeway).error;
    };

    // Expired when now >= exp + leeway.
    CHECK(at(exp + 4, 5) == jwt_error::ok);
    CHECK(at(exp + 5, 5) == jwt_error::expired);
    CHECK(at(exp - 1, 0) == jwt_error::ok);
    CHECK(at(exp, 0) == jwt_error::expired);
    // Not yet valid when now + leeway < nbf.
    CHECK(at(nbf - 5, 5) == jwt_error::ok);
    CHECK(at(nbf - 6, 5) == jwt_error::not_yet_valid);
    CHECK(at(nbf, 0) == jwt_error::ok);
    CHECK(at(nbf - 1, 0) == jwt_error::not_yet_valid);
    // The default leeway is 5 s.
    CHECK(verify(token, exp + 4) == jwt_error::ok);
    CHECK(verify(token, exp + 5) == jwt_error::expired);
    CHECK(verify(token, nbf - 5) == jwt_error::ok);
    CHECK(verify(token, nbf - 6) == jwt_error::not_yet_valid);

    // Extreme clocks and leeways compare exactly instead of overflowing.
    constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
    CHECK(at(hi, 5) == jwt_error::expired);
    CHECK(at(lo, 5) == jwt_error::not_yet_valid);
    CHECK(at(lo, hi) == jwt_error::not_yet_valid); // lo + hi = -1, still before nbf
    CHECK(at(hi, hi) == jwt_error::ok);            // exp + hi and hi + hi are beyond int64: exact anyway
    CHECK(at(now, lo) == jwt_error::expired);
    json far = claims();
    far["exp"] = hi;
    far["nbf"] = lo;
    far["iat"] = lo;
    const std::string far_token = ward_service::jwt_sign(far, test_secret);
    CHECK(ward_service::jwt_verify(far_token, test_secret, issuer, audience, hi, 5).error == jwt_error::ok);
    CHECK(ward_service::jwt_verify(far_token, test_secret, issuer, audience, hi, 0).error == jwt_error::expired);
    CHECK(ward_service::jwt_verify(far_token, test_secret, issuer, audience, lo, lo).error == jwt_error::not_yet_valid);
    CHECK(ward_service::jwt_verify(far_token, test_secret, issuer, audience, lo, 0).error == jwt_error::ok);
}

TEST_CASE("JWT: nesting depth", "[crypto]") {
    // 16 levels of arrays and objects are read; deeper is refused before parsing.
    CHECK(verify_claims(claims_with("deep", json::parse(nested(15)))) == jwt_error::ok);
    CHECK(verify_claims(claims_with("deep", json::parse(nested(16)))) == jwt_error::malformed);
    CHECK(verify(raw_token(R"({"alg":"HS256","x":)" + nested(15) + "}", claims().dump(), test_secret)) ==
          jwt_error::ok);
    CHECK(verify(raw_token(R"({"alg":"HS256","x":)" + nested(16) + "}", claims().dump(), test_secret)) ==
          jwt_error::malformed);
    // Brackets inside strings, escaped quotes included, are not nesting.
    CHECK(verify_claims(claims_with("text", std::string(200, '[') + "\"" + std::string(200, '{'))) == jwt_error::ok);
    // About as deep as a token of 8 KiB can go, in the (unsigned) header and in a signed payload.
    const std::vector<std::string> deep = {
        b64(std::string(5000, '[')) + "." + b64(claims().dump()) + ".",
        b64(nested(2500)) + "." + b64(claims().dump()) + ".",
        raw_token(standard_header, R"({"sub":"x","exp":1800000000,"a":)" + nested(2800) + "}", test_secret),
    };
    for (const std::string& token : deep) {
        REQUIRE(token.size() > 6000);
        REQUIRE(token.size() <= ward_service::max_token_length);
        CHECK(verify(token) == jwt_error::malformed);
    }
}

TEST_CASE("JWT: garbage never verifies", "[crypto]") {
    const std::vector<std::string> garbage = {
        std::string("\0", 1),
        std::string("\0.\0.\0", 5),
        std::string("eyJhbGciOiJIUzI1NiJ9\0.eyJzdWIiOiJ4In0.abc", 41),
        "\xff\xfe.\x80\x81.\xc3\xa9",
        "\xe2\x80\x8b.\xe2\x80\x8b.\xe2\x80\x8b",
        "Bearer " + ward_service::jwt_sign(claims(), test_secret),
        ward_service::jwt_sign(claims(), test_secret) + '\0',
        std::string(8192, '.'),
        std::string(8192, '\0'),
        std::string(8192, '\xff'),
    };
    for (const std::string& token : garbage) {
        INFO(hex(token.substr(0, 64)));
        const auto r = ward_service::jwt_verify(token, test_secret, issuer, audience, now);
        CHECK(r.error == jwt_error::malformed);
        CHECK(r.claims.is_null());
    }
    // Random strings over base64url, dots and a few hostile bytes.
    std::string pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_...=+/ \xff\x80";
    pool += '\0';
    std::mt19937 rng(7519);
    std::size_t verified = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string token(rng() % 300, ' ');
        for (char& ch : token) ch = pool[rng() % pool.size()];
        const auto r = ward_service::jwt_verify(token, test_secret, issuer, audience, now);
        verified += r.error == jwt_error::ok || !r.claims.is_null();
    }
    CHECK(verified == 0);
}

TEST_CASE("JWT: no mutation of a valid token verifies", "[crypto]") {
    const std::string good = ward_service::jwt_sign(claims(), test_secret);
    REQUIRE(verify(good) == jwt_error::ok);
    std::string pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \xff";
    pool += '\0';
    std::mt19937 rng(7515);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::vector<std::string> accepted_mutants;
    std::size_t unchanged = 0;
    std::map<jwt_error, std::size_t> seen;
    for (int i = 0; i < 4000; ++i) {
        std::string t = good;
        switch (i % 4) {
        case 0: // replace one to three characters
            for (std::size_t k = 0, n = 1 + pick(3); k < n; ++k) t[pick(t.size())] = pool[pick(pool.size())];
            break;
        case 1: // drop a character
            t.erase(pick(t.size()), 1);
            break;
        case 2: // insert a character
            t.insert(pick(t.size() + 1), 1, pool[pick(pool.size())]);
            break;
        default: // swap two characters
            std::swap(t[pick(t.size())], t[pick(t.size())]);
            break;
        }
        const auto r = ward_service::jwt_verify(t, test_secret, issuer, audience, now);
        ++seen[r.error];
        if (t == good) {
            ++unchanged;
            if (r.error != jwt_error::ok) accepted_mutants.push_back("the unchanged token was refused");
        } else if (r.error == jwt_error::ok || !r.claims.is_null()) {
            accepted_mutants.push_back(t);
        }
    }
    INFO("unchanged: " << unchanged
                       << ", first accepted: " << (accepted_mutants.empty() ? "" : accepted_mutants.front()));
    CHECK(accepted_mutants.empty());
    // The mutations reach past the shape checks to the signature, and most change the token.
    CHECK(seen[jwt_error::malformed] > 100);
    CHECK(seen[jwt_error::bad_signature] > 100);
    CHECK(unchanged < 400);
}

TEST_CASE("JWT: every error has its own message", "[crypto]") {
    const std::vector<jwt_error> all = {
        jwt_error::ok,
        jwt_error::missing,
        jwt_error::too_long,
        jwt_error::malformed,
        jwt_error::bad_header,
        jwt_error::unsupported_algorithm,
        jwt_error::bad_signature,
        jwt_error::bad_claims,
        jwt_error::expired,
        jwt_error::not_yet_valid,
        jwt_error::wrong_issuer,
        jwt_error::wrong_audience,
    };
    std::set<std::string_view> messages;
    for (const jwt_error e : all) messages.insert(ward_service::to_string(e));
    CHECK(messages.size() == all.size());
    CHECK(messages.count("") == 0);
    CHECK(ward_service::to_string(jwt_error::ok) == "ok");
    CHECK(ward_service::to_string(jwt_error::missing) == "missing token");
    CHECK(ward_service::to_string(jwt_error::too_long) == "token too long");
    CHECK(ward_service::to_string(jwt_error::malformed) == "malformed token");
    // The HTTP answers quote these; clients and tests look for the key word.
    CHECK(ward_service::to_string(jwt_error::expired).find("expired") != std::string_view::npos);
    CHECK(ward_service::to_string(jwt_error::bad_signature).find("signature") != std::string_view::npos);
    CHECK(ward_service::to_string(jwt_error::wrong_issuer).find("issuer") != std::string_view::npos);
    CHECK(ward_service::to_string(jwt_error::wrong_audience).find("audience") != std::string_view::npos);
    CHECK(ward_service::to_string(jwt_error::unsupported_algorithm).find("algorithm") != std::string_view::npos);
}

TEST_CASE("JWT: a default result is a refusal", "[crypto]") {
    const ward_service::jwt_result r;
    CHECK(r.error == jwt_error::missing);
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.claims.is_null());
    const auto missing = ward_service::jwt_verify("", test_secret, issuer, audience, now);
    CHECK(missing.error == jwt_error::missing);
    CHECK_FALSE(static_cast<bool>(missing));
}

TEST_CASE("unix_now is the system clock in seconds", "[crypto]") {
    const auto before =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::int64_t t = ward_service::unix_now();
    const auto after =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(t >= before);
    CHECK(t <= after);
    CHECK(t > 1700000000); // after November 2023
}

// --- PBKDF2 password hashes --------------------------------------------------------------------

TEST_CASE("PBKDF2-HMAC-SHA256: the RFC 7914 section 11 vectors", "[crypto]") {
    // password_verify computes a 32-byte PBKDF2 output: the first 32 bytes of the 64-byte vectors
    // (PBKDF2's first block does not depend on the output length).
    const std::string v1 = unhex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                                 "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    const std::string v2 = unhex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                                 "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
    REQUIRE(v1.size() == 64);
    REQUIRE(v2.size() == 64);
    const std::string stored1 = "pbkdf2-sha256$1$" + b64("salt") + "$" + b64(v1.substr(0, 32));
    const std::string stored2 = "pbkdf2-sha256$80000$" + b64("NaCl") + "$" + b64(v2.substr(0, 32));
    CHECK(ward_service::password_verify("passwd", stored1));
    CHECK(ward_service::password_verify("Password", stored2));
    CHECK_FALSE(ward_service::password_verify("passwe", stored1));
    CHECK_FALSE(ward_service::password_verify("passwd", stored2));
    CHECK_FALSE(
        ward_service::password_verify("Password", "pbkdf2-sha256$80001$" + b64("NaCl") + "$" + b64(v2.substr(0, 32))));
    CHECK_FALSE(
        ward_service::password_verify("Password", "pbkdf2-sha256$80000$" + b64("NaCL") + "$" + b64(v2.substr(0, 32))));
    // The second block is not what is stored.
    CHECK_FALSE(ward_service::password_verify("passwd", "pbkdf2-sha256$1$" + b64("salt") + "$" + b64(v1.substr(32))));
}

TEST_CASE("password_hash: format, salt and a round trip", "[crypto]") {
    const std::string password = "correct horse battery staple";
    const std::string stored = ward_service::password_hash(password, 1000);
    INFO(stored);
    CHECK(std::count(stored.begin(), stored.end(), '$') == 3);
    CHECK(split_field(stored, 0) == "pbkdf2-sha256");
    CHECK(split_field(stored, 1) == "1000");
    const auto salt = ward_service::base64url_decode(split_field(stored, 2));
    const auto hash = ward_service::base64url_decode(split_field(stored, 3));
    REQUIRE(salt);
    REQUIRE(hash);
    CHECK(salt->size() == 16);
    CHECK(hash->size() == 32);
    CHECK(stored.find(password) == std::string::npos);

    // The stored hash is PBKDF2-HMAC-SHA256(password, salt, 1000), computed here independently.
    std::array<unsigned char, 32> expected{};
    REQUIRE(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                              reinterpret_cast<const unsigned char*>(salt->data()), static_cast<int>(salt->size()),
                              1000, EVP_sha256(), 32, expected.data()) == 1);
    CHECK(*hash == std::string(reinterpret_cast<const char*>(expected.data()), expected.size()));

    CHECK(ward_service::password_verify(password, stored));
    CHECK_FALSE(ward_service::password_verify("correct horse battery stapler", stored));
    CHECK_FALSE(ward_service::password_verify("Correct horse battery staple", stored));
    CHECK_FALSE(ward_service::password_verify("", stored));

    // The same password twice: different salts, so different hashes.
    const std::string again = ward_service::password_hash(password, 1000);
    CHECK(again != stored);
    CHECK(split_field(again, 2) != split_field(stored, 2));
    CHECK(split_field(again, 3) != split_field(stored, 3));
    CHECK(ward_service::password_verify(password, again));

    // The default cost is the one the README documents.
    CHECK(ward_service::default_pbkdf2_iterations == 600000u);
}

TEST_CASE("password_hash: any bytes are a password, all of them count", "[crypto]") {
    const std::string empty = ward_service::password_hash("", 1000);
    CHECK(ward_service::password_verify("", empty));
    CHECK_FALSE(ward_service::password_verify(" ", empty));
    // PBKDF2 keys HMAC with the password, and HMAC pads a short key with zero bytes: passwords that
    // differ only in trailing NULs are the same key. A property of PBKDF2-HMAC, not of this code.
    CHECK(ward_service::password_verify(std::string(1, '\0'), empty));

    const std::string with_nul("pass\0word", 9);
    const std::string stored = ward_service::password_hash(with_nul, 1000);
    CHECK(ward_service::password_verify(with_nul, stored));
    CHECK_FALSE(ward_service::password_verify("pass", stored));
    CHECK_FALSE(ward_service::password_verify(std::string("pass\0worD", 9), stored));

    const std::string long_password(1000, 'p'); // longer than SHA-256's block: hashed first as the key
    const std::string long_stored = ward_service::password_hash(long_password, 1000);
    CHECK(ward_service::password_verify(long_password, long_stored));
    CHECK_FALSE(ward_service::password_verify(long_password.substr(1), long_stored));

    const std::string utf8 = "p\xc3\xa4ssw\xc3\xb6rd \xe2\x9c\x93";
    const std::string utf8_stored = ward_service::password_hash(utf8, 1);
    CHECK(split_field(utf8_stored, 1) == "1");
    CHECK(ward_service::password_verify(utf8, utf8_stored));
}

TEST_CASE("password_hash refuses iteration counts password_verify would not accept", "[crypto]") {
    CHECK_THROWS_AS(ward_service::password_hash("x", 0), std::invalid_argument);
    CHECK_THROWS_AS(ward_service::password_hash("x", 10000001), std::invalid_argument);
    CHECK_THROWS_AS(ward_service::password_hash("x", std::numeric_limits<unsigned>::max()), std::invalid_argument);
}

TEST_CASE("password_verify: malformed stored strings never verify", "[crypto]") {
    const std::string password = "ward-demo-password";
    const std::string stored = ward_service::password_hash(password, 1000);
    REQUIRE(ward_service::password_verify(password, stored));
    const std::string scheme = split_field(stored, 0), salt = split_field(stored, 2), hash = split_field(stored, 3);
    const std::string salt_bytes = *ward_service::base64url_decode(salt),
                      hash_bytes = *ward_service::base64url_decode(hash);
    auto with = [&](const std::string& s, const std::string& iterations, const std::string& sa, const std::string& h) {
        return s + "$" + iterations + "$" + sa + "$" + h;
    };
    // Another text for the same last character's data: the unused low bits set (16 bytes leave
    // four unused bits in the last character, 32 bytes two). A lenient decoder would accept these.
    auto unused_bits_set = [](std::string text) {
        const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        text.back() = alphabet[alphabet.find(text.back()) | 1];
        return text;
    };
    // Most of these would verify with a lenient parser (leading zeros, a sign, padding, spare bits,
    // unsigned wrap-around): only the strictness refuses them.
    std::vector<std::string> malformed = {
        "",
        "pbkdf2-sha256",
        "$$$",
        scheme + "$1000$" + salt,
        scheme + "$1000$" + salt + "$",
        stored + "$",
        stored + "$" + hash,
        "$" + stored,
        std::string(stored.c_str()) + std::string("\0", 1),
        with(scheme, "1000", "", hash),
        with(scheme, "1000", salt + "==", hash),
        with(scheme, "1000", salt + "=", hash),
        with(scheme, "1000", unused_bits_set(salt), hash),
        with(scheme, "1000", " " + salt, hash),
        with(scheme, "1000", salt.substr(0, 21), hash),
        with(scheme, "1000", salt, ""),
        with(scheme, "1000", salt, hash + "="),
        with(scheme, "1000", salt, unused_bits_set(hash)),
        with(scheme, "1000", salt, hash + "\n"),
        with(scheme, "1000", salt, b64(hash_bytes.substr(0, 31))),
        with(scheme, "1000", salt, b64(hash_bytes + '\0')),
        with(scheme, "1000", salt, b64(hash_bytes + hash_bytes)),
        with(scheme, "1000", salt, hex(hash_bytes)),
    };
    for (const char* other : {"pbkdf2-sha512", "PBKDF2-SHA256", "pbkdf2_sha256", " pbkdf2-sha256", ""})
        malformed.push_back(with(other, "1000", salt, hash));
    // 4294968296 is 1000 + 2^32, 18446744073709552616 is 1000 + 2^64.
    for (const char* iterations : {"", "01000", "+1000", "-1000", " 1000", "1000 ", "1e3", "0x3e8", "1000.0", "1,000",
                                   "0", "00", "10000001", "4294968296", "18446744073709552616"})
        malformed.push_back(with(scheme, iterations, salt, hash));
    for (const std::string& s : malformed) {
        INFO(s);
        CHECK_FALSE(ward_service::password_verify(password, s));
    }
    // Over the limit is refused before any work: 99,999,999 iterations would take tens of seconds.
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(ward_service::password_verify(password, with(scheme, "99999999", salt, hash)));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    // Controls: the strict parser takes back what password_hash writes, field by field.
    CHECK(ward_service::password_verify(password, with(scheme, "1000", salt, hash)));
    CHECK(ward_service::password_verify(password, with(scheme, "1000", b64(salt_bytes), b64(hash_bytes))));
    // Any salt length password_verify sees is fine (the RFC vectors use four bytes), the hash is 32 bytes.
    std::string flipped = hash_bytes;
    flipped[0] = static_cast<char>(flipped[0] ^ 1);
    CHECK_FALSE(ward_service::password_verify(password, with(scheme, "1000", salt, b64(flipped))));
}

TEST_CASE("password_burn costs what a verification costs", "[crypto]") {
    // An unknown account must not answer faster than a wrong password. The fastest of three runs
    // keeps other load on the machine from deciding the outcome; a burn that skipped the PBKDF2,
    // or ran it at another cost, would be off by orders of magnitude rather than the factor allowed.
    constexpr unsigned iterations = 100000;
    const std::string stored = ward_service::password_hash("the real password", iterations);
    using clock = std::chrono::steady_clock;
    auto fastest = [](auto&& work) {
        auto best = clock::duration::max();
        for (int i = 0; i < 3; ++i) {
            const auto start = clock::now();
            work();
            best = std::min(best, clock::now() - start);
        }
        return best;
    };
    bool verified = true;
    const auto verify_time = fastest([&] { verified = ward_service::password_verify("a wrong password", stored); });
    const auto burn_time = fastest([&] { ward_service::password_burn("a wrong password", iterations); });
    CHECK_FALSE(verified);
    using milliseconds = std::chrono::duration<double, std::milli>;
    INFO("verify " << milliseconds(verify_time).count() << " ms, burn " << milliseconds(burn_time).count() << " ms");
    CHECK(burn_time * 4 >= verify_time);
    CHECK(burn_time <= verify_time * 4);
    // Out-of-range counts are clamped, not refused: a burn always does some work and never throws.
    ward_service::password_burn("x", 0);
    ward_service::password_burn("", 1);
}

// --- random ------------------------------------------------------------------------------------

TEST_CASE("random_bytes", "[crypto]") {
    CHECK(ward_service::random_bytes(0).empty());
    CHECK(ward_service::random_bytes(1).size() == 1);
    CHECK(ward_service::random_bytes(1000).size() == 1000);
    const std::string a = ward_service::random_bytes(32), b = ward_service::random_bytes(32);
    CHECK(a.size() == 32);
    CHECK(a != b);
    // 4096 random bytes take (nearly) every value.
    const std::string many = ward_service::random_bytes(4096);
    const std::set<char> values(many.begin(), many.end());
    CHECK(values.size() > 240);
}

TEST_CASE("random_id: prefix, length and alphabet", "[crypto]") {
    std::set<std::string> ids;
    for (int i = 0; i < 2000; ++i) {
        const std::string id = ward_service::random_id("org");
        if (!is_id(id, "org", 16)) FAIL("not org_ and 16 alphanumerics: " << id);
        ids.insert(id);
    }
    CHECK(ids.size() == 2000);
    CHECK(ward_service::random_id("role", 0) == "role_");
    CHECK(is_id(ward_service::random_id("", 1), "", 1));
    CHECK(is_id(ward_service::random_id("mem", 40), "mem", 40));
    // The checker itself refuses what it should.
    CHECK_FALSE(is_id("org_abc", "org", 4));
    CHECK_FALSE(is_id("org-abcd", "org", 4));
    CHECK_FALSE(is_id("org_ab-d", "org", 4));
    CHECK(ward_service::random_id("a_b", 5).rfind("a_b_", 0) == 0);
}

TEST_CASE("random_id: every character equally likely", "[crypto]") {
    // 200,000 characters, 3226 expected of each (standard deviation 56). Reducing bytes modulo 62
    // without rejection would give 'A'..'H' 5/256 instead of 1/62: 3906 each, far outside +-10%.
    constexpr std::size_t n = 200000;
    const std::string id = ward_service::random_id("", n);
    REQUIRE(id.size() == n + 1);
    std::map<char, std::size_t> counts;
    for (std::size_t i = 1; i < id.size(); ++i) ++counts[id[i]];
    CHECK(counts.size() == 62);
    const double expected = static_cast<double>(n) / 62.0;
    std::vector<std::string> off;
    for (const auto& [ch, count] : counts) {
        if (static_cast<double>(count) < expected * 0.9 || static_cast<double>(count) > expected * 1.1)
            off.push_back(std::string(1, ch) + ": " + std::to_string(count));
    }
    INFO("expected about " << expected << " of each; first off: " << (off.empty() ? "" : off.front()));
    CHECK(off.empty());
}

TEST_CASE("random_uuid: version 4, RFC 4122 variant, lower-case 8-4-4-4-12", "[crypto]") {
    CHECK(is_uuid_v4("15679071-4a5e-41e3-a495-5d93b478257b"));
    CHECK_FALSE(is_uuid_v4("15679071-4a5e-51e3-a495-5d93b478257b")); // version 5
    CHECK_FALSE(is_uuid_v4("15679071-4a5e-41e3-c495-5d93b478257b")); // another variant
    CHECK_FALSE(is_uuid_v4("15679071-4A5E-41e3-a495-5d93b478257b")); // upper case
    CHECK_FALSE(is_uuid_v4("156790714-a5e-41e3-a495-5d93b478257b")); // dash misplaced
    std::set<std::string> uuids;
    std::set<char> variants, first_digits;
    for (int i = 0; i < 2000; ++i) {
        const std::string u = ward_service::random_uuid();
        if (!is_uuid_v4(u)) FAIL("not a version 4 UUID: " << u);
        uuids.insert(u);
        variants.insert(u[19]);
        first_digits.insert(u[0]);
    }
    CHECK(uuids.size() == 2000);
    CHECK(variants == std::set<char>{'8', '9', 'a', 'b'});
    CHECK(first_digits.size() == 16);
}
