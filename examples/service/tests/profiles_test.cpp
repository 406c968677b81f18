// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning's membership profiles and identity providers over HTTP: [rules]
// (who may do what, escalation attempts, bad input leaving the database unchanged, another
// organization's records), [restart] (they survive a restart, and decisions follow them) and
// [store] (a database from before them gets their tables).
#include "checks.hpp"
#include "policies.hpp"
#include "store.hpp"

#include <string>
#include <vector>

using namespace ward_service_test;

namespace {

std::string provisioning(client& http, const std::string& email) {
    return login(http, email, seeded_password, "provisioning");
}

std::vector<std::string> listed(client& http, const std::string& path, const std::string& token) {
    const response r = http.get(path, token);
    REQUIRE_STATUS(r, 200);
    REQUIRE(r.json_body.contains("data"));
    REQUIRE(r.json_body["data"].is_array());
    return ids_of(r.json_body);
}

#define CHECK_CL_DENIED(answer) CHECK_ERROR((answer), 401, "missing_permission")

/// Provisioning tokens of the seeded users: John (Acme's owner), Bob (Acme, read only), Sally
/// (Acme's Order desk) and Kathryn (Globex, not in Acme).
struct people {
    std::string john, bob, sally, kathryn;
};

people signed_in(client& http) {
    return {provisioning(http, seeded::john_email), provisioning(http, seeded::bob_email),
            provisioning(http, seeded::sally_email), provisioning(http, seeded::kathryn_email)};
}

/// Reading Acme's `collection` (of `ids`, the first read one by one): John and Bob list them all;
/// Sally may not read them; to Kathryn they are another organization's (404), as is an id that
/// does not exist; `foreign_id`, another collection's id, is a bad id. Returns Bob's answer for
/// the first id.
response read_as_each(client& http, const people& as, const std::string& collection,
                      const std::vector<std::string>& ids, const std::string& foreign_id) {
    INFO("reading " << collection);
    const std::string path = "/api/" + collection, first = path + "/" + ids.at(0);
    for (const std::string* t : {&as.john, &as.bob}) {
        INFO((t == &as.john ? "john" : "bob"));
        CHECK(listed(http, path, *t) == sorted(ids));
    }
    CHECK(listed(http, path, as.sally).empty());
    CHECK_CL_DENIED(http.get(first, as.sally));
    CHECK(listed(http, path, as.kathryn).empty());
    CHECK_ERROR(http.get(first, as.kathryn), 404, "not_found");
    CHECK_ERROR(http.get(path + "/" + ids[0].substr(0, ids[0].find('_')) + "_nope", as.john), 404, "not_found");
    CHECK_ERROR(http.get(path + "/" + foreign_id, as.john), 400, "bad_id");
    const response one = http.get(first, as.bob);
    REQUIRE_STATUS(one, 200);
    CHECK(one.json_body["data"]["type"] == collection);
    return one;
}

json profile_document(const std::string& name, const std::string& access, const std::string& organization) {
    return document("membership_profiles", {{"name", name}, {"access_scope", access}},
                    {{"organization", "organizations", organization}});
}

/// A membership body with the `membership_profile` relationship: a profile's id, or detaching
/// (`{"data": null}`) when `profile` is empty.
json with_profile(json attributes, const std::string& profile) {
    json d = document("memberships", std::move(attributes));
    d["data"]["relationships"]["membership_profile"] =
        profile.empty() ? json{{"data", nullptr}} : json{{"data", {{"type", "membership_profiles"}, {"id", profile}}}};
    return d;
}

json membership_document(const std::string& email, const std::string& role, const std::string& access,
                         const std::string& profile = {}) {
    json d = document("memberships", {{"user_email", email}, {"access_scope", access}},
                      {{"organization", "organizations", "org_acme"}, {"role", "roles", role}});
    if (!profile.empty())
        d["data"]["relationships"]["membership_profile"] = {
            {"data", {{"type", "membership_profiles"}, {"id", profile}}}};
    return d;
}

json identity_provider(json attributes, const std::string& organization = "org_acme") {
    return document("identity_providers", std::move(attributes), {{"organization", "organizations", organization}});
}

json good_provider() {
    return {{"name", "Okta"},
            {"issuer", "https://acme.okta.example/oauth2/default"},
            {"client_id", "0oa1b2c3d4"},
            {"client_secret", "s3cr3t-value-0123"},
            {"domains", {"Acme.Example.org", "corp.acme.example"}}};
}

std::string profile_of(const std::string& db, const std::string& membership) {
    const auto rows =
        database(db).query("SELECT profile_id FROM cl_membership_profile_links WHERE membership_id = ?", {membership});
    return rows.empty() ? std::string() : rows[0][0];
}

constexpr const char* guion_email = "gbluford@provide.local";

} // namespace

TEST_CASE("provisioning: membership profiles", "[rules]") {
    fixture f;
    const auto [john, bob, sally, kathryn] = signed_in(f.http);

    SECTION("reading needs membership_profiles.read in the profile's organization") {
        // Sally's Order desk role has no membership_profiles row; another organization's profile,
        // and one that does not exist, are 404 alike.
        const response one = read_as_each(f.http, {john, bob, sally, kathryn}, "membership_profiles",
                                          {"mpf_acme_test_only", "mpf_acme_everything"}, "mem_acme_john");
        CHECK(one.json_body["data"]["attributes"]["name"] == "Test only");
        CHECK(one.json_body["data"]["attributes"]["access_scope"] == "test");
        CHECK(one.json_body["data"]["relationships"]["organization"]["data"]["id"] == "org_acme");
        // A membership shows its profile (none yet).
        const response m = f.http.get("/api/memberships/mem_acme_bob", john);
        REQUIRE_STATUS(m, 200);
        CHECK(m.json_body["data"]["relationships"]["membership_profile"]["data"].is_null());
    }
    SECTION("creating: membership_profiles.create; bad input changes nothing") {
        const auto stored = database(f.db).dump();
        CHECK_CL_DENIED(f.http.post("/api/membership_profiles", bob, profile_document("Bob's", "all", "org_acme")));
        CHECK_CL_DENIED(f.http.post("/api/membership_profiles", sally, profile_document("Sally's", "all", "org_acme")));
        CHECK_ERROR(f.http.post("/api/membership_profiles", kathryn, profile_document("K", "all", "org_acme")), 404,
                    "not_found");
        CHECK_ERROR(f.http.post("/api/membership_profiles", john, profile_document("", "all", "org_acme")), 400,
                    "bad_length");
        CHECK_ERROR(
            f.http.post("/api/membership_profiles", john, profile_document(std::string(101, 'x'), "all", "org_acme")),
            400, "bad_length");
        CHECK_ERROR(f.http.post("/api/membership_profiles", john, profile_document("P", "prod", "org_acme")), 400,
                    "bad_value");
        CHECK_ERROR(f.http.post("/api/membership_profiles", john,
                                document("membership_profiles", {{"name", "P"}},
                                         {{"organization", "organizations", "org_acme"}})),
                    400, "missing_field");
        CHECK_ERROR(f.http.post("/api/membership_profiles", john,
                                document("membership_profiles", {{"name", "P"}, {"access_scope", "all"}, {"x", 1}},
                                         {{"organization", "organizations", "org_acme"}})),
                    400, "unknown_field");
        CHECK_ERROR(f.http.post("/api/membership_profiles", john, profile_document("P", "all", "org_../x")), 400,
                    "bad_id");
        CHECK(database(f.db).dump() == stored);

        const response r =
            f.http.post("/api/membership_profiles", john, profile_document("Live desk", "live", "org_acme"));
        REQUIRE_STATUS(r, 201);
        const std::string id = r.json_body["data"]["id"].get<std::string>();
        CHECK(id.rfind("mpf_", 0) == 0);
        CHECK(r.json_body["data"]["attributes"]["access_scope"] == "live");
        CHECK(contains(listed(f.http, "/api/membership_profiles", bob), id));
        CHECK(listed(f.http, "/api/membership_profiles", kathryn).empty());
    }
    SECTION("updating and deleting: membership_profiles.update and .destroy; a profile in use is kept (409)") {
        const auto stored = database(f.db).dump();
        CHECK_CL_DENIED(f.http.patch("/api/membership_profiles/mpf_acme_test_only", bob,
                                     document("membership_profiles", {{"name", "Bob's"}})));
        CHECK_CL_DENIED(f.http.del("/api/membership_profiles/mpf_acme_test_only", bob));
        CHECK_ERROR(f.http.del("/api/membership_profiles/mpf_acme_test_only", kathryn), 404, "not_found");
        CHECK_ERROR(f.http.patch("/api/membership_profiles/mpf_acme_test_only", john,
                                 document("membership_profiles", {{"access_scope", "forever"}})),
                    400, "bad_value");
        CHECK_ERROR(f.http.patch("/api/membership_profiles/mpf_acme_test_only", john,
                                 document("membership_profiles", {{"name", 7}})),
                    400, "wrong_type");
        CHECK(database(f.db).dump() == stored);

        const response renamed = f.http.patch("/api/membership_profiles/mpf_acme_test_only", john,
                                              document("membership_profiles", {{"name", "Sandbox"}}));
        REQUIRE_STATUS(renamed, 200);
        CHECK(renamed.json_body["data"]["attributes"]["name"] == "Sandbox");
        CHECK(renamed.json_body["data"]["attributes"]["access_scope"] == "test");

        REQUIRE_STATUS(
            f.http.patch("/api/memberships/mem_acme_bob", john, with_profile(json::object(), "mpf_acme_test_only")),
            200);
        CHECK_ERROR(f.http.del("/api/membership_profiles/mpf_acme_test_only", john), 409, "profile_in_use");
        CHECK(profile_of(f.db, "mem_acme_bob") == "mpf_acme_test_only");
        const response detached = f.http.patch("/api/memberships/mem_acme_bob", john, with_profile(json::object(), ""));
        REQUIRE_STATUS(detached, 200);
        CHECK(detached.json_body["data"]["relationships"]["membership_profile"]["data"].is_null());
        CHECK_STATUS(f.http.del("/api/membership_profiles/mpf_acme_test_only", john), 204);
        CHECK_ERROR(f.http.get("/api/membership_profiles/mpf_acme_test_only", john), 404, "not_found");
        // A membership's link goes with the membership: once Bob leaves, his profile is free.
        REQUIRE_STATUS(
            f.http.patch("/api/memberships/mem_acme_bob", john, with_profile(json::object(), "mpf_acme_everything")),
            200);
        CHECK_ERROR(f.http.del("/api/membership_profiles/mpf_acme_everything", john), 409, "profile_in_use");
        CHECK_STATUS(f.http.del("/api/memberships/mem_acme_bob", bob), 204);
        CHECK(profile_of(f.db, "mem_acme_bob").empty());
        CHECK_STATUS(f.http.del("/api/membership_profiles/mpf_acme_everything", john), 204);
    }
    SECTION("the profile's access scope wins over the membership's, and a change reaches its members at once") {
        // Kathryn joins Acme as an admin, access scope all, with the test-only profile: she acts
        // in test only, so she cannot give anyone live access.
        const response joined =
            f.http.post("/api/memberships", john,
                        membership_document(seeded::kathryn_email, "role_acme_admin", "all", "mpf_acme_test_only"));
        REQUIRE_STATUS(joined, 201);
        const std::string membership = joined.json_body["data"]["id"].get<std::string>();
        CHECK(joined.json_body["data"]["attributes"]["access_scope"] == "all");
        CHECK(joined.json_body["data"]["relationships"]["membership_profile"]["data"]["id"] == "mpf_acme_test_only");
        const auto stored = database(f.db).dump();
        CHECK_ERROR(
            f.http.post("/api/memberships", kathryn, membership_document(guion_email, "role_acme_read_only", "all")),
            401, "beyond_own_permissions");
        CHECK(database(f.db).dump() == stored);

        // The profile goes to all: Kathryn's access follows with the next request.
        REQUIRE_STATUS(f.http.patch("/api/membership_profiles/mpf_acme_test_only", john,
                                    document("membership_profiles", {{"access_scope", "all"}})),
                       200);
        const response added =
            f.http.post("/api/memberships", kathryn, membership_document(guion_email, "role_acme_read_only", "all"));
        REQUIRE_STATUS(added, 201);
        // Back to test: refused again.
        REQUIRE_STATUS(f.http.patch("/api/membership_profiles/mpf_acme_test_only", john,
                                    document("membership_profiles", {{"access_scope", "test"}})),
                       200);
        CHECK_ERROR(f.http.patch("/api/memberships/" + added.json_body["data"]["id"].get<std::string>(), kathryn,
                                 document("memberships", {{"access_scope", "live"}})),
                    401, "beyond_own_permissions");
        // Detached, her membership's own access scope (all) counts again.
        REQUIRE_STATUS(f.http.patch("/api/memberships/" + membership, john, with_profile(json::object(), "")), 200);
        CHECK_STATUS(f.http.patch("/api/memberships/" + added.json_body["data"]["id"].get<std::string>(), kathryn,
                                  document("memberships", {{"access_scope", "live"}})),
                     200);
        // 422: a profile of no organization of the membership's.
        const response globex =
            f.http.post("/api/membership_profiles", kathryn, profile_document("Globex", "all", "org_globex"));
        REQUIRE_STATUS(globex, 201);
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.patch("/api/memberships/mem_acme_bob", john,
                                 with_profile(json::object(), globex.json_body["data"]["id"].get<std::string>())),
                    422, "unknown_profile");
        CHECK_ERROR(f.http.patch("/api/memberships/mem_acme_bob", john, with_profile(json::object(), "mpf_nope")), 422,
                    "unknown_profile");
        CHECK_ERROR(
            f.http.patch("/api/memberships/mem_acme_bob", john, with_profile(json::object(), "role_acme_admin")), 400,
            "bad_id");
        CHECK(database(f.db).dump() == before);
    }
    SECTION("escalation: a profile never widens what the caller could not give themselves") {
        const auto stored = database(f.db).dump();
        // Sally (Order desk, live) cannot update memberships: not even her own, to widen it.
        CHECK_CL_DENIED(f.http.patch("/api/memberships/mem_acme_sally", sally,
                                     with_profile(json::object(), "mpf_acme_everything")));
        CHECK(database(f.db).dump() == stored);
        // With memberships.update from her role, she still holds orders in live only: a profile
        // giving her role in test too is beyond her, and so is moving her to test.
        REQUIRE_STATUS(f.http.post("/api/permissions", john,
                                   document("permissions",
                                            {{"subject_class", "memberships"},
                                             {"can_create", false},
                                             {"can_read", true},
                                             {"can_update", true},
                                             {"can_destroy", false}},
                                            {{"role", "roles", "role_acme_orders"}})),
                       201);
        const auto granted = database(f.db).dump();
        CHECK_ERROR(
            f.http.patch("/api/memberships/mem_acme_sally", sally, with_profile(json::object(), "mpf_acme_everything")),
            401, "beyond_own_permissions");
        CHECK_ERROR(
            f.http.patch("/api/memberships/mem_acme_sally", sally, with_profile(json::object(), "mpf_acme_test_only")),
            401, "beyond_own_permissions");
        // Nor does she change a profile's access scope: that needs membership_profiles.update.
        CHECK_CL_DENIED(f.http.patch("/api/membership_profiles/mpf_acme_test_only", sally,
                                     document("membership_profiles", {{"access_scope", "all"}})));
        CHECK(database(f.db).dump() == granted);

        // The owner's membership is the owner's alone: an admin neither changes the access scope of
        // a profile the owner uses nor detaches it.
        REQUIRE_STATUS(
            f.http.patch("/api/memberships/mem_acme_john", john, with_profile(json::object(), "mpf_acme_everything")),
            200);
        REQUIRE_STATUS(f.http.patch("/api/memberships/mem_acme_bob", john,
                                    document("memberships", json::object(), {{"role", "roles", "role_acme_admin"}})),
                       200);
        const auto owned = database(f.db).dump();
        CHECK_ERROR(f.http.patch("/api/membership_profiles/mpf_acme_everything", bob,
                                 document("membership_profiles", {{"access_scope", "test"}})),
                    401, "owner_required");
        CHECK_ERROR(f.http.patch("/api/memberships/mem_acme_john", bob, with_profile(json::object(), "")), 401,
                    "owner_required");
        CHECK(database(f.db).dump() == owned);
        // Renaming changes nobody's access.
        CHECK_STATUS(f.http.patch("/api/membership_profiles/mpf_acme_everything", bob,
                                  document("membership_profiles", {{"name", "All of it"}})),
                     200);
    }
}

TEST_CASE("provisioning: identity providers", "[rules]") {
    fixture f;
    const auto [john, bob, sally, kathryn] = signed_in(f.http);

    SECTION("reading needs organizations.read; the client secret is never answered") {
        const response one =
            read_as_each(f.http, {john, bob, sally, kathryn}, "identity_providers", {"idp_acme_sso"}, "org_acme");
        const json& a = one.json_body["data"]["attributes"];
        CHECK(a["name"] == "Acme SSO");
        CHECK(a["issuer"] == "https://login.acme.example/");
        CHECK(a["client_id"] == "acme-provisioning");
        CHECK(a["domains"] == json::array({"acme.example"}));
        CHECK_FALSE(a.contains("client_secret"));
        CHECK(one.body.find("seeded-client-secret") == std::string::npos);
    }
    SECTION("creating: organizations.update; strict input; bad input changes nothing") {
        const auto stored = database(f.db).dump();
        CHECK_CL_DENIED(f.http.post("/api/identity_providers", bob, identity_provider(good_provider())));
        CHECK_CL_DENIED(f.http.post("/api/identity_providers", sally, identity_provider(good_provider())));
        CHECK_ERROR(f.http.post("/api/identity_providers", kathryn, identity_provider(good_provider())), 404,
                    "not_found");
        struct bad {
            const char* field;
            json value;
            const char* code;
        };
        const bad cases[] = {
            {"issuer", "http://acme.okta.example/", "bad_url"},
            {"issuer", "https://user@acme.okta.example/", "bad_url"},
            {"issuer", "https://acme.okta.example/?x=1", "bad_url"},
            {"issuer", "https://acme.okta.example/#x", "bad_url"},
            {"issuer", "https://127.0.0.1/", "bad_url"},
            {"issuer", "https://-acme.example/", "bad_url"},
            {"issuer", "https://acme.example:0/", "bad_url"},
            {"issuer", "https://acme.example:65536/", "bad_url"},
            {"issuer", "https://acme.example/a b", "bad_url"},
            {"issuer", "https://acme.example/%zz", "bad_url"},
            {"issuer", "javascript:alert(1)//", "bad_url"},
            {"issuer", "https://" + std::string(600, 'a') + ".example/", "bad_length"},
            {"issuer", 42, "wrong_type"},
            {"client_id", "", "bad_length"},
            {"client_id", "has space", "bad_value"},
            {"client_secret", "short", "bad_length"},
            {"client_secret", "tab\tinside-secret", "bad_value"},
            {"client_secret", std::string(513, 's'), "bad_length"},
            {"name", std::string(101, 'n'), "bad_length"},
            {"domains", "acme.example", "wrong_type"},
            {"domains", json::array({"acme"}), "bad_domain"},
            {"domains", json::array({"acme..example"}), "bad_domain"},
            {"domains", json::array({"acme.example", "ACME.example"}), "duplicate_domain"},
            {"domains", json::array({1}), "wrong_type"},
            {"unknown", "x", "unknown_field"},
        };
        for (const bad& b : cases) {
            json attrs = good_provider();
            attrs[b.field] = b.value;
            INFO(b.field << " = " << b.value.dump());
            CHECK_ERROR(f.http.post("/api/identity_providers", john, identity_provider(attrs)), 400, b.code);
        }
        json many = good_provider();
        many["domains"] = json::array();
        for (int i = 0; i < 21; ++i) many["domains"].push_back("d" + std::to_string(i) + ".example");
        CHECK_ERROR(f.http.post("/api/identity_providers", john, identity_provider(many)), 400, "too_many");
        json missing = good_provider();
        missing.erase("client_secret");
        CHECK_ERROR(f.http.post("/api/identity_providers", john, identity_provider(missing)), 400, "missing_field");
        json claimed = good_provider();
        claimed["domains"] = json::array({"acme.example"});
        CHECK_ERROR(f.http.post("/api/identity_providers", john, identity_provider(claimed)), 409, "domain_taken");
        CHECK(database(f.db).dump() == stored);

        const response r = f.http.post("/api/identity_providers", john, identity_provider(good_provider()));
        REQUIRE_STATUS(r, 201);
        const std::string id = r.json_body["data"]["id"].get<std::string>();
        CHECK(id.rfind("idp_", 0) == 0);
        CHECK(r.json_body["data"]["attributes"]["domains"] == json::array({"acme.example.org", "corp.acme.example"}));
        CHECK_FALSE(r.json_body["data"]["attributes"].contains("client_secret"));
        CHECK(r.body.find("s3cr3t-value-0123") == std::string::npos);
        CHECK(database(f.db).query("SELECT client_secret FROM cl_identity_providers WHERE id = ?", {id}) ==
              std::vector<std::vector<std::string>>{{"s3cr3t-value-0123"}});
        CHECK(listed(f.http, "/api/identity_providers", bob) == sorted({"idp_acme_sso", id}));
        // An organization's providers are its own: Globex may claim the same domains.
        CHECK_STATUS(f.http.post("/api/identity_providers", kathryn, identity_provider(good_provider(), "org_globex")),
                     201);
    }
    SECTION("updating and deleting: organizations.update") {
        const auto stored = database(f.db).dump();
        CHECK_CL_DENIED(f.http.patch("/api/identity_providers/idp_acme_sso", bob,
                                     document("identity_providers", {{"name", "Bob's"}})));
        CHECK_CL_DENIED(f.http.del("/api/identity_providers/idp_acme_sso", bob));
        CHECK_ERROR(f.http.patch("/api/identity_providers/idp_acme_sso", kathryn,
                                 document("identity_providers", {{"name", "K"}})),
                    404, "not_found");
        CHECK_ERROR(f.http.del("/api/identity_providers/idp_acme_sso", kathryn), 404, "not_found");
        CHECK_ERROR(f.http.patch("/api/identity_providers/idp_acme_sso", john,
                                 document("identity_providers", {{"issuer", "http://login.acme.example/"}})),
                    400, "bad_url");
        CHECK(database(f.db).dump() == stored);

        const response r =
            f.http.patch("/api/identity_providers/idp_acme_sso", john,
                         document("identity_providers", {{"client_secret", "rotated-secret-42"},
                                                         {"domains", {"acme.example", "shop.acme.example"}}}));
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["data"]["attributes"]["name"] == "Acme SSO");
        CHECK(r.json_body["data"]["attributes"]["domains"] == json::array({"acme.example", "shop.acme.example"}));
        CHECK_FALSE(r.json_body["data"]["attributes"].contains("client_secret"));
        CHECK(database(f.db).query("SELECT client_secret FROM cl_identity_providers WHERE id = 'idp_acme_sso'") ==
              std::vector<std::vector<std::string>>{{"rotated-secret-42"}});

        CHECK_STATUS(f.http.del("/api/identity_providers/idp_acme_sso", john), 204);
        CHECK_ERROR(f.http.get("/api/identity_providers/idp_acme_sso", john), 404, "not_found");
        CHECK(listed(f.http, "/api/identity_providers", john).empty());
    }
}

TEST_CASE("membership profiles and identity providers survive a restart, and decisions follow them", "[restart]") {
    temp_dir dir;
    test_database data(dir);
    const std::string db = data.location();
    std::string provider, membership;
    {
        service_process server(db);
        client http(server.port());
        const std::string john = provisioning(http, seeded::john_email);
        const response p = http.post("/api/identity_providers", john, identity_provider(good_provider()));
        REQUIRE_STATUS(p, 201);
        provider = p.json_body["data"]["id"].get<std::string>();
        const response m =
            http.post("/api/memberships", john,
                      membership_document(seeded::kathryn_email, "role_acme_admin", "all", "mpf_acme_test_only"));
        REQUIRE_STATUS(m, 201);
        membership = m.json_body["data"]["id"].get<std::string>();
    }
    service_process server(db);
    client http(server.port());
    const std::string john = provisioning(http, seeded::john_email),
                      kathryn = provisioning(http, seeded::kathryn_email);
    const response p = http.get("/api/identity_providers/" + provider, john);
    REQUIRE_STATUS(p, 200);
    CHECK(p.json_body["data"]["attributes"]["client_id"] == "0oa1b2c3d4");
    const response m = http.get("/api/memberships/" + membership, kathryn);
    REQUIRE_STATUS(m, 200);
    CHECK(m.json_body["data"]["relationships"]["membership_profile"]["data"]["id"] == "mpf_acme_test_only");
    // The restarted service still confines Kathryn to test through the profile.
    CHECK_ERROR(http.post("/api/memberships", kathryn, membership_document(guion_email, "role_acme_read_only", "all")),
                401, "beyond_own_permissions");
    CHECK_STATUS(
        http.post("/api/memberships", kathryn, membership_document(guion_email, "role_acme_read_only", "test")), 201);
}

TEST_CASE("a database from before membership profiles and identity providers gets their tables", "[store]") {
    temp_dir dir;
    const std::string path = dir.file("ward.db");
    { ward_service::store s(path, 1000); }
    const ward_service::provisioning_rows rows = provisioning_without<ward_service::store>(
        path, {"cl_membership_profile_links", "cl_membership_profiles", "cl_identity_providers"});
    CHECK(rows.profiles.empty());
    CHECK(rows.profile_links.empty());
    CHECK(database(path).query("SELECT count(*) FROM cl_identity_providers") ==
          std::vector<std::vector<std::string>>{{"0"}});
}
