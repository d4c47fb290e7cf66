// The server answers over TCP, and the two storage modes: one keyspace for
// every connection (shared, the default) or one per connection.
#include <gtest/gtest.h>

#include "test/support/server_test.h"

namespace testsupport {
namespace {

class BasicTest : public ServerTest {};

TEST_F(BasicTest, PingAnswersPong) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    EXPECT_EQ(client.command({"PING"}), "+PONG\r\n");
    EXPECT_EQ(client.command({"PING", "hello"}), "$5\r\nhello\r\n");
    EXPECT_TRUE(client.send_raw("PING\r\n"));  // inline, as redis-benchmark sends it
    EXPECT_EQ(client.read_reply(), "+PONG\r\n");
}

TEST_F(BasicTest, SharedStorageIsVisibleFromAnotherConnection) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient writer = connect();
    RespClient reader = connect();
    EXPECT_EQ(reader.command({"GET", "hello"}), "$-1\r\n");
    EXPECT_EQ(writer.command({"SET", "hello", "world"}), "+OK\r\n");
    EXPECT_EQ(reader.command({"GET", "hello"}), "$5\r\nworld\r\n");
    EXPECT_EQ(reader.command({"DEL", "hello"}), ":1\r\n");
    EXPECT_EQ(writer.command({"GET", "hello"}), "$-1\r\n");
    // A connection opened later sees it too.
    EXPECT_EQ(writer.command({"SET", "later", "yes"}), "+OK\r\n");
    RespClient third = connect();
    EXPECT_EQ(third.command({"GET", "later"}), "$3\r\nyes\r\n");
}

TEST_F(BasicTest, SharedIsTheExplicitStorageFlagToo) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start({"--storage", "shared"}));
    RespClient writer = connect();
    RespClient reader = connect();
    EXPECT_EQ(writer.command({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(reader.command({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(BasicTest, PerConnectionStorageIsInvisibleFromAnotherConnection) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start({"--storage", "per-connection"}));
    RespClient first = connect();
    RespClient second = connect();
    EXPECT_EQ(first.command({"SET", "hello", "world"}), "+OK\r\n");
    EXPECT_EQ(first.command({"GET", "hello"}), "$5\r\nworld\r\n");
    EXPECT_EQ(second.command({"GET", "hello"}), "$-1\r\n");
    EXPECT_EQ(second.command({"DBSIZE"}), ":0\r\n");
    EXPECT_EQ(second.command({"SET", "hello", "other"}), "+OK\r\n");
    EXPECT_EQ(first.command({"GET", "hello"}), "$5\r\nworld\r\n");
    EXPECT_EQ(second.command({"GET", "hello"}), "$5\r\nother\r\n");
    // A connection's keyspace does not outlive it: a new one starts empty.
    first.close();
    RespClient third = connect();
    EXPECT_EQ(third.command({"GET", "hello"}), "$-1\r\n");
    EXPECT_EQ(third.command({"DBSIZE"}), ":0\r\n");
}

TEST_F(BasicTest, VerboseLogsEachCommand) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start({"--verbose"}));
    RespClient client = connect();
    EXPECT_EQ(client.command({"SET", "verbosekey", "verbosevalue"}), "+OK\r\n");
    client.close();
    // Stopping flushes whatever the server buffered for its log.
    ExitStatus status = server_.stop();
    EXPECT_TRUE(status.success()) << status.describe();
    std::string log = server_.read_log();
    EXPECT_NE(log.find("verbosekey"), std::string::npos) << log;
    EXPECT_NE(log.find("verbosevalue"), std::string::npos) << log;
}

}  // namespace
}  // namespace testsupport
