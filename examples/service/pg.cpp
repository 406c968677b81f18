// SPDX-License-Identifier: MIT
#include "pg.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <utility>

#include <libpq-fe.h>
#include <poll.h>

namespace ward_service::pg {

namespace {

using clock = std::chrono::steady_clock;

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

/// poll(2)'s timeout for the time left until `deadline`, rounded up to a millisecond.
int poll_timeout(clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
    return static_cast<int>(std::clamp<decltype(left)>(left, 0, INT_MAX));
}

/// Waits until `fd` is ready for `events` or `deadline` passes; false on the deadline.
bool wait_socket(int fd, short events, clock::time_point deadline) {
    for (;;) {
        const int timeout = poll_timeout(deadline);
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, timeout);
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR)
            throw error(std::string("poll: ") + std::strerror(errno), std::string(connection_failure), true);
    }
}

/// Server notices (NOTICE, WARNING outside a statement's result) are not the service's output.
void drop_notice(void*, const char*) {}

} // namespace

error::error(const std::string& message, std::string sqlstate, bool connection_lost)
    : std::runtime_error(message), sqlstate_(std::move(sqlstate)), connection_lost_(connection_lost) {}

// ---- result ----------------------------------------------------------------------------------------

result::result(pg_result* native) : native_(native, PQclear) {}

int result::rows() const { return PQntuples(native_.get()); }

int result::columns() const { return PQnfields(native_.get()); }

int result::column(std::string_view name) const {
    const int index = PQfnumber(native_.get(), std::string(name).c_str());
    if (index < 0) throw error("no column " + std::string(name) + " in the result", "42703");
    return index;
}

void result::check(int row, int col) const {
    if (row < 0 || row >= rows() || col < 0 || col >= columns())
        throw std::out_of_range("pg::result: no value at row " + std::to_string(row) + ", column " +
                                std::to_string(col) + " (" + std::to_string(rows()) + " rows, " +
                                std::to_string(columns()) + " columns)");
}

std::string_view result::text(int row, int col) const {
    check(row, col);
    return {PQgetvalue(native_.get(), row, col), static_cast<std::size_t>(PQgetlength(native_.get(), row, col))};
}

bool result::is_null(int row, int col) const {
    check(row, col);
    return PQgetisnull(native_.get(), row, col) == 1;
}

std::optional<std::string> result::optional_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return std::string(text(row, col));
}

std::int64_t result::integer(int row, int col) const {
    if (is_null(row, col))
        throw error("the value at row " + std::to_string(row) + ", column " + std::to_string(col) + " is NULL",
                    "22004");
    const std::string_view value = text(row, col);
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || end != value.data() + value.size())
        throw error("the value \"" + std::string(value) + "\" is not a 64-bit integer", "22P02");
    return number;
}

std::int64_t result::affected() const {
    const std::string_view count = PQcmdTuples(native_.get());
    std::int64_t number = 0;
    std::from_chars(count.data(), count.data() + count.size(), number);
    return number;
}

std::string_view result::command() const { return PQcmdStatus(native_.get()); }

// ---- connection ------------------------------------------------------------------------------------

void connection::closer::operator()(pg_conn* c) const noexcept { PQfinish(c); }

connection::connection(std::string uri, std::chrono::milliseconds timeout) : uri_(std::move(uri)), timeout_(timeout) {
    open();
}

connection::~connection() = default;
connection::connection(connection&& other) noexcept = default;
connection& connection::operator=(connection&& other) noexcept = default;

void connection::open() {
    // Defaults first: the URI's own parameters (dbname, expanded) override them. TCP keepalives
    // let a connection to a vanished host fail rather than wait forever.
    const char* const keys[] = {
        "application_name", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
        "dbname",           nullptr};
    const char* const values[] = {"ward-service", "1", "30", "10", "3", uri_.c_str(), nullptr};
    std::unique_ptr<pg_conn, closer> c(PQconnectStartParams(keys, values, 1));
    if (!c) throw error("cannot connect: out of memory", std::string(unable_to_connect), true);
    if (PQstatus(c.get()) == CONNECTION_BAD)
        throw error("cannot connect: " + trimmed(PQerrorMessage(c.get())), std::string(unable_to_connect), true);

    const clock::time_point deadline = clock::now() + timeout_;
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK) {
        if (state == PGRES_POLLING_FAILED)
            throw error("cannot connect: " + trimmed(PQerrorMessage(c.get())), std::string(unable_to_connect), true);
        const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        if (!wait_socket(PQsocket(c.get()), events, deadline))
            throw error("cannot connect: no answer within " + std::to_string(timeout_.count()) + " ms",
                        std::string(unable_to_connect), true);
        state = PQconnectPoll(c.get());
    }
    PQsetNoticeProcessor(c.get(), drop_notice, nullptr);
    conn_ = std::move(c);
}

bool connection::ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

int connection::backend_pid() const { return PQbackendPID(require()); }

pg_conn* connection::require() const {
    if (!conn_) throw error("not connected (reconnect() first)", std::string(connection_does_not_exist), true);
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw error("the connection was lost: " + trimmed(PQerrorMessage(conn_.get())),
                    std::string(connection_does_not_exist), true);
    return conn_.get();
}

void connection::fail(pg_result* res, std::string_view what) const {
    std::string state, message;
    if (res) {
        if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) state = s;
        message = trimmed(PQresultErrorMessage(res));
        PQclear(res);
    }
    if (message.empty() && conn_) message = trimmed(PQerrorMessage(conn_.get()));
    if (message.empty()) message = "unknown error";
    const bool lost = !conn_ || PQstatus(conn_.get()) != CONNECTION_OK;
    if (lost && state.empty()) state = std::string(connection_failure);
    throw error(std::string(what) + ": " + message, std::move(state), lost);
}

result connection::exec_params(std::string_view sql, const std::vector<param>& params) {
    pg_conn* c = require();
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const param& p : params) values.push_back(p.value() ? p.value()->c_str() : nullptr);
    const std::string query(sql);
    PGresult* res =
        PQexecParams(c, query.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    if (!res) fail(nullptr, query);
    switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY: return result(res);
    default: fail(res, query);
    }
}

void connection::script(std::string_view sql) {
    pg_conn* c = require();
    const std::string text(sql);
    // PQexec returns the last statement's result; an error stops the script there.
    PGresult* res = PQexec(c, text.c_str());
    if (!res) fail(nullptr, "script");
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) fail(res, "script");
    PQclear(res);
}

void connection::on_channel(const char* command, std::string_view channel) {
    char* quoted = PQescapeIdentifier(require(), channel.data(), channel.size());
    if (!quoted) fail(nullptr, command);
    const std::string sql = std::string(command) + " " + quoted;
    PQfreemem(quoted);
    exec(sql);
}

void connection::listen(std::string_view channel) {
    on_channel("LISTEN", channel);
    if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) channels_.emplace_back(channel);
}

void connection::unlisten(std::string_view channel) {
    on_channel("UNLISTEN", channel);
    channels_.erase(std::remove(channels_.begin(), channels_.end(), channel), channels_.end());
}

void connection::notify(std::string_view channel, std::string_view payload) {
    exec("SELECT pg_notify($1, $2)", channel, payload);
}

std::optional<notification> connection::next_queued() {
    PGnotify* n = PQnotifies(conn_.get());
    if (!n) return std::nullopt;
    notification out{n->relname, n->extra ? n->extra : "", n->be_pid};
    PQfreemem(n);
    return out;
}

std::optional<notification> connection::wait_notification(std::chrono::milliseconds timeout) {
    pg_conn* c = require();
    const clock::time_point deadline = clock::now() + timeout;
    for (;;) {
        // Notifications that arrived with an earlier result are queued already; then whatever
        // the socket holds (libpq's socket is non-blocking: this never waits).
        if (auto queued = next_queued()) return queued;
        if (PQconsumeInput(c) == 0 || PQstatus(c) != CONNECTION_OK) fail(nullptr, "waiting for a notification");
        if (auto queued = next_queued()) return queued;
        if (clock::now() >= deadline) return std::nullopt;
        const int fd = PQsocket(c);
        if (fd < 0) fail(nullptr, "waiting for a notification");
        wait_socket(fd, POLLIN, deadline);
    }
}

void connection::reconnect() {
    conn_.reset();
    open();
    const std::vector<std::string> channels = std::move(channels_);
    channels_.clear();
    for (const std::string& channel : channels) listen(channel);
}

// ---- transaction -----------------------------------------------------------------------------------

namespace {
const char* begin_statement(isolation level) {
    switch (level) {
    case isolation::repeatable_read: return "BEGIN ISOLATION LEVEL REPEATABLE READ";
    case isolation::serializable: return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    case isolation::read_committed: break;
    }
    return "BEGIN ISOLATION LEVEL READ COMMITTED";
}
} // namespace

transaction::transaction(connection& conn, isolation level) : conn_(conn) { conn_.exec(begin_statement(level)); }

transaction::~transaction() {
    if (!active_ || !conn_.ok()) return;
    try {
        conn_.exec("ROLLBACK");
    } catch (...) {
        // A destructor cannot report it; the server rolls back when the connection closes anyway.
    }
}

void transaction::commit() {
    if (!active_) throw std::logic_error("pg::transaction::commit: the transaction is over");
    active_ = false;
    // COMMIT of a transaction in which a statement failed succeeds, saying ROLLBACK.
    if (conn_.exec("COMMIT").command() == "ROLLBACK")
        throw error("COMMIT: the transaction was rolled back, a statement in it having failed", "25P02");
}

void transaction::rollback() {
    if (!active_) throw std::logic_error("pg::transaction::rollback: the transaction is over");
    active_ = false;
    conn_.exec("ROLLBACK");
}

} // namespace ward_service::pg
