// 200 clients connected at once, interleaving their commands: each sees its
// own replies, and a counter they all increment adds up.
#include <gtest/gtest.h>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

class ConcurrencyTest : public ServerTest {};

constexpr int kClients = 200;
constexpr int kRounds = 25;

std::string bulk(const std::string& s) {
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// One client's script: its own keys and values, so a reply meant for
// another client (or another round) shows up as a mismatch. Returns the
// first mismatch, or "" when all replies were right.
std::string run_client(int port, int id, std::latch& connected) {
    RespClient client(port, std::chrono::milliseconds(10000));
    connected.count_down();
    if (!client.ok()) return "client " + std::to_string(id) + ": " + client.error();
    connected.wait();  // everyone is connected before anyone talks
    std::string key = "client:" + std::to_string(id);
    std::string counter = "counter:" + std::to_string(id);
    auto check = [&](const std::vector<std::string>& args, const std::string& want) {
        std::string got = client.command(args);
        if (got == want) return std::string();
        return "client " + std::to_string(id) + " " + args[0] + " " + args[1] + ": want " +
               escape_bytes(want) + " got " + escape_bytes(got);
    };
    for (int round = 0; round < kRounds; ++round) {
        std::string value = "value-" + std::to_string(id) + "-" + std::to_string(round);
        std::string err = check({"SET", key, value}, "+OK\r\n");
        if (err.empty()) err = check({"GET", key}, bulk(value));
        if (err.empty()) err = check({"INCR", counter}, ":" + std::to_string(round + 1) + "\r\n");
        if (err.empty()) {
            // The shared counter's value depends on the others; only its
            // shape is known here. The total is checked at the end.
            std::string got = client.command({"INCR", "shared-counter"});
            if (!got.starts_with(":")) err = "client " + std::to_string(id) + " INCR shared: " + escape_bytes(got);
        }
        if (err.empty()) err = check({"ECHO", value}, bulk(value));
        if (!err.empty()) return err;
    }
    return check({"DEL", key, counter}, ":2\r\n");
}

TEST_F(ConcurrencyTest, TwoHundredClientsInterleaveCommands) {
    ASSERT_NO_FATAL_FAILURE(start());
    std::latch connected(kClients);
    std::vector<std::string> errors(kClients);
    std::vector<std::thread> threads;
    threads.reserve(kClients);
    for (int id = 0; id < kClients; ++id) {
        threads.emplace_back([&, id] { errors[static_cast<size_t>(id)] = run_client(server_.port(), id, connected); });
    }
    for (std::thread& t : threads) t.join();
    int failures = 0;
    for (const std::string& err : errors) {
        if (err.empty()) continue;
        if (++failures <= 10) ADD_FAILURE() << err;
    }
    EXPECT_EQ(failures, 0);
    RespClient client = connect();
    EXPECT_EQ(client.command({"GET", "shared-counter"}), bulk(std::to_string(kClients * kRounds)));
    EXPECT_EQ(client.command({"DBSIZE"}), ":1\r\n");
}

// The same load from one thread: all 200 connections send their command
// before any reply is read, so the server has 200 ready sockets per wake-up.
TEST_F(ConcurrencyTest, TwoHundredClientsInLockstep) {
    ASSERT_NO_FATAL_FAILURE(start());
    std::vector<RespClient> clients;
    clients.reserve(kClients);
    for (int id = 0; id < kClients; ++id) {
        clients.push_back(connect());
        ASSERT_TRUE(clients.back().ok());
    }
    for (int round = 0; round < 5; ++round) {
        for (int id = 0; id < kClients; ++id) {
            std::string key = "k" + std::to_string(id);
            std::string cmd = encode_command({"SET", key, std::to_string(round)}) +
                              encode_command({"APPEND", key, "-" + std::to_string(id)});
            ASSERT_TRUE(clients[static_cast<size_t>(id)].send_raw(cmd));
        }
        for (int id = 0; id < kClients; ++id) {
            RespClient& client = clients[static_cast<size_t>(id)];
            std::string suffix = "-" + std::to_string(id);
            std::string value = std::to_string(round) + suffix;
            ASSERT_EQ(client.read_reply(), "+OK\r\n") << "client " << id;
            ASSERT_EQ(client.read_reply(), ":" + std::to_string(value.size()) + "\r\n") << "client " << id;
        }
    }
}

}  // namespace
}  // namespace testsupport
