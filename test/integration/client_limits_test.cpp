// The per-client limits, each against the oracle (redis-server 7.0) started
// beside ringdis with the same flags: client-query-buffer-limit,
// client-output-buffer-limit (normal class), timeout and tcp-keepalive.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/hostile.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class ClientLimitsTest : public ServerTest {
protected:
    // ringdis (server_) and redis-server (oracle_), with the same flags.
    void start_both(const std::vector<std::string>& args) {
        ASSERT_NO_FATAL_FAILURE(start(args));
        ASSERT_TRUE(oracle_.start(oracle_options(args))) << oracle_.error();
    }
    std::vector<std::pair<const char*, int>> ports() {
        return {{"ringdis", server_.port()}, {"redis", oracle_.port()}};
    }

    ServerProcess oracle_;
};

std::string big_value(size_t n) {
    std::string v(n, 'v');
    for (size_t i = 0; i < n; i += 997) v[i] = static_cast<char>('a' + i % 26);
    return v;
}

// The same CONFIG GET/SET exchanges give the same bytes.
TEST_F(ClientLimitsTest, ConfigDefaultsAndBoundsMatchRedis) {
    ASSERT_NO_FATAL_FAILURE(start_both({}));
    const std::vector<std::vector<std::string>> script = {
        {"CONFIG", "GET", "client-query-buffer-limit"},
        {"CONFIG", "GET", "tcp-keepalive"},
        {"CONFIG", "GET", "timeout"},
        {"CONFIG", "GET", "client-output-buffer-limit"},
        {"CONFIG", "SET", "client-query-buffer-limit", "1000"},
        {"CONFIG", "SET", "client-query-buffer-limit", "abc"},
        {"CONFIG", "SET", "client-query-buffer-limit", "-1"},
        {"CONFIG", "SET", "client-query-buffer-limit", "1048575"},
        {"CONFIG", "SET", "client-query-buffer-limit", "1mb"},
        {"CONFIG", "GET", "client-query-buffer-limit"},
        {"CONFIG", "SET", "client-query-buffer-limit", "2gb"},
        {"CONFIG", "GET", "client-query-buffer-limit"},
        {"CONFIG", "SET", "tcp-keepalive", "-1"},
        {"CONFIG", "SET", "tcp-keepalive", "abc"},
        {"CONFIG", "SET", "tcp-keepalive", "2147483648"},
        {"CONFIG", "SET", "tcp-keepalive", "60"},
        {"CONFIG", "GET", "tcp-keepalive"},
        {"CONFIG", "SET", "timeout", "-1"},
        {"CONFIG", "SET", "timeout", "30"},
        {"CONFIG", "GET", "timeout"},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 5"},
        {"CONFIG", "GET", "client-output-buffer-limit"},
    };
    RespClient ours = connect();
    RespClient redis(oracle_.port());
    ASSERT_TRUE(redis.ok()) << redis.error();
    for (const auto& cmd : script) {
        EXPECT_EQ(escape_bytes(ours.command(cmd)), escape_bytes(redis.command(cmd)))
            << cmd[0] << " " << cmd[1] << " " << cmd[2] << (cmd.size() > 3 ? " " + cmd[3] : "");
    }
}

// An argument larger than client-query-buffer-limit: no reply, the
// connection is closed; one under it is stored.
TEST_F(ClientLimitsTest, QueryBufferLimitClosesAClientWithABigArgument) {
    ASSERT_NO_FATAL_FAILURE(start_both({"--client-query-buffer-limit", "1mb"}));
    for (auto [name, port] : ports()) {
        SCOPED_TRACE(name);
        RespClient good(port);
        EXPECT_EQ(good.command({"SET", "fits", big_value(1000 * 1000)}), "+OK\r\n");
        int bad = connect_raw(port);
        ASSERT_GE(bad, 0);
        (void)send_all(bad, encode_command({"SET", "q", big_value(2 << 20)}));  // may be cut off
        std::vector<Gathered> got = gather({bad}, milliseconds(5000), milliseconds(5000));
        ::close(bad);
        EXPECT_EQ(escape_bytes(got[0].bytes), "");
        EXPECT_TRUE(got[0].closed);
        EXPECT_EQ(good.command({"EXISTS", "q", "fits"}), ":1\r\n");
    }
    EXPECT_NE(server_.read_log().find("Closing client that reached max query buffer length"), std::string::npos)
        << server_.log_tail();
    if (!server_is_oracle()) {
        RespClient info = connect();
        EXPECT_EQ(info_number(info, "stats", "client_query_buffer_limit_disconnections"), 1);
    }
}

// A blocked client keeps reading: what it pipelines behind BLPOP counts
// toward the limit.
TEST_F(ClientLimitsTest, QueryBufferLimitCountsInputHeldWhileBlocked) {
    ASSERT_NO_FATAL_FAILURE(start_both({"--client-query-buffer-limit", "1mb"}));
    for (auto [name, port] : ports()) {
        SCOPED_TRACE(name);
        RespClient watcher(port);
        int bad = connect_raw(port);
        ASSERT_GE(bad, 0);
        ASSERT_TRUE(send_all(bad, encode_command({"BLPOP", "nothing", "0"})));
        ASSERT_TRUE(wait_for_info(watcher, "clients", "blocked_clients", 1, milliseconds(5000)));
        std::string pipeline;
        for (int i = 0; i < 32; ++i) pipeline += encode_command({"SET", "k", big_value(64 * 1024)});
        (void)send_all(bad, pipeline);
        std::vector<Gathered> got = gather({bad}, milliseconds(5000), milliseconds(5000));
        ::close(bad);
        EXPECT_EQ(escape_bytes(got[0].bytes), "");
        EXPECT_TRUE(got[0].closed);
        EXPECT_TRUE(wait_for_info(watcher, "clients", "blocked_clients", 0, milliseconds(5000)));
        EXPECT_EQ(watcher.command({"EXISTS", "k"}), ":0\r\n");
    }
}

// Past the hard limit of the normal class the client is closed at once and
// its unsent replies are dropped.
TEST_F(ClientLimitsTest, OutputHardLimitClosesAClientThatDoesNotRead) {
    ASSERT_NO_FATAL_FAILURE(start_both({"--client-output-buffer-limit", "normal 256kb 0 0"}));
    for (auto [name, port] : ports()) {
        SCOPED_TRACE(name);
        RespClient setup(port);
        ASSERT_EQ(setup.command({"SET", "big", big_value(8 << 20)}), "+OK\r\n");
        ASSERT_EQ(setup.command({"SET", "med", big_value(100 * 1000)}), "+OK\r\n");
        // One large reply.
        int one = connect_raw(port, 4096);
        // Many medium ones, each under the limit, pipelined.
        int many = connect_raw(port, 4096);
        ASSERT_GE(one, 0);
        ASSERT_GE(many, 0);
        ASSERT_TRUE(send_all(one, encode_command({"GET", "big"})));
        std::string pipeline;
        for (int i = 0; i < 20; ++i) pipeline += encode_command({"GET", "med"});
        ASSERT_TRUE(send_all(many, pipeline));
        std::vector<Gathered> got = gather({one, many}, milliseconds(5000), milliseconds(5000));
        ::close(one);
        ::close(many);
        EXPECT_EQ(got[0].bytes.size(), 0u);
        EXPECT_TRUE(got[0].closed);
        EXPECT_LT(got[1].bytes.size(), 20u * 100 * 1000);
        EXPECT_TRUE(got[1].closed);
        // A client that reads is not affected.
        EXPECT_EQ(setup.command({"STRLEN", "big"}), ":8388608\r\n");
    }
    EXPECT_NE(server_.read_log().find("scheduled to be closed ASAP for overcoming of output buffer limits"),
              std::string::npos)
        << server_.log_tail();
    if (!server_is_oracle()) {
        RespClient info = connect();
        EXPECT_EQ(info_number(info, "stats", "client_output_buffer_limit_disconnections"), 2);
    }
}

// Past the soft limit for longer than its seconds: the client adds no
// replies while it does not read, so the cron is what closes it. (Nothing
// reads the victims: INFO on another connection tells when they are gone.)
TEST_F(ClientLimitsTest, OutputSoftLimitClosesAfterItsSeconds) {
    ASSERT_NO_FATAL_FAILURE(start_both({"--client-output-buffer-limit", "normal 0 128kb 1"}));
    std::vector<RespClient> admins;
    std::vector<int> victims;
    for (auto [name, port] : ports()) {
        admins.emplace_back(port);
        ASSERT_EQ(admins.back().command({"SET", "big", big_value(8 << 20)}), "+OK\r\n");
        int fd = connect_raw(port, 4096);
        ASSERT_GE(fd, 0);
        victims.push_back(fd);
    }
    const auto sent = Clock::now();
    for (int fd : victims) ASSERT_TRUE(send_all(fd, encode_command({"GET", "big"})));
    for (size_t i = 0; i < admins.size(); ++i) {
        int64_t last = -1;
        EXPECT_TRUE(wait_for_info(admins[i], "clients", "connected_clients", 1, milliseconds(8000), &last))
            << (i == 0 ? "ringdis" : "redis") << " still has " << last;
    }
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - sent);
    // Not before its second over the limit.
    EXPECT_GE(took.count(), 900);
    // What the client receives ends early.
    std::vector<Gathered> got = gather(victims, milliseconds(5000), milliseconds(5000));
    for (int fd : victims) ::close(fd);
    EXPECT_TRUE(got[0].closed);
    EXPECT_TRUE(got[1].closed);
    EXPECT_LT(got[0].bytes.size(), size_t{8} << 20);
    EXPECT_NE(server_.read_log().find("closed for overcoming of output buffer limits"), std::string::npos)
        << server_.log_tail();
}

// timeout: an idle client is closed, also one inside MULTI; a subscriber
// and a blocked client are not (Redis's clientsCronHandleTimeout).
TEST_F(ClientLimitsTest, IdleTimeoutClosesOnlyIdleNormalClients) {
    ASSERT_NO_FATAL_FAILURE(start_both({"--timeout", "1"}));
    struct Side {
        int port;
        RespClient idle, multi, sub, blocked;
    };
    std::vector<Side> sides;
    sides.reserve(2);
    for (auto [name, port] : ports()) {
        sides.push_back(Side{port, RespClient(port), RespClient(port), RespClient(port), RespClient(port)});
        Side& s = sides.back();
        ASSERT_EQ(s.idle.command({"PING"}), "+PONG\r\n");
        ASSERT_EQ(s.multi.command({"MULTI"}), "+OK\r\n");
        ASSERT_EQ(s.sub.command({"SUBSCRIBE", "ch"}), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
        ASSERT_TRUE(s.blocked.send_raw(encode_command({"BLPOP", "list", "0"})));
    }
    const auto started = Clock::now();
    std::vector<Gathered> got = gather({sides[0].idle.fd(), sides[0].multi.fd(), sides[1].idle.fd(),
                                        sides[1].multi.fd()},
                                       milliseconds(8000), milliseconds(8000));
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_TRUE(got[i].closed) << (i < 2 ? "ringdis" : "redis") << " client " << i % 2;
        EXPECT_EQ(got[i].bytes, "");
    }
    EXPECT_GE(took.count(), 900);
    for (size_t i = 0; i < sides.size(); ++i) {
        SCOPED_TRACE(i == 0 ? "ringdis" : "redis");
        Side& s = sides[i];
        EXPECT_EQ(s.sub.command({"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        RespClient pusher(s.port);
        EXPECT_EQ(pusher.command({"RPUSH", "list", "x"}), ":1\r\n");
        EXPECT_EQ(s.blocked.read_reply(), "*2\r\n$4\r\nlist\r\n$1\r\nx\r\n");
    }
}

// Many idle clients: the cron visits a slice of them per tick and still
// closes every one within about a second of its time-out, while an active
// client stays.
TEST_F(ClientLimitsTest, IdleTimeoutReachesEveryOneOfManyClients) {
    ASSERT_NO_FATAL_FAILURE(start({"--timeout", "1"}));
    constexpr int kIdle = 1000;
    raise_open_files_limit(kIdle + 256);
    std::vector<RespClient> idle;
    idle.reserve(kIdle);
    for (int i = 0; i < kIdle; ++i) {
        idle.emplace_back(server_.port());
        ASSERT_TRUE(idle.back().ok()) << idle.back().error();
    }
    RespClient active = connect();
    // INFO every few milliseconds keeps `active` from being idle.
    int64_t last = -1;
    EXPECT_TRUE(wait_for_info(active, "clients", "connected_clients", 1, milliseconds(8000), &last))
        << "still connected: " << last;
    EXPECT_EQ(active.command({"PING"}), "+PONG\r\n");
}

// The accepted socket of a client as the server holds it (a duplicate
// taken with pidfd_getfd); -1 when the kernel does not allow it.
int server_side_socket(pid_t pid, int client_fd) {
    sockaddr_in mine{};
    socklen_t len = sizeof mine;
    if (::getsockname(client_fd, reinterpret_cast<sockaddr*>(&mine), &len) != 0) return -1;
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) return -1;
    int found = -1;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        int target = std::atoi(entry.path().filename().c_str());
        int fd = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, target, 0));
        if (fd < 0) continue;
        sockaddr_in peer{};
        socklen_t plen = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0 && peer.sin_family == AF_INET &&
            peer.sin_port == mine.sin_port && peer.sin_addr.s_addr == mine.sin_addr.s_addr) {
            found = fd;
            break;
        }
        ::close(fd);
    }
    ::close(pidfd);
    return found;
}

struct Keepalive {
    int on = -1, idle = -1, interval = -1, count = -1;
    bool operator==(const Keepalive&) const = default;
};

void PrintTo(const Keepalive& k, std::ostream* os) {
    *os << "{on " << k.on << ", idle " << k.idle << ", interval " << k.interval << ", count " << k.count << "}";
}

Keepalive keepalive_of(int fd) {
    Keepalive k;
    socklen_t len = sizeof(int);
    ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &k.on, &len);
    if (k.on == 0) return Keepalive{0, -1, -1, -1};
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &k.idle, &len);
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &k.interval, &len);
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &k.count, &len);
    k.on = k.on != 0;
    return k;
}

// tcp-keepalive N sets Redis's anetKeepAlive options on accepted sockets:
// idle N, interval N/3, 3 probes; 0 leaves keepalive off.
TEST_F(ClientLimitsTest, TcpKeepaliveOnAcceptedSockets) {
    struct Case {
        std::vector<std::string> args;
        Keepalive want;
    };
    const Case cases[] = {
        {{}, {1, 300, 100, 3}},
        {{"--tcp-keepalive", "7"}, {1, 7, 2, 3}},
        {{"--tcp-keepalive", "2"}, {1, 2, 1, 3}},
        {{"--tcp-keepalive", "0"}, {0, -1, -1, -1}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.args.empty() ? std::string("default") : c.args[1]);
        ServerProcess ours;
        ServerProcess redis;
        ASSERT_TRUE(ours.start(ringdis_options(c.args))) << ours.error();
        ASSERT_TRUE(redis.start(oracle_options(c.args))) << redis.error();
        for (ServerProcess* s : {&ours, &redis}) {
            RespClient client(s->port());
            ASSERT_EQ(client.command({"PING"}), "+PONG\r\n");
            int fd = server_side_socket(s->pid(), client.fd());
            if (fd < 0) GTEST_SKIP() << "pidfd_getfd is not allowed here: " << std::strerror(errno);
            EXPECT_EQ(keepalive_of(fd), c.want) << (s == &ours ? "ringdis" : "redis");
            ::close(fd);
        }
        EXPECT_EQ(ours.sanitizer_findings(), "");
    }
}

}  // namespace
}  // namespace testsupport
