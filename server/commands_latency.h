// LATENCY HISTOGRAM's buckets: what Redis 7.0 reports for a command's
// latency distribution, computed from our per-command LatencyHistogram.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "server/latency_histogram.h"

namespace server {

// Redis records each call's duration in whole microseconds, as nanoseconds,
// in an HdrHistogram (1 ns to 1 s, 2 significant figures), and reports it
// cumulatively at the power-of-two levels 1024 ns, 2048 ns, ... each keyed
// by the highest value its bucket holds, in microseconds: 1, 2, 4, 8, 16,
// 33, 66, 132, 264, 528, 1056, 2113, ... A level appears only when its
// cumulative count grew. The key of the level that holds a call of `us`
// microseconds:
int64_t latency_level_key(uint64_t us);

// (key, cumulative count) pairs for histogram `h`, whose samples are
// counter ticks at `ticks_per_us` ticks a microsecond.
std::vector<std::pair<int64_t, uint64_t>> latency_cdf(const LatencyHistogram& h, double ticks_per_us);

}  // namespace server
