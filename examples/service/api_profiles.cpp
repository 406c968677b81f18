// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning's membership profiles and identity providers (audience
// `provisioning`; insufficient permission answers 401).
//
// Membership profiles are guarded by the membership_profiles subject. A membership with a profile
// acts with the profile's access scope (commerce_layer's rule: the profile wins), so a write that
// attaches, detaches or changes a profile is bounded like a change of the memberships it reaches:
// the caller holds everything they give before and after. A profile in use is never deleted (409).
//
// Identity providers (an organization's single sign-on configuration) are not a subject of the
// vocabulary: they are part of the organization, read with organizations.read and written
// (created, updated, deleted) with organizations.update. Their client secret is write-only.
#include "app_impl.hpp"
#include "crypto.hpp"
#include "jsonapi.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ward_service {

namespace {

struct cl_identity_provider {
    std::string id, organization_id, name, issuer, client_id, client_secret, domains, created_at, updated_at;
};

cl_identity_provider read_identity_provider(const statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7), s.text(8)};
}

constexpr table<cl_identity_provider> identity_providers_table{
    "cl_identity_providers",
    "id, organization_id, name, issuer, client_id, client_secret, domains, created_at, updated_at",
    &read_identity_provider};

json profile_json(const cl_membership_profile& p) {
    return organization_resource("membership_profiles", p.id, p.organization_id,
                                 {{"name", p.name}, {"access_scope", p.access_scope}, {"created_at", p.created_at}});
}

/// Never the client secret.
json identity_provider_json(const cl_identity_provider& p) {
    return organization_resource("identity_providers", p.id, p.organization_id,
                                 {{"name", p.name},
                                  {"issuer", p.issuer},
                                  {"client_id", p.client_id},
                                  {"domains", json::parse(p.domains, nullptr, false)},
                                  {"created_at", p.created_at},
                                  {"updated_at", p.updated_at}});
}

// ---- input ----

bool is_lower_alnum(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }
bool is_alnum(char ch) { return is_lower_alnum(ch) || (ch >= 'A' && ch <= 'Z'); }
bool is_hex(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); }

/// A DNS host name: dot-separated labels of letters, digits and inner hyphens (1 to 63 bytes
/// each, 253 in all), at least two labels, the last not all digits (no IP addresses).
bool is_host_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t labels = 0, start = 0;
    bool last_all_digits = false;
    for (;;) {
        const std::size_t dot = s.find('.', start);
        const std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char ch) { return is_alnum(ch) || ch == '-'; })) return false;
        last_all_digits = std::all_of(label.begin(), label.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        ++labels;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return labels >= 2 && !last_all_digits;
}

/// An issuer as OpenID Connect has it: `https://host[:port][/path]`, no user info, query or
/// fragment; the path of RFC 3986 characters (percent escapes well formed).
bool is_issuer_url(std::string_view s) {
    constexpr std::string_view scheme = "https://";
    if (s.size() <= scheme.size() || s.substr(0, scheme.size()) != scheme) return false;
    const std::string_view rest = s.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    const std::size_t colon = authority.find(':');
    if (!is_host_name(authority.substr(0, colon))) return false;
    if (colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.front() == '0' ||
            !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
            std::stoul(std::string(port)) > 65535)
            return false;
    }
    constexpr std::string_view allowed = "-._~!$&'()*+,;=:@/";
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char ch = path[i];
        if (ch == '%') {
            if (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2])) return false;
            i += 2;
        } else if (!is_alnum(ch) && allowed.find(ch) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

/// Visible ASCII only (0x21 to 0x7e): ids and secrets that go into HTTP requests as they are.
bool is_visible_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

std::optional<std::string> issuer_field(const json& attrs, bool required) {
    auto v = string_field(attrs, "issuer", 9, 512, required);
    if (v && !is_issuer_url(*v))
        fail(400, "bad_url",
             "'issuer' must be an https URL with a host name and no user info, query or fragment: '" + printable(*v) +
                 "'");
    return v;
}

std::optional<std::string> token_field(const json& attrs, const char* name, std::size_t min, std::size_t max,
                                       bool required) {
    auto v = string_field(attrs, name, min, max, required);
    if (v && !is_visible_ascii(*v))
        fail(400, "bad_value", std::string("'") + name + "' must be visible ASCII characters (no spaces)");
    return v;
}

constexpr std::size_t max_domains = 20;

/// `domains`: an array of at most 20 distinct host names, lower-cased; stored as JSON text.
std::optional<std::string> domains_field(const json& attrs) {
    const auto it = attrs.find("domains");
    if (it == attrs.end()) return std::nullopt;
    if (!it->is_array()) fail(400, "wrong_type", "'domains' must be an array of domain names");
    if (it->size() > max_domains)
        fail(400, "too_many", "'domains' has more than " + std::to_string(max_domains) + " names");
    json out = json::array();
    for (const json& d : *it) {
        if (!d.is_string()) fail(400, "wrong_type", "'domains' must be an array of domain names");
        std::string name = d.get<std::string>();
        lower_ascii(name);
        if (!is_host_name(name)) fail(400, "bad_domain", "'" + printable(name) + "' is not a domain name");
        if (std::find(out.begin(), out.end(), json(name)) != out.end())
            fail(400, "duplicate_domain", "'" + printable(name) + "' is listed twice");
        out.push_back(std::move(name));
    }
    return dump(out);
}

std::string access_field(const json& attrs, bool required) {
    const auto a = string_field(attrs, "access_scope", 1, 8, required);
    if (a && !access_named(*a)) fail(400, "bad_value", "'access_scope' must be live, test or all");
    return a.value_or("");
}

// ---- reads shared by both kinds ----

/// One record kind of this file: its table, the words for it, the subject that guards it and its
/// JSON:API body.
template <class Row>
struct kind {
    const table<Row>& rows;
    const char* prefix; ///< the prefix of its ids
    const char* noun;   ///< "membership profile"
    const char* a_noun; ///< "a membership profile"
    subject on;
    json (*to_json)(const Row&);
};
const kind<cl_membership_profile> profiles{cl_membership_profiles_table, "mpf",
                                           "membership profile",         "a membership profile",
                                           subject::membership_profiles, profile_json};
const kind<cl_identity_provider> identity_providers{identity_providers_table, "idp",
                                                    "identity provider",      "an identity provider",
                                                    subject::organizations,   identity_provider_json};

/// GET of a collection: the records of the organizations where the caller holds `on`'s read.
template <class Row>
reply list_of(app::impl& self, call& c, const kind<Row>& k) {
    const auto keep = [&](const ward::snapshot<cl_perm>& s, const app::impl::cl_caller& who, const Row& r) {
        return self.cl_allowed(c, s, who, k.on, crud::read, r.organization_id);
    };
    return self.cl_collection(c, false, k.rows, keep, k.to_json);
}

/// Record `id`, found (or 404) and checked for `action` on the kind's subject (`doing` it: "reading").
template <class Row>
Row record_for(app::impl& self, call& c, const ward::snapshot<cl_perm>& s, const app::impl::cl_caller& who,
               const kind<Row>& k, const std::string& id, crud action, const char* doing) {
    return self.cl_found(c, s, who, k.rows, id, k.noun, k.on, action, doing + std::string(" ") + k.a_noun);
}

/// GET of one record: 404 unless it exists in one of the caller's organizations, then a read check.
template <class Row>
reply show_of(app::impl& self, call& c, const kind<Row>& k) {
    const std::string id = path_id(c, k.prefix, k.a_noun);
    const auto snap = self.provisioning.read();
    const app::impl::cl_caller who = self.cl_login(c, *snap);
    return {200, json{{"data", k.to_json(record_for(self, c, *snap, who, k, id, crud::read, "reading"))}}};
}

/// Whether another identity provider of `organization` than `except` claims one of `domains`.
bool domain_taken(store::transaction& t, const std::string& organization, const std::string& domains,
                  const std::string& except) {
    const json wanted = json::parse(domains, nullptr, false);
    auto s = t.prepare("SELECT domains FROM cl_identity_providers WHERE organization_id = ?1 AND id != ?2");
    s.bind_all(organization, except);
    while (s.step()) {
        const json held = json::parse(s.text(0), nullptr, false);
        if (!held.is_array()) continue;
        for (const json& d : wanted)
            if (std::find(held.begin(), held.end(), d) != held.end()) return true;
    }
    return false;
}

} // namespace

// ---- what memberships read of profiles ----

std::optional<cl_membership_profile> app::impl::find_profile(std::string_view id) {
    return find_row(cl_membership_profiles_table, id);
}

std::string app::impl::profile_of(std::string_view membership) {
    return db.read([&](const store::reader& r) {
        auto s = r.prepare("SELECT profile_id FROM cl_membership_profile_links WHERE membership_id = ?1");
        s.bind(1, membership);
        return s.step() ? s.text(0) : std::string();
    });
}

std::string app::impl::effective_access(const cl_membership& m) {
    const std::string profile = profile_of(m.id);
    if (profile.empty()) return m.access_scope;
    const auto p = find_profile(profile);
    return p ? p->access_scope : m.access_scope;
}

std::string app::impl::profile_access(std::string_view id, std::string_view organization) {
    const auto p = find_profile(id);
    if (!p || p->organization_id != organization)
        fail(422, "unknown_profile", "the membership profile is not one of this organization's profiles");
    return p->access_scope;
}

std::optional<std::string> app::impl::profile_relationship(const json& rels) {
    const auto it = rels.find("membership_profile");
    if (it == rels.end()) return std::nullopt;
    if (it->is_object() && it->size() == 1 && it->contains("data") && (*it)["data"].is_null()) return std::string();
    return relationship(rels, "membership_profile", "membership_profiles", "mpf", true);
}

// ---- /api/membership_profiles ----

reply app::impl::cl_profile_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "membership_profiles", {"name", "access_scope"}, {"organization"});
    const std::string name = *string_field(attrs, "name", 1, 100, true);
    const std::string access = access_field(attrs, true);
    const std::string organization = relationship(rels, "organization", "organizations", "org", true);
    const cl_writer w = cl_write_as(c);
    cl_may_create(c, *w.snap, w.who, subject::membership_profiles, organization, "creating a membership profile");
    const cl_membership_profile p{random_id("mpf"), organization, name, access, timestamp_now()};
    write(w, api_provisioning, [&](store::transaction& t) {
        t.exec(cl_membership_profiles_table.insert(), p.id, p.organization_id, p.name, p.access_scope, p.created_at);
    });
    return {201, json{{"data", profile_json(p)}}};
}

/// A new access scope reaches every membership of the profile at once: it needs memberships.update
/// too, the owner's consent when the owner's membership is one of them, and every permission those
/// memberships give before and after.
reply app::impl::cl_profile_update(call& c) {
    const std::string id = path_id(c, "mpf", "a membership profile");
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "membership_profiles", {"name", "access_scope"}, {});
    const auto name = string_field(attrs, "name", 1, 100, false);
    const std::string access = access_field(attrs, false);
    const cl_writer w = cl_write_as(c);
    auto p = record_for(*this, c, *w.snap, w.who, profiles, id, crud::update, "updating");
    if (!access.empty() && access != p.access_scope) {
        const std::vector<cl_membership> members = db.read([&](const store::reader& r) {
            std::vector<cl_membership> out;
            auto s = r.prepare(cl_memberships_table.select(
                "WHERE id IN (SELECT membership_id FROM cl_membership_profile_links WHERE profile_id = ?1) ORDER BY id"));
            for (s.bind(1, id); s.step();) out.push_back(cl_memberships_table.read(s));
            return out;
        });
        if (!members.empty()) {
            cl_require(c, *w.snap, w.who, subject::memberships, crud::update, p.organization_id,
                       "changing the access scope of a profile in use");
            cl_reach reach;
            for (const cl_membership& m : members) {
                if (m.owner && m.user_id != w.who.user_id)
                    throw http_error{cl_status(ward::reason::missing_permission),
                                     "owner_required",
                                     "the profile is the owner's membership's: only the owner changes its access scope",
                                     {}};
                reach = reach | cl_gives(*w.snap, m.role_id, p.access_scope) | cl_gives(*w.snap, m.role_id, access);
            }
            cl_may_confer(c, *w.snap, w.who, p.organization_id, reach, "this profile's access scope");
        }
    }
    write(w, api_provisioning, [&](store::transaction& t) {
        if (name) t.exec("UPDATE cl_membership_profiles SET name = ?2 WHERE id = ?1", id, *name);
        if (!access.empty()) t.exec("UPDATE cl_membership_profiles SET access_scope = ?2 WHERE id = ?1", id, access);
    });
    if (name) p.name = *name;
    if (!access.empty()) p.access_scope = access;
    return {200, json{{"data", profile_json(p)}}};
}

/// A profile in use is not deleted (409): detaching it would change its members' access, which
/// is a membership update, decided one membership at a time.
reply app::impl::cl_profile_delete(call& c) {
    const std::string id = path_id(c, "mpf", "a membership profile");
    const cl_writer w = cl_write_as(c);
    record_for(*this, c, *w.snap, w.who, profiles, id, crud::destroy, "deleting");
    write(w, api_provisioning, [&](store::transaction& t) {
        delete_unused(t, "cl_membership_profiles", id,
                      "SELECT count(*) FROM cl_membership_profile_links WHERE profile_id = ?1", "profile_in_use",
                      "memberships use this profile; detach it from them first");
    });
    return {204, nullptr};
}

// ---- /api/identity_providers ----

reply app::impl::cl_identity_provider_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "identity_providers",
                                        {"name", "issuer", "client_id", "client_secret", "domains"}, {"organization"});
    const std::string now = timestamp_now();
    cl_identity_provider p{random_id("idp"),
                           relationship(rels, "organization", "organizations", "org", true),
                           *string_field(attrs, "name", 1, 100, true),
                           *issuer_field(attrs, true),
                           *token_field(attrs, "client_id", 1, 255, true),
                           *token_field(attrs, "client_secret", 8, 512, true),
                           domains_field(attrs).value_or("[]"),
                           now,
                           now};
    const cl_writer w = cl_write_as(c);
    cl_visible(w.who, p.organization_id, find_organization(p.organization_id).has_value(), "organization");
    cl_require(c, *w.snap, w.who, subject::organizations, crud::update, p.organization_id,
               "creating an identity provider");
    write(w, 0u, [&](store::transaction& t) {
        if (domain_taken(t, p.organization_id, p.domains, p.id))
            fail(409, "domain_taken", "another identity provider of the organization claims one of these domains");
        t.exec(identity_providers_table.insert(), p.id, p.organization_id, p.name, p.issuer, p.client_id,
               p.client_secret, p.domains, p.created_at, p.updated_at);
    });
    return {201, json{{"data", identity_provider_json(p)}}};
}

reply app::impl::cl_identity_provider_update(call& c) {
    const std::string id = path_id(c, "idp", "an identity provider");
    const json body = parse_body(c);
    const auto [attrs, rels] =
        document(body, "identity_providers", {"name", "issuer", "client_id", "client_secret", "domains"}, {});
    const auto name = string_field(attrs, "name", 1, 100, false);
    const auto issuer = issuer_field(attrs, false);
    const auto client_id = token_field(attrs, "client_id", 1, 255, false);
    const auto client_secret = token_field(attrs, "client_secret", 8, 512, false);
    const auto domains = domains_field(attrs);
    const cl_writer w = cl_write_as(c);
    auto p = record_for(*this, c, *w.snap, w.who, identity_providers, id, crud::update, "updating");
    if (name || issuer || client_id || client_secret || domains) {
        p.name = name.value_or(p.name);
        p.issuer = issuer.value_or(p.issuer);
        p.client_id = client_id.value_or(p.client_id);
        p.client_secret = client_secret.value_or(p.client_secret);
        p.domains = domains.value_or(p.domains);
        p.updated_at = timestamp_now();
        write(w, 0u, [&](store::transaction& t) {
            if (domains && domain_taken(t, p.organization_id, p.domains, p.id))
                fail(409, "domain_taken", "another identity provider of the organization claims one of these domains");
            t.exec("UPDATE cl_identity_providers SET name = ?2, issuer = ?3, client_id = ?4, client_secret = ?5, "
                   "domains = ?6, updated_at = ?7 WHERE id = ?1",
                   id, p.name, p.issuer, p.client_id, p.client_secret, p.domains, p.updated_at);
        });
    }
    return {200, json{{"data", identity_provider_json(p)}}};
}

reply app::impl::cl_identity_provider_delete(call& c) {
    const std::string id = path_id(c, "idp", "an identity provider");
    const cl_writer w = cl_write_as(c);
    record_for(*this, c, *w.snap, w.who, identity_providers, id, crud::update, "deleting");
    write(w, 0u, [&](store::transaction& t) { t.exec("DELETE FROM cl_identity_providers WHERE id = ?1", id); });
    return {204, nullptr};
}

// ---- the list and show endpoints, shared by both kinds ----
reply app::impl::cl_profiles_list(call& c) { return list_of(*this, c, profiles); }
reply app::impl::cl_profile_get(call& c) { return show_of(*this, c, profiles); }
reply app::impl::cl_identity_providers_list(call& c) { return list_of(*this, c, identity_providers); }
reply app::impl::cl_identity_provider_get(call& c) { return show_of(*this, c, identity_providers); }

} // namespace ward_service
