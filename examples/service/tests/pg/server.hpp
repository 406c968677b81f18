// SPDX-License-Identifier: MIT
// The PostgreSQL server the scaleout tests run against: one that CTest's fixture started with
// tools/pg_server.sh (WARD_PG_DIR names its directory, holding the URI in DIR/uri), or any server
// named by WARD_PG_URI when the tests are run by hand. main.cpp exits 77 (CTest: skipped), saying
// why, when there is neither.
#ifndef WARD_SERVICE_TESTS_PG_SERVER_HPP
#define WARD_SERVICE_TESTS_PG_SERVER_HPP

#include <string>

namespace ward_service_test::pg_server {

/// The server's URI, postgresql://USER@127.0.0.1:PORT/DB.
const std::string& uri();

/// Restarts the server (tools/pg_server.sh restart WARD_PG_DIR), failing the test when that fails
/// or when the server was not started by the fixture (WARD_PG_DIR unset).
void restart();

} // namespace ward_service_test::pg_server

#endif
