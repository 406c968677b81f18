// SPDX-License-Identifier: MIT
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

#include "builder.hpp"
#include "explain.hpp"
#include "snapshot.hpp"
#include "writer.hpp"

#endif
