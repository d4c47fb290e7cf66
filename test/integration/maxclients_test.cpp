// --maxclients: connections past the limit get Redis's error and are
// closed; a freed slot can be used again.
#include <gtest/gtest.h>

#include <thread>

#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

class MaxclientsTest : public ServerTest {};

TEST_F(MaxclientsTest, ThirdClientIsRefused) {
    ASSERT_NO_FATAL_FAILURE(start({"--maxclients", "2"}));
    RespClient first = connect();
    EXPECT_EQ(first.command({"PING"}), "+PONG\r\n");
    RespClient second = connect();
    EXPECT_EQ(second.command({"PING"}), "+PONG\r\n");

    RespClient third = connect();
    RespClient::Drained got = third.read_until_closed(milliseconds(5000));
    EXPECT_EQ(escape_bytes(got.bytes), escape_bytes("-ERR max number of clients reached\r\n"));
    EXPECT_TRUE(got.closed);

    // The refused one did not disturb the others.
    EXPECT_EQ(first.command({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(second.command({"GET", "k"}), "$1\r\nv\r\n");

    // Once a client leaves, a new one is let in. The server learns of the
    // close asynchronously, so retry with a deadline.
    first.close();
    auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    std::string reply;
    while (std::chrono::steady_clock::now() < deadline) {
        RespClient next = connect();
        reply = next.command({"GET", "k"});
        if (reply == "$1\r\nv\r\n") break;
        std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_EQ(escape_bytes(reply), escape_bytes("$1\r\nv\r\n"));
}

}  // namespace
}  // namespace testsupport
