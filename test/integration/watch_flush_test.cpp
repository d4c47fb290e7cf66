// WATCH against FLUSHDB, FLUSHALL and SWAPDB, compared with a real
// redis-server. These commands name no key, so the keyspace-events corpus
// (keyspace_events_test.cpp) cannot WATCH what they change.
//
// Redis's rule (touchAllWatchedKeysInDb): a transaction fails when a key
// it watches exists in a database that is flushed, or exists on either
// side of a swap; a watched key that exists nowhere is not touched, and a
// database that is not affected touches nothing.
//
// Each scenario runs on both servers from an empty keyspace: `setup` on
// one connection, then a watcher SELECTs its database and WATCHes its keys,
// the `action` runs on the first connection, and the watcher's MULTI /
// PING / EXEC must answer the same on both and what Redis is known to do.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/resp_client.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;
using Args = std::vector<std::string>;

constexpr milliseconds kTimeout(3000);
const std::string kAborted = "*-1\r\n";
const std::string kCommitted = "*1\r\n+PONG\r\n";

struct Scenario {
    std::vector<Args> setup;
    int watcher_db = 0;
    Args watched;
    std::vector<Args> action;
};

// The watcher's EXEC reply, or a "<...>" text describing what went wrong.
std::string run(int port, const Scenario& s) {
    RespClient cmd(port, kTimeout);
    RespClient watcher(port, kTimeout);
    if (!cmd.ok() || !watcher.ok()) return "<cannot connect: " + cmd.error() + watcher.error() + ">";
    std::string r = cmd.command({"FLUSHALL"});
    if (r != "+OK\r\n") return "<FLUSHALL: " + escape_bytes(r) + ">";
    for (const Args& a : s.setup) {
        r = cmd.command(a);
        if (r.starts_with('-') || r.starts_with('<')) return "<setup " + a[0] + ": " + escape_bytes(r) + ">";
    }
    r = watcher.command({"SELECT", std::to_string(s.watcher_db)});
    if (r != "+OK\r\n") return "<SELECT: " + escape_bytes(r) + ">";
    Args watch = {"WATCH"};
    watch.insert(watch.end(), s.watched.begin(), s.watched.end());
    r = watcher.command(watch);
    if (r != "+OK\r\n") return "<WATCH: " + escape_bytes(r) + ">";
    for (const Args& a : s.action) {
        r = cmd.command(a);
        if (r.starts_with('-') || r.starts_with('<')) return "<action " + a[0] + ": " + escape_bytes(r) + ">";
    }
    r = watcher.command({"MULTI"});
    if (r != "+OK\r\n") return "<MULTI: " + escape_bytes(r) + ">";
    r = watcher.command({"PING"});
    if (r != "+QUEUED\r\n") return "<PING: " + escape_bytes(r) + ">";
    return watcher.command({"EXEC"});
}

class WatchFlushTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        oracle_ = std::make_unique<ServerProcess>();
        ringdis_ = std::make_unique<ServerProcess>();
        if (!oracle_->start(oracle_options())) setup_error_ = "oracle: " + oracle_->error();
        if (!ringdis_->start(ringdis_like_oracle_options())) setup_error_ += "ringdis: " + ringdis_->error();
    }
    static void TearDownTestSuite() {
        oracle_.reset();
        ringdis_.reset();
    }
    void SetUp() override { ASSERT_EQ(setup_error_, ""); }
    void TearDown() override {
        EXPECT_EQ(ringdis_->sanitizer_findings(), "");
        EXPECT_TRUE(ringdis_->running()) << ringdis_->log_tail();
    }

    // Runs s on both servers: both must answer `expected`.
    static void check(const Scenario& s, const std::string& expected) {
        std::string want = run(oracle_->port(), s);
        std::string got = run(ringdis_->port(), s);
        EXPECT_EQ(escape_bytes(want), escape_bytes(expected)) << "redis-server does not behave as assumed";
        EXPECT_EQ(escape_bytes(got), escape_bytes(want)) << "ringdis differs from redis-server";
    }

    static std::unique_ptr<ServerProcess> oracle_;
    static std::unique_ptr<ServerProcess> ringdis_;
    static std::string setup_error_;
};

std::unique_ptr<ServerProcess> WatchFlushTest::oracle_;
std::unique_ptr<ServerProcess> WatchFlushTest::ringdis_;
std::string WatchFlushTest::setup_error_;

TEST_F(WatchFlushTest, FlushdbTouchesAWatchedKeyThatExists) {
    check({{{"SET", "k", "v"}}, 0, {"k"}, {{"FLUSHDB"}}}, kAborted);
    check({{{"SET", "k", "v"}}, 0, {"k"}, {{"FLUSHDB", "ASYNC"}}}, kAborted);
    check({{{"SET", "k", "v"}}, 0, {"missing", "k"}, {{"FLUSHDB", "SYNC"}}}, kAborted);
    check({{{"RPUSH", "k", "a"}, {"EXPIRE", "k", "100"}}, 0, {"k"}, {{"FLUSHDB"}}}, kAborted);
}

TEST_F(WatchFlushTest, FlushdbLeavesAWatchedKeyThatDoesNotExist) {
    check({{}, 0, {"k"}, {{"FLUSHDB"}}}, kCommitted);
    check({{{"SET", "other", "v"}}, 0, {"k"}, {{"FLUSHDB"}}}, kCommitted);
}

TEST_F(WatchFlushTest, FlushdbOfAnotherDatabaseTouchesNothing) {
    // The same key name exists in db 1, which is flushed; db 0's is not.
    check({{{"SET", "k", "v"}, {"SELECT", "1"}, {"SET", "k", "v"}}, 0, {"k"}, {{"FLUSHDB"}}},
          kCommitted);
    // A watcher of db 1 sees db 1 flushed.
    check({{{"SELECT", "1"}, {"SET", "k", "v"}}, 1, {"k"}, {{"SELECT", "1"}, {"FLUSHDB"}}}, kAborted);
}

TEST_F(WatchFlushTest, FlushallTouchesWatchedKeysOfEveryDatabase) {
    check({{{"SET", "k", "v"}}, 0, {"k"}, {{"FLUSHALL"}}}, kAborted);
    check({{{"SELECT", "5"}, {"SET", "k", "v"}}, 5, {"k"}, {{"FLUSHALL"}}}, kAborted);
    check({{{"SELECT", "15"}, {"SADD", "k", "m"}}, 15, {"k"}, {{"FLUSHALL", "ASYNC"}}}, kAborted);
}

TEST_F(WatchFlushTest, FlushallLeavesAWatchedKeyThatDoesNotExist) {
    check({{}, 0, {"k"}, {{"FLUSHALL"}}}, kCommitted);
    // k exists, but in another database than the watched one.
    check({{{"SELECT", "3"}, {"SET", "k", "v"}}, 0, {"k"}, {{"FLUSHALL"}}}, kCommitted);
}

TEST_F(WatchFlushTest, SwapdbTouchesAWatchedKeyThatExistsOnEitherSide) {
    // Only in the watcher's database: it disappears.
    check({{{"SET", "k", "v"}}, 0, {"k"}, {{"SWAPDB", "0", "1"}}}, kAborted);
    // Only in the other database: it appears.
    check({{{"SELECT", "1"}, {"SET", "k", "v"}}, 0, {"k"}, {{"SWAPDB", "0", "1"}}}, kAborted);
    // On both sides.
    check({{{"SET", "k", "v"}, {"SELECT", "1"}, {"SET", "k", "w"}}, 0, {"k"}, {{"SWAPDB", "1", "0"}}},
          kAborted);
    // A watcher of the second database named.
    check({{{"SET", "k", "v"}}, 1, {"k"}, {{"SWAPDB", "0", "1"}}}, kAborted);
}

TEST_F(WatchFlushTest, SwapdbLeavesKeysThatExistNowhereAndOtherDatabases) {
    check({{{"SET", "other", "v"}, {"SELECT", "1"}, {"SET", "other2", "v"}}, 0, {"k"},
           {{"SWAPDB", "0", "1"}}},
          kCommitted);
    // The swapped databases are not the watcher's.
    check({{{"SET", "k", "v"}, {"SELECT", "1"}, {"SET", "k", "v"}}, 0, {"k"}, {{"SWAPDB", "1", "2"}}},
          kCommitted);
    // Swapping a database with itself changes nothing.
    check({{{"SET", "k", "v"}}, 0, {"k"}, {{"SWAPDB", "0", "0"}}}, kCommitted);
}

}  // namespace
}  // namespace testsupport
