// SPDX-License-Identifier: MIT
/// \file ward/live.hpp
/// ward::live<P>: the current snapshot of a running service. Readers take a guard and decide
/// against the snapshot it pins; a writer publishes a new snapshot atomically. Readers never
/// lock, never wait for a writer, never allocate and never free; a writer never waits for a
/// reader either: the snapshot it replaces is retired, and freed by a later publish() or
/// reclaim() once no reader can still be using it (epoch-based reclamation, see below).
///
/// \code
/// ward::live<perm> current(std::move(first_snapshot));
/// // request threads:
/// auto snap = current.read();                 // a guard; cheap, lock-free
/// auto d = snap->check(cred, required, target);
/// // the thread that reloads the policy:
/// current.publish(builder.build().value);     // returns at once, even while guards are held
/// \endcode
///
/// How it works (the argument the memory orders below rely on). A global epoch E counts up;
/// every reader stripe has one counter per epoch bucket (E % 3).
///  - read(): registers in bucket e % 3 (fetch_add), then checks that the epoch is still e (if not,
///    it deregisters and retries with the new epoch), then loads the current pointer. A reader is
///    "registered at e" once that check succeeded.
///  - publish(): swaps the pointer, retires the handle's reference to the old snapshot tagged with
///    the epoch r read after the swap, then tries to advance the epoch (below) and frees every
///    retired snapshot tagged r <= E - 2. It never waits.
///  - advancing E -> E + 1 happens only if bucket (E - 1) % 3 reads zero on every stripe, i.e. every
///    reader registered at E - 1 has let go (new readers go to bucket (E + 1) % 3 = (E - 2) % 3,
///    which the previous advance found empty). So when the epoch is E, every reader registered at
///    E - 2 or earlier has let go.
///  - A reader that holds snapshot p registered at e <= r, where r is p's retirement tag: its epoch
///    check preceded its pointer load, which preceded the swap that retired p (it read p), which
///    preceded the writer's epoch load r, all in the single total order of seq_cst operations; so
///    its check read an epoch no later than r. Freeing at E >= r + 2 thus happens after every such
///    reader let go. The release decrement of a leaving reader synchronizes with the writer's
///    seq_cst (hence acquire) load of that counter (every later change of the counter is a
///    read-modify-write, so it continues the decrement's release sequence): everything the reader
///    did with p happens before p is freed.
///
/// Memory bound (retired() counts the retired snapshots the handle still references):
///  - A publish() or reclaim() that runs with no guard held and no read() in flight advances the
///    epoch twice and frees everything: retired() == 0 after it. Each publish() adds one retired
///    snapshot, so retired() <= the number of publishes since the last such call.
///  - A guard registered at g keeps the epoch at g + 1 at most: while it is held, nothing retired at
///    g or later is freed, so each publish() adds one (reads never wait for that, nor publish()).
///  - A snapshot retired at r is freed by the first publish() or reclaim() that runs when no guard
///    registered at r or earlier is held (nor a read() in flight). Guards registered at r are
///    those taken before the epoch next advanced, which is at the first publish() or reclaim()
///    that finds no guard of epoch r - 1; so a reader that holds guards back to back, each for a
///    long time, keeps the snapshots published during its last two holds.
///  - Under steady traffic of short requests the current epoch almost always has readers, so a
///    publish() advances once: the snapshot it retires is freed by the next publish() or reclaim().
#ifndef WARD_LIVE_HPP
#define WARD_LIVE_HPP

#include "policy.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#if defined(__unix__) || defined(__APPLE__)
#include <sched.h>
#define WARD_DETAIL_YIELD() ::sched_yield()
#else
#include <thread>
#define WARD_DETAIL_YIELD() std::this_thread::yield()
#endif

namespace ward {

namespace detail {
/// A tiny lock for writers only (readers never take it): <mutex> costs more to compile than ward.
class writer_lock {
public:
    void lock() noexcept {
        while (busy_.exchange(true, std::memory_order_acquire)) WARD_DETAIL_YIELD();
    }
    void unlock() noexcept { busy_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> busy_{false};
};
struct writer_guard {
    explicit writer_guard(writer_lock& l) noexcept : l_(l) { l_.lock(); }
    ~writer_guard() { l_.unlock(); }
    writer_guard(const writer_guard&) = delete;
    writer_guard& operator=(const writer_guard&) = delete;
    writer_lock& l_;
};

inline std::size_t reader_stripe() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine;
}
} // namespace detail

/// Holds the current snapshot; see the file comment. No guard may outlive its live handle: the
/// destructor frees every snapshot the handle still holds (the current one and the retired ones).
template <class P>
class live {
    static constexpr std::size_t stripes = 16;
    static constexpr std::size_t buckets = 3;
    struct alignas(64) counter {
        std::atomic<std::uint64_t> active[buckets] = {{0}, {0}, {0}};
    };
    /// A reference to a replaced snapshot, freed once no reader can still be using it.
    struct retired_node {
        std::shared_ptr<const snapshot<P>> snap;
        std::uint64_t epoch = 0;
        retired_node* next = nullptr;
    };

public:
    /// Pins one snapshot for as long as it lives. Move-only; keep it for one request. Its
    /// destructor only deregisters (one atomic decrement): it never frees a snapshot.
    class guard {
    public:
        /// Takes over `o`'s pin; `o` is left empty (false, no snapshot), so it cannot read a
        /// snapshot it no longer pins.
        guard(guard&& o) noexcept : owner_(o.owner_), snap_(o.snap_), stripe_(o.stripe_), bucket_(o.bucket_) {
            o.owner_ = nullptr;
            o.snap_ = nullptr;
        }
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;
        guard& operator=(guard&&) = delete;
        ~guard() {
            // release: what this reader did with the snapshot happens before a writer that sees the
            // counter drained frees it (see the file comment).
            if (owner_) owner_->counters_[stripe_].active[bucket_].fetch_sub(1, std::memory_order_release);
        }
        const snapshot<P>* get() const noexcept { return snap_; }
        const snapshot<P>& operator*() const noexcept { return *snap_; }
        const snapshot<P>* operator->() const noexcept { return snap_; }
        explicit operator bool() const noexcept { return snap_ != nullptr; }

    private:
        friend class live;
        guard(const live* owner, const snapshot<P>* s, std::size_t stripe, std::size_t bucket) noexcept
            : owner_(owner), snap_(s), stripe_(stripe), bucket_(bucket) {}
        const live* owner_;
        const snapshot<P>* snap_;
        std::size_t stripe_;
        std::size_t bucket_;
    };

    explicit live(std::shared_ptr<const snapshot<P>> first = nullptr) : held_(std::move(first)) {
        current_.store(held_.get(), std::memory_order_seq_cst);
    }
    live(const live&) = delete;
    live& operator=(const live&) = delete;
    /// Frees the current snapshot and every retired one. No guard may be held any more.
    ~live() { free_chain(head_); }

    /// The current snapshot, pinned. Lock-free and allocation-free; wait-free unless a writer
    /// advances the epoch between its two loads of it (then it retries; a publish() or reclaim()
    /// advances it at most twice). May be null before the first publish (check the guard, or
    /// publish before serving).
    guard read() const noexcept {
        const std::size_t stripe = detail::reader_stripe() % stripes;
        // A guess: the check below decides, so any epoch value will do here.
        std::uint64_t e = epoch_.load(std::memory_order_relaxed);
        for (;;) {
            std::atomic<std::uint64_t>& c = counters_[stripe].active[bucket_of(e)];
            // seq_cst on the increment and on the check: the increment precedes the check in the
            // total order, so a writer that advances past e after the check sees this reader.
            c.fetch_add(1, std::memory_order_seq_cst);
            const std::uint64_t now = epoch_.load(std::memory_order_seq_cst);
            if (now == e) break;
            c.fetch_sub(1, std::memory_order_release); // stale bucket: it never loaded a pointer
            e = now;
        }
        // seq_cst: after the check in the total order (see the file comment).
        const snapshot<P>* s = current_.load(std::memory_order_seq_cst);
        return guard(this, s, stripe, bucket_of(e));
    }

    /// The version of the current snapshot (0 when there is none).
    std::uint64_t version() const noexcept {
        const guard g = read();
        return g ? g->version() : 0;
    }

    /// Swaps in `next` and returns without waiting for readers: the handle's reference to the
    /// previous snapshot is retired and dropped once no reader can still see it, by this or a
    /// later publish() or reclaim() (see the file comment for the bound). Writers are serialized;
    /// a thread may publish while it holds a guard. Retired snapshots are released on the
    /// publishing thread, after the writer lock is let go. Allocates one small node (before
    /// changing anything: if that throws, nothing changed).
    void publish(std::shared_ptr<const snapshot<P>> next) {
        retired_node* node = new retired_node;
        retired_node* freed = nullptr;
        {
            const detail::writer_guard lock(writer_);
            current_.exchange(next.get(), std::memory_order_seq_cst);
            node->snap = std::move(held_);
            held_ = std::move(next);
            if (node->snap) {
                // seq_cst, after the exchange: a reader that could have loaded the old pointer
                // passed its epoch check at this epoch or earlier.
                node->epoch = epoch_.load(std::memory_order_seq_cst);
                append(node);
                node = nullptr;
            }
            freed = collect();
        }
        delete node; // nothing was published before: nothing to retire
        free_chain(freed);
    }

    /// Frees the retired snapshots no reader can still see (advancing the epoch where readers
    /// allow; never waits) and returns how many remain retired. Call it now and then if publishes
    /// are rare and readers were holding guards at the last one.
    std::size_t reclaim() {
        retired_node* freed = nullptr;
        std::size_t left = 0;
        {
            const detail::writer_guard lock(writer_);
            freed = collect();
            left = retired_count_;
        }
        free_chain(freed);
        return left;
    }

    /// How many replaced snapshots the handle still holds a reference to. Takes the writers'
    /// lock (a short spin while a publish is under way): not for the decision path.
    std::size_t retired() const noexcept {
        const detail::writer_guard lock(writer_);
        return retired_count_;
    }

    /// The current snapshot as a shared pointer (for callers that keep it beyond one request).
    /// Takes the writers' lock (a short spin while a publish is under way), unlike read().
    std::shared_ptr<const snapshot<P>> share() const {
        const detail::writer_guard lock(writer_);
        return held_;
    }

private:
    static std::size_t bucket_of(std::uint64_t epoch) noexcept { return static_cast<std::size_t>(epoch % buckets); }

    // ---- writer side: called with the writer lock held -------------------------------------------
    void append(retired_node* n) noexcept {
        if (tail_) tail_->next = n;
        else head_ = n;
        tail_ = n;
        ++retired_count_;
    }

    /// Advances the epoch E -> E + 1 if every reader registered at E - 1 has let go.
    bool try_advance() noexcept {
        const std::uint64_t e = epoch_.load(std::memory_order_relaxed); // only writers store it
        const std::size_t previous = bucket_of(e + buckets - 1);
        for (std::size_t i = 0; i < stripes; ++i)
            if (counters_[i].active[previous].load(std::memory_order_seq_cst) != 0) return false;
        epoch_.store(e + 1, std::memory_order_seq_cst);
        return true;
    }

    /// Advances the epoch as far as the newest retired snapshot needs (twice at most, since every
    /// tag is <= the epoch) and readers allow, then unlinks the snapshots retired at E - 2 or
    /// earlier (a prefix: tags never decrease along the list). Returns them for free_chain.
    retired_node* collect() noexcept {
        while (tail_ && tail_->epoch + 2 > epoch_.load(std::memory_order_relaxed) && try_advance()) {}
        const std::uint64_t e = epoch_.load(std::memory_order_relaxed);
        retired_node* first = head_;
        retired_node* last = nullptr;
        for (retired_node* n = head_; n && n->epoch + 2 <= e; n = n->next) {
            last = n;
            --retired_count_;
        }
        if (!last) return nullptr;
        head_ = last->next;
        if (!head_) tail_ = nullptr;
        last->next = nullptr;
        return first;
    }

    static void free_chain(retired_node* n) noexcept {
        while (n) {
            retired_node* next = n->next;
            delete n;
            n = next;
        }
    }

    // The two words every reader loads, on one cache line (a publish writes both).
    alignas(64) std::atomic<const snapshot<P>*> current_{nullptr};
    std::atomic<std::uint64_t> epoch_{0};
    mutable std::array<counter, stripes> counters_{};
    mutable detail::writer_lock writer_;
    std::shared_ptr<const snapshot<P>> held_;
    retired_node* head_ = nullptr; ///< oldest retired
    retired_node* tail_ = nullptr; ///< newest retired
    std::size_t retired_count_ = 0;
};

} // namespace ward

#endif
