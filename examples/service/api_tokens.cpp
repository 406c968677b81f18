// SPDX-License-Identifier: MIT
// POST /api/v1/authenticate (a password for a token of any of the three audiences) and minting
// tokens: for that endpoint, and outside a request for the `token` subcommand, the tour and the
// tests.
#include "app_impl.hpp"
#include "claims.hpp"
#include "crypto.hpp"
#include "tokens.hpp"
#include "validate.hpp"

#include <utility>

namespace ward_service {

reply app::impl::authenticate(call& c) {
    const json body = parse_body(c);
    if (const auto grant = body.find("grant_type"); grant != body.end()) {
        if (*grant == "client_credentials") return client_credentials(body); // api_credentials.cpp
        if (*grant != "password") fail(400, "bad_grant_type", "'grant_type' must be password or client_credentials");
    }
    allow_only(body, {"grant_type", "email", "password", "audience", "scope", "client_id"});
    const std::string email = email_field(body, true);
    const std::string password = *string_field(body, "password", 1, 128, true);
    const std::string audience = string_field(body, "audience", 1, 32, false).value_or("ident");
    const auto scope = string_field(body, "scope", 0, 1024, false);
    if (audience != "ident" && audience != "provisioning" && audience != "bluebricks")
        fail(400, "bad_audience", "'audience' must be ident, provisioning or bluebricks");
    if (scope && audience != "bluebricks") fail(400, "unknown_field", "'scope' is only for the bluebricks audience");
    // A provisioning user's token through an application (an API credential of the organization).
    const auto client_id = string_field(body, "client_id", 1, 128, false);
    if (client_id && audience != "provisioning")
        fail(400, "unknown_field", "'client_id' is only for the provisioning audience");
    std::optional<std::string> application;
    if (client_id) {
        const auto credential = find_row_where(cl_api_credentials_table, "WHERE client_id = ?1", *client_id);
        if (!credential) fail(422, "unknown_client", "no API credential has this client_id");
        application = credential->id;
    }

    const char* table = audience == "bluebricks" ? "bb_users" : "users";
    struct account {
        std::string id, password_hash;
        std::int64_t tokens_valid_from; ///< ms; 0 for Bluebricks users, whose tokens stay until they expire
    };
    const auto found = db.read([&](const store::reader& r) -> std::optional<account> {
        auto s = r.prepare(std::string("SELECT id, password_hash, ") +
                           (audience == "bluebricks" ? "0" : "tokens_valid_from") + " FROM " + table +
                           " WHERE lower(email) = lower(?1) AND password_hash IS NOT NULL");
        s.bind(1, email);
        if (!s.step()) return std::nullopt;
        return account{s.text(0), s.text(1), s.integer(2)};
    });
    verify_secret(password, found ? &found->password_hash : nullptr);
    mint_options m;
    m.audience = audience;
    m.subject = audience == "bluebricks" ? found->id : "user:" + found->id;
    // A token for the password just verified counts even in the millisecond of that password's change.
    m.issued_from_ms = found->tokens_valid_from;
    m.scope = scope;
    m.application = application;
    m.ttl = options.token_ttl;
    json out = grant(m);
    if (application) out["application"] = *application;
    return {201, std::move(out)};
}

void app::impl::verify_secret(const std::string& secret, const std::string* hash) {
    if (!hash) {
        password_burn(secret, options.pbkdf2_iterations);
        fail(401, "invalid_credentials", "invalid credentials");
    }
    if (!password_verify(secret, *hash)) fail(401, "invalid_credentials", "invalid credentials");
}

json app::impl::grant(const mint_options& m) {
    std::string error;
    const auto token = mint(m, error);
    if (!token) fail(500, "token_error", error);
    return json{{"token", *token},
                {"token_type", "Bearer"},
                {"expires_in", options.token_ttl},
                {"audience", m.audience},
                {"subject", m.subject}};
}

std::optional<std::string> app::impl::mint(const mint_options& m, std::string& error) {
    json claims = base_claims(m.audience, m.subject, m.ttl, m.not_before);
    if (static_cast<double>(m.issued_from_ms) / 1000.0 > claims["iat"].get<double>())
        claims["iat"] = static_cast<double>(m.issued_from_ms) / 1000.0;
    if (m.audience == "ident") {
        std::uint64_t mask = 0;
        if (m.permissions) {
            mask = *m.permissions;
        } else if (m.subject.rfind("user:", 0) == 0) {
            const auto u = find_ident_user(std::string_view(m.subject).substr(5));
            if (!u) return error = "no ident user " + m.subject, std::nullopt;
            mask = u->permissions;
        } else if (m.subject.rfind("application:", 0) == 0) {
            mask = application_mask; // what the application holds: 510 and the user-management bits
        } else if (m.subject.rfind("organization:", 0) == 0) {
            mask = provide::organization_token;
        } else {
            return error = "an ident subject is user:, application: or organization:", std::nullopt;
        }
        if (mask > 0xFFFFFFFFu) return error = "an ident mask is 32 bits", std::nullopt;
        claims["permissions"] = mask;
    } else if (m.audience == "provisioning") {
        const bool credential = m.subject.rfind("api_credential:", 0) == 0;
        if (m.subject.rfind("user:", 0) != 0 && !credential)
            return error = "a provisioning subject is user:<id> or api_credential:<id>", std::nullopt;
        if (m.application) {
            if (credential) return error = "an API credential's token names no application", std::nullopt;
            if (!find_api_credential(*m.application))
                return error = "no API credential " + *m.application + " (--application takes its id)", std::nullopt;
            claims["application"] = *m.application;
        }
    } else if (m.audience == "bluebricks") {
        const auto snap = bluebricks.read();
        const ward::principal_handle p = snap->find_principal(m.subject);
        if (!p) return error = "no bluebricks user " + m.subject, std::nullopt;
        const std::string organization(snap->scope_id(snap->parent(snap->find_scope(m.subject))));
        const ward::scope_handle org = snap->find_scope(organization);
        const bb_set held = snap->effective_permissions(ward::credential<bb_perm>::of(p), org).permissions;
        claims["org_id"] = organization;
        claims["permissions"] = names_of(held);
        if (m.scope) {
            const auto requested = ward::parse_scope<bb_perm>(*m.scope, ward::parse_mode::lenient);
            if (!requested) return error = "the requested scope is malformed", std::nullopt;
            claims["scope"] = ward::to_string(snap->grantable(p, org, requested.value));
        }
    } else {
        return error = "the audience is ident, provisioning or bluebricks", std::nullopt;
    }
    return jwt_sign(claims, db.secret());
}

std::optional<std::string> mint_token(const std::string& db_path, const mint_options& options, std::string& error) {
    try {
        if (options.ttl < -86400 || options.ttl > 366 * 86400) {
            error = "--ttl must be between -86400 and 31622400 seconds";
            return std::nullopt;
        }
        const auto db = store::open_existing(db_path);
        app minter(*db, app_options{});
        return minter.mint(options, error);
    } catch (const std::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

} // namespace ward_service
