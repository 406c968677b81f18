// SPDX-License-Identifier: MIT
// The service examples' acceptance tables (examples/*.hpp run_table()): every row must answer the
// HTTP status the documents give.
#ifndef WARD_TESTS_EXAMPLE_TABLE_HPP
#define WARD_TESTS_EXAMPLE_TABLE_HPP

#include "support/ward_catch.hpp"

#include <cstddef>

namespace wt {

/// Checks that `table` has at least `at_least` rows and that each row's status is the expected one.
template <class Table>
void check_every_row(const Table& table, std::size_t at_least) {
    REQUIRE(!table.empty());
    REQUIRE(table.size() >= at_least);
    for (const auto& o : table) {
        INFO(o.request << " as " << o.credential << ": " << o.reason);
        CHECK(o.status == o.expected);
    }
}

} // namespace wt

#endif
