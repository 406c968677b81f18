// SPDX-License-Identifier: MIT
// The service's state: the three live policies built from the store, the one write that changes
// the store and publishes the next policies (derived from the records it changed), and what more
// than one API reads. Where the rest is:
// app_impl.hpp.
#include "app_impl.hpp"
#include "validate.hpp"

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

namespace ward_service {

namespace {

/// `p` after checking it built: a policy that does not build is never served.
template <class Policy>
Policy&& checked(const char* api, Policy&& p) {
    if (!p.current()) throw store_error(std::string("the ") + api + " policy does not build: " + p.error().message());
    return std::forward<Policy>(p);
}

/// One API's part of a write (or of a catch-up with other services' writes): its change prepared,
/// then committed and published, or rolled back.
template <class P>
struct api_write {
    const char* name;
    policy_rows<P>& rows;
    ward::live<P>& live;
    bool forced; ///< the write names this API: a new version even when no row changed
    unit_map<P> changed{};
    std::shared_ptr<const ward::snapshot<P>> next{};

    /// A write: bumps the version and prepares the next snapshot when the write names the API or
    /// changed its rows (or, when neither, takes a newer stored version another service made);
    /// throws store_error when the rows do not build (the caller rolls everything back).
    void prepare(store::transaction& t) {
        if (forced || rows.differs(changed)) return prepare_at(t.bump_version(name));
        follow(t.as_reader());
    }
    /// A catch-up: the stored version, with the changes other services made (nothing when there
    /// are none and the version is the current snapshot's).
    void follow(const store::reader& r) {
        const std::uint64_t version = policy_version(r, name);
        if (!rows.differs(changed) && version == rows.current()->version()) return;
        prepare_at(version);
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

private:
    void prepare_at(std::uint64_t version) {
        auto r = rows.prepare(changed, version);
        if (!r) throw store_error(std::string("the ") + name + " policy does not build: " + r.error.message());
        next = r.value;
    }
};

/// The three APIs' parts of one write or catch-up, with the units `log` changes.
struct api_writes {
    api_write<ident_perm> ident;
    api_write<cl_perm> provisioning;
    api_write<bb_perm> bluebricks;

    void derive(const store::reader& r, const change_log& log) {
        ident.changed = ident_changes(r, log.changes);
        provisioning.changed = provisioning_changes(r, log.changes, provisioning.rows);
        bluebricks.changed = bluebricks_changes(r, log.changes);
    }
    void rollback() {
        ident.rollback();
        provisioning.rollback();
        bluebricks.rollback();
    }
    void commit() {
        ident.commit();
        provisioning.commit();
        bluebricks.commit();
    }
};

} // namespace

app::impl::impl(store& s, app_options o) : impl(s, o, s.load_all()) {}

app::impl::impl(store& s, app_options o, store::everything all)
    : db(s), options(o), ident_rows(checked("ident", make_ident_policy(all.ident))),
      provisioning_rows(checked("provisioning", make_provisioning_policy(all.provisioning))),
      bluebricks_rows(checked("bluebricks", make_bluebricks_policy(all.bluebricks))), applied_change(all.last_change) {
    db.read([&](const store::reader& r) {
        for (auto q = r.prepare("SELECT id, tokens_valid_from FROM users WHERE tokens_valid_from > 0"); q.step();)
            password_changes[q.text(0)] = q.integer(1);
    });
    publish_all();
    if (db.shared()) follower = std::thread([this] { follow(std::chrono::milliseconds(500)); });
}

app::impl::~impl() {
    stopping = true;
    if (follower.joinable()) follower.join();
}

void app::impl::write(const write_lock& serial, unsigned apis, const std::function<void(store::transaction&)>& f,
                      const json& who) {
    if (!serial.owns_lock() || serial.mutex() != &writer) throw std::logic_error("write() without the writer lock");
    api_writes w{{"ident", ident_rows, ident, (apis & api_ident) != 0},
                 {"provisioning", provisioning_rows, provisioning, (apis & api_provisioning) != 0},
                 {"bluebricks", bluebricks_rows, bluebricks, (apis & api_bluebricks) != 0}};
    std::int64_t last = 0;
    try {
        store::transaction t(db);
        // First the writes other services committed since the policies were last brought up to
        // date (this transaction sees them, and no write can come between): published as they
        // are, so this write's change, and its version, are its own.
        follow_log(t.as_reader());
        if (!who.is_null()) t.act_as(dump(who));
        f(t);
        t.stop_acting();
        // The records changed become the units they change, then each API's change is prepared
        // (its version moves on first, so the snapshot carries it).
        const change_log log = t.changes_since(applied_change);
        w.derive(t.as_reader(), log);
        w.ident.prepare(t);
        w.provisioning.prepare(t);
        w.bluebricks.prepare(t);
        if (options.verify_writes) {
            w.ident.verify(t.load_ident(), ident_units);
            w.provisioning.verify(t.load_provisioning(), provisioning_units);
            w.bluebricks.verify(t.load_bluebricks(), bluebricks_units);
        }
        t.announce(); // even a write that changed no policy row may have moved a version
        if (log.last > applied_change) t.prune_changes(log.last - options.kept_changes);
        last = log.last;
        t.commit();
    } catch (...) {
        w.rollback();
        throw;
    }
    w.commit();
    applied_change = last;
    written_change = last;
}

void app::impl::reload(const store::reader& r) {
    store::everything all = load_everything(r);
    ident_rows = checked("ident", make_ident_policy(all.ident));
    provisioning_rows = checked("provisioning", make_provisioning_policy(all.provisioning));
    bluebricks_rows = checked("bluebricks", make_bluebricks_policy(all.bluebricks));
    publish_all();
    applied_change = all.last_change;
}

void app::impl::publish_all() {
    ident.publish(ident_rows.current());
    provisioning.publish(provisioning_rows.current());
    bluebricks.publish(bluebricks_rows.current());
}

void app::impl::catch_up() {
    write_lock serial = serialize();
    db.read([&](const store::reader& r) { follow_log(r); });
}

void app::impl::follow_log(const store::reader& r) {
    const change_log log = read_changes(r, applied_change);
    if (!log.complete) return reload(r);
    api_writes w{{"ident", ident_rows, ident, false},
                 {"provisioning", provisioning_rows, provisioning, false},
                 {"bluebricks", bluebricks_rows, bluebricks, false}};
    try {
        w.derive(r, log);
        w.ident.follow(r);
        w.provisioning.follow(r);
        w.bluebricks.follow(r);
    } catch (...) {
        w.rollback();
        throw;
    }
    w.commit();
    applied_change = log.last;
}

void app::impl::follow(std::chrono::milliseconds poll) {
    // Announcements are waited for in short slices, so a stopping service is not held up; the
    // database is asked for changes at each announcement and at least every `poll`.
    constexpr std::chrono::milliseconds slice(50);
    auto asked = std::chrono::steady_clock::now();
    bool failing = false; // an outage is reported once, and its end
    while (!stopping) {
        try {
            const bool announced = db.wait_for_announcement(slice);
            if (stopping) break;
            if (announced || std::chrono::steady_clock::now() - asked >= poll) {
                asked = std::chrono::steady_clock::now();
                catch_up();
                if (failing) std::fprintf(stderr, "ward-service: following the database again\n");
                failing = false;
            }
        } catch (const std::exception& e) {
            // The database is unreachable (restarting, say): the policies stay as they are, and
            // the next round connects again.
            if (!failing) std::fprintf(stderr, "ward-service: following the database: %s\n", e.what());
            failing = true;
            std::this_thread::sleep_for(slice);
        }
    }
}

bool app::impl::reach(std::int64_t at_least, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (applied_change >= at_least) return true;
        try {
            catch_up();
        } catch (const std::exception&) { // unreachable for now: try again until the deadline
        }
        if (applied_change >= at_least) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
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
