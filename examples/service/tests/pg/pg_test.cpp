// SPDX-License-Identifier: MIT
// pg.hpp against a real PostgreSQL server (server.hpp): connecting, parameters, transactions seen
// from a second connection, errors and their SQLSTATE, LISTEN/NOTIFY, and connections lost to a
// terminated backend or a restarted server ([pg_restart], which restarts the server).
#include "pg.hpp"
#include "server.hpp"
#include "support/ward_catch.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

namespace pg = ward_service::pg;
using namespace std::chrono_literals;
using ward_service_test::pg_server::uri;
using clock_type = std::chrono::steady_clock;

/// A table of its own for one test case, dropped first (a rerun against the same server) and at
/// the end.
struct scratch_table {
    pg::connection& conn;
    std::string name;
    scratch_table(pg::connection& c, std::string table, const std::string& columns) : conn(c), name(std::move(table)) {
        conn.script("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (" + columns + ")");
    }
    ~scratch_table() {
        try {
            if (conn.ok()) conn.exec("DROP TABLE IF EXISTS " + name);
        } catch (...) {}
    }
    scratch_table(const scratch_table&) = delete;
    scratch_table& operator=(const scratch_table&) = delete;
};

std::int64_t count_rows(pg::connection& conn, const std::string& table) {
    return conn.exec("SELECT count(*) FROM " + table).integer(0, 0);
}

long long elapsed_ms(clock_type::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since).count();
}

/// A TCP socket on 127.0.0.1 that accepts connections (the kernel completes them) but never says a
/// word: a server that hangs.
struct silent_listener {
    int fd = -1;
    int port = 0;
    silent_listener() {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd, 4) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port = ntohs(addr.sin_port);
    }
    ~silent_listener() {
        if (fd >= 0) ::close(fd);
    }
    silent_listener(const silent_listener&) = delete;
    silent_listener& operator=(const silent_listener&) = delete;
};

/// The URI with another database name.
std::string with_database(const std::string& base, const std::string& db) {
    return base.substr(0, base.rfind('/') + 1) + db;
}

} // namespace

TEST_CASE("pg: connects, and a failed connection is a pg::error of class 08", "[pg]") {
    pg::connection conn(uri());
    CHECK(conn.ok());
    CHECK(conn.backend_pid() > 0);
    const pg::result r = conn.exec("SELECT 1 + 1, current_database()");
    REQUIRE(r.rows() == 1);
    REQUIRE(r.columns() == 2);
    CHECK(r.integer(0, 0) == 2);
    CHECK(r.text(0, 1) == "ward");

    SECTION("a database that does not exist") {
        try {
            pg::connection bad(with_database(uri(), "no_such_database"));
            FAIL("connected to a database that does not exist");
        } catch (const pg::error& e) {
            CHECK(e.sqlstate() == pg::unable_to_connect);
            CHECK(e.connection_lost());
            CHECK(std::string(e.what()).find("no_such_database") != std::string::npos);
        }
    }
    SECTION("a server that never answers: the timeout") {
        silent_listener hung;
        const auto start = clock_type::now();
        try {
            pg::connection bad("postgresql://ward@127.0.0.1:" + std::to_string(hung.port) + "/ward", 300ms);
            FAIL("connected to a server that never answers");
        } catch (const pg::error& e) {
            CHECK(e.sqlstate() == pg::unable_to_connect);
            CHECK(std::string(e.what()).find("within 300 ms") != std::string::npos);
        }
        const long long ms = elapsed_ms(start);
        CHECK(ms >= 290);
        CHECK(ms < 3000);
    }
}

TEST_CASE("pg: parameters are text, int64 and NULL; results read back the same", "[pg]") {
    pg::connection conn(uri());
    scratch_table t(conn, "pg_test_params", "id bigint PRIMARY KEY, name text, note text");

    const std::int64_t big = std::numeric_limits<std::int64_t>::max();
    const std::int64_t small = std::numeric_limits<std::int64_t>::min();
    const std::string tricky = "O'Brien\"; DROP TABLE pg_test_params; -- \xc3\xa9\t$1";
    CHECK(conn.exec("INSERT INTO pg_test_params VALUES ($1, $2, $3)", big, tricky, std::nullopt).affected() == 1);
    CHECK(conn.exec("INSERT INTO pg_test_params VALUES ($1, $2, $3)", small, std::string_view("plain"),
                    std::optional<std::string>("a note"))
              .affected() == 1);
    CHECK(conn.exec("INSERT INTO pg_test_params VALUES ($1, $2, $3)", 7, std::optional<std::string>(), "").affected() ==
          1);

    const pg::result r = conn.exec("SELECT id, name, note FROM pg_test_params ORDER BY id");
    REQUIRE(r.rows() == 3);
    CHECK(r.column("name") == 1);
    CHECK(r.integer(0, 0) == small);
    CHECK(r.text(0, 1) == "plain");
    CHECK(r.optional_text(0, 2) == std::optional<std::string>("a note"));
    CHECK(r.integer(1, 0) == 7);
    CHECK(r.is_null(1, 1));
    CHECK_FALSE(r.is_null(1, 2)); // the empty string is not NULL
    CHECK(r.text(1, 2).empty());
    CHECK(r.integer(2, 0) == big);
    CHECK(r.text(2, 1) == tricky);
    CHECK(r.is_null(2, 2));
    CHECK(r.optional_text(2, 2) == std::nullopt);

    // int64 parameters reach the server as numbers: arithmetic on them, and NULL propagating.
    CHECK(conn.exec("SELECT $1::bigint - 1", big).integer(0, 0) == big - 1);
    CHECK(conn.exec("SELECT $1::bigint IS NULL", std::nullopt).text(0, 0) == "t");
    CHECK(conn.exec("SELECT count(*) FROM pg_test_params WHERE note IS NULL").integer(0, 0) == 1);
    CHECK(conn.exec("DELETE FROM pg_test_params WHERE id < $1", 100).affected() == 2);

    // Reading what is not there, or not an integer.
    CHECK_THROWS_AS(r.text(3, 0), std::out_of_range);
    CHECK_THROWS_AS(r.text(0, 3), std::out_of_range);
    CHECK_THROWS_AS(r.column("missing"), pg::error);
    try {
        (void)r.integer(1, 1);
        FAIL("NULL read as an integer");
    } catch (const pg::error& e) { CHECK(e.sqlstate() == "22004"); }
    try {
        (void)r.integer(0, 1);
        FAIL("\"plain\" read as an integer");
    } catch (const pg::error& e) { CHECK(e.sqlstate() == "22P02"); }
}

TEST_CASE("pg: a transaction's writes are seen from another connection after COMMIT only", "[pg]") {
    pg::connection a(uri());
    pg::connection b(uri());
    scratch_table t(a, "pg_test_tx", "id bigint PRIMARY KEY");

    SECTION("commit") {
        pg::transaction tx(a);
        tx.exec("INSERT INTO pg_test_tx VALUES ($1)", 1);
        CHECK(count_rows(a, "pg_test_tx") == 1); // its own write
        CHECK(count_rows(b, "pg_test_tx") == 0);
        tx.commit();
        CHECK_FALSE(tx.active());
        CHECK(count_rows(b, "pg_test_tx") == 1);
    }
    SECTION("rollback") {
        pg::transaction tx(a);
        tx.exec("INSERT INTO pg_test_tx VALUES ($1)", 2);
        tx.rollback();
        CHECK(count_rows(a, "pg_test_tx") == 0);
        CHECK(count_rows(b, "pg_test_tx") == 0);
    }
    SECTION("the destructor rolls back, and the connection is out of the transaction") {
        {
            pg::transaction tx(a);
            tx.exec("INSERT INTO pg_test_tx VALUES ($1)", 3);
            CHECK(count_rows(b, "pg_test_tx") == 0);
        }
        CHECK(count_rows(a, "pg_test_tx") == 0);
        a.exec("INSERT INTO pg_test_tx VALUES ($1)", 4); // autocommit again: b sees it at once
        CHECK(count_rows(b, "pg_test_tx") == 1);
    }
    SECTION("COMMIT after a failed statement rolls back and says so") {
        pg::transaction tx(a);
        tx.exec("INSERT INTO pg_test_tx VALUES ($1)", 5);
        CHECK_THROWS_AS(tx.exec("INSERT INTO pg_test_tx VALUES ($1)", 5), pg::error);
        try {
            tx.commit();
            FAIL("COMMIT of an aborted transaction did not throw");
        } catch (const pg::error& e) {
            CHECK(e.sqlstate() == "25P02");
            CHECK_FALSE(e.connection_lost());
        }
        CHECK(count_rows(b, "pg_test_tx") == 0);
        CHECK(count_rows(a, "pg_test_tx") == 0);
    }
    SECTION("isolation levels") {
        CHECK(a.exec("SHOW transaction_isolation").text(0, 0) == "read committed");
        {
            pg::transaction tx(a, pg::isolation::serializable);
            CHECK(tx.exec("SHOW transaction_isolation").text(0, 0) == "serializable");
        }
        pg::transaction tx(a, pg::isolation::repeatable_read);
        CHECK(tx.exec("SHOW transaction_isolation").text(0, 0) == "repeatable read");
        CHECK(count_rows(a, "pg_test_tx") == 0); // the snapshot is taken here
        b.exec("INSERT INTO pg_test_tx VALUES ($1)", 6);
        CHECK(count_rows(a, "pg_test_tx") == 0); // not in a's snapshot
        tx.commit();
        CHECK(count_rows(a, "pg_test_tx") == 1);
    }
}

TEST_CASE("pg: server errors carry their SQLSTATE; the connection stays usable", "[pg]") {
    pg::connection conn(uri());
    scratch_table t(conn, "pg_test_unique", "id bigint PRIMARY KEY, email text UNIQUE");
    conn.exec("INSERT INTO pg_test_unique VALUES ($1, $2)", 1, "ada@example.org");
    try {
        conn.exec("INSERT INTO pg_test_unique VALUES ($1, $2)", 2, "ada@example.org");
        FAIL("a duplicate email was inserted");
    } catch (const pg::error& e) {
        CHECK(e.sqlstate() == pg::unique_violation);
        CHECK_FALSE(e.connection_lost());
        CHECK(std::string(e.what()).find("duplicate key") != std::string::npos);
    }
    try {
        conn.exec("SELEC 1");
        FAIL("a syntax error was accepted");
    } catch (const pg::error& e) { CHECK(e.sqlstate() == "42601"); }
    CHECK(conn.ok());
    CHECK(count_rows(conn, "pg_test_unique") == 1);
}

TEST_CASE("pg: NOTIFY reaches a listener when the transaction commits, not before, not on rollback", "[pg]") {
    pg::connection listener(uri());
    pg::connection notifier(uri());
    listener.listen("ward_changes");

    {
        pg::transaction tx(notifier);
        notifier.notify("ward_changes", "v1");
        CHECK(listener.wait_notification(300ms) == std::nullopt); // not committed yet
        tx.commit();
    }
    const std::optional<pg::notification> n = listener.wait_notification(5s);
    REQUIRE(n.has_value());
    CHECK(n->channel == "ward_changes");
    CHECK(n->payload == "v1");
    CHECK(n->sender_pid == notifier.backend_pid());

    {
        pg::transaction tx(notifier);
        notifier.notify("ward_changes", "rolled back");
        tx.rollback();
    }
    notifier.notify("ward_changes", "v2"); // outside a transaction: at once
    const std::optional<pg::notification> next = listener.wait_notification(5s);
    REQUIRE(next.has_value());
    CHECK(next->payload == "v2"); // the rolled back one never came
    CHECK(listener.wait_notification(200ms) == std::nullopt);
}

TEST_CASE("pg: wait_notification times out with nullopt; other channels do not wake it", "[pg]") {
    pg::connection listener(uri());
    pg::connection notifier(uri());
    listener.listen("ward_quiet");
    listener.listen("ward_dropped");
    listener.unlisten("ward_dropped");
    notifier.notify("ward_elsewhere", "not for the listener");
    notifier.notify("ward_dropped", "no longer listened to");

    const auto start = clock_type::now();
    CHECK(listener.wait_notification(400ms) == std::nullopt);
    const long long ms = elapsed_ms(start);
    CHECK(ms >= 390);
    CHECK(ms < 2000);
    CHECK(listener.wait_notification(0ms) == std::nullopt);
    CHECK(listener.ok());
}

TEST_CASE("pg: payloads and channel names round trip", "[pg]") {
    pg::connection listener(uri());
    pg::connection notifier(uri());
    const std::string channel = "Ward \"Changes\" \xc3\xa9"; // quoted identifier: case, spaces, quotes
    listener.listen(channel);

    std::string big(7000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    const std::string payloads[] = {"", "{\"api\":\"ident\",\"version\":42}", "line 1\nline 2 'quoted' \xe2\x9c\x93",
                                    big};
    for (const std::string& payload : payloads) notifier.notify(channel, payload);
    for (const std::string& payload : payloads) {
        const std::optional<pg::notification> n = listener.wait_notification(5s);
        REQUIRE(n.has_value());
        CHECK(n->channel == channel);
        CHECK(n->payload.size() == payload.size());
        CHECK(n->payload == payload);
    }
    // Longer than the server allows (8000 bytes): the server's error, not a lost connection.
    try {
        notifier.notify(channel, std::string(9000, 'y'));
        FAIL("a 9000-byte payload was accepted");
    } catch (const pg::error& e) {
        CHECK(e.sqlstate() == "22023");
        CHECK_FALSE(e.connection_lost());
    }
}

TEST_CASE("pg: a terminated backend is a lost connection; reconnect() recovers", "[pg]") {
    pg::connection admin(uri());
    pg::connection listener(uri());
    pg::connection worker(uri());
    listener.listen("ward_terminated");
    const int old_pid = listener.backend_pid();
    CHECK(admin.exec("SELECT pg_terminate_backend($1)", old_pid).text(0, 0) == "t");
    CHECK(admin.exec("SELECT pg_terminate_backend($1)", worker.backend_pid()).text(0, 0) == "t");

    // The listener notices while waiting, the worker at its next statement.
    try {
        (void)listener.wait_notification(10s);
        FAIL("wait_notification returned on a terminated connection");
    } catch (const pg::error& e) { CHECK(e.connection_lost()); }
    CHECK_FALSE(listener.ok());
    try {
        worker.exec("SELECT 1");
        FAIL("a statement ran on a terminated connection");
    } catch (const pg::error& e) { CHECK(e.connection_lost()); }
    CHECK_FALSE(worker.ok());
    CHECK_THROWS_AS(worker.exec("SELECT 1"), pg::error); // and stays lost

    listener.reconnect();
    worker.reconnect();
    CHECK(listener.ok());
    CHECK(worker.exec("SELECT 1").integer(0, 0) == 1);
    CHECK(listener.backend_pid() != old_pid);
    worker.notify("ward_terminated", "listening again"); // reconnect() listened again
    const std::optional<pg::notification> n = listener.wait_notification(5s);
    REQUIRE(n.has_value());
    CHECK(n->payload == "listening again");
}

TEST_CASE("pg: a server restart drops connections; reconnect() recovers them and the data", "[pg_restart]") {
    pg::connection listener(uri());
    pg::connection worker(uri());
    scratch_table t(worker, "pg_test_restart", "id bigint PRIMARY KEY");
    worker.exec("INSERT INTO pg_test_restart VALUES ($1)", 1);
    listener.listen("ward_restart");
    const int old_pid = listener.backend_pid();

    ward_service_test::pg_server::restart();

    const auto start = clock_type::now();
    try {
        (void)listener.wait_notification(20s);
        FAIL("wait_notification returned on a connection to a server that restarted");
    } catch (const pg::error& e) { CHECK(e.connection_lost()); }
    CHECK(elapsed_ms(start) < 5000); // noticed at once, not at the timeout
    CHECK_FALSE(listener.ok());
    try {
        worker.exec("SELECT 1");
        FAIL("a statement ran on a connection to a server that restarted");
    } catch (const pg::error& e) { CHECK(e.connection_lost()); }
    CHECK_FALSE(worker.ok());

    listener.reconnect();
    worker.reconnect();
    CHECK(listener.ok());
    CHECK(worker.ok());
    CHECK(listener.backend_pid() != old_pid);
    CHECK(count_rows(worker, "pg_test_restart") == 1); // committed before the restart
    worker.notify("ward_restart", "after the restart");
    const std::optional<pg::notification> n = listener.wait_notification(5s);
    REQUIRE(n.has_value());
    CHECK(n->payload == "after the restart");
}
