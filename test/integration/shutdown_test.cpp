// Graceful shutdown: on SIGTERM the server stops, but first every client
// gets every reply to the commands it sent before the signal, and the exit
// status is 0.
#include <gtest/gtest.h>

#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

class ShutdownTest : public ServerTest {};

TEST_F(ShutdownTest, SigtermWithIdleClientsExitsZero) {
    ASSERT_NO_FATAL_FAILURE(start());
    std::vector<RespClient> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(connect());
        EXPECT_EQ(clients.back().command({"SET", "k" + std::to_string(i), "v"}), "+OK\r\n");
    }
    ExitStatus status = server_.signal_and_wait(SIGTERM, milliseconds(5000));
    EXPECT_TRUE(status.success()) << status.describe();
    for (RespClient& client : clients) {
        RespClient::Drained rest = client.read_until_closed(milliseconds(2000));
        EXPECT_TRUE(rest.closed);
        EXPECT_EQ(escape_bytes(rest.bytes), "");
    }
}

// Each client pipelines many commands and reads nothing. The signal is sent
// only once the server has executed every command (the last one of each
// pipeline increments "done"); from then on the clients read, and each must
// get all its replies, then EOF. `big_size` sets the size of the GET replies
// at the end of each pipeline.
void pipelines_then_sigterm(ServerProcess& server, size_t big_size) {
    constexpr int kClients = 5;
    constexpr int kSets = 2000;
    constexpr int kBigGets = 8;
    const std::string big(big_size, 'b');
    RespClient observer(server.port());
    ASSERT_EQ(observer.command({"SET", "big", big}), "+OK\r\n");

    std::string pipeline;
    std::vector<std::string> want;
    for (int i = 0; i < kSets; ++i) {
        pipeline += encode_command({"SET", "key:" + std::to_string(i), std::to_string(i)});
        want.push_back("+OK\r\n");
    }
    for (int i = 0; i < kBigGets; ++i) {
        pipeline += encode_command({"GET", "big"});
        want.push_back("$" + std::to_string(big.size()) + "\r\n" + big + "\r\n");
    }
    pipeline += encode_command({"INCR", "done"});
    std::vector<RespClient> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back(server.port());
        ASSERT_TRUE(clients.back().send_raw(pipeline)) << clients.back().error();
    }

    // Wait (with a deadline) until every pipeline has been executed.
    std::string done_want = "$1\r\n" + std::to_string(kClients) + "\r\n";
    auto deadline = std::chrono::steady_clock::now() + milliseconds(10000);
    std::string done;
    while (std::chrono::steady_clock::now() < deadline) {
        done = observer.command({"GET", "done"});
        if (done == done_want) break;
        std::this_thread::sleep_for(milliseconds(2));
    }
    ASSERT_EQ(done, done_want) << "the pipelines were not executed in time";

    ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
    for (int c = 0; c < kClients; ++c) {
        RespClient& client = clients[static_cast<size_t>(c)];
        for (size_t i = 0; i < want.size(); ++i) {
            std::string got = client.read_reply();
            ASSERT_TRUE(got == want[i]) << "client " << c << " reply " << i + 1 << " of "
                                        << want.size() + 1 << ": " << escape_bytes(got, 200);
        }
        std::string last = client.read_reply();
        EXPECT_TRUE(last.starts_with(":")) << "client " << c << " INCR done: " << escape_bytes(last);
        RespClient::Drained rest = client.read_until_closed(milliseconds(5000));
        EXPECT_TRUE(rest.closed) << "client " << c << " was not closed";
        EXPECT_EQ(escape_bytes(rest.bytes), "") << "client " << c;
    }
    RespClient::Drained rest = observer.read_until_closed(milliseconds(5000));
    EXPECT_TRUE(rest.closed) << "the observer was not closed";
    ExitStatus status = server.signal_and_wait(0, milliseconds(5000));
    EXPECT_TRUE(status.success()) << status.describe();
}

// About 100 KiB of replies per client: they fit the socket buffers.
TEST_F(ShutdownTest, SigtermDeliversRepliesToPipelinedCommands) {
    ASSERT_NO_FATAL_FAILURE(start());
    pipelines_then_sigterm(server_, 1024);
}

// Replies far larger than the socket buffers, so that when the signal
// arrives most of them are still in the server's output buffers, and the
// server must keep writing them before it exits. Each client pipelines
// small SETs and then one `SET big:<c> done GET`, whose reply is the 8 MiB
// old value and whose effect (big:<c> becomes "done") tells the observer
// that the pipeline has run to its end. The clients' receive buffers are
// kept small, so the kernel cannot absorb the replies. (Redis 7.0 itself
// drops such output at shutdown, so this one is ringdis-only.)
TEST_F(ShutdownTest, SigtermFlushesOutputBuffersBeforeExiting) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start());
    constexpr int kClients = 3;
    constexpr int kSets = 1000;
    const std::string big(8 * 1024 * 1024, 'b');
    RespClient observer = connect();
    for (int c = 0; c < kClients; ++c) {
        ASSERT_EQ(observer.command({"SET", "big:" + std::to_string(c), big}), "+OK\r\n");
    }
    std::vector<RespClient> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back(server_.port(), milliseconds(5000), 32 * 1024);
        ASSERT_TRUE(clients.back().ok()) << clients.back().error();
        std::string pipeline;
        for (int i = 0; i < kSets; ++i) {
            pipeline += encode_command({"SET", "key:" + std::to_string(c) + ":" + std::to_string(i), "v"});
        }
        pipeline += encode_command({"SET", "big:" + std::to_string(c), "done", "GET"});
        ASSERT_TRUE(clients.back().send_raw(pipeline)) << clients.back().error();
    }

    // Wait (with a deadline) until every pipeline has run to its end.
    auto deadline = std::chrono::steady_clock::now() + milliseconds(10000);
    std::vector<std::string> states;
    auto all_done = [&] {
        states.clear();
        for (int c = 0; c < kClients; ++c) {
            std::string state = observer.command({"STRLEN", "big:" + std::to_string(c)});
            states.push_back(state);
            if (state != ":4\r\n") return false;
        }
        return true;
    };
    while (!all_done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(2));
    }
    ASSERT_TRUE(all_done()) << "the pipelines did not run in time: STRLEN " << escape_bytes(states.back());

    ASSERT_EQ(::kill(server_.pid(), SIGTERM), 0);
    const std::string big_reply = "$" + std::to_string(big.size()) + "\r\n" + big + "\r\n";
    for (int c = 0; c < kClients; ++c) {
        RespClient& client = clients[static_cast<size_t>(c)];
        for (int i = 0; i < kSets; ++i) {
            std::string got = client.read_reply();
            ASSERT_EQ(got, "+OK\r\n") << "client " << c << " reply " << i + 1;
        }
        std::string got = client.read_reply();
        ASSERT_EQ(got.size(), big_reply.size()) << "client " << c << ": " << escape_bytes(got, 200);
        EXPECT_TRUE(got == big_reply) << "client " << c << ": the big reply differs";
        RespClient::Drained rest = client.read_until_closed(milliseconds(5000));
        EXPECT_TRUE(rest.closed) << "client " << c << " was not closed";
        EXPECT_EQ(escape_bytes(rest.bytes), "") << "client " << c;
    }
    ExitStatus status = server_.signal_and_wait(0, milliseconds(5000));
    EXPECT_TRUE(status.success()) << status.describe();
}

TEST_F(ShutdownTest, SigintAlsoExitsZero) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient client = connect();
    EXPECT_EQ(client.command({"SET", "k", "v"}), "+OK\r\n");
    ExitStatus status = server_.signal_and_wait(SIGINT, milliseconds(5000));
    EXPECT_TRUE(status.success()) << status.describe();
    EXPECT_TRUE(client.read_until_closed(milliseconds(2000)).closed);
}

// The SHUTDOWN command: no reply, every connection closed, exit 0.
TEST_F(ShutdownTest, ShutdownCommandStopsTheServer) {
    for (const char* variant : {"", "NOSAVE", "nosave"}) {
        SCOPED_TRACE(std::string("SHUTDOWN ") + variant);
        ServerProcess server;
        ASSERT_TRUE(server.start(ringdis_options())) << server.error();
        RespClient other(server.port());
        EXPECT_EQ(other.command({"PING"}), "+PONG\r\n");
        RespClient client(server.port());
        std::vector<std::string> shutdown = {"SHUTDOWN"};
        if (*variant != '\0') shutdown.push_back(variant);
        EXPECT_EQ(client.command({"SET", "k", "v"}), "+OK\r\n");
        ASSERT_TRUE(client.send_raw(encode_command(shutdown)));
        RespClient::Drained got = client.read_until_closed(milliseconds(5000));
        EXPECT_EQ(escape_bytes(got.bytes), "");
        EXPECT_TRUE(got.closed);
        RespClient::Drained rest = other.read_until_closed(milliseconds(5000));
        EXPECT_TRUE(rest.closed);
        EXPECT_EQ(escape_bytes(rest.bytes), "");
        ExitStatus status = server.signal_and_wait(0, milliseconds(5000));
        EXPECT_TRUE(status.success()) << status.describe() << "\n" << server.log_tail();
    }
}

}  // namespace
}  // namespace testsupport
