// Timers in a min-heap keyed by (deadline, sequence), so equal deadlines
// fire in the order they were added. Cancelling is lazy: a cancelled id is
// skipped when it reaches the top.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace reactor {

using TimerId = uint64_t;

class TimerHeap {
public:
    TimerId add(uint64_t deadline_ms, uint64_t repeat_ms, std::function<void()> fn);
    void cancel(TimerId id);
    bool empty() const { return live_ == 0; }
    // Deadline of the earliest live timer; UINT64_MAX if none.
    uint64_t next_deadline();
    // Runs every timer due at now_ms; returns how many ran. Timers added by a
    // callback with a deadline <= now run in the next call, not this one.
    uint64_t run_due(uint64_t now_ms);

private:
    // Heap nodes stay small and cheap to sift; the callback waits in a slot
    // table. An id is (slot generation << 32 | slot + 1): cancelling frees the
    // slot and bumps its generation, so stale ids and heap nodes stop matching.
    struct Node {
        uint64_t deadline;
        uint64_t seq;
        TimerId id;
    };
    struct Entry {
        std::function<void()> fn;
        uint64_t repeat = 0;
        uint32_t generation = 0;
    };
    bool is_live(TimerId id) const;
    uint32_t acquire_slot();
    void release_slot(uint32_t slot);
    void push(uint64_t deadline, TimerId id);
    Node pop();
    void fire(const Node& node, uint64_t now_ms);
    void drop_cancelled_top();
    void compact_if_sparse();

    std::vector<Node> heap_;
    std::vector<Node> deferred_;  // added during run_due; held until it ends
    std::vector<Entry> entries_;
    std::vector<uint32_t> free_slots_;
    uint64_t next_seq_ = 0;
    size_t live_ = 0;
};

}  // namespace reactor
