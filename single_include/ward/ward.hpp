// SPDX-License-Identifier: MIT
// ward 0.1.0: header-only C++17 authorization and permission library.
// Copyright (c) 2026 The ward authors. MIT License (see LICENSE).
//
// GENERATED FILE, DO NOT EDIT: made by tools/amalgamate.py from include/ward/.
// Edit the headers under include/ward/ and run tools/amalgamate.py.
#ifndef WARD_SINGLE_INCLUDE_WARD_HPP
#define WARD_SINGLE_INCLUDE_WARD_HPP
// ---- begin ward/ward.hpp ----
/// \file ward/ward.hpp
/// The umbrella header: everything ward offers.
#ifndef WARD_WARD_HPP
#define WARD_WARD_HPP

// ---- begin ward/builder.hpp ----
/// \file ward/builder.hpp
/// ward::policy_builder<P>: collects a policy's rows as a service keeps them in its database
/// (scopes, principals, roles, bindings, grants, denies, application restrictions), validates every
/// row, and builds an immutable snapshot (snapshot.hpp), or says which row is wrong.
///
/// \code
/// ward::policy_builder<perm> b;
/// b.add_scope("platform", "platform");
/// b.add_scope("org:acme", "organization", "platform");
/// b.add_principal("user:alice", ward::principal_kind::user);
/// b.add_roles(ladder);                              // a compile-time role table
/// b.bind("user:alice", "org:acme", {"viewer"});
/// auto built = b.build();                           // build_result: a snapshot or a row error
/// if (!built) log(built.error.message());           // "row 4 (binding): unknown role 'viewer'"
/// \endcode
#ifndef WARD_BUILDER_HPP
#define WARD_BUILDER_HPP

// ---- begin ward/config.hpp ----
/// \file ward/config.hpp
/// Configuration macros. Each may be defined before including ward; docs/configuration.md lists them.
#ifndef WARD_CONFIG_HPP
#define WARD_CONFIG_HPP

// ---- begin ward/version.hpp ----
/// \file ward/version.hpp
/// The single source of ward's version; CMake and meson read it from here.
#ifndef WARD_VERSION_HPP
#define WARD_VERSION_HPP

#define WARD_VERSION_MAJOR 0
#define WARD_VERSION_MINOR 1
#define WARD_VERSION_PATCH 0
#define WARD_VERSION (WARD_VERSION_MAJOR * 10000 + WARD_VERSION_MINOR * 100 + WARD_VERSION_PATCH)

#define WARD_DETAIL_STR2(x) #x
#define WARD_DETAIL_STR(x) WARD_DETAIL_STR2(x)

namespace ward {
/// The library's version as "major.minor.patch", spelled from the macros above.
inline constexpr const char* version_string =
    WARD_DETAIL_STR(WARD_VERSION_MAJOR) "." WARD_DETAIL_STR(WARD_VERSION_MINOR) "." WARD_DETAIL_STR(WARD_VERSION_PATCH);
} // namespace ward

#endif
// ---- end ward/version.hpp ----

/// Largest bit position + 1 a permission vocabulary may use. Bounds compile-time tables.
#ifndef WARD_MAX_PERMISSION_BITS
#define WARD_MAX_PERMISSION_BITS 4096
#endif

/// Longest input, in bytes, that one parse call accepts (a scope string, a subject, a claim).
/// Longer input is refused with errc::input_too_long before it is scanned.
#ifndef WARD_MAX_INPUT_LENGTH
#define WARD_MAX_INPUT_LENGTH 8192
#endif

/// Most parent roles one compile-time role definition may name.
#ifndef WARD_MAX_ROLE_PARENTS
#define WARD_MAX_ROLE_PARENTS 8
#endif

/// Most scopes one credential may be bound to (a token restricted to several markets, say).
#ifndef WARD_MAX_BOUND_SCOPES
#define WARD_MAX_BOUND_SCOPES 8
#endif

/// Most entries of an "extended" per-resource permission claim one credential may carry.
#ifndef WARD_MAX_EXTENDED_CLAIMS
#define WARD_MAX_EXTENDED_CLAIMS 8
#endif

/// Longest subject or id, in bytes, that the parsers accept.
#ifndef WARD_MAX_ID_LENGTH
#define WARD_MAX_ID_LENGTH 256
#endif

/// Principals per page of a snapshot, as a power of two (10: 1,024). A change that policy_writer
/// derives copies the pages of the principals it touches; every decision reads the page directory,
/// which stays small enough for the first-level cache up to about a million principals at 10.
#ifndef WARD_PRINCIPAL_PAGE_BITS
#define WARD_PRINCIPAL_PAGE_BITS 10
#endif

// Each limit's range. The counters that hold them are sized for these bounds: a wider value would
// wrap a counter and silently widen a grant, so it is a compile error instead.
static_assert(WARD_MAX_PERMISSION_BITS >= 1 && WARD_MAX_PERMISSION_BITS <= 65535,
              "WARD_MAX_PERMISSION_BITS must be in [1, 65535]");
static_assert(WARD_MAX_INPUT_LENGTH >= 1 && WARD_MAX_INPUT_LENGTH <= 0x3fffffff,
              "WARD_MAX_INPUT_LENGTH must be in [1, 2^30 - 1]");
static_assert(WARD_MAX_ROLE_PARENTS >= 1 && WARD_MAX_ROLE_PARENTS <= 255, "WARD_MAX_ROLE_PARENTS must be in [1, 255]");
static_assert(WARD_MAX_BOUND_SCOPES >= 1 && WARD_MAX_BOUND_SCOPES <= 255, "WARD_MAX_BOUND_SCOPES must be in [1, 255]");
static_assert(WARD_MAX_EXTENDED_CLAIMS >= 1 && WARD_MAX_EXTENDED_CLAIMS <= 255,
              "WARD_MAX_EXTENDED_CLAIMS must be in [1, 255]");
static_assert(WARD_PRINCIPAL_PAGE_BITS >= 2 && WARD_PRINCIPAL_PAGE_BITS <= 16,
              "WARD_PRINCIPAL_PAGE_BITS must be in [2, 16]");
static_assert(WARD_MAX_ID_LENGTH >= 1 && WARD_MAX_ID_LENGTH <= WARD_MAX_INPUT_LENGTH,
              "WARD_MAX_ID_LENGTH must be in [1, WARD_MAX_INPUT_LENGTH]");

// constexpr where C++20 allows it and C++17 does not (storage left uninitialized until first use).
#if (defined(_MSVC_LANG) ? _MSVC_LANG : __cplusplus) >= 202002L
#define WARD_CONSTEXPR_CXX20 constexpr
#else
#define WARD_CONSTEXPR_CXX20
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WARD_ALWAYS_INLINE inline __attribute__((always_inline))
#define WARD_NOINLINE __attribute__((noinline))
#define WARD_PREFETCH(address) __builtin_prefetch(address)
#else
#define WARD_ALWAYS_INLINE inline
#define WARD_NOINLINE
#define WARD_PREFETCH(address) ((void)(address))
#endif

// snapshot::check, inlined into its callers in optimized builds (the call, and the credential and
// decision passed through memory, are about a third of a cached decision); left to the compiler
// in unoptimized and sanitized builds, where inlining it everywhere only costs compile time.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WARD_DETAIL_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WARD_DETAIL_SANITIZED 1
#endif
#if defined(__OPTIMIZE__) && !defined(WARD_DETAIL_SANITIZED)
#define WARD_DECISION_INLINE WARD_ALWAYS_INLINE
#else
#define WARD_DECISION_INLINE inline
#endif

#endif
// ---- end ward/config.hpp ----
// ---- begin ward/detail/chars.hpp ----
#ifndef WARD_DETAIL_CHARS_HPP
#define WARD_DETAIL_CHARS_HPP


#include <string_view>

namespace ward::detail {

/// A byte of a subject's id: [A-Za-z0-9._@+=~-].
constexpr bool is_id_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '@' || c == '+' || c == '=' || c == '~';
}

/// A byte of a subject's provider ("auth0", "google-oauth2") or kind: [a-z0-9_-].
constexpr bool is_provider_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/// A byte of a scope restriction's resource or attribute ("stock_location", "id"): [a-z_].
constexpr bool is_lower_kind_char(char c) noexcept { return (c >= 'a' && c <= 'z') || c == '_'; }

/// A byte of a scope restriction's value: [A-Za-z0-9._~-].
constexpr bool is_restriction_value_char(char c) noexcept { return is_id_char(c) && c != '@' && c != '+' && c != '='; }

/// A policy id (scope, principal, role, bound scope, application): 1..WARD_MAX_ID_LENGTH bytes of
/// printable ASCII other than space.
constexpr bool valid_id(std::string_view s) noexcept {
    if (s.empty() || s.size() > WARD_MAX_ID_LENGTH) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false;
    }
    return true;
}

/// A byte of a permission's wire name, a scope-token per RFC 6749 section 3.3: %x21 / %x23-5B / %x5D-7E.
constexpr bool is_name_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && u != 0x22 && u != 0x5c;
}

} // namespace ward::detail

#endif
// ---- end ward/detail/chars.hpp ----
// ---- begin ward/detail/handle.hpp ----
#ifndef WARD_DETAIL_HANDLE_HPP
#define WARD_DETAIL_HANDLE_HPP

#include <cstdint>
#include <limits>

namespace ward::detail {

/// "No index": the one sentinel of every 32-bit number ward keeps (handles, rows, parents, pools).
inline constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

/// A dense 32-bit handle into one snapshot's table; Tag keeps scopes and principals apart.
template <class Tag>
struct handle {
    static constexpr std::uint32_t none = detail::none;
    std::uint32_t value = none;
    constexpr bool valid() const noexcept { return value != none; }
    constexpr explicit operator bool() const noexcept { return valid(); }
    friend constexpr bool operator==(handle a, handle b) noexcept { return a.value == b.value; }
    friend constexpr bool operator!=(handle a, handle b) noexcept { return a.value != b.value; }
};

struct scope_tag;
struct principal_tag;

} // namespace ward::detail

#endif
// ---- end ward/detail/handle.hpp ----
// ---- begin ward/detail/id_index.hpp ----
#ifndef WARD_DETAIL_ID_INDEX_HPP
#define WARD_DETAIL_ID_INDEX_HPP

// ---- begin ward/detail/table.hpp ----
#ifndef WARD_DETAIL_TABLE_HPP
#define WARD_DETAIL_TABLE_HPP

// The one open-addressing (linear probing) scheme of ward, for the compile-time permission-name
// table and the run-time id and mask indexes. A table is any array of Slot with a power-of-two
// size() and operator[] (std::array at compile time, std::vector at run time); Slot{} marks an
// empty slot, so items are stored as index + 1 (optionally with hash bits above the index).

#include <cstddef>
#include <cstdint>

namespace ward::detail {

/// The number of slots for `n` items: a power of two, at least `at_least` and at least 2n (load
/// factor at most one half, so a probe always ends on an empty slot).
constexpr std::size_t table_size(std::size_t n, std::size_t at_least) noexcept {
    std::size_t s = at_least;
    while (s < 2 * n) s *= 2;
    return s;
}

/// Walks `hash`'s probe sequence: the index of the first slot that is empty or for which
/// match(slot) holds. The caller tests slots[i] == Slot{} for "not found" (and inserts there).
template <class Slots, class Match>
constexpr std::size_t probe(const Slots& slots, std::uint64_t hash, Match match) noexcept {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (!(slots[i] == typename Slots::value_type{}) && !match(slots[i])) i = (i + 1) & mask;
    return i;
}

/// The first empty slot of `hash`'s probe sequence: where a new item goes.
template <class Slots>
constexpr std::size_t free_slot(const Slots& slots, std::uint64_t hash) noexcept {
    return probe(slots, hash, [](const auto&) { return false; });
}

} // namespace ward::detail

#endif
// ---- end ward/detail/table.hpp ----

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::detail {

inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

inline std::uint64_t read8(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}
inline std::uint64_t read4(const char* p) noexcept {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}

/// The 128-bit product of a and b, folded to 64 bits (high half xor low half).
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
#else
    const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    const std::uint64_t high = hi_hi + (hi_lo >> 32) + (cross >> 32);
    const std::uint64_t low = (cross << 32) | (lo_lo & 0xffffffffu);
    return low ^ high;
#endif
}

/// A fast non-cryptographic hash of a byte string (the structure of wyhash): 16 bytes per
/// multiply, the last 16 read as two overlapping words, no byte loop for ids of 4 bytes or more.
/// An id of up to 16 bytes costs two multiplies, one of up to 32 three.
inline std::uint64_t hash_bytes(std::string_view s) noexcept {
    constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t seed = k2, a = 0, b = 0;
    if (n <= 16) {
        if (n >= 8) {
            a = read8(p);
            b = read8(p + n - 8);
        } else if (n >= 4) {
            a = read4(p);
            b = read4(p + n - 4);
        } else if (n > 0) {
            const auto byte = [&](std::size_t i) {
                return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]));
            };
            a = (byte(0) << 16) | (byte(n / 2) << 8) | byte(n - 1);
        }
    } else {
        std::size_t left = n;
        for (; left > 16; left -= 16, p += 16) seed = fold_multiply(read8(p) ^ k1, read8(p + 8) ^ seed);
        a = read8(p + left - 16);
        b = read8(p + left - 8);
    }
    const std::uint64_t x = a ^ k1, y = b ^ seed;
    return fold_multiply(fold_multiply(x, y) ^ k0 ^ n, x ^ y ^ k1);
}

/// Whether the n bytes at a and b are equal: words, the last one overlapping (ids are short; no call).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            if (read8(a + i) != read8(b + i)) return false;
        return read8(a + n - 8) == read8(b + n - 8);
    }
    if (n >= 4) return read4(a) == read4(b) && read4(a + n - 4) == read4(b + n - 4);
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

/// A run-time open-addressing table of Slot values (see table.hpp), grown by its owner.
template <class Slot>
class slot_table {
public:
    explicit slot_table(std::size_t n = 0) : slots_(n, Slot{}) {}

    std::size_t size() const noexcept { return slots_.size(); }
    bool empty() const noexcept { return slots_.empty(); }
    /// The slot on `hash`'s probe sequence for which match(slot) holds, or Slot{}.
    template <class Match>
    Slot find(std::uint64_t hash, Match match) const noexcept {
        return slots_[probe(slots_, hash, match)];
    }
    /// Empties the slot on `hash`'s probe sequence for which match(slot) holds (the owner makes sure
    /// no other probe sequence runs through it).
    template <class Match>
    void erase(std::uint64_t hash, Match match) noexcept {
        const std::size_t i = probe(slots_, hash, match);
        slots_[i] = Slot{};
    }
    /// Where `hash`'s probe sequence starts (to prefetch it), or nullptr for an empty table.
    const Slot* first_probe(std::uint64_t hash) const noexcept {
        return slots_.empty() ? nullptr : slots_.data() + (static_cast<std::size_t>(hash) & (slots_.size() - 1));
    }
    /// Stores `v` in the first empty slot of `hash`'s probe sequence.
    void place(std::uint64_t hash, Slot v) noexcept { slots_[free_slot(slots_, hash)] = v; }
    /// Empties the table and makes it `n` slots (a power of two).
    void reset(std::size_t n) { slots_.assign(n, Slot{}); }
    std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(Slot); }

private:
    std::vector<Slot> slots_;
};

/// An append-only set of string ids numbered 0..n-1 in insertion order, stored in one arena, with
/// an open-addressing index (each slot: the hash's high 32 bits, then number + 1). find() never
/// allocates.
class id_index {
public:
    static constexpr std::uint32_t npos = detail::none;

    id_index() { offsets_.push_back(0); }

    std::size_t size() const noexcept { return offsets_.size() - 1; }

    std::string_view at(std::uint32_t i) const noexcept {
        if (i >= size()) return {};
        return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
    }

    /// The number of `s`, or npos.
    std::uint32_t find(std::string_view s) const noexcept { return find(s, hash_bytes(s)); }

    std::uint32_t find(std::string_view s, std::uint64_t h) const noexcept {
        if (slots_.empty()) return npos;
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        const std::uint64_t slot = slots_.find(h, [&](std::uint64_t v) {
            if (static_cast<std::uint32_t>(v >> 32) != tag) return false;
            const std::uint32_t i = static_cast<std::uint32_t>(v) - 1u; // a number the index holds
            const std::uint32_t begin = offsets_[i], size = offsets_[i + 1] - begin;
            return size == s.size() && same_bytes(arena_.data() + begin, s.data(), size);
        });
        return slot == 0 ? npos : static_cast<std::uint32_t>(slot) - 1u;
    }

    /// The slot where looking up `s` starts, for the caller to prefetch before it interns several
    /// ids of one row (nullptr for an empty index). The prefetch belongs in the caller's body:
    /// g++ drops calls of a function whose only effect is a prefetch.
    const void* slot_address(std::string_view s) const noexcept { return slots_.first_probe(hash_bytes(s)); }

    /// Adds `s` if new; returns its number and whether it was added.
    std::pair<std::uint32_t, bool> insert(std::string_view s) {
        const std::uint64_t h = hash_bytes(s);
        const std::uint32_t found = find(s, h);
        if (found != npos) return {found, false};
        if ((size() + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
        const auto idx = static_cast<std::uint32_t>(size());
        arena_.append(s.data(), s.size());
        offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
        place(h, idx);
        return {idx, true};
    }

    /// Forgets the ids numbered n and above (the latest ones), as if they had never been added.
    /// Emptying the slot of the latest id leaves every other probe sequence intact: no id added
    /// before it can have probed past a slot that was empty then.
    void truncate(std::size_t n) {
        if (n >= size()) return;
        for (std::size_t i = size(); i-- > n;) {
            const std::uint64_t h = hash_bytes(at(static_cast<std::uint32_t>(i)));
            const auto want = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(h >> 32)) << 32) | (i + 1u);
            slots_.erase(h, [&](std::uint64_t v) { return v == want; });
            arena_.resize(offsets_[i]);
            offsets_.pop_back();
        }
    }

    void reserve(std::size_t n, std::size_t bytes) {
        offsets_.reserve(n + 1);
        arena_.reserve(bytes);
        const std::size_t want = table_size(n, 16);
        if (want > slots_.size()) rehash(want);
    }

    std::size_t memory_bytes() const noexcept {
        return arena_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) + slots_.memory_bytes();
    }
    std::size_t arena_bytes() const noexcept { return arena_.size(); }

private:
    void place(std::uint64_t h, std::uint32_t idx) noexcept {
        slots_.place(h, (static_cast<std::uint64_t>(static_cast<std::uint32_t>(h >> 32)) << 32) | (idx + 1u));
    }
    void rehash(std::size_t n) {
        slots_.reset(n);
        for (std::uint32_t i = 0; i < size(); ++i) place(hash_bytes(at(i)), i);
    }

    std::string arena_;
    std::vector<std::uint32_t> offsets_;
    slot_table<std::uint64_t> slots_;
};

} // namespace ward::detail

#endif
// ---- end ward/detail/id_index.hpp ----
// ---- begin ward/detail/sort.hpp ----
#ifndef WARD_DETAIL_SORT_HPP
#define WARD_DETAIL_SORT_HPP

#include <type_traits>

namespace ward::detail {

/// Sorts [first, last) by `less`: insertion sort for short ranges, heapsort otherwise (no
/// recursion, O(n log n), no allocation, no <algorithm> in the include graph).
template <class It, class Less>
void sort(It first, It last, Less less) {
    using diff = std::remove_const_t<decltype(last - first)>;
    const diff n = last - first;
    if (n < 2) return;
    if (n <= 16) {
        for (It i = first + 1; i != last; ++i)
            for (It j = i; j != first && less(*j, *(j - 1)); --j) {
                auto t = *j;
                *j = *(j - 1);
                *(j - 1) = t;
            }
        return;
    }
    auto sift = [&](diff root, diff size) {
        for (;;) {
            auto child = 2 * root + 1;
            if (child >= size) return;
            if (child + 1 < size && less(first[child], first[child + 1])) ++child;
            if (!less(first[root], first[child])) return;
            auto t = first[root];
            first[root] = first[child];
            first[child] = t;
            root = child;
        }
    };
    for (auto i = n / 2; i-- > 0;) sift(i, n);
    for (auto end = n - 1; end > 0; --end) {
        auto t = first[0];
        first[0] = first[end];
        first[end] = t;
        sift(0, end);
    }
}

} // namespace ward::detail

#endif
// ---- end ward/detail/sort.hpp ----
// ---- begin ward/error.hpp ----
/// \file ward/error.hpp
/// Error codes shared by every parser and by the policy builder, in the style of std::errc.
#ifndef WARD_ERROR_HPP
#define WARD_ERROR_HPP

#include <cstddef>
#include <string_view>

namespace ward {

/// Why a parse or a build step failed. `ok` (zero) is success; every other value means the result
/// holds nothing (fail closed).
enum class errc : unsigned char {
    ok = 0,
    empty_input,        ///< nothing to parse where something is required
    empty_name,         ///< an empty item: repeated, leading or trailing separator, or "" in a list
    unknown_name,       ///< a well-formed name the vocabulary does not define
    invalid_character,  ///< a byte that may not appear here (control, NUL, space inside a name, ...)
    input_too_long,     ///< longer than WARD_MAX_INPUT_LENGTH
    unknown_bit,        ///< an integer mask with a bit the vocabulary does not define
    value_out_of_range, ///< a number that does not fit
    malformed,          ///< input of the wrong shape (a subject without a kind, a bad number, ...)
    unknown_kind,       ///< a subject or scope kind that is not accepted
    buffer_too_small,   ///< a format call's output buffer cannot hold the result
    // policy building
    duplicate_id,       ///< a scope, role or principal id defined twice
    unknown_scope,      ///< a row names a scope that was not defined
    unknown_role,       ///< a row names a role that was not defined
    unknown_principal,  ///< a row names a principal that was not defined
    wrong_scope_kind,   ///< a scope placed under a parent of a kind it may not have
    role_cycle,         ///< roles inherit from each other in a cycle
    scope_cycle,        ///< scopes are parents of each other in a cycle
    invalid_id,         ///< an id that is empty, too long or holds a forbidden byte
    too_many,           ///< more rows of a kind than a snapshot can index
    invalid_role_table, ///< a compile-time role table that failed its own checks
    unknown_row,        ///< a row number never added, already removed, or of a row that cannot be removed
};

/// A short, stable, human-readable name for an error code.
[[nodiscard]] constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::ok: return "ok";
    case errc::empty_input: return "empty input";
    case errc::empty_name: return "empty name";
    case errc::unknown_name: return "unknown name";
    case errc::invalid_character: return "invalid character";
    case errc::input_too_long: return "input too long";
    case errc::unknown_bit: return "unknown bit";
    case errc::value_out_of_range: return "value out of range";
    case errc::malformed: return "malformed";
    case errc::unknown_kind: return "unknown kind";
    case errc::buffer_too_small: return "buffer too small";
    case errc::duplicate_id: return "duplicate id";
    case errc::unknown_scope: return "unknown scope";
    case errc::unknown_role: return "unknown role";
    case errc::unknown_principal: return "unknown principal";
    case errc::wrong_scope_kind: return "wrong scope kind";
    case errc::role_cycle: return "role cycle";
    case errc::scope_cycle: return "scope cycle";
    case errc::invalid_id: return "invalid id";
    case errc::too_many: return "too many";
    case errc::invalid_role_table: return "invalid role table";
    case errc::unknown_row: return "unknown row";
    }
    return "unknown error";
}

/// The result of a parse: a value, an error code, and where the bad input starts.
/// On error `value` is always the empty/default value, never a partial result. Discarding one is
/// a compile warning: a result that is not looked at cannot fail closed.
template <class T>
struct [[nodiscard]] parse_result {
    T value{};
    errc ec = errc::ok;
    std::size_t position = 0; ///< byte offset (strings), item index (lists) or bit index (integers)
    std::size_t skipped = 0;  ///< lenient mode: how many unknown names were skipped (never granted)

    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

/// The result of formatting into a caller's buffer, as std::to_chars_result.
struct [[nodiscard]] format_result {
    char* ptr = nullptr; ///< one past the last byte written (== first on error)
    errc ec = errc::ok;
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

/// How a parser treats well-formed names the vocabulary does not define.
enum class parse_mode : unsigned char {
    strict,  ///< an unknown name is an error (the default)
    lenient, ///< unknown names are skipped and counted (never granted); empty items are skipped
};

} // namespace ward

#endif
// ---- end ward/error.hpp ----
// ---- begin ward/parse.hpp ----
/// \file ward/parse.hpp
/// Parsing of permission names, scope strings and integer masks. Nothing here allocates; every
/// input is treated as hostile and every failure yields an empty set with an error code and the
/// position of the bad input. Formatting (the way back) is in format.hpp, included here.
#ifndef WARD_PARSE_HPP
#define WARD_PARSE_HPP

// ---- begin ward/detail/split.hpp ----
/// \file ward/detail/split.hpp
/// The one loop that walks a space-separated list (an OAuth scope string, bound scopes): a
/// constexpr, allocation-free range of items with their byte offsets.
#ifndef WARD_DETAIL_SPLIT_HPP
#define WARD_DETAIL_SPLIT_HPP

#include <cstddef>
#include <string_view>

namespace ward::detail {

/// One item of a space-separated list and the byte offset where it starts.
struct split_item {
    std::string_view text;
    std::size_t offset;
};

/// The items of `s` between single spaces, in order. n spaces give n + 1 items, so a leading,
/// trailing or repeated space yields an empty item (callers decide whether that is an error), and
/// an empty `s` yields one empty item at offset 0. Usage:
/// `for (const detail::split_item item : detail::split_spaces(s)) use(item.text, item.offset);`
class split_spaces {
public:
    class iterator {
    public:
        constexpr split_item operator*() const noexcept { return {s_.substr(start_, end_ - start_), start_}; }
        constexpr iterator& operator++() noexcept {
            start_ = end_ == s_.size() ? s_.size() + 1 : end_ + 1;
            end_ = item_end(s_, start_);
            return *this;
        }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept { return a.start_ == b.start_; }
        friend constexpr bool operator!=(const iterator& a, const iterator& b) noexcept { return a.start_ != b.start_; }

    private:
        friend class split_spaces;
        constexpr iterator(std::string_view s, std::size_t start) noexcept
            : s_(s), start_(start), end_(item_end(s, start)) {}
        static constexpr std::size_t item_end(std::string_view s, std::size_t start) noexcept {
            std::size_t end = start;
            while (end < s.size() && s[end] != ' ') ++end;
            return end;
        }
        std::string_view s_;
        std::size_t start_;
        std::size_t end_;
    };

    constexpr explicit split_spaces(std::string_view s) noexcept : s_(s) {}
    constexpr iterator begin() const noexcept { return iterator(s_, 0); }
    constexpr iterator end() const noexcept { return iterator(s_, s_.size() + 1); }

private:
    std::string_view s_;
};

} // namespace ward::detail

#endif
// ---- end ward/detail/split.hpp ----
// ---- begin ward/format.hpp ----
/// \file ward/format.hpp
/// Formatting a permission set as its wire names in bit order: into a caller's buffer
/// (format_to, as std::to_chars), to an output iterator (write_names) or, allocating, to a
/// std::string (to_string). Every entry point writes through write_names.
///
/// \code
/// const ward::permission_set<perm> s{perm::read_users, perm::update_users};
/// char buf[64];
/// const ward::format_result r = ward::format_to(buf, buf + sizeof buf, s);
/// const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf)); // "read:users update:users"
/// const std::string copy = ward::to_string(s, ',');                        // "read:users,update:users"
/// \endcode
#ifndef WARD_FORMAT_HPP
#define WARD_FORMAT_HPP

// ---- begin ward/permission_set.hpp ----
/// \file ward/permission_set.hpp
/// ward::permission_set<P>: a constexpr, fixed-width bitmask over one vocabulary.
#ifndef WARD_PERMISSION_SET_HPP
#define WARD_PERMISSION_SET_HPP

// ---- begin ward/detail/iterator.hpp ----
#ifndef WARD_DETAIL_ITERATOR_HPP
#define WARD_DETAIL_ITERATOR_HPP

// One base for ward's index-walking forward iterators (a permission set's bits, a view's items):
// the iterator types, post-increment and comparison by position. The derived iterator gives
// operator*, index() (its position) and pre-increment, and says `using index_iterator::operator++;`.
#include <cstddef>
#include <iterator>

namespace ward::detail {

template <class Derived, class Value>
class index_iterator {
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Value;

    constexpr Derived operator++(int) noexcept {
        Derived before = static_cast<const Derived&>(*this);
        ++static_cast<Derived&>(*this);
        return before;
    }
    friend constexpr bool operator==(const Derived& a, const Derived& b) noexcept { return a.index() == b.index(); }
    friend constexpr bool operator!=(const Derived& a, const Derived& b) noexcept { return !(a == b); }
};

} // namespace ward::detail

#endif
// ---- end ward/detail/iterator.hpp ----
// ---- begin ward/vocabulary.hpp ----
/// \file ward/vocabulary.hpp
/// How a service declares its permissions, and what ward knows about them at compile time.
///
/// A vocabulary is a scoped enum whose enumerators are bit positions (gaps allowed) plus a
/// specialization of ward::permission_traits that names each permission:
///
/// \code
/// enum class perm : unsigned { read_users = 0, update_users = 1, sudo = 29 };
/// template <> struct ward::permission_traits<perm> {
///     static constexpr ward::permission_name<perm> names[] = {
///         {perm::read_users, "read:users"}, {perm::update_users, "update:users"}, {perm::sudo, "sudo"}};
///     static constexpr ward::implication<perm> implications[] = {   // optional
///         {perm::sudo, perm::update_users}, {perm::update_users, perm::read_users}};
///     using wire_type = std::uint32_t;                               // optional
/// };
/// \endcode
///
/// A resource x action product (ward::product<R, A>, product.hpp) is a vocabulary too; its names
/// are generated. The compile-time tables behind ward::vocabulary are in detail/vocabulary.hpp.
#ifndef WARD_VOCABULARY_HPP
#define WARD_VOCABULARY_HPP

// ---- begin ward/detail/closure.hpp ----
/// \file ward/detail/closure.hpp
/// The transitive closure of a vocabulary's implications, computed at compile time: for each bit
/// that implies something, the mask of every bit it grants (itself included); and its converse,
/// the bits that imply a given set (what a deny removes, so that what is left stays closed).
#ifndef WARD_DETAIL_CLOSURE_HPP
#define WARD_DETAIL_CLOSURE_HPP

#include <array>
#include <cstddef>
#include <cstdint>

namespace ward::detail {

/// One implication as bit indices: holding `from` also grants `to`.
struct index_pair {
    std::size_t from;
    std::size_t to;
};

template <std::size_t N>
[[nodiscard]] constexpr std::size_t implication_sources(const std::array<index_pair, N>& imps) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i; ++j) seen = seen || imps[j].from == imps[i].from;
        n += seen ? 0 : 1;
    }
    return n;
}

template <std::size_t Words, std::size_t Sources>
struct closure_table {
    std::array<std::size_t, Sources> source{};
    std::array<std::array<std::uint64_t, Words>, Sources> mask{};
};

template <std::size_t Words, std::size_t Sources, std::size_t N>
[[nodiscard]] constexpr closure_table<Words, Sources> make_closure(const std::array<index_pair, N>& imps) noexcept {
    closure_table<Words, Sources> t{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < N; ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i; ++j) seen = seen || imps[j].from == imps[i].from;
        if (seen) continue;
        t.source[k] = imps[i].from;
        t.mask[k][imps[i].from / 64] |= std::uint64_t{1} << (imps[i].from % 64);
        ++k;
    }
    for (std::size_t s = 0; s < Sources; ++s) {
        bool changed = true;
        while (changed) {
            changed = false;
            for (const auto& i : imps) {
                const bool has_from = (t.mask[s][i.from / 64] >> (i.from % 64)) & 1u;
                const bool has_to = (t.mask[s][i.to / 64] >> (i.to % 64)) & 1u;
                if (has_from && !has_to) {
                    t.mask[s][i.to / 64] |= std::uint64_t{1} << (i.to % 64);
                    changed = true;
                }
            }
        }
    }
    return t;
}

/// The bits of `target` together with every bit that implies one of them (directly or through a
/// chain): a source whose closure meets `target`. One pass suffices because each closure is already
/// transitive. A deny widened this way removes, with X, every permission that would grant X again,
/// so a closed set minus it stays closed.
template <std::size_t Words, std::size_t Sources>
[[nodiscard]] constexpr std::array<std::uint64_t, Words>
implying(const closure_table<Words, Sources>& t, const std::array<std::uint64_t, Words>& target) noexcept {
    std::array<std::uint64_t, Words> out = target;
    for (std::size_t s = 0; s < Sources; ++s) {
        bool meets = false;
        for (std::size_t k = 0; k < Words; ++k) meets = meets || (t.mask[s][k] & target[k]) != 0;
        if (meets) out[t.source[s] / 64] |= std::uint64_t{1} << (t.source[s] % 64);
    }
    return out;
}

} // namespace ward::detail

#endif
// ---- end ward/detail/closure.hpp ----
// ---- begin ward/detail/vocabulary.hpp ----
/// \file ward/detail/vocabulary.hpp
/// The raw description of a vocabulary (bit count, names by bit, implications by bit) for a
/// permission enum and for a product of two, and the compile-time checks and name table
/// ward::vocabulary derives from it.
#ifndef WARD_DETAIL_VOCABULARY_HPP
#define WARD_DETAIL_VOCABULARY_HPP

// ---- begin ward/product.hpp ----
/// \file ward/product.hpp
/// Resource x action product vocabularies: the permissions of a service that are every action on
/// every resource, with wire names generated from the two parts ("read:users", "orders:read").
///
/// \code
/// enum class entity : unsigned { users = 0, roles = 1 };
/// enum class crud : unsigned { read = 0, update = 1, destroy = 2 };
/// template <> struct ward::permission_traits<entity> {
///     static constexpr ward::permission_name<entity> names[] = {{entity::users, "users"}, {entity::roles, "roles"}};
/// };
/// template <> struct ward::permission_traits<crud> {
///     static constexpr ward::permission_name<crud> names[] = {
///         {crud::read, "read"}, {crud::update, "update"}, {crud::destroy, "destroy"}};
///     static constexpr ward::implication<crud> implications[] = {{crud::update, crud::read}};
/// };
/// using perm = ward::product<entity, crud>;                       // "read:users", "update:roles", ...
/// template <> struct ward::product_traits<perm> {                    // optional
///     static constexpr perm excluded[] = {{entity::roles, crud::destroy}};
/// };
/// \endcode
///
/// ward::row and ward::column (the sets of one resource or one action) are in permission_set.hpp.
#ifndef WARD_PRODUCT_HPP
#define WARD_PRODUCT_HPP

namespace ward {

/// How a product vocabulary spells a permission's wire name.
enum class name_order : unsigned char {
    action_resource, ///< "read:users" (Auth0)
    resource_action, ///< "orders:read"
};

/// A permission in a resource x action product vocabulary, e.g. product<entity, crud>.
/// Both R and A are enums with their own permission_traits (their names become the parts of the
/// wire name). Implications declared on A ("update implies read") apply to every resource.
template <class R, class A, name_order Order = name_order::action_resource, char Separator = ':'>
struct product {
    R resource;
    A action;

    friend constexpr bool operator==(product a, product b) noexcept {
        return a.resource == b.resource && a.action == b.action;
    }
    friend constexpr bool operator!=(product a, product b) noexcept { return !(a == b); }
};

/// Optional, per product vocabulary: cells of the product that are not permissions, e.g. an API
/// with no `destroy` for roles: `static constexpr Product excluded[] = {{entity::roles, crud::destroy}};`
/// An excluded cell has no name, can never be a member of a set, and takes no implications.
template <class Product>
struct product_traits {};

} // namespace ward

#endif
// ---- end ward/product.hpp ----
// ---- begin ward/detail/bits.hpp ----
/// \file ward/detail/bits.hpp
/// Bit tricks (popcount, count trailing zeros) and the FNV-1a hash, all constexpr.
#ifndef WARD_DETAIL_BITS_HPP
#define WARD_DETAIL_BITS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward::detail {

constexpr int popcount64(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(x);
#else
    int n = 0;
    for (; x; x &= x - 1) ++n;
    return n;
#endif
}

/// Index of the lowest set bit; x must not be zero.
constexpr int ctz64(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#else
    int n = 0;
    while (!(x & 1u)) {
        x >>= 1;
        ++n;
    }
    return n;
#endif
}

/// FNV-1a, 64 bit: constexpr, no allocation, good enough for short ids.
constexpr std::uint64_t fnv1a(std::string_view s) noexcept {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace ward::detail

#endif
// ---- end ward/detail/bits.hpp ----

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string_view>
#include <type_traits>

namespace ward {

template <class P>
struct permission_traits;

namespace detail {

template <class T>
struct is_product : std::false_type {};
template <class R, class A, name_order O, char S>
struct is_product<product<R, A, O, S>> : std::true_type {};

template <class T, class = void>
struct has_implications : std::false_type {};
template <class T>
struct has_implications<T, std::void_t<decltype(std::size(T::implications))>> : std::true_type {};

template <class T, class = void>
struct declared_wire_type {
    using type = std::uint64_t;
};
template <class T>
struct declared_wire_type<T, std::void_t<typename T::wire_type>> {
    using type = typename T::wire_type;
};

template <class P, class = void>
struct declares_wire_type : std::false_type {};
template <class P>
struct declares_wire_type<P, std::void_t<typename permission_traits<P>::wire_type>> : std::true_type {};

template <class T, class = void>
struct has_traits : std::false_type {};
template <class T>
struct has_traits<T, std::void_t<decltype(std::size(permission_traits<T>::names))>> : std::true_type {};

template <class T, class = void>
struct has_exclusions : std::false_type {};
template <class T>
struct has_exclusions<T, std::void_t<decltype(std::size(product_traits<T>::excluded))>> : std::true_type {};

// ---- the raw description of a vocabulary: bit count, names by bit, implications by bit ----------

template <class P, class = void>
struct vocab_source;

template <class E>
constexpr long long enum_position(E e) noexcept {
    using U = std::underlying_type_t<E>;
    return static_cast<long long>(static_cast<U>(e));
}

template <class E>
constexpr bool enum_positions_in_range() noexcept {
    for (const auto& n : permission_traits<E>::names) {
        const long long v = enum_position(n.value);
        if (v < 0 || v >= WARD_MAX_PERMISSION_BITS) return false;
    }
    return true;
}

template <class E>
constexpr std::size_t enum_bits() noexcept {
    long long hi = -1;
    for (const auto& n : permission_traits<E>::names) {
        const long long v = enum_position(n.value);
        if (v >= 0 && v < WARD_MAX_PERMISSION_BITS && v > hi) hi = v;
    }
    return static_cast<std::size_t>(hi + 1);
}

template <class E>
constexpr bool enum_positions_unique() noexcept {
    std::array<bool, WARD_MAX_PERMISSION_BITS> seen{};
    for (const auto& n : permission_traits<E>::names) {
        const long long v = enum_position(n.value);
        if (v < 0 || v >= WARD_MAX_PERMISSION_BITS) continue;
        if (seen[static_cast<std::size_t>(v)]) return false;
        seen[static_cast<std::size_t>(v)] = true;
    }
    return true;
}

template <class E>
struct vocab_source<E, std::enable_if_t<std::is_enum_v<E>>> {
    using traits = permission_traits<E>;
    using underlying = std::underlying_type_t<E>;

    static_assert(std::size(traits::names) > 0,
                  "ward::permission_traits<P>::names: a vocabulary needs at least one permission");
    static_assert(enum_positions_in_range<E>(),
                  "ward::permission_traits<P>::names: every bit position must be in [0, WARD_MAX_PERMISSION_BITS)");
    static_assert(enum_positions_unique<E>(),
                  "ward::permission_traits<P>::names: two entries name the same enumerator");

    static constexpr std::size_t bits = enum_bits<E>();

    static constexpr std::size_t index(E e) noexcept {
        const long long v = enum_position(e);
        return v < 0 ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(v);
    }
    static constexpr E from_index(std::size_t i) noexcept { return static_cast<E>(static_cast<underlying>(i)); }

    static constexpr std::array<std::string_view, bits> make_names() noexcept {
        std::array<std::string_view, bits> out{};
        for (const auto& n : traits::names) out[index(n.value)] = n.name;
        return out;
    }
    static constexpr std::array<std::string_view, bits> names = make_names();

    static constexpr std::size_t implication_count() noexcept {
        if constexpr (has_implications<traits>::value) return std::size(traits::implications);
        else return 0;
    }
    static constexpr std::array<index_pair, implication_count()> make_implications() noexcept {
        std::array<index_pair, implication_count()> out{};
        if constexpr (has_implications<traits>::value) {
            std::size_t k = 0;
            for (const auto& i : traits::implications) out[k++] = {index(i.from), index(i.to)};
        }
        return out;
    }
    static constexpr std::array<index_pair, implication_count()> implications = make_implications();

    using wire_type = typename declared_wire_type<traits>::type;
};

template <class R, class A, name_order O, char S>
struct vocab_source<product<R, A, O, S>> {
    using rsrc = vocab_source<R>;
    using asrc = vocab_source<A>;
    using value_type = product<R, A, O, S>;

    static_assert(rsrc::bits * asrc::bits <= WARD_MAX_PERMISSION_BITS,
                  "ward::product<R, A>: resources x actions exceeds WARD_MAX_PERMISSION_BITS");

    static constexpr std::size_t bits = rsrc::bits * asrc::bits;

    static constexpr std::size_t index(value_type p) noexcept {
        const std::size_t r = rsrc::index(p.resource), a = asrc::index(p.action);
        if (r >= rsrc::bits || a >= asrc::bits) return std::numeric_limits<std::size_t>::max();
        return r * asrc::bits + a;
    }
    static constexpr value_type from_index(std::size_t i) noexcept {
        return value_type{rsrc::from_index(i / asrc::bits), asrc::from_index(i % asrc::bits)};
    }

    /// Is (resource r, action a) a permission: both named, and not excluded by product_traits?
    static constexpr bool cell(std::size_t r, std::size_t a) noexcept {
        if (r >= rsrc::bits || a >= asrc::bits || rsrc::names[r].empty() || asrc::names[a].empty()) return false;
        if constexpr (has_exclusions<value_type>::value) {
            for (const value_type& x : product_traits<value_type>::excluded)
                if (index(x) == r * asrc::bits + a) return false;
        }
        return true;
    }

    static constexpr std::size_t name_chars() noexcept {
        std::size_t total = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (std::size_t a = 0; a < asrc::bits; ++a)
                if (cell(r, a)) total += rsrc::names[r].size() + 1 + asrc::names[a].size();
        return total == 0 ? 1 : total;
    }
    static constexpr std::size_t chars = name_chars();
    static constexpr std::array<char, chars> make_storage() noexcept {
        std::array<char, chars> buf{};
        std::size_t k = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (std::size_t a = 0; a < asrc::bits; ++a) {
                if (!cell(r, a)) continue;
                const std::string_view first = O == name_order::action_resource ? asrc::names[a] : rsrc::names[r];
                const std::string_view second = O == name_order::action_resource ? rsrc::names[r] : asrc::names[a];
                for (char c : first) buf[k++] = c;
                buf[k++] = S;
                for (char c : second) buf[k++] = c;
            }
        return buf;
    }
    static constexpr std::array<char, chars> storage = make_storage();

    static constexpr std::array<std::string_view, bits> make_names() noexcept {
        std::array<std::string_view, bits> out{};
        std::size_t k = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (std::size_t a = 0; a < asrc::bits; ++a) {
                if (!cell(r, a)) continue;
                const std::size_t len = rsrc::names[r].size() + 1 + asrc::names[a].size();
                out[r * asrc::bits + a] = std::string_view(storage.data() + k, len);
                k += len;
            }
        return out;
    }
    static constexpr std::array<std::string_view, bits> names = make_names();

    // An action implication ("update implies read") holds in every row where both cells exist.
    static constexpr std::size_t implication_count() noexcept {
        std::size_t n = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (const auto& i : asrc::implications) n += cell(r, i.from) && cell(r, i.to) ? 1 : 0;
        return n;
    }
    static constexpr std::array<index_pair, implication_count()> make_implications() noexcept {
        std::array<index_pair, implication_count()> out{};
        std::size_t k = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (const auto& i : asrc::implications)
                if (cell(r, i.from) && cell(r, i.to)) out[k++] = {r * asrc::bits + i.from, r * asrc::bits + i.to};
        return out;
    }
    static constexpr std::array<index_pair, implication_count()> implications = make_implications();

    using wire_type = std::uint64_t;
};

// ---- facts derived from the names -----------------------------------------------------------------

template <std::size_t Bits>
constexpr std::size_t defined_count(const std::array<std::string_view, Bits>& names) noexcept {
    std::size_t n = 0;
    for (const std::string_view& s : names) n += s.empty() ? 0 : 1;
    return n;
}

template <std::size_t Bits>
constexpr std::size_t longest_name(const std::array<std::string_view, Bits>& names) noexcept {
    std::size_t m = 0;
    for (const std::string_view& s : names) m = s.size() > m ? s.size() : m;
    return m;
}

template <std::size_t Words, std::size_t Bits>
constexpr std::array<std::uint64_t, Words> defined_words(const std::array<std::string_view, Bits>& names) noexcept {
    std::array<std::uint64_t, Words> w{};
    for (std::size_t i = 0; i < Bits; ++i)
        if (!names[i].empty()) w[i / 64] |= std::uint64_t{1} << (i % 64);
    return w;
}

template <std::size_t Bits>
constexpr bool names_well_formed(const std::array<std::string_view, Bits>& names) noexcept {
    for (const std::string_view& s : names)
        for (char c : s)
            if (!is_name_char(c)) return false;
    return true;
}

template <std::size_t Bits, std::size_t N>
constexpr bool implications_known(const std::array<std::string_view, Bits>& names,
                                  const std::array<index_pair, N>& imps) noexcept {
    for (const auto& i : imps) {
        if (i.from >= Bits || i.to >= Bits) return false;
        if (names[i.from].empty() || names[i.to].empty()) return false;
    }
    return true;
}

// ---- the name -> bit table (detail/table.hpp's open addressing, hashed with fnv1a) ---------------

template <std::size_t Slots>
struct name_table {
    std::array<std::uint16_t, Slots> slot{}; // bit index + 1, 0 = empty
    bool duplicate = false;
};

template <std::size_t Slots, std::size_t Bits>
constexpr name_table<Slots> make_name_table(const std::array<std::string_view, Bits>& names) noexcept {
    name_table<Slots> t{};
    for (std::size_t i = 0; i < Bits; ++i) {
        if (names[i].empty()) continue;
        const std::size_t h =
            probe(t.slot, fnv1a(names[i]), [&](std::uint16_t x) { return names[x - 1u] == names[i]; });
        if (t.slot[h] != 0) t.duplicate = true;
        else t.slot[h] = static_cast<std::uint16_t>(i + 1);
    }
    return t;
}

/// The bit whose name is s, or npos.
template <std::size_t Slots, std::size_t Bits>
constexpr std::size_t find_name(const name_table<Slots>& t, const std::array<std::string_view, Bits>& names,
                                std::string_view s) noexcept {
    const std::size_t h = probe(t.slot, fnv1a(s), [&](std::uint16_t x) { return names[x - 1u] == s; });
    return t.slot[h] != 0 ? t.slot[h] - 1u : std::numeric_limits<std::size_t>::max();
}

} // namespace detail
} // namespace ward

#endif
// ---- end ward/detail/vocabulary.hpp ----

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

namespace ward {

/// Specialize for each permission enum: `names` (required), `implications` and `wire_type` (optional).
template <class P>
struct permission_traits;

/// One entry of permission_traits<E>::names.
template <class E>
struct permission_name {
    E value;
    std::string_view name;
};

/// One entry of permission_traits<E>::implications: holding `from` also grants `to`.
/// Implications are closed transitively at compile time; cycles (mutual implication) are fine.
template <class E>
struct implication {
    E from;
    E to;
};

template <class P>
class permission_set;

/// Everything ward knows about vocabulary P, computed at compile time from permission_traits.
/// Instantiating it checks the vocabulary: duplicate wire names, malformed names, implications to
/// undefined permissions and bit positions wider than the declared wire type are compile errors.
template <class P>
struct vocabulary {
    using source = detail::vocab_source<P>;
    using value_type = P;
    using wire_type = typename source::wire_type;

    static constexpr std::size_t bits = source::bits;                         ///< highest bit position + 1
    static constexpr std::size_t words = (bits + 63) / 64;                    ///< 64-bit words in a set
    static constexpr std::size_t size = detail::defined_count(source::names); ///< defined permissions

    static_assert(detail::names_well_formed(source::names),
                  "ward::permission_traits<P>::names: a wire name may hold only printable ASCII other than "
                  "space, '\"' and '\\\\' (an OAuth scope-token)");
    static_assert(detail::implications_known(source::names, source::implications),
                  "ward::permission_traits<P>::implications: an implication names a permission the vocabulary "
                  "does not define");
    static_assert(std::is_unsigned_v<wire_type> && sizeof(wire_type) <= 8,
                  "ward::permission_traits<P>::wire_type must be an unsigned integer of at most 64 bits");
    // The default (uint64_t) is a promise only for vocabularies of at most 64 bits; a wire_type the
    // traits declare must hold every bit.
    static_assert((!detail::declares_wire_type<P>::value && bits > 64) ||
                      bits <= std::numeric_limits<wire_type>::digits,
                  "ward::permission_traits<P>::wire_type is narrower than the vocabulary's highest bit");

    static constexpr std::size_t slots = detail::table_size(size, 4);
    static constexpr detail::name_table<slots> table = detail::make_name_table<slots>(source::names);
    static_assert(!table.duplicate, "ward::permission_traits<P>::names: two permissions share a wire name");

    static constexpr std::size_t max_name_length = detail::longest_name(source::names);
    /// The defined bits, as the words of a set.
    static constexpr std::array<std::uint64_t, words> defined = detail::defined_words<words>(source::names);

    static constexpr std::size_t implication_sources = detail::implication_sources(source::implications);
    static constexpr detail::closure_table<words, implication_sources> closure =
        detail::make_closure<words, implication_sources>(source::implications);

    /// The bit index of p, or npos when p is not a defined permission.
    static constexpr std::size_t index(P p) noexcept {
        const std::size_t i = source::index(p);
        return (i < bits && !source::names[i].empty()) ? i : npos;
    }
    static constexpr P from_index(std::size_t i) noexcept { return source::from_index(i); }
    static constexpr bool is_defined(std::size_t i) noexcept { return i < bits && !source::names[i].empty(); }

    /// The wire name of bit i (empty when undefined).
    static constexpr std::string_view name(std::size_t i) noexcept {
        return i < bits ? source::names[i] : std::string_view{};
    }

    /// The bit index whose wire name is exactly s (case-sensitive), or npos. Allocation-free.
    [[nodiscard]] static constexpr std::size_t find(std::string_view s) noexcept {
        if (s.empty() || s.size() > max_name_length) return npos;
        return detail::find_name(table, source::names, s);
    }

    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
};

/// True when P has a permission_traits specialization (or is a product of two such enums).
template <class P>
inline constexpr bool is_vocabulary_v = detail::has_traits<P>::value || detail::is_product<P>::value;

/// The wire name of one permission ("read:users"); empty for a value the vocabulary does not define.
template <class P>
constexpr std::string_view name_of(P p) noexcept {
    return vocabulary<P>::name(vocabulary<P>::index(p));
}

} // namespace ward

#endif
// ---- end ward/vocabulary.hpp ----

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string_view> // declares the std::hash primary template specialized below

namespace ward {

/// A set of permissions of vocabulary P, stored as vocabulary<P>::words 64-bit words.
///
/// Only permissions the vocabulary defines can be members: inserting an undefined value is a
/// no-op and `contains` of one is false. Sets of two vocabularies are distinct types and never mix.
/// "All of" and "any of" are named: contains_all, contains_any.
template <class P>
class permission_set {
public:
    using vocabulary_type = vocabulary<P>;
    using value_type = P;
    using word_array = std::array<std::uint64_t, vocabulary_type::words>;
    static constexpr std::size_t word_count = vocabulary_type::words;

    constexpr permission_set() noexcept = default;
    /// A set of one permission (implicit: a single permission is a valid requirement).
    constexpr permission_set(P p) noexcept { insert(p); } // NOLINT(google-explicit-constructor)
    constexpr permission_set(std::initializer_list<P> ps) noexcept {
        for (P p : ps) insert(p);
    }

    /// Every permission the vocabulary defines.
    static constexpr permission_set all() noexcept { return from_words_unchecked(vocabulary_type::defined); }
    /// The set with exactly the bits of `w` that the vocabulary defines (others are dropped).
    static constexpr permission_set from_words(const word_array& w) noexcept {
        permission_set s = from_words_unchecked(w);
        s.mask_to_defined();
        return s;
    }

    // ---- queries --------------------------------------------------------------------------------
    constexpr bool contains(P p) const noexcept {
        const std::size_t i = vocabulary_type::index(p);
        return i != vocabulary_type::npos && test(i);
    }
    /// True when every permission of `other` is in this set. An empty `other` is trivially contained.
    constexpr bool contains_all(const permission_set& other) const noexcept {
        for (std::size_t k = 0; k < word_count; ++k)
            if ((other.w_[k] & ~w_[k]) != 0) return false;
        return true;
    }
    /// True when at least one permission of `other` is in this set. False for an empty `other`.
    constexpr bool contains_any(const permission_set& other) const noexcept {
        for (std::size_t k = 0; k < word_count; ++k)
            if ((other.w_[k] & w_[k]) != 0) return true;
        return false;
    }
    constexpr bool none() const noexcept {
        for (std::uint64_t x : w_)
            if (x != 0) return false;
        return true;
    }
    constexpr bool any() const noexcept { return !none(); }
    constexpr bool empty() const noexcept { return none(); }
    constexpr std::size_t count() const noexcept {
        std::size_t n = 0;
        for (std::uint64_t x : w_) n += static_cast<std::size_t>(detail::popcount64(x));
        return n;
    }
    constexpr std::size_t size() const noexcept { return count(); }
    /// Bit i (for callers iterating indices); false for undefined or out-of-range bits.
    constexpr bool test(std::size_t i) const noexcept {
        return i < vocabulary_type::bits && ((w_[i / 64] >> (i % 64)) & 1u) != 0;
    }
    constexpr const word_array& words() const noexcept { return w_; }

    // ---- modification -----------------------------------------------------------------------------
    constexpr permission_set& insert(P p) noexcept {
        const std::size_t i = vocabulary_type::index(p);
        if (i != vocabulary_type::npos) w_[i / 64] |= std::uint64_t{1} << (i % 64);
        return *this;
    }
    constexpr permission_set& erase(P p) noexcept {
        const std::size_t i = vocabulary_type::index(p);
        if (i != vocabulary_type::npos) w_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
        return *this;
    }
    constexpr void clear() noexcept { w_ = word_array{}; }

    /// This set together with everything it implies (the vocabulary's implications, closed
    /// transitively at compile time).
    constexpr permission_set implied() const noexcept {
        permission_set out = *this;
        for (std::size_t s = 0; s < vocabulary_type::implication_sources; ++s)
            if (test(vocabulary_type::closure.source[s]))
                for (std::size_t k = 0; k < word_count; ++k) out.w_[k] |= vocabulary_type::closure.mask[s][k];
        return out;
    }

    // ---- set algebra ------------------------------------------------------------------------------
    constexpr permission_set& operator|=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] |= o.w_[k];
        return *this;
    }
    constexpr permission_set& operator&=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] &= o.w_[k];
        return *this;
    }
    /// Difference: the permissions of this set that are not in `o`.
    constexpr permission_set& operator-=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] &= ~o.w_[k];
        return *this;
    }
    constexpr permission_set& operator^=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] ^= o.w_[k];
        return *this;
    }
    friend constexpr permission_set operator|(permission_set a, const permission_set& b) noexcept { return a |= b; }
    friend constexpr permission_set operator&(permission_set a, const permission_set& b) noexcept { return a &= b; }
    friend constexpr permission_set operator-(permission_set a, const permission_set& b) noexcept { return a -= b; }
    friend constexpr permission_set operator^(permission_set a, const permission_set& b) noexcept { return a ^= b; }
    /// Complement within the vocabulary: every defined permission not in this set.
    constexpr permission_set operator~() const noexcept {
        permission_set out;
        for (std::size_t k = 0; k < word_count; ++k) out.w_[k] = ~w_[k] & vocabulary_type::defined[k];
        return out;
    }
    friend constexpr bool operator==(const permission_set& a, const permission_set& b) noexcept {
        for (std::size_t k = 0; k < word_count; ++k)
            if (a.w_[k] != b.w_[k]) return false;
        return true;
    }
    friend constexpr bool operator!=(const permission_set& a, const permission_set& b) noexcept { return !(a == b); }

    // ---- integer wire form (vocabularies of at most 64 bits) --------------------------------------
    /// The set as an unsigned integer, bit i = permission at position i.
    template <class U = typename vocabulary_type::wire_type>
    constexpr U to_integer() const noexcept {
        static_assert(vocabulary_type::bits <= 64,
                      "ward::permission_set::to_integer: the vocabulary is wider than 64 bits");
        static_assert(std::is_unsigned_v<U> && std::numeric_limits<U>::digits >= int(vocabulary_type::bits),
                      "ward::permission_set::to_integer: U is narrower than the vocabulary");
        return static_cast<U>(w_[0]);
    }
    /// Decodes an integer mask. A bit the vocabulary does not define is rejected (errc::unknown_bit,
    /// position = that bit), never kept; the value is then empty.
    [[nodiscard]] static constexpr parse_result<permission_set> from_integer(std::uint64_t v) noexcept {
        static_assert(vocabulary_type::bits <= 64,
                      "ward::permission_set::from_integer: the vocabulary is wider than 64 bits");
        const std::uint64_t unknown = v & ~vocabulary_type::defined[0];
        if (unknown != 0)
            return {permission_set{}, errc::unknown_bit, static_cast<std::size_t>(detail::ctz64(unknown)), 0};
        return {from_words_unchecked(word_array{v}), errc::ok, 0, 0};
    }

    // ---- hashing ----------------------------------------------------------------------------------
    constexpr std::size_t hash() const noexcept {
        std::uint64_t h = 14695981039346656037ull;
        for (std::uint64_t x : w_) {
            h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
            h *= 1099511628211ull;
        }
        return static_cast<std::size_t>(h);
    }

    // ---- iteration in bit order ------------------------------------------------------------------
    class iterator : public detail::index_iterator<iterator, P> {
    public:
        constexpr iterator() noexcept = default;
        constexpr P operator*() const noexcept { return vocabulary_type::from_index(i_); }
        constexpr std::size_t index() const noexcept { return i_; }
        using detail::index_iterator<iterator, P>::operator++;
        constexpr iterator& operator++() noexcept {
            i_ = s_->next_from(i_ + 1);
            return *this;
        }

    private:
        friend class permission_set;
        constexpr iterator(const permission_set* s, std::size_t i) noexcept : s_(s), i_(i) {}
        const permission_set* s_ = nullptr;
        std::size_t i_ = vocabulary_type::bits;
    };
    constexpr iterator begin() const noexcept { return iterator(this, next_from(0)); }
    constexpr iterator end() const noexcept { return iterator(this, vocabulary_type::bits); }

private:
    static constexpr permission_set from_words_unchecked(const word_array& w) noexcept {
        permission_set s;
        s.w_ = w;
        return s;
    }
    constexpr void mask_to_defined() noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] &= vocabulary_type::defined[k];
    }
    /// The first set bit at or after i, or bits.
    constexpr std::size_t next_from(std::size_t i) const noexcept {
        if (i >= vocabulary_type::bits) return vocabulary_type::bits;
        std::size_t k = i / 64;
        std::uint64_t x = w_[k] & (~std::uint64_t{0} << (i % 64));
        for (;;) {
            if (x != 0) return k * 64 + static_cast<std::size_t>(detail::ctz64(x));
            if (++k == word_count) return vocabulary_type::bits;
            x = w_[k];
        }
    }

    word_array w_{};
};

/// The permissions of resource r in a product vocabulary, all actions: a row of the product.
template <class Product>
constexpr permission_set<Product> row(decltype(Product::resource) r) noexcept {
    permission_set<Product> s;
    for (std::size_t a = 0; a < vocabulary<decltype(Product::action)>::bits; ++a)
        s.insert(Product{r, vocabulary<decltype(Product::action)>::from_index(a)});
    return s;
}

/// The permissions of action a over every resource of a product vocabulary: a column.
template <class Product>
constexpr permission_set<Product> column(decltype(Product::action) a) noexcept {
    permission_set<Product> s;
    for (std::size_t r = 0; r < vocabulary<decltype(Product::resource)>::bits; ++r)
        s.insert(Product{vocabulary<decltype(Product::resource)>::from_index(r), a});
    return s;
}

} // namespace ward

namespace std {
template <class P>
struct hash<ward::permission_set<P>> {
    constexpr std::size_t operator()(const ward::permission_set<P>& s) const noexcept { return s.hash(); }
};
} // namespace std

#endif
// ---- end ward/permission_set.hpp ----

#include <cstddef>
#include <iterator>
#include <string>

namespace ward {

/// Bytes needed to format `s` (no terminator). The separator is one byte, so the size is the same
/// whichever separator the format call uses.
template <class P>
[[nodiscard]] constexpr std::size_t formatted_size(const permission_set<P>& s) noexcept {
    std::size_t n = 0, k = 0;
    for (auto it = s.begin(); it != s.end(); ++it, ++k) n += vocabulary<P>::name(it.index()).size();
    return n + (k ? k - 1 : 0);
}

/// Writes the names of `s` to an output iterator, in bit order, separated by `sep`; returns the
/// iterator past the last byte. No terminator is written.
template <class OutputIt, class P>
constexpr OutputIt write_names(OutputIt out, const permission_set<P>& s, char sep = ' ') {
    bool lead = true;
    for (auto it = s.begin(); it != s.end(); ++it) {
        if (!lead) *out++ = sep;
        lead = false;
        for (char c : vocabulary<P>::name(it.index())) *out++ = c;
    }
    return out;
}

/// Writes the names of `s` in bit order, separated by `sep`, into [first, last). Writes nothing
/// and returns {first, buffer_too_small} when the buffer is too small. No terminator is written.
template <class P>
[[nodiscard]] constexpr format_result format_to(char* first, char* last, const permission_set<P>& s,
                                                char sep = ' ') noexcept {
    const std::size_t need = formatted_size(s);
    if (need == 0) return {first, errc::ok}; // nothing to write fits any range, even an empty or null one
    if (first == nullptr || last < first || static_cast<std::size_t>(last - first) < need)
        return {first, errc::buffer_too_small};
    return {write_names(first, s, sep), errc::ok};
}

/// Convenience: the names of `s` as a std::string (allocates; not for hot paths).
template <class P>
[[nodiscard]] std::string to_string(const permission_set<P>& s, char sep = ' ') {
    std::string out;
    out.reserve(formatted_size(s));
    write_names(std::back_inserter(out), s, sep);
    return out;
}

} // namespace ward

#endif
// ---- end ward/format.hpp ----

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <type_traits>

namespace ward {

namespace detail {

/// An item of a list of names as a string_view; a null `const char*` is an empty item (refused or
/// skipped like any empty item), never a null dereference.
template <class T>
constexpr std::string_view as_name(const T& item) noexcept {
    if constexpr (std::is_pointer_v<T>) {
        if (item == nullptr) return {};
    }
    return std::string_view(item);
}

/// Checks one name's bytes; returns the offset of the first invalid byte, or npos.
constexpr std::size_t first_invalid_char(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!is_name_char(s[i])) return i;
    return std::string_view::npos;
}

template <class P>
struct name_parser {
    using set = permission_set<P>;
    using voc = vocabulary<P>;

    parse_mode mode;
    set value{};
    std::size_t skipped = 0;

    /// Adds one item; returns errc::ok or the item's error. `offset` of a bad byte is written to bad.
    constexpr errc add(std::string_view item, std::size_t& bad) noexcept {
        if (item.empty()) {
            if (mode == parse_mode::lenient) return errc::ok;
            bad = 0;
            return errc::empty_name;
        }
        if (item.size() > WARD_MAX_INPUT_LENGTH) {
            bad = WARD_MAX_INPUT_LENGTH;
            return errc::input_too_long;
        }
        const std::size_t c = first_invalid_char(item);
        if (c != std::string_view::npos) {
            bad = c;
            return errc::invalid_character;
        }
        const std::size_t i = voc::find(item);
        if (i == voc::npos) {
            if (mode == parse_mode::lenient) {
                ++skipped;
                return errc::ok;
            }
            bad = 0;
            return errc::unknown_name;
        }
        value.insert(voc::from_index(i));
        return errc::ok;
    }
};

inline void ward_permissions_literal_is_not_valid_for_the_vocabulary() noexcept {}

} // namespace detail

/// Parses exactly one wire name. The result holds a set of that one permission, or is empty with
/// an error: empty_input, input_too_long, invalid_character (position = the byte), unknown_name.
/// Matching is exact and case-sensitive ("READ:users" is unknown).
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_name(std::string_view name) noexcept {
    if (name.empty()) return {{}, errc::empty_input, 0, 0};
    detail::name_parser<P> p{parse_mode::strict};
    std::size_t bad = 0;
    const errc e = p.add(name, bad);
    if (e != errc::ok) return {{}, e, bad, 0};
    return {p.value, errc::ok, 0, 0};
}

/// Parses a space-separated OAuth `scope` string (RFC 6749 section 3.3), e.g. "read:users update:users".
///
/// - Empty input is an empty set, not an error (a token with no scopes).
/// - strict (default): a leading, trailing or repeated space is errc::empty_name and an unknown
///   name is errc::unknown_name, at the item's byte offset.
/// - lenient: empty items and unknown names are skipped; `skipped` counts the unknown names.
///   Skipped names are never granted.
/// - In both modes a byte outside the scope-token alphabet (control bytes, NUL, tab, '"', '\\',
///   non-ASCII) is errc::invalid_character at its offset, and input longer than
///   WARD_MAX_INPUT_LENGTH is errc::input_too_long.
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_scope(std::string_view s,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    if (s.size() > WARD_MAX_INPUT_LENGTH) return {{}, errc::input_too_long, WARD_MAX_INPUT_LENGTH, 0};
    if (s.empty()) return {{}, errc::ok, 0, 0};
    detail::name_parser<P> p{mode};
    for (const detail::split_item item : detail::split_spaces(s)) {
        std::size_t bad = 0;
        const errc e = p.add(item.text, bad);
        if (e != errc::ok) return {{}, e, item.offset + bad, 0};
    }
    return {p.value, errc::ok, 0, p.skipped};
}

/// Parses names the caller already split (a JSON array's items, a database column's values).
/// Each item must be exactly one name. Errors are as for parse_scope; `position` is the index of
/// the bad item. An empty sequence is an empty set.
///
/// WARD_MAX_INPUT_LENGTH bounds the whole list, not each item: the list counts as its items joined
/// by single spaces (the scope string it stands for), so n items of total length L count
/// L + n - 1 bytes. The item at which that total first exceeds the limit is errc::input_too_long
/// at its index, in both modes, before it is scanned.
template <class P, class InputIt>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_names(InputIt first, InputIt last,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    detail::name_parser<P> p{mode};
    std::size_t index = 0;
    std::size_t total = 0; // bytes so far, a space counted between items; never above the limit
    for (; first != last; ++first, ++index) {
        const std::string_view item = detail::as_name(*first);
        const std::size_t separator = index == 0 ? 0 : 1;
        if (item.size() > WARD_MAX_INPUT_LENGTH || total + separator + item.size() > WARD_MAX_INPUT_LENGTH)
            return {{}, errc::input_too_long, index, 0};
        total += separator + item.size();
        std::size_t bad = 0;
        const errc e = p.add(item, bad);
        if (e != errc::ok) return {{}, e, index, 0};
    }
    return {p.value, errc::ok, 0, p.skipped};
}

/// parse_names over a whole range (anything with begin/end whose items convert to string_view).
template <class P, class Range>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_names(const Range& r,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    using std::begin;
    using std::end;
    return parse_names<P>(begin(r), end(r), mode);
}

template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_names(std::initializer_list<std::string_view> r,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    return parse_names<P>(r.begin(), r.end(), mode);
}

/// Decodes an integer mask (vocabularies of at most 64 bits); an undefined bit is errc::unknown_bit.
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_integer(std::uint64_t mask) noexcept {
    return permission_set<P>::from_integer(mask);
}

/// Decodes an integer mask written in decimal ("415"), as a numeric claim arrives in raw JSON text.
/// The text must be a JSON non-negative integer: ASCII digits only (no sign, space, fraction or
/// exponent) and no leading zero ("0" is zero; "0415" is refused). Errors, first match wins:
/// - empty text: errc::empty_input;
/// - more than WARD_MAX_INPUT_LENGTH bytes: errc::input_too_long (position = the limit);
/// - not a number at all: errc::malformed at the first byte that is not a digit, or at 1 for a
///   leading zero (the byte a JSON parser stops at), whatever the text's length;
/// - a number above 2^64 - 1: errc::value_out_of_range at the digit where it overflows;
/// - a value with a bit the vocabulary does not define: errc::unknown_bit at that bit.
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_integer(std::string_view digits) noexcept {
    if (digits.empty()) return {{}, errc::empty_input, 0, 0};
    if (digits.size() > WARD_MAX_INPUT_LENGTH) return {{}, errc::input_too_long, WARD_MAX_INPUT_LENGTH, 0};
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (digits[i] < '0' || digits[i] > '9') return {{}, errc::malformed, i, 0};
        if (i == 1 && digits[0] == '0') return {{}, errc::malformed, 1, 0};
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const auto d = static_cast<std::uint64_t>(digits[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return {{}, errc::value_out_of_range, i, 0};
        v = v * 10 + d;
    }
    return permission_set<P>::from_integer(v);
}

/// A set from a scope-string literal, for declaring requirements and role contents readably:
/// `constexpr auto admin = ward::permissions<perm>("read:users update:users");`
/// In a constant expression an unknown or malformed name is a compile error (the diagnostic names
/// ward_permissions_literal_is_not_valid_for_the_vocabulary). At run time such input yields an
/// empty set, which grants nothing and, as a requirement, is refused by every check.
template <class P>
[[nodiscard]] constexpr permission_set<P> permissions(std::string_view scope_string) noexcept {
    const auto r = parse_scope<P>(scope_string);
    if (!r) {
        detail::ward_permissions_literal_is_not_valid_for_the_vocabulary();
        return {};
    }
    return r.value;
}

} // namespace ward

#endif
// ---- end ward/parse.hpp ----
// ---- begin ward/role.hpp ----
/// \file ward/role.hpp
/// Compile-time role tables: named permission sets that inherit other roles, flattened at compile
/// time so that a policy's invariants can be static_assert'ed.
///
/// \code
/// constexpr auto ladder = ward::make_roles<perm>({
///     {"guest",    ward::permissions<perm>("read:organization")},
///     {"viewer",   ward::permissions<perm>("read:users"), {"guest"}},
///     {"admin",    ward::permissions<perm>("update:users delete:users"), {"viewer"}},
/// });
/// static_assert(!ladder["viewer"].contains_any(ward::permissions<perm>("delete:users")), "viewer can never delete users");
/// \endcode
/// (ward::permissions is in parse.hpp.)
#ifndef WARD_ROLE_HPP
#define WARD_ROLE_HPP


#include <array>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace ward {

/// One role of a compile-time table: a name, its own permissions and the roles it inherits.
template <class P>
struct role_def {
    std::string_view name;
    permission_set<P> permissions;
    std::array<std::string_view, WARD_MAX_ROLE_PARENTS> parents{};
    std::size_t parent_count = 0;
    bool too_many_parents = false;

    constexpr role_def(std::string_view n, permission_set<P> p,
                       std::initializer_list<std::string_view> inherits = {}) noexcept
        : name(n), permissions(p) {
        for (std::string_view s : inherits) {
            if (parent_count == parents.size()) {
                too_many_parents = true;
                break;
            }
            parents[parent_count++] = s;
        }
    }
};

namespace detail {
// Non-constexpr on purpose: reaching one of these while a constexpr role table is built is a
// compile error whose diagnostic names the problem.
inline void ward_role_table_error_duplicate_role_name() noexcept {}
inline void ward_role_table_error_parent_role_is_not_defined() noexcept {}
inline void ward_role_table_error_roles_inherit_in_a_cycle() noexcept {}
inline void ward_role_table_error_too_many_parents() noexcept {}
inline void ward_role_table_error_empty_role_name() noexcept {}
inline void ward_role_table_error_role_is_not_in_the_table() noexcept {}
} // namespace detail

/// A compile-time table of N roles, each flattened (its permissions united with every inherited
/// role's, transitively, then closed under the vocabulary's implications).
///
/// Declared constexpr, an undefined parent, a cycle, a duplicate or empty name is a compile error
/// (the diagnostic names ward_role_table_error_...). A table that is not constexpr and has such a
/// mistake is marked invalid: every role in it is empty and a policy refuses to import it.
template <class P, std::size_t N>
class role_table {
public:
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    constexpr explicit role_table(const role_def<P> (&defs)[N]) noexcept {
        for (std::size_t i = 0; i < N; ++i) {
            names_[i] = defs[i].name;
            if (defs[i].name.empty()) fail(detail::ward_role_table_error_empty_role_name);
            if (defs[i].too_many_parents) fail(detail::ward_role_table_error_too_many_parents);
            for (std::size_t j = 0; j < i; ++j)
                if (defs[j].name == defs[i].name) fail(detail::ward_role_table_error_duplicate_role_name);
        }
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t k = 0; k < defs[i].parent_count; ++k) {
                const std::size_t p = find(defs[i].parents[k]);
                if (p == npos) fail(detail::ward_role_table_error_parent_role_is_not_defined);
                parent_[i][k] = p;
            }
        std::array<unsigned char, N> state{}; // 0 new, 1 in progress, 2 done
        for (std::size_t i = 0; i < N && valid_; ++i) flatten(defs, i, state);
        if (!valid_)
            for (auto& f : flat_) f = permission_set<P>{};
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return N; }
    [[nodiscard]] constexpr bool valid() const noexcept { return valid_; }
    [[nodiscard]] constexpr std::string_view name(std::size_t i) const noexcept {
        return i < N ? names_[i] : std::string_view{};
    }
    /// Role i's flattened permissions (empty for an out-of-range index).
    [[nodiscard]] constexpr permission_set<P> permissions(std::size_t i) const noexcept {
        return i < N ? flat_[i] : permission_set<P>{};
    }
    /// The index of the role called `name`, or npos.
    [[nodiscard]] constexpr std::size_t find(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < N; ++i)
            if (names_[i] == name) return i;
        return npos;
    }
    [[nodiscard]] constexpr bool contains(std::string_view name) const noexcept { return find(name) != npos; }
    /// The flattened permissions of the role called `name`. In a constant expression an unknown
    /// name is a compile error; at run time it is the empty set.
    [[nodiscard]] constexpr permission_set<P> operator[](std::string_view name) const noexcept {
        const std::size_t i = find(name);
        if (i == npos) {
            detail::ward_role_table_error_role_is_not_in_the_table();
            return {};
        }
        return flat_[i];
    }
    /// True when role `a` holds every permission of role `b` (b is at or below a in a ladder).
    [[nodiscard]] constexpr bool includes(std::string_view a, std::string_view b) const noexcept {
        const std::size_t i = find(a), j = find(b);
        return i != npos && j != npos && flat_[i].contains_all(flat_[j]);
    }

private:
    constexpr void fail(void (*report)() noexcept) noexcept {
        report();
        valid_ = false;
    }
    constexpr void flatten(const role_def<P> (&defs)[N], std::size_t i, std::array<unsigned char, N>& state) noexcept {
        if (state[i] == 2) return;
        if (state[i] == 1) {
            fail(detail::ward_role_table_error_roles_inherit_in_a_cycle);
            return;
        }
        state[i] = 1;
        permission_set<P> s = defs[i].permissions;
        for (std::size_t k = 0; k < defs[i].parent_count && valid_; ++k) {
            flatten(defs, parent_[i][k], state);
            s |= flat_[parent_[i][k]];
        }
        flat_[i] = s.implied();
        state[i] = 2;
    }

    std::array<std::string_view, N> names_{};
    std::array<permission_set<P>, N> flat_{};
    std::array<std::array<std::size_t, WARD_MAX_ROLE_PARENTS>, N> parent_{};
    bool valid_ = true;
};

/// Builds a role table from a braced list of role_def: `ward::make_roles<perm>({{...}, {...}})`.
template <class P, std::size_t N>
[[nodiscard]] constexpr role_table<P, N> make_roles(const role_def<P> (&defs)[N]) noexcept {
    return role_table<P, N>(defs);
}

} // namespace ward

#endif
// ---- end ward/role.hpp ----
// ---- begin ward/scope.hpp ----
/// \file ward/scope.hpp
/// Scope kinds and their hierarchy. A scope_schema says which kinds exist and under which parent
/// kinds each may be placed; the policy builder refuses a scope under a parent of the wrong kind.
#ifndef WARD_SCOPE_HPP
#define WARD_SCOPE_HPP


#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace ward {

/// A dense handle to a scope of one snapshot: its position in the numbered scope tree.
/// `scope_handle{}` (value scope_handle::none) names no scope.
using scope_handle = detail::handle<detail::scope_tag>;

/// The kinds of scope a service has and how they nest (at most 16 kinds).
///
/// The standard schema is platform > organization > application > user, with resources anywhere
/// below an organization:
///   platform      root
///   organization  root, or under platform
///   application   under organization
///   user          under platform, organization or application
///   resource      under organization, application, user or resource
class scope_schema {
public:
    static constexpr std::size_t max_kinds = 16;
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    constexpr scope_schema() noexcept = default;

    /// Declares a kind. `parents` names earlier kinds it may be placed under; `may_be_root` lets a
    /// scope of this kind have no parent. An unknown parent kind or a duplicate makes the schema
    /// invalid (a policy built with it fails with errc::unknown_kind).
    constexpr scope_schema& kind(std::string_view name, std::initializer_list<std::string_view> parents,
                                 bool may_be_root = false) noexcept {
        if (count_ == max_kinds || name.empty() || find(name) != npos) {
            valid_ = false;
            return *this;
        }
        std::uint32_t mask = 0;
        for (std::string_view p : parents) {
            const std::size_t k = p == name ? count_ : find(p);
            if (k == npos) valid_ = false;
            else mask |= std::uint32_t{1} << k;
        }
        names_[count_] = name;
        parents_[count_] = mask;
        root_[count_] = may_be_root;
        ++count_;
        return *this;
    }

    /// platform > organization > application > user, and resource (see the class comment).
    static constexpr scope_schema standard() noexcept {
        scope_schema s;
        s.kind("platform", {}, true)
            .kind("organization", {"platform"}, true)
            .kind("application", {"organization"})
            .kind("user", {"platform", "organization", "application"})
            .kind("resource", {"organization", "application", "user", "resource"});
        return s;
    }

    constexpr std::size_t size() const noexcept { return count_; }
    constexpr bool valid() const noexcept { return valid_; }
    constexpr std::string_view name(std::size_t k) const noexcept {
        return k < count_ ? names_[k] : std::string_view{};
    }
    constexpr std::size_t find(std::string_view name) const noexcept {
        for (std::size_t k = 0; k < count_; ++k)
            if (names_[k] == name) return k;
        return npos;
    }
    /// May a scope of kind `child` be placed under one of kind `parent`?
    constexpr bool allows(std::size_t parent, std::size_t child) const noexcept {
        return child < count_ && parent < count_ && ((parents_[child] >> parent) & 1u) != 0;
    }
    constexpr bool may_be_root(std::size_t k) const noexcept { return k < count_ && root_[k]; }

private:
    std::array<std::string_view, max_kinds> names_{};
    std::array<std::uint32_t, max_kinds> parents_{};
    std::array<bool, max_kinds> root_{};
    std::size_t count_ = 0;
    bool valid_ = true;
};

} // namespace ward

#endif
// ---- end ward/scope.hpp ----
// ---- begin ward/snapshot.hpp ----
/// \file ward/snapshot.hpp
/// ward::snapshot<P>: an immutable, compact policy that a builder (builder.hpp) produces. It
/// answers lookups, checks, batches of checks and reverse queries (effective_permissions,
/// principals_with, grantable) without allocating, turns token claims into credentials
/// (authenticate), and explains a decision in one sentence (explain.hpp, allocating).
///
/// \code
/// auto cred = ward::credential<perm>::of(snap.find_principal("user:alice"));
/// auto d = snap.check(cred, perm_read_users, snap.find_scope("org:acme"));
/// if (!d) return statuses(d);                      // a ward::status_table
/// \endcode
#ifndef WARD_SNAPSHOT_HPP
#define WARD_SNAPSHOT_HPP

// ---- begin ward/claims.hpp ----
/// \file ward/claims.hpp
/// What a verified token says (ward::token_claims), which claim made authentication fail
/// (ward::claim), and what authenticating returns (ward::credential_result). The snapshot turns
/// claims into a credential: snapshot::authenticate.
#ifndef WARD_CLAIMS_HPP
#define WARD_CLAIMS_HPP

// ---- begin ward/credential.hpp ----
/// \file ward/credential.hpp
/// ward::credential<P>: who asks and through what, resolved against one snapshot's handles.
/// Including it also gives the subjects (subject.hpp) and token claims (claims.hpp) a credential
/// is made from.
#ifndef WARD_CREDENTIAL_HPP
#define WARD_CREDENTIAL_HPP

// ---- begin ward/subject.hpp ----
/// \file ward/subject.hpp
/// Who a token names: principal kinds and handles, token subjects (`kind:id`, `provider|id`) and
/// Commerce Layer style scope restrictions (`market:id:xxxx`). Every parser here is constexpr,
/// allocation-free, and treats its input as hostile.
#ifndef WARD_SUBJECT_HPP
#define WARD_SUBJECT_HPP


#include <cstddef>
#include <string_view>

namespace ward {

/// What kind of principal a subject names.
enum class principal_kind : unsigned char { user, application, organization, api_credential, token, invite };

/// The kind as a subject spells it ("user", "api_credential", ...).
[[nodiscard]] constexpr std::string_view to_string(principal_kind k) noexcept {
    switch (k) {
    case principal_kind::user: return "user";
    case principal_kind::application: return "application";
    case principal_kind::organization: return "organization";
    case principal_kind::api_credential: return "api_credential";
    case principal_kind::token: return "token";
    case principal_kind::invite: return "invite";
    }
    return "unknown";
}

/// A dense handle to a principal of one snapshot. `principal_handle{}` (value
/// principal_handle::none) names no principal.
using principal_handle = detail::handle<detail::principal_tag>;

/// A parsed subject: `kind:id` (user:..., application:..., organization:..., api_credential:...,
/// token:..., invite:...) or `provider|id` (auth0|..., google-oauth2|..., a user).
struct subject {
    principal_kind kind = principal_kind::user;
    std::string_view kind_name; ///< "user", ..., or the provider ("auth0") of a `provider|id` subject
    std::string_view id;        ///< the part after the separator
    char separator = ':';
};

namespace detail {
constexpr bool principal_kind_from(std::string_view s, principal_kind& k) noexcept {
    constexpr principal_kind all[] = {principal_kind::user,         principal_kind::application,
                                      principal_kind::organization, principal_kind::api_credential,
                                      principal_kind::token,        principal_kind::invite};
    for (principal_kind c : all)
        if (to_string(c) == s) {
            k = c;
            return true;
        }
    return false;
}
} // namespace detail

/// Parses a token subject. Accepts exactly `kind:id` with a known kind, or `provider|id`; the id
/// holds only [A-Za-z0-9._@+=~-]. Anything else is an error: empty_input, input_too_long,
/// malformed (no separator, empty part; position = where), unknown_kind (position 0),
/// invalid_character (position = the byte).
/// Kinds and providers are lower case, [a-z0-9_-], and never folded: `USER:abc` and `Auth0|abc`
/// are invalid_character at their first upper-case byte. Ids are case-sensitive as given.
[[nodiscard]] constexpr parse_result<subject> parse_subject(std::string_view s) noexcept {
    if (s.empty()) return {{}, errc::empty_input, 0, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {{}, errc::input_too_long, WARD_MAX_ID_LENGTH, 0};
    std::size_t sep = 0;
    while (sep < s.size() && s[sep] != ':' && s[sep] != '|') {
        if (!detail::is_provider_char(s[sep])) return {{}, errc::invalid_character, sep, 0};
        ++sep;
    }
    if (sep == s.size()) return {{}, errc::malformed, sep, 0};
    if (sep == 0) return {{}, errc::malformed, 0, 0};
    subject out;
    out.kind_name = s.substr(0, sep);
    out.separator = s[sep];
    out.id = s.substr(sep + 1);
    if (out.separator == ':') {
        if (!detail::principal_kind_from(out.kind_name, out.kind)) return {{}, errc::unknown_kind, 0, 0};
    } else {
        out.kind = principal_kind::user;
    }
    if (out.id.empty()) return {{}, errc::malformed, sep + 1, 0};
    for (std::size_t i = 0; i < out.id.size(); ++i)
        if (!detail::is_id_char(out.id[i])) return {{}, errc::invalid_character, sep + 1 + i, 0};
    return {out, errc::ok, 0, 0};
}

/// A Commerce Layer style scope restriction: `market:id:xxxx`, `market:code:xxxx`,
/// `stock_location:id:xxxx`.
struct scope_restriction {
    std::string_view resource;  ///< "market", "stock_location", ...: [a-z_]+
    std::string_view attribute; ///< "id" or "code"
    std::string_view value;     ///< [A-Za-z0-9._~-]+
};

/// Parses one scope restriction: exactly three parts, `resource:attribute:value`. Errors:
/// empty_input, input_too_long, malformed (a part is missing or empty; position = where: the end
/// of the input when there is no second ':', as in the legacy `market:1234` or in `market:all`,
/// which are refused), unknown_kind (attribute other than id/code), invalid_character (an
/// upper-case resource or attribute too: `MARKET:id:x` is refused at 0). A value is opaque: `all`
/// in `market:id:all` is an id like any other, never a wildcard.
[[nodiscard]] constexpr parse_result<scope_restriction> parse_scope_restriction(std::string_view s) noexcept {
    if (s.empty()) return {{}, errc::empty_input, 0, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {{}, errc::input_too_long, WARD_MAX_ID_LENGTH, 0};
    std::size_t a = 0;
    for (; a < s.size() && s[a] != ':'; ++a)
        if (!detail::is_lower_kind_char(s[a])) return {{}, errc::invalid_character, a, 0};
    if (a == 0 || a == s.size()) return {{}, errc::malformed, a, 0};
    // Two parts ("market:1234", the legacy form, or "market:all") are malformed at the end, where
    // the third part is missing: ward does not guess an attribute, and "all" is no wildcard.
    const std::size_t b = s.find(':', a + 1);
    if (b == std::string_view::npos) return {{}, errc::malformed, s.size(), 0};
    for (std::size_t i = a + 1; i < b; ++i)
        if (!detail::is_lower_kind_char(s[i])) return {{}, errc::invalid_character, i, 0};
    if (b == a + 1) return {{}, errc::malformed, b, 0};
    scope_restriction r{s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
    if (r.attribute != "id" && r.attribute != "code") return {{}, errc::unknown_kind, a + 1, 0};
    if (r.value.empty()) return {{}, errc::malformed, b + 1, 0};
    for (std::size_t i = 0; i < r.value.size(); ++i)
        if (!detail::is_restriction_value_char(r.value[i])) return {{}, errc::invalid_character, b + 1 + i, 0};
    return {r, errc::ok, 0, 0};
}

} // namespace ward

#endif
// ---- end ward/subject.hpp ----

#include <array>
#include <cstddef>
#include <cstdint>

namespace ward {

namespace detail {
/// Room for up to N values that nothing writes until the first one is added: a credential made by
/// credential::of() writes its first 32 bytes or so, not the arrays for bound scopes and extended
/// claims it rarely uses. The owner assigns a union holding `items` at the first use; only items
/// below its count are read. (C++17 requires a constexpr constructor to initialize
/// a member, and compilers then zero the whole union: the constructor is constexpr from C++20 on.)
template <class T, std::size_t N>
union lazy_array {
    char unused;
    std::array<T, N> items;
    WARD_CONSTEXPR_CXX20 lazy_array() noexcept {}
    constexpr explicit lazy_array(const std::array<T, N>& a) noexcept : items(a) {}
};
} // namespace detail

/// Who asks and through what, resolved against one snapshot's handles. Fixed size, no allocation.
/// Building one for a principal writes only the principal and a few flags (the arrays of bound
/// scopes and extended entries are written when first used).
///
/// Effective permissions are what the policy grants the principal on the path to the target,
/// minus denies, intersected with the ceiling (and the extended entry that applies), and capped by
/// any application restriction. A credential bound to scopes may only reach targets inside them.
template <class P>
class credential {
public:
    using set = permission_set<P>;

    /// A credential that authenticates nobody: every check answers `unauthenticated`.
    constexpr credential() noexcept = default;

    /// An authenticated credential for a principal (no ceiling, no binding yet).
    static constexpr credential of(principal_handle p) noexcept {
        credential c;
        c.principal_ = p;
        c.authenticated_ = true;
        return c;
    }

    /// Restricts to the subtree of `s` (repeatable: the union of the subtrees). An unknown handle
    /// restricts to nothing. More than WARD_MAX_BOUND_SCOPES makes the credential unauthenticated.
    constexpr credential& bind_to(scope_handle s) noexcept {
        if (bound_count_ == WARD_MAX_BOUND_SCOPES) {
            authenticated_ = false;
            return *this;
        }
        if (bound_count_ == 0)
            bound_ = decltype(bound_)(std::array<scope_handle, WARD_MAX_BOUND_SCOPES>{}); // first use
        bound_.items[bound_count_++] = s;
        return *this;
    }
    /// The application the request comes through (for application restrictions).
    constexpr credential& via(scope_handle application) noexcept {
        via_ = application;
        has_via_ = true;
        return *this;
    }
    /// Caps the credential at `ceiling` (closed under implications); repeated caps intersect.
    constexpr credential& cap(const set& ceiling) noexcept {
        const set c = ceiling.implied();
        ceiling_ = has_ceiling_ ? (ceiling_ & c) : c;
        has_ceiling_ = true;
        return *this;
    }
    /// An extended (per-resource) cap: at targets in the subtree of `s` the credential holds at
    /// most `ceiling`. The deepest matching entry applies; otherwise the wildcard; otherwise none.
    /// Several caps for one scope intersect (they take one entry). An invalid handle (a resource
    /// the policy does not know) adds no entry. Past WARD_MAX_EXTENDED_CLAIMS entries the
    /// credential is no longer authenticated.
    constexpr credential& cap_at(scope_handle s, const set& ceiling) noexcept {
        has_extended_ = true;
        if (!s.valid()) return *this;
        for (std::size_t i = 0; i < extended_count_; ++i)
            if (extended_.items[i].scope == s) {
                extended_.items[i].ceiling = extended_.items[i].ceiling & ceiling.implied();
                return *this;
            }
        if (extended_count_ == WARD_MAX_EXTENDED_CLAIMS) {
            authenticated_ = false;
            return *this;
        }
        if (extended_count_ == 0)
            extended_ = decltype(extended_)(std::array<extended_entry, WARD_MAX_EXTENDED_CLAIMS>{});
        extended_.items[extended_count_++] = {s, ceiling.implied()};
        return *this;
    }
    /// The extended cap for every target no other extended entry covers ("*"); several intersect.
    constexpr credential& cap_wildcard(const set& ceiling) noexcept {
        has_extended_ = true;
        wildcard_ = has_wildcard_ ? wildcard_ & ceiling.implied() : ceiling.implied(); // several: all hold
        has_wildcard_ = true;
        return *this;
    }
    /// Marks the credential unauthenticated (used when a claim fails to parse).
    constexpr credential& revoke() noexcept {
        authenticated_ = false;
        return *this;
    }

    /// False for a default credential, a revoked one, or one past a WARD_MAX_* limit.
    constexpr bool authenticated() const noexcept { return authenticated_; }
    constexpr principal_handle principal() const noexcept { return principal_; } ///< who
    constexpr bool has_ceiling() const noexcept { return has_ceiling_; }         ///< cap() was called
    constexpr const set& ceiling() const noexcept { return ceiling_; }           ///< the intersection of the caps
    constexpr std::size_t bound_count() const noexcept { return bound_count_; }  ///< bind_to() calls kept
    /// The i-th scope it is bound to (an invalid handle past bound_count()).
    constexpr scope_handle bound(std::size_t i) const noexcept {
        return i < bound_count_ ? bound_.items[i] : scope_handle{};
    }
    constexpr bool has_via() const noexcept { return has_via_; } ///< via() was called
    constexpr scope_handle via() const noexcept { return via_; } ///< the application in use

    /// One cap_at(): at most `ceiling` inside the subtree of `scope`.
    struct extended_entry {
        scope_handle scope;
        set ceiling;
    };
    constexpr bool has_extended() const noexcept { return has_extended_; }            ///< an extended claim applies
    constexpr std::size_t extended_count() const noexcept { return extended_count_; } ///< cap_at() entries kept
    /// The i-th cap_at() entry (an entry with an invalid scope and no permissions past extended_count()).
    constexpr const extended_entry& extended(std::size_t i) const noexcept {
        return i < extended_count_ ? extended_.items[i] : no_entry_;
    }
    constexpr bool has_wildcard() const noexcept { return has_wildcard_; } ///< cap_wildcard() was called
    constexpr const set& wildcard() const noexcept { return wildcard_; }   ///< its ceiling

private:
    principal_handle principal_{};
    bool authenticated_ = false;
    bool has_ceiling_ = false;
    bool has_via_ = false;
    bool has_extended_ = false;
    bool has_wildcard_ = false;
    std::uint8_t bound_count_ = 0;
    std::uint8_t extended_count_ = 0;
    scope_handle via_{};
    set ceiling_{};
    set wildcard_{};
    detail::lazy_array<scope_handle, WARD_MAX_BOUND_SCOPES> bound_;         ///< [0, bound_count_) once used
    detail::lazy_array<extended_entry, WARD_MAX_EXTENDED_CLAIMS> extended_; ///< [0, extended_count_) once used
    static constexpr extended_entry no_entry_{};
};

} // namespace ward

// Token claims and credential_result hold a credential: they come after it.

#endif
// ---- end ward/credential.hpp ----
// ---- begin ward/view.hpp ----
/// \file ward/view.hpp
/// ward::view<T>: a read-only view of contiguous items, the C++17 stand-in for
/// std::span<const T> that builder calls and token claims take. view<std::string_view> views any
/// contiguous range of strings (std::vector<std::string>, std::array<std::string_view, N>, ...).
#ifndef WARD_VIEW_HPP
#define WARD_VIEW_HPP


#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ward {

/// A read-only view of contiguous items (a C++17 stand-in for std::span<const T>).
template <class T>
class view {
public:
    constexpr view() noexcept = default;
    constexpr view(const T* data, std::size_t size) noexcept : data_(data), size_(size) {}
    template <std::size_t N>
    constexpr view(const T (&a)[N]) noexcept : data_(a), size_(N) {} // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    /// Views a braced list; valid for the full expression it appears in (a call's argument).
    constexpr view(std::initializer_list<T> il) noexcept : data_(il.begin()), size_(il.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    /// Views a contiguous container (anything with data() and size(), e.g. std::vector, std::array).
    template <class C, class = decltype(std::declval<const C&>().data()),
              class = std::enable_if_t<std::is_convertible_v<decltype(std::declval<const C&>().data()), const T*>>>
    constexpr view(const C& c) noexcept : data_(c.data()), size_(c.size()) {} // NOLINT
    constexpr const T* begin() const noexcept { return data_; }
    constexpr const T* end() const noexcept { return data_ + size_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

/// A read-only view of a contiguous sequence of strings: what builder calls (bind's roles,
/// define_role's parents) and the `permissions` names claim take. It views, without copying and
/// without a helper, any contiguous range whose items convert to std::string_view:
/// std::vector<std::string>, std::array<std::string_view, N>, a braced list, a C array of
/// `const char*`, ... A null `const char*` item reads as an empty string (refused or skipped like
/// any empty item). Items are read on access, as string_views: the viewed range must outlive
/// the view (as a call's argument, it does).
template <>
class view<std::string_view> {
    template <class C>
    using item_of = std::remove_cv_t<std::remove_reference_t<decltype(*std::data(std::declval<const C&>()))>>;
    template <class C, class = void>
    struct is_string_range : std::false_type {};
    template <class C>
    struct is_string_range<
        C, std::void_t<decltype(std::data(std::declval<const C&>())), decltype(std::size(std::declval<const C&>()))>>
        : std::bool_constant<std::is_convertible_v<const item_of<C>&, std::string_view> &&
                             !std::is_convertible_v<const C&, std::string_view>> {};

    template <class T>
    static std::string_view read(const void* data, std::size_t i) noexcept {
        const T& item = static_cast<const T*>(data)[i];
        if constexpr (std::is_pointer_v<T>) {
            if (item == nullptr) return {};
        }
        return std::string_view(item);
    }

public:
    /// Iterates the items as std::string_view values.
    class iterator : public detail::index_iterator<iterator, std::string_view> {
    public:
        constexpr iterator() noexcept = default;
        constexpr std::string_view operator*() const noexcept { return (*v_)[i_]; }
        constexpr std::size_t index() const noexcept { return i_; } ///< the item's position
        using detail::index_iterator<iterator, std::string_view>::operator++;
        constexpr iterator& operator++() noexcept {
            ++i_;
            return *this;
        }

    private:
        friend class view;
        constexpr iterator(const view* v, std::size_t i) noexcept : v_(v), i_(i) {}
        const view* v_ = nullptr;
        std::size_t i_ = 0;
    };

    constexpr view() noexcept = default;
    constexpr view(const std::string_view* data, std::size_t size) noexcept : views_(data), size_(size) {}
    template <std::size_t N>
    constexpr view(const std::string_view (&a)[N]) noexcept : views_(a), size_(N) {} // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    /// Views a braced list; valid for the full expression it appears in (a call's argument).
    constexpr view(std::initializer_list<std::string_view> il) noexcept : views_(il.begin()), size_(il.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    /// Views any contiguous range of strings (data() and size(), or a C array): std::vector of
    /// std::string or std::string_view, std::array, std::initializer_list of another string type.
    template <class C, class = std::enable_if_t<is_string_range<C>::value>>
    view(const C& c) noexcept : size_(std::size(c)) { // NOLINT(google-explicit-constructor)
        using T = item_of<C>;
        if constexpr (std::is_same_v<T, std::string_view>) {
            views_ = std::data(c);
        } else {
            data_ = std::data(c);
            read_ = &read<T>;
        }
    }

    constexpr iterator begin() const noexcept { return iterator(this, 0); }
    constexpr iterator end() const noexcept { return iterator(this, size_); }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    /// The i-th item (i < size()).
    constexpr std::string_view operator[](std::size_t i) const noexcept {
        // read_ is tested rather than views_: a constant expression may compare a null function
        // pointer, but (under some sanitizers) not an object's address, with nullptr.
        return read_ != nullptr ? read_(data_, i) : views_[i];
    }

private:
    const std::string_view* views_ = nullptr; ///< items that are string_views (constexpr-friendly)
    const void* data_ = nullptr;              ///< otherwise: the items, read through read_
    std::string_view (*read_)(const void*, std::size_t) noexcept = nullptr;
    std::size_t size_ = 0;
};

} // namespace ward

#endif
// ---- end ward/view.hpp ----

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward {

/// One entry of provide's "extended" permission claim: a resource (scope id, or "*" for every
/// other resource) and the integer mask the token holds there.
struct extended_claim {
    std::string_view resource;
    std::uint64_t mask = 0;
};

/// What a verified token says, as string views into the caller's already-verified claims.
/// ward does not verify signatures: pass only claims your JWT library accepted.
/// Every permission claim that is present caps the credential (they intersect); a token with no
/// permission claim at all has no ceiling and the policy alone decides.
struct token_claims {
    std::string_view subject;                   ///< `sub`: "user:...", "application:...", "auth0|..."
    bool has_permission_mask = false;           ///< a numeric `permissions` claim is present
    std::uint64_t permission_mask = 0;          ///< its value
    bool has_permission_names = false;          ///< a `permissions` array claim is present
    view<std::string_view> permission_names;    ///< its items (any contiguous range of strings)
    bool has_scope = false;                     ///< an OAuth `scope` claim is present
    std::string_view scope;                     ///< its value, space separated
    view<extended_claim> extended;              ///< provide's per-resource masks ("*" = any other)
    std::string_view bound_scopes;              ///< space-separated scope ids the token is restricted to
    bool scope_restrictions = false;            ///< bound_scopes are `kind:id:value` restrictions (validated)
    std::string_view via;                       ///< the application (scope id) the token was issued through
    parse_mode names_mode = parse_mode::strict; ///< lenient: permission names this service lacks are skipped
};

/// Which claim made authentication fail.
enum class claim : unsigned char {
    none,
    subject,
    permission_mask,
    permission_names,
    scope,
    extended,
    bound_scopes,
    via
};

/// The claim's name as error messages give it ("sub", "scope", ...).
[[nodiscard]] constexpr std::string_view to_string(claim c) noexcept {
    switch (c) {
    case claim::none: return "none";
    case claim::subject: return "sub";
    case claim::permission_mask: return "permissions (number)";
    case claim::permission_names: return "permissions (names)";
    case claim::scope: return "scope";
    case claim::extended: return "extended permissions";
    case claim::bound_scopes: return "bound scopes";
    case claim::via: return "via";
    }
    return "unknown";
}

/// The result of turning token claims into a credential. On error the credential is
/// unauthenticated (every check denies) and `failed` / `ec` / `position` say why.
template <class P>
struct [[nodiscard]] credential_result {
    credential<P> value{};            ///< the credential (unauthenticated on error)
    errc ec = errc::ok;               ///< why a claim was refused
    ward::claim failed = claim::none; ///< which claim
    std::size_t position = 0;         ///< where in it: a byte offset, or an item index for lists
    /// names_mode lenient: how many permission names this service lacks were skipped (never
    /// granted), in the `permissions` names and `scope` claims together; 0 on error.
    std::size_t skipped = 0;
    /// Every claim was accepted.
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

} // namespace ward

#endif
// ---- end ward/claims.hpp ----
// ---- begin ward/decision.hpp ----
/// \file ward/decision.hpp
/// The value a check returns, its reasons, and the per-service table that maps reasons to HTTP
/// status codes.
#ifndef WARD_DECISION_HPP
#define WARD_DECISION_HPP


#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward {

/// Why a check allowed or denied. Only `granted` allows.
enum class reason : unsigned char {
    granted,                   ///< every required permission is held at the target scope
    unauthenticated,           ///< no valid credential
    invalid_request,           ///< an empty requirement (asking for nothing is refused, never allowed)
    unknown_principal,         ///< the credential's principal is not in the snapshot
    unknown_scope,             ///< the target scope is not in the snapshot
    outside_scope,             ///< the target is outside the scope the credential is bound to
    missing_permission,        ///< no grant on the path to the target provides a required permission
    explicitly_denied,         ///< a deny on the path to the target covers a required permission
    not_in_token,              ///< the principal holds it, but the token's ceiling does not include it
    restricted_by_application, ///< the principal holds it, but not through the application in use
};

/// How many reasons there are (the enumerators are 0 .. reason_count - 1).
inline constexpr std::size_t reason_count = static_cast<std::size_t>(reason::restricted_by_application) + 1;

constexpr std::string_view to_string(reason r) noexcept {
    switch (r) {
    case reason::granted: return "granted";
    case reason::unauthenticated: return "unauthenticated";
    case reason::invalid_request: return "invalid request";
    case reason::unknown_principal: return "unknown principal";
    case reason::unknown_scope: return "unknown scope";
    case reason::outside_scope: return "outside the credential's scope";
    case reason::missing_permission: return "missing permission";
    case reason::explicitly_denied: return "explicitly denied";
    case reason::not_in_token: return "not in token";
    case reason::restricted_by_application: return "restricted by application";
    }
    return "unknown reason";
}

namespace detail {
// Every reason below reason_count has a name and none past it: a reason added to the enum (and to
// to_string, which -Wswitch asks for) without moving reason_count fails here.
constexpr bool reason_count_matches_enum() noexcept {
    for (std::size_t i = 0; i < reason_count; ++i)
        if (to_string(static_cast<reason>(i)) == "unknown reason") return false;
    return to_string(static_cast<reason>(reason_count)) == "unknown reason";
}

constexpr int default_status(reason r) noexcept {
    switch (r) {
    case reason::granted: return 200;
    case reason::unauthenticated: return 401;
    case reason::invalid_request: return 400;
    case reason::unknown_principal: return 401;
    case reason::unknown_scope: return 404;
    case reason::outside_scope: return 404;
    case reason::missing_permission: return 403;
    case reason::explicitly_denied: return 403;
    case reason::not_in_token: return 403;
    case reason::restricted_by_application: return 403;
    }
    return 500;
}
} // namespace detail

static_assert(detail::reason_count_matches_enum(),
              "ward::reason_count must be the number of ward::reason enumerators: update it with the enum");

/// The outcome of one check: a small value that never allocates.
template <class P>
struct decision {
    static constexpr std::uint32_t no_row = detail::none; ///< `row` when no builder row decided

    bool allowed = false;
    ward::reason why = reason::unauthenticated;
    permission_set<P> missing{}; ///< required permissions the credential does not have here
    std::uint32_t row = no_row;  ///< the builder row that decided (the deny, or a granting binding)
    std::uint64_t version = 0;   ///< the snapshot's version

    constexpr explicit operator bool() const noexcept { return allowed; }
};

/// Maps each reason to an HTTP status code. Defaults: 200 granted, 401 unauthenticated and unknown
/// principal, 404 outside scope and unknown scope (a record outside the caller's scope is not
/// found), 400 invalid request, 403 for everything that is a missing or denied permission.
class status_table {
public:
    constexpr status_table() noexcept {
        for (std::size_t i = 0; i < reason_count; ++i) codes_[i] = detail::default_status(static_cast<reason>(i));
    }

    constexpr int operator()(reason r) const noexcept {
        const auto i = static_cast<std::size_t>(r);
        return i < reason_count ? codes_[i] : 500;
    }
    template <class P>
    constexpr int operator()(const decision<P>& d) const noexcept {
        return (*this)(d.why);
    }
    /// A copy with `r` mapped to `code`.
    constexpr status_table with(reason r, int code) const noexcept {
        status_table t = *this;
        const auto i = static_cast<std::size_t>(r);
        if (i < reason_count) t.codes_[i] = code;
        return t;
    }
    /// A copy where every "insufficient permission" reason (missing, denied, not in token,
    /// restricted) answers `code`: Commerce Layer answers 401 where most services answer 403.
    constexpr status_table with_insufficient_permission(int code) const noexcept {
        return with(reason::missing_permission, code)
            .with(reason::explicitly_denied, code)
            .with(reason::not_in_token, code)
            .with(reason::restricted_by_application, code);
    }

private:
    std::array<int, reason_count> codes_{};
};

} // namespace ward

#endif
// ---- end ward/decision.hpp ----
// ---- begin ward/detail/authenticate.hpp ----
#ifndef WARD_DETAIL_AUTHENTICATE_HPP
#define WARD_DETAIL_AUTHENTICATE_HPP

// snapshot::authenticate's body: verified token claims to a credential, failing closed.


#include <array>
#include <cstddef>
#include <string_view>

namespace ward {

template <class P>
class snapshot;

namespace detail {

template <class P>
[[nodiscard]] credential_result<P> authenticate(const snapshot<P>& s, const token_claims& c) noexcept {
    credential_result<P> r;
    auto fail = [&](errc e, claim which, std::size_t pos) {
        r.value = credential<P>{};
        r.ec = e;
        r.failed = which;
        r.position = pos;
        r.skipped = 0;
        return r;
    };
    const auto sub = parse_subject(c.subject);
    if (!sub) return fail(sub.ec, claim::subject, sub.position);
    principal_handle p = s.find_principal(c.subject);
    if (p.valid() && s.kind_of(p) != sub.value.kind) p = principal_handle{};
    r.value = credential<P>::of(p);

    if (c.has_permission_mask) {
        if constexpr (vocabulary<P>::bits <= 64) {
            const auto m = parse_integer<P>(c.permission_mask);
            if (!m) return fail(m.ec, claim::permission_mask, m.position);
            r.value.cap(m.value);
        } else {
            return fail(errc::value_out_of_range, claim::permission_mask, 0);
        }
    }
    if (c.has_permission_names) {
        const auto m = parse_names<P>(c.permission_names.begin(), c.permission_names.end(), c.names_mode);
        if (!m) return fail(m.ec, claim::permission_names, m.position);
        r.value.cap(m.value);
        r.skipped += m.skipped;
    }
    if (c.has_scope) {
        const auto m = parse_scope<P>(c.scope, c.names_mode);
        if (!m) return fail(m.ec, claim::scope, m.position);
        r.value.cap(m.value);
        r.skipped += m.skipped;
    }
    if (!c.extended.empty()) {
        if (c.extended.size() > WARD_MAX_EXTENDED_CLAIMS + 1)
            return fail(errc::too_many, claim::extended, WARD_MAX_EXTENDED_CLAIMS);
        if constexpr (vocabulary<P>::bits <= 64) {
            // Entries for the same resource (or several "*") are folded into one entry whose cap is
            // the intersection of theirs, as repeated caps intersect: no order of the entries lets
            // the looser one win. The credential receives the folded entries once all are valid.
            using entry = typename credential<P>::extended_entry;
            std::array<entry, WARD_MAX_EXTENDED_CLAIMS> folded{};
            std::size_t n = 0;
            bool has_wildcard = false;
            permission_set<P> wildcard{};
            for (std::size_t i = 0; i < c.extended.size(); ++i) {
                const extended_claim& e = c.extended[i];
                const auto m = parse_integer<P>(e.mask);
                if (!m) return fail(m.ec, claim::extended, i);
                const permission_set<P> cap = m.value.implied();
                if (e.resource == "*") {
                    wildcard = has_wildcard ? (wildcard & cap) : cap;
                    has_wildcard = true;
                    continue;
                }
                if (!valid_id(e.resource)) return fail(errc::invalid_id, claim::extended, i);
                const scope_handle at = s.find_scope(e.resource);
                if (!at.valid()) {
                    r.value.cap_at(at, cap); // a resource the policy does not know caps nothing there
                    continue;
                }
                std::size_t k = 0;
                while (k < n && folded[k].scope != at) ++k;
                if (k < n) {
                    folded[k].ceiling &= cap;
                } else {
                    if (n == folded.size()) return fail(errc::too_many, claim::extended, i);
                    folded[n++] = entry{at, cap};
                }
            }
            for (std::size_t k = 0; k < n; ++k) r.value.cap_at(folded[k].scope, folded[k].ceiling);
            if (has_wildcard) r.value.cap_wildcard(wildcard);
        } else {
            return fail(errc::value_out_of_range, claim::extended, 0);
        }
    }
    if (!c.bound_scopes.empty()) {
        if (c.bound_scopes.size() > WARD_MAX_INPUT_LENGTH)
            return fail(errc::input_too_long, claim::bound_scopes, WARD_MAX_INPUT_LENGTH);
        for (const split_item item : split_spaces(c.bound_scopes)) {
            if (item.text.empty()) return fail(errc::empty_name, claim::bound_scopes, item.offset);
            if (c.scope_restrictions) {
                const auto sr = parse_scope_restriction(item.text);
                if (!sr) return fail(sr.ec, claim::bound_scopes, item.offset + sr.position);
            } else if (!valid_id(item.text)) {
                return fail(errc::invalid_id, claim::bound_scopes, item.offset);
            }
            r.value.bind_to(s.find_scope(item.text));
            if (!r.value.authenticated()) return fail(errc::too_many, claim::bound_scopes, item.offset);
        }
    }
    if (!c.via.empty()) {
        if (!valid_id(c.via)) return fail(errc::invalid_id, claim::via, 0);
        r.value.via(s.find_scope(c.via));
    }
    return r;
}

} // namespace detail
} // namespace ward

#endif
// ---- end ward/detail/authenticate.hpp ----
// ---- begin ward/detail/pages.hpp ----
#ifndef WARD_DETAIL_PAGES_HPP
#define WARD_DETAIL_PAGES_HPP

// The pieces a snapshot shares with the snapshot it was derived from (policy_writer): immutable
// arrays and id indexes held by shared pointers, and the principals' entries in pages of 1,024
// principals (WARD_PRINCIPAL_PAGE_BITS), so that a change to one principal copies one page and a small directory, not the
// policy. Readers see plain arrays: a shared_vec caches its data pointer, a page_table keeps a flat
// directory of raw page pointers next to the owning chunks.


#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::detail {

/// A binding as roles_at reads it: roles member_roles[roles_begin, roles_end) bound at the scope
/// numbered `begin` (covering numbers [begin, end)).
struct membership {
    std::uint32_t begin, end;
    std::uint32_t roles_begin, roles_end;
};

enum class entry_kind : std::uint32_t { binding = 0, grant = 1, deny = 2, restriction = 3 };

/// An application restriction of a principal: governs targets in [within_begin, within_end); there
/// the principal acts only through an application in [app_begin, app_end), capped by `mask`.
struct restriction {
    std::uint32_t within_begin, within_end;
    std::uint32_t app_begin, app_end;
    std::uint32_t mask;
    std::uint32_t row;
};

/// An immutable vector that snapshots share. Reads cost what a std::vector's cost.
template <class T>
class shared_vec {
public:
    shared_vec() = default;
    explicit shared_vec(std::vector<T> v) : owner_(std::make_shared<const std::vector<T>>(std::move(v))) {
        data_ = owner_->data();
        size_ = owner_->size();
    }

    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const T* data() const noexcept { return data_; }
    const T* begin() const noexcept { return data_; }
    const T* end() const noexcept { return data_ + size_; }
    /// A copy to change (the next snapshot's version of this array).
    std::vector<T> copy() const { return owner_ ? *owner_ : std::vector<T>{}; }
    std::size_t memory_bytes() const noexcept { return owner_ ? owner_->capacity() * sizeof(T) : 0; }
    /// The bytes of this array unless `other` holds the same one.
    std::size_t unshared_bytes(const shared_vec& other) const noexcept {
        return owner_ == other.owner_ ? 0 : memory_bytes();
    }

private:
    std::shared_ptr<const std::vector<T>> owner_;
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

/// An immutable id_index that snapshots share: a base index and a small index of the ids added
/// after it (numbered on from the base's size), so that adding an id copies the small one only.
/// When the small one reaches extra_limit ids, the next addition starts a new base.
class shared_ids {
public:
    static constexpr std::size_t extra_limit = 4096;

    shared_ids() : base_(empty_index()), extra_(empty_index()) {}
    explicit shared_ids(id_index ids)
        : base_(std::make_shared<const id_index>(std::move(ids))), extra_(empty_index()), base_size_(base_->size()) {}

    std::size_t size() const noexcept { return base_size_ + extra_->size(); }
    std::string_view at(std::uint32_t i) const noexcept {
        return i < base_size_ ? base_->at(i) : extra_->at(static_cast<std::uint32_t>(i - base_size_));
    }
    std::uint32_t find(std::string_view s) const noexcept {
        const std::uint64_t h = hash_bytes(s);
        const std::uint32_t i = base_->find(s, h);
        if (i != none || extra_->size() == 0) return i;
        const std::uint32_t j = extra_->find(s, h);
        return j == none ? none : static_cast<std::uint32_t>(base_size_ + j);
    }
    /// These ids and `all`'s ids numbered from size() on (`all` holds these first): shares the
    /// base, or starts a new one from `all` when the added ids would pass extra_limit.
    shared_ids extended(const id_index& all) const {
        if (extra_->size() + (all.size() - size()) > extra_limit) return shared_ids(all);
        id_index extra = *extra_;
        for (auto i = static_cast<std::uint32_t>(size()); i < all.size(); ++i) extra.insert(all.at(i));
        shared_ids out = *this;
        out.extra_ = std::make_shared<const id_index>(std::move(extra));
        return out;
    }
    std::size_t memory_bytes() const noexcept { return base_->memory_bytes() + extra_->memory_bytes(); }
    std::size_t arena_bytes() const noexcept { return base_->arena_bytes() + extra_->arena_bytes(); }
    std::size_t unshared_bytes(const shared_ids& other) const noexcept {
        return (base_ == other.base_ ? 0 : base_->memory_bytes()) +
               (extra_ == other.extra_ ? 0 : extra_->memory_bytes());
    }

private:
    static const std::shared_ptr<const id_index>& empty_index() {
        static const std::shared_ptr<const id_index> e = std::make_shared<const id_index>();
        return e;
    }
    std::shared_ptr<const id_index> base_, extra_;
    std::size_t base_size_ = 0;
};

/// Pages of a flat array of Page objects: page i covers items [i * Page::size, (i + 1) * Page::size).
/// Pages are immutable once published; derive() replaces a page by a new one. Ownership is kept
/// in chunks of 64 pages, so that copying the table for the next snapshot touches one reference
/// count per chunk, and replacing a page copies one chunk.
template <class Page>
class page_table {
public:
    static constexpr std::size_t chunk_size = 64;
    using entry = typename Page::entry;
    using head = typename Page::head;
    /// What the decision path reads first: a page's heads and entries, without touching the page.
    struct slot {
        const head* heads;
        const entry* entries;
        const Page* page;
    };

    const Page& operator[](std::size_t i) const noexcept { return *dir_[i].page; }
    const slot& at(std::size_t i) const noexcept { return dir_[i]; }
    std::size_t size() const noexcept { return dir_.size(); }

    void push_back(std::shared_ptr<const Page> page) {
        if (dir_.size() % chunk_size == 0) chunks_.push_back(std::make_shared<chunk>());
        dir_.push_back(slot_of(*page));
        (*chunks_.back())[(dir_.size() - 1) % chunk_size] = std::move(page);
    }
    /// Puts `page` at i (i == size() appends). Copies the chunk when another table shares it.
    void replace(std::size_t i, std::shared_ptr<const Page> page) {
        if (i == dir_.size()) return push_back(std::move(page));
        std::shared_ptr<chunk>& c = chunks_[i / chunk_size];
        if (c.use_count() > 1) c = std::make_shared<chunk>(*c);
        dir_[i] = slot_of(*page);
        (*c)[i % chunk_size] = std::move(page);
    }
    /// The page at i with ownership (to copy and change it).
    const std::shared_ptr<const Page>& owner(std::size_t i) const noexcept {
        return (*chunks_[i / chunk_size])[i % chunk_size];
    }

    /// Bytes of the directory, the chunks and every page.
    std::size_t memory_bytes() const noexcept {
        std::size_t n =
            dir_.capacity() * sizeof(slot) + chunks_.capacity() * sizeof(chunks_[0]) + chunks_.size() * sizeof(chunk);
        for (const slot& p : dir_) n += p.page->memory_bytes();
        return n;
    }
    /// The bytes of this table that `other` does not share: the directory, and the chunks and
    /// pages it does not hold.
    std::size_t unshared_bytes(const page_table& other) const noexcept {
        std::size_t n = dir_.capacity() * sizeof(slot) + chunks_.capacity() * sizeof(chunks_[0]);
        for (std::size_t c = 0; c < chunks_.size(); ++c)
            if (c >= other.chunks_.size() || chunks_[c] != other.chunks_[c]) n += sizeof(chunk);
        for (std::size_t i = 0; i < dir_.size(); ++i)
            if (i >= other.dir_.size() || dir_[i].page != other.dir_[i].page) n += dir_[i].page->memory_bytes();
        return n;
    }

private:
    using chunk = std::array<std::shared_ptr<const Page>, chunk_size>;
    static slot slot_of(const Page& p) noexcept { return {p.heads.data(), p.entries.data(), &p}; }
    std::vector<slot> dir_;
    std::vector<std::shared_ptr<chunk>> chunks_;
};

/// One grant, binding or deny of a principal, as the decision path reads it.
template <class MaskRef>
struct packed_entry {
    std::uint32_t begin; ///< the scope's number; the entry covers numbers [begin, end)
    std::uint32_t end;
    std::uint32_t tagged_row; ///< row number (low 30 bits) and entry_kind (high 2 bits)
    MaskRef mask;             ///< the mask's word, or its index in the pool
    std::uint32_t row() const noexcept { return tagged_row & 0x3fffffffu; }
    entry_kind kind() const noexcept { return static_cast<entry_kind>(tagged_row >> 30); }
};

/// A principal's record on the decision path: its first entry, kept inline, and where its other
/// entries are. A decision at a principal with one entry (most principals) reads this record and
/// nothing else from the principal's page: one cache line (32 bytes, aligned to 32).
template <class MaskRef>
struct alignas(32) principal_head {
    packed_entry<MaskRef> first; ///< begin == none (covers nothing) when the principal has no entry
    std::uint32_t rest;          ///< its other entries are entries[rest, end)
    std::uint32_t end;
    bool empty() const noexcept { return first.begin == none; }
    std::uint32_t size() const noexcept { return empty() ? 0 : 1 + (end - rest); }
};

/// The principals numbered [base, base + count) (count <= 2^WARD_PRINCIPAL_PAGE_BITS) with their entries, application restrictions,
/// bindings (for roles_at), kinds and whether each is defined (a removed principal leaves a hole).
/// heads has one record per principal; the other offsets arrays are indexed by the principal's
/// place on the page.
template <class MaskRef, class Kind>
struct principal_page {
    static constexpr std::uint32_t bits = WARD_PRINCIPAL_PAGE_BITS;
    static constexpr std::uint32_t size = 1u << bits;
    static constexpr std::uint32_t mask = size - 1;
    using entry = packed_entry<MaskRef>;
    using head = principal_head<MaskRef>;
    static_assert(sizeof(head) == 32, "a principal's head is one 32-byte record");

    std::vector<head> heads;                   ///< one per principal (count of them)
    std::vector<entry> entries;                ///< every principal's entries after its first, by principal
    std::vector<std::uint32_t> restrict_first; ///< empty when nobody on the page is restricted
    std::vector<restriction> restrictions;
    std::vector<std::uint32_t> member_first; ///< empty when nobody on the page has a binding
    std::vector<membership> members;
    std::vector<std::uint32_t> member_roles;
    std::uint32_t count = 0;
    std::size_t entry_count = 0; ///< entries on the page, the heads' included
    Kind kind[size] = {};
    bool live[size] = {};

    principal_page() = default;
    principal_page(const principal_page& o)
        : heads(o.heads), entries(o.entries), restrict_first(o.restrict_first), restrictions(o.restrictions),
          member_first(o.member_first), members(o.members), member_roles(o.member_roles), count(o.count),
          entry_count(o.entry_count) {
        for (std::uint32_t i = 0; i < size; ++i) {
            kind[i] = o.kind[i];
            live[i] = o.live[i];
        }
    }
    principal_page& operator=(const principal_page&) = delete;

    /// Calls f(entry) for each entry of the principal at place i, in order, until f returns false.
    template <class F>
    void each_entry(std::uint32_t i, F&& f) const {
        const head& h = heads[i];
        if (h.empty() || !f(h.first)) return;
        for (std::uint32_t k = h.rest; k < h.end; ++k)
            if (!f(entries[k])) return;
    }

    std::size_t memory_bytes() const noexcept {
        return sizeof(principal_page) + heads.capacity() * sizeof(head) + entries.capacity() * sizeof(entry) +
               (restrict_first.capacity() + member_first.capacity() + member_roles.capacity()) * sizeof(std::uint32_t) +
               restrictions.capacity() * sizeof(restriction) + members.capacity() * sizeof(membership);
    }
};

} // namespace ward::detail

#endif
// ---- end ward/detail/pages.hpp ----
// ---- begin ward/query.hpp ----
/// \file ward/query.hpp
/// What a snapshot's queries take and answer besides decisions: a batch request, the answer of
/// effective_permissions, a lookup by id (role_permissions), and a principal's roles at a scope
/// (roles_at). snapshot.hpp includes it.
#ifndef WARD_QUERY_HPP
#define WARD_QUERY_HPP


#include <cstddef>
#include <string_view>

namespace ward {

/// One request of a batch check.
template <class P>
struct request {
    permission_set<P> required;
    scope_handle target;
};

/// One of many independent requests decided in one call (snapshot::check over a view of them):
/// each names its own credential, which must outlive the call.
template <class P>
struct batch_request {
    const credential<P>* who = nullptr; ///< null: unauthenticated
    permission_set<P> required;
    scope_handle target;
};

/// The answer of a reverse query: what a credential may do at a scope.
template <class P>
struct [[nodiscard]] effective_result {
    permission_set<P> permissions{};
    reason why = reason::unauthenticated; ///< granted when the query could be answered
};

/// The answer of a lookup by id: the value, or an error code (errc::unknown_role, ...) and an
/// empty value. Only `ok` holds a value.
template <class T>
struct [[nodiscard]] lookup_result {
    T value{};
    errc ec = errc::ok;
    /// The id was found.
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

/// How a role applies to a principal at a scope (snapshot::roles_at).
enum class role_origin : unsigned char {
    bound_here,  ///< bound to the principal at the scope itself
    bound_above, ///< bound at an ancestor of the scope (a binding covers its scope's subtree)
    inherited,   ///< a parent, transitively, of a role bound here or above (define_role's parents)
};

/// The origin as text ("bound here", "bound above", "inherited").
[[nodiscard]] constexpr std::string_view to_string(role_origin o) noexcept {
    switch (o) {
    case role_origin::bound_here: return "bound here";
    case role_origin::bound_above: return "bound above";
    case role_origin::inherited: return "inherited";
    }
    return "unknown";
}

/// One role a principal has at a scope (snapshot::roles_at). Views point into the snapshot.
struct role_membership {
    std::string_view role; ///< the role's id
    role_origin origin = role_origin::bound_here;
    scope_handle bound_at{};  ///< the scope of the binding that brings it
    std::string_view through; ///< inherited: the bound role it is a parent of; else empty
};

/// What snapshot::roles_at answers: how many roles apply (which may exceed the capacity given),
/// and `granted` when the query could be answered (unknown_principal or unknown_scope otherwise,
/// with count 0).
struct [[nodiscard]] roles_result {
    std::size_t count = 0;
    reason why = reason::unknown_principal;
    /// The principal and the scope are known.
    constexpr explicit operator bool() const noexcept { return why == reason::granted; }
};

} // namespace ward

#endif
// ---- end ward/query.hpp ----

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ward {

namespace detail {

template <class P>
struct build_steps;
template <class P>
struct principal_steps;
template <class P>
struct derive_steps;

/// A scope kind that marks a removed scope (a hole in the numbering until a fresh builder).
inline constexpr std::uint8_t removed_scope_kind = 0xff;

} // namespace detail

/// An immutable, compact policy. Shared read-only by any number of threads; every query is
/// noexcept and allocation-free except explain().
template <class P>
class snapshot {
public:
    using set = permission_set<P>;

    /// The version the builder gave it (decisions carry it).
    std::uint64_t version() const noexcept { return version_; }
    std::size_t scope_count() const noexcept { return scope_end_.size(); }    ///< scopes (handles 0..n-1)
    std::size_t principal_count() const noexcept { return principal_count_; } ///< principals (handles 0..n-1)
    std::size_t role_count() const noexcept { return role_ids_.size(); }      ///< compile-time and run-time roles
    std::size_t entry_count() const noexcept { return entry_count_; }         ///< packed bindings, grants and denies

    // ---- lookups (no allocation) ---------------------------------------------------------------------
    /// The scope with this id; an invalid handle when there is none.
    scope_handle find_scope(std::string_view id) const noexcept {
        const std::uint32_t s = scope_ids_.find(id);
        return scope_handle{s != detail::none && scope_live(s) ? s : detail::none};
    }
    /// The principal with this id (a token's subject); an invalid handle when there is none.
    principal_handle find_principal(std::string_view id) const noexcept {
        const std::uint32_t p = principal_ids_.find(id);
        return principal_handle{p != detail::none && principal_live(p) ? p : detail::none};
    }
    /// The id of a scope or principal; empty for a handle this snapshot does not know.
    std::string_view scope_id(scope_handle s) const noexcept { return scope_ids_.at(s.value); }
    std::string_view principal_id(principal_handle p) const noexcept { return principal_ids_.at(p.value); }
    /// The schema kind of a scope ("organization"); empty for an unknown handle.
    std::string_view scope_kind(scope_handle s) const noexcept {
        return s.value < scope_count() ? schema_.name(scope_kind_[s.value]) : std::string_view{};
    }
    /// The kind of a principal (user for an unknown handle).
    principal_kind kind_of(principal_handle p) const noexcept {
        return p.value < principal_count() ? page_of(p.value).kind[p.value & page::mask] : principal_kind::user;
    }
    /// The scope above `s`; an invalid handle for a root or an unknown handle.
    scope_handle parent(scope_handle s) const noexcept {
        return s.value < scope_count() ? scope_handle{scope_parent_[s.value]} : scope_handle{};
    }
    /// Is `ancestor` the same scope as `s` or above it? O(1): two comparisons of numbers.
    bool encloses(scope_handle ancestor, scope_handle s) const noexcept {
        return ancestor.value < scope_count() && s.value < scope_count() && ancestor.value <= s.value &&
               s.value < scope_end_[ancestor.value];
    }
    /// A role's flattened permissions (compile-time and run-time roles). A role the snapshot does
    /// not define is errc::unknown_role with an empty value: check it before comparing what a
    /// role confers with what a caller holds (an empty set is within anything).
    [[nodiscard]] lookup_result<set> role_permissions(std::string_view role) const noexcept {
        const std::uint32_t r = role_ids_.find(role);
        if (r == detail::none || !role_defined_[r]) return {set{}, errc::unknown_role};
        return {role_masks_[r], errc::ok};
    }
    /// The roles `p` has at `target`, each once, without allocating: first the roles bound at
    /// `target` itself (bound_here), then those bound at its ancestors (bound_above, nearest scope
    /// first), then every parent role of those, transitively (inherited, via define_role's
    /// parents; `through` names the bound role). Roles of a compile-time table are imported
    /// flattened: their permissions are whole, their table parents are not listed. Bindings that
    /// a later `assign::replace` binding at the same scope dropped are not listed. Denies,
    /// ceilings and restrictions do not remove roles (ask effective_permissions for what may be
    /// done). Writes up to `capacity` entries to `out` and returns how many roles apply (which
    /// may exceed `capacity`); unknown handles answer unknown_principal or unknown_scope.
    [[nodiscard]] roles_result roles_at(principal_handle p, scope_handle target, role_membership* out,
                                        std::size_t capacity) const noexcept;
    /// roles_at() with the principal and the scope given by id (looked up without allocating).
    [[nodiscard]] roles_result roles_at(std::string_view principal, std::string_view target, role_membership* out,
                                        std::size_t capacity) const noexcept {
        return roles_at(find_principal(principal), find_scope(target), out, capacity);
    }

    // ---- credentials -----------------------------------------------------------------------------------
    /// Turns verified token claims into a credential. Fails closed: any malformed claim yields an
    /// unauthenticated credential and says which claim and where. A subject that is well formed
    /// but not in the snapshot (or of another kind) gives a credential whose checks answer
    /// unknown_principal.
    [[nodiscard]] credential_result<P> authenticate(const token_claims& c) const noexcept {
        return detail::authenticate(*this, c);
    }

    // ---- decisions -------------------------------------------------------------------------------------
    /// May `cred` use every permission of `required` at `target`? Never allocates.
    [[nodiscard]] decision<P> check(const credential<P>& cred, const set& required, scope_handle target) const noexcept;
    /// check() with the target scope given by id (looked up without allocating).
    [[nodiscard]] decision<P> check(const credential<P>& cred, const set& required,
                                    std::string_view target) const noexcept {
        return check(cred, required, find_scope(target));
    }
    /// Many requests of one credential in one call; out must hold requests.size() decisions.
    void check(const credential<P>& cred, view<request<P>> requests, decision<P>* out) const noexcept {
        for (std::size_t i = 0; i < requests.size(); ++i)
            out[i] = decide_one(cred, requests[i].required, requests[i].target);
    }

    /// Many independent requests (each with its own credential: list filtering across users, a
    /// queue of authorization calls) in throughput mode: while one request is decided, the
    /// records of the requests a few places ahead are fetched, so their cache misses overlap
    /// instead of following each other. The same decisions as check() one by one; out must hold
    /// requests.size() decisions.
    void check(view<batch_request<P>> requests, decision<P>* out) const noexcept;

    // ---- reverse queries -------------------------------------------------------------------------------
    /// Everything `cred` may do at `target` (after denies, ceilings and restrictions); format it
    /// with ward::format_to or ward::to_string for `GET /user/me`.
    [[nodiscard]] effective_result<P> effective_permissions(const credential<P>& cred,
                                                            scope_handle target) const noexcept;
    /// effective_permissions() with the target scope given by id (looked up without allocating).
    /// An id the snapshot does not know answers unknown_scope with no permissions (after the
    /// credential's own checks: unauthenticated and unknown_principal come first).
    [[nodiscard]] effective_result<P> effective_permissions(const credential<P>& cred,
                                                            std::string_view target) const noexcept {
        return effective_permissions(cred, find_scope(target));
    }
    /// Auth0's rule for a token's scope: the requested permissions intersected with those the
    /// principal holds at `target`.
    [[nodiscard]] set grantable(principal_handle p, scope_handle target, const set& requested) const noexcept {
        return effective_permissions(credential<P>::of(p), target).permissions & requested;
    }
    /// The principals the policy lets use every permission of `required` at `target` (before
    /// token ceilings and application restrictions). Writes up to `capacity` handles to `out` in
    /// handle order and returns how many principals qualify (which may exceed `capacity`).
    [[nodiscard]] std::size_t principals_with(const set& required, scope_handle target, principal_handle* out,
                                              std::size_t capacity) const noexcept;

    // ---- explanation -------------------------------------------------------------------------------------
    /// One human sentence for a decision of this snapshot (allocates; keep it off hot paths).
    /// Defined in explain.hpp, which this header includes.
    [[nodiscard]] std::string explain(const decision<P>& d) const;

    /// Bytes held by this snapshot's tables (capacity, not counting the object itself), shared
    /// with other snapshots or not.
    std::size_t memory_bytes() const noexcept { return table_bytes(nullptr); }
    /// The bytes of this snapshot's tables that `other` does not share with it: what a snapshot
    /// derived from `other` by policy_writer costs on top of it.
    std::size_t unshared_bytes(const snapshot& other) const noexcept { return table_bytes(&other); }
    /// Bytes of the id strings alone.
    std::size_t id_bytes() const noexcept {
        return scope_ids_.arena_bytes() + principal_ids_.arena_bytes() + role_ids_.arena_bytes();
    }

private:
    friend struct detail::build_steps<P>;
    friend struct detail::principal_steps<P>;
    friend struct detail::derive_steps<P>;

    // Vocabularies of at most 64 permissions keep each mask inside its entry (no extra load on
    // the decision path); wider ones point into a deduplicated pool.
    static constexpr bool inline_masks = set::word_count == 1;
    using mask_ref = std::conditional_t<inline_masks, std::uint64_t, std::uint32_t>;
    using entry = detail::packed_entry<mask_ref>;
    using page = detail::principal_page<mask_ref, principal_kind>;
    std::conditional_t<inline_masks, set, const set&> mask_of(const entry& e) const noexcept {
        if constexpr (inline_masks) return set::from_words(typename set::word_array{e.mask});
        else return masks_[e.mask];
    }
    const page& page_of(std::uint32_t p) const noexcept { return pages_[p >> page::bits]; }
    bool principal_live(std::uint32_t p) const noexcept {
        return p < principal_count_ && page_of(p).live[p & page::mask];
    }
    bool scope_live(std::uint32_t s) const noexcept {
        return s < scope_kind_.size() && scope_kind_[s] != detail::removed_scope_kind;
    }
    template <class T>
    static std::size_t unshared(const T& mine, const snapshot* other, const T& theirs) noexcept {
        return other == nullptr ? mine.memory_bytes() : mine.unshared_bytes(theirs);
    }
    std::size_t table_bytes(const snapshot* o) const noexcept {
        if (o == this) return 0;
        const snapshot& t = o != nullptr ? *o : *this;
        return unshared(scope_ids_, o, t.scope_ids_) + unshared(principal_ids_, o, t.principal_ids_) +
               unshared(role_ids_, o, t.role_ids_) + unshared(scope_end_, o, t.scope_end_) +
               unshared(scope_parent_, o, t.scope_parent_) + unshared(scope_kind_, o, t.scope_kind_) +
               unshared(deny_all_, o, t.deny_all_) + unshared(everyone_first_, o, t.everyone_first_) +
               unshared(everyone_, o, t.everyone_) + unshared(everyone_rows_, o, t.everyone_rows_) +
               unshared(pages_, o, t.pages_) + unshared(masks_, o, t.masks_) + unshared(role_masks_, o, t.role_masks_) +
               unshared(role_defined_, o, t.role_defined_) + unshared(scope_number_, o, t.scope_number_) +
               unshared(role_ancestor_first_, o, t.role_ancestor_first_) +
               unshared(role_ancestors_, o, t.role_ancestors_);
    }

    struct path_result {
        set granted{};
        set denied{};
        std::uint32_t grant_rule = detail::none;
        std::uint32_t deny_rule = detail::none;
    };
    WARD_ALWAYS_INLINE path_result walk(std::uint32_t p, std::uint32_t t, const set& required) const noexcept {
        path_result r;
        const auto& pg = pages_.at(p >> page::bits); // heads and entries, not the page itself
        const typename page::head& h = pg.heads[p & page::mask];
        const auto visit = [&](const entry& e) noexcept {
            const auto& m = mask_of(e);
            if (e.kind() == detail::entry_kind::deny) {
                r.denied |= m;
                if (r.deny_rule == detail::none && m.contains_any(required)) r.deny_rule = e.row();
            } else {
                r.granted |= m;
                if (r.grant_rule == detail::none && m.contains_any(required)) r.grant_rule = e.row();
            }
        };
        // Entries are sorted by scope: the first one (in the head) begins at or before every other.
        if (h.first.begin <= t) { // an empty head begins at none: never
            if (t < h.first.end) visit(h.first);
            const entry* const last = pg.entries + h.end;
            for (const entry* e = pg.entries + h.rest; e != last && e->begin <= t; ++e)
                if (t < e->end) visit(*e);
        }
        if (!deny_all_.empty() && deny_all_[t] != detail::none) {
            const set& m = masks_[deny_all_[t]];
            r.denied |= m;
            if (r.deny_rule == detail::none && m.contains_any(required)) r.deny_rule = everyone_rule(t, required);
        }
        return r;
    }
    /// The nearest deny-for-everyone row on the path to t that covers part of `required`.
    std::uint32_t everyone_rule(std::uint32_t t, const set& required) const noexcept {
        for (std::uint32_t k = t; k != detail::none; k = scope_parent_[k])
            for (std::uint32_t i = everyone_first_[k]; i < everyone_first_[k + 1]; ++i)
                if (masks_[everyone_[i].second].contains_any(required)) return everyone_[i].first;
        return detail::none;
    }
    /// The token's cap at target t (ceiling and extended entries); every permission when uncapped.
    set token_cap(const credential<P>& c, std::uint32_t t) const noexcept {
        set cap = c.has_ceiling() ? c.ceiling() : set::all();
        if (c.has_extended()) {
            std::uint32_t best = detail::none;
            std::size_t best_i = 0;
            for (std::size_t i = 0; i < c.extended_count(); ++i) {
                const std::uint32_t s = c.extended(i).scope.value;
                if (encloses(scope_handle{s}, scope_handle{t}) && (best == detail::none || s > best)) {
                    best = s;
                    best_i = i;
                }
            }
            if (best != detail::none) cap &= c.extended(best_i).ceiling;
            else if (c.has_wildcard()) cap &= c.wildcard();
            else cap = set{};
        }
        return cap;
    }
    /// The application restriction's cap at target t (every permission when none governs t).
    /// `rule` is the restriction row that matched the application in use (or the first that governs t).
    set restriction_cap(const credential<P>& c, std::uint32_t p, std::uint32_t t, std::uint32_t& rule) const noexcept {
        bool restricted = false;
        rule = detail::none;
        if (!any_restriction_) return set::all(); // the policy restricts nobody
        const page& pg = page_of(p);
        if (pg.restrict_first.empty()) return set::all(); // nobody on p's page is restricted
        set cap{};
        const bool via = c.has_via() && c.via().valid();
        const std::uint32_t v = c.via().value;
        const std::uint32_t at = p & page::mask;
        for (std::uint32_t i = pg.restrict_first[at]; i < pg.restrict_first[at + 1]; ++i) {
            const detail::restriction& r = pg.restrictions[i];
            if (t < r.within_begin || t >= r.within_end) continue;
            if (!restricted) rule = r.row;
            restricted = true;
            if (via && r.app_begin <= v && v < r.app_end) {
                if (cap.none()) rule = r.row;
                cap |= masks_[r.mask];
            }
        }
        return restricted ? cap : set::all();
    }
    /// Common preconditions; returns granted when the request may be evaluated.
    reason admit(const credential<P>& cred, scope_handle target) const noexcept {
        if (!cred.authenticated()) return reason::unauthenticated;
        // The principal first: a caller the policy does not know must not learn which scopes exist.
        if (cred.principal().value >= principal_count()) return reason::unknown_principal;
        if (principal_holes_ && !principal_live(cred.principal().value)) return reason::unknown_principal;
        if (target.value >= scope_count()) return reason::unknown_scope;
        if (scope_holes_ && !scope_live(target.value)) return reason::unknown_scope;
        if (cred.bound_count() != 0) {
            bool inside = false;
            for (std::size_t i = 0; i < cred.bound_count() && !inside; ++i) inside = encloses(cred.bound(i), target);
            if (!inside) return reason::outside_scope;
        }
        return reason::granted;
    }
    /// One request of a batch: check() kept out of line, so that the batch loop stays small (with
    /// check() inlined into it, batches measured 5-15 % slower, and batch/100 1.6x).
    WARD_NOINLINE decision<P> decide_one(const batch_request<P>& r) const noexcept {
        return r.who != nullptr ? check(*r.who, r.required, r.target) : check(credential<P>{}, r.required, r.target);
    }
    WARD_NOINLINE decision<P> decide_one(const credential<P>& c, const set& required, scope_handle t) const noexcept {
        return check(c, required, t);
    }
    const entry* find_row(std::uint32_t row, std::uint32_t& principal) const noexcept {
        for (std::uint32_t g = 0; g < pages_.size(); ++g) {
            const page& pg = pages_[g];
            for (std::uint32_t i = 0; i < pg.count; ++i) {
                const entry* found = nullptr;
                pg.each_entry(i, [&](const entry& e) {
                    if (e.row() == row) found = &e;
                    return found == nullptr;
                });
                if (found != nullptr) {
                    principal = (g << page::bits) | i;
                    return found;
                }
            }
        }
        return nullptr;
    }

    std::uint64_t version_ = 0;
    scope_schema schema_;
    detail::shared_ids scope_ids_, principal_ids_, role_ids_;
    detail::shared_vec<std::uint32_t> scope_end_, scope_parent_;
    detail::shared_vec<std::uint8_t> scope_kind_;      ///< detail::removed_scope_kind for a removed scope
    detail::shared_vec<std::uint32_t> deny_all_;       ///< per scope: mask of everyone-denies on its path
    detail::shared_vec<std::uint32_t> everyone_first_; ///< per scope: its own everyone-deny rows in everyone_
    detail::shared_vec<std::pair<std::uint32_t, std::uint32_t>> everyone_;      ///< (row, mask)
    detail::shared_vec<std::pair<std::uint32_t, std::uint32_t>> everyone_rows_; ///< (row, scope) of deny_everyone rows
    // Each principal's entries, restrictions, bindings (roles_at), kind and whether it is defined.
    detail::page_table<page> pages_;
    std::size_t principal_count_ = 0;
    std::size_t entry_count_ = 0;
    bool any_restriction_ = false;
    bool principal_holes_ = false;                   ///< a principal was removed (its handle is not live)
    bool scope_holes_ = false;                       ///< a scope was removed
    detail::shared_vec<std::uint32_t> scope_number_; ///< the builder's scope index -> its number
    detail::shared_vec<set> masks_;
    detail::shared_vec<set> role_masks_;
    detail::shared_vec<std::uint8_t> role_defined_; ///< 0 for a removed role
    // roles_at: each role's parents, transitively, nearest first.
    detail::shared_vec<std::uint32_t> role_ancestor_first_;
    detail::shared_vec<std::uint32_t> role_ancestors_;

    /// Calls f(role, origin, scope number, through role or detail::none) for each role of p at t in
    /// roles_at's order, duplicates included, until f returns false.
    template <class F>
    void each_role_at(std::uint32_t p, std::uint32_t t, F&& f) const noexcept {
        const page& pg = page_of(p);
        if (pg.member_first.empty()) return;
        const std::uint32_t at = p & page::mask;
        const std::uint32_t first = pg.member_first[at], last = pg.member_first[at + 1];
        for (std::uint32_t i = last; i-- > first;) {
            const detail::membership& m = pg.members[i];
            if (t < m.begin || t >= m.end) continue;
            const role_origin o = m.begin == t ? role_origin::bound_here : role_origin::bound_above;
            for (std::uint32_t k = m.roles_begin; k < m.roles_end; ++k)
                if (!f(pg.member_roles[k], o, m.begin, detail::none)) return;
        }
        for (std::uint32_t i = last; i-- > first;) {
            const detail::membership& m = pg.members[i];
            if (t < m.begin || t >= m.end) continue;
            for (std::uint32_t k = m.roles_begin; k < m.roles_end; ++k) {
                const std::uint32_t r = pg.member_roles[k];
                for (std::uint32_t a = role_ancestor_first_[r]; a < role_ancestor_first_[r + 1]; ++a)
                    if (!f(role_ancestors_[a], role_origin::inherited, m.begin, r)) return;
            }
        }
    }
};
// ---- decisions and reverse queries -------------------------------------------------------------------

template <class P>
WARD_DECISION_INLINE decision<P> snapshot<P>::check(const credential<P>& cred, const set& required,
                                                    scope_handle target) const noexcept {
    decision<P> d;
    d.version = version_;
    d.missing = required;
    if (!cred.authenticated()) {
        d.why = reason::unauthenticated;
        return d;
    }
    if (required.none()) {
        d.why = reason::invalid_request;
        return d;
    }
    d.why = admit(cred, target);
    if (d.why != reason::granted) return d;

    const std::uint32_t p = cred.principal().value, t = target.value;
    const path_result path = walk(p, t, required);
    const set held = path.granted - path.denied;
    std::uint32_t restriction_rule = detail::none;
    const set token = cred.has_ceiling() || cred.has_extended() ? token_cap(cred, t) : set::all();
    const set app = restriction_cap(cred, p, t, restriction_rule);
    const set effective = held & token & app;

    d.missing = required - effective;
    if (d.missing.none()) {
        d.allowed = true;
        d.why = reason::granted;
        d.row = path.grant_rule;
        return d;
    }
    if ((d.missing & path.denied).any()) {
        d.why = reason::explicitly_denied;
        d.row = path.deny_rule;
    } else if (!held.contains_all(required)) {
        d.why = reason::missing_permission;
    } else if (!token.contains_all(required)) {
        d.why = reason::not_in_token;
    } else {
        d.why = reason::restricted_by_application;
        d.row = restriction_rule;
    }
    return d;
}

template <class P>
void snapshot<P>::check(view<batch_request<P>> requests, decision<P>* out) const noexcept {
    // Two stages ahead of the request decided: the head of request i + far (its first entry and
    // where the others are), then the other entries of request i + near (whose head was fetched
    // far - near requests ago), only when it has more than one.
    constexpr std::size_t far = 16, near = 6;
    const std::size_t n = requests.size();
    auto principal_of = [&](std::size_t i) noexcept -> std::uint32_t {
        const credential<P>* c = requests[i].who;
        return c != nullptr && c->principal().value < principal_count_ ? c->principal().value : detail::none;
    };
    // The prefetches stay in this function's body: g++ finds a lambda whose only effect is a
    // prefetch free of side effects and drops its calls.
    auto head_of = [&](std::size_t i) noexcept -> const typename page::head* {
        const std::uint32_t p = principal_of(i);
        return p == detail::none ? nullptr : pages_.at(p >> page::bits).heads + (p & page::mask);
    };
    auto rest_of = [&](std::size_t i) noexcept -> const entry* { // nullptr: none beyond the head
        const std::uint32_t p = principal_of(i);
        if (p == detail::none) return nullptr;
        const auto& pg = pages_.at(p >> page::bits);
        const typename page::head& h = pg.heads[p & page::mask];
        return h.rest != h.end ? pg.entries + h.rest : nullptr;
    };
    // Heads of up to 8,192 principals (256 KB) stay cached: prefetching them only costs time.
    if (principal_count_ <= 8192) {
        for (std::size_t i = 0; i < n; ++i) {
            const batch_request<P>& r = requests[i];
            out[i] = decide_one(r);
        }
        return;
    }
    for (std::size_t i = 0; i < n && i < far; ++i)
        if (const auto* h = head_of(i)) WARD_PREFETCH(h);
    for (std::size_t i = 0; i < n && i < near; ++i)
        if (const entry* e = rest_of(i)) WARD_PREFETCH(e);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + far < n)
            if (const auto* h = head_of(i + far)) WARD_PREFETCH(h);
        if (i + near < n)
            if (const entry* e = rest_of(i + near)) WARD_PREFETCH(e);
        const batch_request<P>& r = requests[i];
        out[i] = decide_one(r);
    }
}

template <class P>
effective_result<P> snapshot<P>::effective_permissions(const credential<P>& cred, scope_handle target) const noexcept {
    effective_result<P> r;
    r.why = admit(cred, target);
    if (r.why != reason::granted) return r;
    const std::uint32_t p = cred.principal().value, t = target.value;
    const path_result path = walk(p, t, set{});
    std::uint32_t rule = detail::none;
    r.permissions = (path.granted - path.denied) & token_cap(cred, t) & restriction_cap(cred, p, t, rule);
    return r;
}

template <class P>
roles_result snapshot<P>::roles_at(principal_handle p, scope_handle target, role_membership* out,
                                   std::size_t capacity) const noexcept {
    roles_result r;
    if (!principal_live(p.value)) return r;
    r.why = reason::unknown_scope;
    if (!scope_live(target.value)) return r;
    r.why = reason::granted;
    std::size_t k = 0; // the candidate's place in each_role_at's sequence
    each_role_at(p.value, target.value,
                 [&](std::uint32_t role, role_origin o, std::uint32_t at, std::uint32_t through) noexcept {
                     // Each role once, where it first appears: look for it earlier in the sequence.
                     bool seen = false;
                     std::size_t j = 0;
                     each_role_at(p.value, target.value,
                                  [&](std::uint32_t earlier, role_origin, std::uint32_t, std::uint32_t) noexcept {
                                      if (j++ == k) return false;
                                      seen = earlier == role;
                                      return !seen;
                                  });
                     ++k;
                     if (seen) return true;
                     if (out != nullptr && r.count < capacity)
                         out[r.count] = {role_ids_.at(role), o, scope_handle{at},
                                         through == detail::none ? std::string_view{} : role_ids_.at(through)};
                     ++r.count;
                     return true;
                 });
    return r;
}

template <class P>
std::size_t snapshot<P>::principals_with(const set& required, scope_handle target, principal_handle* out,
                                         std::size_t capacity) const noexcept {
    if (target.value >= scope_count() || required.none()) return 0;
    std::size_t n = 0;
    if (scope_holes_ && !scope_live(target.value)) return 0;
    for (std::uint32_t p = 0; p < principal_count(); ++p) {
        const page& pg = page_of(p);
        if (pg.heads[p & page::mask].empty()) continue;
        const path_result path = walk(p, target.value, required);
        if ((path.granted - path.denied).contains_all(required)) {
            if (n < capacity && out != nullptr) out[n] = principal_handle{p};
            ++n;
        }
    }
    return n;
}

} // namespace ward

// snapshot::explain, off the decision path.
// ---- begin ward/explain.hpp ----
/// \file ward/explain.hpp
/// One human sentence for a decision: snapshot::explain(decision) and ward::explain(decision,
/// snapshot). It names the row that decided and the ids it concerns. It allocates a std::string:
/// keep it off the decision path (logs, audit trails, a 403 body, tests). snapshot.hpp includes
/// this header, so every snapshot can explain.
///
/// \code
/// const auto d = snap.check(cred, perm_read_users, "org:acme");
/// log(snap.explain(d)); // "denied: missing read:users (no grant on the path to the target gives it) [policy v3]"
/// \endcode
#ifndef WARD_EXPLAIN_HPP
#define WARD_EXPLAIN_HPP


#include <cstdint>
#include <string>

namespace ward {

template <class P>
std::string snapshot<P>::explain(const decision<P>& d) const {
    auto describe = [&](std::uint32_t row) -> std::string {
        if (row == detail::none) return {};
        std::uint32_t principal = 0;
        if (const entry* e = find_row(row, principal)) {
            static constexpr const char* kinds[] = {"binding", "grant", "deny", "restriction"};
            return std::string(kinds[static_cast<std::uint32_t>(e->kind())]) + " row " + std::to_string(row) + " (" +
                   std::string(principal_id(principal_handle{principal})) + " at " +
                   std::string(scope_id(scope_handle{e->begin})) + ")";
        }
        for (const auto& [r, sc] : everyone_rows_)
            if (r == row)
                return "deny-for-everyone row " + std::to_string(row) + " (at " +
                       std::string(scope_id(scope_handle{sc})) + ")";
        return "row " + std::to_string(row);
    };
    const std::string missing = to_string(d.missing);
    std::string s;
    switch (d.why) {
    case reason::granted: s = "allowed: granted by " + describe(d.row); break;
    case reason::unauthenticated: s = "denied: the request carries no valid credential"; break;
    case reason::invalid_request:
        s = "denied: the check required no permission, and an empty requirement is always refused";
        break;
    case reason::unknown_principal: s = "denied: the credential's principal is not in this policy"; break;
    case reason::unknown_scope: s = "denied: the target scope is not in this policy"; break;
    case reason::outside_scope: s = "denied: the target is outside the scope the credential is bound to"; break;
    case reason::missing_permission:
        s = "denied: missing " + missing + " (no grant on the path to the target gives it)";
        break;
    case reason::explicitly_denied: s = "denied: " + missing + " explicitly denied by " + describe(d.row); break;
    case reason::not_in_token: s = "denied: the token was not issued " + missing; break;
    case reason::restricted_by_application: {
        s = "denied: " + missing + " not available through this application";
        for (std::uint32_t g = 0; g < pages_.size() && d.row != detail::none; ++g) {
            const page& pg = pages_[g];
            for (std::uint32_t p = 0; p < pg.count && !pg.restrict_first.empty(); ++p)
                for (std::uint32_t i = pg.restrict_first[p]; i < pg.restrict_first[p + 1]; ++i)
                    if (pg.restrictions[i].row == d.row)
                        s += " (restriction row " + std::to_string(d.row) + ": " +
                             std::string(principal_id(principal_handle{(g << page::bits) | p})) +
                             " acts here only through " +
                             std::string(scope_id(scope_handle{pg.restrictions[i].app_begin})) + ")";
        }
        break;
    }
    }
    return s + " [policy v" + std::to_string(d.version) + "]";
}

/// explain(decision, snapshot): the same as snapshot.explain(decision).
template <class P>
[[nodiscard]] std::string explain(const decision<P>& d, const snapshot<P>& s) {
    return s.explain(d);
}

} // namespace ward

#endif
// ---- end ward/explain.hpp ----

#endif
// ---- end ward/snapshot.hpp ----

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ward {

/// How bind() treats the roles a principal already has in that scope (Bluebricks' `add`).
enum class assign : unsigned char {
    add,     ///< add to the roles already bound there
    replace, ///< replace every role bound there by earlier rows
};

/// The kind of row a builder call adds; errors name it. `schema` is no row: the builder's scope
/// schema itself is invalid or empty (build_error::row is then meaningless, and the message names
/// no row).
enum class row_kind : unsigned char {
    scope,
    principal,
    role,
    role_table,
    binding,
    grant,
    deny,
    deny_everyone,
    restriction,
    removal,
    schema
};

/// The row kind as error messages give it ("binding", "deny for everyone", ...).
[[nodiscard]] constexpr std::string_view to_string(row_kind k) noexcept {
    switch (k) {
    case row_kind::scope: return "scope";
    case row_kind::principal: return "principal";
    case row_kind::role: return "role";
    case row_kind::role_table: return "role table";
    case row_kind::binding: return "binding";
    case row_kind::grant: return "grant";
    case row_kind::deny: return "deny";
    case row_kind::deny_everyone: return "deny for everyone";
    case row_kind::restriction: return "restriction";
    case row_kind::removal: return "removal";
    case row_kind::schema: return "scope schema";
    }
    return "row";
}

/// Why a policy did not build: the first bad row, by number (the order of the builder calls,
/// from 0), its kind, the offending id and the error code. An invalid or empty scope schema is
/// reported with kind row_kind::schema (no row).
struct [[nodiscard]] build_error {
    errc ec = errc::ok;
    row_kind kind = row_kind::scope;
    std::size_t row = 0;
    std::string id; ///< the id that is unknown, duplicated or malformed, byte for byte as given

    /// message() quotes at most this many bytes of the id, then "...".
    static constexpr std::size_t message_id_bytes = 64;

    /// No error: the policy built.
    [[nodiscard]] bool ok() const noexcept { return ec == errc::ok; }
    /// "row 7 (binding): unknown role 'rol_x'"; "scope schema: ..." for a schema error. The id is
    /// quoted printable: a control or non-ASCII byte as \n, \t, \r or \xNN, a quote or backslash
    /// behind a backslash, and only its first message_id_bytes bytes, then "..." and its length.
    [[nodiscard]] std::string message() const {
        if (ok()) return "ok";
        std::string m;
        if (kind == row_kind::schema) {
            m = "scope schema: " + std::string(to_string(ec));
            if (ec == errc::empty_input) m += " (it declares no kind)";
            else if (ec == errc::unknown_kind)
                m += " (a kind is unnamed, declared twice or past the 16th, or names a parent kind not declared "
                     "before it)";
        } else {
            m = "row " + std::to_string(row) + " (" + std::string(to_string(kind)) + "): " + std::string(to_string(ec));
        }
        if (!id.empty()) m += " '" + quoted(id) + "'";
        if (id.size() > message_id_bytes) m += " (" + std::to_string(id.size()) + " bytes)";
        return m;
    }

private:
    /// The id's first message_id_bytes bytes, escaped, and "..." when there are more.
    static std::string quoted(std::string_view s) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        const std::size_t n = s.size() < message_id_bytes ? s.size() : message_id_bytes;
        out.reserve(n + 8);
        for (std::size_t i = 0; i < n; ++i) {
            const auto u = static_cast<unsigned char>(s[i]);
            switch (u) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            default:
                if (u < 0x20 || u > 0x7e) {
                    out += "\\x";
                    out += hex[u >> 4];
                    out += hex[u & 0xf];
                } else {
                    out += static_cast<char>(u);
                }
            }
        }
        if (s.size() > n) out += "...";
        return out;
    }
};

/// What build() returns: the snapshot, or the error that prevented it.
template <class P>
struct [[nodiscard]] build_result {
    std::shared_ptr<const ward::snapshot<P>> value; ///< the snapshot; null when a row was bad
    build_error error;                              ///< which row, and why
    /// The policy built.
    explicit operator bool() const noexcept { return value != nullptr; }
};

/// How policy_writer::apply made its snapshot: derived from the previous one, or built from all
/// the rows (a change it does not derive, or one build() had to judge).
enum class derivation : unsigned char { full, incremental };

namespace detail {
/// Row numbers keep 30 bits (an entry packs its kind in the other two).
constexpr std::uint32_t max_rows = 0x3fffffffu;
} // namespace detail

/// Collects a policy's rows, validates them and builds a snapshot. Building allocates; the
/// snapshot it yields never does when deciding. Rows may come in any order (a binding may name a
/// scope defined later); validation happens in build().
template <class P>
class policy_builder {
public:
    using set = permission_set<P>;

    explicit policy_builder(scope_schema schema = scope_schema::standard(), std::uint64_t version = 1)
        : schema_(schema), version_(version) {}

    /// The version the built snapshot (and each of its decisions) will carry.
    void set_version(std::uint64_t v) noexcept { version_ = v; }
    std::uint64_t version() const noexcept { return version_; }
    /// How many rows the builder calls have added so far (the next row's number).
    std::size_t row_count() const noexcept { return rows_; }

    /// Reserve space for about this many rows of each kind (optional; speeds up large builds).
    void reserve(std::size_t scopes, std::size_t principals, std::size_t bindings) {
        scope_ids_.reserve(scopes, scopes * 16);
        scope_defs_.reserve(scopes);
        principal_ids_.reserve(principals, principals * 16);
        principal_defs_.reserve(principals);
        bindings_.reserve(bindings);
        binding_roles_.reserve(bindings);
    }

    /// A scope of kind `kind` (a kind of the schema) under `parent` ("" for a root).
    std::size_t add_scope(std::string_view id, std::string_view kind, std::string_view parent = {}) {
        const std::size_t row = next_row(row_kind::scope);
        const std::uint32_t s = define(scope_ids_, scope_defs_, scope_undo_, id, row, row_kind::scope);
        if (s == detail::none) return row;
        set_ref(row, s);
        if (changing_) change_.scopes = true;
        const std::size_t k = schema_.find(kind);
        if (k == scope_schema::npos) return fail(errc::unknown_kind, row_kind::scope, row, kind), row;
        touch(scope_defs_, scope_undo_, s).kind = static_cast<std::uint32_t>(k);
        const std::uint32_t p = parent.empty() ? detail::none : intern_scope(parent, row, row_kind::scope);
        scope_defs_[s].parent = p; // intern may have grown the vector
        return row;
    }

    /// A principal: a user, application, organization, API credential, ... Its id is the subject
    /// its tokens carry ("user:...", "application:...", "auth0|...").
    std::size_t add_principal(std::string_view id, principal_kind kind = principal_kind::user) {
        const std::size_t row = next_row(row_kind::principal);
        const std::uint32_t p = define(principal_ids_, principal_defs_, principal_undo_, id, row, row_kind::principal);
        if (p == detail::none) return row;
        set_ref(row, p);
        principal_defs_[p].kind = kind;
        mark_principal(p);
        return row;
    }

    /// Every role of a compile-time table, by name, already flattened.
    template <std::size_t N>
    std::size_t add_roles(const role_table<P, N>& table) {
        const std::size_t row = next_row(row_kind::role_table);
        if (!table.valid()) return fail(errc::invalid_role_table, row_kind::role_table, row, {}), row;
        if (changing_) change_.roles = true;
        for (std::size_t i = 0; i < N; ++i)
            add_role_def(table.name(i), table.permissions(i), {}, row, row_kind::role_table);
        return row;
    }

    /// A run-time role (a custom role created through an API, "rol_..."), inheriting `parents`
    /// (compile-time or run-time roles, defined before or after).
    std::size_t define_role(std::string_view id, const set& permissions, view<std::string_view> parents = {}) {
        const std::size_t row = next_row(row_kind::role);
        add_role_def(id, permissions, parents, row, row_kind::role);
        return row;
    }
    /// define_role with the permissions as a scope string ("read:users update:users"); an unknown
    /// name is an error of this row.
    std::size_t define_role(std::string_view id, std::string_view permission_names,
                            view<std::string_view> parents = {}) {
        const std::size_t row = next_row(row_kind::role);
        const auto r = parse_scope<P>(permission_names);
        if (!r) return fail(r.ec, row_kind::role, row, id), row;
        add_role_def(id, r.value, parents, row, row_kind::role);
        return row;
    }

    /// Binds roles to a principal in a scope (a membership). `replace` drops the roles earlier rows
    /// bound to the same principal in the same scope.
    std::size_t bind(std::string_view principal, std::string_view scope, view<std::string_view> roles,
                     assign mode = assign::add) {
        const std::size_t row = next_row(row_kind::binding);
        // The row's ids are looked up one after the other; in a large policy each lookup's first
        // slot is a cache miss. Fetching them all first overlaps the misses.
        WARD_PREFETCH(principal_ids_.slot_address(principal));
        WARD_PREFETCH(scope_ids_.slot_address(scope));
        for (std::string_view r : roles) WARD_PREFETCH(role_ids_.slot_address(r));
        binding b;
        b.row = static_cast<std::uint32_t>(row);
        b.replace = mode == assign::replace;
        b.principal = intern_principal(principal, row, row_kind::binding);
        b.scope = intern_scope(scope, row, row_kind::binding);
        b.roles_begin = static_cast<std::uint32_t>(binding_roles_.size());
        for (std::string_view r : roles) binding_roles_.push_back(intern_role(r, row, row_kind::binding));
        b.roles_end = static_cast<std::uint32_t>(binding_roles_.size());
        const auto index = static_cast<std::uint32_t>(bindings_.size());
        b.next = link(b.principal, &principal_def::bindings, index);
        bindings_.push_back(b);
        set_ref(row, index);
        return row;
    }
    std::size_t bind(std::string_view principal, std::string_view scope, std::initializer_list<std::string_view> roles,
                     assign mode = assign::add) {
        return bind(principal, scope, view<std::string_view>(roles), mode);
    }

    /// Grants permissions directly to a principal at a scope (and everything below it).
    std::size_t grant(std::string_view principal, std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::grant, principal, scope, permissions);
    }
    /// grant() with the permissions as a scope string; an unknown name is an error of this row.
    std::size_t grant(std::string_view principal, std::string_view scope, std::string_view permission_names) {
        return add_perm_row(row_kind::grant, principal, scope, permission_names);
    }
    /// Explicitly denies permissions to a principal at a scope and below. A deny on the path to a
    /// target wins over every grant, whatever the order of the rows.
    std::size_t deny(std::string_view principal, std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::deny, principal, scope, permissions);
    }
    /// deny() with the permissions as a scope string; an unknown name is an error of this row.
    std::size_t deny(std::string_view principal, std::string_view scope, std::string_view permission_names) {
        return add_perm_row(row_kind::deny, principal, scope, permission_names);
    }
    /// Denies permissions to every principal at a scope and below.
    std::size_t deny_everyone(std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::deny_everyone, {}, scope, permissions);
    }
    /// Restricts a principal to an application: through that application it may use at most `cap`
    /// (Commerce Layer's application memberships: role permissions intersected with the
    /// application's set). A restriction governs targets inside `within` (by default the
    /// application's parent scope, its organization): there the principal may act only through
    /// one of the applications it is restricted to. Elsewhere (another organization where its
    /// membership is not restricted) the restriction does not apply.
    std::size_t restrict_to(std::string_view principal, std::string_view application, const set& cap,
                            std::string_view within = {}) {
        const std::size_t row = add_perm_row(row_kind::restriction, principal, application, cap);
        if (!within.empty()) {
            const std::uint32_t w = intern_scope(within, row, row_kind::restriction);
            perm_rows_.back().within = w;
        }
        return row;
    }

    /// Removes the row numbered `row` (what the call that added it returned): a scope, principal or
    /// run-time role definition, a binding, grant, deny, deny for everyone or restriction. Removing
    /// a definition un-defines its id: rows that still name it make the rows invalid (build()
    /// reports the earliest of them), and an id nothing names any more is gone from the snapshot
    /// (its handle stays unused until a new builder). The id may be defined again by a later row
    /// (remove the old definition first: defining an id that is still defined is a duplicate).
    /// A number never added, a row already removed, a row that added nothing (a duplicate
    /// definition, unknown permission names) or a role table (add_roles) is errc::unknown_row, an
    /// error of the rows like a bad row (build() reports it; a change rolled back forgets it).
    errc remove(std::size_t row) {
        if (row >= rows_ || row_refs_[row] == detail::none || removed_[row]) return bad_removal(row);
        const std::uint32_t i = row_refs_[row];
        switch (row_kinds_[row]) {
        case row_kind::binding: {
            binding& bd = bindings_[i];
            unref_principal(bd.principal);
            unref(scope_defs_, scope_undo_, bd.scope);
            for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k)
                unref(role_defs_, role_undo_, binding_roles_[k]);
            mark_principal(bd.principal);
            break;
        }
        case row_kind::grant:
        case row_kind::deny:
        case row_kind::deny_everyone:
        case row_kind::restriction: {
            const perm_row& r = perm_rows_[i];
            unref_principal(r.principal);
            unref(scope_defs_, scope_undo_, r.scope);
            unref(scope_defs_, scope_undo_, r.within);
            if (r.kind == row_kind::deny_everyone && changing_) change_.everyone = true;
            mark_principal(r.principal);
            break;
        }
        case row_kind::scope: {
            auto& d = touch(scope_defs_, scope_undo_, i);
            d.defined = false; // keeps its place under its parent: a hole in the numbering
            unref(scope_defs_, scope_undo_, scope_defs_[i].parent);
            if (changing_) change_.scopes = true;
            break;
        }
        case row_kind::principal:
            touch(principal_defs_, principal_undo_, i).defined = false;
            mark_principal(i);
            break;
        case row_kind::role: {
            auto& d = touch(role_defs_, role_undo_, i);
            d.defined = false;
            const std::uint32_t pb = d.parents_begin, pe = d.parents_end;
            d.parents_end = d.parents_begin;
            d.permissions = set{};
            for (std::uint32_t k = pb; k < pe; ++k) unref(role_defs_, role_undo_, role_parents_[k]);
            if (changing_) change_.roles = true;
            break;
        }
        default: return bad_removal(row);
        }
        removed_[row] = true;
        if (changing_) removed_log_.push_back(static_cast<std::uint32_t>(row));
        return errc::ok;
    }

    /// Removes every binding of `principal` at `scope` that is in force (added and not removed);
    /// returns how many. Unknown ids remove nothing.
    std::size_t unbind(std::string_view principal, std::string_view scope) {
        const std::uint32_t p = principal_ids_.find(principal), sc = scope_ids_.find(scope);
        if (p == detail::none || sc == detail::none) return 0;
        std::size_t n = 0;
        for (std::uint32_t i = principal_defs_[p].bindings; i != detail::none; i = bindings_[i].next)
            if (bindings_[i].scope == sc && !removed_[bindings_[i].row]) n += remove(bindings_[i].row) == errc::ok;
        return n;
    }

    /// Starts a change: rows added and removed from here on can be taken back with
    /// rollback_change(), or kept with commit_change(). policy_writer::apply brackets each change
    /// so (its change function must not commit or roll back itself); a service can also use it to
    /// validate a change (build() on the changed rows) and undo it. Starting a change while one is
    /// open does nothing: the open change goes on, and one rollback_change() takes back all of it.
    void begin_change() {
        if (changing_) return;
        changing_ = true;
        mark_ = checkpoint{rows_,
                           version_,
                           error_,
                           scope_ids_.size(),
                           principal_ids_.size(),
                           role_ids_.size(),
                           role_parents_.size(),
                           bindings_.size(),
                           binding_roles_.size(),
                           perm_rows_.size()};
    }
    /// Keeps the open change (if any); the rows stay as they are.
    void commit_change() {
        changing_ = false;
        change_ = change_set{};
        scope_undo_.clear();
        principal_undo_.clear();
        role_undo_.clear();
        removed_log_.clear();
    }
    /// Takes back every row added and removed since begin_change(): the builder is as it was then
    /// (rows, ids, version, error). Does nothing when no change is open.
    void rollback_change() {
        if (!changing_) return;
        for (std::size_t i = removed_log_.size(); i-- > 0;) removed_[removed_log_[i]] = false;
        restore(scope_defs_, scope_undo_, mark_.scope_ids);
        restore(principal_defs_, principal_undo_, mark_.principal_ids);
        restore(role_defs_, role_undo_, mark_.role_ids);
        scope_ids_.truncate(mark_.scope_ids);
        principal_ids_.truncate(mark_.principal_ids);
        role_ids_.truncate(mark_.role_ids);
        role_parents_.resize(mark_.role_parents);
        bindings_.resize(mark_.bindings);
        binding_roles_.resize(mark_.binding_roles);
        perm_rows_.resize(mark_.perm_rows);
        rows_ = mark_.rows;
        row_refs_.resize(rows_);
        row_kinds_.resize(rows_);
        removed_.resize(rows_);
        version_ = mark_.version;
        error_ = mark_.error;
        commit_change();
    }

    /// Validates every row and builds the snapshot, or reports the first bad row.
    [[nodiscard]] build_result<P> build() const { return detail::build_steps<P>::run(*this); }

private:
    friend struct detail::build_steps<P>;
    friend struct detail::principal_steps<P>;
    friend struct detail::derive_steps<P>;

    struct scope_def {
        std::uint32_t kind = detail::none;
        std::uint32_t parent = detail::none;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        std::uint32_t refs = 0; ///< rows in force that name this scope
        row_kind ref_kind = row_kind::scope;
        bool defined = false;
    };
    struct principal_def {
        principal_kind kind = principal_kind::user;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        std::uint32_t refs = 0;
        std::uint32_t bindings = detail::none;  ///< its latest binding (a list through binding::next)
        std::uint32_t perm_rows = detail::none; ///< its latest grant, deny or restriction
        row_kind ref_kind = row_kind::principal;
        bool defined = false;
    };
    struct role_def_rt {
        set permissions{};
        std::uint32_t parents_begin = 0, parents_end = 0;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        std::uint32_t refs = 0;
        row_kind ref_kind = row_kind::role;
        row_kind def_kind = row_kind::role;
        bool defined = false;
    };
    struct binding {
        std::uint32_t principal, scope, roles_begin, roles_end, row;
        std::uint32_t next = detail::none; ///< the principal's previous binding
        bool replace;
    };
    struct perm_row {
        row_kind kind;
        std::uint32_t principal, scope, row;
        set permissions;
        std::uint32_t within = detail::none; ///< restrictions: the scope whose subtree they govern
        std::uint32_t next = detail::none;   ///< the principal's previous grant, deny or restriction
    };
    /// What a change touched, for policy_writer: the principals whose rows changed, and whether
    /// the scope tree, the roles or the denies for everyone did.
    struct change_set {
        std::vector<std::uint32_t> principals;
        bool scopes = false, roles = false, everyone = false;
    };
    /// The builder's sizes at begin_change().
    struct checkpoint {
        std::size_t rows = 0;
        std::uint64_t version = 0;
        build_error error;
        std::size_t scope_ids = 0, principal_ids = 0, role_ids = 0;
        std::size_t role_parents = 0, bindings = 0, binding_roles = 0, perm_rows = 0;
    };
    template <class Def>
    using undo_log = std::vector<std::pair<std::uint32_t, Def>>;

    bool removed(std::uint32_t row) const noexcept { return removed_[row] != 0; }

    std::size_t next_row(row_kind k) {
        const std::size_t r = rows_++;
        if (r >= detail::max_rows) fail(errc::too_many, k, r, {});
        row_refs_.push_back(detail::none);
        row_kinds_.push_back(k);
        removed_.push_back(0);
        return r;
    }
    void set_ref(std::size_t row, std::uint32_t index) { row_refs_[row] = index; }
    void fail(errc e, row_kind k, std::size_t row, std::string_view id) {
        if (error_.ok()) error_ = build_error{e, k, row, std::string(id)};
    }
    errc bad_removal(std::size_t row) {
        fail(errc::unknown_row, row_kind::removal, row, {});
        return errc::unknown_row;
    }
    /// defs[i], after saving it to `log` when it predates the open change (for rollback_change).
    template <class Def>
    Def& touch(std::vector<Def>& defs, undo_log<Def>& log, std::uint32_t i) {
        if (changing_ && i < checkpoint_size(defs)) log.emplace_back(i, defs[i]);
        return defs[i];
    }
    std::size_t checkpoint_size(const std::vector<scope_def>&) const noexcept { return mark_.scope_ids; }
    std::size_t checkpoint_size(const std::vector<principal_def>&) const noexcept { return mark_.principal_ids; }
    std::size_t checkpoint_size(const std::vector<role_def_rt>&) const noexcept { return mark_.role_ids; }
    template <class Def>
    static void restore(std::vector<Def>& defs, undo_log<Def>& log, std::size_t size) {
        for (std::size_t i = log.size(); i-- > 0;) defs[log[i].first] = log[i].second;
        defs.resize(size);
    }
    /// Puts row `index` at the head of principal p's list `head` (bindings or perm rows) and
    /// returns the row it goes before; marks p changed.
    std::uint32_t link(std::uint32_t p, std::uint32_t principal_def::*head, std::uint32_t index) {
        if (p == detail::none) return detail::none;
        auto& d = touch(principal_defs_, principal_undo_, p);
        const std::uint32_t next = d.*head;
        d.*head = index;
        mark_principal(p);
        return next;
    }
    void mark_principal(std::uint32_t p) {
        if (changing_ && p != detail::none) change_.principals.push_back(p);
    }
    template <class Def>
    void unref(std::vector<Def>& defs, undo_log<Def>& log, std::uint32_t i) {
        if (i != detail::none) --touch(defs, log, i).refs;
    }
    void unref_principal(std::uint32_t p) { unref(principal_defs_, principal_undo_, p); }

    /// The number of `id` (interned if new). A reference (a row naming the id) counts in refs.
    template <class Def>
    std::uint32_t intern(detail::id_index& ids, std::vector<Def>& defs, undo_log<Def>& log, std::string_view id,
                         std::size_t row, row_kind k, bool reference) {
        if (!detail::valid_id(id)) {
            fail(errc::invalid_id, k, row, id);
            return detail::none;
        }
        const auto [i, added] = ids.insert(id);
        if (added) {
            defs.emplace_back();
            defs.back().first_ref = static_cast<std::uint32_t>(row);
            defs.back().ref_kind = k;
        }
        if (reference) {
            Def& d = touch(defs, log, i);
            if (d.refs++ == 0 && !added) { // named again after every earlier reference went
                d.first_ref = static_cast<std::uint32_t>(row);
                d.ref_kind = k;
            }
        }
        return i;
    }
    /// Interns `id` and marks it defined by `row`; detail::none when the id is malformed or
    /// already defined (an error of this row).
    template <class Def>
    std::uint32_t define(detail::id_index& ids, std::vector<Def>& defs, undo_log<Def>& log, std::string_view id,
                         std::size_t row, row_kind k) {
        const std::uint32_t i = intern(ids, defs, log, id, row, k, false);
        if (i == detail::none) return i;
        if (defs[i].defined) return fail(errc::duplicate_id, k, row, id), detail::none;
        Def& d = touch(defs, log, i);
        d.defined = true;
        d.row = static_cast<std::uint32_t>(row);
        return i;
    }
    std::uint32_t intern_scope(std::string_view id, std::size_t row, row_kind k) {
        return intern(scope_ids_, scope_defs_, scope_undo_, id, row, k, true);
    }
    std::uint32_t intern_principal(std::string_view id, std::size_t row, row_kind k) {
        return intern(principal_ids_, principal_defs_, principal_undo_, id, row, k, true);
    }
    std::uint32_t intern_role(std::string_view id, std::size_t row, row_kind k) {
        return intern(role_ids_, role_defs_, role_undo_, id, row, k, true);
    }

    void add_role_def(std::string_view id, const set& permissions, view<std::string_view> parents, std::size_t row,
                      row_kind k) {
        const std::uint32_t r = define(role_ids_, role_defs_, role_undo_, id, row, k);
        if (r == detail::none) return;
        if (k == row_kind::role) set_ref(row, r);
        if (changing_) change_.roles = true;
        const auto pb = static_cast<std::uint32_t>(role_parents_.size());
        for (std::string_view p : parents) role_parents_.push_back(intern_role(p, row, k));
        auto& d = role_defs_[r]; // interning the parents may have grown the vector
        d.permissions = permissions.implied();
        d.parents_begin = pb;
        d.parents_end = static_cast<std::uint32_t>(role_parents_.size());
        d.def_kind = k;
    }
    std::size_t add_perm_row(row_kind k, std::string_view principal, std::string_view scope, const set& permissions) {
        const std::size_t row = next_row(k);
        perm_row r{k, detail::none, detail::none, static_cast<std::uint32_t>(row), permissions, detail::none};
        if (k != row_kind::deny_everyone) r.principal = intern_principal(principal, row, k);
        r.scope = intern_scope(scope, row, k);
        const auto index = static_cast<std::uint32_t>(perm_rows_.size());
        r.next = link(r.principal, &principal_def::perm_rows, index);
        if (k == row_kind::deny_everyone && changing_) change_.everyone = true;
        perm_rows_.push_back(r);
        set_ref(row, index);
        return row;
    }
    std::size_t add_perm_row(row_kind k, std::string_view principal, std::string_view scope, std::string_view names) {
        const auto parsed = parse_scope<P>(names);
        if (!parsed) {
            const std::size_t row = next_row(k);
            return fail(parsed.ec, k, row, names), row;
        }
        return add_perm_row(k, principal, scope, parsed.value);
    }

    scope_schema schema_;
    std::uint64_t version_;
    std::size_t rows_ = 0;
    build_error error_;
    detail::id_index scope_ids_, principal_ids_, role_ids_;
    std::vector<scope_def> scope_defs_;
    std::vector<principal_def> principal_defs_;
    std::vector<role_def_rt> role_defs_;
    std::vector<std::uint32_t> role_parents_;
    std::vector<binding> bindings_;
    std::vector<std::uint32_t> binding_roles_;
    std::vector<perm_row> perm_rows_;
    // By row number: the index of its binding, perm row or definition (detail::none for a role
    // table or a row that failed), its kind, and whether it was removed.
    std::vector<std::uint32_t> row_refs_;
    std::vector<row_kind> row_kinds_;
    std::vector<std::uint8_t> removed_;
    // The open change (begin_change): what it touched, and what rollback_change restores.
    bool changing_ = false;
    change_set change_;
    checkpoint mark_;
    undo_log<scope_def> scope_undo_;
    undo_log<principal_def> principal_undo_;
    undo_log<role_def_rt> role_undo_;
    std::vector<std::uint32_t> removed_log_;
};

} // namespace ward

// build()'s body: validation, scope numbering, role flattening, entry packing.
// ---- begin ward/detail/build.hpp ----
#ifndef WARD_DETAIL_BUILD_HPP
#define WARD_DETAIL_BUILD_HPP

// policy_builder::build()'s body: validate the rows, number the scope tree, flatten the roles,
// pack each principal's entries, and collect the denies for everyone. A deny's mask is widened
// here, once, to every permission that implies a denied one (see deny_mask): every query reads
// the widened mask, so what is left after a deny stays closed under the implications.


#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ward::detail {

/// The snapshot's deduplicated pool of masks (for masks that are not kept inline in entries).
template <class P>
class mask_pool {
public:
    using set = permission_set<P>;

    /// A pool over `masks`, which may hold masks already (a derived snapshot's copy of its pool).
    explicit mask_pool(std::vector<set>& masks) : masks_(masks), slots_(table_size(masks.size(), 64)) {
        for (std::uint32_t k = 0; k < masks_.size(); ++k) slots_.place(masks_[k].hash(), k + 1);
    }

    /// The index of `m` in the pool, added if new.
    std::uint32_t intern(const set& m) {
        const std::uint32_t found = slots_.find(m.hash(), [&](std::uint32_t v) { return masks_[v - 1] == m; });
        if (found != 0) return found - 1;
        const auto idx = static_cast<std::uint32_t>(masks_.size());
        masks_.push_back(m);
        if (masks_.size() * 2 > slots_.size()) {
            slots_.reset(slots_.size() * 2);
            for (std::uint32_t k = 0; k < masks_.size(); ++k) slots_.place(masks_[k].hash(), k + 1);
        } else {
            slots_.place(m.hash(), idx + 1);
        }
        return idx;
    }

    /// The mask at index i.
    const set& at(std::uint32_t i) const noexcept { return masks_[i]; }

private:
    std::vector<set>& masks_;
    slot_table<std::uint32_t> slots_; // mask index + 1
};

/// A deny row's mask as the snapshot keeps it: the permissions it names and every permission
/// that implies one of them (denying read also denies update when update implies read), so
/// that granted minus denied stays closed under the vocabulary's implications.
template <class P>
[[nodiscard]] permission_set<P> deny_mask(const permission_set<P>& named) noexcept {
    return permission_set<P>::from_words(detail::implying(vocabulary<P>::closure, named.words()));
}

/// Packs principals into pages: each principal's bindings, grants and denies in force as entries
/// sorted by (scope, row), with the bindings a later `replace` binding at the same scope drops,
/// empty entries and duplicates left out; its application restrictions; and its bindings as
/// roles_at lists them. build() packs every principal; policy_writer repacks the principals a
/// change touched and copies the others from the previous page, with the same code.
template <class P>
struct principal_steps {
    using builder = policy_builder<P>;
    using set = permission_set<P>;
    using entry = typename snapshot<P>::entry;
    using page = typename snapshot<P>::page;

    principal_steps(const builder& b_, const snapshot<P>& s_, const std::uint32_t* pre_, mask_pool<P>& pool_)
        : b(b_), s(s_), pre(pre_), pool(pool_) {}

    const builder& b;
    const snapshot<P>& s;
    const std::uint32_t* pre; ///< the builder's scope index -> its number
    mask_pool<P>& pool;
    const std::uint32_t* renumber = nullptr; ///< copied slots: a scope's old number -> its new one
    std::size_t entries = 0;                 ///< entries packed so far (packed or copied)
    bool restricted = false;                 ///< a packed page restricts someone
    bool holes = false;                      ///< a packed principal is not defined

    /// The page of principals [first, first + page::size) (those that exist). With `old`, only the
    /// principals in `dirty` (sorted, page-relative) are packed from the rows; the others are
    /// copied from `old`.
    std::shared_ptr<const page> page_from(std::uint32_t first, const page* old, view<std::uint32_t> dirty) {
        auto pg = std::make_shared<page>();
        const auto n = static_cast<std::uint32_t>(b.principal_defs_.size());
        pg->count = n - first < page::size ? n - first : page::size;
        std::size_t d = 0;
        pg->heads.resize(pg->count);
        for (std::uint32_t i = 0; i < pg->count; ++i) {
            const bool repack = old == nullptr || i >= old->count || (d < dirty.size() && dirty[d] == i);
            if (d < dirty.size() && dirty[d] == i) ++d;
            const auto start = static_cast<std::uint32_t>(pg->entries.size());
            if (repack) pack(first + i, *pg, i);
            else copy(*old, i, *pg);
            close(*pg, i, start);
        }
        if (!pg->restrict_first.empty() && pg->restrictions.empty()) pg->restrict_first.clear();
        if (!pg->member_first.empty() && pg->members.empty()) pg->member_first.clear();
        restricted = restricted || !pg->restrict_first.empty();
        return pg;
    }

private:
    struct raw {
        entry e;
        bool replace;
    };
    std::vector<raw> raws_, restr_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> within_; // parallel to restr_: (scope, mask)
    std::vector<std::uint32_t> order_;

    [[nodiscard]] entry make_entry(std::uint32_t sp, const set& m, std::uint32_t row, entry_kind k) {
        entry e{};
        e.begin = sp;
        e.end = s.scope_end_[sp];
        e.tagged_row = row | (static_cast<std::uint32_t>(k) << 30);
        if constexpr (snapshot<P>::inline_masks) e.mask = m.words()[0];
        else e.mask = pool.intern(m);
        return e;
    }
    bool grants_nothing(const entry& e) const noexcept {
        if constexpr (snapshot<P>::inline_masks) return e.mask == 0;
        else return pool.at(e.mask).none();
    }
    static bool by_scope_row(const raw& x, const raw& y) {
        return x.e.begin != y.e.begin ? x.e.begin < y.e.begin : x.e.row() < y.e.row();
    }
    void sort_order(const std::vector<raw>& v) {
        order_.resize(v.size());
        for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
        detail::sort(order_.begin(), order_.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return by_scope_row(v[x], v[y]); });
    }

    /// Principal p's rows in force, packed into slot i of pg.
    void pack(std::uint32_t p, page& pg, std::uint32_t i) {
        const auto& def = b.principal_defs_[p];
        pg.kind[i] = def.kind;
        pg.live[i] = def.defined;
        holes = holes || !def.defined;
        raws_.clear();
        restr_.clear();
        within_.clear();
        for (std::uint32_t k = def.bindings; k != none; k = b.bindings_[k].next) {
            const auto& bd = b.bindings_[k];
            if (b.removed(bd.row)) continue;
            set m;
            for (std::uint32_t r = bd.roles_begin; r < bd.roles_end; ++r) m |= s.role_masks_[b.binding_roles_[r]];
            raws_.push_back({make_entry(pre[bd.scope], m, bd.row, entry_kind::binding), bd.replace});
        }
        for (std::uint32_t k = def.perm_rows; k != none; k = b.perm_rows_[k].next) {
            const auto& r = b.perm_rows_[k];
            if (b.removed(r.row)) continue;
            const std::uint32_t sp = pre[r.scope];
            switch (r.kind) {
            case row_kind::grant:
                raws_.push_back({make_entry(sp, r.permissions.implied(), r.row, entry_kind::grant), false});
                break;
            case row_kind::deny:
                raws_.push_back({make_entry(sp, deny_mask(r.permissions), r.row, entry_kind::deny), false});
                break;
            case row_kind::restriction: {
                // By default a restriction governs the application's parent (its organization).
                std::uint32_t w = r.within != none ? pre[r.within] : s.scope_parent_[sp];
                if (w == none) w = sp;
                entry e{};
                e.begin = sp;
                e.end = s.scope_end_[sp];
                e.tagged_row = r.row;
                restr_.push_back({e, false});
                within_.push_back({w, pool.intern(r.permissions.implied())});
                break;
            }
            default: break;
            }
        }
        sort_order(raws_);
        const std::size_t start = pg.entries.size();
        for (std::size_t g = 0; g < order_.size();) {
            // One scope: a replacing binding drops the bindings of earlier rows.
            std::size_t h = g;
            std::uint32_t last_replace = 0;
            bool has_replace = false;
            for (; h < order_.size() && raws_[order_[h]].e.begin == raws_[order_[g]].e.begin; ++h)
                if (raws_[order_[h]].replace) {
                    has_replace = true;
                    last_replace = raws_[order_[h]].e.row();
                }
            const std::size_t group_start = pg.entries.size();
            for (std::size_t k = g; k < h; ++k) {
                const entry& e = raws_[order_[k]].e;
                if (has_replace && e.kind() == entry_kind::binding && e.row() < last_replace) continue;
                if (grants_nothing(e)) continue; // grants or denies nothing
                bool dup = false;                // a duplicate row adds nothing; keep the earliest
                for (std::size_t q = group_start; q < pg.entries.size() && !dup; ++q)
                    dup = pg.entries[q].mask == e.mask && pg.entries[q].kind() == e.kind();
                if (!dup) pg.entries.push_back(e);
            }
            g = h;
        }
        entries += pg.entries.size() - start;
        if (!restr_.empty()) {
            if (pg.restrict_first.empty()) pg.restrict_first.assign(page::size + 1, 0);
            sort_order(restr_);
            for (std::uint32_t k : order_)
                pg.restrictions.push_back({within_[k].first, s.scope_end_[within_[k].first], restr_[k].e.begin,
                                           restr_[k].e.end, within_[k].second, restr_[k].e.tagged_row});
        }
        pack_members(def, pg);
    }

    /// roles_at's list: the bindings in force by (scope, row), those a later `replace` at the same
    /// scope drops left out.
    void pack_members(const typename builder::principal_def& def, page& pg) {
        raws_.clear();
        std::vector<std::uint32_t>& index = binding_of_;
        index.clear();
        for (std::uint32_t k = def.bindings; k != none; k = b.bindings_[k].next) {
            const auto& bd = b.bindings_[k];
            if (b.removed(bd.row)) continue;
            entry e{};
            e.begin = pre[bd.scope];
            e.tagged_row = bd.row;
            raws_.push_back({e, bd.replace});
            index.push_back(k);
        }
        if (raws_.empty()) return;
        if (pg.member_first.empty()) pg.member_first.assign(page::size + 1, 0);
        sort_order(raws_);
        for (std::size_t g = 0; g < order_.size();) {
            std::size_t h = g;
            std::uint32_t last_replace = 0;
            for (; h < order_.size() && raws_[order_[h]].e.begin == raws_[order_[g]].e.begin; ++h)
                if (raws_[order_[h]].replace) last_replace = raws_[order_[h]].e.row();
            for (std::size_t k = g; k < h; ++k) {
                const auto& bd = b.bindings_[index[order_[k]]];
                if (bd.row < last_replace) continue;
                const std::uint32_t sp = pre[bd.scope];
                const auto rb = static_cast<std::uint32_t>(pg.member_roles.size());
                for (std::uint32_t r = bd.roles_begin; r < bd.roles_end; ++r)
                    pg.member_roles.push_back(b.binding_roles_[r]);
                pg.members.push_back({sp, s.scope_end_[sp], rb, static_cast<std::uint32_t>(pg.member_roles.size())});
            }
            g = h;
        }
    }
    std::vector<std::uint32_t> binding_of_; ///< pack_members: raws_[i] is bindings_[binding_of_[i]]

    /// Slot i of `old`, copied into the same slot of pg.
    void copy(const page& old, std::uint32_t i, page& pg) {
        pg.kind[i] = old.kind[i];
        pg.live[i] = old.live[i];
        holes = holes || !old.live[i];
        const std::size_t e0 = pg.entries.size(), r0 = pg.restrictions.size(), m0 = pg.members.size();
        old.each_entry(i, [&](const entry& e) {
            pg.entries.push_back(e);
            return true;
        });
        entries += pg.entries.size() - e0;
        if (!old.restrict_first.empty() && old.restrict_first[i] != old.restrict_first[i + 1]) {
            if (pg.restrict_first.empty()) pg.restrict_first.assign(page::size + 1, 0);
            pg.restrictions.insert(pg.restrictions.end(), old.restrictions.begin() + old.restrict_first[i],
                                   old.restrictions.begin() + old.restrict_first[i + 1]);
        }
        if (!old.member_first.empty() && old.member_first[i] != old.member_first[i + 1]) {
            if (pg.member_first.empty()) pg.member_first.assign(page::size + 1, 0);
            for (std::uint32_t m = old.member_first[i]; m < old.member_first[i + 1]; ++m) {
                detail::membership mb = old.members[m];
                const auto rb = static_cast<std::uint32_t>(pg.member_roles.size());
                pg.member_roles.insert(pg.member_roles.end(), old.member_roles.begin() + mb.roles_begin,
                                       old.member_roles.begin() + mb.roles_end);
                mb.roles_begin = rb;
                mb.roles_end = static_cast<std::uint32_t>(pg.member_roles.size());
                pg.members.push_back(mb);
            }
        }
        if (renumber == nullptr) return;
        // The tree was renumbered: every range becomes its scope's new [number, end).
        auto range = [&](std::uint32_t& begin, std::uint32_t& end) {
            begin = renumber[begin];
            end = s.scope_end_[begin];
        };
        for (std::size_t k = e0; k < pg.entries.size(); ++k) range(pg.entries[k].begin, pg.entries[k].end);
        for (std::size_t k = r0; k < pg.restrictions.size(); ++k) {
            range(pg.restrictions[k].within_begin, pg.restrictions[k].within_end);
            range(pg.restrictions[k].app_begin, pg.restrictions[k].app_end);
        }
        for (std::size_t k = m0; k < pg.members.size(); ++k) range(pg.members[k].begin, pg.members[k].end);
    }
    /// Ends slot i, whose entries were appended from `start`: the first goes to its head, the
    /// others stay; the offsets of slot i + 1 start where slot i's arrays end.
    static void close(page& pg, std::uint32_t i, std::uint32_t start) {
        auto& h = pg.heads[i];
        h.first = entry{};
        h.first.begin = none;
        if (pg.entries.size() > start) {
            pg.entry_count += pg.entries.size() - start;
            h.first = pg.entries[start];
            pg.entries.erase(pg.entries.begin() + start); // the slot's own entries follow it: a few
        }
        h.rest = start;
        h.end = static_cast<std::uint32_t>(pg.entries.size());
        if (!pg.restrict_first.empty()) pg.restrict_first[i + 1] = static_cast<std::uint32_t>(pg.restrictions.size());
        if (!pg.member_first.empty()) pg.member_first[i + 1] = static_cast<std::uint32_t>(pg.members.size());
    }
};

template <class P>
struct build_steps {
    using builder = policy_builder<P>;
    using set = permission_set<P>;
    using entry = typename snapshot<P>::entry;

    [[nodiscard]] static build_result<P> run(const builder& b) {
        build_result<P> out;
        if (!b.schema_.valid() || b.schema_.size() == 0) {
            // The schema is no row: the error says so rather than blame row 0.
            out.error =
                build_error{b.schema_.valid() ? errc::empty_input : errc::unknown_kind, row_kind::schema, 0, {}};
            return out;
        }
        auto snap = std::make_shared<snapshot<P>>();
        snapshot<P>& s = *snap;
        s.version_ = b.version_;
        s.schema_ = b.schema_;
        std::vector<std::uint32_t> pre; // the builder's scope index -> its preorder number
        // Every check runs, so that the error names the earliest bad row whichever check finds it
        // (a scope cycle in the first rows comes before an unknown id further down). Numbering and
        // flattening take rows that do not validate (an undefined scope counts as a root, an
        // undefined role has no parents); their results are dropped with the error.
        out.error = validate(b);
        keep_earliest(out.error, number_scopes(b, s, pre));
        keep_earliest(out.error, flatten_roles(b, s));
        if (!out.error.ok()) return out;
        // Principal handles are the builder's numbers: its index is taken as it is.
        s.principal_ids_ = shared_ids(b.principal_ids_);
        s.principal_count_ = b.principal_defs_.size();

        std::vector<set> masks;
        mask_pool<P> pool(masks);
        collect_denies_for_everyone(b, s, pre.data(), pool);
        principal_steps<P> fill(b, s, pre.data(), pool);
        for (std::uint32_t first = 0; first < s.principal_count_; first += snapshot<P>::page::size)
            s.pages_.push_back(fill.page_from(first, nullptr, {}));
        s.entry_count_ = fill.entries;
        s.any_restriction_ = fill.restricted;
        s.principal_holes_ = fill.holes;
        s.masks_ = shared_vec<set>(std::move(masks));
        s.scope_number_ = shared_vec<std::uint32_t>(std::move(pre));
        role_ancestors(b, s);
        out.value = std::move(snap);
        return out;
    }

    /// Keeps `first`, or `e` where it names an earlier row.
    static void keep_earliest(build_error& first, build_error e) {
        if (!e.ok() && (first.ok() || e.row < first.row)) first = std::move(e);
    }

    /// Keeps the earliest bad row, whichever check finds it.
    static void consider(build_error& first, errc e, row_kind k, std::size_t row, std::string_view id) {
        if (!first.ok() && first.row <= row) return;
        first = build_error{e, k, row, std::string(id)};
    }

    /// Every referenced id is defined, and every scope is a root or under a parent of a kind the
    /// schema allows.
    [[nodiscard]] static build_error validate(const builder& b) {
        build_error first = b.error_;
        // An id that is not defined is an error of the earliest row in force that names it; an id
        // nothing names (its rows were removed) is no error: it is left out of the snapshot.
        auto unknown = [&](const auto& defs, const id_index& ids, errc e, auto names) {
            for (std::uint32_t i = 0; i < defs.size(); ++i) {
                const auto& d = defs[i];
                if (d.defined || d.refs == 0) continue;
                if (!b.removed(d.first_ref)) consider(first, e, d.ref_kind, d.first_ref, ids.at(i));
                else earliest_reference(b, first, e, i, names, ids.at(i));
            }
        };
        unknown(b.scope_defs_, b.scope_ids_, errc::unknown_scope, names_scope{});
        unknown(b.principal_defs_, b.principal_ids_, errc::unknown_principal, names_principal{});
        unknown(b.role_defs_, b.role_ids_, errc::unknown_role, names_role{});
        for (std::uint32_t i = 0; i < b.scope_defs_.size(); ++i) {
            const auto& d = b.scope_defs_[i];
            if (!d.defined || d.kind == none) continue;
            if (d.parent == none) {
                if (!b.schema_.may_be_root(d.kind))
                    consider(first, errc::wrong_scope_kind, row_kind::scope, d.row, b.scope_ids_.at(i));
            } else if (b.scope_defs_[d.parent].defined && b.scope_defs_[d.parent].kind != none &&
                       !b.schema_.allows(b.scope_defs_[d.parent].kind, d.kind)) {
                consider(first, errc::wrong_scope_kind, row_kind::scope, d.row, b.scope_ids_.at(i));
            }
        }
        return first;
    }

    struct names_scope {};
    struct names_principal {};
    struct names_role {};
    /// The earliest row in force that names id number i (its first reference was removed): scans
    /// every row (only on the error path).
    template <class Names>
    static void earliest_reference(const builder& b, build_error& first, errc e, std::uint32_t i, Names,
                                   std::string_view id) {
        auto seen = [&](std::uint32_t row, row_kind k) {
            if (!b.removed(row)) consider(first, e, k, row, id);
        };
        for (const auto& bd : b.bindings_) {
            if constexpr (std::is_same_v<Names, names_scope>) {
                if (bd.scope == i) seen(bd.row, row_kind::binding);
            } else if constexpr (std::is_same_v<Names, names_principal>) {
                if (bd.principal == i) seen(bd.row, row_kind::binding);
            } else {
                for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k)
                    if (b.binding_roles_[k] == i) seen(bd.row, row_kind::binding);
            }
        }
        if constexpr (std::is_same_v<Names, names_scope>) {
            for (const auto& r : b.perm_rows_)
                if (r.scope == i || r.within == i) seen(r.row, r.kind);
            for (const auto& d : b.scope_defs_)
                if (d.defined && d.parent == i) seen(d.row, row_kind::scope);
        } else if constexpr (std::is_same_v<Names, names_principal>) {
            for (const auto& r : b.perm_rows_)
                if (r.principal == i) seen(r.row, r.kind);
        } else {
            for (const auto& d : b.role_defs_)
                if (d.defined)
                    for (std::uint32_t k = d.parents_begin; k < d.parents_end; ++k)
                        if (b.role_parents_[k] == i) seen(d.row, d.def_kind);
        }
    }

    /// Numbers the scope tree in preorder, so that a subtree is the range [number, end). A scope
    /// no root reaches is on a cycle: the error names the earliest such row.
    [[nodiscard]] static build_error number_scopes(const builder& b, snapshot<P>& s, std::vector<std::uint32_t>& pre) {
        const auto n_scopes = static_cast<std::uint32_t>(b.scope_defs_.size());
        std::vector<std::uint32_t> child_first(n_scopes + 1, 0), children(n_scopes), roots;
        for (std::uint32_t i = 0; i < n_scopes; ++i) {
            if (b.scope_defs_[i].parent == none) roots.push_back(i);
            else ++child_first[b.scope_defs_[i].parent + 1];
        }
        for (std::uint32_t i = 0; i < n_scopes; ++i) child_first[i + 1] += child_first[i];
        {
            std::vector<std::uint32_t> fill(child_first.begin(), child_first.end() - 1);
            for (std::uint32_t i = 0; i < n_scopes; ++i)
                if (b.scope_defs_[i].parent != none) children[fill[b.scope_defs_[i].parent]++] = i;
        }
        pre.assign(n_scopes, none);
        std::vector<std::uint32_t> scope_end(n_scopes, 0), scope_parent(n_scopes, none);
        std::vector<std::uint8_t> scope_kind(n_scopes, 0);
        std::vector<std::uint32_t> order; // definition index by preorder number
        order.reserve(n_scopes);
        {
            std::vector<std::pair<std::uint32_t, std::uint32_t>> stack; // (scope, next child offset)
            for (std::uint32_t r : roots) {
                pre[r] = static_cast<std::uint32_t>(order.size());
                order.push_back(r);
                stack.push_back({r, child_first[r]});
                while (!stack.empty()) {
                    auto& [node, next] = stack.back();
                    if (next < child_first[node + 1]) {
                        const std::uint32_t c = children[next++];
                        pre[c] = static_cast<std::uint32_t>(order.size());
                        order.push_back(c);
                        stack.push_back({c, child_first[c]});
                    } else {
                        scope_end[pre[node]] = static_cast<std::uint32_t>(order.size());
                        stack.pop_back();
                    }
                }
            }
        }
        build_error error;
        if (order.size() != n_scopes) {
            for (std::uint32_t i = 0; i < n_scopes; ++i)
                if (pre[i] == none)
                    consider(error, errc::scope_cycle, row_kind::scope, b.scope_defs_[i].row, b.scope_ids_.at(i));
            return error;
        }
        id_index ids;
        ids.reserve(n_scopes, b.scope_ids_.arena_bytes());
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t i = order[k];
            ids.insert(b.scope_ids_.at(i));
            const bool live = b.scope_defs_[i].defined;
            s.scope_holes_ = s.scope_holes_ || !live;
            scope_kind[k] = live ? static_cast<std::uint8_t>(b.scope_defs_[i].kind) : removed_scope_kind;
            scope_parent[k] = b.scope_defs_[i].parent == none ? none : pre[b.scope_defs_[i].parent];
        }
        s.scope_ids_ = shared_ids(std::move(ids));
        s.scope_end_ = shared_vec<std::uint32_t>(std::move(scope_end));
        s.scope_parent_ = shared_vec<std::uint32_t>(std::move(scope_parent));
        s.scope_kind_ = shared_vec<std::uint8_t>(std::move(scope_kind));
        return error;
    }

    /// Flattens every role into one mask (parents first); a role that inherits itself is an error,
    /// reported at the row that closed the cycle (closing_role).
    [[nodiscard]] static build_error flatten_roles(const builder& b, snapshot<P>& s) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        std::vector<set> role_masks(n_roles, set{});
        std::vector<std::uint8_t> state(n_roles, 0); // 0 new, 1 on stack, 2 done
        std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;
        for (std::uint32_t r0 = 0; r0 < n_roles; ++r0) {
            if (state[r0] == 2) continue;
            stack.push_back({r0, b.role_defs_[r0].parents_begin});
            state[r0] = 1;
            while (!stack.empty()) {
                auto& [r, next] = stack.back();
                const auto& d = b.role_defs_[r];
                if (next < d.parents_end) {
                    const std::uint32_t q = b.role_parents_[next++];
                    if (q == none) continue; // a malformed parent id: validate() reports that row
                    if (state[q] == 1) {
                        // Found from wherever the walk began; the error names the row that closed it.
                        const std::uint32_t c = closing_role(b);
                        return build_error{errc::role_cycle, b.role_defs_[c].def_kind, b.role_defs_[c].row,
                                           std::string(b.role_ids_.at(c))};
                    }
                    if (state[q] == 0) {
                        state[q] = 1;
                        stack.push_back({q, b.role_defs_[q].parents_begin});
                    }
                } else {
                    set m = d.permissions;
                    for (std::uint32_t k = d.parents_begin; k < d.parents_end; ++k)
                        if (b.role_parents_[k] != none) m |= role_masks[b.role_parents_[k]];
                    role_masks[r] = m.implied();
                    state[r] = 2;
                    stack.pop_back();
                }
            }
        }
        std::vector<std::uint8_t> defined(n_roles);
        for (std::uint32_t r = 0; r < n_roles; ++r) defined[r] = b.role_defs_[r].defined ? 1 : 0;
        s.role_ids_ = shared_ids(b.role_ids_);
        s.role_masks_ = shared_vec<set>(std::move(role_masks));
        s.role_defined_ = shared_vec<std::uint8_t>(std::move(defined));
        return {};
    }

    /// Do the roles defined by rows up to `last_row` inherit in a cycle? A parent edge counts once
    /// both its roles are defined by then. (Only on the error path: build() found a cycle.)
    [[nodiscard]] static bool has_role_cycle(const builder& b, std::uint32_t last_row) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        auto in = [&](std::uint32_t r) { return b.role_defs_[r].row <= last_row; };
        std::vector<std::uint8_t> state(n_roles, 0); // 0 new, 1 on stack, 2 done
        std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;
        for (std::uint32_t r0 = 0; r0 < n_roles; ++r0) {
            if (state[r0] != 0 || !in(r0)) continue;
            stack.push_back({r0, b.role_defs_[r0].parents_begin});
            state[r0] = 1;
            while (!stack.empty()) {
                auto& [r, next] = stack.back();
                if (next < b.role_defs_[r].parents_end) {
                    const std::uint32_t q = b.role_parents_[next++];
                    if (q == none || !in(q)) continue;
                    if (state[q] == 1) return true;
                    if (state[q] == 0) {
                        state[q] = 1;
                        stack.push_back({q, b.role_defs_[q].parents_begin});
                    }
                } else {
                    state[r] = 2;
                    stack.pop_back();
                }
            }
        }
        return false;
    }

    /// The role whose definition closed the first cycle: the earliest row after which the roles
    /// defined so far inherit in a cycle (of the rows that form that cycle, the latest). Adding
    /// rows only adds edges, so that row is found by a binary search over the definition rows.
    [[nodiscard]] static std::uint32_t closing_role(const builder& b) {
        std::vector<std::uint32_t> by_row(b.role_defs_.size());
        for (std::uint32_t r = 0; r < by_row.size(); ++r) by_row[r] = r;
        detail::sort(by_row.begin(), by_row.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return b.role_defs_[x].row < b.role_defs_[y].row; });
        std::size_t lo = 0, hi = by_row.size() - 1; // the rows up to by_row[hi] hold a cycle
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (has_role_cycle(b, b.role_defs_[by_row[mid]].row)) hi = mid;
            else lo = mid + 1;
        }
        return by_row[lo];
    }

    /// Denies for everyone: each scope's own rows (for explain), and the union inherited down the
    /// tree (what a check reads).
    static void collect_denies_for_everyone(const builder& b, snapshot<P>& s, const std::uint32_t* pre,
                                            mask_pool<P>& pool) {
        const auto n_scopes = static_cast<std::uint32_t>(s.scope_end_.size());
        std::vector<set> everyone(n_scopes);
        std::vector<std::uint32_t> everyone_first(n_scopes + 1, 0);
        std::vector<std::pair<std::uint32_t, std::uint32_t>> rows, masks;
        for (const auto& r : b.perm_rows_)
            if (r.kind == row_kind::deny_everyone && !b.removed(r.row)) {
                const std::uint32_t sp = pre[r.scope];
                everyone[sp] |= deny_mask(r.permissions);
                rows.push_back({r.row, sp});
                ++everyone_first[sp + 1];
            }
        if (rows.empty()) { // none: the tables stay empty and checks skip them
            s.everyone_first_ = {};
            s.everyone_rows_ = {};
            s.everyone_ = {};
            s.deny_all_ = {};
            return;
        }
        for (std::uint32_t k = 0; k < n_scopes; ++k) everyone_first[k + 1] += everyone_first[k];
        masks.resize(rows.size());
        std::vector<std::uint32_t> fill(everyone_first.begin(), everyone_first.end() - 1);
        for (const auto& r : b.perm_rows_) // perm_rows_ is in row order, so each scope's rows are too
            if (r.kind == row_kind::deny_everyone && !b.removed(r.row))
                masks[fill[pre[r.scope]]++] = {r.row, pool.intern(deny_mask(r.permissions))};
        std::vector<std::uint32_t> deny_all(n_scopes, none);
        std::vector<set> inherited(n_scopes);
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t par = s.scope_parent_[k];
            inherited[k] = everyone[k];
            if (par != none) inherited[k] |= inherited[par];
            if (inherited[k].any()) deny_all[k] = pool.intern(inherited[k]);
        }
        s.everyone_first_ = shared_vec<std::uint32_t>(std::move(everyone_first));
        s.everyone_rows_ = shared_vec<std::pair<std::uint32_t, std::uint32_t>>(std::move(rows));
        s.everyone_ = shared_vec<std::pair<std::uint32_t, std::uint32_t>>(std::move(masks));
        s.deny_all_ = shared_vec<std::uint32_t>(std::move(deny_all));
    }

    /// Each role's parents, transitively, nearest first (for roles_at).
    static void role_ancestors(const builder& b, snapshot<P>& s) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        std::vector<std::uint32_t> first(n_roles + 1, 0), ancestors;
        std::vector<std::uint32_t> stamp(n_roles, none);
        for (std::uint32_t r = 0; r < n_roles; ++r) {
            const auto begin = static_cast<std::uint32_t>(ancestors.size());
            stamp[r] = r;
            for (std::uint32_t k = b.role_defs_[r].parents_begin; k < b.role_defs_[r].parents_end; ++k) {
                const std::uint32_t q = b.role_parents_[k];
                if (stamp[q] == r) continue;
                stamp[q] = r;
                ancestors.push_back(q);
            }
            for (std::uint32_t i = begin; i < ancestors.size(); ++i) { // breadth first
                const std::uint32_t a = ancestors[i];
                for (std::uint32_t k = b.role_defs_[a].parents_begin; k < b.role_defs_[a].parents_end; ++k) {
                    const std::uint32_t q = b.role_parents_[k];
                    if (stamp[q] == r) continue;
                    stamp[q] = r;
                    ancestors.push_back(q);
                }
            }
            first[r + 1] = static_cast<std::uint32_t>(ancestors.size());
        }
        s.role_ancestor_first_ = shared_vec<std::uint32_t>(std::move(first));
        s.role_ancestors_ = shared_vec<std::uint32_t>(std::move(ancestors));
    }
};

} // namespace ward::detail

#endif
// ---- end ward/detail/build.hpp ----

#endif
// ---- end ward/builder.hpp ----
// ---- begin ward/live.hpp ----
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

// ---- begin ward/policy.hpp ----
/// \file ward/policy.hpp
/// Policies: a builder that takes rows as a service keeps them in its database, validates every
/// row, and builds an immutable snapshot that answers checks in nanoseconds without allocating.
/// This header gathers the three parts: builder.hpp (policy_builder, build_result, build_error),
/// snapshot.hpp (lookups, checks, reverse queries, authenticate) and explain.hpp.
///
/// \code
/// ward::policy_builder<perm> b;
/// b.add_scope("platform", "platform");
/// b.add_scope("org:acme", "organization", "platform");
/// b.add_principal("user:alice", ward::principal_kind::user);
/// b.add_roles(ladder);                              // a compile-time role table
/// b.bind("user:alice", "org:acme", {"viewer"});
/// auto built = b.build();                           // build_result: a snapshot or a row error
/// const auto& snap = *built.value;
/// auto cred = ward::credential<perm>::of(snap.find_principal("user:alice"));
/// auto d = snap.check(cred, perm_read_users, snap.find_scope("org:acme"));
/// \endcode
#ifndef WARD_POLICY_HPP
#define WARD_POLICY_HPP

// ---- begin ward/writer.hpp ----
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

// ---- begin ward/detail/derive.hpp ----
#ifndef WARD_DETAIL_DERIVE_HPP
#define WARD_DETAIL_DERIVE_HPP

// policy_writer::apply's body: the next snapshot from the current one and the change the builder
// recorded since begin_change(). A change to principals' rows repacks the pages of the principals
// it names (principal_steps, the code build() packs with) and shares everything else; any other
// change, and any change that may be invalid, is handed to build(), whose result is the
// reference: the derived snapshot is the one build() would give, and a refused change gets
// build()'s error.


#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace ward::detail {

template <class P>
struct derive_steps {
    using builder = policy_builder<P>;
    using set = permission_set<P>;
    using page = typename snapshot<P>::page;

    /// The next snapshot; `how` says whether it was derived or built in full.
    [[nodiscard]] static build_result<P> run(const builder& b, const snapshot<P>& cur, derivation& how) {
        how = derivation::full;
        const auto& ch = b.change_;
        // A change that may be invalid builds in full: build() names the error.
        if (!b.changing_ || !b.error_.ok() || !references_defined(b) || !scopes_in_place(b, cur) ||
            b.principal_defs_.size() < cur.principal_count_)
            return b.build();

        auto snap = std::make_shared<snapshot<P>>(cur); // shares every table
        snapshot<P>& s = *snap;
        s.version_ = b.version_;
        const std::size_t n = b.principal_defs_.size();
        if (n != cur.principal_count_) s.principal_ids_ = cur.principal_ids_.extended(b.principal_ids_);
        s.principal_count_ = n;

        std::vector<std::uint32_t> dirty(ch.principals.begin(), ch.principals.end());
        for (auto p = static_cast<std::uint32_t>(cur.principal_count_); p < n; ++p) dirty.push_back(p);

        // New scopes renumber the tree (each goes after its parent's last descendant): every entry
        // is copied with its scope's new number. Removed scopes only become holes.
        std::vector<std::uint32_t> renumber;
        if (b.scope_defs_.size() > cur.scope_count()) {
            std::vector<std::uint32_t> pre;
            if (!build_steps<P>::number_scopes(b, s, pre).ok()) return b.build();
            renumber.resize(cur.scope_count());
            for (std::uint32_t i = 0; i < cur.scope_count(); ++i) renumber[cur.scope_number_[i]] = pre[i];
            s.scope_number_ = shared_vec<std::uint32_t>(std::move(pre));
        } else if (ch.scopes) {
            mark_removed_scopes(b, s);
        }
        if (ch.roles) { // flatten again; principals bound to a role whose permissions changed repack
            if (!build_steps<P>::flatten_roles(b, s).ok()) return b.build(); // a cycle: build() names its row
            build_steps<P>::role_ancestors(b, s);
            bound_to_changed_roles(b, cur, s, dirty);
        }
        detail::sort(dirty.begin(), dirty.end(), [](std::uint32_t x, std::uint32_t y) { return x < y; });

        std::vector<set> masks = cur.masks_.copy();
        const std::size_t old_masks = masks.size();
        mask_pool<P> pool(masks);
        if (ch.everyone || ch.scopes) build_steps<P>::collect_denies_for_everyone(b, s, s.scope_number_.data(), pool);
        principal_steps<P> fill(b, s, s.scope_number_.data(), pool);
        fill.renumber = renumber.empty() ? nullptr : renumber.data();
        std::size_t dropped = 0; // entries of the pages replaced
        std::vector<std::uint32_t> slots;
        const std::size_t pages = (n + page::size - 1) / page::size;
        for (std::size_t i = 0, g = 0; g < pages; ++g) {
            if (renumber.empty()) { // only the pages of dirty principals; the others stay shared
                if (i == dirty.size()) break;
                g = dirty[i] >> page::bits;
            }
            slots.clear();
            for (; i < dirty.size() && (dirty[i] >> page::bits) == g; ++i)
                if (slots.empty() || slots.back() != (dirty[i] & page::mask)) slots.push_back(dirty[i] & page::mask);
            const page* old = g < cur.pages_.size() ? &cur.pages_[g] : nullptr;
            if (old != nullptr) dropped += old->entry_count;
            s.pages_.replace(g, fill.page_from(static_cast<std::uint32_t>(g << page::bits), old,
                                               view<std::uint32_t>(slots.data(), slots.size())));
        }
        s.entry_count_ = cur.entry_count_ - dropped + fill.entries;
        s.any_restriction_ = cur.any_restriction_ || fill.restricted;
        s.principal_holes_ = cur.principal_holes_ || fill.holes;
        if (masks.size() != old_masks) s.masks_ = shared_vec<set>(std::move(masks));
        build_result<P> out;
        out.value = std::move(snap);
        how = derivation::incremental;
        return out;
    }

private:
    /// The scope tree keeps its numbering: no new scope, and every scope the change touched keeps
    /// its parent and kind (it was removed, or removed and defined again as it was), and is where
    /// the schema allows it.
    static bool scopes_in_place(const builder& b, const snapshot<P>& cur) {
        if (b.scope_defs_.size() < cur.scope_count()) return false;
        auto placed = [&](const auto& d) {
            if (!d.defined) return true;
            if (d.kind == none) return false;
            return d.parent == none
                       ? b.schema_.may_be_root(d.kind)
                       : b.scope_defs_[d.parent].kind != none && b.schema_.allows(b.scope_defs_[d.parent].kind, d.kind);
        };
        for (const auto& [i, old] : b.scope_undo_) {
            const auto& d = b.scope_defs_[i];
            if (d.parent != old.parent || d.kind != old.kind || !placed(d)) return false;
        }
        for (std::size_t i = cur.scope_count(); i < b.scope_defs_.size(); ++i)
            if (!placed(b.scope_defs_[i])) return false;
        return true;
    }
    /// The scopes removed (or defined again) by the change: their kind marks the hole.
    static void mark_removed_scopes(const builder& b, snapshot<P>& s) {
        std::vector<std::uint8_t> kinds = s.scope_kind_.copy();
        bool holes = false;
        for (std::uint32_t i = 0; i < b.scope_defs_.size(); ++i) {
            const auto& d = b.scope_defs_[i];
            const std::uint32_t k = s.scope_number_[i];
            kinds[k] = d.defined ? static_cast<std::uint8_t>(d.kind) : removed_scope_kind;
            holes = holes || !d.defined;
        }
        s.scope_kind_ = shared_vec<std::uint8_t>(std::move(kinds));
        s.scope_holes_ = holes;
    }
    /// Adds to `dirty` the principals with a binding in force to a role whose flattened
    /// permissions (or whether it is defined) changed.
    static void bound_to_changed_roles(const builder& b, const snapshot<P>& cur, const snapshot<P>& s,
                                       std::vector<std::uint32_t>& dirty) {
        std::vector<std::uint8_t> changed(s.role_masks_.size(), 0);
        bool any = false;
        for (std::uint32_t r = 0; r < cur.role_masks_.size(); ++r)
            if (!(cur.role_masks_[r] == s.role_masks_[r]) || cur.role_defined_[r] != s.role_defined_[r]) {
                changed[r] = 1;
                any = true;
            }
        if (!any) return;
        for (const auto& bd : b.bindings_) {
            if (b.removed(bd.row)) continue;
            for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k)
                if (changed[b.binding_roles_[k]]) {
                    dirty.push_back(bd.principal);
                    break;
                }
        }
    }

    /// Every id the change touched is defined or named by no row in force (the rows were valid
    /// before the change, so only those can have become invalid). When this fails, build() finds
    /// the error (and the row it names).
    static bool references_defined(const builder& b) {
        auto ok = [](const auto& defs, const auto& log, std::size_t before) {
            for (const auto& [i, old] : log)
                if (!defs[i].defined && defs[i].refs != 0) return false;
            for (std::size_t i = before; i < defs.size(); ++i)
                if (!defs[i].defined && defs[i].refs != 0) return false;
            return true;
        };
        return ok(b.scope_defs_, b.scope_undo_, b.mark_.scope_ids) &&
               ok(b.principal_defs_, b.principal_undo_, b.mark_.principal_ids) &&
               ok(b.role_defs_, b.role_undo_, b.mark_.role_ids);
    }
};

} // namespace ward::detail

#endif
// ---- end ward/detail/derive.hpp ----

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
// ---- end ward/writer.hpp ----

#endif
// ---- end ward/policy.hpp ----

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
// ---- end ward/live.hpp ----

#endif
// ---- end ward/ward.hpp ----
#endif // WARD_SINGLE_INCLUDE_WARD_HPP
