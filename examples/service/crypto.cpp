// SPDX-License-Identifier: MIT
#include "crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ward_service {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char ch) noexcept {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '-') return 62;
    if (ch == '_') return 63;
    return -1;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) throw std::runtime_error("HMAC key too long");
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
              data.size(), out, &length))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(out), length);
}

bool pbkdf2(std::string_view password, std::string_view salt, unsigned iterations, unsigned char* out, std::size_t length) noexcept {
    if (password.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        salt.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        iterations > static_cast<unsigned>(std::numeric_limits<int>::max()) || length > 1024)
        return false;
    return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                             static_cast<int>(iterations), EVP_sha256(), static_cast<int>(length), out) == 1;
}

bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// A JSON number as whole seconds, refusing NaN, infinities and values no int64 holds.
bool seconds_of(const nlohmann::json& v, std::int64_t& out) noexcept {
    if (v.is_number_integer()) {
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
            out = static_cast<std::int64_t>(u);
            return true;
        }
        out = v.get<std::int64_t>();
        return true;
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < -9.0e18 || d > 9.0e18) return false;
        out = static_cast<std::int64_t>(std::floor(d));
        return true;
    }
    return false;
}

constexpr std::string_view hash_scheme = "pbkdf2-sha256";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
constexpr unsigned max_iterations = 10000000;

} // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
    } else if (rest == 2) {
        const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char ch : text) {
        const int v = decode_char(ch);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // The bits left over must be zero, so that every byte string has exactly one encoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("the random number generator failed");
    return out;
}

std::string random_id(std::string_view prefix, std::size_t length) {
    constexpr std::string_view chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(prefix);
    out += '_';
    while (out.size() < prefix.size() + 1 + length) {
        for (const char b : random_bytes(length)) {
            // 248 = 4 * 62: bytes at or above it are dropped so every character is equally likely.
            const auto v = static_cast<unsigned char>(b);
            if (v < 248 && out.size() < prefix.size() + 1 + length) out += chars[v % 62];
        }
    }
    return out;
}

std::string random_uuid() {
    std::string b = random_bytes(16);
    b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40); // version 4
    b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80); // RFC 4122 variant
    constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 16; ++i) {
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
    case jwt_error::unsupported_algorithm: return "unsupported algorithm (only HS256)";
    case jwt_error::bad_signature: return "bad signature";
    case jwt_error::bad_claims: return "bad claims";
    case jwt_error::expired: return "expired";
    case jwt_error::not_yet_valid: return "not yet valid";
    case jwt_error::wrong_issuer: return "wrong issuer";
    case jwt_error::wrong_audience: return "wrong audience";
    }
    return "unknown error";
}

std::string jwt_sign(const nlohmann::json& claims, std::string_view secret) {
    const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    const std::string payload = base64url_encode(claims.dump());
    const std::string signing_input = header + "." + payload;
    return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

jwt_result jwt_verify(std::string_view token, std::string_view secret, std::string_view issuer, std::string_view audience,
                      std::int64_t now, std::int64_t leeway) noexcept {
    jwt_result r;
    try {
        if (token.empty()) return r; // missing
        if (token.size() > max_token_length) return r.error = jwt_error::too_long, r;
        r.error = jwt_error::malformed;
        const std::size_t dot1 = token.find('.');
        const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
        if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return r;
        const std::string_view header_part = token.substr(0, dot1);
        const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
        const std::string_view signature_part = token.substr(dot2 + 1);
        if (header_part.empty() || payload_part.empty()) return r;
        const auto header_text = base64url_decode(header_part);
        const auto payload_text = base64url_decode(payload_part);
        const auto signature = base64url_decode(signature_part);
        if (!header_text || !payload_text || !signature) return r;
        // The token is at most 8 KiB, so nesting is bounded well below any stack limit.
        const nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
        if (header.is_discarded() || !header.is_object()) return r;

        r.error = jwt_error::unsupported_algorithm;
        const auto alg = header.find("alg");
        if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "HS256") return r;
        r.error = jwt_error::bad_header;
        if (header.contains("crit")) return r;
        if (const auto typ = header.find("typ"); typ != header.end()) {
            if (!typ->is_string()) return r;
            std::string t = typ->get<std::string>();
            for (char& ch : t) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
            if (t != "JWT") return r;
        }

        r.error = jwt_error::bad_signature;
        const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
        if (!equal_constant_time(expected, *signature)) return r;

        r.error = jwt_error::malformed;
        nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
        if (claims.is_discarded() || !claims.is_object()) return r;

        r.error = jwt_error::bad_claims;
        const auto sub = claims.find("sub");
        if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) return r;
        std::int64_t exp = 0, nbf = 0, iat = 0;
        const auto exp_it = claims.find("exp");
        if (exp_it == claims.end() || !seconds_of(*exp_it, exp)) return r;
        const auto nbf_it = claims.find("nbf");
        if (nbf_it != claims.end() && !seconds_of(*nbf_it, nbf)) return r;
        const auto iat_it = claims.find("iat");
        if (iat_it != claims.end() && !seconds_of(*iat_it, iat)) return r;

        // exp and nbf may be anywhere in int64's range; only `now` (a sane clock) takes the leeway,
        // so nothing here can overflow.
        if (now - leeway >= exp) return r.error = jwt_error::expired, r;
        if (nbf_it != claims.end() && now + leeway < nbf) return r.error = jwt_error::not_yet_valid, r;

        const auto iss = claims.find("iss");
        if (iss == claims.end() || !iss->is_string() || iss->get<std::string>() != issuer) return r.error = jwt_error::wrong_issuer, r;

        r.error = jwt_error::wrong_audience;
        const auto aud = claims.find("aud");
        if (aud == claims.end()) return r;
        bool match = false;
        if (aud->is_string()) {
            match = aud->get<std::string>() == audience;
        } else if (aud->is_array()) {
            for (const auto& a : *aud) match = match || (a.is_string() && a.get<std::string>() == audience);
        }
        if (!match) return r;

        r.error = jwt_error::ok;
        r.claims = std::move(claims);
        return r;
    } catch (...) {
        jwt_result failed;
        failed.error = jwt_error::malformed;
        return failed;
    }
}

std::int64_t unix_now() noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string password_hash(std::string_view password, unsigned iterations) {
    if (iterations == 0 || iterations > max_iterations) throw std::invalid_argument("PBKDF2 iterations out of range");
    const std::string salt = random_bytes(salt_bytes);
    std::array<unsigned char, hash_bytes> out{};
    if (!pbkdf2(password, salt, iterations, out.data(), out.size())) throw std::runtime_error("PBKDF2 failed");
    return std::string(hash_scheme) + "$" + std::to_string(iterations) + "$" + base64url_encode(salt) + "$" +
           base64url_encode(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

bool password_verify(std::string_view password, std::string_view stored) noexcept {
    try {
        // scheme $ iterations $ salt $ hash, each field non-empty and strictly formed.
        const std::size_t a = stored.find('$');
        if (a == std::string_view::npos || stored.substr(0, a) != hash_scheme) return false;
        const std::size_t b = stored.find('$', a + 1);
        if (b == std::string_view::npos) return false;
        const std::size_t c = stored.find('$', b + 1);
        if (c == std::string_view::npos || stored.find('$', c + 1) != std::string_view::npos) return false;
        const std::string_view digits = stored.substr(a + 1, b - a - 1);
        if (digits.empty() || digits.size() > 8 || digits[0] == '0') return false;
        unsigned iterations = 0;
        for (const char ch : digits) {
            if (ch < '0' || ch > '9') return false;
            iterations = iterations * 10 + static_cast<unsigned>(ch - '0');
        }
        if (iterations == 0 || iterations > max_iterations) return false;
        const auto salt = base64url_decode(stored.substr(b + 1, c - b - 1));
        const auto hash = base64url_decode(stored.substr(c + 1));
        if (!salt || salt->empty() || !hash || hash->size() != hash_bytes) return false;
        std::array<unsigned char, hash_bytes> out{};
        if (!pbkdf2(password, *salt, iterations, out.data(), out.size())) return false;
        return equal_constant_time(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()), *hash);
    } catch (...) {
        return false;
    }
}

void password_burn(std::string_view password, unsigned iterations) noexcept {
    std::array<unsigned char, hash_bytes> out{};
    (void)pbkdf2(password, "ward-service-no-such-account", iterations == 0 ? 1 : iterations, out.data(), out.size());
}

} // namespace ward_service
