// A client that pipelines far more than it reads: the server stops reading
// it once about 1 MiB of its replies are unsent (backpressure), so the
// server's memory stays bounded however much the client asks for, and the
// client still gets every reply, in order, once it reads.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

#include "test/support/background_writer.h"
#include "test/support/hostile.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class HostileBackpressureTest : public ServerTest {};

constexpr uint64_t kMiB = 1 << 20;

// Reads `total` bytes from `fd` and checks them against `unit` repeated;
// returns a description of the first problem, or "".
std::string read_and_check(int fd, const std::string& unit, uint64_t total, milliseconds limit) {
    const auto end = Clock::now() + limit;
    std::string buf(1 << 20, '\0');
    uint64_t at = 0;
    while (at < total) {
        pollfd p{fd, POLLIN, 0};
        const auto left = std::chrono::duration_cast<milliseconds>(end - Clock::now()).count();
        if (left <= 0) return "timed out after " + std::to_string(at) + " of " + std::to_string(total) + " bytes";
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n <= 0) return "closed after " + std::to_string(at) + " bytes";
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[static_cast<size_t>(i)] != unit[(at + static_cast<uint64_t>(i)) % unit.size()])
                return "byte " + std::to_string(at + static_cast<uint64_t>(i)) + " differs";
        }
        at += static_cast<uint64_t>(n);
    }
    return "";
}

// Samples the server's resident memory until `done` returns true (or the
// deadline), returning the largest sample.
template <typename Done>
uint64_t max_rss_until(pid_t pid, Done done, milliseconds limit) {
    const auto end = Clock::now() + limit;
    uint64_t top = 0;
    while (Clock::now() < end) {
        top = std::max(top, resident_bytes(pid));
        if (done()) break;
        std::this_thread::sleep_for(milliseconds(20));
    }
    return std::max(top, resident_bytes(pid));
}

// 2,000 GETs of a 256 KiB value (500 MiB of replies) sent in one go, and
// nothing read for a while.
TEST_F(HostileBackpressureTest, PipelinedLargeGetsKeepServerMemoryBounded) {
    RINGDIS_SKIP_UNDER_ORACLE();  // redis-server buffers all 500 MiB
    ASSERT_NO_FATAL_FAILURE(start());
    std::string value(256 * 1024, 'x');
    for (size_t i = 0; i < value.size(); i += 1000) value[i] = static_cast<char>('a' + i % 26);
    RespClient admin = connect();
    ASSERT_EQ(admin.command({"SET", "big", value}), "+OK\r\n");
    const uint64_t baseline = resident_bytes(server_.pid());

    constexpr int kGets = 2000;
    RespClient greedy(server_.port(), milliseconds(30000), 64 * 1024);
    ASSERT_TRUE(greedy.ok()) << greedy.error();
    std::string pipeline;
    for (int i = 0; i < kGets; ++i) pipeline += encode_command({"GET", "big"});
    ASSERT_TRUE(greedy.send_raw(pipeline));

    // The server holds back: it stops at a few commands' worth of replies
    // and stays there while the client reads nothing.
    auto stalled = [&] {
        std::string list = admin.command({"CLIENT", "LIST"});
        return list.find("cmd=get") != std::string::npos && list.find("state=writing") != std::string::npos;
    };
    const uint64_t top = max_rss_until(server_.pid(), stalled, milliseconds(10000));
    ASSERT_TRUE(stalled()) << admin.command({"CLIENT", "LIST"});
    const uint64_t processed_then = static_cast<uint64_t>(info_number(admin, "stats", "total_commands_processed"));
    const uint64_t top_later = max_rss_until(server_.pid(), [] { return false; }, milliseconds(300));
    const uint64_t processed_later = static_cast<uint64_t>(info_number(admin, "stats", "total_commands_processed"));
    // Only the INFO and CLIENT LIST calls ran meanwhile.
    EXPECT_LE(processed_later - processed_then, 3u);
    const uint64_t growth = std::max(top, top_later) - std::min(baseline, std::max(top, top_later));
    std::printf("[ ringdis ] %d pipelined GETs of 256 KiB unread: server RSS grew by %.1f MiB\n", kGets,
                static_cast<double>(growth) / kMiB);
    RecordProperty("rss_growth_kib_with_unread_pipeline", static_cast<int>(growth / 1024));
    EXPECT_LT(growth, (kUnderAsan ? 64 : 32) * kMiB);

    // Reading now brings every reply, in order.
    const std::string reply = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
    EXPECT_EQ(read_and_check(greedy.fd(), reply, reply.size() * kGets, milliseconds(60000)), "");
    EXPECT_EQ(greedy.command({"PING"}), "+PONG\r\n");
    // The peak over the whole exchange stays small too. (Not under ASan:
    // its quarantine keeps up to 256 MiB of freed reply buffers resident.)
    const uint64_t peak = peak_resident_bytes(server_.pid());
    if (!kUnderAsan) {
        EXPECT_LT(peak - std::min(peak, baseline), 48 * kMiB) << "VmHWM";
    }
}

// Many small commands (16 MiB of them) pushed by a writer that never stops,
// while the client reads nothing: the server's input side is bounded too
// (it leaves what it has not read in the socket).
TEST_F(HostileBackpressureTest, UnreadRepliesStopTheServerReadingAFlood) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    ASSERT_EQ(admin.command({"SET", "s", "0123456789"}), "+OK\r\n");
    const uint64_t baseline = resident_bytes(server_.pid());

    const std::string get = encode_command({"GET", "s"});
    const uint64_t kCommands = (16 * kMiB) / get.size();
    std::string flood;
    flood.reserve(kCommands * get.size());
    for (uint64_t i = 0; i < kCommands; ++i) flood += get;
    RespClient greedy(server_.port(), milliseconds(30000), 64 * 1024);
    ASSERT_TRUE(greedy.ok()) << greedy.error();
    BackgroundWriter writer(greedy.fd(), flood);

    auto stalled = [&] { return admin.command({"CLIENT", "LIST"}).find("state=writing") != std::string::npos; };
    const uint64_t top = max_rss_until(server_.pid(), stalled, milliseconds(10000));
    ASSERT_TRUE(stalled()) << admin.command({"CLIENT", "LIST"});
    const uint64_t top_later = max_rss_until(server_.pid(), [] { return false; }, milliseconds(300));
    const uint64_t high = std::max(top, top_later);
    const uint64_t growth = high - std::min(baseline, high);
    std::printf("[ ringdis ] a 16 MiB flood of GETs, replies unread: server RSS grew by %.1f MiB\n",
                static_cast<double>(growth) / kMiB);
    EXPECT_LT(growth, (kUnderAsan ? 64 : 32) * kMiB);

    const std::string reply = "$10\r\n0123456789\r\n";
    EXPECT_EQ(read_and_check(greedy.fd(), reply, reply.size() * kCommands, milliseconds(60000)), "");
    EXPECT_TRUE(writer.finish());
}

}  // namespace
}  // namespace testsupport
