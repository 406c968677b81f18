// SPDX-License-Identifier: MIT
// The store on PostgreSQL (built where libpq is found): its connections and statements, and the
// first open of a database (the schema, store_pg_schema.cpp, and the seeded data, as for SQLite).
//
// The service's SQL is written once, with SQLite's parameters ?1, ?2, ...; a statement here sends
// them as $1, $2, ... (outside quoted text), every value as text. Writes are serialized across
// every service on the database by a transaction-level advisory lock taken at BEGIN; reads run in
// REPEATABLE READ, READ ONLY transactions (one committed state, as SQLite's WAL reads). A lost
// connection fails the statement (store_error: the request answers 500) and is opened again by
// the next transaction.
#if WARD_SERVICE_POSTGRESQL

#include "pg.hpp"
#include "store.hpp"
#include "store_pg_schema.hpp"

#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward_service {

namespace {

/// The advisory lock every writer of a ward-service database holds for its transaction ("ward").
constexpr std::int64_t writers_lock = 0x77617264;

/// `sql` with ?N made $N, except inside quoted text or identifiers.
std::string dollar_parameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0; // a doubled quote closes and opens again: the same result
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

[[noreturn]] void failed(const pg::error& e) { throw store_error(std::string("PostgreSQL: ") + e.what()); }

class pg_statement final : public detail::statement_impl {
public:
    pg_statement(pg::connection& c, std::string_view sql) : conn_(c), sql_(dollar_parameters(sql)) {}

    void bind_text(int index, std::string_view text) override { slot(index) = std::string(text); }
    void bind_integer(int index, std::int64_t value) override { slot(index) = std::to_string(value); }
    void bind_null(int index) override { slot(index) = std::nullopt; }
    bool step() override {
        if (!result_) {
            std::vector<pg::param> params;
            params.reserve(values_.size());
            for (const auto& v : values_) params.emplace_back(v);
            try {
                result_.emplace(conn_.exec_params(sql_, params));
            } catch (const pg::error& e) { failed(e); }
            row_ = -1;
        }
        return ++row_ < result_->rows();
    }
    bool is_null(int column) const override { return result_->is_null(row_, column); }
    std::string text(int column) const override { return std::string(result_->text(row_, column)); }
    std::int64_t integer(int column) const override {
        if (result_->is_null(row_, column)) return 0; // as SQLite reads NULL
        try {
            return result_->integer(row_, column);
        } catch (const pg::error& e) { failed(e); }
    }

private:
    std::optional<std::string>& slot(int index) {
        if (index < 1) throw store_error("bind: parameter index " + std::to_string(index));
        if (static_cast<std::size_t>(index) > values_.size()) values_.resize(static_cast<std::size_t>(index));
        return values_[static_cast<std::size_t>(index) - 1];
    }

    pg::connection& conn_;
    std::string sql_;
    std::vector<std::optional<std::string>> values_;
    std::optional<pg::result> result_;
    int row_ = -1;
};

class pg_connection final : public detail::connection {
public:
    explicit pg_connection(const std::string& uri) try : conn_(uri) {
    } catch (const pg::error& e) { failed(e); }

    std::unique_ptr<detail::statement_impl> prepare(std::string_view sql) override {
        return std::make_unique<pg_statement>(conn_, sql);
    }
    void script(const std::string& sql) override {
        try {
            conn_.script(sql);
        } catch (const pg::error& e) { failed(e); }
    }
    void begin_write() override {
        reopen_if_lost();
        script("BEGIN");
        try {
            conn_.exec("SELECT pg_advisory_xact_lock($1)", writers_lock);
        } catch (const pg::error& e) {
            rollback();
            failed(e);
        }
    }
    void begin_read() override {
        reopen_if_lost();
        script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }
    void commit() override { script("COMMIT"); }
    void rollback() noexcept override {
        try {
            if (conn_.ok()) conn_.script("ROLLBACK");
        } catch (...) { // a lost connection has no transaction left to roll back
        }
    }
    bool has_table(std::string_view name) override {
        try {
            const pg::result r =
                conn_.exec("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND "
                           "table_name = $1",
                           name);
            return r.rows() == 1 && r.integer(0, 0) > 0;
        } catch (const pg::error& e) { failed(e); }
    }

    bool wait_for_announcement(std::chrono::milliseconds timeout) override {
        try {
            reopen_if_lost();
            if (!listening_) {
                conn_.listen("ward_policy");
                listening_ = true;
            }
            bool any = false;
            for (auto n = conn_.wait_notification(timeout); n;
                 n = conn_.wait_notification(std::chrono::milliseconds(0)))
                any = true; // several announcements: one catch-up reads them all
            return any;
        } catch (const pg::error& e) { failed(e); }
    }

private:
    void reopen_if_lost() {
        if (conn_.ok()) return;
        try {
            conn_.reconnect();
        } catch (const pg::error& e) { failed(e); }
    }

    pg::connection conn_;
    bool listening_ = false; ///< LISTEN ward_policy was sent (pg::connection listens again after a reconnect)
};

} // namespace

std::unique_ptr<detail::connection> detail::connect_postgresql(const std::string& uri) {
    return std::make_unique<pg_connection>(uri);
}

// The first service to open the database creates the schema and seeds it; one that finds it made
// creates the schema's functions and triggers again (the current definitions win). Services opening
// at once wait for each other (the writers' lock, held by the transaction).
void store::initialize_postgresql(unsigned pbkdf2_iterations) {
    {
        transaction t(*this);
        const bool fresh = !db_->has_table("settings");
        exec(pg_schema_sql());
        t.exec("INSERT INTO settings VALUES ('policy_changes_pruned', '0') ON CONFLICT DO NOTHING");
        if (fresh) {
            // The seed leaves no versions and no policy changes: the policies are built from all rows.
            t.act_as(R"({"type":"seed"})");
            seed(t, pbkdf2_iterations);
            t.stop_acting();
            t.exec("DELETE FROM cl_versions");
            t.exec("DELETE FROM policy_changes");
        }
        t.commit();
    }
    read_secret();
}

} // namespace ward_service

#endif
