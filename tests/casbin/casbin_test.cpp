// SPDX-License-Identifier: MIT
// The headers tools/casbin2ward.py generates from the casbin models in tests/casbin/ answer every
// request as casbin does: each model's documented requests and every combination of its subjects,
// domains, objects and actions (plus names the policy does not know), whose answers reference.py
// computed from casbin's semantics (CMake generates both at build time).
#include "casbin_acl.hpp"
#include "casbin_domains_with_deny.hpp"
#include "casbin_macro_names.hpp"
#include "casbin_rbac.hpp"
#include "casbin_rbac_hierarchy.hpp"
#include "casbin_rbac_with_deny.hpp"
#include "casbin_rbac_with_domains.hpp"
#include "casbin_request_names.hpp"
#include "casbin_request_names_domains.hpp"

#if WARD_CATCH_MAJOR >= 3
#include <catch2/catch_test_macros.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#ifndef WARD_CASBIN_REQUESTS_DIR
#error "WARD_CASBIN_REQUESTS_DIR names the directory of the generated .requests files"
#endif

namespace {

struct request {
    std::vector<std::string> fields; ///< sub, [dom,] obj, act
    bool expected = false;
    std::string line;
};

std::vector<request> read_requests(const std::string& model) {
    std::vector<request> out;
    std::ifstream in(std::string(WARD_CASBIN_REQUESTS_DIR) + "/" + model + ".requests");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        request r;
        r.line = line;
        std::size_t start = 0;
        for (;;) {
            const std::size_t comma = line.find(", ", start);
            r.fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos) break;
            start = comma + 2;
        }
        r.expected = r.fields.back() == "true";
        r.fields.pop_back();
        out.push_back(r);
    }
    return out;
}

template <class P, class AddRows>
std::shared_ptr<const ward::snapshot<P>> build(AddRows add_rows) {
    ward::policy_builder<P> b;
    add_rows(b);
    const auto built = b.build();
    INFO(built.error.message());
    REQUIRE(built);
    return built.value;
}

// Checks every request of `model` with `enforce`; returns how many were checked.
template <class Enforce>
std::size_t check_all(const std::string& model, std::size_t width, Enforce enforce) {
    const auto requests = read_requests(model);
    REQUIRE(requests.size() > 8);
    std::size_t allowed = 0;
    for (const auto& r : requests) {
        INFO(model << ": " << r.line);
        REQUIRE(r.fields.size() == width);
        CHECK(enforce(r.fields) == r.expected);
        allowed += r.expected ? 1 : 0;
    }
    CHECK(allowed > 0);
    CHECK(allowed < requests.size());
    return requests.size();
}

} // namespace

TEST_CASE("casbin ACL model (basic_model.conf): every request as casbin answers it") {
    const auto policy = build<casbin_acl::perm>(casbin_acl::add_rows);
    check_all("acl", 3,
              [&](const std::vector<std::string>& f) { return casbin_acl::enforce(*policy, f[0], f[1], f[2]); });
}

TEST_CASE("casbin RBAC model (rbac_model.conf): every request as casbin answers it") {
    const auto policy = build<casbin_rbac::perm>(casbin_rbac::add_rows);
    check_all("rbac", 3,
              [&](const std::vector<std::string>& f) { return casbin_rbac::enforce(*policy, f[0], f[1], f[2]); });
    // The role is a role, and its name a principal bound to it (casbin lets a role be a subject).
    CHECK(policy->role_permissions("data2_admin").value ==
          ward::permissions<casbin_rbac::perm>("data2:read data2:write"));
    CHECK(casbin_rbac::enforce(*policy, "data2_admin", "data2", "write"));
}

TEST_CASE("casbin RBAC model with deny (rbac_with_deny_model.conf): every request as casbin answers it") {
    const auto policy = build<casbin_rbac_with_deny::perm>(casbin_rbac_with_deny::add_rows);
    check_all("rbac_with_deny", 3, [&](const std::vector<std::string>& f) {
        return casbin_rbac_with_deny::enforce(*policy, f[0], f[1], f[2]);
    });
    // The deny row decides, with ward's reason.
    using P = casbin_rbac_with_deny::perm;
    const auto d = policy->check(ward::credential<P>::of(policy->find_principal("alice")),
                                 ward::permissions<P>("data2:write"), casbin_rbac_with_deny::scope);
    CHECK(d.why == ward::reason::explicitly_denied);
}

TEST_CASE("casbin RBAC model with domains (rbac_with_domains_model.conf): every request as casbin answers it") {
    const auto policy = build<casbin_rbac_with_domains::perm>(casbin_rbac_with_domains::add_rows);
    check_all("rbac_with_domains", 4, [&](const std::vector<std::string>& f) {
        return casbin_rbac_with_domains::enforce(*policy, f[0], f[1], f[2], f[3]);
    });
    // Domains are organization scopes.
    CHECK(policy->scope_kind(policy->find_scope("domain1")) == "organization");
    CHECK(policy->scope_kind(policy->find_scope("domain2")) == "organization");
}

TEST_CASE("casbin RBAC with deny, renamed fields, a deep role ladder and a deny on a role") {
    const auto policy = build<casbin_rbac_hierarchy::perm>(casbin_rbac_hierarchy::add_rows);
    check_all("rbac_hierarchy", 3, [&](const std::vector<std::string>& f) {
        return casbin_rbac_hierarchy::enforce(*policy, f[0], f[1], f[2]);
    });
    // Names that are not C++ identifiers keep their wire names.
    using P = casbin_rbac_hierarchy::perm;
    CHECK(ward::name_of(P{casbin_rbac_hierarchy::object::o_users, casbin_rbac_hierarchy::action::a_delete_2}) ==
          "/users:delete");
    CHECK(ward::name_of(P{casbin_rbac_hierarchy::object::o_2fa, casbin_rbac_hierarchy::action::a_reset}) ==
          "2fa:reset");
}

TEST_CASE("casbin RBAC with domains and deny: a deny on a role applies in its domain only") {
    const auto policy = build<casbin_domains_with_deny::perm>(casbin_domains_with_deny::add_rows);
    check_all("domains_with_deny", 4, [&](const std::vector<std::string>& f) {
        return casbin_domains_with_deny::enforce(*policy, f[0], f[1], f[2], f[3]);
    });
}

TEST_CASE("casbin names that are macros or keywords in C++ (errno, linux, unix, near, far, small, interface, int)") {
    const auto policy = build<casbin_macro_names::perm>(casbin_macro_names::add_rows);
    check_all("macro_names", 3, [&](const std::vector<std::string>& f) {
        return casbin_macro_names::enforce(*policy, f[0], f[1], f[2]);
    });
    // Enumerators carry a prefix; the wire names are the casbin names.
    using P = casbin_macro_names::perm;
    using O = casbin_macro_names::object;
    using A = casbin_macro_names::action;
    CHECK(ward::name_of(P{O::o_errno, A::a_small}) == "errno:small");
    CHECK(ward::name_of(P{O::o_linux, A::a_near}) == "linux:near");
    CHECK(ward::name_of(P{O::o_linux_2, A::a_unix}) == "Linux:unix");
    CHECK(ward::name_of(P{O::o_interface, A::a_errno}) == "interface:errno");
    CHECK(ward::name_of(P{O::o_int, A::a_linux}) == "int:linux");
}

TEST_CASE("casbin request fields named scope, object, action: enforce's parameters keep their own names") {
    const auto policy = build<casbin_request_names::perm>(casbin_request_names::add_rows);
    check_all("request_names", 3, [&](const std::vector<std::string>& f) {
        return casbin_request_names::enforce(*policy, f[0], f[1], f[2]);
    });
    CHECK(casbin_request_names::enforce(*policy, "alice", "data1", "read"));
    CHECK(casbin_request_names::scope == "casbin");
}

TEST_CASE("casbin request fields named policy, std, perms, p (with domains and deny)") {
    const auto policy = build<casbin_request_names_domains::perm>(casbin_request_names_domains::add_rows);
    check_all("request_names_domains", 4, [&](const std::vector<std::string>& f) {
        return casbin_request_names_domains::enforce(*policy, f[0], f[1], f[2], f[3]);
    });
}
