// Sends bytes to a socket from a thread of its own while the test reads the
// replies, so a large pipeline cannot deadlock against a server that stops
// reading until its replies are read. If the test ends early (a failed
// ASSERT), the destructor shuts the socket down to unblock the send and
// joins the thread.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "test/support/resp_client.h"

namespace testsupport {

class BackgroundWriter {
public:
    // Writes `bytes` in one send (looping only on partial sends).
    BackgroundWriter(int fd, std::string bytes)
        : fd_(fd), thread_([this, data = std::move(bytes)] {
              ok_ = send_all(fd_, data);
              done_ = true;
          }) {}

    // Runs `body(send)` on the thread; `send` writes one piece.
    BackgroundWriter(int fd, std::function<bool(const std::function<bool(std::string_view)>&)> body)
        : fd_(fd), thread_([this, body = std::move(body)] {
              ok_ = body([this](std::string_view piece) { return send_all(fd_, piece); });
              done_ = true;
          }) {}

    ~BackgroundWriter() {
        if (!thread_.joinable()) return;
        if (!done_) ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
    }
    BackgroundWriter(const BackgroundWriter&) = delete;
    BackgroundWriter& operator=(const BackgroundWriter&) = delete;

    // Waits for the writer; true when every byte was sent.
    bool finish() {
        if (thread_.joinable()) thread_.join();
        return ok_;
    }

private:
    int fd_;
    std::atomic<bool> ok_{false};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

}  // namespace testsupport
