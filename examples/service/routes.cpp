// SPDX-License-Identifier: MIT
// The routes: which path and method reach which handler, the wrapper that turns a handler's reply
// or error into the HTTP answer (with Server-Timing), and the JSON answers of the HTTP layer itself
// (no route, 405, 413, ...).
#include "app_impl.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

namespace ward_service {

namespace {

using impl = app::impl;

/// How long a request with Ward-Min-Version waits for this service's policies to get there.
constexpr std::chrono::milliseconds min_version_wait(2000);

/// A version as a header gives it: 1 to 18 decimal digits.
bool version_number(const std::string& text, std::int64_t& out) {
    if (text.empty() || text.size() > 18) return false;
    std::int64_t n = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return false;
        n = n * 10 + (ch - '0');
    }
    out = n;
    return true;
}
using handler_fn = reply (impl::*)(call&);

/// The handler `f` as httplib calls it: errors answered as JSON, the Server-Timing header, and
/// with explain on the Ward-Decision header.
httplib::Server::Handler route(impl& i, handler_fn f) {
    return [&i, f](const httplib::Request& req, httplib::Response& res) {
        const auto start = clock_type::now();
        call c{req};
        c.explain = i.options.explain;
        reply r;
        // The change log's position the policies deciding this request are at least at: taken
        // before the handler reads a snapshot (snapshots are published before the position moves).
        std::int64_t version = i.applied_change;
        impl::written_change = 0;
        try {
            // Read your writes through any service on the database: a request may ask for the
            // policies to be at least at the change log's position an earlier answer gave.
            if (req.has_header("Ward-Min-Version")) {
                const std::string wanted = req.get_header_value("Ward-Min-Version");
                std::int64_t at_least = 0;
                if (!version_number(wanted, at_least))
                    fail(400, "bad_request", "Ward-Min-Version must be a non-negative integer");
                if (!i.reach(at_least, min_version_wait))
                    fail(503, "version_unavailable",
                         "this service's policies have not reached version " + wanted + " yet; retry");
                version = i.applied_change;
            }
            r = (i.*f)(c);
        } catch (const http_error& e) {
            r = {e.status, error_body(e.status, e.code, e.message, e.reason)};
        } catch (const store_error& e) {
            std::fprintf(stderr, "ward-service: storage error: %s\n", e.what());
            r = {500, error_body(500, "storage_error", "the request could not be stored; nothing changed", {})};
        } catch (const std::exception& e) {
            std::fprintf(stderr, "ward-service: error: %s\n", e.what());
            r = {500, error_body(500, "internal_error", "internal error; nothing changed", {})};
        }
        res.status = r.status;
        if (!r.body.is_null()) res.set_content(dump(r.body), "application/json");
        const double total = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        const double authz = std::chrono::duration<double, std::milli>(c.authz).count();
        char timing[96];
        std::snprintf(timing, sizeof timing, "authz;dur=%.4f, total;dur=%.4f", authz, total);
        res.set_header("Server-Timing", timing);
        // After a write: that write's position (a read there sees it).
        res.set_header("Ward-Version", std::to_string(std::max(version, impl::written_change)));
        if (r.status < 400 && !c.decision.empty()) res.set_header("Ward-Decision", c.decision);
    };
}

/// A 405 for a method the API never takes on that path.
httplib::Server::Handler not_allowed(std::string message) {
    return [message](const httplib::Request&, httplib::Response& res) {
        res.status = 405;
        res.set_content(dump(error_body(405, "method_not_allowed", message, {})), "application/json");
    };
}

} // namespace

void app::mount(httplib::Server& server) {
    impl& i = *impl_;
    server.set_payload_max_length(max_body_bytes);
    // Every error without a body (404 no route, 413 too large, 400 unparsable request) gets a JSON one.
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const char* code = "bad_request";
        const char* message = "the request could not be read";
        switch (res.status) {
        case 404: code = "no_route", message = "no such endpoint"; break;
        case 405: code = "method_not_allowed", message = "this endpoint does not take that method"; break;
        case 413: code = "body_too_large", message = "the body is larger than 64 KiB"; break;
        case 414: code = "uri_too_long", message = "the request line is too long"; break;
        default: break;
        }
        res.set_content(dump(error_body(res.status, code, message, {})), "application/json");
        return httplib::Server::HandlerResponse::Handled;
    }));
    constexpr const char* id = "([^/]+)";
    const std::string user = std::string("/api/v1/users/") + id;
    // provide ident
    server.Post("/api/v1/authenticate", route(i, &impl::authenticate));
    server.Get("/api/v1/users", route(i, &impl::ident_list));
    server.Post("/api/v1/users", route(i, &impl::ident_create));
    server.Get(user, route(i, &impl::ident_get));
    server.Put(user, route(i, &impl::ident_update));
    server.Delete(user, route(i, &impl::ident_delete));
    // Bluebricks
    server.Get("/api/v1/user/me", route(i, &impl::bb_me));
    server.Get(std::string("/api/v1/user/") + id, route(i, &impl::bb_get));
    server.Post(std::string("/api/v1/user/") + id + "/roles", route(i, &impl::bb_roles));
    // Commerce Layer Provisioning
    server.Get("/api/user", route(i, &impl::cl_user));
    server.Patch("/api/user", route(i, &impl::cl_user_update));
    struct collection {
        const char* path;
        handler_fn list, create, get, update, remove; ///< remove: nullptr when the API never deletes
        const char* never_deleted;                    ///< the 405's message then
    };
    const collection collections[] = {
        {"/api/organizations", &impl::cl_organizations_list, &impl::cl_organization_create, &impl::cl_organization_get,
         &impl::cl_organization_update, nullptr, "organizations cannot be deleted"},
        {"/api/memberships", &impl::cl_memberships_list, &impl::cl_membership_create, &impl::cl_membership_get,
         &impl::cl_membership_update, &impl::cl_membership_delete, nullptr},
        {"/api/roles", &impl::cl_roles_list, &impl::cl_role_create, &impl::cl_role_get, &impl::cl_role_update, nullptr,
         "roles cannot be deleted"},
        {"/api/permissions", &impl::cl_permissions_list, &impl::cl_permission_create, &impl::cl_permission_get,
         &impl::cl_permission_update, nullptr, "permissions cannot be deleted"},
        {"/api/api_credentials", &impl::cl_api_credentials_list, &impl::cl_api_credential_create,
         &impl::cl_api_credential_get, &impl::cl_api_credential_update, &impl::cl_api_credential_delete, nullptr},
        {"/api/application_memberships", &impl::cl_application_memberships_list,
         &impl::cl_application_membership_create, &impl::cl_application_membership_get,
         &impl::cl_application_membership_update, &impl::cl_application_membership_delete, nullptr},
        {"/api/membership_profiles", &impl::cl_profiles_list, &impl::cl_profile_create, &impl::cl_profile_get,
         &impl::cl_profile_update, &impl::cl_profile_delete, nullptr},
        {"/api/identity_providers", &impl::cl_identity_providers_list, &impl::cl_identity_provider_create,
         &impl::cl_identity_provider_get, &impl::cl_identity_provider_update, &impl::cl_identity_provider_delete,
         nullptr},
    };
    for (const collection& k : collections) {
        const std::string one = std::string(k.path) + "/" + id;
        server.Get(k.path, route(i, k.list));
        server.Post(k.path, route(i, k.create));
        server.Get(one, route(i, k.get));
        server.Patch(one, route(i, k.update));
        server.Delete(one, k.remove ? route(i, k.remove) : not_allowed(k.never_deleted));
    }
    // Versions are left by the writes themselves and only read.
    const std::string version = std::string("/api/versions/") + id;
    server.Get("/api/versions", route(i, &impl::cl_versions_list));
    server.Get(version, route(i, &impl::cl_version_get));
    for (const std::string& path : {std::string("/api/versions"), version}) {
        server.Post(path, not_allowed("versions are immutable"));
        server.Patch(path, not_allowed("versions are immutable"));
        server.Delete(path, not_allowed("versions are immutable"));
    }
}

} // namespace ward_service
