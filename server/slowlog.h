// SLOWLOG: the most recent commands that took longer than
// slowlog-log-slower-than microseconds, newest first, at most
// slowlog-max-len of them, arguments trimmed as Redis trims them.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace server {

struct SlowlogEntry {
    uint64_t id;
    int64_t time_s;
    uint64_t duration_us;
    std::vector<std::string> argv;
    std::string peer;
    std::string name;
};

class Slowlog {
public:
    void add(std::span<const std::string_view> argv, uint64_t duration_us, int64_t now_s,
             std::string_view peer, std::string_view name, size_t max_len);
    const std::deque<SlowlogEntry>& entries() const { return entries_; }
    void reset() { entries_.clear(); }
    void trim(size_t max_len) {
        while (entries_.size() > max_len) entries_.pop_back();
    }

private:
    std::deque<SlowlogEntry> entries_;
    uint64_t next_id_ = 0;
};

}  // namespace server
