// SPDX-License-Identifier: MIT
// ward::live's read path with snapshots retired: read() and a check allocate nothing, and letting
// a guard go frees nothing (a retired snapshot is freed by the next publish() or reclaim(), on the
// writer's side), whatever the epoch and however many snapshots are retired.
#include "support/alloc_counter.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/ward.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace {

using ident = wt::ident;
using iset = ward::permission_set<ident>;
using snap_ptr = std::shared_ptr<const ward::snapshot<ident>>;

constexpr std::string_view org = "organization:acme-corporation-limited";
constexpr std::string_view carol = "user:carol-reads-without-allocating";

/// A snapshot of version v whose destruction adds one to *destroyed.
snap_ptr counted_snapshot(std::uint64_t v, int* destroyed) {
    ward::policy_builder<ident> b(ward::scope_schema::standard(), v);
    b.add_scope(org, "organization");
    b.add_principal(carol);
    b.grant(carol, org, iset{ident::publish});
    snap_ptr inner = b.build().value;
    const ward::snapshot<ident>* raw = inner.get();
    return snap_ptr(raw, [inner, destroyed](const ward::snapshot<ident>*) mutable {
        inner.reset();
        ++*destroyed;
    });
}

} // namespace

TEST_CASE("live::read with retired snapshots allocates nothing and its guards free nothing", "[alloc][live]") {
    int destroyed[6] = {};
    ward::live<ident> current(counted_snapshot(1, &destroyed[1]));
    ward::decision<ident> d;
    std::size_t reads = 0;
    {
        auto pinned = current.read(); // pins version 1 across the publishes below
        for (std::uint64_t v = 2; v <= 5; ++v) current.publish(counted_snapshot(v, &destroyed[v]));
        REQUIRE(current.retired() == 4);
        const std::size_t n = wt::allocations_during([&] {
            for (int i = 0; i < 100; ++i) {
                const auto g = current.read();
                d = g->check(ward::credential<ident>::of(g->find_principal(carol)), iset{ident::publish},
                             g->find_scope(org));
                ++reads;
            }
            const auto last = std::move(pinned); // the last guard of version 1 goes here
        });
        CHECK(n == 0);
    }
    CHECK(reads == 100);
    CHECK(d.allowed);
    CHECK(d.version == 5);
    // No guard freed anything: the replaced snapshots wait for the writer side.
    for (int v = 1; v <= 5; ++v) CHECK(destroyed[v] == 0);
    CHECK(current.retired() == 4);
    CHECK(current.reclaim() == 0);
    for (int v = 1; v <= 4; ++v) CHECK(destroyed[v] == 1);
    CHECK(destroyed[5] == 0);
}
