// The listening socket: accepts until EAGAIN (a bounded number per wake-up)
// and hands each new socket to the server. When the process runs out of file
// descriptors (or kernel memory) it stops watching the socket for 100 ms
// instead of spinning on a listener that stays readable, keeps serving the
// clients it has, and says so on stderr at most once a second.
#pragma once

#include <cstdint>
#include <string>

#include "reactor/event_loop.h"

namespace server {

class Server;

class Listener final : public reactor::IoHandler {
public:
    explicit Listener(Server& server) : server_(server) {}
    ~Listener();
    // Binds and listens; returns an error message, or empty on success.
    std::string open(const std::string& address, int port);
    void close();
    void on_io(int fd, unsigned events) override;
    int port() const { return port_; }

private:
    void pause_accepting(int err);

    Server& server_;
    int fd_ = -1;
    int port_ = 0;
    bool paused_ = false;
    // The "not accepting" line is printed at most once a second.
    bool logged_ = false;
    uint64_t last_log_ms_ = 0;
};

}  // namespace server
