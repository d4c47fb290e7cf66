// A cheap clock for per-command timing: the CPU's time-stamp counter, read
// without a syscall, converted to microseconds with a rate measured once
// against the monotonic clock.
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#else
#include <chrono>
#endif

namespace server {

inline uint64_t cycles_now() {
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// Counter ticks per microsecond (measured on first use, ~5 ms).
double cycles_per_us();

inline uint64_t cycles_to_us(uint64_t cycles) {
    return static_cast<uint64_t>(static_cast<double>(cycles) / cycles_per_us());
}
inline uint64_t us_to_cycles(uint64_t us) {
    return static_cast<uint64_t>(static_cast<double>(us) * cycles_per_us());
}

}  // namespace server
