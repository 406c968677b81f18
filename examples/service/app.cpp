// SPDX-License-Identifier: MIT
// The service's state: the three live policies built from the store, the one write that changes
// the store and publishes the next policies, and what more than one API reads. Where the rest is:
// app_impl.hpp.
#include "app_impl.hpp"
#include "validate.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>

namespace ward_service {

app::impl::impl(store& s, app_options o) : db(s), options(o) {
    db.read([&](const store::reader& r) {
        for (auto q = r.prepare("SELECT id, tokens_valid_from FROM users WHERE tokens_valid_from > 0"); q.step();)
            password_changes[q.text(0)] = q.integer(1);
    });
    ident.publish(built("ident", db.load_ident(), build_ident));
    provisioning.publish(built("provisioning", db.load_provisioning(), build_provisioning));
    bluebricks.publish(built("bluebricks", db.load_bluebricks(), build_bluebricks));
}

void app::impl::write(const write_lock& serial, unsigned apis, const std::function<void(store::transaction&)>& f,
                      const json& who) {
    if (!serial.owns_lock() || serial.mutex() != &writer) throw std::logic_error("write() without the writer lock");
    std::shared_ptr<const ward::snapshot<ident_perm>> next_ident;
    std::shared_ptr<const ward::snapshot<cl_perm>> next_provisioning;
    std::shared_ptr<const ward::snapshot<bb_perm>> next_bluebricks;
    {
        store::transaction t(db);
        if (!who.is_null()) t.act_as(dump(who));
        f(t);
        t.stop_acting();
        // Each API's version moves on before its rows are read back, so the snapshot carries it.
        if (apis & api_ident) {
            t.bump_version("ident");
            next_ident = built("ident", t.load_ident(), build_ident);
        }
        if (apis & api_provisioning) {
            t.bump_version("provisioning");
            next_provisioning = built("provisioning", t.load_provisioning(), build_provisioning);
        }
        if (apis & api_bluebricks) {
            t.bump_version("bluebricks");
            next_bluebricks = built("bluebricks", t.load_bluebricks(), build_bluebricks);
        }
        t.commit();
    }
    if (next_ident) ident.publish(std::move(next_ident));
    if (next_provisioning) provisioning.publish(std::move(next_provisioning));
    if (next_bluebricks) bluebricks.publish(std::move(next_bluebricks));
}

bool app::impl::email_taken(store::transaction& t, const char* table, std::string_view email, std::string_view except) {
    auto s = t.prepare(std::string("SELECT count(*) FROM ") + table + " WHERE email = ?1 COLLATE NOCASE AND id != ?2");
    s.bind_all(email, except);
    return s.step() && s.integer(0) > 0;
}

void app::impl::update_names(store::transaction& t, const std::string& id, const std::string& email,
                             const std::optional<std::string>& first, const std::optional<std::string>& last) {
    if (!email.empty()) {
        if (email_taken(t, "users", email, id)) fail(409, "email_taken", "a user with this email already exists");
        t.exec("UPDATE users SET email = ?2 WHERE id = ?1", id, email);
    }
    if (first) t.exec("UPDATE users SET first_name = ?2 WHERE id = ?1", id, *first);
    if (last) t.exec("UPDATE users SET last_name = ?2 WHERE id = ?1", id, *last);
}

void app::impl::require_current(const json& claims, std::string_view user_id) {
    std::int64_t from = 0;
    {
        std::shared_lock<std::shared_mutex> lock(password_changes_mutex);
        const auto it = password_changes.find(std::string(user_id));
        if (it == password_changes.end()) return;
        from = it->second;
    }
    const auto iat = claims.find("iat");
    // Verification has bounded iat (not in the future); a negative one predates any change.
    if (iat == claims.end() || !iat->is_number() || !(iat->get<double>() >= 0) ||
        std::llround(iat->get<double>() * 1000.0) < from)
        fail(401, "invalid_token", "the token was issued before the user's password last changed; log in again");
}

std::optional<ident_user> app::impl::find_ident_user(std::string_view id) { return find_row(users_table, id); }

app::app(store& db, app_options options) : impl_(std::make_unique<impl>(db, options)) {}
app::~app() = default;

std::optional<std::string> app::mint(const mint_options& options, std::string& error) {
    return impl_->mint(options, error);
}

} // namespace ward_service
