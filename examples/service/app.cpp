// SPDX-License-Identifier: MIT
// The service's state: the three live policies built from the store, the one write that changes
// the store and publishes the next policies (derived from the records it changed), and what more
// than one API reads. Where the rest is:
// app_impl.hpp.
#include "app_impl.hpp"
#include "validate.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>

namespace ward_service {

namespace {

/// `p` after checking it built: a policy that does not build is never served.
template <class Policy>
Policy&& checked(const char* api, Policy&& p) {
    if (!p.current()) throw store_error(std::string("the ") + api + " policy does not build: " + p.error().message());
    return std::forward<Policy>(p);
}

/// One API's part of a write: its change prepared in the transaction, committed after it.
template <class P>
struct api_write {
    const char* name;
    policy_rows<P>& rows;
    ward::live<P>& live;
    bool forced; ///< the write names this API: a new version even when no row changed
    unit_map<P> changed{};
    std::shared_ptr<const ward::snapshot<P>> next{};

    /// Bumps the version and prepares the next snapshot when the write names the API or changed
    /// its rows; throws store_error when the rows do not build (the caller rolls everything back).
    void prepare(store::transaction& t) {
        if (!forced && !rows.differs(changed)) return;
        const std::uint64_t version = t.bump_version(name);
        auto r = rows.prepare(changed, version);
        if (!r) throw store_error(std::string("the ") + name + " policy does not build: " + r.error.message());
        next = r.value;
    }
    /// With --verify-writes: the units are those a full reload of the rows gives.
    template <class Rows, class Units>
    void verify(const Rows& all, Units units) const {
        if (!next) return;
        const std::string diff = first_difference(rows.units(), units(all));
        if (!diff.empty())
            throw store_error(std::string("the ") + name + " policy differs from a full reload at " + diff);
        if (next->version() != all.version)
            throw store_error(std::string("the ") + name + " policy's version differs from the stored one");
    }
    void rollback() { rows.rollback(); }
    void commit() {
        rows.commit();
        if (next) live.publish(std::move(next));
    }
};

} // namespace

app::impl::impl(store& s, app_options o)
    : db(s), options(o), ident_rows(checked("ident", make_ident_policy(db.load_ident()))),
      provisioning_rows(checked("provisioning", make_provisioning_policy(db.load_provisioning()))),
      bluebricks_rows(checked("bluebricks", make_bluebricks_policy(db.load_bluebricks()))) {
    db.read([&](const store::reader& r) {
        for (auto q = r.prepare("SELECT id, tokens_valid_from FROM users WHERE tokens_valid_from > 0"); q.step();)
            password_changes[q.text(0)] = q.integer(1);
    });
    ident.publish(ident_rows.current());
    provisioning.publish(provisioning_rows.current());
    bluebricks.publish(bluebricks_rows.current());
}

void app::impl::write(const write_lock& serial, unsigned apis, const std::function<void(store::transaction&)>& f,
                      const json& who) {
    if (!serial.owns_lock() || serial.mutex() != &writer) throw std::logic_error("write() without the writer lock");
    api_write<ident_perm> w_ident{"ident", ident_rows, ident, (apis & api_ident) != 0};
    api_write<cl_perm> w_provisioning{"provisioning", provisioning_rows, provisioning, (apis & api_provisioning) != 0};
    api_write<bb_perm> w_bluebricks{"bluebricks", bluebricks_rows, bluebricks, (apis & api_bluebricks) != 0};
    try {
        store::transaction t(db);
        if (!who.is_null()) t.act_as(dump(who));
        f(t);
        t.stop_acting();
        // The records the write changed become the units they change, then each API's change is
        // prepared (its version moves on first, so the snapshot carries it).
        const std::vector<record_change> changes = t.take_changes();
        const store::reader r = t.as_reader();
        w_ident.changed = ident_changes(r, changes);
        w_provisioning.changed = provisioning_changes(r, changes, provisioning_rows);
        w_bluebricks.changed = bluebricks_changes(r, changes);
        w_ident.prepare(t);
        w_provisioning.prepare(t);
        w_bluebricks.prepare(t);
        if (options.verify_writes) {
            w_ident.verify(t.load_ident(), ident_units);
            w_provisioning.verify(t.load_provisioning(), provisioning_units);
            w_bluebricks.verify(t.load_bluebricks(), bluebricks_units);
        }
        t.commit();
    } catch (...) {
        w_ident.rollback();
        w_provisioning.rollback();
        w_bluebricks.rollback();
        throw;
    }
    w_ident.commit();
    w_provisioning.commit();
    w_bluebricks.commit();
}

bool app::impl::email_taken(store::transaction& t, const char* table, std::string_view email, std::string_view except) {
    auto s = t.prepare(std::string("SELECT count(*) FROM ") + table + " WHERE lower(email) = lower(?1) AND id != ?2");
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
