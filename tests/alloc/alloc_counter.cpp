// SPDX-License-Identifier: MIT
// Replaces the global operator new/delete for the alloc test binary and counts allocations.
#include "alloc_counter.hpp"
#include "ward_catch.hpp"

#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<std::size_t> g_allocations{0};

void* counted_alloc(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    return std::malloc(n);
}
} // namespace

std::size_t wt::allocation_count() noexcept { return g_allocations.load(std::memory_order_relaxed); }

void* operator new(std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    std::abort();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    std::abort();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

// The harness itself must be able to fail: an allocation inside the window is seen.
TEST_CASE("the allocation counter sees allocations", "[alloc][harness]") {
    CHECK(wt::allocations_during([] { std::vector<int> v(10); (void)v; }) >= 1);
    CHECK(wt::allocations_during([] { int x = 1; (void)x; }) == 0);
}
