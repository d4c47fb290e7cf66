#include "server/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/server.h"

namespace server {

namespace {

// Accepts per wake-up, so a connection storm cannot starve served clients.
constexpr int kMaxAcceptsPerWake = 256;
// Out of descriptors: how long the listener is not watched, and how often at
// most that is logged (a server held at its limit would otherwise log ten
// lines a second).
constexpr uint64_t kFdExhaustedPauseMs = 100;
constexpr uint64_t kPauseLogIntervalMs = 1000;

// Redis's anetKeepAlive: probes after `seconds` of silence, then every
// seconds/3, and the peer is dropped after 3 unanswered ones.
void set_keepalive(int fd, int seconds) {
    int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0) return;
    int idle = seconds;
    int interval = seconds / 3 > 0 ? seconds / 3 : 1;
    int count = 3;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

}  // namespace

Listener::~Listener() { close(); }

std::string Listener::open(const std::string& address, int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    std::string host = address == "localhost" ? "127.0.0.1" : address;
    if (host == "*") host = "0.0.0.0";
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
        return "invalid bind address '" + address + "'";
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::string err = "bind " + address + ":" + std::to_string(port) + ": " + std::strerror(errno);
        close();
        return err;
    }
    if (::listen(fd_, 511) != 0) {
        std::string err = std::string("listen: ") + std::strerror(errno);
        close();
        return err;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    server_.loop().watch(fd_, reactor::kReadable, this);
    return {};
}

void Listener::close() {
    if (fd_ < 0) return;
    server_.loop().unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
}

void Listener::pause_accepting(int err) {
    if (paused_ || fd_ < 0) return;
    paused_ = true;
    ++server_.stats().accept_pauses;
    const uint64_t now = server_.loop().now_ms();
    if (!logged_ || now - last_log_ms_ >= kPauseLogIntervalMs) {
        std::fprintf(stderr,
                     "ringdis: Accepting client connection: %s; not accepting for %llu ms (pauses so far: %llu)\n",
                     std::strerror(err), static_cast<unsigned long long>(kFdExhaustedPauseMs),
                     static_cast<unsigned long long>(server_.stats().accept_pauses));
        logged_ = true;
        last_log_ms_ = now;
    }
    // The socket stays readable while connections wait in its backlog: with
    // level-triggered epoll, watching it now would wake the loop at once.
    server_.loop().set_mask(fd_, reactor::kNone);
    server_.loop().add_timer(kFdExhaustedPauseMs, 0, [this] {
        paused_ = false;
        if (fd_ >= 0) server_.loop().set_mask(fd_, reactor::kReadable);
    });
}

void Listener::on_io(int, unsigned) {
    for (int i = 0; i < kMaxAcceptsPerWake && fd_ >= 0; ++i) {
        int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) pause_accepting(errno);
            return;  // EAGAIN or an error to retry on the next wake-up
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int64_t keepalive = server_.config().tcp_keepalive;
        if (keepalive > 0) set_keepalive(fd, static_cast<int>(keepalive));
        server_.accept_connection(fd);
    }
}

}  // namespace server
