// Expiry in real time: keys that nobody reads go away by themselves (the
// active cycle), and a read of an expired key does not see it (lazy).
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

class ExpiryTest : public ServerTest {};

// Polls `command` until it answers `want` or `timeout` passes; returns the
// last answer.
std::string poll_until(RespClient& client, const std::vector<std::string>& command,
                       const std::string& want, milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string got;
    for (;;) {
        got = client.command(command);
        if (got == want || std::chrono::steady_clock::now() >= deadline) return got;
        std::this_thread::sleep_for(milliseconds(10));
    }
}

TEST_F(ExpiryTest, ActiveCycleRemovesKeysNobodyReads) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    std::string pipeline;
    constexpr int kVolatile = 2000;
    for (int i = 0; i < kVolatile; ++i) {
        pipeline += encode_command({"SET", "volatile:" + std::to_string(i), "v", "PX", "100"});
    }
    for (int i = 0; i < 10; ++i) pipeline += encode_command({"SET", "keep:" + std::to_string(i), "v"});
    ASSERT_TRUE(client.send_raw(pipeline));
    for (int i = 0; i < kVolatile + 10; ++i) ASSERT_EQ(client.read_reply(), "+OK\r\n") << i;
    // DBSIZE counts keys that expired but were not removed yet, so it only
    // drops when the server removes them on its own.
    EXPECT_EQ(poll_until(client, {"DBSIZE"}, ":10\r\n", milliseconds(10000)), ":10\r\n");
    EXPECT_EQ(client.command({"EXISTS", "keep:0", "keep:9"}), ":2\r\n");
}

TEST_F(ExpiryTest, ExpiredKeyIsGoneOnRead) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    EXPECT_EQ(client.command({"SET", "k", "v", "PX", "30"}), "+OK\r\n");
    EXPECT_EQ(client.command({"SET", "k2", "v"}), "+OK\r\n");
    EXPECT_EQ(client.command({"PEXPIRE", "k2", "30"}), ":1\r\n");
    EXPECT_EQ(poll_until(client, {"GET", "k"}, "$-1\r\n", milliseconds(5000)), "$-1\r\n");
    EXPECT_EQ(poll_until(client, {"EXISTS", "k2"}, ":0\r\n", milliseconds(5000)), ":0\r\n");
    EXPECT_EQ(client.command({"TTL", "k"}), ":-2\r\n");
    EXPECT_EQ(client.command({"INCR", "k"}), ":1\r\n");
    EXPECT_EQ(client.command({"TTL", "k"}), ":-1\r\n");
}

}  // namespace
}  // namespace testsupport
