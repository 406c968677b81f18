// SPDX-License-Identifier: MIT
/// \file ward/writer.hpp
/// ward::policy_writer<P>: a policy that changes while it is served. It keeps the rows (a
/// policy_builder) and the snapshot last derived from them, and turns one change of the rows into
/// the next snapshot in time proportional to the change: the principals a change touches get new
/// pages of entries, every other page (and the scope tree, the roles, the id indexes) is shared
/// with the previous snapshot. A change that would make the policy invalid is refused with the
/// error build() gives, and the rows and the current snapshot stay as they were.
///
/// \code
/// ward::policy_writer<perm> policy(std::move(builder));  // builds the first snapshot
/// ward::live<perm> current(policy.current());
/// // a write: one membership, inside the database transaction that stores it
/// auto next = policy.apply([&](ward::policy_builder<perm>& rows) {
///     rows.bind("user:bob", "org:acme", {"viewer"});
/// });
/// if (!next) return refuse(next.error.message()); // rows and current() unchanged: roll back
/// current.publish(next.value);
/// \endcode
///
/// What a change costs (docs/concepts.md, "Changing a policy"): rows of principals (bindings,
/// grants, denies, restrictions) and principals added or removed rebuild the pages of the
/// principals they name; a new principal id extends the principal index. Changes to the scope tree,
/// to roles or to denies for everyone are derived by a full build of the rows (they renumber the
/// tree or reach every principal bound to a role).
#ifndef WARD_WRITER_HPP
#define WARD_WRITER_HPP

#include "builder.hpp"
#include "detail/derive.hpp"
#include "snapshot.hpp"

#include <cstdint>
#include <memory>
#include <utility>

namespace ward {

/// The single writer of a changing policy (not thread-safe: one thread writes; readers use the
/// snapshots it yields, typically through live<P>).
template <class P>
class policy_writer {
public:
    /// Takes the rows and builds the first snapshot from all of them. When they do not build,
    /// current() is null and error() says why; a later apply() builds in full, and succeeds once
    /// the rows build (an id that rows name may be defined by a change). A row that was itself
    /// bad when added (a duplicate or malformed id, an unknown permission name or kind) stays an
    /// error of the rows: such rows are fixed by building a new builder, not by a change.
    explicit policy_writer(policy_builder<P> rows) : rows_(std::move(rows)) {
        auto built = rows_.build();
        current_ = std::move(built.value);
        error_ = std::move(built.error);
        rows_.commit_change();
    }

    /// The snapshot of the rows as they stand (null while they have never built).
    const std::shared_ptr<const snapshot<P>>& current() const noexcept { return current_; }
    /// Why the first build failed (ok once a snapshot exists).
    const build_error& error() const noexcept { return error_; }
    /// The rows as they stand.
    const policy_builder<P>& rows() const noexcept { return rows_; }
    /// How the last apply() made its snapshot (full before the first apply()).
    derivation last_derivation() const noexcept { return last_; }

    /// Applies one change: `change(rows)` adds rows (the builder's calls) and removes rows
    /// (policy_builder::remove, unbind). Then the next snapshot is derived from the current one.
    /// Its version is the larger of rows.version() (when the change set it) and current's + 1.
    /// When the change makes the policy invalid (an unknown role, a cycle, a scope under a parent
    /// of the wrong kind, a row for a removed principal, a bad row number), the result holds the
    /// error build() would give for the changed rows, and the change is rolled back: rows() and
    /// current() are as before. The result's snapshot becomes current() otherwise. `change` must
    /// not call commit_change() or rollback_change() (a begin_change() in it does nothing).
    template <class Change>
    build_result<P> apply(Change&& change) {
        build_result<P> out = prepare(std::forward<Change>(change));
        if (out) commit();
        return out;
    }

    /// apply() in two steps, for a change stored in a database transaction: prepare() derives the
    /// next snapshot (or refuses the change, as apply() does) but keeps the change open; commit()
    /// then makes that snapshot current() (after the database committed), rollback() takes the
    /// change back (the database rolled back): rows(), current() and last_derivation() are as
    /// before prepare(). While a change is prepared, current() is still the previous snapshot. A
    /// prepare() while another change is prepared first takes that one back (nothing unconfirmed
    /// is ever kept).
    template <class Change>
    build_result<P> prepare(Change&& change) {
        rollback();
        rows_.begin_change();
        const std::uint64_t before = rows_.version();
        change(rows_);
        const std::uint64_t next = current_ ? current_->version() + 1 : before;
        if (rows_.version() == before || rows_.version() < next) rows_.set_version(next);
        previous_last_ = last_;
        last_ = derivation::full;
        build_result<P> out = current_ ? detail::derive_steps<P>::run(rows_, *current_, last_) : rows_.build();
        if (!out) {
            rows_.rollback_change();
            last_ = previous_last_;
            return out;
        }
        prepared_ = out.value;
        return out;
    }

    /// Whether a prepared change waits for commit() or rollback().
    bool prepared() const noexcept { return prepared_ != nullptr; }

    /// Keeps the prepared change: its snapshot becomes current(). Does nothing when none is prepared.
    void commit() {
        if (!prepared_) return;
        rows_.commit_change();
        current_ = std::move(prepared_);
        prepared_ = nullptr;
        error_ = build_error{};
    }

    /// Takes back the prepared change. Does nothing when none is prepared.
    void rollback() {
        if (!prepared_) return;
        rows_.rollback_change();
        prepared_ = nullptr;
        last_ = previous_last_;
    }

private:
    policy_builder<P> rows_;
    std::shared_ptr<const snapshot<P>> current_;
    std::shared_ptr<const snapshot<P>> prepared_; ///< the snapshot of a prepared change
    build_error error_;
    derivation last_ = derivation::full, previous_last_ = derivation::full;
};

} // namespace ward

#endif
