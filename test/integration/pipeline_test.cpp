// Pipelining: many commands in one write, replies read back in order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/support/background_writer.h"
#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

class PipelineTest : public ServerTest {};

std::string bulk(const std::string& s) {
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// 10,000 commands of a few kinds, with the replies they must get.
struct Pipeline {
    std::string requests;
    std::vector<std::string> replies;
};

Pipeline make_pipeline(int commands) {
    Pipeline p;
    int counter = 0;
    for (int i = 0; i < commands; ++i) {
        std::string key = "key:" + std::to_string(i / 4);
        std::string value = "value:" + std::to_string(i / 4);
        switch (i % 4) {
            case 0:
                p.requests += encode_command({"SET", key, value});
                p.replies.push_back("+OK\r\n");
                break;
            case 1:
                p.requests += encode_command({"GET", key});
                p.replies.push_back(bulk(value));
                break;
            case 2:
                p.requests += encode_command({"INCR", "counter"});
                p.replies.push_back(":" + std::to_string(++counter) + "\r\n");
                break;
            default:
                // Inline commands mixed in, as redis-benchmark's PING_INLINE.
                p.requests += "ECHO " + value + "\r\n";
                p.replies.push_back(bulk(value));
                break;
        }
    }
    return p;
}

// Checks the replies in order, stopping at the first wrong one.
void expect_replies(RespClient& client, const std::vector<std::string>& want) {
    for (size_t i = 0; i < want.size(); ++i) {
        std::string got = client.read_reply();
        ASSERT_EQ(escape_bytes(got), escape_bytes(want[i])) << "reply " << i << " of " << want.size();
    }
}

TEST_F(PipelineTest, TenThousandCommandsInOneWrite) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    Pipeline p = make_pipeline(10000);
    // The write happens on its own thread while this one reads: a server
    // that stops reading while its replies are unread (backpressure) must
    // not deadlock the test.
    BackgroundWriter writer(client.fd(), p.requests);
    ASSERT_NO_FATAL_FAILURE(expect_replies(client, p.replies));
    EXPECT_TRUE(writer.finish()) << "the server stopped reading the pipeline";
    EXPECT_EQ(client.command({"GET", "counter"}), bulk("2500"));
}

// The same pipeline cut into writes of 1 to 13 bytes: frames split at every
// kind of boundary must parse the same.
TEST_F(PipelineTest, PipelineInTinyPieces) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    Pipeline p = make_pipeline(400);
    BackgroundWriter writer(client.fd(), [&](const auto& send) {
        size_t pos = 0;
        for (size_t step = 1; pos < p.requests.size(); step = step % 13 + 1) {
            size_t n = std::min(step, p.requests.size() - pos);
            if (!send(std::string_view(p.requests).substr(pos, n))) return false;
            pos += n;
        }
        return true;
    });
    ASSERT_NO_FATAL_FAILURE(expect_replies(client, p.replies));
    EXPECT_TRUE(writer.finish()) << "the server stopped reading the pipeline";
}

// A large value in a pipeline: bulk bodies bigger than any read buffer.
TEST_F(PipelineTest, LargeValuesRoundTrip) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    std::string big(3 * 1024 * 1024 + 7, 'x');
    for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
    std::string requests;
    std::vector<std::string> want;
    for (int i = 0; i < 4; ++i) {
        requests += encode_command({"SET", "big" + std::to_string(i), big});
        want.push_back("+OK\r\n");
        requests += encode_command({"GET", "big" + std::to_string(i)});
        want.push_back(bulk(big));
        requests += encode_command({"STRLEN", "big" + std::to_string(i)});
        want.push_back(":" + std::to_string(big.size()) + "\r\n");
    }
    BackgroundWriter writer(client.fd(), requests);
    for (size_t i = 0; i < want.size(); ++i) {
        std::string got = client.read_reply();
        ASSERT_EQ(got.size(), want[i].size()) << "reply " << i << ": " << escape_bytes(got, 200);
        ASSERT_TRUE(got == want[i]) << "reply " << i << " differs";
    }
    EXPECT_TRUE(writer.finish()) << "the server stopped reading the pipeline";
}

// A client that reads slowly (a small receive buffer) while its pipeline
// asks for 80 MiB of replies: the server must hold back (stop reading, keep
// writing) rather than drop the client, and every byte must arrive in order.
TEST_F(PipelineTest, SlowReaderGetsEveryLargeReply) {
    ASSERT_NO_FATAL_FAILURE(start());
    std::string big(4 * 1024 * 1024, 'x');
    for (size_t i = 0; i < big.size(); i += 1000) big[i] = static_cast<char>('a' + (i / 1000) % 26);
    RespClient setup = connect();
    ASSERT_EQ(setup.command({"SET", "big", big}), "+OK\r\n");
    RespClient client(server_.port(), std::chrono::milliseconds(10000), 64 * 1024);
    ASSERT_TRUE(client.ok()) << client.error();
    constexpr int kGets = 20;
    std::string requests;
    for (int i = 0; i < kGets; ++i) requests += encode_command({"GET", "big"});
    requests += encode_command({"ECHO", "end"});
    BackgroundWriter writer(client.fd(), requests);
    const std::string want = bulk(big);
    for (int i = 0; i < kGets; ++i) {
        std::string got = client.read_reply();
        ASSERT_EQ(got.size(), want.size()) << "reply " << i << ": " << escape_bytes(got, 200);
        ASSERT_TRUE(got == want) << "reply " << i << " differs";
    }
    EXPECT_EQ(client.read_reply(), bulk("end"));
    EXPECT_TRUE(writer.finish()) << "the server stopped reading the pipeline";
}

// Enough keys that the keyspace grows (and rehashes) many times while
// being written, read and deleted.
TEST_F(PipelineTest, HundredThousandKeys) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    constexpr int kKeys = 100000;
    std::string requests;
    std::vector<std::string> want;
    for (int i = 0; i < kKeys; ++i) {
        requests += encode_command({"SET", "key:" + std::to_string(i), std::to_string(i)});
        want.push_back("+OK\r\n");
    }
    requests += encode_command({"DBSIZE"});
    want.push_back(":" + std::to_string(kKeys) + "\r\n");
    for (int i = 0; i < kKeys; i += 2) {
        requests += encode_command({"GETDEL", "key:" + std::to_string(i)});
        want.push_back(bulk(std::to_string(i)));
    }
    requests += encode_command({"DBSIZE"});
    want.push_back(":" + std::to_string(kKeys / 2) + "\r\n");
    for (int i = 0; i < kKeys; i += 999) {
        requests += encode_command({"GET", "key:" + std::to_string(i)});
        want.push_back(i % 2 == 0 ? "$-1\r\n" : bulk(std::to_string(i)));
    }
    BackgroundWriter writer(client.fd(), requests);
    ASSERT_NO_FATAL_FAILURE(expect_replies(client, want));
    EXPECT_TRUE(writer.finish()) << "the server stopped reading the pipeline";
    EXPECT_EQ(client.command({"FLUSHALL"}), "+OK\r\n");
    EXPECT_EQ(client.command({"DBSIZE"}), ":0\r\n");
}

}  // namespace
}  // namespace testsupport
