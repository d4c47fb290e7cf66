#include "server/memory_usage.h"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RINGDIS_NO_MALLOC_WRAPPERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define RINGDIS_NO_MALLOC_WRAPPERS 1
#endif
#endif

#ifdef RINGDIS_NO_MALLOC_WRAPPERS
// From the sanitizer runtime (sanitizer/allocator_interface.h, which not
// every toolchain installs).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace {

// Signed: a block glibc allocated before the wrappers could see it (none
// is expected) would otherwise wrap the count below zero when freed.
std::atomic<int64_t> g_used{0};
std::atomic<bool> g_wrapped{false};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_startup{0};

}  // namespace

#ifndef RINGDIS_NO_MALLOC_WRAPPERS

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void __libc_free(void* p);
void* __libc_memalign(size_t alignment, size_t size);
void* __libc_valloc(size_t size);
void* __libc_pvalloc(size_t size);
}

namespace {

inline void add(void* p) {
    if (p != nullptr) g_used.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}
inline void sub(void* p) {
    if (p != nullptr) g_used.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}

}  // namespace

extern "C" {

__attribute__((weak)) void* malloc(size_t size) noexcept {
    void* p = __libc_malloc(size);
    add(p);
    if (!g_wrapped.load(std::memory_order_relaxed)) g_wrapped.store(true, std::memory_order_relaxed);
    return p;
}

__attribute__((weak)) void* calloc(size_t n, size_t size) noexcept {
    void* p = __libc_calloc(n, size);
    add(p);
    return p;
}

__attribute__((weak)) void* realloc(void* p, size_t size) noexcept {
    if (p == nullptr) return malloc(size);
    const size_t old = malloc_usable_size(p);
    void* q = __libc_realloc(p, size);
    if (q != nullptr) {
        g_used.fetch_add(static_cast<int64_t>(malloc_usable_size(q)) - static_cast<int64_t>(old),
                         std::memory_order_relaxed);
    } else if (size == 0) {
        g_used.fetch_sub(static_cast<int64_t>(old), std::memory_order_relaxed);  // realloc(p, 0) freed p
    }
    return q;
}

__attribute__((weak)) void* reallocarray(void* p, size_t n, size_t size) noexcept {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(p, bytes);
}

__attribute__((weak)) void free(void* p) noexcept {
    sub(p);
    __libc_free(p);
}

__attribute__((weak)) void* memalign(size_t alignment, size_t size) noexcept {
    void* p = __libc_memalign(alignment, size);
    add(p);
    return p;
}

__attribute__((weak)) void* aligned_alloc(size_t alignment, size_t size) noexcept {
    return memalign(alignment, size);
}

__attribute__((weak)) int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
    if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
    void* p = memalign(alignment, size);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((weak)) void* valloc(size_t size) noexcept {
    void* p = __libc_valloc(size);
    add(p);
    return p;
}

__attribute__((weak)) void* pvalloc(size_t size) noexcept {
    void* p = __libc_pvalloc(size);
    add(p);
    return p;
}

}  // extern "C"

#endif  // RINGDIS_NO_MALLOC_WRAPPERS

namespace server::memory {

bool exact() {
#ifdef RINGDIS_NO_MALLOC_WRAPPERS
    return false;
#else
    return g_wrapped.load(std::memory_order_relaxed);
#endif
}

size_t used() {
#ifdef RINGDIS_NO_MALLOC_WRAPPERS
    return __sanitizer_get_current_allocated_bytes();
#else
    if (exact()) {
        int64_t n = g_used.load(std::memory_order_relaxed);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

size_t peak() { return g_peak.load(std::memory_order_relaxed); }

void note_peak() {
    size_t now = used();
    if (now > g_peak.load(std::memory_order_relaxed)) g_peak.store(now, std::memory_order_relaxed);
}

size_t startup() { return g_startup.load(std::memory_order_relaxed); }

void mark_startup() {
    g_startup.store(used(), std::memory_order_relaxed);
    note_peak();
}

size_t rss() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    unsigned long pages = 0;
    unsigned long resident = 0;
    int got = std::fscanf(f, "%lu %lu", &pages, &resident);
    std::fclose(f);
    if (got != 2) return 0;
    return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string_view allocator_name() { return "libc"; }

}  // namespace server::memory
