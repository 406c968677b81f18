// SPDX-License-Identifier: MIT
#include "store.hpp"

#include "crypto.hpp"
#include "store_schema.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ward_service {

// ---- SQLite -------------------------------------------------------------------------------------------------

namespace {

[[noreturn]] void sqlite_failed(sqlite3* db, const char* what) {
    throw store_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

class sqlite_statement final : public detail::statement_impl {
public:
    sqlite_statement(sqlite3* db, std::string_view sql) : db_(db) {
        if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            throw store_error("statement too long");
        if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
            sqlite_failed(db_, "prepare");
    }
    ~sqlite_statement() override { sqlite3_finalize(stmt_); }
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;

    void bind_text(int index, std::string_view text) override {
        if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            throw store_error("value too long");
        // SQLITE_TRANSIENT: SQLite copies the bytes, so the view may die before step(). An empty
        // view may carry a null pointer, which SQLite would bind as NULL rather than as ''.
        const char* data = text.data() ? text.data() : "";
        if (sqlite3_bind_text(stmt_, index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
            sqlite_failed(db_, "bind");
    }
    void bind_integer(int index, std::int64_t value) override {
        if (sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)) != SQLITE_OK)
            sqlite_failed(db_, "bind");
    }
    void bind_null(int index) override {
        if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) sqlite_failed(db_, "bind");
    }
    bool step() override {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        sqlite_failed(db_, "step");
    }
    bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    std::string text(int column) const override {
        const unsigned char* p = sqlite3_column_text(stmt_, column);
        const int n = sqlite3_column_bytes(stmt_, column);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
    }
    std::int64_t integer(int column) const override {
        return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, column));
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

/// One connection to the file (SQLITE_OPEN_FULLMUTEX; the store serializes it anyway).
class sqlite_connection final : public detail::connection {
public:
    sqlite_connection(const std::string& path, bool create, const char* setup) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_); // the destructor does not run for a constructor that throws
            throw store_error("cannot open " + path + ": " + why);
        }
        try {
            script(setup);
        } catch (...) {
            sqlite3_close(db_);
            throw;
        }
    }
    ~sqlite_connection() override { sqlite3_close(db_); }
    sqlite_connection(const sqlite_connection&) = delete;
    sqlite_connection& operator=(const sqlite_connection&) = delete;

    std::unique_ptr<detail::statement_impl> prepare(std::string_view sql) override {
        return std::make_unique<sqlite_statement>(db_, sql);
    }
    void script(const std::string& sql) override {
        char* message = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string why = message ? message : "unknown error";
            sqlite3_free(message);
            throw store_error(why);
        }
    }
    void begin_write() override { script("BEGIN IMMEDIATE"); }
    void begin_read() override { script("BEGIN"); }
    void commit() override { script("COMMIT"); }
    void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
    bool has_table(std::string_view name) override {
        sqlite_statement s(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
        s.bind_text(1, name);
        return s.step() && s.integer(0) > 0;
    }

private:
    sqlite3* db_ = nullptr;
};

} // namespace

// ---- row readers ------------------------------------------------------------------------------------------

ident_user read_ident_user(const statement& s) {
    ident_user u;
    u.id = s.text(0);
    u.email = s.text(1);
    u.first_name = s.text(2);
    u.last_name = s.text(3);
    u.password_hash = s.optional_text(4);
    u.application_id = s.optional_text(5);
    u.permissions = static_cast<std::uint32_t>(s.integer(6) & 0xFFFFFFFF);
    u.created_at = s.text(7);
    u.privacy_policy_agreed_at = s.optional_text(8);
    u.terms_of_service_agreed_at = s.optional_text(9);
    u.metadata = s.text(10);
    return u;
}

cl_membership read_cl_membership(const statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4) != 0, s.text(5), s.text(6)};
}

cl_organization read_cl_organization(const statement& s) { return {s.text(0), s.text(1), s.text(2)}; }
cl_role read_cl_role(const statement& s) { return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)}; }

cl_permission read_cl_permission(const statement& s) {
    return {s.text(0),         s.text(1),         s.text(2),         s.integer(3) != 0,
            s.integer(4) != 0, s.integer(5) != 0, s.integer(6) != 0, s.text(7)};
}

cl_membership_profile read_cl_membership_profile(const statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)};
}

bb_user read_bb_user(const statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.optional_text(6), s.text(7)};
}

cl_api_credential read_cl_api_credential(const statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.optional_text(5), s.text(6), s.text(7), s.text(8)};
}

cl_application_membership read_cl_application_membership(const statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}

cl_version read_cl_version(const statement& s) {
    return {s.text(0), s.text(1),          s.text(2), s.text(3), s.text(4),
            s.text(5), s.optional_text(6), s.text(7), s.text(8), s.text(9)};
}

std::string timestamp_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

// ---- store ------------------------------------------------------------------------------------------------

namespace {

constexpr const char* schema_sql = R"sql(
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- provide ident
CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT UNIQUE, -- null for a virtual user created without one
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    password_hash TEXT,
    application_id TEXT REFERENCES applications(id),
    permissions INTEGER NOT NULL CHECK (permissions BETWEEN 0 AND 4294967295),
    created_at TEXT NOT NULL,
    tokens_valid_from INTEGER NOT NULL DEFAULT 0,
    privacy_policy_agreed_at TEXT,
    terms_of_service_agreed_at TEXT,
    metadata TEXT NOT NULL DEFAULT '{}');
-- users.tokens_valid_from: the last password change, in ms since the epoch; the agreements: null
-- when not agreed; metadata: a JSON object. (No comments inside the table's text: SQLite keeps
-- them there, and ALTER TABLE DROP COLUMN can leave one that swallows the closing parenthesis.)

-- Commerce Layer Provisioning (its people are the users above)
CREATE TABLE cl_organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE cl_roles (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES cl_organizations(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('admin', 'read_only', 'custom')),
    created_at TEXT NOT NULL);
CREATE TABLE cl_permissions (
    id TEXT PRIMARY KEY,
    role_id TEXT NOT NULL REFERENCES cl_roles(id),
    subject_class TEXT NOT NULL,
    can_create INTEGER NOT NULL, can_read INTEGER NOT NULL, can_update INTEGER NOT NULL, can_destroy INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (role_id, subject_class));
CREATE TABLE cl_memberships (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES cl_organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES cl_roles(id),
    owner INTEGER NOT NULL,
    access_scope TEXT NOT NULL CHECK (access_scope IN ('live', 'test', 'all')),
    created_at TEXT NOT NULL,
    UNIQUE (organization_id, user_id));

-- Bluebricks
CREATE TABLE bb_organizations (id TEXT PRIMARY KEY);
CREATE TABLE bb_roles (id TEXT PRIMARY KEY, name TEXT NOT NULL, rung TEXT NOT NULL, permissions TEXT NOT NULL);
CREATE TABLE bb_users (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES bb_organizations(id),
    name TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    created_at TEXT NOT NULL);
CREATE TABLE bb_user_roles (
    user_id TEXT NOT NULL REFERENCES bb_users(id),
    role_id TEXT NOT NULL REFERENCES bb_roles(id),
    PRIMARY KEY (user_id, role_id));

INSERT INTO settings VALUES ('policy_version_ident', '1'), ('policy_version_provisioning', '1'),
                            ('policy_version_bluebricks', '1');
)sql";

// Commerce Layer's tables added after the first schema are created on a new database and on one
// from before them alike (IF NOT EXISTS). A table of records an organization owns begins with the
// record's id, its organization and its name; `columns` are the rest, each on a line of its own.
std::string organization_record_table(const char* name, const char* columns) {
    return std::string("\nCREATE TABLE IF NOT EXISTS ") + name +
           " (\n    id TEXT PRIMARY KEY,\n    organization_id TEXT NOT NULL REFERENCES cl_organizations(id),\n"
           "    name TEXT NOT NULL," +
           columns + ");";
}

// Commerce Layer's membership profiles and identity providers. A profile in use is never deleted
// (the service answers 409; the foreign key refuses it too); a membership's link goes with the
// membership.
std::string profiles_schema_sql() {
    return organization_record_table("cl_membership_profiles", R"sql(
    access_scope TEXT NOT NULL CHECK (access_scope IN ('live', 'test', 'all')),
    created_at TEXT NOT NULL)sql") +
           R"sql(
CREATE TABLE IF NOT EXISTS cl_membership_profile_links (
    membership_id TEXT PRIMARY KEY REFERENCES cl_memberships(id) ON DELETE CASCADE,
    profile_id TEXT NOT NULL REFERENCES cl_membership_profiles(id));)sql" +
           organization_record_table("cl_identity_providers", R"sql(
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    domains TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL)sql");
}

// An application membership restricts a membership to one credential, with the application's
// set: admin, read_only, or custom with its own permissions (only a custom one has any).
constexpr const char* application_memberships_columns = R"sql(
    id TEXT PRIMARY KEY,
    membership_id TEXT NOT NULL REFERENCES cl_memberships(id) ON DELETE CASCADE,
    api_credential_id TEXT NOT NULL REFERENCES cl_api_credentials(id),
    kind TEXT NOT NULL CHECK (kind IN ('admin', 'read_only', 'custom')),
    created_at TEXT NOT NULL,
    permissions TEXT NOT NULL DEFAULT '' CHECK (kind = 'custom' OR permissions = ''),
    UNIQUE (membership_id, api_credential_id))sql";

// Commerce Layer's API credentials and application memberships: created on first open and by
// an older database's upgrade alike. A membership's application memberships go with it; a
// credential is not deleted while application memberships name it.
std::string credentials_schema_sql() {
    return organization_record_table("cl_api_credentials", R"sql(
    kind TEXT NOT NULL CHECK (kind IN ('webapp', 'sales_channel', 'integration')),
    mode TEXT NOT NULL CHECK (mode IN ('live', 'test')),
    role_id TEXT REFERENCES cl_roles(id) CHECK (role_id IS NULL OR kind = 'integration'),
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL)sql") +
           "\nCREATE TABLE IF NOT EXISTS cl_application_memberships (" + application_memberships_columns + ");";
}

// An application memberships table from before custom sets (kind admin or read_only, no
// permissions) is made again with them, its rows kept: SQLite changes no CHECK in place.
std::string custom_sets_upgrade_sql() {
    return std::string("\nBEGIN;\nCREATE TABLE cl_application_memberships_next (") + application_memberships_columns +
           ");\nINSERT INTO cl_application_memberships_next (id, membership_id, api_credential_id, kind, created_at) "
           "SELECT id, membership_id, api_credential_id, kind, created_at FROM cl_application_memberships;\n"
           "DROP TABLE cl_application_memberships;\n"
           "ALTER TABLE cl_application_memberships_next RENAME TO cl_application_memberships;\nCOMMIT;";
}

// ---- versions: the audit trail of the Provisioning records ----
//
// Every insert, update and delete of a Provisioning record leaves a version, written by a trigger
// of the record's table, so no write can skip it and it commits or rolls back with the write. The
// actor (who writes) is the one row of cl_version_actor, which the service sets at the start of a
// write and removes before its commit: a write to a Provisioning record without an actor breaks
// `who TEXT NOT NULL` and is refused whole.

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

/// `row`.`c` as JSON text; "null" without a row (a create's old side, a destroy's new side).
std::string shown_value(const tracked_column& c, const std::string& row) {
    if (row.empty()) return "'null'";
    const std::string v = row + "." + c.name;
    switch (c.as) {
    case shown::flag: return "CASE WHEN " + v + " IS NULL THEN 'null' WHEN " + v + " THEN 'true' ELSE 'false' END";
    case shown::json: return "COALESCE(" + v + ", 'null')";
    case shown::secret: return "CASE WHEN " + v + " IS NULL THEN 'null' ELSE '\"[FILTERED]\"' END";
    case shown::text: break;
    }
    return "json_quote(" + v + ")";
}

/// The version of one event: changes {"column": [old, new]} of the columns that differ.
std::string version_insert(const std::string& type, const std::string& id, const std::string& event,
                           const std::string& organization, const std::string& scope, const std::string& environment,
                           const std::vector<tracked_column>& columns, const std::string& old_row,
                           const std::string& new_row) {
    std::string changes;
    for (const tracked_column& c : columns) {
        const std::string before = old_row.empty() ? "NULL" : old_row + "." + c.name;
        const std::string after = new_row.empty() ? "NULL" : new_row + "." + c.name;
        if (!changes.empty()) changes += " UNION ALL ";
        changes += "SELECT '" + std::string(c.key ? c.key : c.name) + "' AS k, '[' || " + shown_value(c, old_row) +
                   " || ',' || " + shown_value(c, new_row) + " || ']' AS v WHERE " + before + " IS NOT " + after;
    }
    return "INSERT INTO cl_versions (id, resource_type, resource_id, event, organization_id, scope, environment, who, "
           "changes, created_at) VALUES ('ver_' || lower(hex(randomblob(12))), '" +
           type + "', " + id + ", '" + event + "', " + organization + ", " + scope + ", " + environment +
           ", (SELECT who FROM cl_version_actor), (SELECT json_group_object(k, json(v)) FROM (" + changes +
           ")), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));";
}

std::string versions_schema_sql() {
    std::string sql = R"sql(
CREATE TABLE IF NOT EXISTS cl_versions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('create', 'update', 'destroy')),
    organization_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    environment TEXT,
    who TEXT NOT NULL,
    changes TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cl_version_actor (one INTEGER PRIMARY KEY CHECK (one = 1), who TEXT NOT NULL);
DELETE FROM cl_version_actor;)sql";
    // The triggers are made again at every open, so a database from before them (or from an
    // older definition) gets the current ones.
    for (const tracked_table& t : tracked_tables()) {
        for (const trigger_event& e : trigger_events) {
            const std::string row = *e.new_row ? e.new_row : e.old_row;
            const std::string trigger = std::string(t.name) + "_version_" + e.event;
            std::string when;
            if (std::string(e.event) == "update")
                for (const tracked_column& c : t.columns)
                    when += (when.empty() ? " WHEN " : " OR ") + std::string("OLD.") + c.name + " IS NOT NEW." + c.name;
            sql += "\nDROP TRIGGER IF EXISTS " + trigger + ";\nCREATE TRIGGER " + trigger + " AFTER " + e.sql_event +
                   " ON " + t.name + when + " BEGIN " +
                   version_insert(t.resource_type, row + ".id", e.event, replaced(t.organization, "R.", row + "."),
                                  replaced(t.scope, "R.", row + "."), replaced(t.environment, "R.", row + "."),
                                  t.columns, e.old_row, e.new_row) +
                   " END;";
        }
    }
    // A membership's profile link is part of the membership: attaching, changing or detaching a
    // profile is an update of the membership (not once the membership itself is gone).
    const tracked_column link{"profile_id", shown::text, "membership_profile_id"};
    const char* const membership = "cl_memberships WHERE id = R.membership_id";
    const struct {
        const char *sql_event, *old_row, *new_row;
    } link_events[] = {{"INSERT", "", "NEW"}, {"UPDATE", "OLD", "NEW"}, {"DELETE", "OLD", ""}};
    for (const auto& e : link_events) {
        const std::string row = *e.new_row ? e.new_row : e.old_row;
        const std::string trigger = std::string("cl_membership_profile_links_version_") + e.sql_event;
        const std::string of_membership = replaced(membership, "R.", row + ".");
        const std::string changed = *e.old_row && *e.new_row ? " AND OLD.profile_id IS NOT NEW.profile_id" : "";
        sql +=
            "\nDROP TRIGGER IF EXISTS " + trigger + ";\nCREATE TRIGGER " + trigger + " AFTER " + e.sql_event +
            " ON cl_membership_profile_links WHEN EXISTS (SELECT 1 FROM " + of_membership + ")" + changed + " BEGIN " +
            version_insert(
                "memberships", row + ".membership_id", "update", "(SELECT organization_id FROM " + of_membership + ")",
                "(SELECT organization_id FROM " + of_membership + ")", "NULL", {link}, e.old_row, e.new_row) +
            " END;";
    }
    return sql;
}

// ---- policy changes: which records a write changed ----
//
// Every insert, update and delete of a record the policies are built from leaves (table, key) in
// policy_changes, written by a trigger inside the write's transaction, so a write can change the
// next policies by exactly the records it touched (read_changes). The key is the record's id, or
// for a record that belongs to another the id of that one (a permission's role, a profile link's
// or an application membership's membership, a Bluebricks user's role assignment's user). The log
// is numbered (seq) and kept, so a service that did not make a write (another replica on the same
// database) follows it too; writes prune it (transaction::prune_changes), and
// settings.policy_changes_pruned says up to where.

std::string policy_changes_schema_sql() {
    std::string sql = R"sql(
CREATE TABLE IF NOT EXISTS policy_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    record TEXT NOT NULL);
INSERT INTO settings VALUES ('policy_changes_pruned', '0') ON CONFLICT DO NOTHING;)sql";
    for (const changed_table& t : changed_tables) {
        const std::string name = t.name, key = t.key;
        const std::string insert = "INSERT INTO policy_changes (source, record) VALUES ('" + name + "', ";
        sql += "\nDROP TRIGGER IF EXISTS " + name + "_changed_insert;\nCREATE TRIGGER " + name +
               "_changed_insert AFTER INSERT ON " + name + " BEGIN " + insert + "NEW." + key + "); END;";
        sql += "\nDROP TRIGGER IF EXISTS " + name + "_changed_update;\nCREATE TRIGGER " + name +
               "_changed_update AFTER UPDATE ON " + name + " BEGIN " + insert + "OLD." + key + "); " +
               "INSERT INTO policy_changes (source, record) SELECT '" + name + "', NEW." + key + " WHERE NEW." + key +
               " IS NOT OLD." + key + "; END;";
        sql += "\nDROP TRIGGER IF EXISTS " + name + "_changed_delete;\nCREATE TRIGGER " + name +
               "_changed_delete AFTER DELETE ON " + name + " BEGIN " + insert + "OLD." + key + "); END;";
    }
    return sql;
}

constexpr const char* demo_password = "ward-demo-password";
constexpr const char* demo_client_secret = "ward-demo-client-secret";

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace

bool store::is_postgresql(std::string_view location) noexcept {
    return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

store::store(const std::string& location, unsigned pbkdf2_iterations) : path_(location) {
    if (is_postgresql(location)) {
#if WARD_SERVICE_POSTGRESQL
        db_ = detail::connect_postgresql(location);
        read_db_ = detail::connect_postgresql(location);
        initialize_postgresql(pbkdf2_iterations);
        return;
#else
        throw store_error("this ward-service was built without PostgreSQL (libpq-dev): cannot open " + location);
#endif
    }
    // The file holds the token secret: only its owner reads it (SQLite gives the -wal and -shm
    // files the database's mode).
    if (!file_exists(location)) {
        const int fd = ::open(location.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) throw store_error("cannot create " + location + ": " + std::strerror(errno));
        if (fd >= 0) ::close(fd);
    }
    db_ = std::make_unique<sqlite_connection>(
        location, true,
        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    initialize_sqlite(pbkdf2_iterations);
    open_sqlite_reader();
}

// Reads go through a second connection: in WAL mode it reads the last committed state while a
// write transaction holds the writing one.
void store::open_sqlite_reader() {
    read_db_ = std::make_unique<sqlite_connection>(path_, false, "PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;");
}

void store::initialize_sqlite(unsigned pbkdf2_iterations) {
    if (!db_->has_table("settings")) create_schema_and_seed(pbkdf2_iterations);
    else upgrade_schema();
    exec(versions_schema_sql()); // after the seed, which leaves no versions
    exec(policy_changes_schema_sql());
    read_secret();
}

store::store(const std::string& location, existing_tag) : path_(location) {
    if (is_postgresql(location)) {
#if WARD_SERVICE_POSTGRESQL
        db_ = detail::connect_postgresql(location);
        read_db_ = detail::connect_postgresql(location);
        read_secret();
        return;
#else
        throw store_error("this ward-service was built without PostgreSQL (libpq-dev): cannot open " + location);
#endif
    }
    if (!file_exists(location))
        throw store_error("no database at " + location + " (start `ward-service serve --db " + location + "` first)");
    db_ = std::make_unique<sqlite_connection>(location, false, "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
    read_secret();
    open_sqlite_reader();
}

// A database made before a column of users existed gets it, with its default: tokens_valid_from
// 0 (every token counts), no agreements, metadata {}.
void store::upgrade_schema() {
    exec(credentials_schema_sql().c_str());
    {
        bool has_permissions = false;
        {
            statement s(db_->prepare("SELECT count(*) FROM pragma_table_info('cl_application_memberships') "
                                     "WHERE name = 'permissions'"));
            has_permissions = s.step() && s.integer(0) > 0;
        }
        if (!has_permissions) exec(custom_sets_upgrade_sql());
    }
    struct column {
        const char *name, *definition;
    };
    static constexpr column added[] = {
        {"tokens_valid_from", "tokens_valid_from INTEGER NOT NULL DEFAULT 0"},
        {"privacy_policy_agreed_at", "privacy_policy_agreed_at TEXT"},
        {"terms_of_service_agreed_at", "terms_of_service_agreed_at TEXT"},
        {"metadata", "metadata TEXT NOT NULL DEFAULT '{}'"},
    };
    for (const column& c : added) {
        bool has_column = false;
        {
            statement s(db_->prepare("SELECT count(*) FROM pragma_table_info('users') WHERE name = ?1"));
            s.bind(1, c.name);
            has_column = s.step() && s.integer(0) > 0;
        }
        if (!has_column) exec(std::string("ALTER TABLE users ADD COLUMN ") + c.definition);
    }
    exec(profiles_schema_sql());
}

void store::read_secret() {
    if (!db_->has_table("settings")) throw store_error(path_ + ": not a ward-service database");
    statement s(db_->prepare("SELECT value FROM settings WHERE key = 'token_secret'"));
    if (!s.step()) throw store_error(path_ + ": not a ward-service database (no token secret)");
    const auto decoded = base64url_decode(s.text(0));
    if (!decoded || decoded->size() < 32) throw store_error(path_ + ": the token secret is damaged");
    secret_ = *decoded;
}

std::unique_ptr<store> store::open_existing(const std::string& path) {
    return std::make_unique<store>(path, existing_tag{});
}

store::~store() = default;

void store::create_schema_and_seed(unsigned iterations) {
    transaction t(*this);
    exec(schema_sql);
    exec(credentials_schema_sql());
    exec(profiles_schema_sql());
    seed(t, iterations);
    t.commit();
}

void store::seed(transaction& t, unsigned iterations) {
    t.exec("INSERT INTO settings VALUES ('token_secret', ?1)", base64url_encode(random_bytes(32)));
    const std::string now = timestamp_now();
    // Each person gets their own salt, so no two stored hashes are alike.
    auto hash = [iterations] { return password_hash(demo_password, iterations); };

    // provide ident: one organization, two applications, five people.
    t.prepare("INSERT INTO organizations VALUES ('6f1d2c3b-4a59-4876-9a5b-0c1d2e3f4a5b', 'provide')").run();
    t.prepare("INSERT INTO applications VALUES ('cb2037f7-79fc-40f4-9720-ada636da4183', "
              "'6f1d2c3b-4a59-4876-9a5b-0c1d2e3f4a5b', 'shop'), ('5d0b7a4e-2f1c-4e8a-9b3d-6c7e8f9a0b1c', "
              "'6f1d2c3b-4a59-4876-9a5b-0c1d2e3f4a5b', 'blog')")
        .run();
    struct person {
        const char *id, *first, *last, *email;
        std::int64_t mask;
        const char* application; ///< null: a global user
        // The seed document's values where it shows them (John and Bob): its agreements and
        // John's metadata.
        const char *privacy_policy_agreed_at, *terms_of_service_agreed_at; ///< null: not agreed
        const char* metadata;
    };
    const person people[] = {
        {"15679071-4a5e-41e3-a495-5d93b478257b", "John", "Young", "jyoung@provide.local", 415, nullptr,
         "2021-02-09T14:37:33.384Z", "2021-02-09T14:37:33.384Z",
         R"({"user_id":"15679071-4a5e-41e3-a495-5d93b478257b","name":"John Young","email":"jyoung@provide.local",)"
         R"("email_verified":false,"app_metadata":{"ident_user_id":"15679071-4a5e-41e3-a495-5d93b478257b"},)"
         R"("user_metadata":{}})"},
        {"45a64d9f-3996-4ab0-9de6-2e8b44ef119c", "Bob", "Crippen", "bcrippen@provide.local", 415 | 0x100000, nullptr,
         "2021-02-09T14:37:33.384Z", "2021-02-09T14:37:34.601Z", "{}"},
        {"0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f", "Kathryn", "Sullivan", "ksullivan@provide.local", 415 | 0x20000000,
         nullptr, nullptr, nullptr, "{}"},
        {"efef1044-4958-43bc-903b-28f2bb938037", "Sally", "Ride", "sride@provide.local", 386,
         "cb2037f7-79fc-40f4-9720-ada636da4183", nullptr, nullptr, "{}"},
        {"7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7", "Guion", "Bluford", "gbluford@provide.local", 386,
         "5d0b7a4e-2f1c-4e8a-9b3d-6c7e8f9a0b1c", nullptr, nullptr, "{}"},
    };
    auto optional_text = [](const char* text) {
        return text ? std::optional<std::string>(text) : std::optional<std::string>();
    };
    for (const person& p : people) {
        auto s = t.prepare(users_table.insert());
        s.bind(1, p.id).bind(2, p.email).bind(3, p.first).bind(4, p.last).bind(5, hash());
        s.bind(6, optional_text(p.application)).bind(7, p.mask).bind(8, now);
        s.bind(9, optional_text(p.privacy_policy_agreed_at)).bind(10, optional_text(p.terms_of_service_agreed_at));
        s.bind(11, p.metadata).run();
    }

    // Commerce Layer Provisioning: acme (John owns it; Bob reads; Sally works the order desk, live)
    // and globex (Kathryn owns it).
    t.exec("INSERT INTO cl_organizations VALUES ('org_acme', 'Acme', ?1), ('org_globex', 'Globex', ?1)", now);
    t.exec("INSERT INTO cl_roles VALUES "
           "('role_acme_admin', 'org_acme', 'Admin', 'admin', ?1), "
           "('role_acme_read_only', 'org_acme', 'Read-only', 'read_only', ?1), "
           "('role_acme_orders', 'org_acme', 'Order desk', 'custom', ?1), "
           "('role_globex_admin', 'org_globex', 'Admin', 'admin', ?1), "
           "('role_globex_read_only', 'org_globex', 'Read-only', 'read_only', ?1)",
           now);
    t.exec("INSERT INTO cl_permissions VALUES "
           "('perm_acme_orders_1', 'role_acme_orders', 'orders', 1, 1, 1, 0, ?1), "
           "('perm_acme_orders_2', 'role_acme_orders', 'customers', 0, 1, 0, 0, ?1), "
           "('perm_acme_orders_3', 'role_acme_orders', 'skus', 0, 1, 0, 0, ?1)",
           now);
    t.exec(
        "INSERT INTO cl_memberships VALUES "
        "('mem_acme_john', 'org_acme', '15679071-4a5e-41e3-a495-5d93b478257b', 'role_acme_admin', 1, 'all', ?1), "
        "('mem_acme_bob', 'org_acme', '45a64d9f-3996-4ab0-9de6-2e8b44ef119c', 'role_acme_read_only', 0, 'all', ?1), "
        "('mem_acme_sally', 'org_acme', 'efef1044-4958-43bc-903b-28f2bb938037', 'role_acme_orders', 0, 'live', ?1), "
        "('mem_globex_kathryn', 'org_globex', '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f', 'role_globex_admin', 1, 'all', ?1)",
        now);
    // Two API credentials of acme: the dashboard (a live webapp, no role) and CI (a test-mode
    // integration with the read-only role); both secrets are `ward-demo-client-secret`.
    t.exec("INSERT INTO cl_api_credentials VALUES "
           "('cred_acme_dashboard', 'org_acme', 'Dashboard', 'webapp', 'live', NULL, 'acme-dashboard', ?2, ?1), "
           "('cred_acme_ci', 'org_acme', 'CI', 'integration', 'test', 'role_acme_read_only', 'acme-ci', ?3, ?1)",
           now, password_hash(demo_client_secret, iterations), password_hash(demo_client_secret, iterations));
    // Two membership profiles (attached to nobody yet) and Acme's single sign-on, whose client
    // secret is never answered.
    t.exec("INSERT INTO cl_membership_profiles VALUES ('mpf_acme_test_only', 'org_acme', 'Test only', 'test', ?1), "
           "('mpf_acme_everything', 'org_acme', 'Everything', 'all', ?1)",
           now);
    t.exec("INSERT INTO cl_identity_providers VALUES ('idp_acme_sso', 'org_acme', 'Acme SSO', "
           "'https://login.acme.example/', 'acme-provisioning', 'seeded-client-secret', '[\"acme.example\"]', ?1, ?1)",
           now);

    // Bluebricks: the ladder's rungs and one custom role; six people in two organizations.
    t.prepare("INSERT INTO bb_organizations VALUES ('org_acme'), ('org_globex')").run();
    t.prepare("INSERT INTO bb_roles VALUES "
              "('rol_Adm1nQw3rTyU1oPa', 'Admin', 'admin', ''), ('rol_Bu1ldAsDfGhJkL9z', 'Builder', 'builder', ''), "
              "('rol_D3pl0yZxCvBnMq7w', 'Deployer', 'deployer', ''), ('rol_V13wPoIuYtReWq5e', 'Viewer', 'viewer', ''), "
              "('rol_Gu35tLkJhGfDsA3r', 'Guest', 'guest', ''), "
              "('rol_abCdeFghIjklMnmP', 'API keys', '', 'read:organization_api_key create:organization_api_key')")
        .run();
    struct bb_person {
        const char *id, *org, *first, *last, *email;
        std::vector<const char*> roles;
    };
    const bb_person bb_people[] = {
        {"auth0|alice", "org_acme", "Alice", "Admin", "alice@bluebricks.local", {"rol_Adm1nQw3rTyU1oPa"}},
        {"auth0|ben", "org_acme", "Ben", "Builder", "ben@bluebricks.local", {"rol_Bu1ldAsDfGhJkL9z"}},
        {"google-oauth2|dan", "org_acme", "Dan", "Viewer", "dan@bluebricks.local", {"rol_V13wPoIuYtReWq5e"}},
        {"auth0|carol",
         "org_acme",
         "Carol",
         "Keys",
         "carol@bluebricks.local",
         {"rol_V13wPoIuYtReWq5e", "rol_abCdeFghIjklMnmP"}},
        {"auth0|gus", "org_acme", "Gus", "Guest", "gus@bluebricks.local", {"rol_Gu35tLkJhGfDsA3r"}},
        {"prov0|1234567890", "org_globex", "Pat", "Viewer", "pat@bluebricks.local", {"rol_V13wPoIuYtReWq5e"}},
    };
    for (const bb_person& p : bb_people) {
        t.exec(bb_users_table.insert(), p.id, p.org, std::string(p.first) + " " + p.last, p.first, p.last, p.email,
               hash(), now);
        for (const char* r : p.roles) t.exec("INSERT INTO bb_user_roles VALUES (?1, ?2)", p.id, r);
    }
}

// ---- transactions ---------------------------------------------------------------------------------------

store::transaction::transaction(store& s) : s_(s), lock_(s.mutex_) { s_.db_->begin_write(); }

store::transaction::~transaction() {
    if (!done_) s_.db_->rollback();
}

void store::transaction::act_as(std::string_view who) {
    exec("DELETE FROM cl_version_actor");
    exec("INSERT INTO cl_version_actor (one, who) VALUES (1, ?1)", who);
}

void store::transaction::stop_acting() { exec("DELETE FROM cl_version_actor"); }

std::uint64_t store::transaction::bump_version(std::string_view api) {
    const std::string key = "policy_version_" + std::string(api);
    exec("UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = ?1", key);
    auto s = prepare("SELECT CAST(value AS BIGINT) FROM settings WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) throw store_error("no policy version for " + key);
    return static_cast<std::uint64_t>(s.integer(0));
}

change_log read_changes(const store::reader& r, std::int64_t after) {
    change_log out;
    out.last = after;
    {
        auto s = r.prepare("SELECT CAST(value AS BIGINT) FROM settings WHERE key = 'policy_changes_pruned'");
        out.complete = !s.step() || s.integer(0) <= after;
    }
    auto s = r.prepare("SELECT seq, source, record FROM policy_changes WHERE seq > ?1 ORDER BY seq");
    s.bind(1, after);
    std::set<std::pair<std::string, std::string>> seen;
    while (s.step()) {
        out.last = s.integer(0);
        if (seen.emplace(s.text(1), s.text(2)).second) out.changes.push_back({s.text(1), s.text(2)});
    }
    return out;
}

change_log store::transaction::changes_since(std::int64_t after) const { return read_changes(as_reader(), after); }

std::int64_t store::transaction::prune_changes(std::int64_t through) {
    if (through <= 0) return 0;
    exec("DELETE FROM policy_changes WHERE seq <= ?1", through);
    exec("UPDATE settings SET value = ?2 WHERE key = 'policy_changes_pruned' AND "
         "CAST(value AS BIGINT) < CAST(?1 AS BIGINT)",
         through, std::to_string(through));
    return through;
}

void store::transaction::announce() {
    if (is_postgresql(s_.path_)) exec("SELECT pg_notify('ward_policy', '')");
}

void store::transaction::commit() {
    s_.db_->commit();
    done_ = true;
}

// ---- loading one API's rows -------------------------------------------------------------------------------

namespace {

/// Appends `read(row)` for every row `sql` selects.
template <class Row, class Read>
void select_into(const store::reader& r, const std::string& sql, std::vector<Row>& out, Read read) {
    for (auto s = r.prepare(sql); s.step();) out.push_back(read(s));
}

template <class Row>
void select_into(const store::reader& r, const table<Row>& t, std::string_view rest, std::vector<Row>& out) {
    select_into(r, t.select(rest), out, t.read);
}

} // namespace

ident_rows load_ident_rows(const store::reader& r) {
    ident_rows rows;
    rows.version = policy_version(r, "ident");
    select_into(r, "SELECT id, name FROM organizations ORDER BY id", rows.organizations, [](const statement& s) {
        return ident_organization{s.text(0), s.text(1)};
    });
    select_into(r, "SELECT id, organization_id, name FROM applications ORDER BY id", rows.applications,
                [](const statement& s) {
                    return ident_application{s.text(0), s.text(1), s.text(2)};
                });
    select_into(r, users_table, "ORDER BY created_at, id", rows.users);
    return rows;
}

provisioning_rows load_provisioning_rows(const store::reader& r) {
    provisioning_rows rows;
    rows.version = policy_version(r, "provisioning");
    select_into(r, users_table, "ORDER BY id", rows.users);
    select_into(r, "SELECT id, name, created_at FROM cl_organizations ORDER BY id", rows.organizations,
                [](const statement& s) {
                    return cl_organization{s.text(0), s.text(1), s.text(2)};
                });
    select_into(r, cl_roles_table, "ORDER BY id", rows.roles);
    select_into(r, cl_permissions_table, "ORDER BY id", rows.permissions);
    select_into(r, cl_memberships_table, "ORDER BY id", rows.memberships);
    select_into(r, cl_api_credentials_table, "ORDER BY id", rows.api_credentials);
    select_into(r, cl_application_memberships_table, "ORDER BY id", rows.application_memberships);
    select_into(r, cl_membership_profiles_table, "ORDER BY id", rows.profiles);
    select_into(r, "SELECT membership_id, profile_id FROM cl_membership_profile_links ORDER BY membership_id",
                rows.profile_links, [](const statement& s) {
                    return cl_profile_link{s.text(0), s.text(1)};
                });
    return rows;
}

bluebricks_rows load_bluebricks_rows(const store::reader& r) {
    bluebricks_rows rows;
    rows.version = policy_version(r, "bluebricks");
    select_into(r, "SELECT id FROM bb_organizations ORDER BY id", rows.organizations,
                [](const statement& s) { return s.text(0); });
    select_into(r, "SELECT id, name, rung, permissions FROM bb_roles ORDER BY id", rows.roles, [](const statement& s) {
        return bb_role{s.text(0), s.text(1), s.text(2), s.text(3)};
    });
    select_into(r, bb_users_table, "ORDER BY id", rows.users);
    select_into(r, "SELECT user_id, role_id FROM bb_user_roles ORDER BY user_id, role_id", rows.user_roles,
                [](const statement& s) {
                    return bb_user_role{s.text(0), s.text(1)};
                });
    return rows;
}

std::uint64_t policy_version(const store::reader& r, std::string_view api) {
    auto s = r.prepare("SELECT CAST(value AS BIGINT) FROM settings WHERE key = ?1");
    s.bind(1, "policy_version_" + std::string(api));
    return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
}

bool store::wait_for_announcement(std::chrono::milliseconds timeout) {
#if WARD_SERVICE_POSTGRESQL
    if (shared()) {
        if (!listen_db_) listen_db_ = detail::connect_postgresql(path_);
        return listen_db_->wait_for_announcement(timeout);
    }
#endif
    std::this_thread::sleep_for(timeout);
    return false;
}

store::everything load_everything(const store::reader& r) {
    store::everything all;
    auto s = r.prepare("SELECT COALESCE(MAX(seq), 0) FROM policy_changes");
    all.last_change = s.step() ? s.integer(0) : 0;
    all.ident = load_ident_rows(r);
    all.provisioning = load_provisioning_rows(r);
    all.bluebricks = load_bluebricks_rows(r);
    return all;
}

store::everything store::load_all() {
    return read([](const reader& r) { return load_everything(r); });
}

ident_rows store::load_ident() {
    return read([](const reader& r) { return load_ident_rows(r); });
}
provisioning_rows store::load_provisioning() {
    return read([](const reader& r) { return load_provisioning_rows(r); });
}
bluebricks_rows store::load_bluebricks() {
    return read([](const reader& r) { return load_bluebricks_rows(r); });
}

ident_rows store::transaction::load_ident() const { return load_ident_rows(reader{s_.db_.get()}); }
provisioning_rows store::transaction::load_provisioning() const { return load_provisioning_rows(reader{s_.db_.get()}); }
bluebricks_rows store::transaction::load_bluebricks() const { return load_bluebricks_rows(reader{s_.db_.get()}); }

} // namespace ward_service
