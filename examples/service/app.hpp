// SPDX-License-Identifier: MIT
// ward-service's HTTP API: the three seed APIs on one httplib::Server, every access decision made
// by ward against snapshots built from the store at startup and changed by each committed write.
#ifndef WARD_SERVICE_APP_HPP
#define WARD_SERVICE_APP_HPP

#include "store.hpp"
#include "tokens.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace httplib {
class Server;
}

namespace ward_service {

class external_tokens;

struct app_options {
    unsigned pbkdf2_iterations = 600000; ///< for passwords set through the API
    std::int64_t token_ttl = 3600;       ///< seconds, for POST /api/v1/authenticate
    /// Adds a `Ward-Decision` header with ward's explanation of the decision that let a request
    /// through (a denial's reason is always in its error body). For demos and debugging: it tells
    /// a caller which grant let it in.
    bool explain = false;
    /// Identity-provider tokens (RS256, ES256 with keys from a JWKS document, jwks.hpp) accepted
    /// by the Bluebricks API besides the service's own; null: only the service's own.
    std::shared_ptr<external_tokens> external;
    /// After each write, also reads every row back and checks that the policies the write derived
    /// from the records it changed are the ones a full reload gives (a difference fails the write:
    /// 500, nothing stored). For tests: it costs what a write cost before it was incremental.
    bool verify_writes = false;
    /// How many changes the change log keeps behind the newest (writes prune older ones): a
    /// service on the same database that falls further behind builds its policies from all rows
    /// again.
    std::int64_t kept_changes = 100000;
};

/// Largest request body the service reads (bigger ones answer 413).
inline constexpr std::size_t max_body_bytes = 64 * 1024;

class app {
public:
    /// Builds the three policies from `db`; throws store_error if they cannot be built.
    app(store& db, app_options options);
    ~app();
    app(const app&) = delete;
    app& operator=(const app&) = delete;

    /// Registers every route, the JSON error handler and the body limit on `server`.
    void mount(httplib::Server& server);

    /// Signs a token as POST /api/v1/authenticate would (see tokens.hpp); nullopt and `error` when
    /// the subject or audience is unknown.
    std::optional<std::string> mint(const mint_options& options, std::string& error);

    /// The service's state and handlers; internal to the service (app_impl.hpp), named here so
    /// that the files of the service can reach it.
    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace ward_service

#endif
