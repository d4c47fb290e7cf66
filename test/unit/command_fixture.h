// Drives commands without a socket: one server (not listening) and one
// connection over a socketpair whose other end nobody reads, so replies stay
// in the connection's output buffer where run() picks them up.
//
// The Connection does not close its fd when destroyed (the server's
// close_now() does that), so the fixture closes both ends itself. Nothing
// driven through it may close the connection (QUIT, CLIENT KILL): close_now()
// would hand it to the server's graveyard, which this unlinked connection is
// not part of.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "server/connection.h"
#include "server/server.h"

namespace server::cmdtest {

inline std::string bulk(std::string_view s) {
    return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string integer(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string arity(std::string_view cmd) {
    return "-ERR wrong number of arguments for '" + std::string(cmd) + "' command\r\n";
}
inline std::string bad_expire(std::string_view cmd) {
    return "-ERR invalid expire time in '" + std::string(cmd) + "' command\r\n";
}
inline constexpr std::string_view kOk = "+OK\r\n";
inline constexpr std::string_view kNil = "$-1\r\n";
inline constexpr std::string_view kSyntax = "-ERR syntax error\r\n";
inline constexpr std::string_view kNotInt = "-ERR value is not an integer or out of range\r\n";

class CommandFixture : public testing::Test {
protected:
    CommandFixture() : srv_(Config{}) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
        fd_ = fds[0];
        peer_ = fds[1];
        conn_ = std::make_unique<Connection>(srv_, fd_, 1, "127.0.0.1:1", "127.0.0.1:2");
    }
    ~CommandFixture() override {
        conn_.reset();
        ::close(fd_);
        ::close(peer_);
    }

    std::string run(std::initializer_list<std::string_view> args) {
        std::vector<std::string_view> argv(args);
        conn_->run_command(argv);
        std::string out(conn_->pending_output());
        conn_->discard_output();
        return out;
    }
    int64_t now() { return static_cast<int64_t>(srv_.loop().now_ms()); }

    Server srv_;
    int fd_ = -1;
    int peer_ = -1;
    std::unique_ptr<Connection> conn_;
};

}  // namespace server::cmdtest
