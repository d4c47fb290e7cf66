// Blocking list commands across connections: a parked client is woken by
// another connection's push with the right reply, clients are served in the
// order they blocked, a timeout answers the null reply, and a client that
// disconnects while parked leaves nothing behind. Waiting is done by polling
// the server (INFO's blocked_clients) with a deadline, never by sleeping a
// fixed time.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class BlockingTest : public ServerTest {
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(start()); }

    // Polls INFO clients until blocked_clients is `want`; false at the
    // deadline.
    bool wait_blocked(RespClient& admin, int want, milliseconds timeout = milliseconds(5000)) {
        const std::string line = "blocked_clients:" + std::to_string(want) + "\r\n";
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (admin.command({"INFO", "clients"}).find(line) != std::string::npos) return true;
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(milliseconds(2));
        }
    }

    // Sends a command without reading its reply (it is expected to block).
    static void send(RespClient& c, const std::vector<std::string>& args) {
        ASSERT_TRUE(c.send_raw(encode_command(args))) << c.error();
    }
};

std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }
std::string pair(const std::string& a, const std::string& b) { return "*2\r\n" + bulk(a) + bulk(b); }

TEST_F(BlockingTest, BlpopWakesOnPushFromAnotherConnection) {
    RespClient waiter = connect();
    RespClient pusher = connect();
    send(waiter, {"BLPOP", "empty", "queue", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 1));
    EXPECT_EQ(pusher.command({"RPUSH", "queue", "job1", "job2"}), ":2\r\n");
    EXPECT_EQ(waiter.read_reply(), pair("queue", "job1"));
    EXPECT_TRUE(wait_blocked(pusher, 0));
    EXPECT_EQ(pusher.command({"LRANGE", "queue", "0", "-1"}), "*1\r\n" + bulk("job2"));
    // The connection is an ordinary one again.
    EXPECT_EQ(waiter.command({"PING"}), "+PONG\r\n");
}

TEST_F(BlockingTest, BrpopAndBlmpopTakeTheirEnd) {
    RespClient a = connect();
    RespClient b = connect();
    RespClient pusher = connect();
    send(a, {"BRPOP", "k", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 1));
    send(b, {"BLMPOP", "0", "2", "other", "k", "LEFT", "COUNT", "5"});
    ASSERT_TRUE(wait_blocked(pusher, 2));
    EXPECT_EQ(pusher.command({"RPUSH", "k", "1", "2", "3"}), ":3\r\n");
    EXPECT_EQ(a.read_reply(), pair("k", "3"));
    EXPECT_EQ(b.read_reply(), "*2\r\n" + bulk("k") + "*2\r\n" + bulk("1") + bulk("2"));
    EXPECT_EQ(pusher.command({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(BlockingTest, ClientsAreServedInArrivalOrder) {
    RespClient first = connect();
    RespClient second = connect();
    RespClient third = connect();
    RespClient pusher = connect();
    send(first, {"BLPOP", "k", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 1));
    send(second, {"BLPOP", "k", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 2));
    send(third, {"BLPOP", "k", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 3));

    EXPECT_EQ(pusher.command({"LPUSH", "k", "a"}), ":1\r\n");
    EXPECT_EQ(first.read_reply(), pair("k", "a"));
    ASSERT_TRUE(wait_blocked(pusher, 2));
    // One push of two elements serves the next two, in order.
    EXPECT_EQ(pusher.command({"RPUSH", "k", "b", "c"}), ":2\r\n");
    EXPECT_EQ(second.read_reply(), pair("k", "b"));
    EXPECT_EQ(third.read_reply(), pair("k", "c"));
    EXPECT_TRUE(wait_blocked(pusher, 0));
    EXPECT_EQ(pusher.command({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(BlockingTest, TimeoutRepliesNullArray) {
    RespClient c = connect();
    const auto started = Clock::now();
    EXPECT_EQ(c.command({"BLPOP", "nothing", "0.1"}), "*-1\r\n");
    // It came back (the read has a 5 s deadline); not instantly, which would
    // mean it never waited.
    EXPECT_GE(Clock::now() - started, milliseconds(50));
    EXPECT_EQ(c.command({"BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"}), "*-1\r\n");
    EXPECT_EQ(c.command({"BRPOPLPUSH", "nothing", "dst", "0.05"}), "*-1\r\n");
    EXPECT_EQ(c.command({"BLMPOP", "0.05", "1", "nothing", "LEFT"}), "*-1\r\n");
    EXPECT_EQ(c.command({"EXISTS", "dst"}), ":0\r\n");
    RespClient admin = connect();
    EXPECT_TRUE(wait_blocked(admin, 0));
}

TEST_F(BlockingTest, DisconnectedWaiterLeavesNoTrace) {
    RespClient pusher = connect();
    {
        RespClient gone = connect();
        send(gone, {"BLPOP", "k", "0"});
        ASSERT_TRUE(wait_blocked(pusher, 1));
        gone.close();
    }
    ASSERT_TRUE(wait_blocked(pusher, 0));
    EXPECT_EQ(pusher.command({"RPUSH", "k", "kept"}), ":1\r\n");
    EXPECT_EQ(pusher.command({"LRANGE", "k", "0", "-1"}), "*1\r\n" + bulk("kept"));
    // A waiter that comes later is served normally.
    RespClient later = connect();
    EXPECT_EQ(later.command({"BLPOP", "k", "0"}), pair("k", "kept"));
}

TEST_F(BlockingTest, BlmoveMovesAndWakesAWaiterOnTheDestination) {
    RespClient mover = connect();
    RespClient consumer = connect();
    RespClient pusher = connect();
    send(mover, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 1));
    send(consumer, {"BLPOP", "dst", "0"});
    ASSERT_TRUE(wait_blocked(pusher, 2));
    EXPECT_EQ(pusher.command({"RPUSH", "src", "item"}), ":1\r\n");
    EXPECT_EQ(mover.read_reply(), bulk("item"));
    EXPECT_EQ(consumer.read_reply(), pair("dst", "item"));
    EXPECT_TRUE(wait_blocked(pusher, 0));
    EXPECT_EQ(pusher.command({"EXISTS", "src", "dst"}), ":0\r\n");
}

TEST_F(BlockingTest, BrpoplpushServesAtOnceWhenDataIsThere) {
    RespClient c = connect();
    EXPECT_EQ(c.command({"RPUSH", "src", "a", "b"}), ":2\r\n");
    EXPECT_EQ(c.command({"BRPOPLPUSH", "src", "dst", "0"}), bulk("b"));
    EXPECT_EQ(c.command({"LRANGE", "dst", "0", "-1"}), "*1\r\n" + bulk("b"));
}

TEST_F(BlockingTest, CommandsPipelinedBehindABlockedOneRunAfterIt) {
    RespClient waiter = connect();
    RespClient pusher = connect();
    ASSERT_TRUE(waiter.send_raw(encode_command({"BLPOP", "k", "0"}) + encode_command({"ECHO", "after"})));
    ASSERT_TRUE(wait_blocked(pusher, 1));
    EXPECT_EQ(pusher.command({"RPUSH", "k", "v"}), ":1\r\n");
    EXPECT_EQ(waiter.read_reply(), pair("k", "v"));
    EXPECT_EQ(waiter.read_reply(), bulk("after"));
}

TEST_F(BlockingTest, WrongTypeRepliesAtOnce) {
    RespClient c = connect();
    EXPECT_EQ(c.command({"SET", "s", "v"}), "+OK\r\n");
    const std::string wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    EXPECT_EQ(c.command({"BLPOP", "missing", "s", "0"}), wrongtype);
    EXPECT_EQ(c.command({"BLMOVE", "s", "d", "LEFT", "LEFT", "0"}), wrongtype);
    EXPECT_EQ(c.command({"BLMPOP", "0", "1", "s", "LEFT"}), wrongtype);
}

}  // namespace
}  // namespace testsupport
