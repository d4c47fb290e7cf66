// Signals arrive as readable data on a signalfd, handled on the loop thread
// between events like any other input, instead of in an async handler.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "reactor/event_loop.h"
#include "reactor/internal_fd.h"
#include "reactor/log.h"

namespace reactor {
namespace {

constexpr int kMaxSignal = 64;  // the signal set the bit mask can hold

sigset_t to_sigset(uint64_t bits) {
    sigset_t set;
    sigemptyset(&set);
    for (int s = 1; s <= kMaxSignal; ++s) {
        if (bits & (uint64_t{1} << (s - 1))) sigaddset(&set, s);
    }
    return set;
}

}  // namespace

// Repeated calls add to the set; the latest callback receives them all.
void EventLoop::on_signals(std::initializer_list<int> signals, std::function<void(int)> fn) {
    for (int s : signals) {
        if (s >= 1 && s <= kMaxSignal) signal_bits_ |= uint64_t{1} << (s - 1);
    }
    on_signal_ = std::move(fn);
    const sigset_t set = to_sigset(signal_bits_);
    // Blocked first, or a signal arriving now would take its default action
    // instead of queueing for the signalfd.
    if (const int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
        log_errno("pthread_sigmask", -1, err);
        return;
    }
    const int fd = signalfd(sigfd_, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        log_errno("signalfd", sigfd_, errno);
        return;
    }
    if (sigfd_ >= 0) return;  // the existing signalfd took the new set
    sigfd_ = fd;
    signal_handler_ = std::make_unique<InternalFd>(*this, &EventLoop::drain_signals);
    watch(sigfd_, kReadable, signal_handler_.get());
}

void EventLoop::drain_signals() {
    signalfd_siginfo infos[8];
    for (;;) {
        const ssize_t r = read(sigfd_, infos, sizeof infos);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r < 0 && errno != EAGAIN) log_errno("read(signalfd)", sigfd_, errno);
            return;
        }
        const auto count = static_cast<size_t>(r) / sizeof infos[0];
        for (size_t i = 0; i < count; ++i) {
            if (on_signal_) on_signal_(static_cast<int>(infos[i].ssi_signo));
        }
    }
}

}  // namespace reactor
