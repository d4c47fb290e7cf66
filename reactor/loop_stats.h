// Counters the loop keeps about itself; read by INFO and --stats-interval.
#pragma once

#include <cstdint>

namespace reactor {

struct LoopStats {
    uint64_t iterations = 0;       // epoll_wait calls
    uint64_t events = 0;           // fd events dispatched
    uint64_t dropped_events = 0;   // collected, then voided by an unwatch or a
                                   // mask change earlier in the same batch
    uint64_t max_events_per_wake = 0;
    uint64_t timers_fired = 0;
    uint64_t busy_us = 0;          // time spent between wake-ups
    uint64_t sleep_us = 0;         // time spent inside epoll_wait
};

}  // namespace reactor
