// A count of heap allocations made by this process, for benchmarks that
// show a path allocates nothing once warm. alloc_counter.cpp replaces the
// C allocator's entry points (malloc, calloc, realloc, free) with thin
// wrappers over glibc's own (__libc_malloc...), so operator new, which
// calls malloc, is counted too. Only the micro-bench binary links it.
#pragma once

#include <cstdint>

namespace bench {

// Allocations (malloc, calloc, realloc, hence new) since the process began.
uint64_t allocation_count();

}  // namespace bench
