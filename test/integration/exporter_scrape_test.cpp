// A monitoring scrape as redis_exporter does it, on one connection:
// CONFIG GET *, INFO ALL, SLOWLOG LEN, SLOWLOG GET 1, LATENCY LATEST,
// LATENCY HISTOGRAM; each reply is decoded and its shape checked (types and
// the fields an exporter reads), in RESP2 as redis_exporter speaks and in
// RESP3. Then the CLIENT administration an operator uses beside it: KILL by
// filter, the old KILL ip:port form, UNBLOCK, and TRACKING (unsupported).
//
// Everything here also holds against Redis itself:
// RINGDIS_SERVER=/usr/bin/redis-server skips only the ringdis-only checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "protocol/reply_reader.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using protocol::RespValue;
using Kind = RespValue::Kind;

RespValue decode(const std::string& bytes) {
    RespValue v;
    long n = protocol::decode_reply(bytes, v);
    EXPECT_EQ(n, static_cast<long>(bytes.size())) << "not one whole reply: " << bytes.substr(0, 200);
    return v;
}

// A map reply (RESP3 %) or its RESP2 form (a flat array of key, value...).
bool is_map(const RespValue& v, int proto) {
    if (proto == 3) return v.kind == Kind::kMap;
    return v.kind == Kind::kArray && v.elems.size() % 2 == 0;
}

// The text of a bulk, simple or verbatim string.
std::string text(const RespValue& v) { return v.str; }

std::map<std::string, const RespValue*> as_map(const RespValue& v) {
    std::map<std::string, const RespValue*> m;
    for (size_t i = 0; i + 1 < v.elems.size(); i += 2) m[text(v.elems[i])] = &v.elems[i + 1];
    return m;
}

// One command's entry of LATENCY HISTOGRAM.
struct Histogram {
    int64_t calls = -1;
    std::vector<std::pair<int64_t, int64_t>> buckets;  // usec -> cumulative count
};

std::map<std::string, Histogram> parse_histograms(const RespValue& reply, int proto) {
    std::map<std::string, Histogram> out;
    EXPECT_TRUE(is_map(reply, proto)) << "LATENCY HISTOGRAM is not a map";
    for (size_t i = 0; i + 1 < reply.elems.size(); i += 2) {
        const RespValue& name = reply.elems[i];
        const RespValue& body = reply.elems[i + 1];
        EXPECT_EQ(name.kind, Kind::kBulk);
        EXPECT_TRUE(is_map(body, proto)) << text(name);
        auto fields = as_map(body);
        EXPECT_EQ(fields.size(), 2u) << text(name);
        Histogram h;
        if (fields.count("calls")) {
            EXPECT_EQ(fields["calls"]->kind, Kind::kInteger);
            h.calls = fields["calls"]->integer;
        }
        if (fields.count("histogram_usec")) {
            const RespValue& b = *fields["histogram_usec"];
            EXPECT_TRUE(is_map(b, proto)) << text(name);
            for (size_t j = 0; j + 1 < b.elems.size(); j += 2) {
                EXPECT_EQ(b.elems[j].kind, Kind::kInteger);
                EXPECT_EQ(b.elems[j + 1].kind, Kind::kInteger);
                h.buckets.emplace_back(b.elems[j].integer, b.elems[j + 1].integer);
            }
        }
        out[text(name)] = h;
    }
    return out;
}

// Buckets rise, cumulative counts rise, and the last one is every call.
void expect_cumulative(const std::string& name, const Histogram& h) {
    ASSERT_FALSE(h.buckets.empty()) << name;
    for (size_t i = 1; i < h.buckets.size(); ++i) {
        EXPECT_LT(h.buckets[i - 1].first, h.buckets[i].first) << name;
        EXPECT_LT(h.buckets[i - 1].second, h.buckets[i].second) << name;
    }
    EXPECT_GE(h.buckets.front().first, 1) << name;
    EXPECT_EQ(h.buckets.back().second, h.calls) << name;
}

class ExporterScrape : public ServerTest {
protected:
    // The scrape; `proto` is the connection's protocol, `calls` how many
    // scrapes ran before this one on the server (for the expected counts).
    void scrape(RespClient& c, int proto, int64_t calls_before) {
        // CONFIG GET *: every parameter, as a map.
        RespValue config = decode(c.command({"CONFIG", "GET", "*"}));
        ASSERT_TRUE(is_map(config, proto));
        auto params = as_map(config);
        for (const char* p : {"maxmemory", "maxclients", "databases", "timeout", "save", "appendonly",
                              "slowlog-log-slower-than", "slowlog-max-len", "latency-tracking"}) {
            ASSERT_TRUE(params.count(p)) << p;
            EXPECT_EQ(params[p]->kind, Kind::kBulk) << p;
        }
        EXPECT_EQ(params["maxmemory"]->str, "0");
        EXPECT_EQ(params["databases"]->str, "16");

        // INFO ALL: the sections, each line a "# Title" or a "field:value".
        RespValue info = decode(c.command({"INFO", "ALL"}));
        ASSERT_EQ(info.kind, proto == 3 ? Kind::kVerbatim : Kind::kBulk);
        const std::string& t = info.str;
        for (const char* want : {"# Server\r\n", "\r\nredis_version:7.0.15\r\n", "\r\nredis_mode:standalone\r\n",
                                 "# Clients\r\n", "\r\nconnected_clients:1\r\n", "# Memory\r\n",
                                 "\r\nused_memory:", "# Persistence\r\n", "# Stats\r\n",
                                 "\r\ntotal_commands_processed:", "# Replication\r\n", "\r\nrole:master\r\n",
                                 "# CPU\r\n", "\r\nused_cpu_sys:", "# Commandstats\r\n",
                                 "\r\ncmdstat_config|get:calls=", "\r\ncmdstat_set:calls=2,usec=",
                                 "# Latencystats\r\n", "\r\nlatency_percentiles_usec_config|get:p50=",
                                 "# Keyspace\r\n", "\r\ndb0:keys=2,expires=1,"}) {
            EXPECT_NE(t.find(want), std::string::npos) << "INFO ALL lacks " << want;
        }
        EXPECT_NE(t.find("\r\ncmdstat_config|get:calls=" + std::to_string(calls_before + 1) + ","),
                  std::string::npos);
        size_t pos = 0;
        while (pos < t.size()) {
            size_t end = t.find("\r\n", pos);
            ASSERT_NE(end, std::string::npos) << "INFO ALL's last line lacks CRLF";
            std::string line = t.substr(pos, end - pos);
            pos = end + 2;
            if (line.empty()) continue;
            EXPECT_TRUE(line[0] == '#' || line.find(':') != std::string::npos) << "INFO line: " << line;
        }

        // SLOWLOG LEN, SLOWLOG GET 1.
        RespValue len = decode(c.command({"SLOWLOG", "LEN"}));
        ASSERT_EQ(len.kind, Kind::kInteger);
        EXPECT_GE(len.integer, 0);
        RespValue slow = decode(c.command({"SLOWLOG", "GET", "1"}));
        ASSERT_EQ(slow.kind, Kind::kArray);
        EXPECT_LE(slow.elems.size(), 1u);
        if (len.integer > 0) {
            EXPECT_EQ(slow.elems.size(), 1u);
        }
        for (const RespValue& e : slow.elems) {
            ASSERT_EQ(e.kind, Kind::kArray);
            ASSERT_EQ(e.elems.size(), 6u);
            EXPECT_EQ(e.elems[0].kind, Kind::kInteger);  // id
            EXPECT_EQ(e.elems[1].kind, Kind::kInteger);  // unix time
            EXPECT_GT(e.elems[1].integer, 1600000000);
            EXPECT_EQ(e.elems[2].kind, Kind::kInteger);  // microseconds
            EXPECT_GE(e.elems[2].integer, 0);
            EXPECT_EQ(e.elems[3].kind, Kind::kArray);  // argv
            EXPECT_EQ(e.elems[4].kind, Kind::kBulk);   // client address
            EXPECT_EQ(e.elems[4].str.rfind("127.0.0.1:", 0), 0u);
            EXPECT_EQ(e.elems[5].kind, Kind::kBulk);  // client name
        }

        // LATENCY LATEST: no latency events (latency-monitor-threshold 0).
        EXPECT_EQ(c.command({"LATENCY", "LATEST"}), "*0\r\n");

        // LATENCY HISTOGRAM: each command just called, with its calls.
        RespValue hist = decode(c.command({"LATENCY", "HISTOGRAM"}));
        auto h = parse_histograms(hist, proto);
        const std::map<std::string, int64_t> expected = {
            {"config|get", calls_before + 1}, {"info", calls_before + 1},
            {"slowlog|len", calls_before + 1}, {"slowlog|get", calls_before + 1},
            {"latency|latest", calls_before + 1}, {"set", 2}, {"expire", 1},
        };
        for (const auto& [name, calls] : expected) {
            ASSERT_TRUE(h.count(name)) << "LATENCY HISTOGRAM lacks " << name;
            EXPECT_EQ(h[name].calls, calls) << name;
            expect_cumulative(name, h[name]);
        }
        // Only the commands that ran, and not the call still running.
        EXPECT_EQ(h.count("get"), 0u);
        if (calls_before == 0) {
            EXPECT_EQ(h.count("latency|histogram"), 0u);
        } else {
            EXPECT_EQ(h["latency|histogram"].calls, calls_before);
        }
        for (const auto& [name, hh] : h) expect_cumulative(name, hh);
    }

    void seed(RespClient& c) {
        EXPECT_EQ(c.command({"SET", "a", "1"}), "+OK\r\n");
        EXPECT_EQ(c.command({"SET", "b", "2", "EX", "100"}), "+OK\r\n");
        EXPECT_EQ(c.command({"EXPIRE", "a", "100", "XX"}), ":0\r\n");
    }
};

TEST_F(ExporterScrape, Resp2ScrapeHasTheShapesAnExporterReads) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    ASSERT_NO_FATAL_FAILURE(seed(c));
    EXPECT_EQ(c.command({"SLOWLOG", "RESET"}), "+OK\r\n");
    ASSERT_NO_FATAL_FAILURE(scrape(c, 2, 0));
    // The next scrape sees the first one's calls, and the histogram call.
    ASSERT_NO_FATAL_FAILURE(scrape(c, 2, 1));
}

TEST_F(ExporterScrape, Resp3ScrapeHasTheSameFieldsInResp3Types) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    ASSERT_NO_FATAL_FAILURE(seed(c));
    ASSERT_EQ(c.command({"HELLO", "3"}).substr(0, 4), "%7\r\n");
    ASSERT_NO_FATAL_FAILURE(scrape(c, 3, 0));
}

TEST_F(ExporterScrape, SlowlogGetOneShowsTheLastSlowCommand) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    ASSERT_NO_FATAL_FAILURE(seed(c));
    // Every command is slow now: SLOWLOG GET 1 shows the SLOWLOG LEN before it.
    EXPECT_EQ(c.command({"CONFIG", "SET", "slowlog-log-slower-than", "0"}), "+OK\r\n");
    EXPECT_EQ(c.command({"CLIENT", "SETNAME", "exporter"}), "+OK\r\n");
    RespValue len = decode(c.command({"SLOWLOG", "LEN"}));
    ASSERT_EQ(len.kind, Kind::kInteger);
    EXPECT_GE(len.integer, 2);
    RespValue slow = decode(c.command({"SLOWLOG", "GET", "1"}));
    ASSERT_EQ(slow.kind, Kind::kArray);
    ASSERT_EQ(slow.elems.size(), 1u);
    const RespValue& e = slow.elems[0];
    ASSERT_EQ(e.elems.size(), 6u);
    ASSERT_EQ(e.elems[3].elems.size(), 2u);
    EXPECT_EQ(e.elems[3].elems[0].str, "SLOWLOG");
    EXPECT_EQ(e.elems[3].elems[1].str, "LEN");
    EXPECT_EQ(e.elems[5].str, "exporter");
    EXPECT_EQ(c.command({"CONFIG", "SET", "slowlog-log-slower-than", "10000"}), "+OK\r\n");
}

TEST_F(ExporterScrape, LatencyHistogramForNamedCommands) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(c.command({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(c.command({"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(c.command({"CONFIG", "GET", "hz"}), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
    // Names in any case; a container lists its subcommands; unknown names
    // and commands never called are left out; a name asked twice comes twice.
    RespValue r = decode(c.command({"LATENCY", "HISTOGRAM", "SET", "nosuch", "config", "get", "set", "del"}));
    ASSERT_EQ(r.kind, Kind::kArray);
    ASSERT_EQ(r.elems.size(), 8u);
    EXPECT_EQ(r.elems[0].str, "set");
    EXPECT_EQ(r.elems[2].str, "config|get");
    EXPECT_EQ(r.elems[4].str, "get");
    EXPECT_EQ(r.elems[6].str, "set");
    auto h = parse_histograms(r, 2);
    EXPECT_EQ(h["set"].calls, 5);
    EXPECT_EQ(h["get"].calls, 1);
    EXPECT_EQ(h["config|get"].calls, 1);
    for (const auto& [name, hh] : h) expect_cumulative(name, hh);
    EXPECT_EQ(c.command({"LATENCY", "HISTOGRAM", "config|get"}).substr(0, 19), "*2\r\n$10\r\nconfig|get");
    EXPECT_EQ(c.command({"LATENCY", "HISTOGRAM", "nosuch", "config|nosuch"}), "*0\r\n");
    // CONFIG RESETSTAT forgets them.
    EXPECT_EQ(c.command({"CONFIG", "RESETSTAT"}), "+OK\r\n");
    EXPECT_EQ(c.command({"LATENCY", "HISTOGRAM", "set", "get"}), "*0\r\n");
}

// ---- CLIENT administration -------------------------------------------------

int64_t client_id(RespClient& c) {
    RespValue v = decode(c.command({"CLIENT", "ID"}));
    return v.integer;
}

std::string client_field(RespClient& c, const std::string& field) {
    RespValue v = decode(c.command({"CLIENT", "INFO"}));
    size_t at = v.str.find(" " + field + "=");
    if (at == std::string::npos) return "";
    at += field.size() + 2;
    return v.str.substr(at, v.str.find(' ', at) - at);
}

class ClientAdmin : public ServerTest {};

TEST_F(ClientAdmin, KillByIdClosesThatClientOnly) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    RespClient victim = connect();
    RespClient other = connect();
    std::string id = std::to_string(client_id(victim));
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "ID", id}), ":1\r\n");
    EXPECT_TRUE(victim.read_until_closed().closed);
    EXPECT_EQ(other.command({"PING"}), "+PONG\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "ID", id}), ":0\r\n");
}

TEST_F(ClientAdmin, KillByAddrLaddrTypeAndUser) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    RespClient a = connect();
    RespClient b = connect();
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "ADDR", client_field(a, "addr")}), ":1\r\n");
    EXPECT_TRUE(a.read_until_closed().closed);
    // LADDR: every client of this listener but the caller (SKIPME yes).
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "LADDR", client_field(admin, "laddr")}), ":1\r\n");
    EXPECT_TRUE(b.read_until_closed().closed);
    RespClient c = connect();
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "TYPE", "pubsub"}), ":0\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "TYPE", "master"}), ":0\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "USER", "default", "TYPE", "normal"}), ":1\r\n");
    EXPECT_TRUE(c.read_until_closed().closed);
    EXPECT_EQ(admin.command({"PING"}), "+PONG\r\n");
}

TEST_F(ClientAdmin, KillPubsubClientsByType) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    RespClient sub = connect();
    RespClient plain = connect();
    EXPECT_EQ(sub.command({"SUBSCRIBE", "news"}), "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "TYPE", "pubsub"}), ":1\r\n");
    EXPECT_TRUE(sub.read_until_closed().closed);
    EXPECT_EQ(plain.command({"PING"}), "+PONG\r\n");
}

TEST_F(ClientAdmin, KillSelfAnswersThenCloses) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    std::string id = std::to_string(client_id(c));
    EXPECT_EQ(c.command({"CLIENT", "KILL", "ID", id}), ":0\r\n");  // SKIPME yes by default
    EXPECT_TRUE(c.send_raw(encode_command({"CLIENT", "KILL", "ID", id, "SKIPME", "no"})));
    RespClient::Drained d = c.read_until_closed();
    EXPECT_EQ(d.bytes, ":1\r\n");
    EXPECT_TRUE(d.closed);

    // The old form may kill the caller too, answering OK first.
    RespClient old = connect();
    std::string addr = client_field(old, "addr");
    EXPECT_TRUE(old.send_raw(encode_command({"CLIENT", "KILL", addr})));
    d = old.read_until_closed();
    EXPECT_EQ(d.bytes, "+OK\r\n");
    EXPECT_TRUE(d.closed);
    RespClient after = connect();
    EXPECT_EQ(after.command({"CLIENT", "KILL", addr}), "-ERR No such client\r\n");
}

TEST_F(ClientAdmin, UnblockWithTimeoutOrError) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    RespClient blocked = connect();
    std::string id = std::to_string(client_id(blocked));
    EXPECT_EQ(admin.command({"CLIENT", "UNBLOCK", id}), ":0\r\n");  // not blocked
    auto wait_blocked = [&] {
        for (int i = 0; i < 400; ++i) {
            if (decode(admin.command({"INFO", "clients"})).str.find("\r\nblocked_clients:1\r\n") !=
                std::string::npos)
                return true;
            usleep(5000);
        }
        return false;
    };
    // TIMEOUT (the default): the blocked command answers as at its timeout,
    // and what was pipelined behind it runs.
    EXPECT_TRUE(blocked.send_raw(encode_command({"BLPOP", "q", "0"}) + encode_command({"PING"})));
    ASSERT_TRUE(wait_blocked());
    EXPECT_EQ(admin.command({"CLIENT", "UNBLOCK", id}), ":1\r\n");
    EXPECT_EQ(blocked.read_reply(), "*-1\r\n");
    EXPECT_EQ(blocked.read_reply(), "+PONG\r\n");
    // ERROR: the blocked command fails.
    EXPECT_TRUE(blocked.send_raw(encode_command({"BRPOP", "q", "0"})));
    ASSERT_TRUE(wait_blocked());
    EXPECT_EQ(admin.command({"CLIENT", "UNBLOCK", id, "ERROR"}), ":1\r\n");
    EXPECT_EQ(blocked.read_reply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    EXPECT_EQ(blocked.command({"PING"}), "+PONG\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "UNBLOCK", id, "ERROR"}), ":0\r\n");
}

TEST_F(ClientAdmin, TrackingIsRefusedWithAClearError) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    EXPECT_EQ(c.command({"CLIENT", "TRACKING", "on"}),
              "-ERR CLIENT TRACKING is not supported by this server (no client-side caching)\r\n");
    EXPECT_EQ(c.command({"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:"}),
              "-ERR CLIENT TRACKING is not supported by this server (no client-side caching)\r\n");
    // A redirect to a client that exists passes Redis's checks first.
    RespClient other = connect();
    std::string id = std::to_string(client_id(other));
    EXPECT_EQ(c.command({"CLIENT", "TRACKING", "on", "REDIRECT", id}),
              "-ERR CLIENT TRACKING is not supported by this server (no client-side caching)\r\n");
    EXPECT_EQ(c.command({"CLIENT", "TRACKING", "on", "REDIRECT", id, "REDIRECT", id}),
              "-ERR A client can only redirect to a single other client\r\n");
    EXPECT_EQ(c.command({"CLIENT", "TRACKING", "off", "REDIRECT", id}), "+OK\r\n");
    EXPECT_EQ(c.command({"CLIENT", "GETREDIR"}), ":-1\r\n");
}

}  // namespace
}  // namespace testsupport
