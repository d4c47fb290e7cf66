// Failover with Redis Sentinel: Debian's redis-sentinel (three of them, on
// loopback) monitors a ringdis master with two ringdis replicas. The master
// is killed; the sentinels must agree it is down, elect a leader, promote a
// replica (inside MULTI: SLAVEOF NO ONE, CONFIG REWRITE, CLIENT KILL TYPE
// normal, EXEC), point the other replica at it, and then answer
// SENTINEL get-master-addr-by-name with a server that takes writes. The
// data written before the failover is on the new master, and what is
// written after reaches the remaining replica.
//
// Everything Sentinel needs from us is exercised: INFO (run_id, role,
// slaveN lines, master_link_status, slave_priority, slave_repl_offset),
// PING, PUBLISH/SUBSCRIBE on __sentinel__:hello, CLIENT SETNAME, ROLE,
// REPLICAOF/SLAVEOF, PSYNC continuing from the promoted replica.
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test/support/resp_client.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kSentinelBinary = "/usr/bin/redis-sentinel";

// The bulk strings of a flat RESP2 array reply (nested arrays and other
// types are skipped over as far as this test needs: SENTINEL MASTER and
// get-master-addr-by-name answer flat arrays of bulks).
std::vector<std::string> bulks(const std::string& reply) {
    std::vector<std::string> out;
    size_t pos = 0;
    if (reply.empty() || reply[0] != '*') return out;
    pos = reply.find("\r\n") + 2;
    while (pos < reply.size()) {
        if (reply[pos] == '$') {
            size_t eol = reply.find("\r\n", pos);
            long len = std::strtol(reply.c_str() + pos + 1, nullptr, 10);
            pos = eol + 2;
            if (len < 0) continue;
            out.push_back(reply.substr(pos, static_cast<size_t>(len)));
            pos += static_cast<size_t>(len) + 2;
        } else {
            size_t eol = reply.find("\r\n", pos);
            if (eol == std::string::npos) break;
            out.push_back(reply.substr(pos + 1, eol - pos - 1));
            pos = eol + 2;
        }
    }
    return out;
}

// SENTINEL MASTER's field/value pairs.
std::map<std::string, std::string> fields(const std::string& reply) {
    std::vector<std::string> b = bulks(reply);
    std::map<std::string, std::string> m;
    for (size_t i = 0; i + 1 < b.size(); i += 2) m[b[i]] = b[i + 1];
    return m;
}

std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

// Polls `done` every 50 ms until it holds or `limit` passes.
bool eventually(milliseconds limit, const std::function<bool()>& done) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(milliseconds(50));
    }
    return done();
}

std::string command(int port, const std::vector<std::string>& args) {
    RespClient c(port, milliseconds(3000));
    if (!c.ok()) return "<connect failed>";
    return c.command(args);
}

class SentinelTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(kSentinelBinary)) << "redis-sentinel missing: make test installs it";
        std::string tmpl = (fs::temp_directory_path() / "ringdis-sentinel-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        conf_dir_ = tmpl;
    }
    void TearDown() override {
        for (ServerProcess& s : sentinels_) s.stop(milliseconds(2000));
        std::error_code ec;
        fs::remove_all(conf_dir_, ec);
    }

    // A sentinel's configuration file (it rewrites it as it learns).
    std::string sentinel_conf(int index, int master_port) {
        std::string path = conf_dir_ + "/sentinel-" + std::to_string(index) + ".conf";
        std::ofstream(path) << "protected-mode no\n"
                            << "dir " << conf_dir_ << "\n"
                            << "sentinel monitor mymaster 127.0.0.1 " << master_port << " 2\n"
                            << "sentinel down-after-milliseconds mymaster 1000\n"
                            << "sentinel failover-timeout mymaster 5000\n"
                            << "sentinel parallel-syncs mymaster 1\n";
        return path;
    }

    std::string conf_dir_;
    std::array<ServerProcess, 3> sentinels_;
};

TEST_F(SentinelTest, KilledMasterIsReplacedByAPromotedReplicaThatTakesWrites) {
    ServerProcess master;
    ASSERT_TRUE(master.start(ringdis_like_oracle_options())) << master.error();
    const std::string master_port = std::to_string(master.port());
    std::array<ServerProcess, 2> replicas;
    for (ServerProcess& r : replicas)
        ASSERT_TRUE(r.start(ringdis_like_oracle_options({"--replicaof", "127.0.0.1", master_port}))) << r.error();

    // Both replicas online before the sentinels look.
    ASSERT_TRUE(eventually(milliseconds(20000), [&] {
        std::string info = command(master.port(), {"INFO", "replication"});
        return info.find("connected_slaves:2") != std::string::npos &&
               info.find("slave1:") != std::string::npos &&
               info.find("state=wait_bgsave") == std::string::npos &&
               info.find("state=send_bulk") == std::string::npos;
    })) << command(master.port(), {"INFO", "replication"});
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(command(master.port(), {"SET", "before:" + std::to_string(i), std::to_string(i)}), "+OK\r\n");
    ASSERT_EQ(command(master.port(), {"WAIT", "2", "5000"}), ":2\r\n");

    for (int i = 0; i < 3; ++i) {
        ServerOptions opts;
        opts.binary = kSentinelBinary;
        opts.leading_args = {sentinel_conf(i, master.port())};
        ASSERT_TRUE(sentinels_[i].start(opts)) << sentinels_[i].error();
    }
    // The sentinels find the replicas (from the master's INFO) and each
    // other (from hello messages published on the master and replicas).
    for (ServerProcess& s : sentinels_) {
        ASSERT_TRUE(eventually(milliseconds(30000), [&] {
            auto f = fields(command(s.port(), {"SENTINEL", "MASTER", "mymaster"}));
            return f["num-slaves"] == "2" && f["num-other-sentinels"] == "2" && f["flags"] == "master";
        })) << command(s.port(), {"SENTINEL", "MASTER", "mymaster"}) << "\n"
            << s.log_tail();
    }
    // Sentinel also checks each replica's link and priority.
    auto replicas_reply = command(sentinels_[0].port(), {"SENTINEL", "REPLICAS", "mymaster"});
    EXPECT_NE(replicas_reply.find(bulk("master-link-status") + bulk("ok")), std::string::npos) << replicas_reply;
    EXPECT_NE(replicas_reply.find(bulk("slave-priority") + bulk("100")), std::string::npos) << replicas_reply;

    master.signal_and_wait(SIGKILL, milliseconds(5000));

    // A new master is elected and announced.
    std::string new_port;
    ASSERT_TRUE(eventually(milliseconds(40000), [&] {
        std::vector<std::string> addr = bulks(command(sentinels_[0].port(), {"SENTINEL", "get-master-addr-by-name", "mymaster"}));
        if (addr.size() != 2 || addr[1] == master_port) return false;
        new_port = addr[1];
        return true;
    })) << sentinels_[0].log_tail() << sentinels_[1].log_tail() << sentinels_[2].log_tail();

    ServerProcess* promoted = nullptr;
    ServerProcess* other = nullptr;
    for (ServerProcess& r : replicas) {
        if (std::to_string(r.port()) == new_port) promoted = &r;
        else other = &r;
    }
    ASSERT_NE(promoted, nullptr) << "the sentinels named port " << new_port << ", not one of the replicas";
    ASSERT_NE(other, nullptr);

    // The promoted replica is a master that takes writes and kept the data.
    ASSERT_TRUE(eventually(milliseconds(20000), [&] {
        return command(promoted->port(), {"ROLE"}).starts_with("*3\r\n$6\r\nmaster\r\n");
    })) << command(promoted->port(), {"ROLE"});
    EXPECT_EQ(command(promoted->port(), {"SET", "after", "failover"}), "+OK\r\n");
    EXPECT_EQ(command(promoted->port(), {"GET", "before:42"}), "$2\r\n42\r\n");
    EXPECT_EQ(command(promoted->port(), {"DBSIZE"}), ":101\r\n");

    // The other replica follows the new master and gets the new write.
    ASSERT_TRUE(eventually(milliseconds(30000), [&] {
        std::string role = command(other->port(), {"ROLE"});
        return role.find(bulk("slave") + bulk("127.0.0.1") + ":" + new_port + "\r\n" + bulk("connected")) !=
               std::string::npos;
    })) << command(other->port(), {"ROLE"}) << other->log_tail();
    ASSERT_TRUE(eventually(milliseconds(10000), [&] {
        return command(other->port(), {"GET", "after"}) == "$8\r\nfailover\r\n";
    }));
    EXPECT_EQ(command(other->port(), {"GET", "before:99"}), "$2\r\n99\r\n");
    // It is read-only, as Redis's replicas are by default.
    EXPECT_EQ(command(other->port(), {"SET", "x", "1"}),
              "-READONLY You can't write against a read only replica.\r\n");

    // A client that asks Sentinel where to write reaches a master.
    std::vector<std::string> addr = bulks(command(sentinels_[2].port(), {"SENTINEL", "get-master-addr-by-name", "mymaster"}));
    ASSERT_EQ(addr.size(), 2u);
    EXPECT_EQ(command(std::stoi(addr[1]), {"SET", "via-sentinel", "yes"}), "+OK\r\n");
}

}  // namespace
}  // namespace testsupport
