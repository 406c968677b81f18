// SPDX-License-Identifier: MIT
// Key pairs the tests generate (RSA 2048, EC P-256) to play an identity provider: each signs
// tokens (RS256, ES256, or any header the test writes) and publishes its public half as a JWK.
//
//   const signing_key rsa = signing_key::rsa("rsa-1");
//   const json jwks = jwks_of({rsa.jwk()});
//   const std::string token = rsa.sign(claims);              // {"alg":"RS256","typ":"JWT","kid":"rsa-1"}
//   const std::string other = rsa.sign_with_header(header, claims);
#ifndef WARD_SERVICE_TESTS_SIGNING_KEYS_HPP
#define WARD_SERVICE_TESTS_SIGNING_KEYS_HPP

#include "crypto.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward_service_test {

class signing_key {
public:
    enum class kind { rsa, ec };

    /// A fresh RSA key pair (`bits`, 2048 by default) that signs RS256 under `kid`.
    static signing_key rsa(std::string kid, int bits = 2048) {
        return signing_key(kind::rsa, std::move(kid), generate("RSA", bits));
    }
    /// A fresh P-256 key pair that signs ES256 under `kid`.
    static signing_key ec(std::string kid) { return signing_key(kind::ec, std::move(kid), generate("EC", 0)); }

    const std::string& kid() const noexcept { return kid_; }
    kind type() const noexcept { return kind_; }
    /// "RS256" or "ES256".
    std::string alg() const { return kind_ == kind::rsa ? "RS256" : "ES256"; }
    EVP_PKEY* pkey() const noexcept { return key_.get(); }

    /// The public key as a JWK with kid, use "sig" and alg.
    nlohmann::json jwk() const {
        if (kind_ == kind::rsa)
            return {{"kty", "RSA"},
                    {"kid", kid_},
                    {"use", "sig"},
                    {"alg", "RS256"},
                    {"n", b64(bn(OSSL_PKEY_PARAM_RSA_N))},
                    {"e", b64(bn(OSSL_PKEY_PARAM_RSA_E))}};
        return {{"kty", "EC"},
                {"kid", kid_},
                {"use", "sig"},
                {"alg", "ES256"},
                {"crv", "P-256"},
                {"x", b64(bn(OSSL_PKEY_PARAM_EC_PUB_X, 32))},
                {"y", b64(bn(OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
    }

    /// The public key as PEM (SubjectPublicKeyInfo), as an identity provider also publishes it.
    std::string public_pem() const {
        const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
        if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) throw std::runtime_error("PEM_write_bio_PUBKEY");
        char* data = nullptr;
        const long length = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(length));
    }

    /// The JWS signature of `signing_input` (RS256: PKCS #1 v1.5; ES256: r || s, 64 bytes).
    std::string signature(std::string_view signing_input) const {
        const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        std::size_t length = 0;
        const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
        if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
            EVP_DigestSign(md.get(), nullptr, &length, input, signing_input.size()) != 1)
            throw std::runtime_error("EVP_DigestSign");
        std::string out(length, '\0');
        if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(out.data()), &length, input,
                           signing_input.size()) != 1)
            throw std::runtime_error("EVP_DigestSign");
        out.resize(length);
        return kind_ == kind::ec ? raw_ecdsa(out) : out;
    }

    /// The ECDSA signature as OpenSSL makes it (DER), not as JWS carries it: a token must refuse it.
    std::string der_signature(std::string_view signing_input) const {
        const std::string raw = signature(signing_input);
        return kind_ == kind::ec ? der_of(raw) : raw;
    }

    /// header . payload . signature, the header as given (any `alg`, any `kid`).
    std::string sign_with_header(const nlohmann::json& header, const nlohmann::json& claims) const {
        const std::string input =
            ward_service::base64url_encode(header.dump()) + "." + ward_service::base64url_encode(claims.dump());
        return input + "." + ward_service::base64url_encode(signature(input));
    }
    /// Signed with this key's algorithm, `typ` JWT and this key's kid.
    std::string sign(const nlohmann::json& claims) const {
        return sign_with_header({{"alg", alg()}, {"typ", "JWT"}, {"kid", kid_}}, claims);
    }

private:
    signing_key(kind k, std::string kid, EVP_PKEY* key) : kind_(k), kid_(std::move(kid)), key_(key, EVP_PKEY_free) {}

    static EVP_PKEY* generate(const char* type, int bits) {
        const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
            EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
        EVP_PKEY* key = nullptr;
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) throw std::runtime_error("EVP_PKEY_keygen_init");
        if (bits > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1)
            throw std::runtime_error("EVP_PKEY_CTX_set_rsa_keygen_bits");
        if (bits == 0 && EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1)
            throw std::runtime_error("EVP_PKEY_CTX_set_group_name");
        if (EVP_PKEY_keygen(ctx.get(), &key) != 1) throw std::runtime_error("EVP_PKEY_keygen");
        return key;
    }

    /// A big-number parameter of the key, big-endian, left-padded to `pad` bytes when given.
    std::string bn(const char* name, int pad = 0) const {
        BIGNUM* raw = nullptr;
        if (EVP_PKEY_get_bn_param(key_.get(), name, &raw) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param");
        const std::unique_ptr<BIGNUM, decltype(&BN_free)> n(raw, BN_free);
        const int size = pad > 0 ? pad : BN_num_bytes(n.get());
        std::string out(static_cast<std::size_t>(size), '\0');
        if (BN_bn2binpad(n.get(), reinterpret_cast<unsigned char*>(out.data()), size) != size)
            throw std::runtime_error("BN_bn2binpad");
        return out;
    }

    static std::string b64(const std::string& bytes) { return ward_service::base64url_encode(bytes); }

    /// DER ECDSA-Sig-Value to JWS's r || s (32 bytes each).
    static std::string raw_ecdsa(const std::string& der) {
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        const std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
            d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
        if (!sig) throw std::runtime_error("d2i_ECDSA_SIG");
        std::string out(64, '\0');
        auto* o = reinterpret_cast<unsigned char*>(out.data());
        if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, 32) != 32 ||
            BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + 32, 32) != 32)
            throw std::runtime_error("BN_bn2binpad");
        return out;
    }

    static std::string der_of(const std::string& raw) {
        const std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
        const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
        BIGNUM* r = BN_bin2bn(p, 32, nullptr);
        BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
        if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) throw std::runtime_error("ECDSA_SIG_set0");
        const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
        std::string out(static_cast<std::size_t>(length), '\0');
        auto* o = reinterpret_cast<unsigned char*>(out.data());
        i2d_ECDSA_SIG(sig.get(), &o);
        return out;
    }

    kind kind_;
    std::string kid_;
    std::shared_ptr<EVP_PKEY> key_;
};

/// {"keys": [...]}.
inline nlohmann::json jwks_of(std::initializer_list<nlohmann::json> keys) {
    nlohmann::json list = nlohmann::json::array();
    for (const nlohmann::json& k : keys) list.push_back(k);
    return nlohmann::json{{"keys", list}};
}

} // namespace ward_service_test

#endif
