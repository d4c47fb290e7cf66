// Interposes malloc/calloc/realloc/free in the benchmark binary: a symbol
// defined in the executable wins over libc's for every caller, libstdc++'s
// operator new included. Each wrapper forwards to glibc's exported
// __libc_* implementation, so memory still comes from glibc's arenas and
// malloc_usable_size (used by the keyspace) keeps working; aligned
// allocations (posix_memalign...) are not wrapped but free correctly through
// __libc_free.
//
// The counter is bumped with a relaxed load and store rather than an atomic
// add: the benchmarks run on one thread, and a locked add on every malloc
// would tax the other benchmarks in this binary for nothing.
#include "bench/alloc_counter.h"

#include <atomic>
#include <cstddef>

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void __libc_free(void* p);
}

namespace {

std::atomic<uint64_t> g_allocations{0};

inline void count_one() {
    g_allocations.store(g_allocations.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

extern "C" {

void* malloc(size_t size) noexcept {
    count_one();
    return __libc_malloc(size);
}

void* calloc(size_t n, size_t size) noexcept {
    count_one();
    return __libc_calloc(n, size);
}

void* realloc(void* p, size_t size) noexcept {
    count_one();
    return __libc_realloc(p, size);
}

void free(void* p) noexcept { __libc_free(p); }

}  // extern "C"

namespace bench {

uint64_t allocation_count() { return g_allocations.load(std::memory_order_relaxed); }

}  // namespace bench
