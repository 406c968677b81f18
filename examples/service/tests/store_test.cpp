// SPDX-License-Identifier: MIT
// The store on its own: schema and seed on first open, reopening, transactions that roll back,
// policy versions, refusing files that are not ours, and tokens minted from the stored data.
#include "app.hpp"
#include "crypto.hpp"
#include "store.hpp"
#include "support/ward_catch.hpp"
#include "tokens.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using ward_service::store;

/// A fresh directory under /tmp, removed at the end.
struct scratch {
    fs::path dir;
    scratch() {
        char templ[] = "/tmp/ward-store-XXXXXX";
        if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
        dir = templ;
    }
    ~scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string file(const char* name) const { return (dir / name).string(); }
};

/// The first column of the first row `sql` selects (a count).
std::int64_t scalar(store& s, const std::string& sql) {
    return s.read([&](const store::reader& r) {
        auto st = r.prepare(sql);
        st.step();
        return st.integer(0);
    });
}
std::int64_t count(store& s, const char* table) { return scalar(s, std::string("SELECT count(*) FROM ") + table); }

constexpr unsigned fast_iterations = 1000;

/// A seeded database at `path` as an older release made it: without these columns of users.
void made_without_user_columns(const std::string& path, std::initializer_list<const char*> columns) {
    { store s(path, fast_iterations); }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    for (const char* column : columns) {
        INFO(column);
        CHECK(sqlite3_exec(db, (std::string("ALTER TABLE users DROP COLUMN ") + column).c_str(), nullptr, nullptr,
                           nullptr) == SQLITE_OK);
    }
    sqlite3_close(db);
}

} // namespace

TEST_CASE("a new database is created with its schema, a secret and the seeded data", "[store]") {
    scratch tmp;
    store s(tmp.file("ward.db"), fast_iterations);
    CHECK(s.secret().size() == 32);
    CHECK(count(s, "users") == 5);
    CHECK(count(s, "applications") == 2);
    CHECK(count(s, "cl_organizations") == 2);
    CHECK(count(s, "cl_memberships") == 4);
    CHECK(count(s, "cl_roles") == 5);
    CHECK(count(s, "cl_permissions") == 3);
    CHECK(count(s, "bb_users") == 6);
    CHECK(count(s, "bb_roles") == 6);
    CHECK(count(s, "bb_user_roles") == 7);

    const auto ident = s.load_ident();
    CHECK(ident.version == 1);
    REQUIRE(ident.users.size() == 5);
    std::size_t global = 0;
    for (const auto& u : ident.users) {
        REQUIRE(u.password_hash);
        CHECK(u.password_hash->rfind("pbkdf2-sha256$1000$", 0) == 0);
        CHECK(u.password_hash->find("ward-demo-password") == std::string::npos);
        CHECK(ward_service::password_verify("ward-demo-password", *u.password_hash));
        CHECK_FALSE(ward_service::password_verify("ward-demo-passwore", *u.password_hash));
        global += u.application_id ? 0 : 1;
    }
    CHECK(global == 3);

    const auto provisioning = s.load_provisioning();
    std::size_t owners = 0;
    for (const auto& m : provisioning.memberships) owners += m.owner ? 1 : 0;
    CHECK(owners == 2);
    const auto bluebricks = s.load_bluebricks();
    CHECK(bluebricks.organizations.size() == 2);
    CHECK(bluebricks.user_roles.size() == 7);
}

TEST_CASE("reopening keeps the secret and every record; a second seed never happens", "[store]") {
    scratch tmp;
    std::string secret;
    {
        store s(tmp.file("ward.db"), fast_iterations);
        secret = s.secret();
        store::transaction t(s);
        t.prepare("INSERT INTO bb_organizations VALUES ('org_initech')").run();
        CHECK(t.bump_version("bluebricks") == 2);
        t.commit();
    }
    store again(tmp.file("ward.db"), fast_iterations);
    CHECK(again.secret() == secret);
    CHECK(count(again, "users") == 5);
    CHECK(count(again, "bb_organizations") == 3);
    CHECK(again.load_bluebricks().version == 2);
    CHECK(again.load_ident().version == 1);

    const auto existing = store::open_existing(tmp.file("ward.db"));
    CHECK(existing->secret() == secret);
}

TEST_CASE("a database from before tokens_valid_from gets the column on open, its rows kept", "[store]") {
    scratch tmp;
    const std::string path = tmp.file("ward.db");
    made_without_user_columns(path, {"tokens_valid_from"});
    auto columns = [&](store& s) {
        return scalar(s, "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'tokens_valid_from'");
    };
    store again(path, fast_iterations);
    CHECK(columns(again) == 1);
    CHECK(count(again, "users") == 5);
    CHECK(scalar(again, "SELECT count(*) FROM users WHERE tokens_valid_from = 0") == 5);
}

TEST_CASE("a database from before the users' agreements and metadata gets the columns on open", "[store]") {
    scratch tmp;
    const std::string path = tmp.file("ward.db");
    made_without_user_columns(path, {"privacy_policy_agreed_at", "terms_of_service_agreed_at", "metadata"});
    store again(path, fast_iterations);
    const auto users = again.load_ident().users;
    REQUIRE(users.size() == 5);
    for (const auto& u : users) {
        INFO(u.id);
        CHECK_FALSE(u.privacy_policy_agreed_at.has_value());
        CHECK_FALSE(u.terms_of_service_agreed_at.has_value());
        CHECK(u.metadata == "{}");
        CHECK(u.password_hash.has_value());
    }
    // A second open finds them and adds nothing.
    store third(path, fast_iterations);
    CHECK(scalar(third, "SELECT count(*) FROM pragma_table_info('users')") == 12);
}

TEST_CASE("a transaction that does not commit changes nothing", "[store]") {
    scratch tmp;
    store s(tmp.file("ward.db"), fast_iterations);
    {
        store::transaction t(s);
        t.act_as(R"({"type":"user","id":"test"})"); // the users' memberships go too: a write with versions
        t.prepare("DELETE FROM users").run();
        t.bump_version("ident");
    } // no commit: rolled back
    CHECK(count(s, "users") == 5);
    CHECK(s.load_ident().version == 1);

    // A statement that breaks a constraint throws; the whole transaction is undone.
    CHECK_THROWS_AS(([&] {
                        store::transaction t(s);
                        t.prepare("INSERT INTO bb_organizations VALUES ('org_x')").run();
                        t.prepare("INSERT INTO bb_organizations VALUES ('org_x')").run(); // duplicate key
                        t.commit();
                    }()),
                    ward_service::store_error);
    CHECK(count(s, "bb_organizations") == 2);
}

TEST_CASE("files that are not a ward-service database are refused", "[store]") {
    scratch tmp;
    CHECK_THROWS_AS(store::open_existing(tmp.file("missing.db")), ward_service::store_error);

    const std::string foreign = tmp.file("foreign.db");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(foreign.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE notes (x TEXT)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    CHECK_THROWS_AS(store::open_existing(foreign), ward_service::store_error);

    // A damaged secret is refused rather than replaced: tokens must not silently change keys.
    const std::string damaged = tmp.file("damaged.db");
    { store s(damaged, fast_iterations); }
    REQUIRE(sqlite3_open(damaged.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE settings SET value = 'short' WHERE key = 'token_secret'", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
    CHECK_THROWS_AS(store(damaged, fast_iterations), ward_service::store_error);

    const std::string garbage = tmp.file("garbage.db");
    std::FILE* f = std::fopen(garbage.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fputs("this is not an SQLite file, not even close; it is long enough to have a header", f);
    std::fclose(f);
    CHECK_THROWS_AS(store(garbage, fast_iterations), ward_service::store_error);
}

TEST_CASE("tokens minted from the database carry what the policy says", "[store]") {
    scratch tmp;
    const std::string path = tmp.file("ward.db");
    std::string secret;
    {
        store s(path, fast_iterations);
        secret = s.secret();
    }
    std::string error;
    const auto now = ward_service::unix_now();

    ward_service::mint_options john{"ident", "user:15679071-4a5e-41e3-a495-5d93b478257b", {}, {}, 3600, 0};
    const auto t1 = ward_service::mint_token(path, john, error);
    REQUIRE(t1);
    const auto v1 = ward_service::jwt_verify(*t1, secret, "ward-service", "ident", now);
    REQUIRE(v1);
    CHECK(v1.claims["permissions"] == 415);
    CHECK(v1.claims["sub"] == "user:15679071-4a5e-41e3-a495-5d93b478257b");
    CHECK_FALSE(ward_service::jwt_verify(*t1, secret, "ward-service", "bluebricks", now));

    ward_service::mint_options shop{"ident", "application:cb2037f7-79fc-40f4-9720-ada636da4183", {}, {}, 3600, 0};
    const auto t2 = ward_service::mint_token(path, shop, error);
    REQUIRE(t2);
    CHECK(ward_service::jwt_verify(*t2, secret, "ward-service", "ident", now).claims["permissions"] == 15729150);

    ward_service::mint_options carol{
        "bluebricks", "auth0|carol", {}, std::string("read:users update:users openid"), 3600, 0};
    const auto t3 = ward_service::mint_token(path, carol, error);
    REQUIRE(t3);
    const auto v3 = ward_service::jwt_verify(*t3, secret, "ward-service", "bluebricks", now);
    REQUIRE(v3);
    CHECK(v3.claims["org_id"] == "org_acme");
    CHECK(v3.claims["scope"] == "read:users"); // requested & held: carol is a Viewer, update:users is not hers
    const auto& names = v3.claims["permissions"];
    REQUIRE(names.is_array());
    CHECK(std::find(names.begin(), names.end(), "create:organization_api_key") != names.end());
    CHECK(std::find(names.begin(), names.end(), "update:users") == names.end());

    ward_service::mint_options expired{"provisioning", "user:45a64d9f-3996-4ab0-9de6-2e8b44ef119c", {}, {}, -60, 0};
    const auto t4 = ward_service::mint_token(path, expired, error);
    REQUIRE(t4);
    CHECK(ward_service::jwt_verify(*t4, secret, "ward-service", "provisioning", now).error ==
          ward_service::jwt_error::expired);

    ward_service::mint_options ghost{"bluebricks", "auth0|ghost", {}, {}, 3600, 0};
    CHECK_FALSE(ward_service::mint_token(path, ghost, error));
    CHECK(error.find("auth0|ghost") != std::string::npos);
    ward_service::mint_options nobody{"ident", "user:00000000-0000-4000-8000-000000000000", {}, {}, 3600, 0};
    CHECK_FALSE(ward_service::mint_token(path, nobody, error));
    ward_service::mint_options odd{"payroll", "user:x", {}, {}, 3600, 0};
    CHECK_FALSE(ward_service::mint_token(path, odd, error));
    CHECK_FALSE(ward_service::mint_token(tmp.file("missing.db"), john, error));
}

TEST_CASE("every seeded person has their own salt", "[store]") {
    scratch tmp;
    store s(tmp.file("ward.db"), fast_iterations);
    const auto hashes = s.read([](const store::reader& r) {
        std::vector<std::string> out;
        for (auto st = r.prepare("SELECT password_hash FROM users UNION ALL SELECT password_hash FROM bb_users");
             st.step();)
            out.push_back(st.text(0));
        return out;
    });
    REQUIRE(hashes.size() == 11);
    std::set<std::string> distinct(hashes.begin(), hashes.end());
    CHECK(distinct.size() == hashes.size());
}
