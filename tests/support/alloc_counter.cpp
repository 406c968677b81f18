// SPDX-License-Identifier: MIT
// Replaces the global allocation functions of the binary it is linked into: each call of operator
// new bumps a thread-local counter, and while count_bytes(true) is in force the net usable bytes
// are tallied too. The over-aligned forms are replaced as well, so no allocation escapes the count.
#include "support/alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#include <malloc.h>

namespace {
thread_local std::uint64_t t_allocations = 0;
std::atomic<bool> g_count_bytes{false};
std::atomic<std::int64_t> g_bytes{0};

void tally(void* p) noexcept {
    if (p != nullptr && g_count_bytes.load(std::memory_order_relaxed))
        g_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}
void* counted_alloc(std::size_t n) noexcept {
    ++t_allocations;
    void* p = std::malloc(n == 0 ? 1 : n);
    tally(p);
    return p;
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t al) noexcept {
    ++t_allocations;
    const auto a = static_cast<std::size_t>(al);
    const std::size_t size = ((n == 0 ? 1 : n) + a - 1) / a * a;
    void* p = std::aligned_alloc(a, size);
    tally(p);
    return p;
}
void counted_free(void* p) noexcept {
    if (p != nullptr && g_count_bytes.load(std::memory_order_relaxed))
        g_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
}
/// Out of memory: std::bad_alloc, or an abort in a build without exceptions.
[[noreturn]] void out_of_memory() {
#if defined(__cpp_exceptions)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}
} // namespace

std::uint64_t wt::thread_allocations() noexcept { return t_allocations; }
void wt::count_bytes(bool on) noexcept { g_count_bytes.store(on, std::memory_order_relaxed); }
std::int64_t wt::counted_bytes() noexcept { return g_bytes.load(std::memory_order_relaxed); }

void* operator new(std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    out_of_memory();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    out_of_memory();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }

void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned_alloc(n, a)) return p;
    out_of_memory();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned_alloc(n, a)) return p;
    out_of_memory();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_aligned_alloc(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_aligned_alloc(n, a);
}
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
