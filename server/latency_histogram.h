// Per-command latency distribution for INFO latencystats: log-linear
// buckets (each power of two split in 8), so percentiles come out within
// about 12% of the true value from a fixed 4 KiB of counters and one
// increment per call.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace server {

class LatencyHistogram {
public:
    static constexpr int kSubBits = 3;
    static constexpr int kBuckets = 64 << kSubBits;

    void record(uint64_t value) {
        ++counts_[index(value)];
        ++total_;
    }
    uint64_t total() const { return total_; }
    void reset() {
        counts_.fill(0);
        total_ = 0;
    }
    // The smallest bucket bound below which `fraction` of the samples lie.
    uint64_t percentile(double fraction) const {
        if (total_ == 0) return 0;
        uint64_t want = static_cast<uint64_t>(fraction * static_cast<double>(total_));
        if (want >= total_) want = total_ - 1;
        uint64_t seen = 0;
        for (int i = 0; i < kBuckets; ++i) {
            seen += counts_[static_cast<size_t>(i)];
            if (seen > want) return upper_bound(i);
        }
        return upper_bound(kBuckets - 1);
    }

    // The samples in bucket i (0 <= i < kBuckets), which holds the values
    // from lower_bound(i) up to, not including, upper_bound(i) (i >= 8;
    // the first 8 buckets hold the one value i each). For LATENCY HISTOGRAM.
    uint64_t bucket(int i) const { return counts_[static_cast<size_t>(i)]; }
    static uint64_t lower_bound(int i) {
        if (i < (1 << kSubBits)) return static_cast<uint64_t>(i);
        int shift = (i >> kSubBits) - 1;
        uint64_t sub = static_cast<uint64_t>(i & ((1 << kSubBits) - 1));
        return (sub | (1u << kSubBits)) << shift;
    }
    static uint64_t upper_bound(int i) {
        if (i < (1 << kSubBits)) return static_cast<uint64_t>(i);
        int shift = (i >> kSubBits) - 1;
        uint64_t sub = static_cast<uint64_t>(i & ((1 << kSubBits) - 1));
        return ((sub | (1u << kSubBits)) + 1) << shift;
    }

private:
    static int index(uint64_t v) {
        if (v < (1u << kSubBits)) return static_cast<int>(v);
        int msb = 63 - std::countl_zero(v);
        int shift = msb - kSubBits;
        int sub = static_cast<int>((v >> shift) & ((1u << kSubBits) - 1));
        return ((shift + 1) << kSubBits) + sub;
    }

    std::array<uint64_t, kBuckets> counts_{};
    uint64_t total_ = 0;
};

}  // namespace server
