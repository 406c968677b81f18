// SPDX-License-Identifier: MIT
// ward::live's deferred reclamation: publish() returns while readers hold guards on older
// snapshots; a held snapshot stays whole until its reader lets go; every replaced snapshot is freed
// exactly once, and never while a reader can still see it. Every snapshot here is a real ward
// snapshot with a version and a canary scope id naming that version, wrapped so that its
// destruction is counted. Meant to run under ThreadSanitizer too.
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/ward.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using ident = wt::ident;
using iset = ward::permission_set<ident>;
using snap_ptr = std::shared_ptr<const ward::snapshot<ident>>;
using clock_type = std::chrono::steady_clock;

constexpr std::string_view platform = "platform:the-one-and-only";
constexpr std::string_view bob = "user:bob-who-holds-guards-for-long";

/// Snapshots of versions 1..n, built up front, each counting its destruction. The canary of
/// version v is the scope "organization:canary-<v>-..." (longer than a small-string buffer), under
/// which bob holds read_resources.
class versions {
public:
    explicit versions(std::uint64_t n) : destroyed_(n + 1), canary_(n + 1) {
        for (std::uint64_t v = 1; v <= n; ++v)
            canary_[v] = "organization:canary-" + std::to_string(v) + "-with-an-id-beyond-any-small-buffer";
    }

    /// A fresh snapshot of version v; the last reference to it counts one destruction of v.
    snap_ptr make(std::uint64_t v) {
        ward::policy_builder<ident> b(ward::scope_schema::standard(), v);
        b.add_scope(platform, "platform");
        b.add_scope(canary_[v], "organization", platform);
        b.add_principal(bob);
        b.grant(bob, canary_[v], iset{ident::read_resources});
        snap_ptr inner = b.build().value;
        REQUIRE(inner);
        std::atomic<int>* count = &destroyed_[v];
        const ward::snapshot<ident>* raw = inner.get();
        return snap_ptr(raw, [inner, count](const ward::snapshot<ident>*) mutable {
            count->fetch_add(1); // counted first: a reader still using it would see the count
            inner.reset();
        });
    }

    /// Whether `s` is whole: version v in range, its canary there with its grant, not destroyed.
    bool whole(const ward::snapshot<ident>& s) const {
        const std::uint64_t v = s.version();
        if (v == 0 || v >= canary_.size()) return false;
        if (destroyed_[v].load() != 0) return false;
        const ward::scope_handle h = s.find_scope(canary_[v]);
        if (!h || s.scope_id(h) != canary_[v]) return false;
        const auto d = s.check(ward::credential<ident>::of(s.find_principal(bob)), ident::read_resources, h);
        return d.allowed && d.version == v;
    }

    int destroyed(std::uint64_t v) const { return destroyed_[v].load(); }

private:
    std::vector<std::atomic<int>> destroyed_;
    std::vector<std::string> canary_;
};

} // namespace

TEST_CASE("publish returns while a reader holds a guard for a long time", "[concurrency][live][reclaim]") {
    constexpr std::uint64_t publishes = 1000;
    constexpr auto hold_at_least = std::chrono::milliseconds(200);
    const auto deadline = clock_type::now() + std::chrono::seconds(60); // only against a hang
    versions vs(publishes + 1);
    std::vector<snap_ptr> next;
    next.reserve(publishes);
    for (std::uint64_t v = 2; v <= publishes + 1; ++v) next.push_back(vs.make(v));

    {
        ward::live<ident> current(vs.make(1));
        std::atomic<bool> holding{false};
        std::atomic<bool> writer_done{false};
        std::atomic<bool> fast_started{false};
        std::atomic<bool> released{false};
        bool done_while_held = false;
        std::size_t held_reads = 0, held_broken = 0;
        std::size_t short_reads = 0, short_broken = 0, short_backwards = 0;
        std::size_t retired_while_held = 0;
        int held_destroyed_while_held = -1;

        std::thread slow_reader([&] {
            {
                const auto g = current.read();
                const auto t0 = clock_type::now();
                holding.store(true);
                // Holds its guard at least hold_at_least, and until the writer has finished.
                while (clock_type::now() < deadline &&
                       (!writer_done.load() || clock_type::now() - t0 < hold_at_least)) {
                    ++held_reads;
                    if (!g || g->version() != 1 || !vs.whole(*g)) ++held_broken;
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                }
                done_while_held = writer_done.load();
            }
            released.store(true);
        });
        std::thread fast_reader([&] { // short requests all along, until the slow reader lets go
            std::uint64_t last = 0;
            while (!released.load() && clock_type::now() < deadline) {
                const auto g = current.read();
                ++short_reads;
                if (short_reads == 1) fast_started.store(true);
                if (!g || !vs.whole(*g)) {
                    ++short_broken;
                    continue;
                }
                if (g->version() < last) ++short_backwards;
                last = g->version();
                if ((short_reads & 15u) == 0) std::this_thread::yield();
            }
        });
        std::thread writer([&] {
            while ((!holding.load() || !fast_started.load()) && clock_type::now() < deadline) std::this_thread::yield();
            std::size_t n = 0;
            for (auto& s : next) {
                current.publish(std::move(s));
                if ((++n & 7u) == 0) std::this_thread::yield(); // let the short reads interleave
            }
            retired_while_held = current.retired();
            held_destroyed_while_held = vs.destroyed(1);
            writer_done.store(true);
        });
        writer.join();
        fast_reader.join();
        slow_reader.join();

        INFO(held_reads << " reads through the held guard, " << short_reads << " short reads");
        CHECK(done_while_held); // all 1,000 publishes returned while the guard was held
        CHECK(held_reads > 0);
        CHECK(held_broken == 0);
        CHECK(short_reads > 0);
        CHECK(short_broken == 0);
        CHECK(short_backwards == 0);
        CHECK(held_destroyed_while_held == 0);
        CHECK(retired_while_held >= 1);
        CHECK(retired_while_held <= publishes); // at most one per publish
        CHECK(current.version() == publishes + 1);

        // The guard is gone: everything replaced can be freed now, each exactly once.
        CHECK(current.reclaim() == 0);
        CHECK(current.retired() == 0);
        std::size_t wrong = 0;
        for (std::uint64_t v = 1; v <= publishes; ++v)
            if (vs.destroyed(v) != 1) ++wrong;
        CHECK(wrong == 0);
        CHECK(vs.destroyed(publishes + 1) == 0);
    }
    CHECK(vs.destroyed(publishes + 1) == 1); // the destructor freed the current one
}

TEST_CASE("snapshots are freed while readers come and go, never while one can see them",
          "[concurrency][live][reclaim]") {
    constexpr std::uint64_t last_version = 1500;
    constexpr std::size_t reader_count = 3;
    const auto deadline = clock_type::now() + std::chrono::seconds(8);
    versions vs(last_version);
    std::vector<snap_ptr> next;
    next.reserve(last_version);
    for (std::uint64_t v = 2; v <= last_version; ++v) next.push_back(vs.make(v));

    ward::live<ident> current(vs.make(1));
    std::atomic<bool> go{false};
    std::atomic<bool> writer_done{false};
    std::atomic<std::uint64_t> published{1};
    struct alignas(64) reader_state {
        std::size_t reads = 0, broken = 0, backwards = 0, long_holds = 0, versions_seen = 0;
    };
    std::vector<reader_state> state(reader_count);

    auto reader = [&](reader_state& st, std::size_t who) {
        while (!go.load()) std::this_thread::yield();
        std::uint64_t last = 0;
        while (!writer_done.load() && clock_type::now() < deadline) {
            const auto g = current.read();
            ++st.reads;
            if (!g || !vs.whole(*g)) {
                ++st.broken;
                continue;
            }
            const std::uint64_t v = g->version();
            if (v < last) ++st.backwards;
            if (v != last) ++st.versions_seen;
            last = v;
            // Now and then a slow request: hold the guard across many publishes, then look again.
            if ((st.reads + who * 17) % 97 == 0) {
                ++st.long_holds;
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                if (g->version() != v || !vs.whole(*g)) ++st.broken;
            } else if ((st.reads & 7u) == 0) {
                std::this_thread::yield();
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < reader_count; ++i) threads.emplace_back(reader, std::ref(state[i]), i);
    threads.emplace_back([&] { // a second writer-side thread: reclaim() concurrently with publish()
        while (!go.load()) std::this_thread::yield();
        while (!writer_done.load()) {
            current.reclaim();
            std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    });
    threads.emplace_back([&] {
        go.store(true);
        for (std::uint64_t v = 2; v <= last_version && clock_type::now() < deadline; ++v) {
            current.publish(std::move(next[v - 2]));
            published.store(v);
            std::this_thread::sleep_for(std::chrono::microseconds(20)); // many publishes per long hold
        }
        writer_done.store(true);
    });
    for (auto& t : threads) t.join();

    const std::uint64_t top = published.load();
    INFO("published up to version " << top);
    CHECK(top > 100);
    for (std::size_t i = 0; i < reader_count; ++i) {
        INFO("reader " << i << ": " << state[i].reads << " reads, " << state[i].long_holds << " long holds");
        CHECK(state[i].reads > 0);
        CHECK(state[i].broken == 0);
        CHECK(state[i].backwards == 0);
    }
    CHECK(current.reclaim() == 0);
    CHECK(current.retired() == 0);
    CHECK(current.version() == top);
    std::size_t wrong = 0;
    for (std::uint64_t v = 1; v < top; ++v)
        if (vs.destroyed(v) != 1) ++wrong;
    CHECK(wrong == 0);
    CHECK(vs.destroyed(top) == 0);
}

TEST_CASE("a thread may publish while it holds a guard", "[concurrency][live][reclaim]") {
    versions vs(3);
    ward::live<ident> current(vs.make(1));
    {
        const auto g = current.read();
        current.publish(vs.make(2)); // the old writer waited for its own guard here, forever
        CHECK(current.version() == 2);
        CHECK(current.retired() == 1);
        CHECK(current.reclaim() == 1); // still pinned by g
        CHECK(g->version() == 1);
        CHECK(vs.whole(*g));
        CHECK(vs.destroyed(1) == 0);
    }
    CHECK(current.reclaim() == 0);
    CHECK(vs.destroyed(1) == 1);
    CHECK(vs.destroyed(2) == 0);
}

TEST_CASE("retired snapshots pile up one per publish while a guard is held, and no further",
          "[concurrency][live][reclaim]") {
    versions vs(10);
    ward::live<ident> current(vs.make(1));
    // No guard held: publish frees the replaced snapshot before it returns.
    current.publish(vs.make(2));
    CHECK(current.retired() == 0);
    CHECK(vs.destroyed(1) == 1);
    {
        const auto g = current.read(); // pins version 2
        for (std::uint64_t v = 3; v <= 7; ++v) {
            current.publish(vs.make(v));
            CHECK(current.retired() == v - 2);
        }
        for (std::uint64_t v = 2; v <= 6; ++v) CHECK(vs.destroyed(v) == 0);
        CHECK(vs.whole(*g));
    }
    // The guard is gone: the next publish frees all five, and the one it replaces.
    current.publish(vs.make(8));
    CHECK(current.retired() == 0);
    for (std::uint64_t v = 2; v <= 7; ++v) CHECK(vs.destroyed(v) == 1);
    // share() keeps its own reference: the snapshot outlives its retirement until that goes.
    snap_ptr kept = current.share();
    current.publish(vs.make(9));
    CHECK(current.retired() == 0);
    CHECK(vs.destroyed(8) == 0);
    CHECK(vs.whole(*kept));
    kept.reset();
    CHECK(vs.destroyed(8) == 1);
}

TEST_CASE("the live handle's destructor frees the retired snapshots", "[concurrency][live][reclaim]") {
    versions vs(5);
    {
        ward::live<ident> current(vs.make(1));
        {
            const auto g = current.read();
            for (std::uint64_t v = 2; v <= 5; ++v) current.publish(vs.make(v));
            CHECK(current.retired() == 4);
        }
        for (std::uint64_t v = 1; v <= 5; ++v) CHECK(vs.destroyed(v) == 0);
    }
    for (std::uint64_t v = 1; v <= 5; ++v) CHECK(vs.destroyed(v) == 1);
}
