// SPDX-License-Identifier: MIT
// ward::live under concurrency: readers decide while a writer publishes successive snapshots; every
// decision must be the answer of the snapshot version it reports, and a guard must keep its
// snapshot alive across a publish. Meant to run under ThreadSanitizer too.
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/ward.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using ident = wt::ident;
using iset = ward::permission_set<ident>;
using ward::reason;
using clock_type = std::chrono::steady_clock;

constexpr std::uint64_t first_version = 1;
constexpr std::uint64_t last_version = 201; // 200 publishes after the first snapshot
constexpr std::size_t reader_count = 3;

// The principal and the scopes (ids longer than a small-string buffer).
constexpr std::string_view alice = "user:alice-who-reads-concurrently";
constexpr std::string_view platform = "platform:the-one-and-only";
constexpr std::string_view acme = "organization:acme-corporation";
constexpr std::string_view db = "resource:acme-corporation-database";
constexpr std::string_view extra = "organization:extra-only-in-odd-versions";

constexpr ident graded[] = {ident::read_resources, ident::create_resource, ident::update_resource,
                            ident::delete_resource, ident::publish};

bool has(std::uint64_t v, std::size_t i) { return ((v >> i) & 1u) != 0; }

// Version v grants graded[i] at acme when bit i of v is set, denies publish at db when v % 3 == 0,
// and has the scope `extra` only when v is odd (with read_resources there when bit 1 is set).
std::shared_ptr<const ward::snapshot<ident>> build_version(std::uint64_t v) {
    ward::policy_builder<ident> b(ward::scope_schema::standard(), v);
    b.add_scope(platform, "platform");
    b.add_scope(acme, "organization", platform);
    b.add_scope(db, "resource", acme);
    if (v % 2 == 1) b.add_scope(extra, "organization", platform);
    b.add_principal(alice);
    iset granted;
    for (std::size_t i = 0; i < std::size(graded); ++i)
        if (has(v, i)) granted.insert(graded[i]);
    b.grant(alice, acme, granted);
    if (v % 3 == 0) b.deny(alice, db, iset{ident::publish});
    if (v % 2 == 1 && has(v, 1)) b.grant(alice, extra, iset{ident::read_resources});
    auto r = b.build();
    return r.value;
}

struct probe {
    ident required;
    std::string_view target;
};
constexpr probe probes[] = {
    {ident::read_resources, acme}, {ident::create_resource, db}, {ident::update_resource, acme},
    {ident::delete_resource, db},  {ident::publish, db},         {ident::read_resources, extra},
    {ident::subscribe, platform},
};
constexpr std::size_t probe_count = std::size(probes);

reason expected(std::uint64_t v, std::size_t k) {
    auto graded_answer = [&](std::size_t i) { return has(v, i) ? reason::granted : reason::missing_permission; };
    switch (k) {
    case 0: return graded_answer(0);
    case 1: return graded_answer(1);
    case 2: return graded_answer(2);
    case 3: return graded_answer(3);
    case 4: return v % 3 == 0 ? reason::explicitly_denied : graded_answer(4);
    case 5: return v % 2 == 0 ? reason::unknown_scope : (has(v, 1) ? reason::granted : reason::missing_permission);
    default: return reason::missing_permission;
    }
}

struct alignas(64) reader_state {
    std::atomic<std::uint64_t> last_seen{0};
    std::atomic<bool> started{false};
    std::size_t iterations = 0;
    std::size_t decisions = 0;
    std::size_t mismatches = 0;
    std::size_t versions_seen = 0;
    std::size_t null_guards = 0;
};

} // namespace

TEST_CASE("the expected answers match freshly built snapshots", "[concurrency][live]") {
    for (std::uint64_t v = first_version; v <= 12; ++v) {
        const auto s = build_version(v);
        REQUIRE(s);
        const auto cred = ward::credential<ident>::of(s->find_principal(alice));
        for (std::size_t k = 0; k < probe_count; ++k) {
            INFO("version " << v << " probe " << k);
            const auto d = s->check(cred, probes[k].required, probes[k].target);
            CHECK(d.why == expected(v, k));
            CHECK(d.version == v);
        }
    }
}

TEST_CASE("readers always see a whole snapshot while a writer publishes", "[concurrency][live]") {
    const auto deadline = clock_type::now() + std::chrono::seconds(8);
    ward::live<ident> current(build_version(first_version));
    std::array<reader_state, reader_count> state;
    std::atomic<bool> writer_done{false};
    std::atomic<bool> go{false};

    auto reader = [&](reader_state& st) {
        std::vector<bool> seen(last_version + 1, false);
        st.started.store(true);
        while (!go.load()) std::this_thread::yield();
        constexpr std::size_t max_iterations = 2000000;
        constexpr std::size_t min_iterations_after_writer = 50;
        std::size_t after_writer = 0;
        for (;; ++st.iterations) {
            if (writer_done.load(std::memory_order_acquire) && ++after_writer > min_iterations_after_writer) break;
            if (st.iterations >= max_iterations) break;
            if ((st.iterations & 63u) == 0 && clock_type::now() > deadline) break;
            const auto g = current.read();
            if (!g) {
                ++st.null_guards;
                continue;
            }
            const std::uint64_t v = g->version();
            const auto cred = ward::credential<ident>::of(g->find_principal(alice));
            for (std::size_t k = 0; k < probe_count; ++k) {
                const auto d = g->check(cred, probes[k].required, g->find_scope(probes[k].target));
                ++st.decisions;
                if (d.version != v || d.version < first_version || d.version > last_version ||
                    d.why != expected(d.version, k) || d.allowed != (d.why == reason::granted))
                    ++st.mismatches;
            }
            if (v <= last_version && !seen[v]) {
                seen[v] = true;
                ++st.versions_seen;
            }
            st.last_seen.store(v, std::memory_order_release);
            // A service does other work between requests; don't monopolize a core.
            if ((st.iterations & 7u) == 7u) std::this_thread::yield();
        }
    };

    std::vector<std::thread> threads;
    threads.reserve(reader_count + 1);
    for (auto& st : state) threads.emplace_back(reader, std::ref(st));
    std::uint64_t published = first_version;
    clock_type::duration publish_time{};
    threads.emplace_back([&] {
        for (auto& st : state)
            while (!st.started.load()) std::this_thread::yield();
        go.store(true);
        for (std::uint64_t v = first_version + 1; v <= last_version && clock_type::now() < deadline; ++v) {
            auto next = build_version(v);
            const auto t0 = clock_type::now();
            current.publish(std::move(next)); // the live handle holds the only reference
            publish_time += clock_type::now() - t0;
            published = v;
            if (v % 20 == 0) {
                // Let every reader catch up now and then, so that each sees several versions.
                for (auto& st : state)
                    while (st.last_seen.load(std::memory_order_acquire) < v && clock_type::now() < deadline)
                        std::this_thread::yield();
            }
        }
        writer_done.store(true, std::memory_order_release);
    });
    for (auto& t : threads) t.join();

    INFO("published up to version " << published << ", publish() took "
                                    << std::chrono::duration_cast<std::chrono::milliseconds>(publish_time).count()
                                    << " ms in all");
    CHECK(published == last_version);
    CHECK(current.version() == last_version);
    std::size_t total_decisions = 0;
    for (std::size_t i = 0; i < reader_count; ++i) {
        INFO("reader " << i << ": " << state[i].iterations << " iterations, " << state[i].versions_seen << " versions");
        CHECK(state[i].mismatches == 0);
        CHECK(state[i].null_guards == 0);
        CHECK(state[i].versions_seen > 1);
        CHECK(state[i].decisions > 0);
        total_decisions += state[i].decisions;
    }
    CHECK(total_decisions >= reader_count * probe_count);
}

TEST_CASE("a guard keeps its snapshot alive across a publish", "[concurrency][live]") {
    const auto deadline = clock_type::now() + std::chrono::seconds(5);
    ward::live<ident> current(build_version(3)); // the live handle holds the only reference
    std::atomic<bool> guard_taken{false};
    std::atomic<bool> publish_started{false};
    std::atomic<bool> publish_done{false};
    bool saw_new_version = false;
    bool done_while_held = false;
    std::size_t mismatches = 0;
    std::string old_scope_id;
    std::uint64_t held_version = 0;

    std::thread holder([&] {
        const auto g = current.read();
        guard_taken.store(true);
        while (!publish_started.load()) std::this_thread::yield();
        // Wait until new readers see the new snapshot: the swap has happened while g is held.
        while (clock_type::now() < deadline) {
            if (current.version() == 4) {
                saw_new_version = true;
                break;
            }
            std::this_thread::yield();
        }
        // publish() does not wait for this guard: it has returned (or returns without it letting go).
        while (!publish_done.load() && clock_type::now() < deadline) std::this_thread::yield();
        done_while_held = publish_done.load();
        // The old snapshot is still whole: its ids, its version and its answers.
        held_version = g->version();
        old_scope_id = std::string(g->scope_id(g->find_scope(db)));
        const auto cred = ward::credential<ident>::of(g->find_principal(alice));
        for (std::size_t k = 0; k < probe_count; ++k) {
            const auto d = g->check(cred, probes[k].required, g->find_scope(probes[k].target));
            if (d.version != 3 || d.why != expected(3, k)) ++mismatches;
        }
    });
    std::thread writer([&] {
        while (!guard_taken.load()) std::this_thread::yield();
        publish_started.store(true);
        current.publish(build_version(4)); // returns while the holder still holds its guard
        publish_done.store(true);
    });
    holder.join();
    writer.join();

    CHECK(saw_new_version);
    CHECK(done_while_held);
    CHECK(mismatches == 0);
    CHECK(held_version == 3);
    CHECK(old_scope_id == db);
    CHECK(publish_done.load());
    const auto g = current.read();
    REQUIRE(g);
    CHECK(g->version() == 4);
    CHECK(g->check(ward::credential<ident>::of(g->find_principal(alice)), ident::publish, g->find_scope(db)).why ==
          expected(4, 4));
}

TEST_CASE("a live handle without a snapshot reads null until the first publish", "[concurrency][live]") {
    ward::live<ident> current;
    {
        const auto g = current.read();
        CHECK(!g);
        CHECK(g.get() == nullptr);
    }
    CHECK(current.version() == 0);
    std::thread writer([&] { current.publish(build_version(5)); });
    writer.join();
    CHECK(current.version() == 5);
    const auto shared = current.share();
    REQUIRE(shared);
    CHECK(shared->version() == 5);
}

TEST_CASE("a moved-from guard is empty: only the guard it moved to pins the snapshot", "[concurrency][live]") {
    ward::live<ident> current(build_version(3));
    auto first = current.read();
    REQUIRE(first);
    const auto moved = std::move(first);
    CHECK(moved);
    CHECK(moved->version() == 3);
    CHECK(!first); // NOLINT(bugprone-use-after-move): the state after a move is what is tested
    CHECK(first.get() == nullptr);
}
