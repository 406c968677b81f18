// SPDX-License-Identifier: MIT
// Catch2 checks on ward-service answers that print the answer when they fail.
#ifndef WARD_SERVICE_TESTS_CHECKS_HPP
#define WARD_SERVICE_TESTS_CHECKS_HPP

#include "harness.hpp"
#include "support/ward_catch.hpp"

#include <array>
#include <initializer_list>
#include <string>
#include <vector>

/// `assertion` (CHECK or REQUIRE) of `condition` on `ward_answer_`, the answer, which a failure
/// prints.
#define WARD_ANSWER_ASSERT(assertion, answer, condition)                                                               \
    do {                                                                                                               \
        const ::ward_service_test::response& ward_answer_ = (answer);                                                  \
        INFO("answer: " << ward_answer_.describe());                                                                   \
        assertion(condition);                                                                                          \
    } while (false)

/// The answer has this status (prints the answer otherwise).
#define CHECK_STATUS(answer, expected) WARD_ANSWER_ASSERT(CHECK, answer, ward_answer_.status == (expected))
#define REQUIRE_STATUS(answer, expected) WARD_ANSWER_ASSERT(REQUIRE, answer, ward_answer_.status == (expected))

/// The answer is the README's JSON error {"error": {"status", "code", "message", ...}} with this
/// status and code.
#define CHECK_ERROR(answer, expected_status, expected_code)                                                            \
    do {                                                                                                               \
        const ::ward_service_test::response& ward_answer_ = (answer);                                                  \
        INFO("answer: " << ward_answer_.describe());                                                                   \
        CHECK(ward_answer_.is_error(expected_status));                                                                 \
        CHECK(ward_answer_.error_code() == (expected_code));                                                           \
        if (::ward_service_test::ward_decides(expected_code)) CHECK_FALSE(ward_answer_.error_reason().empty());        \
    } while (false)

/// As CHECK_ERROR, for any code.
#define CHECK_ERROR_STATUS(answer, expected_status)                                                                    \
    WARD_ANSWER_ASSERT(CHECK, answer, ward_answer_.is_error(expected_status))

namespace ward_service_test {

/// Error codes only a denied ward decision produces: such an answer carries ward's reason.
inline bool ward_decides(const std::string& code) {
    return code == "missing_permission" || code == "not_in_token" || code == "explicitly_denied" ||
           code == "unknown_principal" || code == "restricted_by_application";
}

/// The ids of a JSON array of objects with "id" (ident lists) or of a JSON:API {"data": [...]}.
inline std::vector<std::string> ids_of(const json& body) {
    const json& list = body.is_object() && body.contains("data") ? body["data"] : body;
    std::vector<std::string> ids;
    if (!list.is_array()) return ids;
    for (const json& item : list)
        if (item.is_object() && item.contains("id") && item["id"].is_string())
            ids.push_back(item["id"].get<std::string>());
    std::sort(ids.begin(), ids.end());
    return ids;
}

inline std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

/// A JSON array of strings as a sorted vector (empty if it is not one).
inline std::vector<std::string> strings_of(const json& array) {
    std::vector<std::string> out;
    if (!array.is_array()) return out;
    for (const json& item : array)
        if (item.is_string()) out.push_back(item.get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

inline bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

/// A JSON:API document {"data": {"type", "attributes", "relationships"}}; relationships as
/// {name, type, id} triples.
inline json document(const std::string& type, const json& attributes,
                     const std::vector<std::array<std::string, 3>>& relationships = {}) {
    json data = {{"type", type}, {"attributes", attributes}};
    if (!relationships.empty()) {
        json rels = json::object();
        for (const auto& r : relationships) rels[r[0]] = {{"data", {{"type", r[1]}, {"id", r[2]}}}};
        data["relationships"] = rels;
    }
    return json{{"data", data}};
}

/// The provisioning rows of the database at `path` once `tables` are dropped (as in a database
/// from before them) and a `Store` (the service's store) opened it again; checks they still build
/// a snapshot (`build_provisioning`, found with the rows), with the four seeded memberships.
template <typename Store>
auto provisioning_without(const std::string& path, std::initializer_list<const char*> tables) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    for (const char* table : tables) {
        INFO(table);
        CHECK(sqlite3_exec(db, (std::string("DROP TABLE ") + table).c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    sqlite3_close(db);
    Store s(path, 1000);
    auto rows = s.load_provisioning();
    CHECK(rows.memberships.size() == 4);
    std::string error;
    CHECK(build_provisioning(rows, error) != nullptr);
    CHECK(error.empty());
    return rows;
}

} // namespace ward_service_test

#endif
