// SPDX-License-Identifier: MIT
/// \file ward/credential.hpp
/// ward::credential<P>: who asks and through what, resolved against one snapshot's handles.
/// Including it also gives the subjects (subject.hpp) and token claims (claims.hpp) a credential
/// is made from.
#ifndef WARD_CREDENTIAL_HPP
#define WARD_CREDENTIAL_HPP

#include "config.hpp"
#include "permission_set.hpp"
#include "scope.hpp"
#include "subject.hpp"

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
#include "claims.hpp"

#endif
