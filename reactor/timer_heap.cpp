#include "reactor/timer_heap.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace reactor {
namespace {

// Below this many dead nodes a sparse heap is cheaper to keep than to rebuild.
constexpr size_t kCompactSlack = 64;

// The low half is slot + 1 so that no id is ever 0, which callers can use as
// "no timer".
TimerId make_id(uint32_t slot, uint32_t generation) {
    return (static_cast<TimerId>(generation) << 32) | (static_cast<TimerId>(slot) + 1);
}

uint32_t slot_of(TimerId id) { return static_cast<uint32_t>(id) - 1; }
uint32_t generation_of(TimerId id) { return static_cast<uint32_t>(id >> 32); }

// A huge delay or period must not wrap around into "due now".
uint64_t saturating_add(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

// Ordering for std::*_heap, which builds a max-heap: "later" on top of that
// puts the earliest (deadline, seq) at the front.
struct Later {
    template <typename Node>
    bool operator()(const Node& a, const Node& b) const {
        return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
    }
};

}  // namespace

TimerId TimerHeap::add(uint64_t deadline_ms, uint64_t repeat_ms, std::function<void()> fn) {
    const uint32_t slot = acquire_slot();
    Entry& entry = entries_[slot];
    entry.fn = std::move(fn);
    entry.repeat = repeat_ms;
    const TimerId id = make_id(slot, entry.generation);
    push(deadline_ms, id);
    return id;
}

void TimerHeap::cancel(TimerId id) {
    if (!is_live(id)) return;  // already fired, cancelled, or never ours
    release_slot(slot_of(id));
    compact_if_sparse();
}

uint64_t TimerHeap::next_deadline() {
    drop_cancelled_top();
    return heap_.empty() ? UINT64_MAX : heap_.front().deadline;
}

uint64_t TimerHeap::run_due(uint64_t now_ms) {
    // Anything pushed from here on (added by a callback, or a repeat re-armed)
    // has a seq at or past this mark and waits for the next call, so a timer
    // that keeps re-adding itself cannot hold the loop here forever.
    const uint64_t first_new_seq = next_seq_;
    uint64_t ran = 0;
    while (!heap_.empty() && heap_.front().deadline <= now_ms) {
        const Node node = pop();
        if (!is_live(node.id)) continue;
        if (node.seq >= first_new_seq) {
            deferred_.push_back(node);
            continue;
        }
        fire(node, now_ms);
        ++ran;
    }
    for (const Node& node : deferred_) push(node.deadline, node.id);
    deferred_.clear();
    return ran;
}

// A slot's generation only moves on release, so a matching generation means
// the id was issued for the slot's current tenant, which is still live.
bool TimerHeap::is_live(TimerId id) const {
    const uint32_t low = static_cast<uint32_t>(id);
    return low != 0 && low <= entries_.size() && entries_[low - 1].generation == generation_of(id);
}

uint32_t TimerHeap::acquire_slot() {
    ++live_;
    if (!free_slots_.empty()) {
        const uint32_t slot = free_slots_.back();
        free_slots_.pop_back();
        return slot;
    }
    entries_.emplace_back();
    return static_cast<uint32_t>(entries_.size() - 1);
}

void TimerHeap::release_slot(uint32_t slot) {
    Entry& entry = entries_[slot];
    entry.fn = nullptr;
    ++entry.generation;
    free_slots_.push_back(slot);
    --live_;
}

void TimerHeap::push(uint64_t deadline, TimerId id) {
    heap_.push_back(Node{deadline, next_seq_++, id});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
}

TimerHeap::Node TimerHeap::pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const Node node = heap_.back();
    heap_.pop_back();
    return node;
}

void TimerHeap::fire(const Node& node, uint64_t now_ms) {
    const uint32_t slot = slot_of(node.id);
    // Moved out, not called in place: the callback may cancel this very
    // timer (which clears the slot) or add timers (which may move entries_).
    std::function<void()> fn = std::move(entries_[slot].fn);
    fn();
    if (!is_live(node.id)) return;
    Entry& entry = entries_[slot];
    if (entry.repeat == 0) {
        release_slot(slot);
        return;
    }
    entry.fn = std::move(fn);
    // A loop that fell behind re-arms from now rather than firing once for
    // every period it missed.
    uint64_t next = saturating_add(node.deadline, entry.repeat);
    if (next < now_ms) next = saturating_add(now_ms, entry.repeat);
    push(next, node.id);
}

void TimerHeap::drop_cancelled_top() {
    while (!heap_.empty() && !is_live(heap_.front().id)) pop();
}

// Lazy cancelling leaves dead nodes behind; timers that are mostly cancelled
// (timeouts that rarely expire) would otherwise grow the heap without bound.
void TimerHeap::compact_if_sparse() {
    if (heap_.size() <= kCompactSlack + 2 * live_) return;
    std::erase_if(heap_, [this](const Node& node) { return !is_live(node.id); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
}

}  // namespace reactor
