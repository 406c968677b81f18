// SPDX-License-Identifier: MIT
// The scripted tour: `ward-service tour --url URL --db FILE` plays a short series of requests
// against a running service and prints, for each, who asked, the status and ward's reason.
#ifndef WARD_SERVICE_TOUR_HPP
#define WARD_SERVICE_TOUR_HPP

#include <ostream>
#include <string>

namespace ward_service {

/// Plays the tour against the service at `url` (`http://HOST:PORT`), whose database is `db_path`
/// (application tokens are minted from it). Writes one entry per request to `out`, at most 100
/// columns wide, and when `print_next_steps` ends with `export TOKEN_...` lines and curl commands
/// to try next. Returns 0 when every request answered the status the script expects, 1 otherwise.
/// Never throws.
int run_tour(const std::string& url, const std::string& db_path, std::ostream& out, bool print_next_steps);

} // namespace ward_service

#endif
