// SPDX-License-Identifier: MIT
// The alloc suite's binary replaces the global operator new/delete with the counting ones of
// support/alloc_counter.cpp (shared with the benchmarks). They are compiled here, in the suite's
// own directory, so that every build that takes this directory's sources links them.
#include "support/alloc_counter.cpp"
#include "support/ward_catch.hpp"

#include <vector>

// The harness itself must be able to fail: an allocation inside the window is seen.
TEST_CASE("the allocation counter sees allocations", "[alloc][harness]") {
    CHECK(wt::allocations_during([] {
              std::vector<int> v(10);
              (void)v;
          }) >= 1);
    CHECK(wt::allocations_during([] {
              int x = 1;
              (void)x;
          }) == 0);
}
