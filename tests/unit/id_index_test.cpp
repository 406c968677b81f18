// SPDX-License-Identifier: MIT
// The id index behind find_principal / find_scope: its hash spreads production-like ids over the
// whole table (tags and slots), its byte comparison is exact at every length and position, and
// find() answers every id it holds and none it does not.
#include "support/splitmix64.hpp"
#include "support/ward_catch.hpp"
#include <ward/snapshot.hpp> // ward::detail::id_index (snapshot.hpp includes it; the single header has no detail/)

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace {
std::string production_id(const char* prefix, std::uint64_t x, std::size_t digits) {
    static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string s = prefix;
    for (std::size_t i = 0; i < digits; ++i) {
        s += alphabet[x % 62];
        x /= 62;
        if (x == 0) x = 0x9e3779b97f4a7c15ull + i;
    }
    return s;
}
} // namespace

TEST_CASE("id_index: the hash spreads sequential and random ids", "[engine][id_index]") {
    using ward::detail::hash_bytes;
    std::vector<std::string> ids;
    for (std::uint64_t i = 0; i < 50000; ++i) ids.push_back("org_" + std::to_string(i)); // sequential
    wt::splitmix64 rng{7};
    for (std::uint64_t i = 0; i < 50000; ++i) ids.push_back(production_id("usr_", rng.next(), 16));
    for (std::uint64_t i = 0; i < 2000; ++i) ids.push_back(std::string(i % 40, static_cast<char>('a' + i % 26)));
    std::unordered_set<std::string> distinct(ids.begin(), ids.end());
    std::unordered_set<std::uint64_t> hashes;
    std::vector<std::size_t> low(1024), high(1024);
    for (const std::string& id : distinct) {
        const std::uint64_t h = hash_bytes(id);
        hashes.insert(h);
        ++low[h & 1023u];          // the slot a table of 1,024 would start at
        ++high[(h >> 54) & 1023u]; // the tag's top bits
    }
    CHECK(hashes.size() == distinct.size()); // no 64-bit collision among ~100,000 ids
    // Pearson's chi-square over 1,024 buckets: about 1,023 +- 45 for a uniform hash; a hash that
    // ignored some input bytes or bits would be far above.
    const double expected = static_cast<double>(distinct.size()) / 1024.0;
    double chi_low = 0, chi_high = 0;
    for (std::size_t b = 0; b < 1024; ++b) {
        chi_low += (static_cast<double>(low[b]) - expected) * (static_cast<double>(low[b]) - expected) / expected;
        chi_high += (static_cast<double>(high[b]) - expected) * (static_cast<double>(high[b]) - expected) / expected;
    }
    CHECK(chi_low < 1300);
    CHECK(chi_high < 1300);
    // One byte changed anywhere changes the hash, whatever the length.
    for (std::size_t n = 1; n <= 40; ++n) {
        const std::string base(n, 'x');
        for (std::size_t i = 0; i < n; ++i) {
            std::string other = base;
            other[i] = 'y';
            CHECK(hash_bytes(other) != hash_bytes(base));
        }
        CHECK(hash_bytes(base) != hash_bytes(std::string(n + 1, 'x')));
    }
}

TEST_CASE("id_index: byte comparison is exact at every length and position", "[engine][id_index]") {
    for (std::size_t n = 0; n <= 40; ++n) {
        std::string a(n, 'q'), b(n, 'q');
        CHECK(ward::detail::same_bytes(a.data(), b.data(), n));
        for (std::size_t i = 0; i < n; ++i) {
            b[i] = 'r';
            CHECK_FALSE(ward::detail::same_bytes(a.data(), b.data(), n));
            b[i] = 'q';
        }
    }
}

TEST_CASE("id_index: find answers every id held and none other", "[engine][id_index]") {
    ward::detail::id_index index;
    std::vector<std::string> ids;
    wt::splitmix64 rng{11};
    for (std::uint64_t i = 0; i < 20000; ++i)
        ids.push_back(production_id(i % 2 ? "org_" : "auth0|", rng.next(), 4 + i % 30));
    std::vector<std::uint32_t> number(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) number[i] = index.insert(ids[i]).first;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        REQUIRE(index.find(ids[i]) == number[i]);
        REQUIRE(index.at(number[i]) == ids[i]);
        std::string near = ids[i];
        near.back() = near.back() == 'Z' ? 'Y' : 'Z'; // one byte off at the end
        if (index.find(near) != ward::detail::id_index::npos) CHECK(index.at(index.find(near)) == near);
        CHECK(index.find(ids[i] + "x") != number[i]);
        CHECK(index.find(std::string_view(ids[i]).substr(0, ids[i].size() - 1)) != number[i]);
    }
    CHECK(index.find("") == ward::detail::id_index::npos);
    CHECK(index.find("org_not-there") == ward::detail::id_index::npos);
}
