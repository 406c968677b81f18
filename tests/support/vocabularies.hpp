// SPDX-License-Identifier: MIT
// Vocabularies shared by the tests: provide ident's sparse uint32 mask, an Auth0-style product,
// Commerce Layer's subject x CRUD product, and generated vocabularies of 8, 64, 200 and 1024 bits.
#ifndef WARD_TESTS_VOCABULARIES_HPP
#define WARD_TESTS_VOCABULARIES_HPP

#include "support/generated_names.hpp"
#include <ward/parse.hpp>
#include <ward/permission_set.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wt {

// ---- provide ident (DOMAIN.md section 1): bits 0-13, 20-26, 29 --------------------------------------
enum class ident : std::uint32_t {
    authenticate = 0,
    read_resources = 1,
    create_resource = 2,
    update_resource = 3,
    delete_resource = 4,
    grant_resource_authorization = 5,
    revoke_resource_authorization = 6,
    publish = 7,
    subscribe = 8,
    reserved = 9,
    list_applications = 10,
    create_application = 11,
    update_application = 12,
    delete_application = 13,
    list_users = 20,
    create_user = 21,
    update_user = 22,
    delete_user = 23,
    list_tokens = 24,
    create_token = 25,
    delete_token = 26,
    sudo = 29,
};

} // namespace wt

template <>
struct ward::permission_traits<wt::ident> {
    using p = wt::ident;
    static constexpr ward::permission_name<p> names[] = {
        {p::authenticate, "authenticate"},
        {p::read_resources, "read_resources"},
        {p::create_resource, "create_resource"},
        {p::update_resource, "update_resource"},
        {p::delete_resource, "delete_resource"},
        {p::grant_resource_authorization, "grant_resource_authorization"},
        {p::revoke_resource_authorization, "revoke_resource_authorization"},
        {p::publish, "publish"},
        {p::subscribe, "subscribe"},
        {p::reserved, "reserved"},
        {p::list_applications, "list_applications"},
        {p::create_application, "create_application"},
        {p::update_application, "update_application"},
        {p::delete_application, "delete_application"},
        {p::list_users, "list_users"},
        {p::create_user, "create_user"},
        {p::update_user, "update_user"},
        {p::delete_user, "delete_user"},
        {p::list_tokens, "list_tokens"},
        {p::create_token, "create_token"},
        {p::delete_token, "delete_token"},
        {p::sudo, "sudo"},
    };
    // Sudo stands in for every privileged flag.
    static constexpr ward::implication<p> implications[] = {
        {p::sudo, p::list_applications},  {p::sudo, p::create_application}, {p::sudo, p::update_application},
        {p::sudo, p::delete_application}, {p::sudo, p::list_users},         {p::sudo, p::create_user},
        {p::sudo, p::update_user},        {p::sudo, p::delete_user},        {p::sudo, p::list_tokens},
        {p::sudo, p::create_token},       {p::sudo, p::delete_token},
    };
    using wire_type = std::uint32_t;
};

namespace wt {

// ---- Auth0 style action:resource ------------------------------------------------------------------
enum class bb_resource : unsigned char { users, organization, organization_api_key, blueprints, deployments };
enum class bb_action : unsigned char { read, create, update, remove };

} // namespace wt

template <>
struct ward::permission_traits<wt::bb_resource> {
    using r = wt::bb_resource;
    static constexpr ward::permission_name<r> names[] = {{r::users, "users"},
                                                         {r::organization, "organization"},
                                                         {r::organization_api_key, "organization_api_key"},
                                                         {r::blueprints, "blueprints"},
                                                         {r::deployments, "deployments"}};
};
template <>
struct ward::permission_traits<wt::bb_action> {
    using a = wt::bb_action;
    static constexpr ward::permission_name<a> names[] = {
        {a::read, "read"}, {a::create, "create"}, {a::update, "update"}, {a::remove, "delete"}};
};

namespace wt {
using bb = ward::product<bb_resource, bb_action>; // "read:users"
inline constexpr bb read_users{bb_resource::users, bb_action::read};
inline constexpr bb update_users{bb_resource::users, bb_action::update};
inline constexpr bb delete_deployments{bb_resource::deployments, bb_action::remove};

// ---- Commerce Layer subject x CRUD, "orders.read", update implies read ------------------------------
enum class cl_subject : unsigned char { orders, skus, markets, customers, prices };
enum class crud : unsigned char { create, read, update, destroy };

} // namespace wt

template <>
struct ward::permission_traits<wt::cl_subject> {
    using s = wt::cl_subject;
    static constexpr ward::permission_name<s> names[] = {{s::orders, "orders"},
                                                         {s::skus, "skus"},
                                                         {s::markets, "markets"},
                                                         {s::customers, "customers"},
                                                         {s::prices, "prices"}};
};
template <>
struct ward::permission_traits<wt::crud> {
    using c = wt::crud;
    static constexpr ward::permission_name<c> names[] = {
        {c::create, "create"}, {c::read, "read"}, {c::update, "update"}, {c::destroy, "destroy"}};
    static constexpr ward::implication<c> implications[] = {{c::update, c::read}, {c::destroy, c::read}};
};

namespace wt {
using cl = ward::product<cl_subject, crud, ward::name_order::resource_action, '.'>;

template <std::size_t N>
using generated_names = ward_testing::generated_names<N>;

enum class v8 : unsigned char {};
enum class v64 : unsigned char {};
enum class v200 : unsigned short {};
enum class v1024 : unsigned short {};

} // namespace wt

template <>
struct ward::permission_traits<wt::v8> {
    static constexpr auto names = wt::generated_names<8>::entries<wt::v8>();
    using wire_type = std::uint8_t;
};
template <>
struct ward::permission_traits<wt::v64> {
    static constexpr auto names = wt::generated_names<64>::entries<wt::v64>();
};
template <>
struct ward::permission_traits<wt::v200> {
    static constexpr auto names = wt::generated_names<200>::entries<wt::v200>();
    static constexpr ward::implication<wt::v200> implications[] = {
        {wt::v200{199}, wt::v200{0}}, {wt::v200{0}, wt::v200{130}}, {wt::v200{130}, wt::v200{199}}};
};
template <>
struct ward::permission_traits<wt::v1024> {
    static constexpr auto names = wt::generated_names<1024>::entries<wt::v1024>();
};

#endif
