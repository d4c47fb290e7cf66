#include "reactor/event_loop.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace reactor {
namespace {

using Clock = std::chrono::steady_clock;

// Long enough never to fire in a passing test; short enough that a broken
// loop fails the test instead of hanging it.
constexpr uint64_t kSafetyNetMs = 2000;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset(int fd = -1) {
        if (fd_ >= 0) close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Fd r;
    Fd w;
};

Pipe make_pipe() {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

std::pair<Fd, Fd> make_socketpair() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        ADD_FAILURE() << "socketpair failed";
    }
    return {Fd(fds[0]), Fd(fds[1])};
}

void put_byte(const Fd& fd) { ASSERT_EQ(write(fd.get(), "x", 1), 1); }

void take_byte(int fd) {
    char c;
    ASSERT_EQ(read(fd, &c, 1), 1);
}

struct Call {
    int fd;
    unsigned events;
    uint64_t iteration;  // stats().iterations when the call was made
};

class Recorder final : public IoHandler {
public:
    explicit Recorder(const EventLoop& loop) : loop_(loop) {}
    void on_io(int fd, unsigned events) override {
        calls.push_back(Call{fd, events, loop_.stats().iterations});
        if (action) action(fd, events);
    }
    std::vector<Call> calls;
    std::function<void(int, unsigned)> action;

private:
    const EventLoop& loop_;
};

// Runs exactly n epoll_waits, none of which blocks.
void run_iterations(EventLoop& loop, int n) {
    int calls = 0;
    loop.set_before_sleep([&loop, &calls, n] {
        loop.request_no_sleep();
        if (++calls == n) loop.stop();
    });
    loop.run();
    loop.set_before_sleep(nullptr);
}

// Returns a flag that turns true if the safety net had to stop the loop.
std::shared_ptr<bool> arm_safety_net(EventLoop& loop) {
    auto fired = std::make_shared<bool>(false);
    loop.add_timer(kSafetyNetMs, 0, [&loop, fired] {
        *fired = true;
        loop.stop();
    });
    return fired;
}

// ---- timers -----------------------------------------------------------------

TEST(EventLoop, TimersFireByDeadlineThenInAddOrder) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    std::string order;
    loop.add_timer(2, 0, [&] { order += 'c'; });
    loop.add_timer(0, 0, [&] { order += 'a'; });
    loop.add_timer(0, 0, [&] { order += 'b'; });
    loop.add_timer(2, 0, [&] {
        order += 'd';
        loop.stop();
    });
    loop.run();
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(order, "abcd");
    EXPECT_EQ(loop.stats().timers_fired, 4u);
}

TEST(EventLoop, RepeatTimerCancelledFromItsOwnCallback) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    int ticks = 0;
    TimerId id = 0;
    id = loop.add_timer(1, 1, [&] {
        if (++ticks < 3) return;
        loop.cancel_timer(id);
        // Long enough for two more ticks, had the cancel not worked.
        loop.add_timer(5, 0, [&] { loop.stop(); });
    });
    loop.run();
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(ticks, 3);
    EXPECT_EQ(loop.stats().timers_fired, 4u);
}

TEST(EventLoop, TimerCancelsAnotherThatIsDueInTheSameRun) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    std::string order;
    TimerId victim = 0;
    loop.add_timer(1, 0, [&] {
        order += 'a';
        loop.cancel_timer(victim);
    });
    victim = loop.add_timer(1, 0, [&] { order += 'x'; });
    loop.add_timer(1, 0, [&] {
        order += 'c';
        loop.stop();
    });
    loop.run();
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(order, "ac");
}

// ---- fds --------------------------------------------------------------------

TEST(EventLoop, PipeReadableIsDispatched) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    Pipe p = make_pipe();
    put_byte(p.w);
    Recorder rec(loop);
    rec.action = [&](int fd, unsigned) {
        take_byte(fd);
        loop.stop();
    };
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &rec));
    EXPECT_EQ(loop.mask(p.r.get()), kReadable);
    loop.run();
    EXPECT_FALSE(*timed_out);
    ASSERT_EQ(rec.calls.size(), 1u);
    EXPECT_EQ(rec.calls[0].fd, p.r.get());
    EXPECT_EQ(rec.calls[0].events, kReadable);
}

TEST(EventLoop, PipeWritableIsDispatched) {
    EventLoop loop;
    Pipe p = make_pipe();
    Recorder rec(loop);
    ASSERT_TRUE(loop.watch(p.w.get(), kWritable, &rec));
    run_iterations(loop, 1);
    ASSERT_EQ(rec.calls.size(), 1u);
    EXPECT_EQ(rec.calls[0].fd, p.w.get());
    EXPECT_EQ(rec.calls[0].events, kWritable);
}

TEST(EventLoop, MaskChangesDecideWhatIsDelivered) {
    EventLoop loop;
    auto [a, b] = make_socketpair();
    put_byte(b);  // a is now readable as well as writable
    Recorder rec(loop);
    const int fd = a.get();

    ASSERT_TRUE(loop.watch(fd, kNone, &rec));
    run_iterations(loop, 1);
    EXPECT_TRUE(rec.calls.empty());

    const std::pair<unsigned, unsigned> steps[] = {
        {kReadable | kWritable, kReadable | kWritable},
        {kWritable, kWritable},
        {kNone, kNone},
        {kReadable, kReadable},
        {kReadable, kReadable},  // unchanged mask, still delivered
    };
    for (auto [mask, expected] : steps) {
        rec.calls.clear();
        loop.set_mask(fd, mask);
        EXPECT_EQ(loop.mask(fd), mask);
        run_iterations(loop, 1);
        if (expected == kNone) {
            EXPECT_TRUE(rec.calls.empty()) << "mask " << mask;
        } else {
            ASSERT_EQ(rec.calls.size(), 1u) << "mask " << mask;
            EXPECT_EQ(rec.calls[0].events, expected) << "mask " << mask;
        }
    }
}

TEST(EventLoop, UnwatchedFdIsQuietAndCanBeWatchedAgain) {
    EventLoop loop;
    Pipe p = make_pipe();
    put_byte(p.w);
    Recorder first(loop);
    Recorder second(loop);
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &first));
    loop.unwatch(p.r.get());
    loop.unwatch(p.r.get());  // twice is harmless
    EXPECT_EQ(loop.mask(p.r.get()), kNone);
    run_iterations(loop, 1);
    EXPECT_TRUE(first.calls.empty());
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &second));
    run_iterations(loop, 1);
    EXPECT_TRUE(first.calls.empty());
    EXPECT_EQ(second.calls.size(), 1u);
}

TEST(EventLoop, WatchAgainReplacesTheHandler) {
    EventLoop loop;
    Pipe p = make_pipe();
    put_byte(p.w);
    Recorder first(loop);
    Recorder second(loop);
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &first));
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &second));
    run_iterations(loop, 1);
    EXPECT_TRUE(first.calls.empty());
    EXPECT_EQ(second.calls.size(), 1u);
}

TEST(EventLoop, WatchRefusesWhatEpollRefuses) {
    EventLoop loop;
    Recorder rec(loop);
    EXPECT_FALSE(loop.watch(-1, kReadable, &rec));
    EXPECT_FALSE(loop.watch(0, kReadable, nullptr));
    FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    const int fd = fileno(file);
    EXPECT_FALSE(loop.watch(fd, kReadable, &rec));  // regular files: EPERM
    EXPECT_EQ(loop.mask(fd), kNone);
    run_iterations(loop, 1);
    EXPECT_TRUE(rec.calls.empty());
    std::fclose(file);
}

TEST(EventLoop, HangupReachesTheReadPath) {
    EventLoop loop;
    Pipe p = make_pipe();
    Recorder rec(loop);
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &rec));
    p.w.reset();
    run_iterations(loop, 1);
    ASSERT_EQ(rec.calls.size(), 1u);
    EXPECT_EQ(rec.calls[0].events, kHangup | kReadable);
}

TEST(EventLoop, ErrorOnAWriteOnlyFdAlsoReachesTheReadPath) {
    EventLoop loop;
    Pipe p = make_pipe();
    Recorder rec(loop);
    ASSERT_TRUE(loop.watch(p.w.get(), kWritable, &rec));
    p.r.reset();  // EPOLLERR on the write end
    run_iterations(loop, 1);
    ASSERT_EQ(rec.calls.size(), 1u);
    EXPECT_EQ(rec.calls[0].events, kHangup | kReadable | kWritable);
}

// ---- dispatch that survives handlers ----------------------------------------

// Whichever of two ready fds is served first narrows the other's mask; the
// other's already-collected EPOLLOUT must not be delivered.
TEST(EventLoop, MaskNarrowedEarlierInTheBatchIsHonoured) {
    EventLoop loop;
    auto [a, a_peer] = make_socketpair();
    auto [b, b_peer] = make_socketpair();
    const int fa = a.get();
    const int fb = b.get();
    Recorder rec(loop);
    rec.action = [&](int fd, unsigned) {
        if (rec.calls.size() == 1) loop.set_mask(fd == fa ? fb : fa, kReadable);
    };
    ASSERT_TRUE(loop.watch(fa, kWritable, &rec));
    ASSERT_TRUE(loop.watch(fb, kWritable, &rec));
    run_iterations(loop, 1);
    ASSERT_EQ(rec.calls.size(), 1u);
    EXPECT_EQ(rec.calls[0].events, kWritable);
    EXPECT_EQ(loop.stats().events, 1u);
    EXPECT_EQ(loop.stats().dropped_events, 1u);
    EXPECT_EQ(loop.stats().max_events_per_wake, 2u);
}

// The first handler served unwatches and closes the other pipe, then opens
// a new pipe that gets the same fd number, makes it readable and watches it.
// The old fd's event, collected in the same batch, must not reach the new
// handler; the new fd is served in the next iteration like any other.
TEST(EventLoop, UnwatchVoidsPendingEventEvenIfTheFdNumberIsReused) {
    EventLoop loop;
    Pipe pipes[2] = {make_pipe(), make_pipe()};
    put_byte(pipes[0].w);
    put_byte(pipes[1].w);
    Recorder served(loop);
    Recorder newcomer(loop);
    Pipe fresh;
    int closed_fd = -1;
    served.action = [&](int fd, unsigned) {
        if (closed_fd >= 0) return;
        Pipe& other = fd == pipes[0].r.get() ? pipes[1] : pipes[0];
        closed_fd = other.r.get();
        loop.unwatch(closed_fd);
        other.r.reset();
        fresh = make_pipe();
        put_byte(fresh.w);
        loop.watch(fresh.r.get(), kReadable, &newcomer);
    };
    ASSERT_TRUE(loop.watch(pipes[0].r.get(), kReadable, &served));
    ASSERT_TRUE(loop.watch(pipes[1].r.get(), kReadable, &served));

    run_iterations(loop, 1);
    ASSERT_EQ(fresh.r.get(), closed_fd) << "the test needs the fd number reused";
    EXPECT_EQ(served.calls.size(), 1u);
    EXPECT_TRUE(newcomer.calls.empty());
    EXPECT_EQ(loop.stats().dropped_events, 1u);

    run_iterations(loop, 1);
    ASSERT_EQ(newcomer.calls.size(), 1u);
    EXPECT_EQ(newcomer.calls[0].fd, closed_fd);
    EXPECT_EQ(newcomer.calls[0].events, kReadable);
    EXPECT_EQ(newcomer.calls[0].iteration, 2u);
}

TEST(EventLoop, FullEventArrayGrowsUntilOneWakeSeesEverything) {
    constexpr int kFds = 300;
    EventLoop loop;
    std::vector<Fd> fds;
    std::map<int, int> calls_per_fd;
    Recorder rec(loop);
    rec.action = [&](int fd, unsigned) { ++calls_per_fd[fd]; };
    for (int i = 0; i < kFds; ++i) {
        fds.emplace_back(eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC));  // readable until read
        ASSERT_TRUE(loop.watch(fds.back().get(), kReadable, &rec));
    }
    run_iterations(loop, 8);
    EXPECT_EQ(loop.stats().max_events_per_wake, static_cast<uint64_t>(kFds));
    EXPECT_EQ(calls_per_fd.size(), static_cast<size_t>(kFds));
}

// ---- the iteration ----------------------------------------------------------

TEST(EventLoop, BeforeSleepRunsBeforeEveryWaitAfterTheEvents) {
    EventLoop loop;
    Pipe p = make_pipe();
    put_byte(p.w);
    std::string log;
    Recorder rec(loop);
    rec.action = [&](int fd, unsigned) {
        take_byte(fd);
        log += 'E';
    };
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &rec));
    loop.set_before_sleep([&] {
        EXPECT_EQ(loop.stats().iterations, static_cast<uint64_t>(std::count(log.begin(), log.end(), 'S')));
        log += 'S';
        loop.request_no_sleep();
        if (loop.stats().iterations == 2) loop.stop();
    });
    loop.run();
    EXPECT_EQ(log, "SESS");
    EXPECT_EQ(loop.stats().iterations, 3u);
}

TEST(EventLoop, RequestNoSleepKeepsEpollWaitFromBlocking) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    const auto start = Clock::now();
    run_iterations(loop, 50);
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(loop.stats().iterations, 50u);
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(kSafetyNetMs / 2));
}

TEST(EventLoop, RequestNoSleepCoversOnlyTheNextWait) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    bool requested = false;
    loop.set_before_sleep([&] {
        if (!requested) loop.request_no_sleep();
        requested = true;
    });
    loop.add_timer(20, 0, [&] { loop.stop(); });
    loop.run();
    EXPECT_FALSE(*timed_out);
    // One wait that did not block, then one (or, if the kernel wakes a hair
    // early, two) that slept until the timer. A sticky flag would spin.
    EXPECT_GE(loop.stats().iterations, 2u);
    EXPECT_LE(loop.stats().iterations, 3u);
}

TEST(EventLoop, StopThenRunAgain) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    int runs = 0;
    loop.add_timer(0, 0, [&] {
        ++runs;
        loop.stop();
    });
    loop.run();
    EXPECT_TRUE(loop.stopping());
    loop.stop();  // a stale stop() must not end the next run early
    loop.add_timer(1, 0, [&] {
        ++runs;
        loop.stop();
    });
    loop.run();
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(runs, 2);
}

TEST(EventLoop, StopFromBeforeSleepDoesNotBlockTheLastWait) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    loop.set_before_sleep([&] { loop.stop(); });
    const auto start = Clock::now();
    loop.run();
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(loop.stats().iterations, 1u);
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(kSafetyNetMs / 2));
}

// ---- wake-up, signals, clock, counters --------------------------------------

char thread_state(pid_t tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(") ");
    return paren == std::string::npos ? '?' : text[paren + 2];
}

TEST(EventLoop, WakeFromAnotherThreadEndsTheSleep) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    const pid_t loop_tid = gettid();
    std::thread waker;
    bool saw_sleep = false;
    int before_sleeps = 0;
    loop.set_before_sleep([&] {
        if (++before_sleeps == 1) {
            // Waits, with a deadline, until the loop thread is asleep in
            // epoll_wait, so the wake-up really has to interrupt a sleep.
            waker = std::thread([&] {
                const auto deadline = Clock::now() + std::chrono::milliseconds(kSafetyNetMs / 2);
                while (thread_state(loop_tid) != 'S' && Clock::now() < deadline) std::this_thread::yield();
                saw_sleep = thread_state(loop_tid) == 'S';
                loop.wake();
            });
        } else if (before_sleeps == 2) {
            // Woken. Had the eventfd not been drained, the loop would now
            // spin instead of sleeping until this timer.
            loop.add_timer(10, 0, [&] { loop.stop(); });
        }
    });
    loop.run();
    waker.join();
    EXPECT_FALSE(*timed_out);
    EXPECT_TRUE(saw_sleep);
    EXPECT_LE(loop.stats().iterations, 4u);
    EXPECT_EQ(loop.stats().events, 1u);  // the wake-up itself
}

TEST(EventLoop, SignalArrivesThroughTheSignalfd) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    std::vector<int> received;
    loop.on_signals({SIGUSR1}, [&](int signo) {
        received.push_back(signo);
        loop.stop();
    });
    ASSERT_EQ(raise(SIGUSR1), 0);  // blocked now, so it waits for the loop
    loop.run();
    EXPECT_FALSE(*timed_out);
    EXPECT_EQ(received, std::vector<int>{SIGUSR1});
}

TEST(EventLoop, ClockIsWallTimeAndRefreshes) {
    EventLoop loop;
    const uint64_t wall_ms = static_cast<uint64_t>(std::time(nullptr)) * 1000;
    EXPECT_LT(loop.now_ms() > wall_ms ? loop.now_ms() - wall_ms : wall_ms - loop.now_ms(), 2000u);
    const uint64_t before = loop.now_us();
    const uint64_t after = loop.refresh_clock();
    EXPECT_EQ(after, loop.now_us());
    EXPECT_GE(after, before);
}

TEST(EventLoop, StatsCountWorkAndSleep) {
    EventLoop loop;
    auto timed_out = arm_safety_net(loop);
    Pipe p = make_pipe();
    put_byte(p.w);
    Recorder rec(loop);
    rec.action = [&](int fd, unsigned) {
        take_byte(fd);
        // Busy for 2 ms, then at least 4 more ms until the timer (which
        // counts from the refreshed clock) ends the run.
        const uint64_t until = loop.refresh_clock() + 2000;
        while (loop.refresh_clock() < until) {
        }
        loop.add_timer(5, 0, [&] { loop.stop(); });
    };
    ASSERT_TRUE(loop.watch(p.r.get(), kReadable, &rec));
    const auto start = Clock::now();
    loop.run();
    const auto elapsed_us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    EXPECT_FALSE(*timed_out);
    const LoopStats& s = loop.stats();
    EXPECT_GE(s.iterations, 2u);
    EXPECT_EQ(s.events, 1u);
    EXPECT_EQ(s.max_events_per_wake, 1u);
    EXPECT_EQ(s.timers_fired, 1u);
    // How the run splits between busy and asleep depends on the scheduler;
    // that the two add up to the whole run does not. (The spin is timed on
    // the wall clock, the counters on the monotonic one, hence the slack.)
    EXPECT_GE(s.busy_us, 1900u);
    EXPECT_GE(s.busy_us + s.sleep_us, 6000u);
    EXPECT_LE(s.busy_us + s.sleep_us, elapsed_us + 10);  // us rounding
}

}  // namespace
}  // namespace reactor
