// Private to reactor/*.cpp: the handler behind the loop's own fds (eventfd,
// signalfd). They go through the same dispatch as everyone else's fds, so
// they obey the same generation and mask rules.
#pragma once

#include "reactor/event_loop.h"

namespace reactor {

class EventLoop::InternalFd final : public IoHandler {
public:
    using Drain = void (EventLoop::*)();
    InternalFd(EventLoop& loop, Drain drain) : loop_(loop), drain_(drain) {}
    void on_io(int, unsigned) override { (loop_.*drain_)(); }

private:
    EventLoop& loop_;
    Drain drain_;
};

}  // namespace reactor
