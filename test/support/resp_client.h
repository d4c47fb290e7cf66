// A blocking test client for one TCP connection to 127.0.0.1:<port>. Every
// read has a deadline. Replies come back as their raw bytes; a reply that
// could not be read comes back as a text in angle brackets ("<timeout ...>",
// "<closed ...>"), which no RESP reply starts with, so that
// EXPECT_EQ(client.command({"PING"}), "+PONG\r\n") fails readably.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace testsupport {

// "*<n>\r\n$<len>\r\n<arg>\r\n..." for the arguments.
std::string encode_command(const std::vector<std::string>& args);

// Writes all of `bytes` to the socket `fd`. For a writer thread beside a
// thread that reads the same connection (a RespClient is not for concurrent
// use); false when the peer is gone.
bool send_all(int fd, std::string_view bytes);

class RespClient {
public:
    using Millis = std::chrono::milliseconds;

    // Connects at once; check ok(). A receive_buffer of N > 0 bytes fixes
    // the socket's receive buffer (SO_RCVBUF, before connect, which turns
    // off the kernel's autotuning), so that a test can keep a server's
    // output in the server rather than in this socket.
    explicit RespClient(int port, Millis timeout = Millis(5000), int receive_buffer = 0);
    ~RespClient();
    RespClient(RespClient&& other) noexcept;
    RespClient& operator=(RespClient&& other) noexcept;
    RespClient(const RespClient&) = delete;
    RespClient& operator=(const RespClient&) = delete;

    bool ok() const { return fd_ >= 0; }
    const std::string& error() const { return error_; }
    int fd() const { return fd_; }
    // The deadline of each later read.
    void set_timeout(Millis timeout) { timeout_ = timeout; }

    // Sends all the bytes; false (with error()) when the peer is gone.
    bool send_raw(std::string_view bytes);
    // Reads exactly one complete reply (RESP2 or RESP3) and returns its
    // bytes; bytes after it stay buffered for the next read.
    std::string read_reply();
    std::vector<std::string> read_replies(size_t count);
    // send_raw(encode_command(args)) + read_reply().
    std::string command(const std::vector<std::string>& args);

    struct Drained {
        std::string bytes;    // everything received (buffered bytes first)
        bool closed = false;  // the server closed (EOF or reset) in time
    };
    // Reads until the server closes the connection or `timeout` passes.
    Drained read_until_closed(Millis timeout = Millis(5000));
    // Bytes already received but not yet returned by a read.
    const std::string& buffered() const { return buffer_; }

    // Half-close: the server sees EOF; replies can still be read.
    void shutdown_write();
    void close();

private:
    // Receives once into buffer_, waiting until `deadline`. Returns the bytes
    // added, 0 on EOF or reset (closed_ set), -1 on time-out or error.
    long receive(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    Millis timeout_;
    std::string buffer_;
    std::string error_;
    bool closed_ = false;
};

}  // namespace testsupport
