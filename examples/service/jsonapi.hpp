// SPDX-License-Identifier: MIT
// JSON:API bodies of the Commerce Layer Provisioning API: the records it answers with and the
// documents it reads ({"data": {"type", "attributes", "relationships"}}).
#ifndef WARD_SERVICE_JSONAPI_HPP
#define WARD_SERVICE_JSONAPI_HPP

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ward_service {

struct call;

/// A record: {"id", "type", "attributes", "relationships"?}.
nlohmann::json resource(std::string_view type, std::string_view id, nlohmann::json attributes,
                        nlohmann::json relationships = nullptr);

/// A record of an organization: a resource whose relationships are its `organization` and `more`.
nlohmann::json organization_resource(std::string_view type, std::string_view id, std::string_view organization,
                                     nlohmann::json attributes, nlohmann::json more = nlohmann::json::object());

/// A relationship to one record: {"data": {"type", "id"}}.
nlohmann::json related(std::string_view type, std::string_view id);

/// The JSON:API document's `data` object: its `type` must be `type`, its attributes and
/// relationships among those named; returns (attributes, relationships). A 400 otherwise.
std::pair<nlohmann::json, nlohmann::json> document(const nlohmann::json& body, std::string_view type,
                                                   std::initializer_list<std::string_view> attributes,
                                                   std::initializer_list<std::string_view> relationships);

/// The id of relationship `name` (`{"data": {"type": ..., "id": ...}}`), a record id with
/// `prefix`; "" when absent and optional.
std::string relationship(const nlohmann::json& rels, const char* name, std::string_view type, std::string_view prefix,
                         bool required);

/// The record id of the request's path, with `prefix`; a 400 naming it `what` ("a role") otherwise.
std::string path_id(const call& c, std::string_view prefix, std::string_view what);

} // namespace ward_service

#endif
