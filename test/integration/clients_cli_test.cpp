// redis-cli (Debian redis-tools) in the modes real_clients_test.cpp does not
// cover: --pipe mass insertion, --scan (with --pattern), --bigkeys,
// --latency, the argument modes (-x, -r, -n, --csv), and SUBSCRIBE /
// PSUBSCRIBE in long-running redis-cli processes while another process
// publishes. A missing redis-cli is a failure, not a skip: `make test`
// installs redis-tools.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/resp_client.h"
#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A long-running child (a subscribed redis-cli) whose output the test reads
// as it comes. Its stdin is /dev/null; stdout and stderr share one pipe. The
// destructor kills it by PID and reaps it.
class Child {
public:
    explicit Child(const std::vector<std::string>& argv) {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) return;
        std::vector<char*> c_argv;
        for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
        c_argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            int null_fd = ::open("/dev/null", O_RDONLY);
            ::dup2(null_fd, 0);
            ::dup2(out[1], 1);
            ::dup2(out[1], 2);
            close_inherited_fds();
            ::execv(c_argv[0], c_argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        if (pid_ < 0) {
            ::close(out[0]);
            return;
        }
        fd_ = out[0];
    }
    ~Child() { kill(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool ok() const { return pid_ > 0 && fd_ >= 0; }
    pid_t pid() const { return pid_; }
    const std::string& output() const { return output_; }

    // Reads until the output holds `needle` (true) or `timeout` passes or
    // the child closes its output (false).
    bool read_until(const std::string& needle, milliseconds timeout) {
        Clock::time_point deadline = Clock::now() + timeout;
        while (output_.find(needle) == std::string::npos) {
            if (fd_ < 0) return false;
            auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            int ready = ::poll(&p, 1, static_cast<int>(left));
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) return false;
            char chunk[4096];
            ssize_t n = ::read(fd_, chunk, sizeof chunk);
            if (n > 0) {
                output_.append(chunk, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fd_);
                fd_ = -1;
            }
        }
        return true;
    }

    // SIGKILL by PID and reap; returns how it ended.
    ExitStatus kill() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            status_ = wait_for_exit(pid_, Clock::now() + milliseconds(5000));
            pid_ = -1;
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
        return status_;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string output_;
    ExitStatus status_;
};

class ClientsCliTest : public ServerTest {
protected:
    void SetUp() override {
        cli_ = find_program("redis-cli");
        ASSERT_FALSE(cli_.empty()) << "redis-cli is not installed (Debian package redis-tools)";
        ASSERT_NO_FATAL_FAILURE(start());
        port_ = std::to_string(server_.port());
    }

    // redis-cli -p <port> <args...>, its output not a terminal (so --raw).
    RunResult cli(std::vector<std::string> args, std::string_view stdin_data = {},
                  milliseconds timeout = milliseconds(10000)) {
        args.insert(args.begin(), {cli_, "-p", port_});
        return run_process(args, timeout, stdin_data);
    }

    // Polls `args` on a connection of the test's own until the reply is
    // `expected`; returns the last reply.
    std::string poll_until(RespClient& client, const std::vector<std::string>& args, const std::string& expected,
                           milliseconds timeout = milliseconds(5000)) {
        Clock::time_point deadline = Clock::now() + timeout;
        std::string reply;
        for (;;) {
            reply = client.command(args);
            if (reply == expected || Clock::now() >= deadline) return reply;
            std::this_thread::sleep_for(milliseconds(5));
        }
    }

    std::string cli_;
    std::string port_;
};

// Mass insertion: 100,000 SETs as RESP on stdin. redis-cli sends them all,
// then an ECHO of its own to know when the last reply came, and prints
// "errors: E, replies: R".
TEST_F(ClientsCliTest, PipeMassInsertion) {
    const int count = 100000;
    std::string input;
    input.reserve(static_cast<size_t>(count) * 48);
    for (int i = 0; i < count; ++i)
        input += encode_command({"SET", "key:" + std::to_string(i), "value:" + std::to_string(i)});
    RunResult r = cli({"--pipe"}, input, milliseconds(60000));
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    EXPECT_NE(r.output.find("All data transferred. Waiting for the last reply..."), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Last reply received from server."), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("errors: 0, replies: " + std::to_string(count) + "\n"), std::string::npos)
        << r.output;

    RespClient client = connect();
    EXPECT_EQ(client.command({"DBSIZE"}), ":100000\r\n");
    EXPECT_EQ(client.command({"GET", "key:0"}), "$7\r\nvalue:0\r\n");
    EXPECT_EQ(client.command({"GET", "key:99999"}), "$11\r\nvalue:99999\r\n");
    RunResult dbsize = cli({"DBSIZE"});
    EXPECT_EQ(dbsize.output, "100000\n");

    // Inline commands work too, and an error reply is counted and printed
    // (redis-cli then exits 1).
    RunResult with_error = cli({"--pipe"}, "SET n 1\r\nINCR n\r\nSET s text\r\nINCR s\r\nGET n\r\n");
    EXPECT_EQ(with_error.status.describe(), "exit 1") << with_error.output;
    EXPECT_NE(with_error.output.find("ERR value is not an integer or out of range"), std::string::npos)
        << with_error.output;
    EXPECT_NE(with_error.output.find("errors: 1, replies: 5\n"), std::string::npos) << with_error.output;
    EXPECT_EQ(client.command({"GET", "n"}), "$1\r\n2\r\n");
}

// --scan lists every key once per line (raw); --pattern filters with MATCH.
TEST_F(ClientsCliTest, ScanWithAndWithoutPattern) {
    RespClient client = connect();
    std::set<std::string> all;
    std::set<std::string> user1;
    std::string batch;
    for (int i = 0; i < 1000; ++i) {
        std::string key = "user:" + std::to_string(i);
        all.insert(key);
        if (key.starts_with("user:1")) user1.insert(key);
        batch += encode_command({"SET", key, "x"});
    }
    for (int i = 0; i < 300; ++i) {
        std::string key = "order:" + std::to_string(i);
        all.insert(key);
        batch += encode_command({"RPUSH", key, "item"});
    }
    all.insert("key with spaces");
    batch += encode_command({"SET", "key with spaces", "x"});
    ASSERT_TRUE(client.send_raw(batch)) << client.error();
    std::vector<std::string> replies = client.read_replies(1301);
    ASSERT_EQ(replies.size(), 1301u);
    EXPECT_EQ(replies.back(), "+OK\r\n");
    ASSERT_EQ(client.command({"DBSIZE"}), ":1301\r\n");

    RunResult everything = cli({"--scan"});
    EXPECT_TRUE(everything.status.success()) << everything.status.describe() << "\n" << everything.output;
    std::vector<std::string> lines = split_lines(everything.output);
    std::set<std::string> scanned(lines.begin(), lines.end());
    EXPECT_EQ(scanned, all);
    // SCAN may repeat a key while the table rehashes, never skip one.
    EXPECT_GE(lines.size(), all.size());

    RunResult pattern = cli({"--scan", "--pattern", "user:1*"});
    EXPECT_TRUE(pattern.status.success()) << pattern.status.describe() << "\n" << pattern.output;
    lines = split_lines(pattern.output);
    std::set<std::string> matched(lines.begin(), lines.end());
    EXPECT_EQ(matched.size(), 111u);
    EXPECT_EQ(matched, user1);

    RunResult spaces = cli({"--scan", "--pattern", "*with*"});
    EXPECT_EQ(spaces.output, "key with spaces\n");
    RunResult none = cli({"--scan", "--pattern", "nothing:*"});
    EXPECT_TRUE(none.status.success()) << none.status.describe() << "\n" << none.output;
    EXPECT_EQ(none.output, "");
}

// --bigkeys: SCAN, then TYPE and a size command per key, and a summary.
TEST_F(ClientsCliTest, BigKeys) {
    RespClient client = connect();
    EXPECT_EQ(client.command({"SET", "s1", "hello"}), "+OK\r\n");
    EXPECT_EQ(client.command({"SET", "s2", "hello world"}), "+OK\r\n");
    EXPECT_EQ(client.command({"RPUSH", "l1", "a", "b", "c"}), ":3\r\n");
    EXPECT_EQ(client.command({"HSET", "h1", "f", "v", "g", "w"}), ":2\r\n");
    EXPECT_EQ(client.command({"SADD", "set1", "m"}), ":1\r\n");
    EXPECT_EQ(client.command({"ZADD", "z1", "1", "a", "2", "b", "3", "c", "4", "d"}), ":4\r\n");
    RunResult r = cli({"--bigkeys"});
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    for (const char* line : {"Sampled 6 keys in the keyspace!",
                             "Biggest string found '\"s2\"' has 11 bytes",
                             "Biggest   list found '\"l1\"' has 3 items",
                             "Biggest   hash found '\"h1\"' has 2 fields",
                             "Biggest    set found '\"set1\"' has 1 members",
                             "Biggest   zset found '\"z1\"' has 4 members",
                             "2 strings with 16 bytes",
                             "1 lists with 3 items",
                             "1 hashs with 2 fields",
                             "1 sets with 1 members",
                             "1 zsets with 4 members"}) {
        EXPECT_NE(r.output.find(line), std::string::npos) << "no '" << line << "' in:\n" << r.output;
    }
}

// --latency with its output not a terminal samples for -i seconds, prints
// one line "min max avg samples" (or with commas under --csv), and exits.
TEST_F(ClientsCliTest, LatencySamplesAndExits) {
    for (bool csv : {false, true}) {
        std::vector<std::string> args = {"--latency", "-i", "1"};
        if (csv) args.push_back("--csv");
        Clock::time_point started = Clock::now();
        RunResult r = cli(args, {}, milliseconds(10000));
        auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
        EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
        EXPECT_LT(took.count(), 5000) << r.output;
        std::string line = r.output;
        ASSERT_TRUE(line.ends_with("\n")) << r.output;
        line.pop_back();
        ASSERT_EQ(line.find('\n'), std::string::npos) << "more than one line:\n" << r.output;
        if (csv) {
            for (char& c : line)
                if (c == ',') c = ' ';
        }
        std::istringstream in(line);
        double min = -1, max = -1, avg = -1;
        long long samples = -1;
        in >> min >> max >> avg >> samples;
        ASSERT_FALSE(in.fail()) << "not 'min max avg samples': " << r.output;
        EXPECT_GT(samples, 10) << r.output;
        EXPECT_GE(min, 0) << r.output;
        EXPECT_LE(min, avg) << r.output;
        EXPECT_LE(avg, max) << r.output;
        EXPECT_LT(max, 1000) << "a PING took a second: " << r.output;
    }
}

// Other argument modes: -x takes the last argument from stdin (binary-safe),
// -r repeats a command, -n selects a database, --csv formats replies.
TEST_F(ClientsCliTest, ArgumentModes) {
    RunResult from_stdin = cli({"-x", "SET", "blob"}, std::string("a\0b\r\n\xff", 6));
    EXPECT_EQ(from_stdin.output, "OK\n");
    RespClient client = connect();
    EXPECT_EQ(client.command({"GET", "blob"}), std::string("$6\r\na\0b\r\n\xff\r\n", 12));

    RunResult repeated = cli({"-r", "5", "INCR", "counter"});
    EXPECT_EQ(repeated.output, "1\n2\n3\n4\n5\n");

    EXPECT_EQ(cli({"-n", "2", "SET", "in-db-2", "v"}).output, "OK\n");
    EXPECT_EQ(cli({"-n", "2", "DBSIZE"}).output, "1\n");
    EXPECT_EQ(cli({"-n", "2", "GET", "in-db-2"}).output, "v\n");
    EXPECT_EQ(cli({"GET", "in-db-2"}).output, "\n");

    EXPECT_EQ(client.command({"RPUSH", "list", "a", "b c", "d\"e"}), ":3\r\n");
    EXPECT_EQ(cli({"--csv", "LRANGE", "list", "0", "-1"}).output, "\"a\",\"b c\",\"d\\\"e\"\n");
    EXPECT_EQ(cli({"--csv", "INCR", "counter"}).output, "6\n");
    EXPECT_EQ(cli({"--csv", "GET", "missing"}).output, "NULL\n");
}

// SUBSCRIBE and PSUBSCRIBE in redis-cli processes that stay running; the
// test waits (polling PUBSUB NUMSUB / NUMPAT, no sleeps) until both are
// subscribed, publishes from another redis-cli process and from its own
// connection, reads what the subscribers print, then kills them by PID.
TEST_F(ClientsCliTest, SubscribersSeePublishedMessages) {
    Child subscriber({cli_, "-p", port_, "SUBSCRIBE", "news", "alerts"});
    ASSERT_TRUE(subscriber.ok());
    Child psubscriber({cli_, "-p", port_, "PSUBSCRIBE", "news.*"});
    ASSERT_TRUE(psubscriber.ok());

    // What redis-cli prints for the confirmations (one line per element).
    EXPECT_TRUE(subscriber.read_until("subscribe\nnews\n1\nsubscribe\nalerts\n2\n", milliseconds(5000)))
        << escape_bytes(subscriber.output());
    EXPECT_TRUE(psubscriber.read_until("psubscribe\nnews.*\n1\n", milliseconds(5000)))
        << escape_bytes(psubscriber.output());

    RespClient client = connect();
    EXPECT_EQ(poll_until(client, {"PUBSUB", "NUMSUB", "news", "alerts"},
                         "*4\r\n$4\r\nnews\r\n:1\r\n$6\r\nalerts\r\n:1\r\n"),
              "*4\r\n$4\r\nnews\r\n:1\r\n$6\r\nalerts\r\n:1\r\n");
    EXPECT_EQ(poll_until(client, {"PUBSUB", "NUMPAT"}, ":1\r\n"), ":1\r\n");

    // PUBLISH from another redis-cli prints the number of receivers.
    RunResult published = cli({"PUBLISH", "news", "hello world"});
    EXPECT_EQ(published.output, "1\n");
    EXPECT_EQ(client.command({"PUBLISH", "alerts", "fire"}), ":1\r\n");
    EXPECT_EQ(client.command({"PUBLISH", "news.sport", "goal"}), ":1\r\n");
    EXPECT_EQ(client.command({"PUBLISH", "elsewhere", "unheard"}), ":0\r\n");
    EXPECT_EQ(client.command({"PUBLISH", "news", "second"}), ":1\r\n");

    EXPECT_TRUE(subscriber.read_until("message\nnews\nsecond\n", milliseconds(5000)))
        << escape_bytes(subscriber.output());
    EXPECT_EQ(subscriber.output(),
              "subscribe\nnews\n1\nsubscribe\nalerts\n2\n"
              "message\nnews\nhello world\n"
              "message\nalerts\nfire\n"
              "message\nnews\nsecond\n");
    EXPECT_TRUE(psubscriber.read_until("pmessage\nnews.*\nnews.sport\ngoal\n", milliseconds(5000)))
        << escape_bytes(psubscriber.output());
    EXPECT_EQ(psubscriber.output(), "psubscribe\nnews.*\n1\npmessage\nnews.*\nnews.sport\ngoal\n");

    // Killing the subscribers ends their subscriptions on the server.
    ExitStatus killed = subscriber.kill();
    EXPECT_EQ(killed.signal(), SIGKILL) << killed.describe();
    psubscriber.kill();
    EXPECT_EQ(poll_until(client, {"PUBSUB", "NUMSUB", "news"}, "*2\r\n$4\r\nnews\r\n:0\r\n"),
              "*2\r\n$4\r\nnews\r\n:0\r\n");
    EXPECT_EQ(poll_until(client, {"PUBSUB", "NUMPAT"}, ":0\r\n"), ":0\r\n");
    EXPECT_EQ(client.command({"PUBLISH", "news", "gone"}), ":0\r\n");
}

}  // namespace
}  // namespace testsupport
