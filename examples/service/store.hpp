// SPDX-License-Identifier: MIT
// ward-service's storage: one SQLite file (or PostgreSQL database) holding the token secret, the three APIs' records and
// each API's policy version. The store is the source of truth: ward's snapshots are built from all
// of it at startup, and each write changes them by the records it changed (policy_changes).
#ifndef WARD_SERVICE_STORE_HPP
#define WARD_SERVICE_STORE_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ward_service {

/// A database error: the service answers 500 and changes nothing (the transaction rolls back).
struct store_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {

/// One prepared statement of one database (SQLite's or PostgreSQL's). Binds are 1-based,
/// columns 0-based. Errors throw store_error.
class statement_impl {
public:
    virtual ~statement_impl() = default;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_integer(int index, std::int64_t value) = 0;
    virtual void bind_null(int index) = 0;
    /// True when a row is ready, false when done.
    virtual bool step() = 0;
    virtual bool is_null(int column) const = 0;
    virtual std::string text(int column) const = 0;
    virtual std::int64_t integer(int column) const = 0;
};

/// One connection to the database; the store serializes its use. SQL is written once for both
/// databases, with parameters ?1, ?2, ... (PostgreSQL's connection makes them $1, $2, ...).
class connection {
public:
    virtual ~connection() = default;
    virtual std::unique_ptr<statement_impl> prepare(std::string_view sql) = 0;
    /// Statements without parameters, separated by semicolons (a schema).
    virtual void script(const std::string& sql) = 0;
    /// Begins a write, after every other writer of the database (SQLite: BEGIN IMMEDIATE;
    /// PostgreSQL: BEGIN and the writers' transaction-level advisory lock, so writes through
    /// several services on one database are serialized too).
    virtual void begin_write() = 0;
    /// Begins a read of one committed state.
    virtual void begin_read() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    /// Whether the database has this table.
    virtual bool has_table(std::string_view name) = 0;
    /// Waits at most `timeout` for another service's announcement that the policies changed
    /// (store::transaction::announce); true when one came. Only PostgreSQL's connections have any.
    virtual bool wait_for_announcement(std::chrono::milliseconds) { return false; }
};

#if WARD_SERVICE_POSTGRESQL
/// A connection to the PostgreSQL database at `uri` (store_pg.cpp); throws store_error.
std::unique_ptr<connection> connect_postgresql(const std::string& uri);
#endif

} // namespace detail

/// One prepared statement. Binds are 1-based, columns 0-based, as in SQLite.
class statement {
public:
    explicit statement(std::unique_ptr<detail::statement_impl> impl) : impl_(std::move(impl)) {}

    statement& bind(int index, std::string_view text) {
        impl_->bind_text(index, text);
        return *this;
    }
    statement& bind(int index, std::int64_t value) {
        impl_->bind_integer(index, value);
        return *this;
    }
    statement& bind_null(int index) {
        impl_->bind_null(index);
        return *this;
    }
    statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    statement& bind(int index, const std::optional<std::string>& text) {
        return text ? bind(index, std::string_view(*text)) : bind_null(index);
    }
    /// Binds the arguments to ?1, ?2, ... in order.
    template <class... A>
    statement& bind_all(const A&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }
    /// Steps once: true when a row is ready, false when done. Throws store_error on failure.
    bool step() { return impl_->step(); }
    /// Runs a statement that returns no rows.
    void run() {
        while (step()) {}
    }

    std::string text(int column) const { return impl_->text(column); }
    std::optional<std::string> optional_text(int column) const {
        if (impl_->is_null(column)) return std::nullopt;
        return text(column);
    }
    std::int64_t integer(int column) const { return impl_->integer(column); }

private:
    std::unique_ptr<detail::statement_impl> impl_;
};

// ---- rows --------------------------------------------------------------------------------------------

struct ident_organization {
    std::string id, name;
};
struct ident_application {
    std::string id, organization_id, name;
};
struct ident_user {
    std::string id;
    std::string email; ///< empty: a virtual user created without one (NULL in the table)
    std::string first_name, last_name;
    std::optional<std::string> password_hash;  ///< null: a virtual user
    std::optional<std::string> application_id; ///< null: a global user
    std::uint32_t permissions = 0;
    std::string created_at;
    /// When the user agreed to the privacy policy and the terms of service (see utc_timestamp in
    /// validate.hpp); null: not (yet).
    std::optional<std::string> privacy_policy_agreed_at, terms_of_service_agreed_at;
    std::string metadata = "{}"; ///< a JSON object, as compact text
};

struct cl_organization {
    std::string id, name, created_at;
};
struct cl_role {
    std::string id, organization_id, name, kind, created_at;
};
struct cl_permission {
    std::string id, role_id, subject_class;
    bool can_create = false, can_read = false, can_update = false, can_destroy = false;
    std::string created_at;
};
struct cl_membership {
    std::string id, organization_id, user_id, role_id;
    bool owner = false;
    std::string access_scope; ///< "live", "test" or "all"
    std::string created_at;
};
/// A membership profile: an access scope that wins over the memberships it is attached to.
struct cl_membership_profile {
    std::string id, organization_id, name, access_scope, created_at;
};
/// A membership's profile (at most one per membership).
struct cl_profile_link {
    std::string membership_id, profile_id;
};

/// An API credential (an application of the organization): only integration credentials have a
/// role; the client secret is kept as a PBKDF2 hash.
struct cl_api_credential {
    std::string id, organization_id, name, kind, mode;
    std::optional<std::string> role_id;
    std::string client_id, secret_hash, created_at;
};
/// Restricts a membership to one API credential; `kind` (admin, read_only, custom) names the
/// application's own set the membership's role is intersected with there: full access, read on
/// every subject, or `permissions` (a custom set: ward's scope string of names, "" otherwise).
struct cl_application_membership {
    std::string id, membership_id, api_credential_id, kind, created_at;
    std::string permissions;
};

/// One entry of the audit trail: a write to a Provisioning record, left by the write itself (a
/// trigger of the record's table, inside the write's transaction). `scope` is where reading the
/// record is decided (its organization, or its API credential), `environment` where once that
/// credential is gone (null for records of the organization); `who` and `changes` are JSON text.
struct cl_version {
    std::string id, resource_type, resource_id, event, organization_id, scope;
    std::optional<std::string> environment;
    std::string who, changes, created_at;
};

struct bb_role {
    std::string id, name, rung, permissions;
};
struct bb_user {
    std::string id, organization_id, name, first_name, last_name, email;
    std::optional<std::string> password_hash;
    std::string created_at;
};
struct bb_user_role {
    std::string user_id, role_id;
};

/// A record a write changed (inserted, updated or deleted): its table and its key (the record's
/// id, or the id of the record it belongs to; see policy_changes in store.cpp).
struct record_change {
    std::string source, record;
};

/// The policy changes after a position of the change log (store.cpp, policy_changes): each record
/// once, in the order first changed; `last` the position of the last (the position asked for when
/// none); `complete` false when the log was pruned past that position (the caller must build its
/// policies from all rows).
struct change_log {
    std::vector<record_change> changes;
    std::int64_t last = 0;
    bool complete = true;
};

/// Everything one API's policy is built from, read in one consistent transaction.
struct ident_rows {
    std::uint64_t version = 0;
    std::vector<ident_organization> organizations;
    std::vector<ident_application> applications;
    std::vector<ident_user> users;
};
struct provisioning_rows {
    std::uint64_t version = 0;
    std::vector<ident_user> users;
    std::vector<cl_organization> organizations;
    std::vector<cl_role> roles;
    std::vector<cl_permission> permissions;
    std::vector<cl_membership> memberships;
    std::vector<cl_membership_profile> profiles;
    std::vector<cl_profile_link> profile_links;
    std::vector<cl_api_credential> api_credentials;
    std::vector<cl_application_membership> application_memberships;
};
struct bluebricks_rows {
    std::uint64_t version = 0;
    std::vector<std::string> organizations;
    std::vector<bb_role> roles;
    std::vector<bb_user> users;
    std::vector<bb_user_role> user_roles;
};

/// The database, through two connections: one for writes, which `transaction` holds for a group
/// of statements, and one for reads. Each has its own lock, so one store is safe to share between
/// request threads and reads do not queue behind a write. The database is an SQLite file (the
/// default, for one machine) or a PostgreSQL database (`postgresql://...`: for several services
/// on one database, see README.md).
class store {
public:
    /// Opens (creating if needed) the database at `location`, a file path or a PostgreSQL URI
    /// (postgresql:// or postgres://); on first open creates the schema, a random token secret and
    /// the seeded data, hashing seeded passwords with `pbkdf2_iterations`.
    store(const std::string& location, unsigned pbkdf2_iterations);
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    /// Opens an existing database only (the `token` subcommand): throws store_error if there is
    /// none at `location`.
    static std::unique_ptr<store> open_existing(const std::string& location);

    /// Whether `location` names a PostgreSQL database rather than a file.
    static bool is_postgresql(std::string_view location) noexcept;

    /// The file path or URI.
    const std::string& path() const noexcept { return path_; }
    /// The HMAC key for tokens (raw bytes).
    const std::string& secret() const noexcept { return secret_; }

    /// Makes statements on one connection, inside a transaction of it.
    struct reader {
        detail::connection* db;
        statement prepare(std::string_view sql) const { return statement(db->prepare(sql)); }
    };

    /// A write, after every other writer of the database (see detail::connection::begin_write),
    /// rolled back if `commit()` is not reached.
    class transaction {
    public:
        explicit transaction(store& s);
        ~transaction();
        transaction(const transaction&) = delete;
        transaction& operator=(const transaction&) = delete;
        statement prepare(std::string_view sql) { return statement(s_.db_->prepare(sql)); }
        /// Runs a statement that returns no rows with the arguments bound to ?1, ?2, ... in order.
        template <class... A>
        void exec(std::string_view sql, const A&... args) {
            prepare(sql).bind_all(args...).run();
        }
        /// Names who makes this transaction's writes to Provisioning records (a JSON object, the
        /// `who` of the versions they leave); such a write without one fails (nothing is stored).
        void act_as(std::string_view who);
        /// Forgets who acts (before the commit: no actor outlives its transaction).
        void stop_acting();
        /// Adds one to the API's policy version, inside this transaction.
        std::uint64_t bump_version(std::string_view api);
        /// The changes after `after` as this transaction sees them: others' committed ones and
        /// its own.
        change_log changes_since(std::int64_t after) const;
        /// Removes the log's changes up to `through` (those every service has had time to read).
        std::int64_t prune_changes(std::int64_t through);
        /// Tells the other services on the database that the policies changed, when this
        /// transaction commits (PostgreSQL: NOTIFY ward_policy; nothing on SQLite).
        void announce();
        /// Reads as this transaction sees them (its own writes included).
        reader as_reader() const { return reader{s_.db_.get()}; }
        /// One API's rows as this transaction sees them (its own writes included), so a write can
        /// check the policies it derived against all rows (--verify-writes).
        ident_rows load_ident() const;
        provisioning_rows load_provisioning() const;
        bluebricks_rows load_bluebricks() const;
        void commit();

    private:
        store& s_;
        std::unique_lock<std::mutex> lock_;
        bool done_ = false;
    };

    /// A read: runs `f(statement-maker)` on the reading connection inside one read transaction,
    /// so its statements see one committed state of the database. Reads never wait for a write:
    /// the reading connection has a lock of its own.
    template <class F>
    auto read(F&& f) {
        std::lock_guard<std::mutex> lock(read_mutex_);
        read_transaction t(*read_db_);
        reader r{read_db_.get()};
        return f(r);
    }

    ident_rows load_ident();
    provisioning_rows load_provisioning();
    bluebricks_rows load_bluebricks();

    /// Every API's rows and the change log's last position, from one committed state.
    struct everything {
        ident_rows ident;
        provisioning_rows provisioning;
        bluebricks_rows bluebricks;
        std::int64_t last_change = 0;
    };
    everything load_all();

    /// Whether other services may write to the database too (PostgreSQL): their writes reach this
    /// one's policies through the change log (app.cpp, follow).
    bool shared() const noexcept { return is_postgresql(path_); }
    /// Waits at most `timeout` for another service's announcement of a write (see
    /// transaction::announce), on a connection of its own; true when one came. Throws store_error
    /// when the database cannot be reached (the next call connects again).
    bool wait_for_announcement(std::chrono::milliseconds timeout);

private:
    struct existing_tag {};
    /// BEGIN ... COMMIT around one read (the commit of a read-only transaction cannot lose data).
    struct read_transaction {
        explicit read_transaction(detail::connection& c) : db(c) { db.begin_read(); }
        ~read_transaction() { db.rollback(); }
        read_transaction(const read_transaction&) = delete;
        read_transaction& operator=(const read_transaction&) = delete;
        detail::connection& db;
    };

public:
    store(const std::string& location, existing_tag); ///< use open_existing

private:
    void open_sqlite_reader();
    void initialize_sqlite(unsigned pbkdf2_iterations);
    void initialize_postgresql(unsigned pbkdf2_iterations);
    void read_secret();
    void create_schema_and_seed(unsigned pbkdf2_iterations);
    /// The seeded data, inside `t` (the schema exists).
    void seed(transaction& t, unsigned pbkdf2_iterations);
    void upgrade_schema();
    void exec(const std::string& sql) { db_->script(sql); }

    std::string path_;
    std::unique_ptr<detail::connection> db_;        ///< writes (and the first open's schema and seed)
    std::unique_ptr<detail::connection> read_db_;   ///< reads
    std::unique_ptr<detail::connection> listen_db_; ///< announcements (PostgreSQL), made by the first wait
    std::string secret_;
    std::mutex mutex_;      ///< db_
    std::mutex read_mutex_; ///< read_db_
};

/// The policy changes after position `after` of the change log (see change_log).
change_log read_changes(const store::reader& r, std::int64_t after);
/// One API's policy version as stored.
std::uint64_t policy_version(const store::reader& r, std::string_view api);
/// Every API's rows and the change log's last position, as `r` reads them (store::load_all).
store::everything load_everything(const store::reader& r);
/// One API's rows as `r` reads them (with its policy version).
ident_rows load_ident_rows(const store::reader& r);
provisioning_rows load_provisioning_rows(const store::reader& r);
bluebricks_rows load_bluebricks_rows(const store::reader& r);

// ---- row readers shared by the store and the handlers ---------------------------------------------------

ident_user read_ident_user(const statement& s);
cl_organization read_cl_organization(const statement& s);
cl_membership read_cl_membership(const statement& s);
cl_role read_cl_role(const statement& s);
cl_permission read_cl_permission(const statement& s);
cl_membership_profile read_cl_membership_profile(const statement& s);
bb_user read_bb_user(const statement& s);
cl_api_credential read_cl_api_credential(const statement& s);
cl_application_membership read_cl_application_membership(const statement& s);
cl_version read_cl_version(const statement& s);

/// One table: its name, its columns in the order `read` takes them, and the reader of one row.
template <class Row>
struct table {
    const char* name;
    const char* columns;
    Row (*read)(const statement&);

    /// "SELECT <columns> FROM <name> <rest>".
    std::string select(std::string_view rest) const {
        return std::string("SELECT ") + columns + " FROM " + name + " " + std::string(rest);
    }
    /// "INSERT INTO <name> (<columns>) VALUES (?1, ?2, ...)", one parameter a column.
    std::string insert() const {
        std::string sql = std::string("INSERT INTO ") + name + " (" + columns + ") VALUES (?1";
        int n = 1;
        for (const char* c = columns; *c; ++c)
            if (*c == ',') sql += ", ?" + std::to_string(++n);
        return sql + ")";
    }
};

/// A descriptor's row type is its reader's: `table t{"name", "columns", &read_row}`.
template <class Row>
table(const char*, const char*, Row (*)(const statement&)) -> table<Row>;

inline constexpr table users_table{
    "users",
    "id, email, first_name, last_name, password_hash, application_id, permissions, created_at, "
    "privacy_policy_agreed_at, terms_of_service_agreed_at, metadata",
    &read_ident_user};
inline constexpr table cl_organizations_table{"cl_organizations", "id, name, created_at", &read_cl_organization};
inline constexpr table cl_memberships_table{
    "cl_memberships", "id, organization_id, user_id, role_id, owner, access_scope, created_at", &read_cl_membership};
inline constexpr table cl_roles_table{"cl_roles", "id, organization_id, name, kind, created_at", &read_cl_role};
inline constexpr table cl_permissions_table{
    "cl_permissions", "id, role_id, subject_class, can_create, can_read, can_update, can_destroy, created_at",
    &read_cl_permission};
inline constexpr table cl_membership_profiles_table{
    "cl_membership_profiles", "id, organization_id, name, access_scope, created_at", &read_cl_membership_profile};
inline constexpr table cl_api_credentials_table{
    "cl_api_credentials", "id, organization_id, name, kind, mode, role_id, client_id, secret_hash, created_at",
    &read_cl_api_credential};
inline constexpr table cl_application_memberships_table{
    "cl_application_memberships", "id, membership_id, api_credential_id, kind, created_at, permissions",
    &read_cl_application_membership};
inline constexpr table cl_versions_table{
    "cl_versions",
    "id, resource_type, resource_id, event, organization_id, scope, environment, who, changes, created_at",
    &read_cl_version};
inline constexpr table bb_users_table{
    "bb_users", "id, organization_id, name, first_name, last_name, email, password_hash, created_at", &read_bb_user};

/// The current UTC time as ISO 8601 with milliseconds: "2026-11-23T14:25:29.123Z".
std::string timestamp_now();

} // namespace ward_service

#endif
