// SPDX-License-Identifier: MIT
#include "store_pg_schema.hpp"

#include "store_schema.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward_service {

namespace {

// ---- tables ----------------------------------------------------------------------------------------------
//
// The SQLite schema (store.cpp) in its final form, column by column: TEXT stays TEXT, every
// INTEGER is a BIGINT (users.permissions goes up to 4294967295), and SQLite's INTEGER PRIMARY KEY
// AUTOINCREMENT is a BIGSERIAL. Tables come after the tables they reference (PostgreSQL checks a
// reference when it is made; SQLite when it is used).

struct column {
    const char* name;
    const char* definition; ///< its type first, then its constraints
};

struct table {
    const char* name;
    std::vector<column> columns;
    std::vector<const char*> constraints = {}; ///< of more than one column
};

/// A table of records an organization owns: its id, its organization and its name first, as in
/// store.cpp's organization_record_table.
table organization_record_table(const char* name, std::vector<column> rest) {
    std::vector<column> columns = {{"id", "TEXT PRIMARY KEY"},
                                   {"organization_id", "TEXT NOT NULL REFERENCES cl_organizations(id)"},
                                   {"name", "TEXT NOT NULL"}};
    columns.insert(columns.end(), rest.begin(), rest.end());
    return {name, std::move(columns)};
}

const std::vector<table>& tables() {
    static const std::vector<table> all = {
        {"settings", {{"key", "TEXT PRIMARY KEY"}, {"value", "TEXT NOT NULL"}}},

        // provide ident
        {"organizations", {{"id", "TEXT PRIMARY KEY"}, {"name", "TEXT NOT NULL"}}},
        {"applications",
         {{"id", "TEXT PRIMARY KEY"},
          {"organization_id", "TEXT NOT NULL REFERENCES organizations(id)"},
          {"name", "TEXT NOT NULL"}}},
        // email: null for a virtual user created without one; tokens_valid_from: the last password
        // change, in ms since the epoch; the agreements: null when not agreed; metadata: a JSON
        // object.
        {"users",
         {{"id", "TEXT PRIMARY KEY"},
          {"email", "TEXT UNIQUE"},
          {"first_name", "TEXT NOT NULL"},
          {"last_name", "TEXT NOT NULL"},
          {"password_hash", "TEXT"},
          {"application_id", "TEXT REFERENCES applications(id)"},
          {"permissions", "BIGINT NOT NULL CHECK (permissions BETWEEN 0 AND 4294967295)"},
          {"created_at", "TEXT NOT NULL"},
          {"tokens_valid_from", "BIGINT NOT NULL DEFAULT 0"},
          {"privacy_policy_agreed_at", "TEXT"},
          {"terms_of_service_agreed_at", "TEXT"},
          {"metadata", "TEXT NOT NULL DEFAULT '{}'"}}},

        // Commerce Layer Provisioning (its people are the users above)
        {"cl_organizations", {{"id", "TEXT PRIMARY KEY"}, {"name", "TEXT NOT NULL"}, {"created_at", "TEXT NOT NULL"}}},
        {"cl_roles",
         {{"id", "TEXT PRIMARY KEY"},
          {"organization_id", "TEXT NOT NULL REFERENCES cl_organizations(id)"},
          {"name", "TEXT NOT NULL"},
          {"kind", "TEXT NOT NULL CHECK (kind IN ('admin', 'read_only', 'custom'))"},
          {"created_at", "TEXT NOT NULL"}}},
        {"cl_permissions",
         {{"id", "TEXT PRIMARY KEY"},
          {"role_id", "TEXT NOT NULL REFERENCES cl_roles(id)"},
          {"subject_class", "TEXT NOT NULL"},
          {"can_create", "BIGINT NOT NULL"},
          {"can_read", "BIGINT NOT NULL"},
          {"can_update", "BIGINT NOT NULL"},
          {"can_destroy", "BIGINT NOT NULL"},
          {"created_at", "TEXT NOT NULL"}},
         {"UNIQUE (role_id, subject_class)"}},
        {"cl_memberships",
         {{"id", "TEXT PRIMARY KEY"},
          {"organization_id", "TEXT NOT NULL REFERENCES cl_organizations(id)"},
          {"user_id", "TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE"},
          {"role_id", "TEXT NOT NULL REFERENCES cl_roles(id)"},
          {"owner", "BIGINT NOT NULL"},
          {"access_scope", "TEXT NOT NULL CHECK (access_scope IN ('live', 'test', 'all'))"},
          {"created_at", "TEXT NOT NULL"}},
         {"UNIQUE (organization_id, user_id)"}},

        // Bluebricks
        {"bb_organizations", {{"id", "TEXT PRIMARY KEY"}}},
        {"bb_roles",
         {{"id", "TEXT PRIMARY KEY"},
          {"name", "TEXT NOT NULL"},
          {"rung", "TEXT NOT NULL"},
          {"permissions", "TEXT NOT NULL"}}},
        {"bb_users",
         {{"id", "TEXT PRIMARY KEY"},
          {"organization_id", "TEXT NOT NULL REFERENCES bb_organizations(id)"},
          {"name", "TEXT NOT NULL"},
          {"first_name", "TEXT NOT NULL"},
          {"last_name", "TEXT NOT NULL"},
          {"email", "TEXT NOT NULL UNIQUE"},
          {"password_hash", "TEXT"},
          {"created_at", "TEXT NOT NULL"}}},
        {"bb_user_roles",
         {{"user_id", "TEXT NOT NULL REFERENCES bb_users(id)"}, {"role_id", "TEXT NOT NULL REFERENCES bb_roles(id)"}},
         {"PRIMARY KEY (user_id, role_id)"}},

        // Commerce Layer's API credentials, membership profiles and identity providers. A
        // membership's profile link and application memberships go with it. The profile link's
        // table comes before the application memberships': a membership's delete then removes
        // its link first and its application memberships next, as SQLite does (PostgreSQL runs
        // the cascades of a table in the order their references were made; a reference made
        // again later would change it).
        organization_record_table(
            "cl_api_credentials",
            {{"kind", "TEXT NOT NULL CHECK (kind IN ('webapp', 'sales_channel', 'integration'))"},
             {"mode", "TEXT NOT NULL CHECK (mode IN ('live', 'test'))"},
             {"role_id", "TEXT REFERENCES cl_roles(id) CHECK (role_id IS NULL OR kind = 'integration')"},
             {"client_id", "TEXT NOT NULL UNIQUE"},
             {"secret_hash", "TEXT NOT NULL"},
             {"created_at", "TEXT NOT NULL"}}),
        organization_record_table("cl_membership_profiles",
                                  {{"access_scope", "TEXT NOT NULL CHECK (access_scope IN ('live', 'test', 'all'))"},
                                   {"created_at", "TEXT NOT NULL"}}),
        {"cl_membership_profile_links",
         {{"membership_id", "TEXT PRIMARY KEY REFERENCES cl_memberships(id) ON DELETE CASCADE"},
          {"profile_id", "TEXT NOT NULL REFERENCES cl_membership_profiles(id)"}}},
        // Only a custom application membership has permissions of its own.
        {"cl_application_memberships",
         {{"id", "TEXT PRIMARY KEY"},
          {"membership_id", "TEXT NOT NULL REFERENCES cl_memberships(id) ON DELETE CASCADE"},
          {"api_credential_id", "TEXT NOT NULL REFERENCES cl_api_credentials(id)"},
          {"kind", "TEXT NOT NULL CHECK (kind IN ('admin', 'read_only', 'custom'))"},
          {"created_at", "TEXT NOT NULL"},
          {"permissions", "TEXT NOT NULL DEFAULT '' CHECK (kind = 'custom' OR permissions = '')"}},
         {"UNIQUE (membership_id, api_credential_id)"}},
        organization_record_table("cl_identity_providers", {{"issuer", "TEXT NOT NULL"},
                                                            {"client_id", "TEXT NOT NULL"},
                                                            {"client_secret", "TEXT NOT NULL"},
                                                            {"domains", "TEXT NOT NULL"},
                                                            {"created_at", "TEXT NOT NULL"},
                                                            {"updated_at", "TEXT NOT NULL"}}),

        // The versions of the Provisioning records, and who writes (one row while a write acts).
        {"cl_versions",
         {{"seq", "BIGSERIAL PRIMARY KEY"},
          {"id", "TEXT NOT NULL UNIQUE"},
          {"resource_type", "TEXT NOT NULL"},
          {"resource_id", "TEXT NOT NULL"},
          {"event", "TEXT NOT NULL CHECK (event IN ('create', 'update', 'destroy'))"},
          {"organization_id", "TEXT NOT NULL"},
          {"scope", "TEXT NOT NULL"},
          {"environment", "TEXT"},
          {"who", "TEXT NOT NULL"},
          {"changes", "TEXT NOT NULL"},
          {"created_at", "TEXT NOT NULL"}}},
        {"cl_version_actor", {{"one", "BIGINT PRIMARY KEY CHECK (one = 1)"}, {"who", "TEXT NOT NULL"}}},

        // Which records a write changed, until the write takes them (before its commit).
        {"policy_changes",
         {{"seq", "BIGSERIAL PRIMARY KEY"}, {"source", "TEXT NOT NULL"}, {"record", "TEXT NOT NULL"}}},
    };
    return all;
}

std::string create_table(const table& t) {
    std::string sql = std::string("\nCREATE TABLE IF NOT EXISTS ") + t.name + " (";
    const char* separator = "\n    ";
    for (const column& c : t.columns) {
        sql += separator + std::string(c.name) + " " + c.definition;
        separator = ",\n    ";
    }
    for (const char* constraint : t.constraints) sql += separator + std::string(constraint);
    return sql + ");";
}

/// The definition of `table_name`.`column_name`; std::logic_error when the schema has no such column
/// (a descriptor of store_schema.hpp naming a column only SQLite's schema has, for instance).
const char* definition_of(std::string_view table_name, std::string_view column_name) {
    for (const table& t : tables()) {
        if (t.name != table_name) continue;
        for (const column& c : t.columns)
            if (c.name == column_name) return c.definition;
    }
    throw std::logic_error("pg_schema_sql: no column " + std::string(table_name) + "." + std::string(column_name));
}

bool is_integer(std::string_view table_name, std::string_view column_name) {
    const std::string_view definition = definition_of(table_name, column_name);
    return definition.rfind("BIGINT", 0) == 0 || definition.rfind("BIGSERIAL", 0) == 0;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string quoted(std::string_view text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// ---- versions: the audit trail of the Provisioning records ----
//
// As in SQLite (store.cpp's versions_schema_sql): every insert, update and delete of a Provisioning
// record leaves a version, written by a trigger of the record's table inside the write's
// transaction. The actor is the one row of cl_version_actor; a write without one breaks
// `who TEXT NOT NULL` and fails. A version's id is 'ver_' and 24 lowercase hex digits of randomness
// (md5 of random() and the clock: no extension needed); its time is the statement's, in UTC with
// milliseconds, like SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now').
//
// One order differs: a delete that cascades. SQLite runs a cascade before the deleted row's own
// AFTER triggers, so the versions and policy changes of the rows deleted with it come first;
// PostgreSQL's cascades are AFTER triggers that queue the deleted rows' triggers behind the row's
// own, so its version and change come first. The rows are the same.

constexpr const char* version_id =
    "'ver_' || substr(md5(random()::text || random()::text || clock_timestamp()::text), 1, 24)";
constexpr const char* version_time =
    R"(to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))";

/// `row`.`c` of `table_name` as JSON, as SQLite's shown_value shows it: text as a JSON string and a
/// number as a JSON number (to_json follows the column's type, as json_quote does), a flag as
/// true or false, a JSON column as the JSON it holds, a secret as "[FILTERED]"; null for NULL
/// and without a row (json_build_array makes a SQL NULL a JSON null).
std::string shown_value(std::string_view table_name, const tracked_column& c, const std::string& row) {
    if (row.empty()) return "NULL::json";
    const std::string v = row + "." + c.name;
    switch (c.as) {
    case shown::flag:
        // SQLite's `WHEN v THEN 'true'` is true for any number but 0; PostgreSQL needs a number to compare.
        if (!is_integer(table_name, c.name))
            throw std::logic_error("pg_schema_sql: the flag " + std::string(table_name) + "." + c.name +
                                   " is not an integer column");
        return "to_json(" + v + " <> 0)";
    case shown::json: return v + "::json";
    case shown::secret: return "to_json(CASE WHEN " + v + " IS NOT NULL THEN '[FILTERED]' END)";
    case shown::text: break;
    }
    definition_of(table_name, c.name); // it exists (to_json takes any type)
    return "to_json(" + v + ")";
}

/// The INSERT of one event's version: changes {"column": [old, new]} of the columns that differ,
/// in the columns' order. `old_row` / `new_row` are OLD, NEW or empty (a create has no old row, a
/// destroy no new one).
std::string version_insert(std::string_view table_name, const std::string& type, const std::string& id,
                           const std::string& event, const std::string& organization, const std::string& scope,
                           const std::string& environment, const std::vector<tracked_column>& columns,
                           const std::string& old_row, const std::string& new_row) {
    std::string changes;
    int n = 0;
    for (const tracked_column& c : columns) {
        const std::string before = old_row.empty() ? "NULL" : old_row + "." + c.name;
        const std::string after = new_row.empty() ? "NULL" : new_row + "." + c.name;
        changes += std::string(n == 0 ? "" : ",") + "\n            (" + std::to_string(n + 1) + ", " +
                   quoted(c.key ? c.key : c.name) + ", " + before + " IS DISTINCT FROM " + after +
                   ", json_build_array(" + shown_value(table_name, c, old_row) + ", " +
                   shown_value(table_name, c, new_row) + "))";
        ++n;
    }
    return "INSERT INTO cl_versions (id, resource_type, resource_id, event, organization_id, scope, environment, "
           "who, changes, created_at)\n    VALUES (" +
           std::string(version_id) + ", " + quoted(type) + ", " + id + ", " + quoted(event) + ",\n        " +
           organization + ",\n        " + scope + ",\n        " + environment +
           ",\n        (SELECT who FROM cl_version_actor),\n"
           "        (SELECT COALESCE(json_object_agg(k, v ORDER BY n), '{}')::text FROM (VALUES" +
           changes + ") AS c (n, k, changed, v) WHERE changed),\n        " + version_time + ");";
}

/// `text` with every line indented by four spaces.
std::string indented(const std::string& text) { return "    " + replaced(text, "\n", "\n    "); }

// Triggers are made again with CREATE OR REPLACE TRIGGER (PostgreSQL 14 and later) rather than
// DROP TRIGGER and CREATE TRIGGER: DROP TRIGGER locks its table against readers too (ACCESS
// EXCLUSIVE), so a service starting while others read would wait for their reads, hold up every
// read after them, and could deadlock with a read of several tables. CREATE OR REPLACE TRIGGER
// locks out writers only (SHARE ROW EXCLUSIVE), which the store serializes anyway.

/// A trigger function and its trigger, made again: `body` runs for each row of `sql_event` (after
/// it), when `when` holds (empty: always).
std::string row_trigger(const std::string& name, const std::string& table_name, const std::string& sql_event,
                        const std::string& when, const std::string& body) {
    return "\nCREATE OR REPLACE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n" +
           indented(body + "\nRETURN NULL;") + "\nEND\n$fn$;\nCREATE OR REPLACE TRIGGER " + name + " AFTER " +
           sql_event + " ON " + table_name + " FOR EACH ROW" + (when.empty() ? "" : " WHEN (" + when + ")") +
           " EXECUTE FUNCTION " + name + "();";
}

std::string versions_sql() {
    std::string sql;
    for (const tracked_table& t : tracked_tables()) {
        definition_of(t.name, "id");
        for (const trigger_event& e : trigger_events) {
            const std::string row = *e.new_row ? e.new_row : e.old_row;
            // An update that changes no tracked column leaves no version.
            std::string when;
            if (std::string(e.event) == "update")
                for (const tracked_column& c : t.columns)
                    when +=
                        (when.empty() ? "" : " OR ") + std::string("OLD.") + c.name + " IS DISTINCT FROM NEW." + c.name;
            sql += row_trigger(
                std::string(t.name) + "_version_" + e.event, t.name, e.sql_event, when,
                version_insert(t.name, t.resource_type, row + ".id", e.event, replaced(t.organization, "R.", row + "."),
                               replaced(t.scope, "R.", row + "."), replaced(t.environment, "R.", row + "."), t.columns,
                               e.old_row, e.new_row));
        }
    }
    // A membership's profile link is part of the membership: attaching, changing or detaching a
    // profile is an update of the membership (not once the membership itself is gone, which a
    // trigger's WHEN cannot ask in PostgreSQL: the function does).
    const tracked_column link{"profile_id", shown::text, "membership_profile_id"};
    const char* const membership = "cl_memberships WHERE id = R.membership_id";
    const struct {
        const char *name, *sql_event, *old_row, *new_row;
    } link_events[] = {
        {"insert", "INSERT", "", "NEW"}, {"update", "UPDATE", "OLD", "NEW"}, {"delete", "DELETE", "OLD", ""}};
    for (const auto& e : link_events) {
        const std::string row = *e.new_row ? e.new_row : e.old_row;
        const std::string of_membership = replaced(membership, "R.", row + ".");
        const std::string when = *e.old_row && *e.new_row ? "OLD.profile_id IS DISTINCT FROM NEW.profile_id" : "";
        const std::string organization = "(SELECT organization_id FROM " + of_membership + ")";
        sql += row_trigger(
            std::string("cl_membership_profile_links_version_") + e.name, "cl_membership_profile_links", e.sql_event,
            when,
            "IF EXISTS (SELECT 1 FROM " + of_membership + ") THEN\n" +
                indented(version_insert("cl_membership_profile_links", "memberships", row + ".membership_id", "update",
                                        organization, organization, "NULL", {link}, e.old_row, e.new_row)) +
                "\nEND IF;");
    }
    return sql;
}

// ---- policy changes: which records a write changed ----
//
// As in SQLite (store.cpp's policy_changes_schema_sql): every insert, update and delete of a record
// the policies are built from leaves (table, key) in policy_changes: an insert its new key, a
// delete its old key, an update its old key and its new key too when that differs. One function
// serves every table, the trigger naming the key column (TG_ARGV[0]).

constexpr const char* policy_changes_function = R"sql(
CREATE OR REPLACE FUNCTION policy_changes_log() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    old_key TEXT;
    new_key TEXT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_key := to_jsonb(OLD) ->> TG_ARGV[0];
        INSERT INTO policy_changes (source, record) VALUES (TG_TABLE_NAME, old_key);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_key := to_jsonb(NEW) ->> TG_ARGV[0];
        IF TG_OP = 'INSERT' OR new_key IS DISTINCT FROM old_key THEN
            INSERT INTO policy_changes (source, record) VALUES (TG_TABLE_NAME, new_key);
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;)sql";

std::string policy_changes_sql() {
    std::string sql = policy_changes_function;
    for (const changed_table& t : changed_tables) {
        definition_of(t.name, t.key);
        const std::string trigger = std::string(t.name) + "_changed";
        sql += "\nCREATE OR REPLACE TRIGGER " + trigger + " AFTER INSERT OR UPDATE OR DELETE ON " + t.name +
               " FOR EACH ROW EXECUTE FUNCTION policy_changes_log(" + quoted(t.key) + ");";
    }
    return sql;
}

} // namespace

std::string pg_schema_sql() {
    // One service at a time (until the transaction ends): two running CREATE TABLE IF NOT EXISTS,
    // CREATE OR REPLACE FUNCTION or CREATE OR REPLACE TRIGGER at once can fail.
    std::string sql = "SELECT pg_advisory_xact_lock(" + std::to_string(pg_schema_lock_key) + ");";
    for (const table& t : tables()) sql += create_table(t);
    sql += R"sql(
-- The service looks emails up without regard to case: lower(email) = lower($1).
CREATE INDEX IF NOT EXISTS users_lower_email ON users (lower(email));
CREATE INDEX IF NOT EXISTS bb_users_lower_email ON bb_users (lower(email));

-- The policy versions, and how far writes pruned the change log (policy_changes, which services
-- on one database follow: kept, never emptied here).
INSERT INTO settings (key, value) VALUES ('policy_version_ident', '1'), ('policy_version_provisioning', '1'),
                                         ('policy_version_bluebricks', '1'), ('policy_changes_pruned', '0')
    ON CONFLICT (key) DO NOTHING;

-- As SQLite's store at every open: no actor outlives its write (the store removes it before each
-- commit, so there is none normally).
DELETE FROM cl_version_actor;)sql";
    sql += versions_sql();
    sql += policy_changes_sql();
    return sql + "\n";
}

} // namespace ward_service
