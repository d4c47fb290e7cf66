// Real clients against the server: Debian's redis-cli and redis-benchmark,
// and our own tools/hello-redis. A missing tool is a failure, not a skip:
// `make test` installs redis-tools.
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

class RealClientsTest : public ServerTest {
protected:
    std::string tool(const std::string& name) {
        std::string path = find_program(name);
        EXPECT_FALSE(path.empty()) << name << " is not installed (Debian package redis-tools)";
        return path;
    }
};

// redis-cli reading commands from a pipe prints one raw line per reply.
TEST_F(RealClientsTest, RedisCliSession) {
    std::string cli = tool("redis-cli");
    ASSERT_FALSE(cli.empty());
    ASSERT_NO_FATAL_FAILURE(start());
    std::string port = std::to_string(server_.port());
    RunResult r = run_process({cli, "-p", port},  milliseconds(10000),
                              "SET hello world\n"
                              "GET hello\n"
                              "INCR visits\n"
                              "INCRBY visits 41\n"
                              "GET visits\n"
                              "DEL hello visits nothing\n"
                              "GET hello\n"
                              "EXISTS hello\n"
                              "PING\n"
                              "GET\n");
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    EXPECT_EQ(r.output,
              "OK\n"
              "world\n"
              "1\n"
              "42\n"
              "42\n"
              "2\n"
              "\n"
              "0\n"
              "PONG\n"
              "ERR wrong number of arguments for 'get' command\n\n");
}

// One command per invocation, the way scripts use redis-cli, with the
// formatting redis-cli applies for a terminal (--no-raw).
TEST_F(RealClientsTest, RedisCliOneShotCommands) {
    std::string cli = tool("redis-cli");
    ASSERT_FALSE(cli.empty());
    ASSERT_NO_FATAL_FAILURE(start());
    std::string port = std::to_string(server_.port());
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {cli, "--no-raw", "-p", port});
        RunResult r = run_process(args, milliseconds(10000));
        EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
        return r.output;
    };
    EXPECT_EQ(run({"SET", "greeting", "hello world"}), "OK\n");
    EXPECT_EQ(run({"GET", "greeting"}), "\"hello world\"\n");
    EXPECT_EQ(run({"APPEND", "greeting", "!"}), "(integer) 12\n");
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), "OK\n");
    EXPECT_EQ(run({"MGET", "a", "b", "missing"}), "1) \"1\"\n2) \"2\"\n3) (nil)\n");
    EXPECT_EQ(run({"INCR", "greeting"}), "(error) ERR value is not an integer or out of range\n");
    EXPECT_EQ(run({"DEL", "greeting", "a", "b"}), "(integer) 3\n");
    EXPECT_EQ(run({"DBSIZE"}), "(integer) 0\n");
}

// redis-benchmark -q prints, per test, progress lines ending in '\r' and
// then "NAME: <rate> requests per second, ...". Returns name -> rate.
std::map<std::string, double> benchmark_rates(const std::string& output) {
    std::map<std::string, double> rates;
    size_t start_of_line = 0;
    while (start_of_line < output.size()) {
        size_t end = output.find_first_of("\r\n", start_of_line);
        if (end == std::string::npos) end = output.size();
        std::string line = output.substr(start_of_line, end - start_of_line);
        start_of_line = end + 1;
        size_t colon = line.find(": ");
        if (colon == std::string::npos || line.find("requests per second") == std::string::npos) continue;
        rates[line.substr(0, colon)] = std::strtod(line.c_str() + colon + 2, nullptr);
    }
    return rates;
}

void expect_rates(const RunResult& r, const std::vector<std::string>& tests) {
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    std::map<std::string, double> rates = benchmark_rates(r.output);
    for (const std::string& test : tests) {
        auto it = rates.find(test);
        if (it == rates.end()) {
            ADD_FAILURE() << "no rate for " << test << " in:\n" << r.output;
            continue;
        }
        EXPECT_GT(it->second, 0.0) << test;
    }
    EXPECT_EQ(rates.size(), tests.size()) << r.output;
    EXPECT_EQ(r.output.find("rror"), std::string::npos) << r.output;
}

TEST_F(RealClientsTest, RedisBenchmarkCompletesEveryTest) {
    std::string bench = tool("redis-benchmark");
    ASSERT_FALSE(bench.empty());
    ASSERT_NO_FATAL_FAILURE(start());
    RunResult r = run_process({bench, "-p", std::to_string(server_.port()), "-t",
                               "set,get,incr,mset,ping_inline,ping_mbulk", "-n", "20000", "-q"},
                              milliseconds(60000));
    expect_rates(r, {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"});
}

// The whole default suite (no -t): every data type redis-benchmark knows.
TEST_F(RealClientsTest, RedisBenchmarkDefaultSuiteCompletes) {
    std::string bench = tool("redis-benchmark");
    ASSERT_FALSE(bench.empty());
    ASSERT_NO_FATAL_FAILURE(start());
    RunResult r = run_process({bench, "-p", std::to_string(server_.port()), "-n", "20000", "-q"},
                              milliseconds(180000));
    expect_rates(r, {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP",
                     "SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)",
                     "LRANGE_100 (first 100 elements)", "LRANGE_300 (first 300 elements)",
                     "LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)",
                     "MSET (10 keys)"});
}

TEST_F(RealClientsTest, HelloRedisGetsTheValue) {
    std::string hello = build_dir() + "/hello-redis";
    ASSERT_EQ(::access(hello.c_str(), X_OK), 0) << hello << " is not built";
    ASSERT_NO_FATAL_FAILURE(start());
    RunResult r = run_process({hello, "--port", std::to_string(server_.port())}, milliseconds(10000));
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    const std::string line = "got value from the server; result=Some(b\"world\")";
    bool found = r.output.starts_with(line + "\n") || r.output.find("\n" + line + "\n") != std::string::npos;
    EXPECT_TRUE(found) << "no line '" << line << "' in:\n" << r.output;
}

}  // namespace
}  // namespace testsupport
