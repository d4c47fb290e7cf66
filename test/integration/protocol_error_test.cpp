// A client that sends garbage gets Redis's protocol error and is
// disconnected; the other clients do not notice.
#include <gtest/gtest.h>

#include <string>

#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

struct Garbage {
    const char* name;
    std::string bytes;
    std::string reply;  // the whole reply; the connection is closed after it
};

void PrintTo(const Garbage& g, std::ostream* os) { *os << g.name; }

class ProtocolErrorTest : public ServerTest, public ::testing::WithParamInterface<Garbage> {};

TEST_P(ProtocolErrorTest, GarbageClosesOnlyThatClient) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient good = connect();
    EXPECT_EQ(good.command({"SET", "k", "before"}), "+OK\r\n");

    RespClient bad = connect();
    ASSERT_TRUE(bad.send_raw(GetParam().bytes));
    RespClient::Drained got = bad.read_until_closed(milliseconds(5000));
    EXPECT_EQ(escape_bytes(got.bytes), escape_bytes(GetParam().reply));
    EXPECT_TRUE(got.closed) << "the server did not close the connection";

    EXPECT_EQ(good.command({"GET", "k"}), "$6\r\nbefore\r\n");
    EXPECT_EQ(good.command({"SET", "k", "after"}), "+OK\r\n");
    RespClient fresh = connect();
    EXPECT_EQ(fresh.command({"GET", "k"}), "$5\r\nafter\r\n");
}

// Replies to the commands before the garbage arrive first.
TEST_F(ProtocolErrorTest, RepliesBeforeTheGarbageAreSent) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient bad = connect();
    ASSERT_TRUE(bad.send_raw(encode_command({"SET", "a", "1"}) + "PING\r\n" + "*1\r\n$abc\r\n" +
                             encode_command({"SET", "never", "1"})));
    RespClient::Drained got = bad.read_until_closed(milliseconds(5000));
    EXPECT_EQ(escape_bytes(got.bytes),
              escape_bytes("+OK\r\n+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"));
    EXPECT_TRUE(got.closed);
    RespClient good = connect();
    EXPECT_EQ(good.command({"EXISTS", "a", "never"}), ":1\r\n");
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, ProtocolErrorTest,
    ::testing::Values(
        Garbage{"BadBulkLength", "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        Garbage{"BadMultibulkLength", "*xyz\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        Garbage{"NotADollar", "*1\r\nPING\r\n", "-ERR Protocol error: expected '$', got 'P'\r\n"},
        Garbage{"BulkTooLong", "*1\r\n$536870913\r\n",
                "-ERR Protocol error: invalid bulk length\r\n"},
        Garbage{"UnbalancedQuotes", "SET \"k v\r\n",
                "-ERR Protocol error: unbalanced quotes in request\r\n"},
        Garbage{"InlineTooBig", std::string(70 * 1024, 'a'),
                "-ERR Protocol error: too big inline request\r\n"},
        Garbage{"BinaryNoise", std::string("*\x01\xff\xfe\r\n", 6),
                "-ERR Protocol error: invalid multibulk length\r\n"}),
    [](const ::testing::TestParamInfo<Garbage>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace testsupport
