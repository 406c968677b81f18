// SPDX-License-Identifier: MIT
// A small RAII wrapper of libpq (PostgreSQL's client library) for ward-service's PostgreSQL store:
// connections from a URI with a timeout, statements with text parameters, transactions, and
// LISTEN/NOTIFY with a bounded wait that notices a dropped connection. Compiled only when libpq
// is found (the build defines WARD_SERVICE_POSTGRESQL=1 then).
//
// A connection is used by one thread at a time. Every failure throws pg::error, which carries the
// server's SQLSTATE; a lost connection is reported by error::connection_lost() and
// connection::ok(), and connection::reconnect() opens a new one (listening again on the channels
// the old one listened on).
#ifndef WARD_SERVICE_PG_HPP
#define WARD_SERVICE_PG_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// libpq's handles (PGconn, PGresult), declared here so that only pg.cpp includes libpq-fe.h.
struct pg_conn;
struct pg_result;

namespace ward_service::pg {

/// SQLSTATEs given to failures found by the client rather than reported by the server (class 08,
/// connection exception).
inline constexpr std::string_view connection_failure = "08006";        ///< the connection was lost
inline constexpr std::string_view unable_to_connect = "08001";         ///< connecting failed or timed out
inline constexpr std::string_view connection_does_not_exist = "08003"; ///< used after it was lost
inline constexpr std::string_view unique_violation = "23505";
inline constexpr std::string_view serialization_failure = "40001";

/// A failure: the server's message (or libpq's) and its SQLSTATE (five characters; one of the
/// class 08 codes above for client-side connection failures; empty when unknown).
class error : public std::runtime_error {
public:
    error(const std::string& message, std::string sqlstate, bool connection_lost = false);

    const std::string& sqlstate() const noexcept { return sqlstate_; }
    /// The connection is unusable after this failure: reconnect() before using it again.
    bool connection_lost() const noexcept { return connection_lost_; }

private:
    std::string sqlstate_;
    bool connection_lost_;
};

/// A statement parameter, sent as text: a string, an integer, or NULL (std::nullopt or an empty
/// std::optional<std::string>).
class param {
public:
    param(std::string_view text) : value_(std::string(text)) {}
    param(const std::string& text) : value_(text) {}
    /// A null pointer is NULL.
    param(const char* text) : value_(text ? std::optional<std::string>(text) : std::nullopt) {}
    /// Any integer but bool and char (which are not numbers here), in decimal.
    template <class Integer, std::enable_if_t<std::is_integral_v<Integer> && !std::is_same_v<Integer, bool> &&
                                                  !std::is_same_v<Integer, char>,
                                              int> = 0>
    param(Integer number) : value_(std::to_string(number)) {}
    param(const std::optional<std::string>& text) : value_(text) {}
    param(std::nullopt_t) {}

    const std::optional<std::string>& value() const noexcept { return value_; }

private:
    std::optional<std::string> value_;
};

/// A statement's result: rows and columns, 0-based, each value as PostgreSQL's text form.
class result {
public:
    explicit result(pg_result* native);

    int rows() const;
    int columns() const;
    /// The column's index by name; throws pg::error when there is none.
    int column(std::string_view name) const;
    /// The value's text; empty for NULL (tell them apart with is_null). Valid as long as the result.
    std::string_view text(int row, int col) const;
    bool is_null(int row, int col) const;
    /// The value's text, or nullopt for NULL.
    std::optional<std::string> optional_text(int row, int col) const;
    /// The value as a 64-bit integer; throws pg::error for NULL or a value that is not one.
    std::int64_t integer(int row, int col) const;
    /// The number of rows an INSERT, UPDATE, DELETE, ... changed (0 for other statements).
    std::int64_t affected() const;
    /// The command tag, e.g. "INSERT 0 1" or "COMMIT".
    std::string_view command() const;

private:
    void check(int row, int col) const;

    std::shared_ptr<pg_result> native_;
};

/// A notification received on a channel this connection listens on.
struct notification {
    std::string channel;
    std::string payload;
    int sender_pid = 0; ///< the notifying backend's process id
};

/// One connection to the server.
class connection {
public:
    /// Connects to `uri` (postgresql://user@host:port/db?...), giving up after `timeout`. Throws
    /// pg::error (SQLSTATE 08001, or the server's) when it cannot.
    explicit connection(std::string uri, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~connection();
    connection(connection&& other) noexcept;
    connection& operator=(connection&& other) noexcept;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Runs one statement with parameters $1, $2, ... (each a pg::param) and returns its result.
    template <class... Params>
    result exec(std::string_view sql, const Params&... params) {
        return exec_params(sql, std::vector<param>{param(params)...});
    }
    result exec_params(std::string_view sql, const std::vector<param>& params);
    /// Runs statements separated by semicolons, without parameters (a schema, for instance).
    void script(std::string_view sql);

    /// LISTEN on `channel` (any name: it is quoted). Kept across reconnect().
    void listen(std::string_view channel);
    /// UNLISTEN `channel`.
    void unlisten(std::string_view channel);
    /// pg_notify(channel, payload): delivered to listeners when the current transaction commits
    /// (at once outside a transaction).
    void notify(std::string_view channel, std::string_view payload);
    /// The next notification, waiting at most `timeout` for one; nullopt when none came. Throws
    /// pg::error with connection_lost() when the connection dropped while waiting.
    std::optional<notification> wait_notification(std::chrono::milliseconds timeout);

    /// The connection is open and usable (false once it was lost or closed).
    bool ok() const;
    /// Closes this connection and opens a new one to the same URI (with the same timeout), then
    /// listens again on the channels listened on; throws pg::error when that fails (ok() stays false).
    void reconnect();
    /// The server process serving this connection (for pg_terminate_backend, logs).
    int backend_pid() const;
    const std::string& uri() const noexcept { return uri_; }
    pg_conn* native() const noexcept { return conn_.get(); }

private:
    struct closer {
        void operator()(pg_conn* c) const noexcept;
    };

    void open();
    pg_conn* require() const;
    /// Throws the error of `res` (or of the connection when it is null), noting a lost connection.
    [[noreturn]] void fail(pg_result* res, std::string_view what) const;
    /// Runs `command` (LISTEN, UNLISTEN) on `channel`, quoted as an identifier.
    void on_channel(const char* command, std::string_view channel);
    std::optional<notification> next_queued();

    std::string uri_;
    std::chrono::milliseconds timeout_;
    std::unique_ptr<pg_conn, closer> conn_;
    std::vector<std::string> channels_;
};

enum class isolation { read_committed, repeatable_read, serializable };

/// BEGIN on construction; ROLLBACK on destruction unless commit() or rollback() ran first.
class transaction {
public:
    explicit transaction(connection& conn, isolation level = isolation::read_committed);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    template <class... Params>
    result exec(std::string_view sql, const Params&... params) {
        return conn_.exec(sql, params...);
    }
    /// COMMIT. Throws pg::error when the server rolled the transaction back instead (a statement in it
    /// failed: SQLSTATE 25P02; a serialization failure: 40001; ...). The transaction is over either way.
    void commit();
    void rollback();
    bool active() const noexcept { return active_; }

private:
    connection& conn_;
    bool active_ = true;
};

} // namespace ward_service::pg

#endif
