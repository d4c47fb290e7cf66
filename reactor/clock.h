// The two clocks the loop reads: wall time for what users see (TTLs, INFO),
// monotonic time for what the loop measures (timer deadlines, busy/sleep),
// so a wall-clock step neither stalls timers nor skews the counters.
#pragma once

#include <cstdint>
#include <ctime>

namespace reactor {

inline uint64_t read_clock_us(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

inline uint64_t wall_clock_us() { return read_clock_us(CLOCK_REALTIME); }
inline uint64_t monotonic_us() { return read_clock_us(CLOCK_MONOTONIC); }

}  // namespace reactor
