#include "reactor/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <system_error>
#include <utility>

#include "reactor/clock.h"
#include "reactor/internal_fd.h"
#include "reactor/log.h"

namespace reactor {
namespace {

constexpr size_t kInitialEvents = 64;
// Past this, a full batch is already plenty of work per wake-up.
constexpr size_t kMaxEvents = 64 * 1024;

uint64_t pack(int fd, uint32_t generation) {
    return static_cast<uint32_t>(fd) | (static_cast<uint64_t>(generation) << 32);
}

uint32_t epoll_bits(unsigned mask) {
    uint32_t bits = 0;
    if (mask & kReadable) bits |= EPOLLIN;
    if (mask & kWritable) bits |= EPOLLOUT;
    return bits;
}

uint64_t saturating_add(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

void pause_briefly() {
    timespec ts{0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
}

}  // namespace

EventLoop::EventLoop() : events_(kInitialEvents) {
    // Without its epoll fd and wake-up fd the loop cannot exist at all, so
    // this is the one place that reports failure by throwing.
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakefd_ < 0) {
        const int err = errno;
        close(epfd_);
        throw std::system_error(err, std::generic_category(), "eventfd");
    }
    wake_handler_ = std::make_unique<InternalFd>(*this, &EventLoop::drain_wakeups);
    if (!watch(wakefd_, kReadable, wake_handler_.get())) {
        const int err = errno;
        close(wakefd_);
        close(epfd_);
        throw std::system_error(err, std::generic_category(), "epoll_ctl(eventfd)");
    }
    refresh_clock();
}

EventLoop::~EventLoop() {
    // Signals passed to on_signals stay blocked: unblocking them now would
    // deliver any pending one with its default action (usually death).
    if (sigfd_ >= 0) close(sigfd_);
    close(wakefd_);
    close(epfd_);
}

// ---- fds --------------------------------------------------------------------

bool EventLoop::watch(int fd, unsigned mask, IoHandler* handler) {
    if (fd < 0 || handler == nullptr) return false;
    if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(static_cast<size_t>(fd) + 1);
    Slot& slot = slots_[static_cast<size_t>(fd)];
    IoHandler* previous = slot.handler;
    slot.handler = handler;
    if (apply_mask(fd, slot, mask)) return true;
    slot.handler = previous;
    return false;
}

void EventLoop::set_mask(int fd, unsigned mask) {
    if (watched(fd)) apply_mask(fd, slots_[static_cast<size_t>(fd)], mask);
}

unsigned EventLoop::mask(int fd) const {
    return watched(fd) ? slots_[static_cast<size_t>(fd)].mask : kNone;
}

void EventLoop::unwatch(int fd) {
    if (!watched(fd)) return;
    Slot& slot = slots_[static_cast<size_t>(fd)];
    apply_mask(fd, slot, kNone);
    slot.handler = nullptr;
    slot.mask = kNone;  // even if the kernel refused the DEL
    ++slot.generation;
}

bool EventLoop::watched(int fd) const {
    return fd >= 0 && static_cast<size_t>(fd) < slots_.size() &&
           slots_[static_cast<size_t>(fd)].handler != nullptr;
}

// Moves the kernel's interest set from slot.mask to mask with at most one
// epoll_ctl, and none when nothing changes. On failure the slot keeps the
// mask the kernel still has.
bool EventLoop::apply_mask(int fd, Slot& slot, unsigned mask) {
    mask &= kReadable | kWritable;
    if (mask == slot.mask) return true;
    const int op = slot.mask == kNone ? EPOLL_CTL_ADD : mask == kNone ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    bool ok = ctl(op, fd, slot.generation, mask);
    // The owner closed the fd without unwatching it: the kernel dropped it on
    // close, and the number may now be a new file. Follow the kernel's view.
    if (!ok && op == EPOLL_CTL_MOD && errno == ENOENT) ok = ctl(EPOLL_CTL_ADD, fd, slot.generation, mask);
    if (!ok && op == EPOLL_CTL_ADD && errno == EEXIST) ok = ctl(EPOLL_CTL_MOD, fd, slot.generation, mask);
    if (!ok && op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF)) ok = true;
    if (!ok) {
        log_errno("epoll_ctl", fd, errno);
        return false;
    }
    slot.mask = mask;
    return true;
}

bool EventLoop::ctl(int op, int fd, uint32_t generation, unsigned mask) {
    epoll_event ev{};
    ev.events = epoll_bits(mask);
    ev.data.u64 = pack(fd, generation);
    return epoll_ctl(epfd_, op, fd, &ev) == 0;
}

// ---- timers, hooks ----------------------------------------------------------

TimerId EventLoop::add_timer(uint64_t delay_ms, uint64_t repeat_ms, std::function<void()> fn) {
    return timers_.add(saturating_add(mono_us_ / 1000, delay_ms), repeat_ms, std::move(fn));
}

void EventLoop::cancel_timer(TimerId id) { timers_.cancel(id); }

void EventLoop::set_before_sleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }

void EventLoop::run_timers() { stats_.timers_fired += timers_.run_due(mono_us_ / 1000); }

uint64_t EventLoop::refresh_clock() {
    now_us_ = wall_clock_us();
    mono_us_ = monotonic_us();
    return now_us_;
}

// ---- the loop ---------------------------------------------------------------

void EventLoop::run() {
    stop_ = false;
    refresh_clock();
    busy_since_us_ = mono_us_;
    while (!stop_) run_once();
    stats_.busy_us += monotonic_us() - busy_since_us_;
}

void EventLoop::stop() { stop_ = true; }

void EventLoop::run_once() {
    if (before_sleep_) before_sleep_();
    // Read after the hook, so time it spent shortens the sleep instead of
    // making the next timer late.
    const uint64_t sleep_start = monotonic_us();
    stats_.busy_us += sleep_start - busy_since_us_;
    const int timeout = next_timeout_ms(sleep_start);
    no_sleep_ = false;
    const int n = epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout);
    const int wait_errno = errno;
    refresh_clock();
    busy_since_us_ = mono_us_;
    stats_.sleep_us += mono_us_ - sleep_start;
    ++stats_.iterations;
    if (n < 0) {
        note_wait_error(wait_errno);
    } else {
        wait_errors_ = 0;
        dispatch(n);
    }
    run_timers();
}

int EventLoop::next_timeout_ms(uint64_t mono_now_us) {
    // stop() from the hook: finish this iteration without sleeping in it.
    if (no_sleep_ || stop_) return 0;
    const uint64_t deadline = timers_.next_deadline();
    if (deadline == UINT64_MAX) return -1;
    const uint64_t now_ms = mono_now_us / 1000;
    if (deadline <= now_ms) return 0;
    return static_cast<int>(std::min<uint64_t>(deadline - now_ms, INT_MAX));
}

// EINTR is normal (a signal not routed to the signalfd). Anything else is a
// bug or a broken kernel object; keep serving, but do not spin on it.
void EventLoop::note_wait_error(int err) {
    if (err == EINTR) return;
    ++wait_errors_;
    if ((wait_errors_ & (wait_errors_ - 1)) == 0) log_errno("epoll_wait", epfd_, err);
    if (wait_errors_ > 1) pause_briefly();
}

void EventLoop::dispatch(int count) {
    const auto n = static_cast<size_t>(count);
    stats_.max_events_per_wake = std::max<uint64_t>(stats_.max_events_per_wake, n);
    for (size_t i = 0; i < n; ++i) {
        const uint64_t data = events_[i].data.u64;
        const int fd = static_cast<int>(static_cast<uint32_t>(data));
        const unsigned ready = ready_bits(fd, static_cast<uint32_t>(data >> 32), events_[i].events);
        if (ready == kNone) {
            ++stats_.dropped_events;
            continue;
        }
        ++stats_.events;
        slots_[static_cast<size_t>(fd)].handler->on_io(fd, ready);
    }
    // A full array may have left ready fds behind; they are still ready
    // (level-triggered) and fit next time.
    if (n == events_.size() && n < kMaxEvents) events_.resize(n * 2);
}

// What fd's handler should hear about this event now, given what earlier
// handlers in the batch did: nothing if fd was unwatched (its generation
// moved on, even if the number was reused), only the bits its mask still
// wants otherwise. Error and hang-up go to the read path, which sees the EOF
// or the error, and to the write path if it is waiting.
unsigned EventLoop::ready_bits(int fd, uint32_t generation, uint32_t epoll_events) const {
    if (!watched(fd)) return kNone;
    const Slot& slot = slots_[static_cast<size_t>(fd)];
    if (slot.generation != generation || slot.mask == kNone) return kNone;
    unsigned ready = kNone;
    if (epoll_events & (EPOLLERR | EPOLLHUP)) ready |= kHangup | kReadable | (slot.mask & kWritable);
    if ((epoll_events & EPOLLIN) && (slot.mask & kReadable)) ready |= kReadable;
    if ((epoll_events & EPOLLOUT) && (slot.mask & kWritable)) ready |= kWritable;
    return ready;
}

// ---- wake-up ----------------------------------------------------------------

void EventLoop::wake() {
    const uint64_t one = 1;
    ssize_t r;
    // EAGAIN means the counter is saturated: the loop is being woken anyway.
    do r = write(wakefd_, &one, sizeof one);
    while (r < 0 && errno == EINTR);
}

void EventLoop::drain_wakeups() {
    uint64_t count;
    ssize_t r;
    // One read resets an eventfd counter to zero.
    do r = read(wakefd_, &count, sizeof count);
    while (r < 0 && errno == EINTR);
}

}  // namespace reactor
