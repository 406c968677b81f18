// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_AUTHENTICATE_HPP
#define WARD_DETAIL_AUTHENTICATE_HPP

// snapshot::authenticate's body: verified token claims to a credential, failing closed.

#include "../claims.hpp"
#include "../config.hpp"
#include "../credential.hpp"
#include "../error.hpp"
#include "../parse.hpp"
#include "../permission_set.hpp"
#include "../scope.hpp"
#include "../subject.hpp"
#include "../vocabulary.hpp"
#include "chars.hpp"
#include "split.hpp"

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
