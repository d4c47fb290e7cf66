// How much memory the server uses, cheaply enough to ask before every
// command (maxmemory): the bytes of live heap blocks, as Redis's
// zmalloc_used_memory().
//
// memory_usage.cpp wraps malloc, calloc, realloc, free and the aligned
// allocators (a definition in the executable wins over glibc's for every
// caller, operator new and glibc's own functions included), forwards to
// glibc's __libc_* functions and adds or subtracts malloc_usable_size() of
// each block in one relaxed atomic counter: about 5-10 ns per malloc/free
// pair, nothing on commands that allocate nothing. glibc's mallinfo2(),
// the alternative, walks every free chunk: 5-25 ms on a heap of a million
// small blocks, far too slow per command or even per cron tick.
//
// The wrappers are weak symbols: a binary that interposes malloc itself
// (bench/alloc_counter.cpp, which counts allocations) keeps its own, and
// sanitizer builds, whose runtime must see every allocation, leave them
// out. used() then falls back to the allocator's own statistics, which
// are exact but slow (see exact()).
#pragma once

#include <cstddef>
#include <string_view>

namespace server::memory {

// Bytes in live heap blocks (usable sizes, so malloc's rounding included).
size_t used();
// Whether used() is the wrappers' running count (cheap) rather than the
// allocator's statistics (slow: a walk of the heap).
bool exact();

// The highest used() seen by note_peak() (the cron and INFO call it).
size_t peak();
void note_peak();
// used() when the server had started (before any data), Redis's
// used_memory_startup.
size_t startup();
void mark_startup();

// Resident set size of the process (/proc/self/statm).
size_t rss();
// INFO's mem_allocator.
std::string_view allocator_name();

}  // namespace server::memory
