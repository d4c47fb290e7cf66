// Keyspace events and WATCH of blocked list commands served later, compared
// with a real redis-server (the oracle). The corpus (test/corpus/events)
// cannot block, so the blocked-then-served path is tested here: each
// scenario runs on both servers with the same connections (an observer
// subscribed to every keyspace and keyevent channel with
// notify-keyspace-events KEA, a client that blocks, others that push or
// WATCH), and the transcript (every reply, then every notification in
// order) must be the same bytes on both.
//
// Waiting for a client to block polls INFO clients (blocked_clients) with a
// deadline, never a fixed sleep. With RINGDIS_CORPUS_DUMP=1 each scenario
// prints the oracle's transcript, to review what it asserts.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/resp_client.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTimeout(3000);
const std::string kMarker = "__ringdis_blocked_events_marker__";

// One server's connections for one scenario, and what they saw.
class Side {
public:
    explicit Side(int port) : port_(port) {}

    // Flushes the server, enables every event and subscribes the observer.
    bool open(std::string& error) {
        admin_ = std::make_unique<RespClient>(port_, kTimeout);
        observer_ = std::make_unique<RespClient>(port_, kTimeout);
        if (!admin_->ok() || !observer_->ok()) {
            error = "cannot connect: " + admin_->error() + observer_->error();
            return false;
        }
        if (admin_->command({"FLUSHALL"}) != "+OK\r\n" ||
            admin_->command({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) != "+OK\r\n") {
            error = "cannot set up the server";
            return false;
        }
        observer_->send_raw(encode_command({"PSUBSCRIBE", "__keyspace@*__:*", "__keyevent@*__:*"}));
        observer_->send_raw(encode_command({"SUBSCRIBE", kMarker}));
        for (int i = 0; i < 3; ++i) {
            if (observer_->read_reply().starts_with('<')) {
                error = "cannot subscribe";
                return false;
            }
        }
        return true;
    }

    // Client number i (created on first use).
    RespClient& client(size_t i) {
        while (clients_.size() <= i) clients_.push_back(std::make_unique<RespClient>(port_, kTimeout));
        return *clients_[i];
    }

    // Runs a command on client i and records its reply.
    void run(size_t i, const std::vector<std::string>& args) { record(client(i).command(args)); }
    // Sends a command that is to block; its reply is read later by read().
    void send(size_t i, const std::vector<std::string>& args) { client(i).send_raw(encode_command(args)); }
    void read(size_t i) { record(client(i).read_reply()); }

    // Waits until `n` clients are blocked; records a failure otherwise.
    void wait_blocked(int n) {
        const std::string line = "blocked_clients:" + std::to_string(n) + "\r\n";
        const auto deadline = Clock::now() + milliseconds(5000);
        for (;;) {
            if (admin_->command({"INFO", "clients"}).find(line) != std::string::npos) return;
            if (Clock::now() >= deadline) {
                record("<never " + std::to_string(n) + " blocked clients>");
                return;
            }
            std::this_thread::sleep_for(milliseconds(2));
        }
    }

    void note(const std::string& s) { record(s); }

    // The transcript: the replies in order, then every notification up to
    // a marker published now.
    std::vector<std::string> finish() {
        admin_->command({"PUBLISH", kMarker, "end"});
        for (;;) {
            std::string m = observer_->read_reply();
            if (m.starts_with('<')) {
                record("<waiting for events: " + m + ">");
                break;
            }
            if (m.find(kMarker) != std::string::npos) break;
            transcript_.push_back("event " + m);
        }
        return transcript_;
    }

private:
    void record(const std::string& s) { transcript_.push_back(s); }

    int port_;
    std::unique_ptr<RespClient> admin_;
    std::unique_ptr<RespClient> observer_;
    std::vector<std::unique_ptr<RespClient>> clients_;
    std::vector<std::string> transcript_;
};

using Scenario = std::function<void(Side&)>;

class BlockedEventsTest : public ::testing::Test {
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

    // Runs the scenario on the oracle, then on ringdis, and compares.
    void check(const Scenario& scenario) {
        std::vector<std::string> want = run_on(*oracle_, scenario);
        std::vector<std::string> got = run_on(*ringdis_, scenario);
        if (std::getenv("RINGDIS_CORPUS_DUMP") != nullptr) std::printf("redis-server:\n%s", join(want).c_str());
        EXPECT_EQ(join(want), join(got)) << "redis-server (expected):\n"
                                         << join(want) << "ringdis:\n"
                                         << join(got);
    }

private:
    static std::vector<std::string> run_on(ServerProcess& server, const Scenario& scenario) {
        Side side(server.port());
        std::string error;
        if (!side.open(error)) return {"<" + error + ">"};
        scenario(side);
        return side.finish();
    }

    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (const std::string& x : v) s += "  " + escape_bytes(x, 400) + "\n";
        return s;
    }

    static std::unique_ptr<ServerProcess> oracle_;
    static std::unique_ptr<ServerProcess> ringdis_;
    static std::string setup_error_;
};

std::unique_ptr<ServerProcess> BlockedEventsTest::oracle_;
std::unique_ptr<ServerProcess> BlockedEventsTest::ringdis_;
std::string BlockedEventsTest::setup_error_;

// Client 0 blocks on `blocking`; client 1 then runs `push`.
Scenario served_by(std::vector<std::string> blocking, std::vector<std::string> push) {
    return [=](Side& s) {
        s.send(0, blocking);
        s.wait_blocked(1);
        s.run(1, push);
        s.read(0);
        s.wait_blocked(0);
    };
}

TEST_F(BlockedEventsTest, BlpopServedEmptiesTheList) {
    check(served_by({"BLPOP", "l", "0"}, {"RPUSH", "l", "a"}));
}

TEST_F(BlockedEventsTest, BrpopServedLeavesTheRest) {
    check(served_by({"BRPOP", "l", "0"}, {"RPUSH", "l", "a", "b", "c"}));
}

TEST_F(BlockedEventsTest, BlpopOnSeveralKeysServedByTheSecond) {
    check(served_by({"BLPOP", "l1", "l2", "l3", "0"}, {"LPUSH", "l2", "x", "y"}));
}

TEST_F(BlockedEventsTest, BlmoveServedToANewList) {
    check(served_by({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, {"RPUSH", "src", "a"}));
}

TEST_F(BlockedEventsTest, BlmoveServedToAnExistingList) {
    check([](Side& s) {
        s.run(1, {"RPUSH", "dst", "x"});
        s.send(0, {"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"});
        s.wait_blocked(1);
        s.run(1, {"RPUSH", "src", "a", "b"});
        s.read(0);
        s.run(1, {"LRANGE", "dst", "0", "-1"});
        s.run(1, {"LRANGE", "src", "0", "-1"});
    });
}

TEST_F(BlockedEventsTest, BlmoveServedOntoItsOwnSource) {
    check(served_by({"BLMOVE", "l", "l", "LEFT", "RIGHT", "0"}, {"RPUSH", "l", "a"}));
}

TEST_F(BlockedEventsTest, BrpoplpushServed) {
    check(served_by({"BRPOPLPUSH", "src", "dst", "0"}, {"LPUSH", "src", "a", "b"}));
}

TEST_F(BlockedEventsTest, BlmoveServedIntoAWrongTypeDestination) {
    check([](Side& s) {
        s.run(1, {"SET", "dst", "v"});
        s.send(0, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"});
        s.wait_blocked(1);
        s.run(1, {"RPUSH", "src", "a"});
        s.read(0);
        s.run(1, {"LRANGE", "src", "0", "-1"});
    });
}

TEST_F(BlockedEventsTest, BlmpopServedWithCount) {
    check(served_by({"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"}, {"RPUSH", "b", "x", "y", "z"}));
}

TEST_F(BlockedEventsTest, BlmpopServedEmptiesTheList) {
    check(served_by({"BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "5"}, {"RPUSH", "l", "x", "y"}));
}

TEST_F(BlockedEventsTest, ServedByAnLmoveIntoTheKey) {
    check([](Side& s) {
        s.run(1, {"RPUSH", "src", "a"});
        s.send(0, {"BLPOP", "dst", "0"});
        s.wait_blocked(1);
        s.run(1, {"LMOVE", "src", "dst", "LEFT", "LEFT"});
        s.read(0);
    });
}

// A served BLMOVE pushes to a key another client waits on: both are served
// in the same round, their events in Redis's order.
TEST_F(BlockedEventsTest, ChainOfServedClients) {
    check([](Side& s) {
        s.send(0, {"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"});
        s.wait_blocked(1);
        s.send(2, {"BLPOP", "b", "0"});
        s.wait_blocked(2);
        s.run(1, {"RPUSH", "a", "x"});
        s.read(0);
        s.read(2);
        s.wait_blocked(0);
    });
}

// Two clients wait on one key; one element serves only the first.
TEST_F(BlockedEventsTest, ClientsServedInOrder) {
    check([](Side& s) {
        s.send(0, {"BLPOP", "l", "0"});
        s.wait_blocked(1);
        s.send(2, {"BRPOP", "l", "0"});
        s.wait_blocked(2);
        s.run(1, {"RPUSH", "l", "a"});
        s.read(0);
        s.wait_blocked(1);
        s.run(1, {"RPUSH", "l", "b", "c"});
        s.read(2);
        s.wait_blocked(0);
    });
}

// The pushes of a transaction serve the waiter after EXEC.
TEST_F(BlockedEventsTest, ServedAfterATransaction) {
    check([](Side& s) {
        s.send(0, {"BLPOP", "l", "0"});
        s.wait_blocked(1);
        s.run(1, {"MULTI"});
        s.run(1, {"RPUSH", "l", "a"});
        s.run(1, {"LPUSH", "l", "b"});
        s.run(1, {"EXEC"});
        s.read(0);
    });
}

// A key that becomes something else than a list does not serve; the list
// that comes later does.
TEST_F(BlockedEventsTest, NotServedByAWrongType) {
    check([](Side& s) {
        s.send(0, {"BLPOP", "l", "0"});
        s.wait_blocked(1);
        s.run(1, {"SET", "l", "v"});
        s.wait_blocked(1);
        s.run(1, {"DEL", "l"});
        s.run(1, {"RPUSH", "l", "a"});
        s.read(0);
    });
}

// The events carry the blocked client's database.
TEST_F(BlockedEventsTest, ServedInAnotherDatabase) {
    check([](Side& s) {
        s.run(0, {"SELECT", "5"});
        s.run(1, {"SELECT", "5"});
        s.send(0, {"BLMOVE", "src", "dst", "RIGHT", "RIGHT", "0"});
        s.wait_blocked(1);
        s.run(1, {"RPUSH", "src", "a"});
        s.read(0);
    });
}

TEST_F(BlockedEventsTest, TimeoutRaisesNothing) {
    check([](Side& s) {
        s.run(0, {"BLPOP", "l", "0.01"});
        s.run(0, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0.01"});
        s.run(0, {"BLMPOP", "0.01", "1", "l", "LEFT"});
    });
}

// WATCH: a served BLMOVE changes its destination, which dooms a WATCH of it
// (the push touched the source already); a WATCH of an untouched key holds.
TEST_F(BlockedEventsTest, WatchOfTheServedDestination) {
    check([](Side& s) {
        s.send(0, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"});
        s.wait_blocked(1);
        s.run(2, {"WATCH", "dst"});
        s.run(3, {"WATCH", "other"});
        s.run(1, {"RPUSH", "src", "a"});
        s.read(0);
        s.run(2, {"MULTI"});
        s.run(2, {"PING"});
        s.run(2, {"EXEC"});
        s.run(3, {"MULTI"});
        s.run(3, {"PING"});
        s.run(3, {"EXEC"});
    });
}

TEST_F(BlockedEventsTest, WatchOfTheServedSource) {
    check([](Side& s) {
        s.send(0, {"BLPOP", "l", "0"});
        s.wait_blocked(1);
        s.run(2, {"WATCH", "l"});
        s.run(1, {"RPUSH", "l", "a", "b"});
        s.read(0);
        s.run(2, {"MULTI"});
        s.run(2, {"LLEN", "l"});
        s.run(2, {"EXEC"});
    });
}

}  // namespace
}  // namespace testsupport
