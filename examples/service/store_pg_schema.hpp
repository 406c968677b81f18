// SPDX-License-Identifier: MIT
// The PostgreSQL store's schema: the SQLite store's tables in their final form (after every
// upgrade: same names, same columns in the same order, same constraints), with PostgreSQL's types,
// and its triggers (the versions of the Provisioning records and the policy changes) in PL/pgSQL,
// made from the same descriptors (store_schema.hpp). Compiled only when libpq is found.
#ifndef WARD_SERVICE_STORE_PG_SCHEMA_HPP
#define WARD_SERVICE_STORE_PG_SCHEMA_HPP

#include <cstdint>
#include <string>

namespace ward_service {

/// The transaction-level advisory lock pg_schema_sql() takes first (pg_advisory_xact_lock), so
/// that services applying it at once apply it one after the other. Advisory locks stack in one
/// session: a store may take it itself before looking at the database (is it new?) and then run
/// the schema in the same transaction.
inline constexpr std::int64_t pg_schema_lock_key = 0x7761726473636865; // "wardsche"

/// The schema as one script of statements separated by semicolons, to run in one transaction (or
/// as one PQexec, which is one implicit transaction): idempotent, so every service runs it at each
/// start. It creates the tables, indexes and settings (the three policy versions, 1, and
/// policy_changes_pruned, 0) that are missing, leaves existing rows as they are (the change log
/// too), and makes the trigger functions and triggers again (the current definitions win). It
/// removes an actor left committed (none normally: the store removes it before each commit).
/// Throws std::logic_error when the descriptors of store_schema.hpp name a column the schema does
/// not have.
std::string pg_schema_sql();

} // namespace ward_service

#endif
