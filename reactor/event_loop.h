// A single-threaded epoll reactor: fds with handlers, timers, a before-sleep
// hook, signals through signalfd, a wake-up eventfd, and loop counters.
// It knows nothing about Redis or about what the fds carry.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "reactor/loop_stats.h"
#include "reactor/timer_heap.h"

struct epoll_event;  // kept out of this header; only event_loop.cpp needs it

namespace reactor {

// Readiness bits, independent of epoll's own constants.
enum : unsigned {
    kNone = 0,
    kReadable = 1u << 0,
    kWritable = 1u << 1,
    kHangup = 1u << 2,  // error or hang-up; delivered together with kReadable
};

// Implemented by whatever owns an fd (a connection, the listener). An
// interface rather than std::function so a connection costs one pointer.
class IoHandler {
public:
    virtual void on_io(int fd, unsigned events) = 0;

protected:
    ~IoHandler() = default;
};

class EventLoop {
public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Starts watching fd (or replaces its mask and handler). epoll_ctl is
    // called only when the mask actually changes. Returns false if epoll
    // refuses the fd.
    bool watch(int fd, unsigned mask, IoHandler* handler);
    // Changes the mask of a watched fd; kNone keeps the fd registered but quiet.
    void set_mask(int fd, unsigned mask);
    unsigned mask(int fd) const;
    // Stops watching fd. Events already collected for it in the current
    // batch are dropped, even if the fd number is reused during the batch.
    void unwatch(int fd);

    // Timers run on the loop thread. repeat_ms == 0 means one-shot.
    TimerId add_timer(uint64_t delay_ms, uint64_t repeat_ms, std::function<void()> fn);
    void cancel_timer(TimerId id);

    // Runs once per iteration, after the events are handled and before
    // epoll_wait sleeps (the place to flush pending writes).
    void set_before_sleep(std::function<void()> fn);

    // Blocks the given signals and delivers them through a signalfd.
    void on_signals(std::initializer_list<int> signals, std::function<void(int)> fn);

    // When a handler has more work queued (input it did not finish), it asks
    // the loop not to sleep in the next epoll_wait.
    void request_no_sleep() { no_sleep_ = true; }

    // Thread-safe: makes a sleeping epoll_wait return.
    void wake();

    void run();   // until stop()
    void stop();  // the current iteration finishes, then run() returns
    bool stopping() const { return stop_; }

    // Milliseconds/microseconds since the epoch, read once per iteration.
    uint64_t now_ms() const { return now_us_ / 1000; }
    uint64_t now_us() const { return now_us_; }
    // Reads the clock again (for handlers that must measure time precisely);
    // returns the new now_us().
    uint64_t refresh_clock();

    const LoopStats& stats() const { return stats_; }
    LoopStats& stats() { return stats_; }

private:
    // An fd whose mask is kNone is not in the epoll set at all: epoll reports
    // EPOLLERR/EPOLLHUP even for an empty interest mask, and a quiet fd that
    // hangs up would otherwise wake every epoll_wait.
    struct Slot {
        IoHandler* handler = nullptr;  // nullptr: not watched
        unsigned mask = kNone;
        uint32_t generation = 0;       // bumped by unwatch; voids pending events
    };
    class InternalFd;

    bool watched(int fd) const;
    bool apply_mask(int fd, Slot& slot, unsigned mask);
    bool ctl(int op, int fd, uint32_t generation, unsigned mask);
    void run_once();
    int next_timeout_ms(uint64_t mono_now_us);
    void note_wait_error(int err);
    void dispatch(int count);
    unsigned ready_bits(int fd, uint32_t generation, uint32_t epoll_bits) const;
    void run_timers();
    void drain_signals();
    void drain_wakeups();

    int epfd_ = -1;
    int wakefd_ = -1;
    int sigfd_ = -1;
    std::vector<Slot> slots_;            // indexed by fd
    std::vector<epoll_event> events_;    // reused by every epoll_wait
    TimerHeap timers_;                   // deadlines on the monotonic clock
    std::function<void()> before_sleep_;
    std::function<void(int)> on_signal_;
    std::unique_ptr<InternalFd> wake_handler_;
    std::unique_ptr<InternalFd> signal_handler_;
    uint64_t now_us_ = 0;                // wall clock, for TTLs and INFO
    uint64_t mono_us_ = 0;               // same instant, monotonic, for timers
    uint64_t busy_since_us_ = 0;         // monotonic end of the last epoll_wait
    uint64_t signal_bits_ = 0;           // bit s-1 set: signal s goes to the signalfd
    unsigned wait_errors_ = 0;           // consecutive epoll_wait failures
    bool stop_ = false;
    bool no_sleep_ = false;
    LoopStats stats_;
};

}  // namespace reactor
