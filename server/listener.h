// The listening socket: accepts until EAGAIN (a bounded number per wake-up)
// and hands each new socket to the server. When the process runs out of file
// descriptors it stops accepting for a moment instead of spinning.
#pragma once

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
    void pause_accepting();

    Server& server_;
    int fd_ = -1;
    int port_ = 0;
    bool paused_ = false;
};

}  // namespace server
