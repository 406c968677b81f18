// SPDX-License-Identifier: MIT
// Catch2's main for the scaleout tests: finds the server (server.hpp) first, and exits 77 with the
// reason when there is none, which CTest reports as skipped (SKIP_RETURN_CODE) rather than passed.
#if WARD_CATCH_MAJOR >= 3
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "server.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace ward_service_test::pg_server {
namespace {

std::string server_dir() {
    const char* dir = std::getenv("WARD_PG_DIR");
    return dir ? dir : "";
}

std::string found_uri;

/// Sets found_uri, or returns why there is no server.
std::string find_server() {
    if (const char* uri = std::getenv("WARD_PG_URI"); uri && *uri) {
        found_uri = uri;
        return "";
    }
    const std::string dir = server_dir();
    if (dir.empty())
        return "neither WARD_PG_DIR (set by CTest's fixture, which starts a server with tools/pg_server.sh) nor "
               "WARD_PG_URI (postgresql://USER@HOST:PORT/DB) is set; run these tests with ctest -L scaleout";
    std::ifstream file(dir + "/uri");
    std::getline(file, found_uri);
    if (found_uri.empty())
        return "no server was started in " + dir +
               " (the fixture's tools/pg_server.sh start skipped or failed: is PostgreSQL installed? "
               "Debian 12: apt-get install postgresql)";
    return "";
}

} // namespace

const std::string& uri() { return found_uri; }

void restart() {
    const std::string dir = server_dir();
    if (dir.empty()) FAIL("restarting needs the fixture's server (WARD_PG_DIR), not WARD_PG_URI's");
    const std::string command = std::string("bash '") + WARD_PG_SERVER_SCRIPT + "' restart '" + dir + "' >/dev/null";
    INFO(command);
    REQUIRE(std::system(command.c_str()) == 0);
}

} // namespace ward_service_test::pg_server

int main(int argc, char* argv[]) {
    const std::string why = ward_service_test::pg_server::find_server();
    if (!why.empty()) {
        std::cout << "SKIPPED: no PostgreSQL server for the scaleout tests: " << why << "\n";
        return 77;
    }
    std::cout << "PostgreSQL server: " << ward_service_test::pg_server::uri() << "\n";
    return Catch::Session().run(argc, argv);
}
