// SPDX-License-Identifier: MIT
#include "jsonapi.hpp"

#include "http.hpp"
#include "validate.hpp"

namespace ward_service {

json resource(std::string_view type, std::string_view id, json attributes, json relationships) {
    json r{{"id", id}, {"type", type}, {"attributes", std::move(attributes)}};
    if (!relationships.is_null()) r["relationships"] = std::move(relationships);
    return r;
}

json related(std::string_view type, std::string_view id) { return json{{"data", {{"type", type}, {"id", id}}}}; }

json organization_resource(std::string_view type, std::string_view id, std::string_view organization, json attributes,
                           json more) {
    more["organization"] = related("organizations", organization);
    return resource(type, id, std::move(attributes), std::move(more));
}

std::pair<json, json> document(const json& body, std::string_view type,
                               std::initializer_list<std::string_view> attributes,
                               std::initializer_list<std::string_view> relationships) {
    allow_only(body, {"data"});
    const auto data = body.find("data");
    if (data == body.end() || !data->is_object()) fail(400, "missing_field", "'data' must be an object");
    allow_only(*data, {"type", "id", "attributes", "relationships"}, "data");
    const auto t = data->find("type");
    if (t == data->end() || !t->is_string() || t->get<std::string>() != type)
        fail(400, "wrong_type", "'data.type' must be \"" + std::string(type) + "\"");
    json attrs = json::object(), rels = json::object();
    if (const auto a = data->find("attributes"); a != data->end()) {
        if (!a->is_object()) fail(400, "wrong_type", "'data.attributes' must be an object");
        allow_only(*a, attributes, "data.attributes");
        attrs = *a;
    }
    if (const auto r = data->find("relationships"); r != data->end()) {
        if (!r->is_object()) fail(400, "wrong_type", "'data.relationships' must be an object");
        allow_only(*r, relationships, "data.relationships");
        rels = *r;
    }
    return {std::move(attrs), std::move(rels)};
}

std::string relationship(const json& rels, const char* name, std::string_view type, std::string_view prefix,
                         bool required) {
    const auto it = rels.find(name);
    if (it == rels.end()) {
        if (required) fail(400, "missing_field", std::string("the '") + name + "' relationship is required");
        return {};
    }
    if (!it->is_object() || !it->contains("data") || !(*it)["data"].is_object())
        fail(400, "wrong_type", std::string("the '") + name + "' relationship must be {\"data\": {\"type\", \"id\"}}");
    const json& d = (*it)["data"];
    allow_only(d, {"type", "id"}, name);
    if (!d.contains("type") || !d["type"].is_string() || d["type"].get<std::string>() != type)
        fail(400, "wrong_type",
             std::string("the '") + name + "' relationship's type must be \"" + std::string(type) + "\"");
    if (!d.contains("id") || !d["id"].is_string())
        fail(400, "wrong_type", std::string("the '") + name + "' relationship needs an id");
    std::string id = d["id"].get<std::string>();
    if (!is_record_id(id, prefix)) fail(400, "bad_id", "'" + printable(id) + "' is not a " + std::string(type) + " id");
    return id;
}

std::string path_id(const call& c, std::string_view prefix, std::string_view what) {
    const std::string id = path_param(c);
    if (!is_record_id(id, prefix)) fail(400, "bad_id", "'" + printable(id) + "' is not " + std::string(what) + " id");
    return id;
}

} // namespace ward_service
