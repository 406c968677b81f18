// SPDX-License-Identifier: MIT
// What every handler shares (internal to the service): the store, the three live policies, the
// writer lock and the write that rebuilds the policies, and each handler's declaration. The
// handlers themselves live one file per API:
//
//   app.cpp                 the state below, the write, what more than one API reads
//   api_tokens.cpp          POST /api/v1/authenticate and minting tokens
//   api_ident.cpp           provide ident's /api/v1/users
//   provisioning_access.cpp Commerce Layer's callers, checks, records and JSON:API bodies
//   api_provisioning.cpp    Commerce Layer's /api/user, organizations, memberships, roles, permissions
//   api_credentials.cpp     Commerce Layer's API credentials (and their tokens), application memberships
//   api_profiles.cpp        Commerce Layer's membership profiles and identity providers
//   api_versions.cpp        Commerce Layer's versions (the audit trail every Provisioning write leaves)
//   api_bluebricks.cpp      Bluebricks' /api/v1/user
//   routes.cpp              the route table and the wrapper that answers every request
#ifndef WARD_SERVICE_APP_IMPL_HPP
#define WARD_SERVICE_APP_IMPL_HPP

#include "app.hpp"
#include "http.hpp"
#include "policies.hpp"
#include "store.hpp"
#include <ward/ward.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ward_service {

/// The list, get, create and update endpoints of one Commerce Layer record kind: cl_<kinds>_list,
/// cl_<kind>_get, cl_<kind>_create, cl_<kind>_update.
#define WARD_SERVICE_CL_ENDPOINTS(kinds, kind)                                                                         \
    reply cl_##kinds##_list(call& c);                                                                                  \
    reply cl_##kind##_get(call& c);                                                                                    \
    reply cl_##kind##_create(call& c);                                                                                 \
    reply cl_##kind##_update(call& c);

struct app::impl {
    store& db;
    app_options options;
    // The current policies. A read-only request pins one with read() (a lock-free guard); a
    // request that writes holds share()'s reference, which it may keep past its own publish().
    // publish() never waits for readers: replaced snapshots are freed by a later publish once no
    // guard can still see them.
    ward::live<ident_perm> ident;
    ward::live<cl_perm> provisioning;
    ward::live<bb_perm> bluebricks;
    /// Each API's rows, by record (policies.hpp), and the writer that derives its next snapshot
    /// from the records a write changed. Only write() touches them, under the writer lock.
    ident_policy ident_rows;
    provisioning_policy provisioning_rows;
    bluebricks_policy bluebricks_rows;
    /// The position of the store's change log the policies are at (store.hpp, change_log): every
    /// change up to it, this service's writes and (on a shared database) other services', is in
    /// the published snapshots. Written under the writer lock; answers carry it (Ward-Version).
    std::atomic<std::int64_t> applied_change{0};
    /// The position the last write() of this thread reached (the route wrapper zeroes it before a
    /// request and answers with it).
    inline static thread_local std::int64_t written_change = 0;
    /// On a shared database: a thread that follows other services' writes (follow()).
    std::atomic<bool> stopping{false};
    std::thread follower;
    /// Serializes writers. A request that writes takes it before it reads the snapshot it decides
    /// with, and keeps it until its own snapshot is published: it decides against the newest
    /// policy, and snapshots are published in the order their writes committed.
    std::mutex writer;
    using write_lock = std::unique_lock<std::mutex>;

    /// users.tokens_valid_from of every user whose password changed (ms), kept in memory because
    /// every user token is checked against it. Written inside the write that changes a password,
    /// before its commit: a write that then rolls back leaves a stamp that only refuses more.
    std::shared_mutex password_changes_mutex;
    std::unordered_map<std::string, std::int64_t> password_changes;

    impl(store& s, app_options o);
    impl(store& s, app_options o, store::everything all);
    ~impl();
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    // ==== writing and reading (app.cpp) ====================================================================

    enum api : unsigned { api_ident = 1u, api_provisioning = 2u, api_bluebricks = 4u };

    write_lock serialize() { return write_lock(writer); }

    /// One write. `f` runs inside a transaction; then each API of `apis`, and each other API
    /// whose rows the write changed, gets a new policy version and its next snapshot, derived from
    /// the current one by the records the transaction changed (never by reading every row back).
    /// A snapshot that does not build rolls the whole write back (500, nothing changed): the
    /// database never holds what the policy cannot express. After the commit the new snapshots
    /// are published, which cannot fail, so the stored rows and the decisions never disagree.
    /// `who` (null: nobody) is the actor of the versions its writes to Provisioning records
    /// leave; such a write without one fails whole (500).
    void write(const write_lock& serial, unsigned apis, const std::function<void(store::transaction&)>& f,
               const json& who = nullptr);

    /// Brings the policies up to the store's change log: the changes other services on the same
    /// database made since applied_change, derived as a write derives its own (or, when the log
    /// was pruned past it, every policy built again from all rows), then published. Takes the
    /// writer lock.
    void catch_up();
    /// catch_up()'s work, on what `r` reads (under the writer lock).
    void follow_log(const store::reader& r);
    /// Builds every policy again from all rows `r` reads, and publishes them (under the writer
    /// lock, with no change prepared).
    void reload(const store::reader& r);
    /// Publishes the current snapshot of each API's rows.
    void publish_all();
    /// The follower thread's loop: catch_up() at every announcement of another service's write,
    /// and at least every `poll` (a missed announcement, a lost connection); errors are retried.
    void follow(std::chrono::milliseconds poll);
    /// Waits (at most `limit`) until the policies are at change `at_least` or later, catching up
    /// meanwhile; false when they are not by then (Ward-Min-Version).
    bool reach(std::int64_t at_least, std::chrono::milliseconds limit);

    /// Whether another record of `table` than `except` has `email` (case-insensitively).
    static bool email_taken(store::transaction& t, const char* table, std::string_view email,
                            std::string_view except = {});

    /// Sets the fields of user `id` that are given (ident's PUT and provisioning's PATCH /api/user);
    /// 409 when the email belongs to another user.
    static void update_names(store::transaction& t, const std::string& id, const std::string& email,
                             const std::optional<std::string>& first, const std::optional<std::string>& last);

    /// A user's token issued before the user's password last changed is refused: changing a
    /// password logs every earlier session out. Both times are in milliseconds (see unix_now_ms).
    void require_current(const json& claims, std::string_view user_id);

    std::optional<ident_user> find_ident_user(std::string_view id);

    /// The first row of `table` that `where` (a WHERE clause of one parameter, ?1) finds for `value`.
    template <class Row>
    std::optional<Row> find_row_where(const table<Row>& t, const char* where, std::string_view value) {
        return db.read([&](const store::reader& r) -> std::optional<Row> {
            auto s = r.prepare(t.select(where));
            s.bind(1, value);
            if (!s.step()) return std::nullopt;
            return t.read(s);
        });
    }

    /// The row of `table` with this id.
    template <class Row>
    std::optional<Row> find_row(const table<Row>& t, std::string_view id) {
        return find_row_where(t, "WHERE id = ?1", id);
    }

    /// Every row of `table`, oldest first.
    template <class Row>
    std::vector<Row> all_rows(const table<Row>& t) {
        return db.read([&](const store::reader& r) {
            std::vector<Row> out;
            for (auto s = r.prepare(t.select("ORDER BY created_at, id")); s.step();) out.push_back(t.read(s));
            return out;
        });
    }

    // ==== POST /api/v1/authenticate and minting (api_tokens.cpp) ============================================

    reply authenticate(call& c);

    /// Signs a token for `m` with the current policies: ident user tokens carry the stored mask,
    /// bluebricks tokens the user's organization and effective permissions (and scope = requested
    /// & held when a scope was asked for).
    std::optional<std::string> mint(const mint_options& m, std::string& error);

    /// A 401 unless `secret` matches `hash`; without a record (`hash` null) the same 401, after as
    /// long a wait as a wrong secret costs.
    void verify_secret(const std::string& secret, const std::string* hash);

    /// The answer to a grant: the token minted for `m` (a 500 when it cannot be), its type, lifetime,
    /// audience and subject.
    json grant(const mint_options& m);

    // ==== provide ident (api_ident.cpp) =====================================================================

    struct ident_caller {
        ward::credential<ident_perm> cred;
        std::string subject; ///< "" without a token
        std::string home;    ///< the scope GET /users lists under
    };

    ident_caller ident_login(call& c, const ward::snapshot<ident_perm>& s);
    ident_set ident_held(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who,
                         std::string_view target);
    void ident_may_confer(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who, std::uint32_t mask,
                          std::string_view target);
    void ident_may_manage(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who,
                          std::uint32_t target_mask, std::string_view target);

    reply ident_list(call& c);
    reply ident_create(call& c);
    reply ident_get(call& c);
    reply ident_update(call& c);
    reply ident_delete(call& c);

    // ==== Commerce Layer Provisioning: access (provisioning_access.cpp) =====================================

    static constexpr ward::status_table cl_status = commerce_layer::statuses;

    struct cl_caller {
        ward::credential<cl_perm> cred;
        std::string user_id; ///< without the "user:" prefix; "" for an API credential's token
        std::string api_credential_id, api_credential_organization; ///< an API credential's token
        std::string application; ///< a user's token issued through an application: its API credential
        /// Who the caller is in the versions its writes leave: {"type": "user" or "api_credential",
        /// "id", "application"?}.
        json who() const;
    };

    /// What a membership reaches in one organization: at the organization itself and in each of
    /// its environments (live, test).
    struct cl_reach {
        cl_set organization, live, test;
        friend cl_reach operator|(const cl_reach& a, const cl_reach& b) {
            return {a.organization | b.organization, a.live | b.live, a.test | b.test};
        }
    };

    /// The caller. A user's token may name the application it was issued through (ward's via);
    /// an API credential's own token is taken only where `credentials` is true.
    cl_caller cl_login(call& c, const ward::snapshot<cl_perm>& s, bool credentials = false);

    /// What a Provisioning write decides with: the writers' lock, then the newest policies, then
    /// the caller under them.
    struct cl_writer {
        write_lock serial;
        std::shared_ptr<const ward::snapshot<cl_perm>> snap;
        cl_caller who;
    };
    cl_writer cl_write_as(call& c, bool credentials = false) {
        write_lock serial = serialize();
        auto snap = provisioning.share();
        cl_caller who = cl_login(c, *snap, credentials);
        return {std::move(serial), std::move(snap), std::move(who)};
    }
    /// write() as the writer's caller (the versions' actor).
    void write(const cl_writer& w, unsigned apis, const std::function<void(store::transaction&)>& f) {
        write(w.serial, apis, f, w.who.who());
    }
    void cl_require(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on, crud action,
                    std::string_view target, const std::string& what);
    bool cl_allowed(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on, crud action,
                    std::string_view target);
    cl_reach cl_held(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, std::string_view organization);
    static cl_reach cl_gives(const ward::snapshot<cl_perm>& s, std::string_view role, std::string_view access);
    void cl_may_confer(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, std::string_view organization,
                       const cl_reach& gives, const std::string& what);
    bool is_member(std::string_view user_id, std::string_view organization);
    /// Whether records of `organization` exist for the caller: a user's organizations, or the one
    /// of the caller's own API credential.
    bool sees(const cl_caller& who, const std::string& organization);
    void cl_visible(const cl_caller& who, std::string_view organization, bool exists, std::string_view what);
    /// A create in `organization`: 404 unless it exists and the caller belongs to it, then a check of
    /// `on`'s create permission there.
    void cl_may_create(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on,
                       const std::string& organization, const std::string& what);

    /// GET of a collection: the rows of `rows` that `keep(snapshot, caller, row)` keeps, as
    /// `to_json` has them. An API credential's own token is taken where `credentials` is true.
    template <class Row, class Keep, class ToJson>
    reply cl_collection(call& c, bool credentials, const table<Row>& rows, Keep keep, ToJson to_json) {
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap, credentials);
        json out = json::array();
        for (const Row& r : all_rows(rows))
            if (keep(*snap, who, r)) out.push_back(to_json(r));
        return {200, json{{"data", std::move(out)}}};
    }

    /// The record `id` of `rows` that the caller names for `action`: 404 unless it exists in one of
    /// the caller's organizations, then a check of `on`'s `action` at `target` (its organization
    /// when "").
    template <class Row>
    Row cl_found(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, const table<Row>& rows,
                 std::string_view id, std::string_view noun, subject on, crud action, const std::string& what,
                 std::string_view target = {}) {
        std::optional<Row> r = find_row(rows, id);
        cl_visible(who, r ? r->organization_id : std::string(), r.has_value(), noun);
        cl_require(c, s, who, on, action, target.empty() ? std::string_view(r->organization_id) : target, what);
        return std::move(*r);
    }

    /// Inside a write: deletes record `id` of `table`, unless `uses` (a count of the rows that use
    /// ?1) counts one: a 409 `code` with `message` then.
    static void delete_unused(store::transaction& t, const char* table, std::string_view id, const char* uses,
                              const char* code, const char* message);

    std::optional<cl_organization> find_organization(std::string_view id);
    std::vector<cl_organization> all_organizations();
    std::optional<cl_role> find_role(std::string_view id);
    std::optional<cl_permission> find_permission(std::string_view id);
    std::optional<cl_membership> find_membership(std::string_view id);
    std::string organization_of_role(std::string_view role);
    json membership_json(const cl_membership& m);

    // ==== Commerce Layer Provisioning: endpoints (api_provisioning.cpp) =====================================

    reply cl_user(call& c);
    reply cl_user_update(call& c);
    WARD_SERVICE_CL_ENDPOINTS(organizations, organization)
    WARD_SERVICE_CL_ENDPOINTS(memberships, membership)
    reply cl_membership_delete(call& c);
    WARD_SERVICE_CL_ENDPOINTS(roles, role)
    WARD_SERVICE_CL_ENDPOINTS(permissions, permission)

    // ==== Commerce Layer Provisioning: membership profiles, identity providers (api_profiles.cpp) =========

    std::optional<cl_membership_profile> find_profile(std::string_view id);
    /// The profile attached to membership `membership`; "" when it has none.
    std::string profile_of(std::string_view membership);
    /// The access scope membership `m` acts with: its profile's when it has one (the profile wins),
    /// its own otherwise.
    std::string effective_access(const cl_membership& m);
    /// The access scope of profile `id` of `organization`; a 422 `unknown_profile` when there is no
    /// such profile there.
    std::string profile_access(std::string_view id, std::string_view organization);
    /// The `membership_profile` relationship of a membership body: absent gives nullopt, `{"data":
    /// null}` a present "" (detach), otherwise the profile's id.
    static std::optional<std::string> profile_relationship(const json& rels);

    WARD_SERVICE_CL_ENDPOINTS(profiles, profile)
    reply cl_profile_delete(call& c);
    WARD_SERVICE_CL_ENDPOINTS(identity_providers, identity_provider)
    reply cl_identity_provider_delete(call& c);

    // ==== Commerce Layer Provisioning: API credentials, application memberships (api_credentials.cpp) =====

    std::optional<cl_api_credential> find_api_credential(std::string_view id);
    /// POST /api/v1/authenticate with grant_type client_credentials.
    reply client_credentials(const json& body);

    WARD_SERVICE_CL_ENDPOINTS(api_credentials, api_credential)
    reply cl_api_credential_delete(call& c);
    WARD_SERVICE_CL_ENDPOINTS(application_memberships, application_membership)
    reply cl_application_membership_delete(call& c);

    // ==== Commerce Layer Provisioning: versions, the audit trail (api_versions.cpp) ========================

    reply cl_versions_list(call& c);
    reply cl_version_get(call& c);

    // ==== Bluebricks (api_bluebricks.cpp) ===================================================================

    struct bb_caller {
        ward::credential<bb_perm> cred;
        std::string subject, organization;
    };

    bb_caller bb_login(call& c, const ward::snapshot<bb_perm>& s);
    void bb_require(call& c, const ward::snapshot<bb_perm>& s, const bb_caller& who, std::string_view need,
                    std::string_view target);
    std::optional<bb_user> find_bb_user(std::string_view id);

    reply bb_me(call& c);
    reply bb_get(call& c);
    reply bb_roles(call& c);
};

#undef WARD_SERVICE_CL_ENDPOINTS

} // namespace ward_service

#endif
