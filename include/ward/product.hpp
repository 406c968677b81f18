// SPDX-License-Identifier: MIT
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
