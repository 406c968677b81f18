// SPDX-License-Identifier: MIT
/// \file ward/live.hpp
/// ward::live<P>: the current snapshot of a running service. Readers take a guard and decide
/// against the snapshot it pins; a writer publishes a new snapshot atomically. Readers never
/// lock, never wait for a writer and never allocate; a writer waits until no reader can still be
/// using the snapshot it replaced before releasing it.
///
/// \code
/// ward::live<perm> current(std::move(first_snapshot));
/// // request threads:
/// auto snap = current.read();                 // a guard; cheap, lock-free
/// auto d = snap->check(cred, required, target);
/// // the thread that reloads the policy:
/// current.publish(builder.build().value);
/// \endcode
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

/// Holds the current snapshot; see the file comment.
template <class P>
class live {
    static constexpr std::size_t stripes = 16;
    struct alignas(64) counter {
        std::atomic<std::uint64_t> active[2] = {{0}, {0}};
    };

public:
    /// Pins one snapshot for as long as it lives. Move-only; keep it for one request.
    class guard {
    public:
        guard(guard&& o) noexcept : owner_(o.owner_), snap_(o.snap_), stripe_(o.stripe_), phase_(o.phase_) {
            o.owner_ = nullptr;
        }
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;
        guard& operator=(guard&&) = delete;
        ~guard() {
            if (owner_) owner_->counters_[stripe_].active[phase_].fetch_sub(1, std::memory_order_release);
        }
        const snapshot<P>* get() const noexcept { return snap_; }
        const snapshot<P>& operator*() const noexcept { return *snap_; }
        const snapshot<P>* operator->() const noexcept { return snap_; }
        explicit operator bool() const noexcept { return snap_ != nullptr; }

    private:
        friend class live;
        guard(const live* owner, const snapshot<P>* s, std::size_t stripe, unsigned phase) noexcept
            : owner_(owner), snap_(s), stripe_(stripe), phase_(phase) {}
        const live* owner_;
        const snapshot<P>* snap_;
        std::size_t stripe_;
        unsigned phase_;
    };

    explicit live(std::shared_ptr<const snapshot<P>> first = nullptr) : held_(std::move(first)) {
        current_.store(held_.get(), std::memory_order_seq_cst);
    }
    live(const live&) = delete;
    live& operator=(const live&) = delete;

    /// The current snapshot, pinned. Lock-free and allocation-free; may be null before the first
    /// publish (check the guard, or publish before serving).
    guard read() const noexcept {
        const std::size_t stripe = detail::reader_stripe() % stripes;
        const unsigned phase = static_cast<unsigned>(phase_.load(std::memory_order_seq_cst) & 1u);
        counters_[stripe].active[phase].fetch_add(1, std::memory_order_seq_cst);
        const snapshot<P>* s = current_.load(std::memory_order_seq_cst);
        return guard(this, s, stripe, phase);
    }

    /// The version of the current snapshot (0 when there is none).
    std::uint64_t version() const noexcept {
        const guard g = read();
        return g ? g->version() : 0;
    }

    /// Swaps in `next`. Returns after every reader that could still see the previous snapshot has
    /// let go of it; then releases this handle's reference to it. Writers are serialized.
    /// A thread must not publish while it holds a guard of this handle: it would wait for itself.
    /// Code that decides and then writes (a request handler) holds share()'s reference instead.
    void publish(std::shared_ptr<const snapshot<P>> next) {
        const detail::writer_guard lock(writer_);
        current_.store(next.get(), std::memory_order_seq_cst);
        // Two grace phases: a reader counted under either phase before the store may still hold
        // the old pointer; after both have drained, none can.
        for (int round = 0; round < 2; ++round) {
            const unsigned old_phase = static_cast<unsigned>(phase_.fetch_add(1, std::memory_order_seq_cst) & 1u);
            for (std::size_t i = 0; i < stripes; ++i)
                while (counters_[i].active[old_phase].load(std::memory_order_seq_cst) != 0) WARD_DETAIL_YIELD();
        }
        held_ = std::move(next);
    }

    /// The current snapshot as a shared pointer (for callers that keep it beyond one request).
    std::shared_ptr<const snapshot<P>> share() const {
        const detail::writer_guard lock(writer_);
        return held_;
    }

private:
    std::atomic<const snapshot<P>*> current_{nullptr};
    std::atomic<std::uint64_t> phase_{0};
    mutable std::array<counter, stripes> counters_{};
    mutable detail::writer_lock writer_;
    std::shared_ptr<const snapshot<P>> held_;
};

} // namespace ward

#endif
