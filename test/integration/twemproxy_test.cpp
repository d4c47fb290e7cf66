// Sharding behind twemproxy: Debian's nutcracker in front of three ringdis
// processes, ketama distribution over fnv1a_64. twemproxy pipelines many
// clients' commands over one connection per backend (server_connections: 1)
// and matches replies to requests by order alone, so a backend that answered
// out of order, or twice, or not at all, shows up here as wrong values.
// It also splits MGET, MSET and multi-key DEL into one command per backend
// and joins the replies.
//
// What twemproxy itself does not forward: CONFIG, DBSIZE, FLUSHALL, HELLO,
// EVAL without keys and other commands without a key; it closes the
// client's connection instead of replying. So the tests ask the backends
// directly for DBSIZE and KEYS. A missing nutcracker or redis-benchmark is a
// failure, not a skip: `make test` installs them.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/paths.h"
#include "test/support/resp_client.h"
#include "test/support/run_process.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// ":N\r\n" as N; nullopt for anything else.
std::optional<long long> parse_integer(const std::string& reply) {
    if (reply.size() < 4 || reply[0] != ':' || !reply.ends_with("\r\n")) return std::nullopt;
    char* end = nullptr;
    long long n = std::strtoll(reply.c_str() + 1, &end, 10);
    if (end != reply.c_str() + reply.size() - 2) return std::nullopt;
    return n;
}

// A RESP2 array of bulk strings (nil elements allowed, as MGET's), or
// nullopt when the reply is anything else.
std::optional<std::vector<std::optional<std::string>>> parse_bulk_array(const std::string& reply) {
    size_t pos = 0;
    auto read_line = [&](char type) -> std::optional<long long> {
        if (pos >= reply.size() || reply[pos] != type) return std::nullopt;
        size_t eol = reply.find("\r\n", pos);
        if (eol == std::string::npos) return std::nullopt;
        long long n = std::strtoll(reply.c_str() + pos + 1, nullptr, 10);
        pos = eol + 2;
        return n;
    };
    std::optional<long long> count = read_line('*');
    if (!count || *count < 0) return std::nullopt;
    std::vector<std::optional<std::string>> items;
    for (long long i = 0; i < *count; ++i) {
        std::optional<long long> len = read_line('$');
        if (!len) return std::nullopt;
        if (*len < 0) {
            items.push_back(std::nullopt);
            continue;
        }
        auto n = static_cast<size_t>(*len);
        if (pos + n + 2 > reply.size() || reply.compare(pos + n, 2, "\r\n") != 0) return std::nullopt;
        items.push_back(reply.substr(pos, n));
        pos += n + 2;
    }
    if (pos != reply.size()) return std::nullopt;
    return items;
}

// Sends all the commands in one write and reads as many replies.
std::vector<std::string> pipeline(RespClient& client, const std::vector<std::vector<std::string>>& commands) {
    std::string bytes;
    for (const auto& command : commands) bytes += encode_command(command);
    if (!client.send_raw(bytes)) return {"<send failed: " + client.error() + ">"};
    return client.read_replies(commands.size());
}

// nutcracker as a child process, in its own temporary directory with its
// configuration and its log, listening on a free port of 127.0.0.1 (its
// stats port too). Stopped by PID; the destructor kills and reaps it.
class Nutcracker {
public:
    Nutcracker() = default;
    ~Nutcracker() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            wait_for_exit(pid_, Clock::now() + milliseconds(5000));
        }
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }
    Nutcracker(const Nutcracker&) = delete;
    Nutcracker& operator=(const Nutcracker&) = delete;

    // `config` makes the YAML for a listen port. A nutcracker that exits
    // before it accepts (a port was taken in the meantime) is retried on
    // other ports, a few times.
    bool start(const std::string& binary, const std::function<std::string(int)>& config) {
        std::string tmpl = (fs::temp_directory_path() / "ringdis-twemproxy-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            error_ = std::string("mkdtemp: ") + std::strerror(errno);
            return false;
        }
        dir_ = tmpl;
        for (int attempt = 0; attempt < 4; ++attempt) {
            port_ = pick_free_port();
            int stats_port = pick_free_port();
            if (port_ == 0 || stats_port == 0 || port_ == stats_port) continue;
            std::ofstream(conf_path()) << config(port_);
            if (!spawn(binary, stats_port)) return false;
            if (wait_accepting(Clock::now() + milliseconds(10000))) return true;
            if (pid_ > 0) {
                error_ = "nutcracker did not accept on port " + std::to_string(port_) + "; log:\n" + log();
                return false;
            }
            error_ = "nutcracker exited before accepting on port " + std::to_string(port_) + "; log:\n" + log();
        }
        return false;
    }

    int port() const { return port_; }
    const std::string& error() const { return error_; }
    std::string conf_path() const { return dir_ + "/nutcracker.yml"; }
    // Its own log (-o) and what it printed besides.
    std::string log() const { return read_file(dir_ + "/nutcracker.log") + read_file(dir_ + "/stdout.log"); }

    // SIGTERM by PID, then SIGKILL if it lingers.
    ExitStatus stop() {
        ExitStatus status;
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            status = wait_for_exit(pid_, Clock::now() + milliseconds(5000));
            pid_ = -1;
        }
        return status;
    }

private:
    bool spawn(const std::string& binary, int stats_port) {
        std::vector<std::string> argv = {binary,        "-c", conf_path(), "-s", std::to_string(stats_port),
                                         "-a",          "127.0.0.1",       "-o", dir_ + "/nutcracker.log",
                                         "-p",          dir_ + "/nutcracker.pid"};
        std::vector<char*> c_argv;
        for (std::string& arg : argv) c_argv.push_back(arg.data());
        c_argv.push_back(nullptr);
        std::string out_path = dir_ + "/stdout.log";
        int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out_fd < 0 || null_fd < 0) {
            error_ = "open " + out_path + ": " + std::strerror(errno);
            if (out_fd >= 0) ::close(out_fd);
            if (null_fd >= 0) ::close(null_fd);
            return false;
        }
        pid_t parent = ::getpid();
        pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no proxy outlives a crashed test
            if (::getppid() != parent) ::_exit(126);
            ::dup2(null_fd, 0);
            ::dup2(out_fd, 1);
            ::dup2(out_fd, 2);
            close_inherited_fds();
            ::execv(c_argv[0], c_argv.data());
            ::_exit(127);
        }
        ::close(out_fd);
        ::close(null_fd);
        if (pid < 0) {
            error_ = std::string("fork: ") + std::strerror(errno);
            return false;
        }
        pid_ = pid;
        return true;
    }

    // Polls, without a fixed sleep, until a connection to the listen port
    // succeeds; false when nutcracker exits first (pid_ is then -1) or the
    // deadline passes.
    bool wait_accepting(Clock::time_point deadline) {
        auto nap = std::chrono::microseconds(200);
        while (Clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            RespClient probe(port_, milliseconds(1000));
            if (probe.ok()) return true;
            std::this_thread::sleep_for(nap);
            if (nap < milliseconds(5)) nap *= 2;
        }
        return false;
    }

    std::string dir_;
    std::string error_;
    pid_t pid_ = -1;
    int port_ = 0;
};

class TwemproxyTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string nutcracker = find_program("nutcracker");
        ASSERT_FALSE(nutcracker.empty()) << "nutcracker is not installed (Debian package nutcracker)";
        for (ServerProcess& backend : backends_) {
            ASSERT_TRUE(backend.start(ringdis_like_oracle_options())) << backend.error();
        }
        // server_connections: 1 on purpose. With more, twemproxy spreads
        // one client's pipeline over several connections to a backend, and a
        // GET can overtake the SET before it (seen with redis-server as the
        // backend too): ConcurrentPipelinesComeBackInOrder then gets nils.
        // Named servers: ketama places a named server by its name, not by
        // host:port, so the keys land on the same shard whatever ports the
        // backends got. The names are also what the README shows.
        auto config = [this](int listen_port) {
            std::string yaml =
                "ringdis:\n"
                "  listen: 127.0.0.1:" + std::to_string(listen_port) + "\n"
                "  hash: fnv1a_64\n"
                "  distribution: ketama\n"
                "  redis: true\n"
                "  auto_eject_hosts: false\n"
                "  server_connections: 1\n"
                "  timeout: 10000\n"
                "  servers:\n";
            for (size_t i = 0; i < backends_.size(); ++i) {
                yaml += "    - 127.0.0.1:" + std::to_string(backends_[i].port()) + ":1 shard" +
                        std::to_string(i + 1) + "\n";
            }
            return yaml;
        };
        ASSERT_TRUE(proxy_.start(nutcracker, config)) << proxy_.error();
    }

    void TearDown() override {
        for (ServerProcess& backend : backends_) {
            if (backend.dir().empty()) continue;
            EXPECT_EQ(backend.sanitizer_findings(), "") << "backend log:\n" << backend.log_tail();
        }
        if (HasFailure()) {
            std::printf("--- nutcracker config:\n%s--- nutcracker log:\n%s\n---\n",
                        read_file(proxy_.conf_path()).c_str(), proxy_.log().c_str());
            for (ServerProcess& backend : backends_) {
                if (backend.dir().empty()) continue;
                std::printf("--- backend on port %d (%s):\n%s\n---\n", backend.port(), backend.log_path().c_str(),
                            backend.log_tail().c_str());
            }
        }
        ExitStatus proxy = proxy_.stop();
        EXPECT_FALSE(proxy.timed_out) << "nutcracker ignored SIGTERM";
        for (ServerProcess& backend : backends_) {
            if (backend.pid() > 0) {
                EXPECT_TRUE(backend.stop().success()) << backend.log_tail();
            }
        }
    }

    RespClient connect_proxy() {
        RespClient client(proxy_.port(), milliseconds(20000));
        EXPECT_TRUE(client.ok()) << client.error();
        return client;
    }

    // DBSIZE of each backend, asked directly (twemproxy refuses DBSIZE).
    std::vector<long long> backend_sizes() {
        std::vector<long long> sizes;
        for (ServerProcess& backend : backends_) {
            RespClient direct(backend.port());
            std::string reply = direct.command({"DBSIZE"});
            std::optional<long long> n = parse_integer(reply);
            EXPECT_TRUE(n.has_value()) << "DBSIZE on port " << backend.port() << ": " << escape_bytes(reply);
            sizes.push_back(n.value_or(-1));
        }
        return sizes;
    }

    std::array<ServerProcess, 3> backends_;
    Nutcracker proxy_;
};

// The requests per second in redis-benchmark's --csv line for `test`
// ("SET","181818.19",...); -1 when there is no such line.
double csv_rps(const std::string& output, const std::string& test) {
    std::string prefix = "\"" + test + "\",\"";
    size_t at = output.find(prefix);
    if (at == std::string::npos || (at > 0 && output[at - 1] != '\n')) return -1;
    return std::strtod(output.c_str() + at + prefix.size(), nullptr);
}

// redis-benchmark through the proxy. At start redis-benchmark 7 sends
// CONFIG GET save and CONFIG GET appendonly on a connection of its own;
// twemproxy does not forward CONFIG and closes that connection, so
// redis-benchmark prints "WARNING: Could not fetch server CONFIG" and goes
// on. Any error reply or lost connection during the tests makes it exit 1
// ("We now immediately exit on error"), so exit 0 means 80,000 commands
// all answered without error.
TEST_F(TwemproxyTest, BenchmarkThroughProxySpreadsKeysOverAllBackends) {
    std::string benchmark = find_program("redis-benchmark");
    ASSERT_FALSE(benchmark.empty()) << "redis-benchmark is not installed (Debian package redis-tools)";
    RunResult run = run_process({benchmark, "-h", "127.0.0.1", "-p", std::to_string(proxy_.port()), "-t",
                                 "set,get,incr,lpush", "-n", "20000", "-c", "20", "-P", "8", "-r", "10000", "--csv"},
                                milliseconds(180000));
    ASSERT_TRUE(run.status.success()) << run.status.describe() << "\n" << run.output;
    EXPECT_EQ(run.output.find("Error"), std::string::npos) << run.output;
    for (const char* test : {"SET", "GET", "INCR", "LPUSH"}) {
        EXPECT_GT(csv_rps(run.output, test), 0.0) << test << " in:\n" << run.output;
    }

    // Every backend got keys, and no key is on two of them.
    std::vector<long long> sizes = backend_sizes();
    std::set<std::string> all_keys;
    long long total = 0;
    std::vector<std::vector<std::string>> keys_of(backends_.size());
    for (size_t i = 0; i < backends_.size(); ++i) {
        EXPECT_GT(sizes[i], 0) << "backend " << i + 1 << " got no keys";
        total += sizes[i];
        RespClient direct(backends_[i].port(), milliseconds(20000));
        auto keys = parse_bulk_array(direct.command({"KEYS", "*"}));
        ASSERT_TRUE(keys.has_value()) << "KEYS * on backend " << i + 1;
        EXPECT_EQ(static_cast<long long>(keys->size()), sizes[i]);
        for (const auto& key : *keys) {
            keys_of[i].push_back(key.value_or(""));
            EXPECT_TRUE(all_keys.insert(key.value_or("")).second) << "key on two backends: " << key.value_or("");
        }
    }
    EXPECT_EQ(static_cast<long long>(all_keys.size()), total);

    // Each write was applied once, on the backend the proxy reads it from:
    // the 20,000 INCRs add up to 20,000 over the counters, the 20,000
    // LPUSHes made one list of 20,000, and every SET key reads back through
    // the proxy as it is on its own backend (redis-benchmark's values are
    // random letters; a key read from the wrong backend would be nil).
    RespClient proxy = connect_proxy();
    std::vector<std::string> counters;
    for (const std::string& key : all_keys) {
        if (key.starts_with("counter:")) counters.push_back(key);
    }
    ASSERT_FALSE(counters.empty());
    long long sum = 0;
    for (size_t from = 0; from < counters.size(); from += 200) {
        std::vector<std::string> mget = {"MGET"};
        for (size_t i = from; i < counters.size() && i < from + 200; ++i) mget.push_back(counters[i]);
        std::string reply = proxy.command(mget);
        auto values = parse_bulk_array(reply);
        ASSERT_TRUE(values.has_value()) << escape_bytes(reply);
        ASSERT_EQ(values->size(), mget.size() - 1);
        for (const auto& value : *values) {
            ASSERT_TRUE(value.has_value());
            sum += std::atoll(value->c_str());
        }
    }
    EXPECT_EQ(sum, 20000);
    EXPECT_EQ(proxy.command({"LLEN", "mylist"}), ":20000\r\n");
    size_t strings = 0;
    for (size_t b = 0; b < backends_.size(); ++b) {
        std::vector<std::vector<std::string>> gets;
        for (const std::string& key : keys_of[b]) {
            if (key.starts_with("key:")) gets.push_back({"GET", key});
        }
        strings += gets.size();
        RespClient direct(backends_[b].port(), milliseconds(20000));
        std::vector<std::string> want = pipeline(direct, gets);
        std::vector<std::string> got = pipeline(proxy, gets);
        ASSERT_EQ(want.size(), gets.size());
        ASSERT_EQ(got.size(), gets.size());
        for (size_t i = 0; i < gets.size(); ++i) {
            ASSERT_TRUE(want[i].starts_with("$3\r\n")) << escape_bytes(want[i]);
            ASSERT_EQ(got[i], want[i]) << gets[i][1] << " on backend " << b + 1;
        }
    }
    EXPECT_GT(strings, 0u);
}

// 2,000 strings written through the proxy (SET, and MSET that twemproxy
// splits per backend), a few hashes and lists, and a multi-key DEL; all read
// back through the proxy (GET, and MGET split and joined again), and the
// backends' DBSIZEs add up to what was written.
TEST_F(TwemproxyTest, EveryValueWrittenThroughProxyReadsBack) {
    for (long long size : backend_sizes()) EXPECT_EQ(size, 0);
    RespClient proxy = connect_proxy();
    const int kStrings = 2000;
    const int kBySet = 1500;  // the rest by MSET, 25 keys a command
    auto key = [](int i) { return "str:" + std::to_string(i); };
    // Distinct values of varied sizes, so that a value returned for the
    // wrong key could not match by chance.
    auto value = [](int i) {
        return "value-" + std::to_string(i) + "-" +
               std::string(static_cast<size_t>(i % 37), static_cast<char>('a' + i % 26));
    };

    std::vector<std::vector<std::string>> writes;
    for (int i = 0; i < kBySet; ++i) writes.push_back({"SET", key(i), value(i)});
    for (int i = kBySet; i < kStrings; i += 25) {
        std::vector<std::string> mset = {"MSET"};
        for (int j = i; j < i + 25 && j < kStrings; ++j) {
            mset.push_back(key(j));
            mset.push_back(value(j));
        }
        writes.push_back(mset);
    }
    std::vector<std::string> replies = pipeline(proxy, writes);
    ASSERT_EQ(replies.size(), writes.size());
    for (size_t i = 0; i < replies.size(); ++i) ASSERT_EQ(replies[i], "+OK\r\n") << "write " << i;

    // Other types: 10 hashes of 5 fields, 10 lists of 5 elements.
    const int kHashes = 10;
    const int kLists = 10;
    for (int h = 0; h < kHashes; ++h) {
        std::vector<std::string> hset = {"HSET", "hash:" + std::to_string(h)};
        for (int f = 0; f < 5; ++f) {
            hset.push_back("field" + std::to_string(f));
            hset.push_back("h" + std::to_string(h) + "f" + std::to_string(f));
        }
        EXPECT_EQ(proxy.command(hset), ":5\r\n");
    }
    for (int l = 0; l < kLists; ++l) {
        std::vector<std::string> lpush = {"LPUSH", "list:" + std::to_string(l)};
        for (int e = 0; e < 5; ++e) lpush.push_back("l" + std::to_string(l) + "e" + std::to_string(e));
        EXPECT_EQ(proxy.command(lpush), ":5\r\n");
    }

    // A multi-key DEL that twemproxy splits: 100 keys set for it, deleted 20
    // at a time with 5 never-set names mixed in; each DEL counts only the 20.
    std::vector<std::vector<std::string>> doomed;
    for (int i = 0; i < 100; ++i) doomed.push_back({"SET", "doomed:" + std::to_string(i), "x" + std::to_string(i)});
    replies = pipeline(proxy, doomed);
    ASSERT_EQ(replies.size(), doomed.size());
    for (const std::string& reply : replies) ASSERT_EQ(reply, "+OK\r\n");
    std::vector<long long> sizes = backend_sizes();
    EXPECT_EQ(sizes[0] + sizes[1] + sizes[2], kStrings + kHashes + kLists + 100);
    for (int i = 0; i < 100; i += 20) {
        std::vector<std::string> del = {"DEL"};
        for (int j = i; j < i + 20; ++j) {
            del.push_back("doomed:" + std::to_string(j));
            if (j % 4 == 0) del.push_back("never:" + std::to_string(j));
        }
        EXPECT_EQ(proxy.command(del), ":20\r\n");
    }
    std::vector<std::string> mget_doomed = {"MGET"};
    for (int i = 0; i < 100; ++i) mget_doomed.push_back("doomed:" + std::to_string(i));
    std::string all_nil = "*100\r\n";
    for (int i = 0; i < 100; ++i) all_nil += "$-1\r\n";
    EXPECT_EQ(proxy.command(mget_doomed), all_nil);

    // Every string, once by GET, once by MGET of 50 (with one missing key
    // in each, which comes back nil in its place).
    std::vector<std::vector<std::string>> gets;
    for (int i = 0; i < kStrings; ++i) gets.push_back({"GET", key(i)});
    replies = pipeline(proxy, gets);
    ASSERT_EQ(replies.size(), gets.size());
    for (int i = 0; i < kStrings; ++i) {
        ASSERT_EQ(escape_bytes(replies[static_cast<size_t>(i)]), escape_bytes(bulk(value(i)))) << key(i);
    }
    for (int i = 0; i < kStrings; i += 50) {
        std::vector<std::string> mget = {"MGET"};
        std::string want = "*51\r\n";
        for (int j = i; j < i + 50; ++j) {
            mget.push_back(key(j));
            want += bulk(value(j));
            if (j == i + 25) {
                mget.push_back("missing:" + std::to_string(j));
                want += "$-1\r\n";
            }
        }
        ASSERT_EQ(escape_bytes(proxy.command(mget)), escape_bytes(want)) << "MGET from " << key(i);
    }
    for (int h = 0; h < kHashes; ++h) {
        std::string want = "*5\r\n";
        for (int f = 0; f < 5; ++f) want += bulk("h" + std::to_string(h) + "f" + std::to_string(f));
        EXPECT_EQ(proxy.command({"HMGET", "hash:" + std::to_string(h), "field0", "field1", "field2", "field3",
                                 "field4"}),
                  want);
    }
    for (int l = 0; l < kLists; ++l) {
        std::string want = "*5\r\n";
        for (int e = 4; e >= 0; --e) want += bulk("l" + std::to_string(l) + "e" + std::to_string(e));
        EXPECT_EQ(proxy.command({"LRANGE", "list:" + std::to_string(l), "0", "-1"}), want);
    }

    sizes = backend_sizes();
    for (size_t i = 0; i < sizes.size(); ++i) EXPECT_GT(sizes[i], 0) << "backend " << i + 1 << " got no keys";
    EXPECT_EQ(sizes[0] + sizes[1] + sizes[2], kStrings + kHashes + kLists);
}

// Several clients pipeline at once through the proxy, which sends all their
// commands over its one connection per backend: each client's 500 SET+GET
// pairs (and an MGET every 25 keys, split over the backends) come back in
// the client's order with the client's own values.
TEST_F(TwemproxyTest, ConcurrentPipelinesComeBackInOrder) {
    const int kClients = 4;
    const int kPairs = 500;
    std::vector<std::string> failures(kClients);
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            std::string& failure = failures[static_cast<size_t>(c)];
            RespClient client(proxy_.port(), milliseconds(20000));
            if (!client.ok()) {
                failure = "connect: " + client.error();
                return;
            }
            auto key = [c](int i) { return "c" + std::to_string(c) + ":k" + std::to_string(i); };
            auto value = [c](int i) {
                return "v" + std::to_string(c) + ":" + std::to_string(i) + ":" +
                       std::string(static_cast<size_t>((i * 7 + c) % 300), 'p');
            };
            std::string requests;
            std::vector<std::string> want;
            for (int i = 0; i < kPairs; ++i) {
                requests += encode_command({"SET", key(i), value(i)});
                want.push_back("+OK\r\n");
                requests += encode_command({"GET", key(i)});
                want.push_back(bulk(value(i)));
                if (i % 25 == 24) {
                    std::vector<std::string> mget = {"MGET"};
                    std::string reply = "*25\r\n";
                    for (int j = i - 24; j <= i; ++j) {
                        mget.push_back(key(j));
                        reply += bulk(value(j));
                    }
                    requests += encode_command(mget);
                    want.push_back(reply);
                }
            }
            if (!client.send_raw(requests)) {
                failure = "send: " + client.error();
                return;
            }
            for (size_t i = 0; i < want.size(); ++i) {
                std::string got = client.read_reply();
                if (got != want[i]) {
                    failure = "reply " + std::to_string(i) + ": got " + escape_bytes(got, 200) + ", want " +
                              escape_bytes(want[i], 200);
                    return;
                }
            }
        });
    }
    for (std::thread& t : threads) t.join();
    for (int c = 0; c < kClients; ++c) EXPECT_EQ(failures[static_cast<size_t>(c)], "") << "client " << c;
    // All four clients' commands went over one connection per backend: a
    // backend sees the proxy's connection and this one, no more.
    for (ServerProcess& backend : backends_) {
        RespClient direct(backend.port());
        std::string info = direct.command({"INFO", "clients"});
        EXPECT_NE(info.find("\r\nconnected_clients:2\r\n"), std::string::npos) << escape_bytes(info);
    }
    std::vector<long long> sizes = backend_sizes();
    for (size_t i = 0; i < sizes.size(); ++i) EXPECT_GT(sizes[i], 0) << "backend " << i + 1 << " got no keys";
    EXPECT_EQ(sizes[0] + sizes[1] + sizes[2], kClients * kPairs);
}

}  // namespace
}  // namespace testsupport
