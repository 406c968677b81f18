// SPDX-License-Identifier: MIT
// Minting tokens outside a request: the `token` subcommand, the tour and the tests.
#ifndef WARD_SERVICE_TOKENS_HPP
#define WARD_SERVICE_TOKENS_HPP

#include <cstdint>
#include <optional>
#include <string>

namespace ward_service {

inline constexpr const char* token_issuer = "ward-service";

struct mint_options {
    std::string audience;                     ///< "ident", "provisioning" or "bluebricks"
    std::string subject;                      ///< `sub`
    std::optional<std::uint64_t> permissions; ///< ident: the mask (default: see README)
    std::optional<std::string> scope;         ///< bluebricks: requested scope (intersected with held)
    std::int64_t ttl = 3600;                  ///< seconds from now to `exp`; negative gives an expired token
    std::int64_t not_before = 0;              ///< seconds from now to `nbf` (0: now)
    std::int64_t issued_from_ms = 0;          ///< the least `iat` (ms): the user's last password change
    std::optional<std::string> application{}; ///< provisioning: the API credential a user's token goes through
};

/// Opens the database at `db_path` (which must exist: `serve` creates it), reads its secret and the
/// subject's data, and signs a token exactly as POST /api/v1/authenticate would. On failure returns
/// nullopt and sets `error` (unknown audience, unknown subject, no database, ...).
std::optional<std::string> mint_token(const std::string& db_path, const mint_options& options, std::string& error);

} // namespace ward_service

#endif
