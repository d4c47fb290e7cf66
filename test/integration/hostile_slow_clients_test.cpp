// 500 clients that each send a command one byte every few milliseconds do
// not slow the others down noticeably: fast clients complete about as many
// commands in a fixed window with them as without them.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "test/support/hostile.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class HostileSlowClientsTest : public ServerTest {};

constexpr int kSlow = 500;
constexpr int kFast = 4;
// Fast clients are measured over pairs of short windows, one beside the
// control load and one beside the slow clients, and the median of the
// pairs' ratios is kept, so that a burst of load from elsewhere on the
// machine (these are shared machines) spoils one pair, not the result.
constexpr milliseconds kWindow{200};
constexpr int kWindows = 8;
// Every slow client gets its next byte this often.
constexpr milliseconds kByteEvery{10};

// SET/GET pairs that `kFast` clients complete in `kWindow`, each waiting
// for its replies before it sends more; -1 when a reply was wrong.
long fast_pairs(std::vector<RespClient>& fast) {
    std::atomic<long> pairs{0};
    std::atomic<bool> wrong{false};
    const auto end = Clock::now() + kWindow;
    std::vector<std::thread> threads;
    for (size_t t = 0; t < fast.size(); ++t) {
        threads.emplace_back([&, t] {
            RespClient& c = fast[t];
            const std::string key = "fast:" + std::to_string(t);
            for (long i = 0; Clock::now() < end; ++i) {
                const std::string value = std::to_string(i);
                if (c.command({"SET", key, value}) != "+OK\r\n" ||
                    c.command({"GET", key}) != "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n") {
                    wrong = true;
                    return;
                }
                ++pairs;
            }
        });
    }
    for (std::thread& t : threads) t.join();
    return wrong ? -1 : pairs.load();
}

// Sends one byte to each slow connection in turn, a round every
// kByteEvery, cycling through "PING" as a multibulk frame, until `stop`.
// finish() returns how many bytes each connection has sent in all.
class Trickler {
public:
    // `sent` says how many bytes each connection has sent before (so each
    // carries on inside its frame).
    Trickler(const std::vector<int>& fds, const std::vector<size_t>& sent) : fds_(fds), sent_(sent) {
        thread_ = std::thread([this] { run(); });
    }
    ~Trickler() { finish(); }
    // Stops after the current round; the bytes each connection has sent.
    std::vector<size_t> finish() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        return sent_;
    }
    size_t rounds() const { return rounds_; }

    static inline const std::string kFrame = "*1\r\n$4\r\nPING\r\n";

private:
    void run() {
        auto next = Clock::now();
        while (!stop_) {
            for (size_t i = 0; i < fds_.size(); ++i) {
                const char byte = kFrame[sent_[i] % kFrame.size()];
                if (::send(fds_[i], &byte, 1, MSG_NOSIGNAL) == 1) ++sent_[i];
            }
            ++rounds_;
            next += kByteEvery;
            const auto now = Clock::now();
            if (next > now) std::this_thread::sleep_for(next - now);
            else next = now;  // behind: carry on without catching up
        }
    }

    std::vector<int> fds_;
    std::vector<size_t> sent_;
    std::atomic<bool> stop_{false};
    std::atomic<size_t> rounds_{0};
    std::thread thread_;
};

TEST_F(HostileSlowClientsTest, FiveHundredByteAtATimeClientsDoNotSlowTheOthers) {
    ASSERT_GE(raise_open_files_limit(2 * kSlow + 256), static_cast<uint64_t>(kSlow + 128))
        << "RLIMIT_NOFILE is too low";
    ASSERT_NO_FATAL_FAILURE(start());
    std::vector<RespClient> fast;
    for (int i = 0; i < kFast; ++i) {
        fast.emplace_back(server_.port());
        ASSERT_TRUE(fast.back().ok()) << fast.back().error();
    }
    std::vector<int> slow;
    for (int i = 0; i < kSlow; ++i) {
        int fd = connect_raw(server_.port());
        ASSERT_GE(fd, 0) << "slow client " << i;
        slow.push_back(fd);
    }
    // The control: as many connections to a socket of this process that
    // nobody reads. Trickling into them costs this process (and the
    // kernel) what trickling into the server does, so the fast clients'
    // rate with them against the rate beside the slow clients isolates the
    // server's own share, not the load generator's (2 shared cores).
    int sink = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(sink, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(sink, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(sink, kSlow + 16), 0);
    ASSERT_EQ(::getsockname(sink, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    std::vector<int> decoys;
    for (int i = 0; i < kSlow; ++i) {
        int fd = connect_raw(ntohs(addr.sin_port));
        ASSERT_GE(fd, 0) << "decoy " << i;
        decoys.push_back(fd);
    }

    long alone = 0;
    long crowded = 0;
    size_t rounds = 0;
    std::vector<size_t> commands(slow.size(), 0);
    double cpu_alone = 0;
    double cpu_crowded = 0;
    std::vector<size_t> decoy_bytes(decoys.size(), 0);
    std::vector<double> ratios;
    for (int w = 0; w < kWindows; ++w) {
        Trickler control(decoys, decoy_bytes);
        std::this_thread::sleep_for(milliseconds(100));
        double cpu = cpu_seconds(server_.pid());
        const long a = fast_pairs(fast);
        cpu_alone += cpu_seconds(server_.pid()) - cpu;
        decoy_bytes = control.finish();
        ASSERT_GT(a, 0) << "a fast client got a wrong reply";
        alone += a;
        Trickler trickler(slow, commands);
        std::this_thread::sleep_for(milliseconds(100));  // every slow client is mid-frame now
        cpu = cpu_seconds(server_.pid());
        const size_t rounds_before = trickler.rounds();
        const long c = fast_pairs(fast);
        cpu_crowded += cpu_seconds(server_.pid()) - cpu;
        rounds += trickler.rounds() - rounds_before;
        commands = trickler.finish();
        ASSERT_GT(c, 0) << "a fast client got a wrong reply beside the slow ones";
        crowded += c;
        ratios.push_back(static_cast<double>(c) / static_cast<double>(a));
    }

    std::sort(ratios.begin(), ratios.end());
    const double ratio = (ratios[kWindows / 2 - 1] + ratios[kWindows / 2]) / 2;
    const double window_s = kWindows * std::chrono::duration<double>(kWindow).count();
    std::printf("[ ringdis ] fast SET/GET pairs in %d windows of %lld ms: %ld with the control load, %ld "
                "beside %d slow clients (%.0f single bytes/s); median ratio %.2f; server CPU %.0f%% / %.0f%%\n",
                kWindows, static_cast<long long>(kWindow.count()), alone, crowded, kSlow,
                static_cast<double>(rounds) * kSlow / window_s, ratio, 100 * cpu_alone / window_s,
                100 * cpu_crowded / window_s);
    RecordProperty("fast_clients_ratio_with_slow_clients_x100", static_cast<int>(ratio * 100));
    EXPECT_GE(ratio, 0.4);

    // Every slow client was served too: one PONG per whole command sent.
    std::vector<Gathered> got = gather(slow, milliseconds(1000), milliseconds(10000));
    size_t total = 0;
    for (size_t i = 0; i < slow.size(); ++i) {
        const size_t whole = commands[i] / Trickler::kFrame.size();
        std::string want;
        for (size_t k = 0; k < whole; ++k) want += "+PONG\r\n";
        EXPECT_EQ(got[i].bytes, want) << "slow client " << i;
        EXPECT_FALSE(got[i].closed) << "slow client " << i;
        EXPECT_GE(whole, 1u) << "slow client " << i;
        total += whole;
        if (HasFailure()) break;
    }
    std::printf("[ ringdis ] the slow clients completed %zu commands\n", total);
    for (int fd : slow) ::close(fd);
    for (int fd : decoys) ::close(fd);
    ::close(sink);
}

}  // namespace
}  // namespace testsupport
