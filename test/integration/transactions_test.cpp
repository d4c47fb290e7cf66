// Transactions, Pub/Sub and client flow control across connections: what a
// single-connection corpus cannot show. These run against the server under
// test (RINGDIS_SERVER=/usr/bin/redis-server checks them against Redis).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

std::string message(std::string_view channel, std::string_view payload) {
    return "*3\r\n$7\r\nmessage\r\n$" + std::to_string(channel.size()) + "\r\n" + std::string(channel) +
           "\r\n$" + std::to_string(payload.size()) + "\r\n" + std::string(payload) + "\r\n";
}

class TransactionsTest : public ServerTest {};

TEST_F(TransactionsTest, WriteByAnotherClientAbortsExec) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient a = connect();
    RespClient b = connect();
    EXPECT_EQ(a.command({"SET", "k", "1"}), "+OK\r\n");
    EXPECT_EQ(a.command({"WATCH", "k"}), "+OK\r\n");
    EXPECT_EQ(b.command({"INCR", "k"}), ":2\r\n");
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"SET", "k", "from-a"}), "+QUEUED\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*-1\r\n");
    EXPECT_EQ(a.command({"GET", "k"}), "$1\r\n2\r\n");
    // The failed EXEC unwatched everything: the next transaction runs.
    EXPECT_EQ(b.command({"INCR", "k"}), ":3\r\n");
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"GET", "k"}), "+QUEUED\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*1\r\n$1\r\n3\r\n");
}

TEST_F(TransactionsTest, WriteToAnotherDatabaseDoesNotAbort) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient a = connect();
    RespClient b = connect();
    EXPECT_EQ(a.command({"WATCH", "k"}), "+OK\r\n");
    EXPECT_EQ(b.command({"SELECT", "1"}), "+OK\r\n");
    EXPECT_EQ(b.command({"SET", "k", "other-db"}), "+OK\r\n");
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"PING"}), "+QUEUED\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionsTest, WatchedKeyThatExpiresAbortsExec) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient a = connect();
    EXPECT_EQ(a.command({"SET", "k", "v", "PX", "30"}), "+OK\r\n");
    EXPECT_EQ(a.command({"WATCH", "k"}), "+OK\r\n");
    // Not touched meanwhile: only the passing of its deadline changes it.
    std::this_thread::sleep_for(milliseconds(80));
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"PING"}), "+QUEUED\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, FlushdbAbortsWatchOfAnExistingKeyOnly) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient a = connect();
    RespClient b = connect();
    EXPECT_EQ(b.command({"SET", "present", "1"}), "+OK\r\n");
    EXPECT_EQ(a.command({"WATCH", "absent"}), "+OK\r\n");
    EXPECT_EQ(b.command({"FLUSHDB"}), "+OK\r\n");
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*0\r\n");
    EXPECT_EQ(b.command({"SET", "present", "1"}), "+OK\r\n");
    EXPECT_EQ(a.command({"WATCH", "present"}), "+OK\r\n");
    EXPECT_EQ(b.command({"FLUSHALL"}), "+OK\r\n");
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, BlockedClientIsServedAfterTheWholeTransaction) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient waiter = connect();
    RespClient a = connect();
    waiter.send_raw(encode_command({"BLPOP", "q", "5"}));
    // Wait until the server has parked it.
    for (int i = 0; i < 200; ++i) {
        std::string info = a.command({"INFO", "clients"});
        if (info.find("blocked_clients:1") != std::string::npos) break;
        std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_EQ(a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(a.command({"RPUSH", "q", "x"}), "+QUEUED\r\n");
    EXPECT_EQ(a.command({"LLEN", "q"}), "+QUEUED\r\n");
    EXPECT_EQ(a.command({"EXEC"}), "*2\r\n:1\r\n:1\r\n");
    EXPECT_EQ(waiter.read_reply(), "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
}

TEST_F(TransactionsTest, SubscriberGetsMessagesFromOtherClients) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient sub = connect();
    RespClient pub = connect();
    sub.send_raw(encode_command({"SUBSCRIBE", "news", "sport"}));
    EXPECT_EQ(sub.read_reply(), "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    EXPECT_EQ(sub.read_reply(), "*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n");
    sub.send_raw(encode_command({"PSUBSCRIBE", "n*"}));
    EXPECT_EQ(sub.read_reply(), "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n");
    EXPECT_EQ(pub.command({"PUBLISH", "news", "hello"}), ":2\r\n");
    EXPECT_EQ(pub.command({"PUBLISH", "sport", "goal"}), ":1\r\n");
    EXPECT_EQ(pub.command({"PUBLISH", "weather", "rain"}), ":0\r\n");
    EXPECT_EQ(pub.command({"PUBSUB", "NUMSUB", "news", "weather"}),
              "*4\r\n$4\r\nnews\r\n:1\r\n$7\r\nweather\r\n:0\r\n");
    EXPECT_EQ(sub.read_reply(), message("news", "hello"));
    EXPECT_EQ(sub.read_reply(), "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
    EXPECT_EQ(sub.read_reply(), message("sport", "goal"));
    // A subscriber that goes away is no longer counted.
    sub.close();
    for (int i = 0; i < 200; ++i) {
        if (pub.command({"PUBLISH", "news", "again"}) == ":0\r\n") break;
        std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_EQ(pub.command({"PUBSUB", "NUMPAT"}), ":0\r\n");
}

TEST_F(TransactionsTest, Resp3SubscriberGetsPushMessages) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient sub = connect();
    RespClient pub = connect();
    std::string hello = sub.command({"HELLO", "3"});
    ASSERT_TRUE(hello.starts_with("%7\r\n")) << hello;
    sub.send_raw(encode_command({"SUBSCRIBE", "ch"}));
    EXPECT_EQ(sub.read_reply(), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    EXPECT_EQ(pub.command({"PUBLISH", "ch", "m"}), ":1\r\n");
    EXPECT_EQ(sub.read_reply(), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n");
    // RESP3 allows any command while subscribed.
    EXPECT_EQ(sub.command({"SET", "a", "1"}), "+OK\r\n");
}

TEST_F(TransactionsTest, KeyspaceEventForExpiry) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient sub = connect();
    RespClient a = connect();
    EXPECT_EQ(a.command({"CONFIG", "SET", "notify-keyspace-events", "Ex"}), "+OK\r\n");
    EXPECT_EQ(a.command({"CONFIG", "GET", "notify-keyspace-events"}),
              "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nxE\r\n");
    sub.send_raw(encode_command({"SUBSCRIBE", "__keyevent@0__:expired"}));
    EXPECT_EQ(sub.read_reply(), "*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:expired\r\n:1\r\n");
    EXPECT_EQ(a.command({"SET", "short", "v", "PX", "20"}), "+OK\r\n");
    // Active expiry finds it within a few cron cycles; the deadline is long.
    sub.set_timeout(milliseconds(5000));
    EXPECT_EQ(sub.read_reply(), message("__keyevent@0__:expired", "short"));
}

// A subscriber that does not read is cut off at the pubsub class's hard
// limit instead of growing the server's memory.
TEST_F(TransactionsTest, SlowSubscriberIsCutOffAtTheOutputLimit) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient pub = connect();
    EXPECT_EQ(pub.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 60"}), "+OK\r\n");
    RespClient sub(server_.port(), milliseconds(5000), 4096);
    ASSERT_TRUE(sub.ok());
    sub.send_raw(encode_command({"SUBSCRIBE", "firehose"}));
    EXPECT_EQ(sub.read_reply(), "*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n");
    std::string payload(4096, 'x');
    int published = 0;
    bool cut = false;
    // 64 MiB at most: far past the 256 KiB limit plus the socket buffers.
    for (; published < 16384 && !cut; ++published) {
        std::string r = pub.command({"PUBLISH", "firehose", payload});
        if (r == ":0\r\n") cut = true;
        else ASSERT_EQ(r, ":1\r\n");
    }
    EXPECT_TRUE(cut) << "still subscribed after " << published << " messages";
    EXPECT_EQ(pub.command({"PUBSUB", "NUMSUB", "firehose"}), "*2\r\n$8\r\nfirehose\r\n:0\r\n");
    std::string clients = pub.command({"CLIENT", "LIST"});
    EXPECT_EQ(clients.find("sub=1"), std::string::npos) << clients;
}

TEST_F(TransactionsTest, ClientPauseWriteHoldsWritesUntilUnpause) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    RespClient c = connect();
    EXPECT_EQ(admin.command({"SET", "k", "before"}), "+OK\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "PAUSE", "10000", "WRITE"}), "+OK\r\n");
    EXPECT_EQ(c.command({"GET", "k"}), "$6\r\nbefore\r\n");
    c.send_raw(encode_command({"SET", "k", "after"}));
    c.send_raw(encode_command({"GET", "k"}));
    // Held: no reply arrives while paused.
    c.set_timeout(milliseconds(200));
    std::string early = c.read_reply();
    EXPECT_TRUE(early.starts_with("<timeout")) << early;
    c.set_timeout(milliseconds(5000));
    EXPECT_EQ(admin.command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
    EXPECT_EQ(c.read_reply(), "+OK\r\n");
    EXPECT_EQ(c.read_reply(), "$5\r\nafter\r\n");
}

TEST_F(TransactionsTest, ClientPauseEndsOnItsOwn) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    RespClient c = connect();
    EXPECT_EQ(admin.command({"CLIENT", "PAUSE", "100"}), "+OK\r\n");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
    // Answered only once the pause was over.
    EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(50));
}

}  // namespace
}  // namespace testsupport
