// SPDX-License-Identifier: MIT
/// \file ward/config.hpp
/// Configuration macros. Each may be defined before including ward; docs/configuration.md lists them.
#ifndef WARD_CONFIG_HPP
#define WARD_CONFIG_HPP

#include "version.hpp"

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
