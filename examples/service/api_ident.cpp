// SPDX-License-Identifier: MIT
// provide ident's users (audience `ident`): GET and POST /api/v1/users, GET, PUT and DELETE
// /api/v1/users/{id}. Login turns the token's claims into a ward credential; ward decides every
// permission; nobody confers or manages more than they hold.
#include "app_impl.hpp"
#include "claims.hpp"
#include "crypto.hpp"
#include "json_depth.hpp"
#include "validate.hpp"

#include <utility>
#include <vector>

namespace ward_service {

namespace {

using ident_caller = app::impl::ident_caller;

/// The ident caller as the actor of the versions its writes leave (deleting a user deletes the
/// user's provisioning memberships): {"type", "id"} from the token's `user:<id>`,
/// `application:<id>` or `organization:<id>`; null without one.
json ident_who(const std::string& subject) {
    const std::size_t colon = subject.find(':');
    if (colon == std::string::npos || colon == 0) return nullptr;
    return json{{"type", subject.substr(0, colon)}, {"id", subject.substr(colon + 1)}};
}

/// ward's check of `need` at `target` for the caller (timed, noted when allowed).
ward::decision<ident_perm> ident_check(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who,
                                       ident_perm need, std::string_view target) {
    return timed_check(c, s, who.cred, ident_set{need}, target);
}

/// A user's stored metadata as JSON; a stored text that is not an object within the bounds is a
/// damaged store (500), never answered.
json metadata_json(const std::string& text, std::string_view id) {
    json m = nests_deeper_than(text, max_metadata_depth) ? json(json::value_t::discarded)
                                                         : json::parse(text, nullptr, false);
    if (!m.is_object()) throw store_error("the stored metadata of user " + std::string(id) + " is not a JSON object");
    return m;
}

/// The `app_metadata` of a metadata object, absent or null being {}.
json app_metadata_of(const json& metadata) {
    const auto it = metadata.find("app_metadata");
    return it == metadata.end() || it->is_null() ? json::object() : *it;
}

json optional_json(const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); }

json ident_user_json(const ident_user& u) {
    return json{{"id", u.id},
                {"created_at", u.created_at},
                {"name", u.first_name + (u.first_name.empty() || u.last_name.empty() ? "" : " ") + u.last_name},
                {"first_name", u.first_name},
                {"last_name", u.last_name},
                {"email", u.email.empty() ? json(nullptr) : json(u.email)},
                {"permissions", u.permissions},
                {"application_id", optional_json(u.application_id)},
                {"privacy_policy_agreed_at", optional_json(u.privacy_policy_agreed_at)},
                {"terms_of_service_agreed_at", optional_json(u.terms_of_service_agreed_at)},
                {"metadata", metadata_json(u.metadata, u.id)}};
}

/// The user `{id}` names, validated; a malformed id is a 400, an unknown one a 404.
std::string ident_id(const call& c) {
    std::string id = path_param(c);
    if (!is_uuid(id)) fail(400, "bad_id", "'" + printable(id) + "' is not a user id (a UUID)");
    // Ids are stored in lower case; a UUID written in upper case names the same user.
    lower_ascii(id);
    return id;
}

/// The stored mask of user `id`, read inside the write that is about to change the user.
std::optional<std::uint32_t> stored_mask(store::transaction& t, std::string_view id) {
    auto s = t.prepare("SELECT permissions FROM users WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return static_cast<std::uint32_t>(s.integer(0));
}

/// The stored metadata of user `id` (who exists), read inside the write that is about to change it.
json stored_metadata(store::transaction& t, const std::string& id) {
    auto s = t.prepare("SELECT metadata FROM users WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) fail(404, "not_found", "no such user");
    return metadata_json(s.text(0), id);
}

/// The body's `permissions`: absent (or null) gives nullopt; present, a uint32 mask with only bits
/// ident defines, or a 400.
std::optional<std::uint32_t> mask_field(const json& body) {
    const auto it = body.find("permissions");
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 0xFFFFFFFFu)
        fail(400, "wrong_type", "'permissions' must be a uint32 mask");
    const auto mask = static_cast<std::uint32_t>(it->get<std::uint64_t>());
    if (!ident_set::from_integer(mask)) fail(400, "bad_permissions", "'permissions' has bits ident does not define");
    return mask;
}

} // namespace

ident_caller app::impl::ident_login(call& c, const ward::snapshot<ident_perm>& s) {
    const json claims = verified_claims(c.req, db.secret(), "ident");
    ident_caller who;
    who.home = "ident";
    if (claims.is_null()) return who;
    who.subject = claim_string(claims, "sub");
    ward::token_claims t;
    t.subject = who.subject;
    if (const auto it = claims.find("permissions"); it != claims.end()) {
        t.has_permission_mask = true;
        t.permission_mask = mask_claim(*it, "permissions");
    }
    std::vector<std::string> resources;
    std::vector<ward::extended_claim> extended;
    if (const auto it = claims.find("extended"); it != claims.end()) {
        if (!it->is_object() || it->size() > 8)
            fail(401, "invalid_token", "the token's 'extended' claim is not a small object");
        resources.reserve(it->size());
        for (const auto& item : it->items()) {
            resources.push_back(item.key());
            extended.push_back({resources.back(), mask_claim(item.value(), "extended")});
        }
        t.extended = ward::view<ward::extended_claim>(extended);
    }
    const bool application = who.subject.rfind("application:", 0) == 0;
    const bool organization = who.subject.rfind("organization:", 0) == 0;
    if (application || organization) {
        t.bound_scopes = who.subject; // an application or organization token sees only its own scope
        who.home = who.subject;
    }
    ward::credential_result<ident_perm> r;
    {
        authz_timer timer(c);
        r = s.authenticate(t);
    }
    if (!r)
        fail(401, "invalid_token", "the token's '" + std::string(ward::to_string(r.failed)) + "' claim was refused");
    if (!r.value.principal().valid()) fail(401, "invalid_token", "the token's subject is not known (any more)");
    // The service's own rule, not ward: outside the authorization timer.
    if (who.subject.rfind("user:", 0) == 0) require_current(claims, std::string_view(who.subject).substr(5));
    who.cred = r.value;
    return who;
}

/// Everything the caller may do at `target` (after denies and the token's caps).
ident_set app::impl::ident_held(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who,
                                std::string_view target) {
    authz_timer timer(c);
    return s.effective_permissions(who.cred, s.find_scope(target)).permissions;
}

/// Nobody confers what they do not hold: every bit of `mask` must be among the caller's
/// effective permissions at `target` (so an application cannot mint a Sudo user).
void app::impl::ident_may_confer(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who,
                                 std::uint32_t mask, std::string_view target) {
    const ident_set beyond = ident_set::from_integer(mask).value - ident_held(c, s, who, target);
    if (!beyond.none())
        fail(403, "beyond_own_permissions",
             "a caller confers only permissions it holds; not held at " + std::string(target) + ": " +
                 ward::to_string(beyond));
}

/// Nobody manages a user more privileged than themselves: changing or deleting another user's
/// record needs every privileged permission the record holds (Sudo and what it stands for),
/// so UpdateUser alone cannot reset a sudoer's password and log in as them.
void app::impl::ident_may_manage(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who,
                                 std::uint32_t target_mask, std::string_view target) {
    static constexpr ident_set privileged = ident_set{ident_perm::sudo}.implied();
    const ident_set theirs = ident_set::from_integer(target_mask).value.implied() & privileged;
    if (theirs.none()) return;
    const ident_set beyond = theirs - ident_held(c, s, who, target);
    if (!beyond.none())
        fail(403, "outranked", "the user holds privileged permissions the caller does not: " + ward::to_string(beyond));
}

reply app::impl::ident_list(call& c) {
    const auto snap = ident.read();
    const ident_caller who = ident_login(c, *snap);
    const auto d = ident_check(c, *snap, who, ident_perm::list_users, who.home);
    if (!d.allowed) deny(*snap, d, ward::status_table{}, "listing users needs ListUsers (or Sudo) at " + who.home);
    const auto users = db.read([](const store::reader& r) {
        std::vector<ident_user> out;
        for (auto s = r.prepare(users_table.select("ORDER BY created_at, id")); s.step();)
            out.push_back(read_ident_user(s));
        return out;
    });
    json out = json::array();
    for (const ident_user& u : users)
        if (ident_check(c, *snap, who, ident_perm::list_users, ident_user_scope(u.id)).allowed)
            out.push_back(ident_user_json(u));
    return {200, std::move(out)};
}

reply app::impl::ident_create(call& c) {
    const json body = parse_body(c);
    allow_only(body, {"email", "password", "first_name", "last_name", "permissions", "privacy_policy_agreed_at",
                      "terms_of_service_agreed_at", "metadata"});
    const auto password = string_field(body, "password", 8, 128, false);
    // A user who logs in needs an email; a virtual user (an application's record) may have none.
    const std::string email = email_field(body, password.has_value());
    const auto first = string_field(body, "first_name", 0, 100, false).value_or("");
    const auto last = string_field(body, "last_name", 0, 100, false).value_or("");
    const std::uint32_t given = mask_field(body).value_or(0);
    const bool mask_given = given != 0;
    const std::uint32_t mask = provide::permissions_for_new_user(given);
    const auto privacy = timestamp_field(body, "privacy_policy_agreed_at");
    const auto terms = timestamp_field(body, "terms_of_service_agreed_at");
    const json metadata = metadata_field(body).value_or(json::object());
    // app_metadata is what applications keep about a user: set like a mask, not by the user.
    const bool app_metadata_given = !app_metadata_of(metadata).empty();
    // Hashing is slow on purpose: it happens before the writer lock is taken.
    std::string hash;
    if (password) hash = password_hash(*password, options.pbkdf2_iterations);

    const write_lock serial = serialize();
    const auto snap = ident.share();
    const ident_caller who = ident_login(c, *snap);
    const bool application = who.subject.rfind("application:", 0) == 0;
    std::optional<std::string> application_id;
    if (application) {
        // An application token creates the user under its application (a virtual user without a password).
        const auto d = ident_check(c, *snap, who, ident_perm::create_user, who.subject);
        if (!d.allowed) deny(*snap, d, ward::status_table{}, "creating users needs CreateUser at the application");
        application_id = who.subject.substr(std::string_view("application:").size());
    } else if (!password) {
        if (who.subject.empty())
            throw http_error{401, "unauthenticated", "a virtual user (no password) needs an application token", {}};
        fail(403, "application_token_required", "a virtual user (no password) needs an application-scoped token");
    }
    if (mask_given || app_metadata_given) {
        const std::string target = application ? who.subject : std::string("ident");
        const auto d = ident_check(c, *snap, who, ident_perm::update_user, target);
        if (!d.allowed)
            deny(*snap, d, ward::status_table{},
                 mask_given ? "setting 'permissions' needs UpdateUser (or Sudo)"
                            : "setting 'metadata.app_metadata' needs UpdateUser (or Sudo)");
        if (mask_given) ident_may_confer(c, *snap, who, mask, target);
    }

    ident_user u;
    u.id = random_uuid();
    u.email = email;
    u.first_name = first;
    u.last_name = last;
    if (password) u.password_hash = std::move(hash);
    u.application_id = application_id;
    u.permissions = mask;
    u.created_at = timestamp_now();
    u.privacy_policy_agreed_at = privacy.value_or(std::nullopt);
    u.terms_of_service_agreed_at = terms.value_or(std::nullopt);
    u.metadata = dump(metadata);
    write(serial, api_ident | api_provisioning, [&](store::transaction& t) {
        if (!email.empty() && email_taken(t, "users", email))
            fail(409, "email_taken", "a user with this email already exists");
        t.exec(users_table.insert(), u.id,
               email.empty() ? std::optional<std::string>() : std::optional<std::string>(email), u.first_name,
               u.last_name, u.password_hash, u.application_id, static_cast<std::int64_t>(u.permissions), u.created_at,
               u.privacy_policy_agreed_at, u.terms_of_service_agreed_at, u.metadata);
    });
    return {201, ident_user_json(u)};
}

reply app::impl::ident_get(call& c) {
    const std::string id = ident_id(c);
    const auto snap = ident.read();
    const ident_caller who = ident_login(c, *snap);
    if (who.subject != "user:" + id || !who.cred.authenticated()) {
        const auto d = ident_check(c, *snap, who, ident_perm::list_users, ident_user_scope(id));
        if (!d.allowed) deny(*snap, d, ward::status_table{}, "reading another user needs ListUsers (or Sudo)");
    }
    return {200, ident_user_json(found(find_ident_user(id), "user"))};
}

reply app::impl::ident_update(call& c) {
    const std::string id = ident_id(c);
    const json body = parse_body(c);
    allow_only(body, {"email", "password", "first_name", "last_name", "permissions", "privacy_policy_agreed_at",
                      "terms_of_service_agreed_at", "metadata"});
    const std::string email = email_field(body, false);
    const auto password = string_field(body, "password", 8, 128, false);
    const auto first = string_field(body, "first_name", 0, 100, false);
    const auto last = string_field(body, "last_name", 0, 100, false);
    std::optional<std::uint32_t> mask;
    if (const auto m = mask_field(body)) mask = provide::permissions_for_new_user(*m);
    const auto privacy = timestamp_field(body, "privacy_policy_agreed_at");
    const auto terms = timestamp_field(body, "terms_of_service_agreed_at");
    const auto metadata = metadata_field(body);

    // Hashing is slow on purpose: it happens before the writer lock is taken.
    std::string hash;
    if (password) hash = password_hash(*password, options.pbkdf2_iterations);

    const write_lock serial = serialize();
    const auto snap = ident.share();
    const ident_caller who = ident_login(c, *snap);
    const bool own = who.cred.authenticated() && who.subject == "user:" + id;
    const bool may_update_user = !own || mask; // ward's UpdateUser at the record, checked here
    if (may_update_user) {
        const auto d = ident_check(c, *snap, who, ident_perm::update_user, ident_user_scope(id));
        if (!d.allowed)
            deny(*snap, d, ward::status_table{},
                 mask ? "setting permissions needs UpdateUser (or Sudo)"
                      : "updating another user needs UpdateUser (or Sudo)");
        if (mask) ident_may_confer(c, *snap, who, *mask, ident_user_scope(id));
    }
    write(serial, mask ? unsigned{api_ident} : 0u, [&](store::transaction& t) {
        const std::uint32_t current = found(stored_mask(t, id), "user");
        if (!own) ident_may_manage(c, *snap, who, current, ident_user_scope(id));
        // One's own metadata, but its app_metadata only as stored: changing that is UpdateUser's.
        if (metadata && !may_update_user && app_metadata_of(*metadata) != app_metadata_of(stored_metadata(t, id))) {
            const auto d = ident_check(c, *snap, who, ident_perm::update_user, ident_user_scope(id));
            if (!d.allowed)
                deny(*snap, d, ward::status_table{},
                     "changing 'metadata.app_metadata' needs UpdateUser (or Sudo), on one's own record too");
        }
        update_names(t, id, email, first, last);
        if (password) {
            // Tokens from before the change, or from its very millisecond, no longer count; a login
            // after it gets an `iat` of at least this (api_tokens.cpp).
            const std::int64_t stamp = unix_now_ms() + 1;
            t.exec("UPDATE users SET password_hash = ?2, tokens_valid_from = ?3 WHERE id = ?1", id, hash, stamp);
            std::unique_lock<std::shared_mutex> lock(password_changes_mutex);
            password_changes[id] = stamp;
        }
        if (mask) t.exec("UPDATE users SET permissions = ?2 WHERE id = ?1", id, static_cast<std::int64_t>(*mask));
        if (privacy) t.exec("UPDATE users SET privacy_policy_agreed_at = ?2 WHERE id = ?1", id, *privacy);
        if (terms) t.exec("UPDATE users SET terms_of_service_agreed_at = ?2 WHERE id = ?1", id, *terms);
        if (metadata) t.exec("UPDATE users SET metadata = ?2 WHERE id = ?1", id, dump(*metadata));
    });
    return {204, nullptr};
}

reply app::impl::ident_delete(call& c) {
    const std::string id = ident_id(c);
    const write_lock serial = serialize();
    const auto snap = ident.share();
    const ident_caller who = ident_login(c, *snap);
    const auto d = ident_check(c, *snap, who, ident_perm::delete_user, ident_user_scope(id));
    if (!d.allowed) deny(*snap, d, ward::status_table{}, "deleting a user needs DeleteUser (or Sudo)");
    write(
        serial, api_ident | api_provisioning,
        [&](store::transaction& t) {
            const std::uint32_t current = found(stored_mask(t, id), "user");
            if (who.subject != "user:" + id) ident_may_manage(c, *snap, who, current, ident_user_scope(id));
            auto owns = t.prepare("SELECT count(*) FROM cl_memberships WHERE user_id = ?1 AND owner = 1");
            owns.bind(1, id);
            if (owns.step() && owns.integer(0) > 0)
                fail(409, "owns_organization", "this user owns an organization; transfer its ownership first");
            t.exec("DELETE FROM cl_memberships WHERE user_id = ?1", id);
            t.exec("DELETE FROM users WHERE id = ?1", id);
        },
        ident_who(who.subject));
    return {204, nullptr};
}

} // namespace ward_service
