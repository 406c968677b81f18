// SPDX-License-Identifier: MIT
// HTTP plumbing every handler shares: the JSON error a handler throws, the reply it returns, the
// request in flight (with the time ward took on it and ward's explanation), the request body as
// JSON, and a ward decision made and timed, or turned into an error.
#ifndef WARD_SERVICE_HTTP_HPP
#define WARD_SERVICE_HTTP_HPP

#include <ward/ward.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace httplib {
struct Request;
}

namespace ward_service {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

/// Thrown by a handler to answer with a JSON error; caught by the route wrapper (routes.cpp).
struct http_error {
    int status;
    std::string code;
    std::string message;
    std::string reason; ///< ward's explain() when ward decided
};

[[noreturn]] inline void fail(int status, std::string code, std::string message) {
    throw http_error{status, std::move(code), std::move(message), {}};
}

struct reply {
    int status = 200;
    json body; ///< null: no body (204)
};

/// The README's error shape: {"error": {"status", "code", "message", "reason"?}}.
json error_body(int status, std::string_view code, std::string_view message, std::string_view reason);

/// `j` as compact text; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const json& j);

/// One request in flight: what it is, and how long ward took on it.
struct call {
    const httplib::Request& req;
    std::chrono::nanoseconds authz{0};
    bool explain = false;   ///< app_options::explain
    std::string decision{}; ///< ward's explanation of the first allowed decision (with explain on)
};

/// The record a lookup found, or a 404 `not_found`: "no such <what>".
template <class Row>
Row found(std::optional<Row> row, std::string_view what) {
    if (!row) fail(404, "not_found", "no such " + std::string(what));
    return std::move(*row);
}

/// The first capture of the route's path pattern (the `{id}` of the path), as sent.
std::string path_param(const call& c);

/// The request body as a JSON object, or a 400 (413, 415) that says what is wrong with it.
json parse_body(const call& c);

/// Adds the time of one ward step to the request's authorization time.
class authz_timer {
public:
    explicit authz_timer(call& c) : c_(c), start_(clock_type::now()) {}
    ~authz_timer() { c_.authz += std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start_); }
    authz_timer(const authz_timer&) = delete;
    authz_timer& operator=(const authz_timer&) = delete;

private:
    call& c_;
    clock_type::time_point start_;
};

/// With explain on, remembers the first decision that let the request through.
template <class P>
void note_allowed(call& c, const ward::snapshot<P>& s, const ward::decision<P>& d) {
    if (c.explain && d.allowed && c.decision.empty()) c.decision = s.explain(d);
}

/// ward's check of `need` at `target`, timed as authorization, and noted when it lets the request
/// through.
template <class P>
ward::decision<P> timed_check(call& c, const ward::snapshot<P>& s, const ward::credential<P>& cred,
                              const ward::permission_set<P>& need, std::string_view target) {
    ward::decision<P> d;
    {
        authz_timer timer(c);
        d = s.check(cred, need, target);
    }
    note_allowed(c, s, d);
    return d;
}

/// The error code of a denial: ward's reason with '_' for spaces; "not_found" outside the scope.
std::string code_of(ward::reason r);

/// A denied decision as an error: the status from the API's status table, ward's reason.
template <class P>
[[noreturn]] void deny(const ward::snapshot<P>& s, const ward::decision<P>& d, const ward::status_table& table,
                       std::string message) {
    const std::string code = code_of(d.why);
    if (code == "not_found") message = "not found within the caller's scope";
    throw http_error{table(d), code, std::move(message), s.explain(d)};
}

} // namespace ward_service

#endif
