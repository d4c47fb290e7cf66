#include "test/support/resp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "test/support/bytes_text.h"
#include "test/support/resp_framer.h"

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

std::string encode_command(const std::vector<std::string>& args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string& arg : args) {
        out += "$" + std::to_string(arg.size()) + "\r\n";
        out += arg;
        out += "\r\n";
    }
    return out;
}

RespClient::RespClient(int port, Millis timeout, int receive_buffer) : timeout_(timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        error_ = std::string("socket: ") + std::strerror(errno);
        return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    // A blocking connect to loopback completes (or is refused) at once:
    // the kernel finishes the handshake for a listening socket.
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int rc;
    do {
        rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        error_ = "connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
    }
}

RespClient::~RespClient() { close(); }

RespClient::RespClient(RespClient&& other) noexcept
    : fd_(other.fd_),
      timeout_(other.timeout_),
      buffer_(std::move(other.buffer_)),
      error_(std::move(other.error_)),
      closed_(other.closed_) {
    other.fd_ = -1;
}

RespClient& RespClient::operator=(RespClient&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = other.fd_;
        timeout_ = other.timeout_;
        buffer_ = std::move(other.buffer_);
        error_ = std::move(other.error_);
        closed_ = other.closed_;
        other.fd_ = -1;
    }
    return *this;
}

void RespClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void RespClient::shutdown_write() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool send_all(int fd, std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        sent += static_cast<size_t>(n);
    }
    return true;
}

bool RespClient::send_raw(std::string_view bytes) {
    if (fd_ < 0) {
        error_ = "not connected";
        return false;
    }
    if (send_all(fd_, bytes)) return true;
    error_ = std::string("send: ") + std::strerror(errno);
    return false;
}

long RespClient::receive(Clock::time_point deadline) {
    if (fd_ < 0 || closed_) {
        closed_ = true;
        return 0;
    }
    for (;;) {
        pollfd pfd{fd_, POLLIN, 0};
        int ready = ::poll(&pfd, 1, ms_until(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            error_ = std::string("poll: ") + std::strerror(errno);
            return -1;
        }
        if (ready == 0) {
            error_ = "timeout";
            return -1;
        }
        char chunk[65536];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
            return n;
        }
        if (n < 0 && errno == EINTR) continue;
        // EOF and reset are the same outcome for a test: the server closed.
        // Which one arrives depends on whether unread bytes were pending.
        if (n == 0 || errno == ECONNRESET) {
            closed_ = true;
            return 0;
        }
        error_ = std::string("recv: ") + std::strerror(errno);
        return -1;
    }
}

std::string RespClient::read_reply() {
    Clock::time_point deadline = Clock::now() + timeout_;
    for (;;) {
        long len = resp_reply_length(buffer_);
        if (len > 0) {
            std::string reply = buffer_.substr(0, static_cast<size_t>(len));
            buffer_.erase(0, static_cast<size_t>(len));
            return reply;
        }
        if (len < 0) {
            std::string bad = "<malformed reply: \"" + escape_bytes(buffer_, 200) + "\">";
            buffer_.clear();
            return bad;
        }
        long got = receive(deadline);
        if (got > 0) continue;
        std::string partial = buffer_.empty() ? "" : ", partial \"" + escape_bytes(buffer_, 200) + "\"";
        buffer_.clear();
        if (got == 0) return "<closed" + partial + ">";
        return "<" + error_ + partial + ">";
    }
}

std::vector<std::string> RespClient::read_replies(size_t count) {
    std::vector<std::string> replies;
    replies.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        replies.push_back(read_reply());
        if (replies.back().starts_with('<')) break;
    }
    return replies;
}

std::string RespClient::command(const std::vector<std::string>& args) {
    // Read even when the send failed: the server may have answered (with an
    // error) before it closed, and the reply says so either way.
    send_raw(encode_command(args));
    return read_reply();
}

RespClient::Drained RespClient::read_until_closed(Millis timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (receive(deadline) > 0) {
    }
    Drained out;
    out.bytes = std::move(buffer_);
    buffer_.clear();
    out.closed = closed_;
    return out;
}

}  // namespace testsupport
