// SPDX-License-Identifier: MIT
// store_pg_schema.hpp against a real PostgreSQL server (server.hpp) and a real SQLite store: each
// test case makes a database of its own on the server and applies pg_schema_sql() twice, then
// compares with a SQLite store on a temporary file: the tables and their columns (names, order,
// types, NOT NULL, defaults, keys, references), the outcome of the same writes and of writes that
// break a constraint, and the rows the triggers leave (cl_versions, policy_changes) after each of
// the same writes.
#include "pg.hpp"
#include "server.hpp"
#include "store.hpp"
#include "store_pg_schema.hpp"
#include "store_schema.hpp"
#include "support/ward_catch.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

namespace {

namespace pg = ward_service::pg;
using ward_service_test::pg_server::uri;

using value = std::variant<std::nullptr_t, std::int64_t, std::string>;
using row = std::vector<std::optional<std::string>>;
using rows = std::vector<row>;

std::string with_database(const std::string& base, const std::string& db) {
    return base.substr(0, base.rfind('/') + 1) + db;
}

/// SQL with ?1, ?2, ... made PostgreSQL's $1, $2, ...
std::string dollar_parameters(std::string sql) {
    for (std::size_t i = 0; i + 1 < sql.size(); ++i)
        if (sql[i] == '?' && sql[i + 1] >= '0' && sql[i + 1] <= '9') sql[i] = '$';
    return sql;
}

/// A database of its own on the test server for one test case, dropped at the end (and first, in
/// case a killed run left it), with the schema applied twice.
struct scratch_database {
    std::string name;
    std::optional<pg::connection> conn;

    scratch_database() {
        static std::atomic<int> count{0};
        name = "ward_schema_test_" + std::to_string(::getpid()) + "_" + std::to_string(++count);
        pg::connection admin(uri());
        admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        admin.exec("CREATE DATABASE " + name);
        conn.emplace(with_database(uri(), name));
    }
    ~scratch_database() {
        conn.reset();
        try {
            pg::connection admin(uri());
            admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (...) {}
    }
    scratch_database(const scratch_database&) = delete;
    scratch_database& operator=(const scratch_database&) = delete;

    std::string database_uri() const { return with_database(uri(), name); }

    rows query(const std::string& sql, const std::vector<value>& args = {}) {
        std::vector<pg::param> params;
        for (const value& v : args) {
            if (std::holds_alternative<std::nullptr_t>(v)) params.emplace_back(std::nullopt);
            else if (const auto* n = std::get_if<std::int64_t>(&v)) params.emplace_back(*n);
            else params.emplace_back(std::get<std::string>(v));
        }
        const pg::result r = conn->exec_params(dollar_parameters(sql), params);
        rows out;
        for (int i = 0; i < r.rows(); ++i) {
            row one;
            for (int j = 0; j < r.columns(); ++j) one.push_back(r.optional_text(i, j));
            out.push_back(std::move(one));
        }
        return out;
    }
    /// Runs a write; false when the server refused it.
    bool write(const std::string& sql, const std::vector<value>& args) {
        try {
            query(sql, args);
            return true;
        } catch (const pg::error& e) {
            UNSCOPED_INFO("PostgreSQL: " << e.what());
            return false;
        }
    }
};

/// A SQLite store (ward_service::store, seeded) on a temporary file, then written to through a
/// connection of its own with foreign keys on, as the store's are.
struct sqlite_database {
    std::string dir, path;
    sqlite3* db = nullptr;

    sqlite_database() {
        char templ[] = "/tmp/ward-schema-test-XXXXXX";
        REQUIRE(::mkdtemp(templ) != nullptr);
        dir = templ;
        path = dir + "/ward.db";
        { ward_service::store made(path, 1000); } // the schema, its upgrades and triggers, the seed
        REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    ~sqlite_database() {
        sqlite3_close(db);
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
        ::rmdir(dir.c_str());
    }
    sqlite_database(const sqlite_database&) = delete;
    sqlite_database& operator=(const sqlite_database&) = delete;

    /// The rows of `sql`; nullopt when SQLite refused it (its message in `why`).
    std::optional<rows> run(const std::string& sql, const std::vector<value>& args, std::string& why) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            why = sqlite3_errmsg(db);
            return std::nullopt;
        }
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(s, sqlite3_finalize);
        for (std::size_t i = 0; i < args.size(); ++i) {
            const int index = static_cast<int>(i + 1);
            if (const auto* n = std::get_if<std::int64_t>(&args[i])) sqlite3_bind_int64(s, index, *n);
            else if (const auto* t = std::get_if<std::string>(&args[i]))
                sqlite3_bind_text(s, index, t->c_str(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
            else sqlite3_bind_null(s, index);
        }
        rows out;
        for (;;) {
            const int rc = sqlite3_step(s);
            if (rc == SQLITE_DONE) return out;
            if (rc != SQLITE_ROW) {
                why = sqlite3_errmsg(db);
                return std::nullopt;
            }
            row one;
            for (int j = 0; j < sqlite3_column_count(s); ++j) {
                const unsigned char* text = sqlite3_column_text(s, j);
                if (text) one.emplace_back(reinterpret_cast<const char*>(text));
                else one.emplace_back(std::nullopt);
            }
            out.push_back(std::move(one));
        }
    }
    rows query(const std::string& sql, const std::vector<value>& args = {}) {
        std::string why;
        auto out = run(sql, args, why);
        INFO(sql << ": " << why);
        REQUIRE(out);
        return *out;
    }
    bool write(const std::string& sql, const std::vector<value>& args) {
        std::string why;
        const bool ok = run(sql, args, why).has_value();
        if (!ok) UNSCOPED_INFO("SQLite: " << why);
        return ok;
    }
};

std::string shown(const row& r) {
    std::string out = "(";
    for (const auto& v : r) out += (out.size() > 1 ? ", " : "") + (v ? "'" + *v + "'" : std::string("NULL"));
    return out + ")";
}

std::vector<std::string> first_column(const rows& rs) {
    std::vector<std::string> out;
    for (const row& r : rs) out.push_back(r.at(0).value_or("NULL"));
    return out;
}

/// A version's created_at: UTC with milliseconds, within two minutes of now.
void check_version_time(const std::string& at) {
    INFO("created_at " << at);
    REQUIRE(std::regex_match(at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    std::tm tm{};
    REQUIRE(std::sscanf(at.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                        &tm.tm_sec) == 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::time_t then = ::timegm(&tm);
    const std::time_t now = std::time(nullptr);
    CHECK(then >= now - 120);
    CHECK(then <= now + 120);
}

/// One write, run on both databases: whether it must succeed, and how many versions it leaves.
struct step {
    std::string sql;
    std::vector<value> args;
    int versions = 0;
    bool ok = true;
    const char* cascade_from = nullptr; ///< a delete from this table that cascades
};

const std::string ts = "2026-01-01T00:00:00.000Z";
const std::string ts2 = "2026-02-02T00:00:00.000Z";
const std::string actor = R"({"type":"user","id":"t_admin"})";

/// Both databases, compared step by step: the same outcome, and the same new versions and policy
/// changes (a version's id and time only in their format).
struct twins {
    sqlite_database lite;
    scratch_database pg_db;
    std::string lite_version_seq, lite_change_seq, pg_version_seq = "0", pg_change_seq = "0";
    std::vector<row> all_versions;        ///< every new version (PostgreSQL's), for the checks at the end
    std::vector<std::string> all_sources; ///< every new policy change's source

    twins() {
        pg_db.conn->script(ward_service::pg_schema_sql());
        pg_db.conn->script(ward_service::pg_schema_sql());
        // Times must come out in UTC whatever the session's time zone.
        pg_db.conn->exec("SET TIME ZONE 'America/New_York'");
        lite_version_seq = lite.query("SELECT COALESCE(max(seq), 0) FROM cl_versions").at(0).at(0).value();
        lite_change_seq = lite.query("SELECT COALESCE(max(seq), 0) FROM policy_changes").at(0).at(0).value();
    }

    static constexpr const char* versions_sql =
        "SELECT seq, id, resource_type, resource_id, event, organization_id, scope, environment, who, changes, "
        "created_at FROM cl_versions WHERE seq > CAST(?1 AS INTEGER) ORDER BY seq";
    static constexpr const char* changes_sql =
        "SELECT seq, source, record FROM policy_changes WHERE seq > CAST(?1 AS INTEGER) ORDER BY seq";

    void run(const step& s) {
        INFO("step: " << s.sql);
        CHECK(lite.write(s.sql, s.args) == s.ok);
        CHECK(pg_db.write(s.sql, s.args) == s.ok);

        const rows lite_versions = lite.query(versions_sql, {lite_version_seq});
        const rows pg_versions = pg_db.query(versions_sql, {pg_version_seq});
        CHECK(lite_versions.size() == static_cast<std::size_t>(s.versions));
        REQUIRE(pg_versions.size() == lite_versions.size());
        std::vector<std::string> lite_keys, pg_keys;
        for (std::size_t i = 0; i < pg_versions.size(); ++i) {
            const row &l = lite_versions[i], &p = pg_versions[i];
            INFO("SQLite " << shown(l) << "\nPostgreSQL " << shown(p));
            REQUIRE(p.size() == 11);
            const std::regex id_format("ver_[0-9a-f]{24}");
            CHECK(std::regex_match(l[1].value(), id_format));
            CHECK(std::regex_match(p[1].value(), id_format));
            check_version_time(l[10].value());
            check_version_time(p[10].value());
            lite_keys.push_back(version_key(l));
            pg_keys.push_back(version_key(p));
            all_versions.push_back(p);
        }
        if (!lite_versions.empty()) {
            lite_version_seq = lite_versions.back()[0].value();
            pg_version_seq = pg_versions.back()[0].value();
        }

        const rows lite_changes = lite.query(changes_sql, {lite_change_seq});
        const rows pg_changes = pg_db.query(changes_sql, {pg_change_seq});
        std::vector<std::string> lite_records, pg_records;
        for (const row& r : lite_changes) lite_records.push_back(r[1].value() + " " + r[2].value());
        for (const row& r : pg_changes) {
            pg_records.push_back(r[1].value() + " " + r[2].value());
            all_sources.push_back(r[1].value());
        }
        if (!lite_changes.empty()) {
            lite_change_seq = lite_changes.back()[0].value();
            pg_change_seq = pg_changes.back()[0].value();
        }

        if (!s.cascade_from) {
            CHECK(pg_keys == lite_keys);
            CHECK(pg_records == lite_records);
            return;
        }
        // A delete that cascades: SQLite writes the rows of the records deleted with it first (its
        // cascades run before the deleted row's AFTER triggers), PostgreSQL last (its cascades are
        // AFTER triggers too, and the rows they delete queue their triggers after the others). The
        // same rows, in these orders.
        REQUIRE_FALSE(lite_records.empty());
        CHECK(lite_records.back().rfind(std::string(s.cascade_from) + " ", 0) == 0);
        CHECK(pg_records.front().rfind(std::string(s.cascade_from) + " ", 0) == 0);
        if (!lite_keys.empty()) CHECK(pg_keys.front() == lite_keys.back());
        std::sort(lite_keys.begin(), lite_keys.end());
        std::sort(pg_keys.begin(), pg_keys.end());
        CHECK(pg_keys == lite_keys);
        std::sort(lite_records.begin(), lite_records.end());
        std::sort(pg_records.begin(), pg_records.end());
        CHECK(pg_records == lite_records);
    }

    /// A version but its id and time: its columns, and its changes as parsed JSON (dumped again,
    /// with sorted keys).
    static std::string version_key(const row& v) {
        std::string key;
        for (std::size_t c = 2; c <= 8; ++c) key += (v[c] ? "'" + *v[c] + "'" : std::string("NULL")) + " ";
        return key + nlohmann::json::parse(v[9].value()).dump();
    }

    /// The same rows of `sql` in both (the SQLite store's seed excluded by `sql`).
    void same_rows(const std::string& sql) {
        INFO(sql);
        CHECK(pg_db.query(sql) == lite.query(sql));
    }
};

/// SQLite's declared type as PostgreSQL's.
std::string pg_type(const std::string& sqlite_type) {
    if (sqlite_type == "INTEGER") return "bigint";
    if (sqlite_type == "TEXT") return "text";
    return "unexpected SQLite type " + sqlite_type;
}

} // namespace

TEST_CASE("pg schema: the same tables, columns, keys and references as SQLite's", "[pg]") {
    scratch_database pg_db;
    sqlite_database lite;
    pg_db.conn->script(ward_service::pg_schema_sql());
    pg_db.conn->script(ward_service::pg_schema_sql()); // idempotent

    const std::vector<std::string> lite_tables = first_column(
        lite.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
    const std::vector<std::string> pg_tables = first_column(
        pg_db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND "
                    "table_type = 'BASE TABLE' ORDER BY table_name"));
    CHECK(lite_tables.size() == 20);
    REQUIRE(pg_tables == lite_tables);

    for (const std::string& table : lite_tables) {
        INFO("table " << table);
        const bool has_autoincrement =
            lite.query("SELECT sql LIKE '%AUTOINCREMENT%' FROM sqlite_master WHERE name = ?1", {table}).at(0).at(0) ==
            "1";
        const rows lite_columns = lite.query(
            "SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info(?1) ORDER BY cid", {table});
        const rows pg_columns =
            pg_db.query("SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
                        {table});
        REQUIRE(first_column(pg_columns) == first_column(lite_columns));
        for (std::size_t i = 0; i < lite_columns.size(); ++i) {
            const row &l = lite_columns[i], &p = pg_columns[i];
            INFO("column " << l[0].value());
            const bool primary = l[3] != "0";
            const bool autoincrement = primary && has_autoincrement;
            CHECK(p[1] == pg_type(l[1].value()));
            // A PostgreSQL primary key is never NULL (SQLite lets a TEXT one be).
            CHECK(p[2] == std::string(l[2] == "1" || primary ? "NO" : "YES"));
            if (autoincrement) {
                CHECK(p[1] == "bigint");
                CHECK(p[3].value_or("").rfind("nextval(", 0) == 0);
            } else if (l[4]) {
                // SQLite's '{}' is PostgreSQL's '{}'::text.
                CHECK(p[3].value_or("").rfind(*l[4], 0) == 0);
            } else CHECK_FALSE(p[3]);
        }

        const rows lite_primary =
            lite.query("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", {table});
        const rows pg_primary =
            pg_db.query("SELECT a.attname FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY AS k(attnum, i), "
                        "pg_attribute a WHERE c.conrelid = CAST(?1 AS regclass) AND c.contype = 'p' AND "
                        "a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i",
                        {table});
        CHECK_FALSE(lite_primary.empty());
        CHECK(first_column(pg_primary) == first_column(lite_primary));

        std::set<std::string> lite_unique;
        for (const std::string& index :
             first_column(lite.query("SELECT name FROM pragma_index_list(?1) WHERE origin = 'u'", {table}))) {
            std::string columns;
            for (const std::string& c :
                 first_column(lite.query("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", {index})))
                columns += (columns.empty() ? "" : ",") + c;
            lite_unique.insert(columns);
        }
        std::set<std::string> pg_unique;
        for (const std::string& columns : first_column(pg_db.query(
                 "SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM pg_constraint c, "
                 "unnest(c.conkey) WITH ORDINALITY AS k(attnum, i), pg_attribute a WHERE c.conrelid = "
                 "CAST(?1 AS regclass) AND c.contype = 'u' AND a.attrelid = c.conrelid AND a.attnum = k.attnum "
                 "GROUP BY c.oid",
                 {table})))
            pg_unique.insert(columns);
        CHECK(pg_unique == lite_unique);

        std::set<std::string> lite_references;
        for (const row& r :
             lite.query("SELECT \"from\" || ' -> ' || \"table\" || '(' || \"to\" || ') ON DELETE ' || on_delete FROM "
                        "pragma_foreign_key_list(?1)",
                        {table}))
            lite_references.insert(r.at(0).value());
        std::set<std::string> pg_references;
        for (
            const row& r : pg_db.query(
                "SELECT a.attname || ' -> ' || CAST(c.confrelid AS regclass) || '(' || f.attname || ') ON DELETE ' || "
                "CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' ELSE CAST(c.confdeltype AS text) END "
                "FROM pg_constraint c, pg_attribute a, pg_attribute f WHERE c.conrelid = CAST(?1 AS regclass) AND "
                "c.contype = 'f' AND cardinality(c.conkey) = 1 AND a.attrelid = c.conrelid AND "
                "a.attnum = c.conkey[1] AND f.attrelid = c.confrelid AND f.attnum = c.confkey[1]",
                {table}))
            pg_references.insert(r.at(0).value());
        CHECK(pg_references == lite_references);
    }

    // Lookups by lower(email) have an index.
    for (const char* table : {"users", "bb_users"}) {
        INFO("table " << table);
        const rows indexes =
            pg_db.query("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?1 AND "
                        "indexdef LIKE '%(lower(email))'",
                        {std::string(table)});
        CHECK(indexes.at(0).at(0) == "1");
    }

    // The settings a SQLite store makes (but its seed's token secret, which the PostgreSQL store
    // seeds itself); applying the schema again keeps rows as they are, the change log's too.
    const std::string settings = "SELECT key, value FROM settings WHERE key <> 'token_secret' ORDER BY key";
    const rows lite_settings = lite.query(settings);
    CHECK(lite_settings.size() >= 4);
    CHECK(pg_db.query(settings) == lite_settings);
    pg_db.query("UPDATE settings SET value = '7' WHERE key = 'policy_version_ident'");
    pg_db.query("INSERT INTO organizations VALUES ('t_org', 'Kept')");
    CHECK(pg_db.query("SELECT source, record FROM policy_changes") == rows{{"organizations", "t_org"}});
    pg_db.conn->script(ward_service::pg_schema_sql());
    rows changed_settings = lite_settings;
    for (row& r : changed_settings)
        if (r[0] == "policy_version_ident") r[1] = "7";
    CHECK(changed_settings != lite_settings);
    CHECK(pg_db.query(settings) == changed_settings);
    CHECK(pg_db.query("SELECT id, name FROM organizations") == rows{{"t_org", "Kept"}});
    CHECK(pg_db.query("SELECT source, record FROM policy_changes") == rows{{"organizations", "t_org"}});
}

TEST_CASE("pg schema: the same writes leave the same versions and policy changes as in SQLite", "[pg]") {
    twins both;
    const std::vector<step> script = {
        {"INSERT INTO cl_version_actor (one, who) VALUES (1, ?1)", {actor}},

        // provide ident: policy changes only.
        {"INSERT INTO organizations VALUES (?1, ?2)", {"t_org", "Test"}},
        {"UPDATE organizations SET name = ?2 WHERE id = ?1", {"t_org", "Test 2"}},
        {"INSERT INTO applications VALUES (?1, ?2, ?3)", {"t_app", "t_org", "App"}},
        {"UPDATE applications SET name = ?2 WHERE id = ?1", {"t_app", "App 2"}},
        {"INSERT INTO users (id, email, first_name, last_name, password_hash, application_id, permissions, "
         "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
         {"t_user", "T.User@Example.test", "T", "User", nullptr, "t_app", std::int64_t{4294967295}, ts}},
        {"INSERT INTO users (id, email, first_name, last_name, password_hash, application_id, permissions, "
         "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
         {"t_user2", nullptr, "T", "Two", "hash", nullptr, std::int64_t{0}, ts}},
        {"INSERT INTO users (id, email, first_name, last_name, password_hash, application_id, permissions, "
         "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
         {"t_user3", "t3@example.test", "T", "Three", nullptr, nullptr, std::int64_t{1}, ts}},
        {"UPDATE users SET metadata = ?2, tokens_valid_from = ?3 WHERE id = ?1",
         {"t_user", R"({"a":1})", std::int64_t{1234}}},

        // Commerce Layer Provisioning: a version per create, per update of a tracked column, per
        // destroy.
        {"INSERT INTO cl_organizations VALUES (?1, ?2, ?3)", {"t_cl_org", "Test", ts}, 1},
        {"INSERT INTO cl_organizations VALUES (?1, ?2, ?3)", {"t_cl_org2", "Other", ts}, 1},
        {"UPDATE cl_organizations SET name = ?2 WHERE id = ?1", {"t_cl_org", "Test 2"}, 1},
        {"UPDATE cl_organizations SET created_at = ?2 WHERE id = ?1", {"t_cl_org", ts2}, 0},
        {"INSERT INTO cl_roles VALUES (?1, ?2, ?3, ?4, ?5), (?6, ?2, ?7, ?8, ?5), (?9, ?2, ?10, ?11, ?5)",
         {"t_role_admin", "t_cl_org", "Admin", "admin", ts, "t_role_custom", "Custom", "custom", "t_role_ro",
          "Read-only", "read_only"},
         3},
        {"INSERT INTO cl_roles VALUES (?1, ?2, ?3, ?4, ?5)", {"t_role_other", "t_cl_org2", "Admin", "admin", ts}, 1},
        {"UPDATE cl_roles SET name = ?2, kind = ?3 WHERE id = ?1", {"t_role_custom", "Orders", "custom"}, 1},
        {"UPDATE cl_roles SET kind = ?2 WHERE id = ?1", {"t_role_ro", "custom"}, 1},
        {"UPDATE cl_roles SET created_at = ?2 WHERE id = ?1", {"t_role_custom", ts2}, 0},
        {"INSERT INTO cl_permissions VALUES (?1, ?2, ?3, 1, 1, 0, 0, ?4)",
         {"t_perm", "t_role_custom", "orders", ts},
         1},
        {"UPDATE cl_permissions SET can_read = 0, can_update = 1 WHERE id = ?1", {"t_perm"}, 1},
        {"UPDATE cl_permissions SET can_update = 1 WHERE id = ?1", {"t_perm"}, 0},
        // A permission moved to another role (of another organization): both roles change.
        {"UPDATE cl_permissions SET role_id = ?2, can_destroy = 1 WHERE id = ?1", {"t_perm", "t_role_other"}, 1},
        {"UPDATE cl_permissions SET created_at = ?2 WHERE id = ?1", {"t_perm", ts2}, 0},
        {"INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 1, 'all', ?5), (?6, ?2, ?7, ?8, 0, 'live', ?5)",
         {"t_mem", "t_cl_org", "t_user", "t_role_admin", ts, "t_mem2", "t_user2", "t_role_ro"},
         2},
        {"INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 0, 'test', ?5)",
         {"t_mem3", "t_cl_org", "t_user3", "t_role_ro", ts},
         1},
        {"UPDATE cl_memberships SET owner = 0, access_scope = 'test' WHERE id = ?1", {"t_mem"}, 1},
        {"UPDATE cl_memberships SET created_at = ?2 WHERE id = ?1", {"t_mem", ts2}, 0},
        {"INSERT INTO cl_membership_profiles VALUES (?1, ?2, ?3, 'test', ?4), (?5, ?2, ?6, 'all', ?4)",
         {"t_mpf_1", "t_cl_org", "P1", ts, "t_mpf_2", "P2"},
         2},
        {"UPDATE cl_membership_profiles SET name = ?2, access_scope = 'live' WHERE id = ?1", {"t_mpf_1", "P1b"}, 1},
        {"UPDATE cl_membership_profiles SET created_at = ?2 WHERE id = ?1", {"t_mpf_1", ts2}, 0},
        // A profile link: an update of its membership.
        {"INSERT INTO cl_membership_profile_links VALUES (?1, ?2)", {"t_mem", "t_mpf_1"}, 1},
        {"UPDATE cl_membership_profile_links SET profile_id = ?2 WHERE membership_id = ?1", {"t_mem", "t_mpf_2"}, 1},
        {"UPDATE cl_membership_profile_links SET profile_id = ?2 WHERE membership_id = ?1", {"t_mem", "t_mpf_2"}, 0},
        {"DELETE FROM cl_membership_profile_links WHERE membership_id = ?1", {"t_mem"}, 1},
        {"INSERT INTO cl_membership_profile_links VALUES (?1, ?2), (?3, ?4)",
         {"t_mem", "t_mpf_1", "t_mem2", "t_mpf_2"},
         2},
        {"INSERT INTO cl_identity_providers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
         {"t_idp", "t_cl_org", "SSO", "https://login.test/", "client", "secret", R"(["a.test", "b.test"])", ts},
         1},
        {"UPDATE cl_identity_providers SET client_secret = ?2, domains = ?3 WHERE id = ?1",
         {"t_idp", "secret 2", R"({"domains": ["c.test"], "n": 1.5})"},
         1},
        {"UPDATE cl_identity_providers SET updated_at = ?2 WHERE id = ?1", {"t_idp", ts2}, 0},
        {"UPDATE cl_identity_providers SET name = ?2, issuer = ?3, client_id = ?4 WHERE id = ?1",
         {"t_idp", "SSO 2", "https://login2.test/", "client 2"},
         1},
        {"DELETE FROM cl_identity_providers WHERE id = ?1", {"t_idp"}, 1},
        {"INSERT INTO cl_api_credentials VALUES (?1, ?2, ?3, 'webapp', 'live', NULL, ?4, ?5, ?6), "
         "(?7, ?2, ?8, 'integration', 'test', ?9, ?10, ?5, ?6)",
         {"t_cred_live", "t_cl_org", "Live", "t-client-live", "hash", ts, "t_cred_int", "Int", "t_role_ro",
          "t-client-int"},
         2},
        {"UPDATE cl_api_credentials SET role_id = NULL, name = ?2 WHERE id = ?1", {"t_cred_int", "Int 2"}, 1},
        {"UPDATE cl_api_credentials SET mode = 'live' WHERE id = ?1", {"t_cred_int"}, 1},
        {"UPDATE cl_api_credentials SET secret_hash = ?2, created_at = ?3 WHERE id = ?1", {"t_cred_int", "h2", ts2}, 0},
        // (t_am_1 comes first in either database's order: SQLite's index and PostgreSQL's heap.)
        {"INSERT INTO cl_application_memberships VALUES (?1, ?2, ?3, 'admin', ?4, ''), (?5, ?2, ?6, 'custom', ?4, ?7)",
         {"t_am_1", "t_mem", "t_cred_int", ts, "t_am_2", "t_cred_live", "orders:read"},
         2},
        {"UPDATE cl_application_memberships SET permissions = ?2 WHERE id = ?1",
         {"t_am_2", "orders:read orders:update"},
         1},
        {"UPDATE cl_application_memberships SET created_at = ?2 WHERE id = ?1", {"t_am_2", ts2}, 0},
        {"INSERT INTO cl_application_memberships VALUES (?1, ?2, ?3, 'read_only', ?4, '')",
         {"t_am_3", "t_mem2", "t_cred_live", ts},
         1},
        {"DELETE FROM cl_application_memberships WHERE id = ?1", {"t_am_3"}, 1},
        // A membership's delete takes its profile link (no version: the membership is gone) and its
        // application memberships (a version each) with it.
        {"DELETE FROM cl_memberships WHERE id = ?1", {"t_mem"}, 3, true, "cl_memberships"},
        // A user's takes the memberships, and their links.
        {"DELETE FROM users WHERE id = ?1", {"t_user2"}, 1, true, "users"},
        {"DELETE FROM cl_permissions WHERE id = ?1", {"t_perm"}, 1},
        {"DELETE FROM cl_api_credentials WHERE id = ?1", {"t_cred_live"}, 1},
        {"DELETE FROM cl_api_credentials WHERE id = ?1", {"t_cred_int"}, 1},
        {"DELETE FROM cl_membership_profiles WHERE id = ?1", {"t_mpf_1"}, 1},
        {"DELETE FROM cl_membership_profiles WHERE id = ?1", {"t_mpf_2"}, 1},
        {"DELETE FROM cl_roles WHERE id = ?1", {"t_role_custom"}, 1},
        {"DELETE FROM cl_roles WHERE id = ?1", {"t_role_other"}, 1},
        {"DELETE FROM users WHERE id = ?1", {"t_user"}, 0},
        {"DELETE FROM applications WHERE id = ?1", {"t_app"}, 0},
        {"DELETE FROM cl_organizations WHERE id = ?1", {"t_cl_org2"}, 1},

        // Bluebricks: policy changes only, a role assignment's under its user.
        {"INSERT INTO bb_organizations VALUES (?1)", {"t_bb_org"}},
        {"UPDATE bb_organizations SET id = ?2 WHERE id = ?1", {"t_bb_org", "t_bb_org_2"}},
        {"INSERT INTO bb_roles VALUES (?1, ?2, ?3, ?4), (?5, ?6, ?7, ?8)",
         {"t_bb_role", "Viewer", "viewer", "", "t_bb_role2", "Keys", "", "read:organization_api_key"}},
        {"UPDATE bb_roles SET name = ?2 WHERE id = ?1", {"t_bb_role", "Viewer 2"}},
        {"INSERT INTO bb_users VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7), (?8, ?2, ?9, ?10, ?11, ?12, NULL, ?7)",
         {"t_bb_u1", "t_bb_org_2", "A B", "A", "B", "a@bb.test", ts, "t_bb_u2", "C D", "C", "D", "c@bb.test"}},
        {"UPDATE bb_users SET email = ?2 WHERE id = ?1", {"t_bb_u1", "A@bb.test"}},
        {"INSERT INTO bb_user_roles VALUES (?1, ?2)", {"t_bb_u1", "t_bb_role"}},
        {"UPDATE bb_user_roles SET user_id = ?2 WHERE user_id = ?1", {"t_bb_u1", "t_bb_u2"}},
        {"UPDATE bb_user_roles SET role_id = ?2 WHERE user_id = ?1", {"t_bb_u2", "t_bb_role2"}},
        {"DELETE FROM bb_user_roles WHERE user_id = ?1", {"t_bb_u2"}},
        {"DELETE FROM bb_users WHERE id = ?1", {"t_bb_u1"}},
        {"DELETE FROM bb_roles WHERE id = ?1", {"t_bb_role"}},
        {"DELETE FROM bb_organizations WHERE id = ?1", {"t_bb_org_2"}, 0, false}, // t_bb_u2 is in it

        // Without an actor, a write to a Provisioning record fails whole (a cascade's too); one
        // that leaves no version does not.
        {"DELETE FROM cl_version_actor", {}},
        {"INSERT INTO cl_organizations VALUES (?1, ?2, ?3)", {"t_cl_org3", "Nobody's", ts}, 0, false},
        {"UPDATE cl_organizations SET name = ?2 WHERE id = ?1", {"t_cl_org", "Nobody's"}, 0, false},
        {"UPDATE cl_organizations SET created_at = ?2 WHERE id = ?1", {"t_cl_org", ts}, 0},
        {"DELETE FROM cl_memberships WHERE id = ?1", {"t_mem3"}, 0, false},
        {"DELETE FROM users WHERE id = ?1", {"t_user3"}, 0, false},
        {"UPDATE organizations SET name = ?2 WHERE id = ?1", {"t_org", "Test 3"}},
    };
    for (const step& s : script) both.run(s);

    // What is left is the same (the failed writes changed nothing).
    both.same_rows("SELECT id, name, created_at FROM cl_organizations WHERE id LIKE 't_%' ORDER BY id");
    both.same_rows("SELECT * FROM cl_memberships WHERE id LIKE 't_%' ORDER BY id");
    both.same_rows("SELECT id, email, permissions, tokens_valid_from, metadata FROM users WHERE id LIKE 't_%' "
                   "ORDER BY id");
    both.same_rows("SELECT * FROM cl_roles WHERE id LIKE 't_%' ORDER BY id");
    both.same_rows("SELECT * FROM bb_users WHERE id LIKE 't_%' ORDER BY id");
    both.same_rows("SELECT * FROM organizations WHERE id LIKE 't_%' ORDER BY id");
    CHECK(both.pg_db.query("SELECT count(*) FROM cl_memberships WHERE id = 't_mem3'") == rows{{"1"}});

    // Every tracked table left a create, an update and a destroy; every changed table a change.
    std::set<std::string> events;
    std::set<std::string> ids;
    for (const row& v : both.all_versions) {
        events.insert(v[2].value() + " " + v[4].value());
        ids.insert(v[1].value());
    }
    CHECK(ids.size() == both.all_versions.size());
    for (const ward_service::tracked_table& t : ward_service::tracked_tables())
        for (const char* event : {"create", "update", "destroy"}) {
            INFO(t.name << " " << event);
            CHECK(events.count(std::string(t.resource_type) + " " + event) == 1);
        }
    for (const ward_service::changed_table& t : ward_service::changed_tables) {
        INFO(t.name);
        CHECK(std::count(both.all_sources.begin(), both.all_sources.end(), t.name) >= 3);
    }
}

TEST_CASE("pg schema: what SQLite refuses PostgreSQL refuses, and what it takes it takes", "[pg]") {
    twins both;
    const std::vector<step> script = {
        {"INSERT INTO cl_version_actor (one, who) VALUES (1, ?1)", {actor}},
        {"INSERT INTO cl_version_actor (one, who) VALUES (2, ?1)", {actor}, 0, false},
        {"INSERT INTO organizations VALUES (?1, ?2)", {"t_org", "Test"}},
        {"INSERT INTO applications VALUES (?1, ?2, ?3)", {"t_app", "t_nowhere", "App"}, 0, false},
        {"INSERT INTO users (id, email, first_name, last_name, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
         {"t_u1", "one@example.test", "A", "B", std::int64_t{4294967295}, ts}},
        {"INSERT INTO users (id, email, first_name, last_name, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
         {"t_u2", "two@example.test", "A", "B", std::int64_t{4294967296}, ts},
         0,
         false},
        {"INSERT INTO users (id, email, first_name, last_name, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
         {"t_u2", "two@example.test", "A", "B", std::int64_t{-1}, ts},
         0,
         false},
        {"INSERT INTO users (id, email, first_name, last_name, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
         {"t_u2", "one@example.test", "A", "B", std::int64_t{0}, ts},
         0,
         false},
        {"INSERT INTO users (id, email, first_name, last_name, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
         {"t_u2", "two@example.test", nullptr, "B", std::int64_t{0}, ts},
         0,
         false},
        {"INSERT INTO users (id, email, first_name, last_name, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
         {"t_u2", "two@example.test", "A", "B", std::int64_t{0}, ts}},
        {"INSERT INTO cl_organizations VALUES (?1, ?2, ?3)", {"t_cl_org", "Test", ts}, 1},
        {"INSERT INTO cl_roles VALUES (?1, ?2, ?3, ?4, ?5)", {"t_role", "t_cl_org", "Admin", "owner", ts}, 0, false},
        {"INSERT INTO cl_roles VALUES (?1, ?2, ?3, ?4, ?5)", {"t_role", "t_nowhere", "Admin", "admin", ts}, 0, false},
        {"INSERT INTO cl_roles VALUES (?1, ?2, ?3, ?4, ?5)", {"t_role", "t_cl_org", "Admin", "admin", ts}, 1},
        {"INSERT INTO cl_permissions VALUES (?1, ?2, ?3, 1, 1, 1, 1, ?4)", {"t_p1", "t_role", "orders", ts}, 1},
        {"INSERT INTO cl_permissions VALUES (?1, ?2, ?3, 1, 1, 1, 1, ?4)", {"t_p2", "t_role", "orders", ts}, 0, false},
        {"INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
         {"t_m1", "t_cl_org", "t_u1", "t_role", "everywhere", ts},
         0,
         false},
        {"INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
         {"t_m1", "t_cl_org", "t_u1", "t_role", "all", ts},
         1},
        {"INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
         {"t_m2", "t_cl_org", "t_u1", "t_role", "all", ts},
         0,
         false},
        {"INSERT INTO cl_api_credentials VALUES (?1, ?2, ?3, 'webapp', 'live', ?4, ?5, 'h', ?6)",
         {"t_c1", "t_cl_org", "C", "t_role", "t-c1", ts},
         0,
         false},
        {"INSERT INTO cl_api_credentials VALUES (?1, ?2, ?3, 'webapp', 'staging', NULL, ?4, 'h', ?5)",
         {"t_c1", "t_cl_org", "C", "t-c1", ts},
         0,
         false},
        {"INSERT INTO cl_api_credentials VALUES (?1, ?2, ?3, 'integration', 'live', ?4, ?5, 'h', ?6)",
         {"t_c1", "t_cl_org", "C", "t_role", "t-c1", ts},
         1},
        {"INSERT INTO cl_api_credentials VALUES (?1, ?2, ?3, 'webapp', 'live', NULL, ?4, 'h', ?5)",
         {"t_c2", "t_cl_org", "C", "t-c1", ts},
         0,
         false},
        {"INSERT INTO cl_application_memberships VALUES (?1, ?2, ?3, 'admin', ?4, ?5)",
         {"t_am", "t_m1", "t_c1", ts, "orders:read"},
         0,
         false},
        {"INSERT INTO cl_application_memberships (id, membership_id, api_credential_id, kind, created_at) "
         "VALUES (?1, ?2, ?3, 'admin', ?4)",
         {"t_am", "t_m1", "t_c1", ts},
         1},
        {"INSERT INTO cl_application_memberships VALUES (?1, ?2, ?3, 'custom', ?4, '')",
         {"t_am2", "t_m1", "t_c1", ts},
         0,
         false},
        {"DELETE FROM cl_api_credentials WHERE id = ?1", {"t_c1"}, 0, false}, // named by t_am
        {"INSERT INTO cl_membership_profiles VALUES (?1, ?2, ?3, ?4, ?5)",
         {"t_mp", "t_cl_org", "P", "some", ts},
         0,
         false},
        {"INSERT INTO cl_membership_profiles VALUES (?1, ?2, ?3, ?4, ?5)", {"t_mp", "t_cl_org", "P", "all", ts}, 1},
        {"INSERT INTO cl_membership_profile_links VALUES (?1, ?2)", {"t_m9", "t_mp"}, 0, false},
        {"INSERT INTO cl_membership_profile_links VALUES (?1, ?2)", {"t_m1", "t_mp"}, 1},
        {"DELETE FROM cl_membership_profiles WHERE id = ?1", {"t_mp"}, 0, false}, // in use
        {"INSERT INTO cl_identity_providers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
         {"t_idp", "t_cl_org", "SSO", "https://login.test/", "client", "secret", "not json", ts},
         0,
         false},
        {"INSERT INTO bb_organizations VALUES (?1)", {"t_bb"}},
        {"INSERT INTO bb_users VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
         {"t_b1", "t_bb", "A B", "A", "B", "a@b.test", ts}},
        {"INSERT INTO bb_users VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
         {"t_b2", "t_bb", "A B", "A", "B", "a@b.test", ts},
         0,
         false},
        {"INSERT INTO bb_users VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
         {"t_b2", "t_bb", "A B", "A", "B", nullptr, ts},
         0,
         false},
        {"INSERT INTO bb_user_roles VALUES (?1, ?2)", {"t_b1", "t_nowhere"}, 0, false},
        {"DELETE FROM cl_version_actor", {}},
    };
    for (const step& s : script) both.run(s);
    both.same_rows("SELECT id FROM users WHERE id LIKE 't_%' ORDER BY id");
    both.same_rows("SELECT * FROM cl_application_memberships WHERE id LIKE 't_%' ORDER BY id");
    both.same_rows("SELECT * FROM cl_membership_profile_links WHERE membership_id LIKE 't_%' ORDER BY membership_id");
}

TEST_CASE("pg schema: services applying it at once on a new database both succeed", "[pg]") {
    scratch_database pg_db;
    sqlite_database lite;
    const std::string settings = "SELECT key, value FROM settings WHERE key <> 'token_secret' ORDER BY key";
    const std::string target = pg_db.database_uri();
    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        std::vector<std::string> failures(2);
        {
            std::vector<std::thread> services;
            for (std::size_t i = 0; i < 2; ++i)
                services.emplace_back([&, i] {
                    try {
                        pg::connection conn(target);
                        conn.script(ward_service::pg_schema_sql());
                    } catch (const std::exception& e) { failures[i] = e.what(); }
                });
            for (std::thread& t : services) t.join();
        }
        CHECK(failures == std::vector<std::string>(2));
        CHECK(pg_db.query(settings) == lite.query(settings));
        CHECK(pg_db.query("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") ==
              rows{{std::to_string(3 * ward_service::tracked_tables().size() + 3 +
                                   std::size(ward_service::changed_tables))}});
        // The next round applies it to the database the first one made.
    }
}

TEST_CASE("pg schema: applying it again does not wait for readers of its tables", "[pg]") {
    scratch_database pg_db;
    pg_db.conn->script(ward_service::pg_schema_sql());
    // A read in progress that has read every table, as a policy load does, while another service
    // starts: the schema takes no lock that waits for readers.
    pg::connection reader(pg_db.database_uri());
    reader.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const std::vector<std::string> tables =
        first_column(pg_db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                 "current_schema() AND table_type = 'BASE TABLE'"));
    CHECK(tables.size() == 20);
    for (const std::string& table : tables) reader.exec("SELECT count(*) FROM " + table);
    pg_db.conn->exec("SET lock_timeout = '3s'");
    try {
        pg_db.conn->script(ward_service::pg_schema_sql());
    } catch (const pg::error& e) { FAIL("applying the schema during a read failed: " << e.what()); }
    reader.script("COMMIT");
}
