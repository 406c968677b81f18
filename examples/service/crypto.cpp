// SPDX-License-Identifier: MIT
#include "crypto.hpp"

#include "json_depth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace ward_service {

namespace {

using json = nlohmann::json;

constexpr char base64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::string_view hash_scheme = "pbkdf2-sha256";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
constexpr unsigned max_iterations = 10000000;

/// The deepest nesting of arrays and objects a token's header or payload may have. Tokens this
/// service signs nest two levels at most.
constexpr int max_json_depth = 16;

constexpr auto int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());

int base64url_value(char ch) noexcept {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '-') return 62;
    if (ch == '_') return 63;
    return -1;
}

const unsigned char* bytes_of(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string_view view_of(const std::array<unsigned char, hash_bytes>& a) noexcept {
    return {reinterpret_cast<const char*>(a.data()), a.size()};
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    if (key.size() > int_max) throw std::length_error("HMAC key too long");
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    // An empty string_view may hold a null pointer; "" keeps an empty key a valid (if weak) key.
    const void* key_data = key.empty() ? "" : key.data();
    if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), bytes_of(data), data.size(), out.data(), &length) ==
            nullptr ||
        length != 32)
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(out.data()), length);
}

bool pbkdf2_sha256(std::string_view password, std::string_view salt, unsigned iterations,
                   std::array<unsigned char, hash_bytes>& out) noexcept {
    if (password.size() > int_max || salt.size() > int_max || iterations == 0 || iterations > max_iterations)
        return false;
    return PKCS5_PBKDF2_HMAC(password.empty() ? "" : password.data(), static_cast<int>(password.size()), bytes_of(salt),
                             static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                             static_cast<int>(out.size()), out.data()) == 1;
}

/// Equal in time that depends on the lengths only (which are public: a SHA-256 output is 32 bytes).
bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// `text` as JSON, or a discarded value when it is not JSON or nests too deep. Never throws on bad
/// input (the parser's exceptions are off); only allocation can throw.
json parse_json(std::string_view text) {
    if (nests_deeper_than(text, max_json_depth)) return json(json::value_t::discarded);
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

/// A JSON number as whole seconds (floats rounded down). NaN, infinities and values outside
/// int64's range are refused rather than converted, which would be undefined behaviour.
bool seconds_of(const json& v, std::int64_t& out) noexcept {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
        out = static_cast<std::int64_t>(u);
        return true;
    }
    if (v.is_number_integer()) {
        out = v.get<std::int64_t>();
        return true;
    }
    if (v.is_number_float()) {
        // 9e18 is below 2^63 (about 9.22e18), so the cast below is always defined.
        const double d = std::floor(v.get<double>());
        if (!std::isfinite(d) || d < -9.0e18 || d > 9.0e18) return false;
        out = static_cast<std::int64_t>(d);
        return true;
    }
    return false;
}

/// The sign of (a + b) - c, computed without overflow for any int64 values: the claims may hold
/// anything in int64's range and the caller's clock and leeway are not trusted to be sane either.
int compare_sum(std::int64_t a, std::int64_t b, std::int64_t c) noexcept {
    constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    if (b > 0 && a > hi - b) return 1;  // a + b > hi >= c
    if (b < 0 && a < lo - b) return -1; // a + b < lo <= c
    const std::int64_t sum = a + b;
    return sum < c ? -1 : (sum > c ? 1 : 0);
}

char ascii_lower(char ch) noexcept { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch; }

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// A token's three parts, decoded; `signing_input` is header . payload as the token has them.
struct token_parts {
    std::string_view signing_input;
    std::string header, payload, signature;
};

/// Length and shape: exactly two dots, each part strict base64url, header and payload non-empty.
jwt_error split_token(std::string_view token, token_parts& out) {
    if (token.empty()) return jwt_error::missing;
    if (token.size() > max_token_length) return jwt_error::too_long;
    const std::size_t dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return jwt_error::malformed;
    const std::size_t dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return jwt_error::malformed;
    const std::string_view header_part = token.substr(0, dot1);
    const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    if (header_part.empty() || payload_part.empty()) return jwt_error::malformed;
    auto header_text = base64url_decode(header_part);
    auto payload_text = base64url_decode(payload_part);
    auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!header_text || !payload_text || !signature) return jwt_error::malformed;
    out.signing_input = token.substr(0, dot2);
    out.header = std::move(*header_text);
    out.payload = std::move(*payload_text);
    out.signature = std::move(*signature);
    return jwt_error::ok;
}

/// `typ` values a token may carry: "JWT", and RFC 9068's access-token types, which identity
/// providers may put on their access tokens.
bool acceptable_typ(std::string_view typ) noexcept {
    return equals_ignoring_ascii_case(typ, "JWT") || equals_ignoring_ascii_case(typ, "at+jwt") ||
           equals_ignoring_ascii_case(typ, "application/at+jwt");
}

/// jwt_verify_with without the exception guard; `claims` is set only when the answer is ok.
jwt_error verify_token(std::string_view token, const jwt_signature_check& check, std::string_view issuer,
                       std::string_view audience, std::int64_t now, std::int64_t leeway, json& claims) {
    token_parts parts;
    if (const jwt_error e = split_token(token, parts); e != jwt_error::ok) return e;

    // Header: the algorithm is fixed by the check (the secret's or the key's), never chosen by the token.
    const json header = parse_json(parts.header);
    if (header.is_discarded()) return jwt_error::malformed;
    if (!header.is_object()) return jwt_error::bad_header;
    if (header.contains("crit")) return jwt_error::bad_header; // no extension is understood here
    if (const auto typ = header.find("typ"); typ != header.end()) {
        if (!typ->is_string() || !acceptable_typ(typ->get_ref<const std::string&>())) return jwt_error::bad_header;
    }

    // Signature before anything in the payload is looked at.
    if (const jwt_error e = check(header, parts.signing_input, parts.signature); e != jwt_error::ok) return e;

    json payload = parse_json(parts.payload);
    if (payload.is_discarded() || !payload.is_object()) return jwt_error::malformed;

    const auto sub = payload.find("sub");
    if (sub == payload.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty())
        return jwt_error::bad_claims;
    std::int64_t exp = 0;
    const auto exp_it = payload.find("exp");
    if (exp_it == payload.end() || !seconds_of(*exp_it, exp)) return jwt_error::bad_claims;
    std::int64_t nbf = 0;
    const auto nbf_it = payload.find("nbf");
    const bool has_nbf = nbf_it != payload.end();
    if (has_nbf && !seconds_of(*nbf_it, nbf)) return jwt_error::bad_claims;
    std::int64_t iat = 0;
    const auto iat_it = payload.find("iat");
    const bool has_iat = iat_it != payload.end();
    if (has_iat && !seconds_of(*iat_it, iat)) return jwt_error::bad_claims;

    if (compare_sum(exp, leeway, now) <= 0) return jwt_error::expired;                 // now >= exp + leeway
    if (has_nbf && compare_sum(now, leeway, nbf) < 0) return jwt_error::not_yet_valid; // now + leeway < nbf
    if (has_iat && compare_sum(now, leeway, iat) < 0) return jwt_error::not_yet_valid; // issued in the future

    const auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() || iss->get_ref<const std::string&>() != issuer)
        return jwt_error::wrong_issuer;

    const auto aud = payload.find("aud");
    if (aud == payload.end()) return jwt_error::wrong_audience;
    bool audience_found = false;
    if (aud->is_string()) {
        audience_found = aud->get_ref<const std::string&>() == audience;
    } else if (aud->is_array()) {
        for (const json& a : *aud)
            if (a.is_string() && a.get_ref<const std::string&>() == audience) audience_found = true;
    }
    if (!audience_found) return jwt_error::wrong_audience;

    claims = std::move(payload);
    return jwt_error::ok;
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char ch : bytes) {
        acc = (acc << 8) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += base64url_alphabet[(acc >> bits) & 63];
        }
        acc &= (1u << bits) - 1; // keep only the bits not yet written
    }
    if (bits > 0) out += base64url_alphabet[(acc << (6 - bits)) & 63];
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    // One character carries 6 bits, less than a byte: a lone last character is never valid.
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char ch : text) {
        const int v = base64url_value(ch);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
        acc &= (1u << bits) - 1;
    }
    // The unused bits must be zero, so that every byte string has exactly one encoding (otherwise
    // "Zg" and "Zh" would both decode to "f" and a signature could be altered without failing).
    if (acc != 0) return std::nullopt;
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n == 0) return out;
    if (n > int_max || RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("the random number generator failed");
    return out;
}

std::string random_id(std::string_view prefix, std::size_t length) {
    constexpr std::string_view chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static_assert(chars.size() == 62);
    // 248 = 4 * 62: bytes from 248 up are dropped, so that `byte % 62` is uniform over the rest.
    constexpr unsigned accept_below = 256 / chars.size() * chars.size();
    std::string out;
    out.reserve(prefix.size() + 1 + length);
    out += prefix;
    out += '_';
    const std::size_t size = out.size() + length;
    while (out.size() < size) {
        // About 3% of bytes are dropped; each round draws what is still missing.
        for (const char b : random_bytes(size - out.size())) {
            const auto v = static_cast<unsigned char>(b);
            if (v < accept_below) out += chars[v % chars.size()];
        }
    }
    return out;
}

std::string random_uuid() {
    std::string b = random_bytes(16);
    b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40); // version 4
    b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80); // RFC 4122 variant (10xx)
    constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[static_cast<unsigned char>(b[i]) >> 4];
        out += hex[static_cast<unsigned char>(b[i]) & 15];
    }
    return out;
}

std::string_view to_string(jwt_error e) noexcept {
    switch (e) {
    case jwt_error::ok: return "ok";
    case jwt_error::missing: return "missing token";
    case jwt_error::too_long: return "token too long";
    case jwt_error::malformed: return "malformed token";
    case jwt_error::bad_header: return "bad header";
    case jwt_error::unsupported_algorithm: return "unsupported algorithm";
    case jwt_error::bad_signature: return "bad signature";
    case jwt_error::bad_claims: return "bad claims";
    case jwt_error::expired: return "expired";
    case jwt_error::not_yet_valid: return "not yet valid";
    case jwt_error::wrong_issuer: return "wrong issuer";
    case jwt_error::wrong_audience: return "wrong audience";
    case jwt_error::unknown_key: return "unknown key";
    case jwt_error::wrong_algorithm: return "algorithm does not match the key";
    }
    return "unknown error";
}

std::string jwt_sign(const nlohmann::json& claims, std::string_view secret) {
    if (!claims.is_object()) throw std::invalid_argument("JWT claims must be a JSON object");
    const std::string signing_input =
        base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(claims.dump());
    return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

jwt_result jwt_verify_with(std::string_view token, const jwt_signature_check& check, std::string_view issuer,
                           std::string_view audience, std::int64_t now, std::int64_t leeway) noexcept {
    jwt_result r;
    try {
        json claims;
        r.error = verify_token(token, check, issuer, audience, now, leeway, claims);
        if (r.error == jwt_error::ok) r.claims = std::move(claims);
    } catch (...) {
        // Only allocation or OpenSSL failing can get here; such a token is refused like any other.
        r.error = jwt_error::malformed;
        r.claims = nullptr;
    }
    return r;
}

jwt_result jwt_verify(std::string_view token, std::string_view secret, std::string_view issuer,
                      std::string_view audience, std::int64_t now, std::int64_t leeway) noexcept {
    // HS256 with the service's own secret, and nothing else: no key of a key set is ever an HMAC secret.
    const jwt_signature_check hs256 = [secret](const json& header, std::string_view signing_input,
                                               std::string_view signature) {
        const auto alg = header.find("alg");
        if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256")
            return jwt_error::unsupported_algorithm;
        if (!equal_constant_time(hmac_sha256(secret, signing_input), signature)) return jwt_error::bad_signature;
        return jwt_error::ok;
    };
    return jwt_verify_with(token, hs256, issuer, audience, now, leeway);
}

std::optional<std::string> jwt_header_alg(std::string_view token) noexcept {
    try {
        token_parts parts;
        if (split_token(token, parts) != jwt_error::ok) return std::nullopt;
        const json header = parse_json(parts.header);
        if (!header.is_object()) return std::nullopt;
        const auto alg = header.find("alg");
        if (alg == header.end() || !alg->is_string()) return std::nullopt;
        return alg->get<std::string>();
    } catch (...) { return std::nullopt; }
}

std::int64_t unix_now() noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string password_hash(std::string_view password, unsigned iterations) {
    if (iterations == 0 || iterations > max_iterations) throw std::invalid_argument("PBKDF2 iterations out of range");
    const std::string salt = random_bytes(salt_bytes);
    std::array<unsigned char, hash_bytes> hash{};
    if (!pbkdf2_sha256(password, salt, iterations, hash)) throw std::runtime_error("PBKDF2 failed");
    return std::string(hash_scheme) + "$" + std::to_string(iterations) + "$" + base64url_encode(salt) + "$" +
           base64url_encode(view_of(hash));
}

bool password_verify(std::string_view password, std::string_view stored) noexcept {
    try {
        // scheme $ iterations $ salt $ hash: exactly four fields, each strictly formed.
        const std::size_t a = stored.find('$');
        if (a == std::string_view::npos || stored.substr(0, a) != hash_scheme) return false;
        const std::size_t b = stored.find('$', a + 1);
        if (b == std::string_view::npos) return false;
        const std::size_t c = stored.find('$', b + 1);
        if (c == std::string_view::npos || stored.find('$', c + 1) != std::string_view::npos) return false;

        // Plain decimal as password_hash writes it: no sign, no leading zero, no spaces. Eight
        // digits at most, so the value cannot overflow before the range check.
        const std::string_view digits = stored.substr(a + 1, b - a - 1);
        if (digits.empty() || digits.size() > 8 || digits[0] == '0') return false;
        unsigned iterations = 0;
        for (const char ch : digits) {
            if (ch < '0' || ch > '9') return false;
            iterations = iterations * 10 + static_cast<unsigned>(ch - '0');
        }
        if (iterations > max_iterations) return false;

        const auto salt = base64url_decode(stored.substr(b + 1, c - b - 1));
        const auto expected = base64url_decode(stored.substr(c + 1));
        if (!salt || salt->empty() || !expected || expected->size() != hash_bytes) return false;
        std::array<unsigned char, hash_bytes> hash{};
        if (!pbkdf2_sha256(password, *salt, iterations, hash)) return false;
        return equal_constant_time(view_of(hash), *expected);
    } catch (...) { return false; }
}

void password_burn(std::string_view password, unsigned iterations) noexcept {
    // The same work as password_verify on a stored hash: one PBKDF2 with a 16-byte salt and a
    // 32-byte output, at the iteration count clamped to what password_verify accepts.
    constexpr std::string_view dummy_salt = "no such account.";
    static_assert(dummy_salt.size() == salt_bytes);
    const unsigned clamped = iterations == 0 ? 1 : (iterations > max_iterations ? max_iterations : iterations);
    std::array<unsigned char, hash_bytes> hash{};
    (void)pbkdf2_sha256(password, dummy_salt, clamped, hash);
}

} // namespace ward_service
