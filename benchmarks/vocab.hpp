// SPDX-License-Identifier: MIT
// Vocabularies of the benchmark suite: a 16 resource x 4 action product (64 permissions, the wire
// names are "read:users", ...) for the policy benchmarks, and generated vocabularies of 64, 256 and
// 1024 permissions named "p0".."p<N-1>" for the permission-set and compile-time benchmarks.
#ifndef WARD_BENCH_VOCAB_HPP
#define WARD_BENCH_VOCAB_HPP

#include "support/generated_names.hpp" // tests/: shared with the test vocabularies
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wb {

enum class resource : unsigned char {
    users,
    organization,
    api_keys,
    blueprints,
    deployments,
    orders,
    skus,
    markets,
    customers,
    prices,
    invoices,
    projects,
    secrets,
    webhooks,
    reports,
    audit_logs,
};
enum class action : unsigned char { read, create, update, remove };

inline constexpr std::size_t resource_count = 16;
inline constexpr std::size_t action_count = 4;

} // namespace wb

template <>
struct ward::permission_traits<wb::resource> {
    using r = wb::resource;
    static constexpr ward::permission_name<r> names[] = {
        {r::users, "users"},
        {r::organization, "organization"},
        {r::api_keys, "api_keys"},
        {r::blueprints, "blueprints"},
        {r::deployments, "deployments"},
        {r::orders, "orders"},
        {r::skus, "skus"},
        {r::markets, "markets"},
        {r::customers, "customers"},
        {r::prices, "prices"},
        {r::invoices, "invoices"},
        {r::projects, "projects"},
        {r::secrets, "secrets"},
        {r::webhooks, "webhooks"},
        {r::reports, "reports"},
        {r::audit_logs, "audit_logs"},
    };
};
template <>
struct ward::permission_traits<wb::action> {
    using a = wb::action;
    static constexpr ward::permission_name<a> names[] = {
        {a::read, "read"}, {a::create, "create"}, {a::update, "update"}, {a::remove, "delete"}};
};

namespace wb {

/// "read:users": 64 permissions.
using perm = ward::product<resource, action>;
using perms = ward::permission_set<perm>;

inline constexpr std::string_view resource_names[resource_count] = {
    "users",     "organization", "api_keys", "blueprints", "deployments", "orders",   "skus",    "markets",
    "customers", "prices",       "invoices", "projects",   "secrets",     "webhooks", "reports", "audit_logs"};
inline constexpr std::string_view action_names[action_count] = {"read", "create", "update", "delete"};

constexpr perm perm_at(std::size_t i) noexcept {
    return perm{static_cast<resource>(i / action_count), static_cast<action>(i % action_count)};
}

template <std::size_t N>
using generated_names = ward_testing::generated_names<N>;

enum class v64 : unsigned char {};
enum class v256 : unsigned short {};
enum class v1024 : unsigned short {};

} // namespace wb

template <>
struct ward::permission_traits<wb::v64> {
    static constexpr auto names = wb::generated_names<64>::entries<wb::v64>();
};
template <>
struct ward::permission_traits<wb::v256> {
    static constexpr auto names = wb::generated_names<256>::entries<wb::v256>();
};
template <>
struct ward::permission_traits<wb::v1024> {
    static constexpr auto names = wb::generated_names<1024>::entries<wb::v1024>();
};

#endif
