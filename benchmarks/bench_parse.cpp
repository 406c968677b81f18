// SPDX-License-Identifier: MIT
// 5. Parsing token claims: a numeric `permissions` claim, a 10-name permission list (a JSON
// array's items), a 10-name OAuth `scope` string and a subject. The baseline is what a service
// writes by hand to get the same information into the form its hand-written check uses:
// strtoull with end and range checks; the names copied into a std::unordered_set<std::string>;
// the scope string split on spaces into one; the subject split into two std::string.
#include "alloc_count.hpp"
#include "vocab.hpp"
#include <ward/credential.hpp>
#include <ward/detail/id_index.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace {

using wb::perm;

const std::string numeric_claim = "12297829382473034410"; // 0xAAAA...: every other permission
const std::array<std::string_view, 10> name_list = {
    "read:users",  "create:users",  "read:organization", "update:organization", "read:api_keys",
    "read:orders", "update:orders", "delete:webhooks",   "read:audit_logs",     "create:deployments"};
const std::string scope_string =
    "read:users create:users read:organization update:organization read:api_keys read:orders "
    "update:orders delete:webhooks read:audit_logs create:deployments";
const std::string subject = "auth0|64f1c2a9e0b3d4f5a6b7c8d9";

void numeric_ward(benchmark::State& state) {
    const std::string_view in = numeric_claim;
    wb::alloc_probe probe;
    for (auto _ : state) {
        auto r = ward::parse_integer<perm>(in);
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
    if (!ward::parse_integer<perm>(in)) state.SkipWithError("parse failed");
}
void numeric_baseline(benchmark::State& state) {
    const std::string& in = numeric_claim;
    wb::alloc_probe probe;
    for (auto _ : state) {
        errno = 0;
        char* end = nullptr;
        const unsigned long long v = std::strtoull(in.c_str(), &end, 10);
        const bool ok = errno == 0 && end == in.c_str() + in.size() && !in.empty() && in[0] != '-';
        std::uint64_t mask = ok ? v : 0;
        benchmark::DoNotOptimize(mask);
    }
    probe.report(state);
}

void names_ward(benchmark::State& state) {
    wb::alloc_probe probe;
    for (auto _ : state) {
        auto r = ward::parse_names<perm>(name_list.begin(), name_list.end());
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
    if (ward::parse_names<perm>(name_list.begin(), name_list.end()).value.count() != 10)
        state.SkipWithError("parse failed");
}
void names_baseline(benchmark::State& state) {
    wb::alloc_probe probe;
    for (auto _ : state) {
        std::unordered_set<std::string> s;
        for (std::string_view n : name_list) s.emplace(n);
        benchmark::DoNotOptimize(s);
    }
    probe.report(state);
}

void scope_ward(benchmark::State& state) {
    const std::string_view in = scope_string;
    wb::alloc_probe probe;
    for (auto _ : state) {
        auto r = ward::parse_scope<perm>(in);
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
    if (ward::parse_scope<perm>(in).value.count() != 10) state.SkipWithError("parse failed");
}
void scope_baseline(benchmark::State& state) {
    const std::string& in = scope_string;
    wb::alloc_probe probe;
    for (auto _ : state) {
        std::unordered_set<std::string> s;
        std::size_t start = 0;
        while (start <= in.size()) {
            std::size_t end = in.find(' ', start);
            if (end == std::string::npos) end = in.size();
            if (end > start) s.emplace(in, start, end - start);
            start = end + 1;
        }
        benchmark::DoNotOptimize(s);
    }
    probe.report(state);
}

void subject_ward(benchmark::State& state) {
    const std::string_view in = subject;
    wb::alloc_probe probe;
    for (auto _ : state) {
        auto r = ward::parse_subject(in);
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
    if (!ward::parse_subject(in)) state.SkipWithError("parse failed");
}
void subject_baseline(benchmark::State& state) {
    const std::string& in = subject;
    wb::alloc_probe probe;
    for (auto _ : state) {
        const std::size_t sep = in.find_first_of(":|");
        std::string kind, id;
        if (sep != std::string::npos && sep > 0 && sep + 1 < in.size()) {
            kind = in.substr(0, sep);
            id = in.substr(sep + 1);
        }
        benchmark::DoNotOptimize(kind);
        benchmark::DoNotOptimize(id);
    }
    probe.report(state);
}

} // namespace

BENCHMARK(numeric_ward)->Name("parse/numeric_claim/ward");
BENCHMARK(numeric_baseline)->Name("parse/numeric_claim/baseline");
BENCHMARK(names_ward)->Name("parse/names_10/ward");
BENCHMARK(names_baseline)->Name("parse/names_10/baseline");
BENCHMARK(scope_ward)->Name("parse/scope_10/ward");
BENCHMARK(scope_baseline)->Name("parse/scope_10/baseline");
BENCHMARK(subject_ward)->Name("parse/subject/ward");
BENCHMARK(subject_baseline)->Name("parse/subject/baseline");

// ---- diagnosis: the id hash behind find_principal / find_scope ------------------------------------
// ward::detail::hash_bytes multiplies 16 bytes at a time (128-bit products folded, the structure of
// wyhash). `word_mix` is the hash ward used before: a full 64-bit mixer per 8-byte word, the tail
// read as one overlapping word; std::hash<std::string_view> is the baseline.
namespace {

inline std::uint64_t hash_word_mix(std::string_view s) noexcept {
    using ward::detail::mix64;
    using ward::detail::read8;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    if (n > 8) {
        const char* const last = p + n - 8;
        for (; p < last; p += 8) h = (h ^ mix64(read8(p))) * 0x9fb21c651e98df25ull;
        h = (h ^ mix64(read8(last))) * 0x9fb21c651e98df25ull;
    } else {
        std::uint64_t w = 0;
        for (std::size_t i = 0; i < n; ++i)
            w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
        h = (h ^ mix64(w)) * 0x9fb21c651e98df25ull;
    }
    return mix64(h);
}

const std::string id30 = "auth0|64f1c2a9e0b3d4f5a6b7c8d9";

void hash_ward(benchmark::State& state) {
    std::string_view s = id30;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s);
        auto h = ward::detail::hash_bytes(s);
        benchmark::DoNotOptimize(h);
    }
}
void hash_word(benchmark::State& state) {
    std::string_view s = id30;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s);
        auto h = hash_word_mix(s);
        benchmark::DoNotOptimize(h);
    }
}
void hash_std(benchmark::State& state) {
    std::string_view s = id30;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s);
        auto h = std::hash<std::string_view>{}(s);
        benchmark::DoNotOptimize(h);
    }
}

} // namespace

BENCHMARK(hash_ward)->Name("diag/hash_30_byte_id/ward");
BENCHMARK(hash_word)->Name("diag/hash_30_byte_id/ward_word_mix");
BENCHMARK(hash_std)->Name("diag/hash_30_byte_id/baseline");
