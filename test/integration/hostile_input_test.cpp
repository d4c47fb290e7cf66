// Hostile input: huge announced lengths, a 2^31 argument count, a 100 KiB
// inline line, RESP types where a request has no place for them, and
// random bytes. Each gets Redis's bytes (the oracle, redis-server 7.0, is
// sent the same input beside ringdis) and, where Redis closes, is closed;
// a client working alongside is never disturbed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/hostile.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

class HostileInputTest : public ServerTest {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(start());
        ASSERT_TRUE(oracle_.start(oracle_options())) << oracle_.error();
        bystander_ = std::thread([this] { run_bystander(); });
    }
    void TearDown() override {
        stop_ = true;
        if (bystander_.joinable()) bystander_.join();
        EXPECT_TRUE(bystander_ok_) << "the bystander got " << bystander_error_;
        EXPECT_GT(bystander_commands_.load(), 0);
        ServerTest::TearDown();
    }

    // Sends each input on its own connection to both servers at once and
    // reads until every connection is closed or all are quiet.
    struct Outcome {
        Gathered ours;
        Gathered redis;
    };
    std::vector<Outcome> send_to_both(const std::vector<std::string>& inputs) {
        std::vector<int> fds;
        for (const std::string& in : inputs) {
            for (int port : {server_.port(), oracle_.port()}) {
                int fd = connect_raw(port);
                EXPECT_GE(fd, 0);
                (void)send_all(fd, in);  // the server may close before the end
                fds.push_back(fd);
            }
        }
        std::vector<Gathered> got = gather(fds, milliseconds(kUnderAsan ? 1500 : 700), milliseconds(20000));
        for (int fd : fds) ::close(fd);
        std::vector<Outcome> out;
        for (size_t i = 0; i < got.size(); i += 2) out.push_back({got[i], got[i + 1]});
        return out;
    }

    // A client doing INCR all along; each reply must be the next number.
    void run_bystander() {
        RespClient c(server_.port(), milliseconds(10000));
        for (long want = 1; !stop_; ++want) {
            std::string got = c.command({"INCR", "bystander"});
            if (got != ":" + std::to_string(want) + "\r\n") {
                bystander_error_ = got;
                bystander_ok_ = false;
                return;
            }
            ++bystander_commands_;
        }
    }

    ServerProcess oracle_;
    std::thread bystander_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> bystander_ok_{true};
    std::atomic<long> bystander_commands_{0};
    std::string bystander_error_;
};

struct Hostile {
    const char* name;
    std::string bytes;
    std::string reply;  // everything the client receives
    bool closed;        // and whether the server then closes it
};

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

TEST_F(HostileInputTest, EachGetsRedisErrorAndOnlyItIsClosed) {
    const std::string bulk_len = "-ERR Protocol error: invalid bulk length\r\n";
    const std::string mbulk_len = "-ERR Protocol error: invalid multibulk length\r\n";
    const std::vector<Hostile> cases = {
        {"bulk of 600 MiB", "*1\r\n$629145600\r\n", bulk_len, true},
        {"bulk of 600 MiB, second argument", "*2\r\n$3\r\nGET\r\n$629145600\r\n", bulk_len, true},
        {"2^31 arguments", "*2147483648\r\n", mbulk_len, true},
        {"2^63 arguments", "*9223372036854775808\r\n", mbulk_len, true},
        // INT_MAX arguments are allowed: the server waits for them.
        {"2^31-1 arguments, then a few", "*2147483647\r\n$1\r\na\r\n$1\r\nb\r\n", "", false},
        {"100 KiB inline line", std::string(100 * 1024, 'a') + "\r\n",
         "-ERR Protocol error: too big inline request\r\n", true},
        {"100 KiB inline, no newline", std::string(100 * 1024, 'a'),
         "-ERR Protocol error: too big inline request\r\n", true},
        {"100 KiB argument count", "*" + std::string(100 * 1024, '1'),
         "-ERR Protocol error: too big mbulk count string\r\n", true},
        {"100 KiB bulk length", "*1\r\n$" + std::string(100 * 1024, '9'),
         "-ERR Protocol error: too big bulk count string\r\n", true},
        {"negative bulk length", "*1\r\n$-1\r\n", bulk_len, true},
        {"bulk length with a sign", "*1\r\n$+4\r\nPING\r\n", bulk_len, true},
        {"array inside a request", "*2\r\n*1\r\n$1\r\na\r\n", "-ERR Protocol error: expected '$', got '*'\r\n",
         true},
        {"arrays nested 1000 deep", repeat("*1\r\n", 1000), "-ERR Protocol error: expected '$', got '*'\r\n", true},
        {"integer argument", "*2\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n", true},
        {"simple string argument", "*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n", true},
        {"RESP3 map argument", "*1\r\n%1\r\n", "-ERR Protocol error: expected '$', got '%'\r\n", true},
        {"RESP3 null argument", "*1\r\n_\r\n", "-ERR Protocol error: expected '$', got '_'\r\n", true},
        {"plain words after a count", "*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n", true},
        {"unbalanced quotes", "SET \"a\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true},
        // Types Redis has no use for at the start of a request are inline
        // words: unknown commands, and the connection stays.
        {"RESP3 map as a request", "%1\r\n+a\r\n",
         "-ERR unknown command '%1', with args beginning with: \r\n"
         "-ERR unknown command '+a', with args beginning with: \r\n",
         false},
        {"bulk as a request", "$4\r\nPING\r\n",
         "-ERR unknown command '$4', with args beginning with: \r\n+PONG\r\n", false},
    };
    std::vector<std::string> inputs;
    for (const Hostile& h : cases) inputs.push_back(h.bytes);
    std::vector<Outcome> got = send_to_both(inputs);
    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(cases[i].name);
        EXPECT_EQ(escape_bytes(got[i].redis.bytes, 300), escape_bytes(cases[i].reply, 300)) << "the oracle";
        EXPECT_EQ(got[i].redis.closed, cases[i].closed) << "the oracle";
        EXPECT_EQ(escape_bytes(got[i].ours.bytes, 300), escape_bytes(cases[i].reply, 300));
        EXPECT_EQ(got[i].ours.closed, cases[i].closed);
    }
    RespClient after = connect();
    EXPECT_EQ(after.command({"PING"}), "+PONG\r\n");
}

// Random bytes, half of them biased toward RESP's own characters, sent to
// both servers: the same bytes come back and the same connections close.
// No NUL bytes: Redis's strchr stops at one where ringdis's parser does
// not (a documented difference, see protocol/resp_parser.cpp).
TEST_F(HostileInputTest, RandomBytesGetWhatRedisAnswers) {
    constexpr int kBlobs = 300;
    std::mt19937 rng(20240607);
    const std::string resp_chars = "*$\r\n0123456789-+:\"' abcSETGETPINGECHO\xff";
    std::vector<std::string> blobs;
    for (int i = 0; i < kBlobs; ++i) {
        std::string b(std::uniform_int_distribution<size_t>(1, 96)(rng), ' ');
        for (char& c : b) {
            c = i % 2 ? static_cast<char>(std::uniform_int_distribution<int>(1, 255)(rng))
                      : resp_chars[std::uniform_int_distribution<size_t>(0, resp_chars.size() - 1)(rng)];
        }
        blobs.push_back(b);
    }
    std::vector<Outcome> got = send_to_both(blobs);
    int closed = 0;
    for (size_t i = 0; i < blobs.size(); ++i) {
        SCOPED_TRACE("blob " + std::to_string(i) + ": " + escape_bytes(blobs[i]));
        EXPECT_EQ(escape_bytes(got[i].ours.bytes, 400), escape_bytes(got[i].redis.bytes, 400));
        EXPECT_EQ(got[i].ours.closed, got[i].redis.closed);
        closed += got[i].redis.closed;
        if (HasFailure()) break;
    }
    std::printf("[ ringdis ] %d random inputs, %d of them closed by both servers\n", kBlobs, closed);
    EXPECT_GT(closed, kBlobs / 20);
}

}  // namespace
}  // namespace testsupport
