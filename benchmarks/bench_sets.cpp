// SPDX-License-Identifier: MIT
// 1. Permission sets: contains_all / contains_any of ward::permission_set for vocabularies of 64,
// 256 and 1024 permissions, against the hand-written test on a raw uint64_t (64) and std::bitset
// (256, 1024). Each iteration tests one (held, required) pair of a table of 256 random pairs,
// about half of which are contained (or intersect), so branches are not predictable.
#include "alloc_count.hpp"
#include "vocab.hpp"
#include "world.hpp"

#include <benchmark/benchmark.h>

#include <bitset>
#include <cstdint>
#include <vector>

namespace {

constexpr std::size_t pairs = 256;

template <std::size_t N>
struct pair_table {
    std::vector<std::bitset<N>> held, all_req, any_req;
};

/// held: random with density 1/2; all_req: 1..4 bits of held, plus (half the time) one bit that
/// held lacks; any_req: 4 random bits, which miss held about half the time when held is sparse.
template <std::size_t N>
const pair_table<N>& table() {
    static const pair_table<N> cached = [] {
        pair_table<N> t;
        wb::rng g{N};
        for (std::size_t i = 0; i < pairs; ++i) {
            std::bitset<N> h, a, y;
            for (std::size_t b = 0; b < N; ++b)
                if (g.below(2) == 0) h.set(b);
            const std::size_t k = 1 + g.below(4);
            while (a.count() < k) {
                const std::size_t b = g.below(N);
                if (h.test(b)) a.set(b);
            }
            if (g.below(2) == 0)
                for (;;) {
                    const std::size_t b = g.below(N);
                    if (!h.test(b)) {
                        a.set(b);
                        break;
                    }
                }
            // any: a sparse held (1 bit in 8) against 4 random bits: about half intersect.
            std::bitset<N> sparse;
            for (std::size_t b = 0; b < N; ++b)
                if (h.test(b) && g.below(6) == 0) sparse.set(b);
            for (std::size_t j = 0; j < 4; ++j) y.set(g.below(N));
            t.held.push_back(h);
            t.all_req.push_back(a);
            t.any_req.push_back(y);
            t.held.push_back(sparse); // odd entries: the sparse set, used by contains_any
            t.all_req.push_back(a);
            t.any_req.push_back(y);
        }
        return t;
    }();
    return cached;
}

template <class P, std::size_t N>
ward::permission_set<P> to_set(const std::bitset<N>& b) {
    ward::permission_set<P> s;
    for (std::size_t i = 0; i < N; ++i)
        if (b.test(i)) s.insert(static_cast<P>(i));
    return s;
}

template <class P, std::size_t N>
struct ward_sets {
    std::vector<ward::permission_set<P>> held, all_req, any_req;
    ward_sets() {
        const auto& t = table<N>();
        for (std::size_t i = 0; i < t.held.size(); ++i) {
            held.push_back(to_set<P>(t.held[i]));
            all_req.push_back(to_set<P>(t.all_req[i]));
            any_req.push_back(to_set<P>(t.any_req[i]));
        }
    }
};

template <class P, std::size_t N>
const ward_sets<P, N>& wsets() {
    static const ward_sets<P, N> s;
    return s;
}

constexpr std::size_t mask = 2 * pairs - 1;

template <class P, std::size_t N>
void ward_all(benchmark::State& state) {
    const auto& s = wsets<P, N>();
    std::size_t i = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = s.held[i].contains_all(s.all_req[i]);
        benchmark::DoNotOptimize(r);
        i = (i + 2) & mask;
    }
    probe.report(state);
}
template <class P, std::size_t N>
void ward_any(benchmark::State& state) {
    const auto& s = wsets<P, N>();
    std::size_t i = 1;
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = s.held[i].contains_any(s.any_req[i]);
        benchmark::DoNotOptimize(r);
        i = (i + 2) & mask;
    }
    probe.report(state);
}

struct raw64 {
    std::vector<std::uint64_t> held, all_req, any_req;
    raw64() {
        const auto& t = table<64>();
        for (std::size_t i = 0; i < t.held.size(); ++i) {
            held.push_back(t.held[i].to_ullong());
            all_req.push_back(t.all_req[i].to_ullong());
            any_req.push_back(t.any_req[i].to_ullong());
        }
    }
};

void raw_all(benchmark::State& state) {
    static const raw64 s;
    std::size_t i = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = (s.all_req[i] & ~s.held[i]) == 0;
        benchmark::DoNotOptimize(r);
        i = (i + 2) & mask;
    }
    probe.report(state);
}
void raw_any(benchmark::State& state) {
    static const raw64 s;
    std::size_t i = 1;
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = (s.any_req[i] & s.held[i]) != 0;
        benchmark::DoNotOptimize(r);
        i = (i + 2) & mask;
    }
    probe.report(state);
}

template <std::size_t N>
void bitset_all(benchmark::State& state) {
    const auto& t = table<N>();
    std::size_t i = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = (t.held[i] & t.all_req[i]) == t.all_req[i];
        benchmark::DoNotOptimize(r);
        i = (i + 2) & mask;
    }
    probe.report(state);
}
template <std::size_t N>
void bitset_any(benchmark::State& state) {
    const auto& t = table<N>();
    std::size_t i = 1;
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = (t.held[i] & t.any_req[i]).any();
        benchmark::DoNotOptimize(r);
        i = (i + 2) & mask;
    }
    probe.report(state);
}

} // namespace

BENCHMARK(ward_all<wb::v64, 64>)->Name("sets/contains_all/64/ward");
BENCHMARK(raw_all)->Name("sets/contains_all/64/baseline");
BENCHMARK(ward_any<wb::v64, 64>)->Name("sets/contains_any/64/ward");
BENCHMARK(raw_any)->Name("sets/contains_any/64/baseline");
BENCHMARK(ward_all<wb::v256, 256>)->Name("sets/contains_all/256/ward");
BENCHMARK(bitset_all<256>)->Name("sets/contains_all/256/baseline");
BENCHMARK(ward_any<wb::v256, 256>)->Name("sets/contains_any/256/ward");
BENCHMARK(bitset_any<256>)->Name("sets/contains_any/256/baseline");
BENCHMARK(ward_all<wb::v1024, 1024>)->Name("sets/contains_all/1024/ward");
BENCHMARK(bitset_all<1024>)->Name("sets/contains_all/1024/baseline");
BENCHMARK(ward_any<wb::v1024, 1024>)->Name("sets/contains_any/1024/ward");
BENCHMARK(bitset_any<1024>)->Name("sets/contains_any/1024/baseline");
