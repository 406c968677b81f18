// SPDX-License-Identifier: MIT
// A write's policies, derived from the records it changed, against a full reload: random writes
// straight to the store's tables (inserts, updates and deletes of every kind of record the three
// policies read, including ones the HTTP API never makes, and ones the database or the policy
// refuses), each compared unit by unit and decision by decision with the policies built from all
// rows, then committed or rolled back at random.
#include "harness.hpp"
#include "policies.hpp"
#include "store.hpp"
#include "support/ward_catch.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using ward_service::record_change;
using ward_service::store;
using ward_service::store_error;

/// Every principal id of either snapshot at every scope id of either: the same effective
/// permissions (and the same reason). Returns how many were compared.
template <class P>
std::size_t same_decisions(const ward::snapshot<P>& derived, const ward::snapshot<P>& full) {
    std::set<std::string> principals, scopes;
    for (const auto* s : {&derived, &full}) {
        for (std::uint32_t p = 0; p < s->principal_count(); ++p)
            principals.emplace(s->principal_id(ward::principal_handle{p}));
        for (std::uint32_t c = 0; c < s->scope_count(); ++c) scopes.emplace(s->scope_id(ward::scope_handle{c}));
    }
    std::size_t n = 0;
    for (const std::string& p : principals)
        for (const std::string& c : scopes) {
            const auto a = derived.effective_permissions(ward::credential<P>::of(derived.find_principal(p)),
                                                         derived.find_scope(c));
            const auto b =
                full.effective_permissions(ward::credential<P>::of(full.find_principal(p)), full.find_scope(c));
            INFO(p << " at " << c);
            CHECK(a.permissions == b.permissions);
            CHECK(a.why == b.why);
            ++n;
        }
    return n;
}

/// One random value of `from` (a column of one row per id); "" when there is none.
std::string any(store::transaction& t, std::mt19937& rng, const std::string& sql) {
    std::vector<std::string> ids;
    for (auto s = t.prepare(sql); s.step();) ids.push_back(s.text(0));
    if (ids.empty()) return {};
    return ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng)];
}

struct writes {
    std::mt19937 rng{20261205};
    int serial = 0;

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
    std::string fresh(const char* prefix) { return prefix + std::to_string(++serial); }
    const char* access() {
        static const char* const a[] = {"live", "test", "all"};
        return a[pick(3)];
    }
    std::string id(store::transaction& t, const char* table, const char* column = "id") {
        return any(t, rng, std::string("SELECT ") + column + " FROM " + table);
    }

    /// One random write; throws store_error when the database refuses it (the transaction then
    /// rolls back).
    void operator()(store::transaction& t) {
        const std::string now = "2026-12-05T00:00:00.000Z";
        switch (pick(22)) {
        case 0: { // a membership
            const std::string org = id(t, "cl_organizations");
            t.exec("INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", fresh("mem_"), org, id(t, "users"),
                   any(t, rng, "SELECT id FROM cl_roles WHERE organization_id = '" + org + "'"), std::int64_t{pick(2)},
                   access(), now);
            break;
        }
        case 1: t.exec("DELETE FROM cl_memberships WHERE id = ?1", id(t, "cl_memberships")); break;
        case 2:
            t.exec("UPDATE cl_memberships SET access_scope = ?2 WHERE id = ?1", id(t, "cl_memberships"), access());
            break;
        case 3: t.exec("UPDATE cl_memberships SET owner = 1 - owner WHERE id = ?1", id(t, "cl_memberships")); break;
        case 4: {
            const std::string m = id(t, "cl_memberships");
            t.exec("UPDATE cl_memberships SET role_id = (SELECT r.id FROM cl_roles r, cl_memberships m WHERE m.id = ?1 "
                   "AND r.organization_id = m.organization_id ORDER BY random() LIMIT 1) WHERE id = ?1",
                   m);
            break;
        }
        case 5:
            t.exec("INSERT INTO cl_membership_profiles VALUES (?1, ?2, 'p', ?3, ?4)", fresh("mpf_"),
                   id(t, "cl_organizations"), access(), now);
            break;
        case 6:
            t.exec("UPDATE cl_membership_profiles SET access_scope = ?2 WHERE id = ?1", id(t, "cl_membership_profiles"),
                   access());
            break;
        case 7: t.exec("DELETE FROM cl_membership_profiles WHERE id = ?1", id(t, "cl_membership_profiles")); break;
        case 8:
            t.exec("INSERT OR REPLACE INTO cl_membership_profile_links VALUES (?1, ?2)", id(t, "cl_memberships"),
                   id(t, "cl_membership_profiles"));
            break;
        case 9:
            t.exec("DELETE FROM cl_membership_profile_links WHERE membership_id = ?1",
                   id(t, "cl_membership_profile_links", "membership_id"));
            break;
        case 10: {
            static const char* const subjects[] = {"orders", "customers", "skus", "memberships", "roles", "markets"};
            t.exec("INSERT OR REPLACE INTO cl_permissions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", fresh("perm_"),
                   any(t, rng, "SELECT id FROM cl_roles WHERE kind = 'custom'"), subjects[pick(6)],
                   std::int64_t{pick(2)}, std::int64_t{pick(2)}, std::int64_t{pick(2)}, std::int64_t{pick(2)}, now);
            break;
        }
        case 11: t.exec("DELETE FROM cl_permissions WHERE id = ?1", id(t, "cl_permissions")); break;
        case 12:
            t.exec("INSERT INTO cl_roles VALUES (?1, ?2, 'r', ?3, ?4)", fresh("role_"), id(t, "cl_organizations"),
                   pick(3) == 0 ? "read_only" : "custom", now);
            break;
        case 13: t.exec("DELETE FROM cl_roles WHERE id = ?1", id(t, "cl_roles")); break;
        case 14: {
            const std::string org = id(t, "cl_organizations");
            const bool integration = pick(2) == 0;
            t.exec(ward_service::cl_api_credentials_table.insert(), fresh("cred_"), org, "c",
                   integration ? "integration" : "webapp", pick(2) ? "live" : "test",
                   integration ? std::optional<std::string>(
                                     any(t, rng, "SELECT id FROM cl_roles WHERE organization_id = '" + org + "'"))
                               : std::nullopt,
                   fresh("client_"), "hash", now);
            break;
        }
        case 15:
            t.exec(
                "UPDATE cl_api_credentials SET mode = CASE mode WHEN 'live' THEN 'test' ELSE 'live' END WHERE id = ?1",
                id(t, "cl_api_credentials"));
            break;
        case 16: {
            static const char* const kinds[] = {"admin", "read_only", "custom"};
            const char* kind = kinds[pick(3)];
            t.exec(ward_service::cl_application_memberships_table.insert(), fresh("amem_"), id(t, "cl_memberships"),
                   id(t, "cl_api_credentials"), kind, now,
                   std::string(kind) == "custom" ? (pick(2) ? "orders.read skus.read" : "customers.update") : "");
            break;
        }
        case 17:
            t.exec("DELETE FROM cl_application_memberships WHERE id = ?1", id(t, "cl_application_memberships"));
            break;
        case 18: t.exec("INSERT INTO cl_organizations VALUES (?1, 'o', ?2)", fresh("org_"), now); break;
        case 19: { // ident: a user (in the Provisioning policy too), its mask, its home
            const int what = pick(3);
            if (what == 0)
                t.exec("INSERT INTO users (id, email, first_name, last_name, permissions, created_at, application_id) "
                       "VALUES (?1, ?2, 'f', 'l', ?3, ?4, ?5)",
                       fresh("user_"), fresh("mail") + "@x", std::int64_t{pick(2) ? 415 : 386}, now,
                       pick(2) ? std::optional<std::string>(id(t, "applications")) : std::nullopt);
            else if (what == 1)
                t.exec("UPDATE users SET permissions = ?2 WHERE id = ?1", id(t, "users"),
                       std::int64_t{pick(2) ? 415 : (415 | (1 << 20))});
            else t.exec("DELETE FROM users WHERE id = ?1", id(t, "users"));
            break;
        }
        case 20: { // Bluebricks: a user's roles
            if (pick(2)) t.exec("INSERT INTO bb_user_roles VALUES (?1, ?2)", id(t, "bb_users"), id(t, "bb_roles"));
            else
                t.exec("DELETE FROM bb_user_roles WHERE user_id = ?1 AND role_id = ?2",
                       id(t, "bb_user_roles", "user_id"), id(t, "bb_user_roles", "role_id"));
            break;
        }
        default: // several records in one write
            for (int i = 0; i < 3; ++i) (*this)(t);
            break;
        }
    }
};

/// One API's part of a step: the change prepared from the transaction's changed records, compared
/// with a full reload; returns whether it was prepared.
template <class P, class Rows, class Changes, class Units, class Make>
bool prepare_and_compare(ward_service::policy_rows<P>& policy, store::transaction& t, const char* api, const Rows& all,
                         Changes changes, Units units, Make make, std::size_t& compared) {
    const auto changed = changes();
    const std::uint64_t version = t.bump_version(api);
    const auto full = make(all);
    const auto r = policy.prepare(changed, version);
    INFO(api << " at version " << version);
    if (!r) {
        CHECK(full.current() == nullptr); // refused only where a full build fails too
        if (full.current() == nullptr) CHECK(r.error.ec == full.error().ec);
        return false;
    }
    REQUIRE(full.current() != nullptr);
    CHECK(ward_service::first_difference(policy.units(), units(all)) == "");
    CHECK(r.value->version() == version);
    compared += same_decisions(*r.value, *full.current());
    return true;
}

} // namespace

TEST_CASE("incremental policies: random writes to every table, each against a full reload", "[service][incremental]") {
    ward_service_test::temp_dir dir;
    store s(dir.file("ward.db"), 1000);
    auto ident = ward_service::make_ident_policy(s.load_ident());
    auto provisioning = ward_service::make_provisioning_policy(s.load_provisioning());
    auto bluebricks = ward_service::make_bluebricks_policy(s.load_bluebricks());
    REQUIRE(ident.current());
    REQUIRE(provisioning.current());
    REQUIRE(bluebricks.current());

    writes write;
    std::int64_t applied = s.load_all().last_change; // the change log's position the policies are at
    std::size_t steps = 0, refused_by_database = 0, refused_by_policy = 0, committed = 0, rolled_back = 0, compared = 0,
                incremental = 0;
    for (int step = 0; step < 400; ++step) {
        store::transaction t(s);
        t.act_as(R"({"type":"user","id":"test"})");
        try {
            write(t);
        } catch (const store_error&) {
            ++refused_by_database; // a foreign key, a unique column, a check: nothing happened
            continue;
        }
        t.stop_acting();
        ++steps;
        const ward_service::change_log log = t.changes_since(applied);
        const std::vector<record_change>& changes = log.changes;
        const auto ident_all = t.load_ident();
        const auto provisioning_all = t.load_provisioning();
        const auto bluebricks_all = t.load_bluebricks();
        bool ok = prepare_and_compare(
            ident, t, "ident", ident_all, [&] { return ward_service::ident_changes(t.as_reader(), changes); },
            ward_service::ident_units, ward_service::make_ident_policy, compared);
        ok = ok && prepare_and_compare(
                       provisioning, t, "provisioning", provisioning_all,
                       [&] { return ward_service::provisioning_changes(t.as_reader(), changes, provisioning); },
                       ward_service::provisioning_units, ward_service::make_provisioning_policy, compared);
        ok = ok && prepare_and_compare(
                       bluebricks, t, "bluebricks", bluebricks_all,
                       [&] { return ward_service::bluebricks_changes(t.as_reader(), changes); },
                       ward_service::bluebricks_units, ward_service::make_bluebricks_policy, compared);
        incremental += provisioning.last_derivation() == ward::derivation::incremental;
        if (ok && write.pick(4) != 0) {
            t.commit();
            applied = log.last;
            ident.commit();
            provisioning.commit();
            bluebricks.commit();
            ++committed;
        } else {
            refused_by_policy += !ok;
            ident.rollback();
            provisioning.rollback();
            bluebricks.rollback();
            ++rolled_back;
        }
    }
    // After the last step: the policies are those of the stored rows.
    CHECK(ward_service::first_difference(ident.units(), ward_service::ident_units(s.load_ident())) == "");
    CHECK(ward_service::first_difference(provisioning.units(),
                                         ward_service::provisioning_units(s.load_provisioning())) == "");
    CHECK(ward_service::first_difference(bluebricks.units(), ward_service::bluebricks_units(s.load_bluebricks())) ==
          "");
    WARN("incremental policies: " << steps << " writes (" << committed << " committed, " << rolled_back
                                  << " rolled back, " << refused_by_policy << " refused by the policy), "
                                  << refused_by_database << " refused by the database, " << compared
                                  << " decisions compared, " << incremental << " Provisioning changes derived");
    CHECK(committed > 100);
    CHECK(compared > 100000);
}
