// LATENCY's buckets (Redis's HdrHistogram levels computed from our
// histogram) and the replies of LATENCY and of CLIENT's administration
// subcommands, driven through a connection without a socket.
#include <gtest/gtest.h>

#include <string>

#include "server/commands_latency.h"
#include "test/unit/command_fixture.h"

namespace server {
namespace {

using cmdtest::integer;
using cmdtest::kOk;
using cmdtest::kSyntax;

// ---- Redis's levels ------------------------------------------------------

TEST(LatencyLevels, MatchRedisHdrHistogramKeys) {
    // A call of N whole microseconds lands in the first level whose bucket
    // reaches N * 1000 ns; the key is that bucket's top, in microseconds.
    const std::pair<uint64_t, int64_t> cases[] = {
        {0, 1},       {1, 1},       {2, 2},         {3, 4},         {4, 4},         {5, 8},
        {8, 8},       {9, 16},      {16, 16},       {17, 33},       {33, 33},       {34, 66},
        {66, 66},     {67, 132},    {132, 132},     {133, 264},     {1000, 1056},   {1057, 2113},
        {2113, 2113}, {2114, 4227}, {541065, 541065}, {541066, 1073741}, {1000000, 1073741},
        {5000000, 1073741},
    };
    for (const auto& [us, key] : cases) EXPECT_EQ(latency_level_key(us), key) << us << " us";
}

TEST(LatencyLevels, CumulativeCountsOnlyWhereTheyGrow) {
    LatencyHistogram h;
    // One tick a nanosecond: 1000 ticks a microsecond.
    h.record(500);    // 0 us -> 1
    h.record(1500);   // 1 us -> 1
    h.record(2500);   // 2 us -> 2
    h.record(20000);  // 19 us -> 33
    h.record(20000);
    auto cdf = latency_cdf(h, 1000.0);
    ASSERT_EQ(cdf.size(), 3u);
    EXPECT_EQ(cdf[0], (std::pair<int64_t, uint64_t>{1, 2}));
    EXPECT_EQ(cdf[1], (std::pair<int64_t, uint64_t>{2, 3}));
    EXPECT_EQ(cdf[2], (std::pair<int64_t, uint64_t>{33, 5}));
    EXPECT_TRUE(latency_cdf(LatencyHistogram{}, 1000.0).empty());
}

TEST(LatencyLevels, SlowCallsGoToTheLastBucket) {
    LatencyHistogram h;
    h.record(uint64_t{3} * 1000 * 1000 * 1000);  // 3 s at 1 tick/ns
    auto cdf = latency_cdf(h, 1000.0);
    ASSERT_EQ(cdf.size(), 1u);
    EXPECT_EQ(cdf[0].first, 1073741);
    EXPECT_EQ(cdf[0].second, 1u);
}

// ---- LATENCY ---------------------------------------------------------------

class LatencyCommand : public cmdtest::CommandFixture {};

constexpr std::string_view kDoctor =
    "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
    "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a "
    "deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";

TEST_F(LatencyCommand, MonitorHasNoEvents) {
    EXPECT_EQ(run({"LATENCY", "LATEST"}), "*0\r\n");
    EXPECT_EQ(run({"LATENCY", "HISTORY", "command"}), "*0\r\n");
    EXPECT_EQ(run({"LATENCY", "RESET"}), integer(0));
    EXPECT_EQ(run({"LATENCY", "RESET", "command", "fork"}), integer(0));
    EXPECT_EQ(run({"LATENCY", "GRAPH", "command"}), "-ERR No samples available for event 'command'\r\n");
    EXPECT_EQ(run({"latency", "doctor"}), "$" + std::to_string(kDoctor.size()) + "\r\n" +
                                              std::string(kDoctor) + "\r\n");
    EXPECT_EQ(run({"HELLO", "3"}).substr(0, 4), "%7\r\n");
    EXPECT_EQ(run({"LATENCY", "DOCTOR"}), "=" + std::to_string(kDoctor.size() + 4) + "\r\ntxt:" +
                                              std::string(kDoctor) + "\r\n");
}

TEST_F(LatencyCommand, ArityAndUnknownSubcommands) {
    EXPECT_EQ(run({"LATENCY"}), cmdtest::arity("latency"));
    EXPECT_EQ(run({"LATENCY", "nope"}), "-ERR unknown subcommand 'nope'. Try LATENCY HELP.\r\n");
    EXPECT_EQ(run({"LATENCY", "LATEST", "x"}), cmdtest::arity("latency|latest"));
    EXPECT_EQ(run({"LATENCY", "HISTORY"}), cmdtest::arity("latency|history"));
    EXPECT_EQ(run({"LATENCY", "GRAPH", "a", "b"}), cmdtest::arity("latency|graph"));
    EXPECT_EQ(run({"LATENCY", "DOCTOR", "x"}), cmdtest::arity("latency|doctor"));
    EXPECT_EQ(run({"LATENCY", "HELP", "x"}), cmdtest::arity("latency|help"));
    std::string help = run({"LATENCY", "HELP"});
    const std::string head = "*17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n";
    EXPECT_EQ(help.substr(0, head.size()), head);
}

TEST_F(LatencyCommand, HistogramListsTheCommandsCalled) {
    // Command statistics live in the static command table: start clean.
    EXPECT_EQ(run({"CONFIG", "RESETSTAT"}), kOk);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(run({"SET", "k", "v"}), kOk);
    EXPECT_EQ(run({"GET", "k"}), cmdtest::bulk("v"));
    const std::string set_head = "$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:3\r\n$14\r\nhistogram_usec\r\n*";
    std::string r = run({"LATENCY", "HISTOGRAM", "set"});
    EXPECT_EQ(r.substr(0, 4 + set_head.size()), "*2\r\n" + set_head);
    EXPECT_EQ(run({"LATENCY", "HISTOGRAM", "del", "nosuch", "set|x", "a|b|c"}), "*0\r\n");
    // Everything called: config|resetstat, set, get, and the two
    // LATENCY HISTOGRAM calls before this one.
    r = run({"LATENCY", "HISTOGRAM"});
    EXPECT_EQ(r.substr(0, 4), "*8\r\n");
    EXPECT_NE(r.find("$16\r\nconfig|resetstat\r\n"), std::string::npos);
    EXPECT_NE(r.find("$3\r\nget\r\n"), std::string::npos);
    EXPECT_NE(r.find("$17\r\nlatency|histogram\r\n*4\r\n$5\r\ncalls\r\n:2\r\n"), std::string::npos);
    // A container names its subcommands.
    r = run({"LATENCY", "HISTOGRAM", "config", "Latency|Histogram"});
    EXPECT_EQ(r.substr(0, 4), "*4\r\n");
    EXPECT_NE(r.find("$17\r\nlatency|histogram\r\n*4\r\n$5\r\ncalls\r\n:3\r\n"), std::string::npos);
    // RESP3: maps all the way down.
    EXPECT_EQ(run({"HELLO", "3"}).substr(0, 4), "%7\r\n");
    r = run({"LATENCY", "HISTOGRAM", "get"});
    EXPECT_EQ(r.substr(0, 54), "%1\r\n$3\r\nget\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%");
    EXPECT_EQ(run({"CONFIG", "RESETSTAT"}), kOk);
    EXPECT_EQ(run({"LATENCY", "HISTOGRAM", "get", "set"}), "%0\r\n");
}

TEST_F(LatencyCommand, HistogramIsEmptyWithLatencyTrackingOff) {
    EXPECT_EQ(run({"CONFIG", "RESETSTAT"}), kOk);
    EXPECT_EQ(run({"CONFIG", "SET", "latency-tracking", "no"}), kOk);
    EXPECT_EQ(run({"GET", "k"}), cmdtest::kNil);
    EXPECT_EQ(run({"LATENCY", "HISTOGRAM", "get"}), "*0\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "latency-tracking", "yes"}), kOk);
}

// ---- CLIENT administration -------------------------------------------------

class ClientCommand : public cmdtest::CommandFixture {};

TEST_F(ClientCommand, KillFiltersAndErrors) {
    // The fixture's connection is not in the server's list: nothing matches.
    EXPECT_EQ(run({"CLIENT", "KILL", "1.2.3.4:5"}), "-ERR No such client\r\n");
    EXPECT_EQ(run({"CLIENT", "KILL", "ID", "12345"}), integer(0));
    EXPECT_EQ(run({"CLIENT", "KILL", "ADDR", "1.2.3.4:5", "LADDR", "1.2.3.4:6", "SKIPME", "no"}), integer(0));
    EXPECT_EQ(run({"CLIENT", "KILL", "TYPE", "replica", "USER", "default"}), integer(0));
    EXPECT_EQ(run({"CLIENT", "KILL", "ID", "0"}), "-ERR client-id should be greater than 0\r\n");
    EXPECT_EQ(run({"CLIENT", "KILL", "ID", "x"}), "-ERR client-id should be greater than 0\r\n");
    EXPECT_EQ(run({"CLIENT", "KILL", "TYPE", "odd", "ID"}), "-ERR Unknown client type 'odd'\r\n");
    EXPECT_EQ(run({"CLIENT", "KILL", "USER", "bob"}), "-ERR No such user 'bob'\r\n");
    EXPECT_EQ(run({"CLIENT", "KILL", "SKIPME", "perhaps"}), kSyntax);
    EXPECT_EQ(run({"CLIENT", "KILL", "ID", "1", "SKIPME"}), kSyntax);
    EXPECT_EQ(run({"CLIENT", "KILL", "MAXAGE", "1"}), kSyntax);
    EXPECT_EQ(run({"CLIENT", "KILL"}), cmdtest::arity("client|kill"));
}

TEST_F(ClientCommand, NoEvictTrackingAndUnblock) {
    EXPECT_EQ(run({"CLIENT", "NO-EVICT", "on"}), kOk);
    EXPECT_EQ(run({"CLIENT", "NO-EVICT", "Off"}), kOk);
    EXPECT_EQ(run({"CLIENT", "NO-EVICT", "x"}), kSyntax);
    EXPECT_EQ(run({"CLIENT", "NO-TOUCH", "on"}), "-ERR unknown subcommand 'NO-TOUCH'. Try CLIENT HELP.\r\n");

    EXPECT_EQ(run({"CLIENT", "TRACKING", "off"}), kOk);
    EXPECT_EQ(run({"CLIENT", "TRACKING", "on"}),
              "-ERR CLIENT TRACKING is not supported by this server (no client-side caching)\r\n");
    EXPECT_EQ(run({"CLIENT", "TRACKING", "on", "PREFIX", "a"}),
              "-ERR PREFIX option requires BCAST mode to be enabled\r\n");
    EXPECT_EQ(run({"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"}),
              "-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must "
              "not overlap.\r\n");
    EXPECT_EQ(run({"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"}),
              "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n");
    EXPECT_EQ(run({"CLIENT", "TRACKING", "on", "REDIRECT", "77"}),
              "-ERR The client ID you want redirect to does not exist\r\n");
    EXPECT_EQ(run({"CLIENT", "TRACKING", "sideways"}), kSyntax);
    EXPECT_EQ(run({"CLIENT", "GETREDIR"}), integer(-1));
    EXPECT_EQ(run({"CLIENT", "TRACKINGINFO"}),
              "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n");
    EXPECT_EQ(run({"CLIENT", "CACHING", "yes"}),
              "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
              "OPTOUT mode enabled\r\n");

    EXPECT_EQ(run({"CLIENT", "UNBLOCK", "1"}), integer(0));  // itself, not blocked
    EXPECT_EQ(run({"CLIENT", "UNBLOCK", "1", "ERROR"}), integer(0));
    EXPECT_EQ(run({"CLIENT", "UNBLOCK", "x"}), cmdtest::kNotInt);
    EXPECT_EQ(run({"CLIENT", "UNBLOCK", "x", "later"}),
              "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
    EXPECT_EQ(run({"CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"}),
              "-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n");

    EXPECT_EQ(run({"HELLO", "3"}).substr(0, 4), "%7\r\n");
    EXPECT_EQ(run({"CLIENT", "TRACKINGINFO"}),
              "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n");
}

TEST_F(ClientCommand, HelpListsTheSubcommands) {
    std::string help = run({"CLIENT", "HELP"});
    EXPECT_EQ(help.substr(0, 5), "*48\r\n");
    for (const char* line : {"+KILL <option> <value> [<option> <value> [...]]\r\n",
                             "+UNBLOCK <clientid> [TIMEOUT|ERROR]\r\n", "+NO-EVICT (ON|OFF)\r\n",
                             "+TRACKINGINFO\r\n", "+    Prints this help.\r\n"})
        EXPECT_NE(help.find(line), std::string::npos) << line;
}

}  // namespace
}  // namespace server
