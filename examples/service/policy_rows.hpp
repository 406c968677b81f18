// SPDX-License-Identifier: MIT
// How a write becomes a change of one API's policy, in time proportional to the change.
//
// Each API's policy is the builder rows of its records, grouped in units: a unit is one record
// and what the rows of that record depend on (a Provisioning membership with its profile's access
// scope, its role's set and its application memberships). `recorded_rows` takes the builder's calls
// without a builder, so the same functions that add a record's rows to a builder give the rows a
// unit has now. `policy_rows` keeps, for every unit, the rows it added (with their row numbers in
// the builder) and the policy_writer that owns the builder: a write hands it the units it changed
// and their new rows, and it removes the rows that are gone, adds the new ones, and derives the
// next snapshot (ward::policy_writer::apply). Rows that did not change stay as they are, so a
// write that changes nothing the policy reads changes nothing but the version.
#ifndef WARD_SERVICE_POLICY_ROWS_HPP
#define WARD_SERVICE_POLICY_ROWS_HPP

#include <ward/ward.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward_service {

/// One builder call, as data.
template <class P>
struct policy_row {
    enum class call : unsigned char { scope, principal, role, binding, grant, deny, restriction };
    call what{};
    /// scope: id, kind, parent; principal: id; role: id; binding, grant, deny: principal, scope;
    /// restriction: principal, application, within.
    std::string a, b, c;
    ward::permission_set<P> permissions{};
    std::vector<std::string> names; ///< a role's parents, a binding's roles
    ward::principal_kind kind = ward::principal_kind::user;
    ward::assign mode = ward::assign::add;

    friend bool operator==(const policy_row& x, const policy_row& y) {
        return x.what == y.what && x.a == y.a && x.b == y.b && x.c == y.c && x.permissions == y.permissions &&
               x.names == y.names && x.kind == y.kind && x.mode == y.mode;
    }
    friend bool operator!=(const policy_row& x, const policy_row& y) { return !(x == y); }

    /// Adds this row to `to`; returns its row number.
    std::size_t add_to(ward::policy_builder<P>& to) const {
        std::vector<std::string_view> views(names.begin(), names.end());
        const ward::view<std::string_view> list(views);
        switch (what) {
        case call::scope: return to.add_scope(a, b, c);
        case call::principal: return to.add_principal(a, kind);
        case call::role: return to.define_role(a, permissions, list);
        case call::binding: return to.bind(a, b, list, mode);
        case call::grant: return to.grant(a, b, permissions);
        case call::deny: return to.deny(a, b, permissions);
        case call::restriction: return to.restrict_to(a, b, permissions, c);
        }
        return to.row_count(); // unreachable: every call is handled above
    }
};

/// The builder's calls a record's rows are made of, recorded instead of built (same signatures as
/// ward::policy_builder's, so the functions that add rows take either).
template <class P>
class recorded_rows {
public:
    using set = ward::permission_set<P>;
    using row = policy_row<P>;
    using call = typename row::call;

    void add_scope(std::string_view id, std::string_view kind, std::string_view parent = {}) {
        push(make(call::scope, id, kind, parent));
    }
    void add_principal(std::string_view id, ward::principal_kind kind = ward::principal_kind::user) {
        row r = make(call::principal, id);
        r.kind = kind;
        push(std::move(r));
    }
    void define_role(std::string_view id, const set& permissions, ward::view<std::string_view> parents = {}) {
        row r = make(call::role, id, {}, {}, permissions);
        for (std::string_view p : parents) r.names.emplace_back(p);
        push(std::move(r));
    }
    void define_role(std::string_view id, const set& permissions, std::initializer_list<std::string_view> parents) {
        define_role(id, permissions, ward::view<std::string_view>(parents));
    }
    void bind(std::string_view principal, std::string_view scope, ward::view<std::string_view> roles,
              ward::assign mode = ward::assign::add) {
        row r = make(call::binding, principal, scope);
        for (std::string_view n : roles) r.names.emplace_back(n);
        r.mode = mode;
        push(std::move(r));
    }
    void bind(std::string_view principal, std::string_view scope, std::initializer_list<std::string_view> roles,
              ward::assign mode = ward::assign::add) {
        bind(principal, scope, ward::view<std::string_view>(roles), mode);
    }
    void grant(std::string_view principal, std::string_view scope, const set& permissions) {
        push(make(call::grant, principal, scope, {}, permissions));
    }
    void deny(std::string_view principal, std::string_view scope, const set& permissions) {
        push(make(call::deny, principal, scope, {}, permissions));
    }
    void restrict_to(std::string_view principal, std::string_view application, const set& cap,
                     std::string_view within = {}) {
        push(make(call::restriction, principal, application, within, cap));
    }

    std::vector<row>& rows() noexcept { return rows_; }

private:
    static row make(call what, std::string_view a, std::string_view b = {}, std::string_view c = {},
                    const set& permissions = {}) {
        row r;
        r.what = what;
        r.a = a;
        r.b = b;
        r.c = c;
        r.permissions = permissions;
        return r;
    }
    void push(row r) { rows_.push_back(std::move(r)); }
    std::vector<row> rows_;
};

/// A unit's key ("membership mem_1") and its rows as they are now (none: the unit is gone).
template <class P>
using unit_rows = std::pair<std::string, std::vector<policy_row<P>>>;

/// Units by key: the units one write changed, or every unit.
template <class P>
using unit_map = std::map<std::string, std::vector<policy_row<P>>>;

/// One API's policy kept as units of rows, and the writer that derives its snapshots. Not
/// thread-safe: the service's writer lock serializes its writes.
template <class P>
class policy_rows {
public:
    using row = policy_row<P>;

    /// Every unit, in the order their rows go to the builder (`base` first: what belongs to no
    /// record, such as a platform scope or a role table added by `base_rows(builder)`).
    template <class Base>
    policy_rows(ward::scope_schema schema, std::uint64_t version, Base base_rows, std::vector<unit_rows<P>> units)
        : writer_(initial(std::move(schema), version, base_rows, units, units_)) {}

    /// The snapshot of the rows as they stand; null when the rows never built (error() says why).
    const std::shared_ptr<const ward::snapshot<P>>& current() const noexcept { return writer_.current(); }
    const ward::build_error& error() const noexcept { return writer_.error(); }
    /// How the last prepare() made its snapshot.
    ward::derivation last_derivation() const noexcept { return writer_.last_derivation(); }
    /// How many rows the last prepare() removed and added.
    std::pair<std::size_t, std::size_t> last_change() const noexcept { return last_change_; }

    /// The units a write changed, with their rows now: rows that are gone are removed, new rows
    /// added, the rest kept, and the next snapshot (carrying `version`) is derived. Like
    /// ward::policy_writer::prepare, the change waits for commit() (the database committed) or
    /// rollback(); units() already shows it. On an error (the rows do not build) nothing is
    /// prepared, and the result holds build()'s error.
    ward::build_result<P> prepare(const unit_map<P>& changed, std::uint64_t version) {
        rollback();
        // The diff: per unit, the old rows (with their numbers) that the new rows no longer have,
        // and the new rows the old ones did not have. Removals go first, so a definition moving
        // from one unit to another is never defined twice.
        std::vector<std::size_t> removals;
        std::vector<std::pair<std::pair<row, std::size_t>*, const row*>> additions; // where, what
        numbered next; // the changed units after the change, their rows in the order given
        for (const auto& u : changed) {
            auto& kept = next[u.first];
            kept.resize(u.second.size());
            const auto found = units_.find(u.first);
            std::vector<bool> matched(found == units_.end() ? 0 : found->second.size(), false);
            for (std::size_t j = 0; j < u.second.size(); ++j) {
                const row& r = u.second[j];
                bool same = false;
                if (found != units_.end())
                    for (std::size_t i = 0; i < found->second.size() && !same; ++i)
                        if (!matched[i] && found->second[i].first == r) {
                            matched[i] = true;
                            kept[j] = found->second[i];
                            same = true;
                        }
                if (!same) additions.emplace_back(&kept[j], &r);
            }
            for (std::size_t i = 0; i < matched.size(); ++i)
                if (!matched[i]) removals.push_back(found->second[i].second);
        }
        auto result = writer_.prepare([&](ward::policy_builder<P>& b) {
            b.set_version(version);
            for (std::size_t r : removals) b.remove(r);
            for (const auto& [at, r] : additions) *at = {*r, r->add_to(b)};
        });
        if (!result) return result;
        last_change_ = {removals.size(), additions.size()};
        // The units as they were, for rollback(); then the changed ones as they are.
        for (auto& [unit, rows] : next) {
            const auto it = units_.find(unit);
            undo_.emplace_back(unit,
                               it == units_.end() ? std::vector<std::pair<row, std::size_t>>{} : std::move(it->second));
            if (rows.empty()) {
                if (it != units_.end()) units_.erase(it);
            } else {
                units_[unit] = std::move(rows);
            }
        }
        return result;
    }

    /// Keeps the prepared change (its snapshot becomes current()).
    void commit() {
        writer_.commit();
        undo_.clear();
    }

    /// Takes back the prepared change, if any: units and rows as before prepare().
    void rollback() {
        if (!writer_.prepared()) return;
        writer_.rollback();
        for (auto& [unit, rows] : undo_) {
            if (rows.empty()) units_.erase(unit);
            else units_[unit] = std::move(rows);
        }
        undo_.clear();
    }

    /// Whether any of `changed` has other rows than its unit has now.
    bool differs(const unit_map<P>& changed) const {
        for (const auto& [unit, rows] : changed) {
            const auto it = units_.find(unit);
            const std::size_t now = it == units_.end() ? 0 : it->second.size();
            if (now != rows.size()) return true;
            for (std::size_t i = 0; i < now; ++i)
                if (it->second[i].first != rows[i]) return true;
        }
        return false;
    }

    /// Every unit's rows (without row numbers), by key: what a check compares with the units of a
    /// full reload.
    unit_map<P> units() const {
        unit_map<P> out;
        for (const auto& [unit, rows] : units_) {
            auto& to = out[unit];
            for (const auto& r : rows) to.push_back(r.first);
        }
        return out;
    }

private:
    /// Units with the row number of each of their rows.
    using numbered = std::map<std::string, std::vector<std::pair<row, std::size_t>>>;

    template <class Base>
    static ward::policy_builder<P> initial(ward::scope_schema schema, std::uint64_t version, Base& base_rows,
                                           const std::vector<unit_rows<P>>& units, numbered& out) {
        ward::policy_builder<P> b(std::move(schema), version);
        base_rows(b);
        for (const unit_rows<P>& u : units) {
            if (u.second.empty()) continue;
            auto& to = out[u.first];
            for (const row& r : u.second) to.emplace_back(r, r.add_to(b));
        }
        return b;
    }

    numbered units_; // declared before writer_: initial() fills it while writer_ is made
    ward::policy_writer<P> writer_;
    std::vector<std::pair<std::string, std::vector<std::pair<row, std::size_t>>>>
        undo_; ///< a prepared change's units before it
    std::pair<std::size_t, std::size_t> last_change_{};
};

/// The units of `all` (a full reload) that differ from `kept`'s, by key ("" when none): a write's
/// incremental change must leave the units a full reload would give.
template <class P>
std::string first_difference(const unit_map<P>& kept, const std::vector<unit_rows<P>>& all) {
    unit_map<P> full;
    for (const auto& u : all)
        if (!u.second.empty()) {
            auto& to = full[u.first];
            to.insert(to.end(), u.second.begin(), u.second.end());
        }
    for (const auto& [unit, rows] : full) {
        const auto it = kept.find(unit);
        if (it == kept.end()) return unit + " (missing)";
        if (it->second != rows) return unit + " (different rows)";
    }
    for (const auto& [unit, rows] : kept)
        if (full.find(unit) == full.end()) return unit + " (not in a full reload)";
    return {};
}

} // namespace ward_service

#endif
