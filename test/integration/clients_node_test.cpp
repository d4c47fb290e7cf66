// Real npm clients against the server: node-redis (`redis`) and ioredis,
// each over RESP2 and over RESP3, pinned by test/clients/node/package-lock.json
// (`make test` runs `npm ci` there). Each test runs one feature area of
// test/clients/node/node_redis.js or ioredis.js,
//
//   node <script> <port> <area> <2|3>
//
// which drives the library against the server and prints what the library
// handed back as one JSON line; the test checks those values (what was read
// back, the messages received and their order, EXEC's results, the errors),
// not just that the script exited 0. A missing `node` skips; missing npm
// modules fail (make installs them).
//
// Tests are named ClientsNode/NpmClientTest.<Area>/<library>_resp<2|3>; run
// them against Redis itself with
//   RINGDIS_SERVER=/usr/bin/redis-server build/integration-tests --gtest_filter='ClientsNode*'
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/paths.h"
#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

// --- A minimal reader for the scripts' one-line JSON (JSON.stringify output:
// no whitespace). The tests compare a member's value as JSON text.

constexpr size_t kBad = std::string_view::npos;

// The index just past the JSON value that starts at `i`; kBad if malformed.
size_t skip_json_value(std::string_view s, size_t i) {
    if (i >= s.size()) return kBad;
    if (s[i] == '"') {
        for (++i; i < s.size(); ++i) {
            if (s[i] == '\\') {
                ++i;
            } else if (s[i] == '"') {
                return i + 1;
            }
        }
        return kBad;
    }
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while (i < s.size()) {
            char c = s[i];
            if (c == '"') {
                i = skip_json_value(s, i);
                if (i == kBad) return kBad;
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            ++i;
        }
        return kBad;
    }
    size_t end = s.find_first_of(",}]", i);  // a number, true, false or null
    return end == kBad ? s.size() : end;
}

// The JSON text of member `key` of the object `json`, or "<no KEY>".
std::string json_field(std::string_view json, std::string_view key) {
    if (json.empty() || json[0] != '{') return "<not an object>";
    size_t i = 1;
    while (i < json.size() && json[i] != '}') {
        size_t key_end = skip_json_value(json, i);
        if (key_end == kBad || json[i] != '"' || key_end >= json.size() || json[key_end] != ':')
            return "<malformed JSON>";
        std::string_view name = json.substr(i + 1, key_end - i - 2);
        size_t value_start = key_end + 1;
        size_t value_end = skip_json_value(json, value_start);
        if (value_end == kBad) return "<malformed JSON>";
        if (name == key) return std::string(json.substr(value_start, value_end - value_start));
        i = value_end;
        if (i < json.size() && json[i] == ',') ++i;
    }
    return "<no " + std::string(key) + ">";
}

// ["<prefix>0","<prefix>1",...] or [1,2,...] as JSON text.
std::string json_sequence(int count, const std::string& prefix, int first = 0) {
    std::string out = "[";
    for (int i = 0; i < count; ++i) {
        if (i > 0) out += ',';
        out += prefix.empty() ? std::to_string(first + i) : "\"" + prefix + std::to_string(first + i) + "\"";
    }
    return out + "]";
}

TEST(ClientsNodeJson, ReadsMembers) {
    std::string json = R"({"a":"x,}\"y","b":[1,{"c":"]"}],"n":null,"k":-12,"o":{"p":[]}})";
    EXPECT_EQ(json_field(json, "a"), R"("x,}\"y")");
    EXPECT_EQ(json_field(json, "b"), R"([1,{"c":"]"}])");
    EXPECT_EQ(json_field(json, "n"), "null");
    EXPECT_EQ(json_field(json, "k"), "-12");
    EXPECT_EQ(json_field(json, "o"), R"({"p":[]})");
    EXPECT_EQ(json_field(json, "c"), "<no c>");
    EXPECT_EQ(json_field("{\"a\":", "a"), "<malformed JSON>");
    EXPECT_EQ(json_sequence(3, "v"), R"(["v0","v1","v2"])");
    EXPECT_EQ(json_sequence(3, "", 1), "[1,2,3]");
}

// --- The tests.

enum class Library { kNodeRedis, kIoredis };

struct Variant {
    Library library;
    int resp;
};

// How gtest prints the parameter in a failure: "ioredis over RESP3".
void PrintTo(const Variant& variant, std::ostream* os) {
    *os << (variant.library == Library::kNodeRedis ? "node-redis" : "ioredis") << " over RESP" << variant.resp;
}

std::string variant_name(const ::testing::TestParamInfo<Variant>& info) {
    return std::string(info.param.library == Library::kNodeRedis ? "node_redis" : "ioredis") + "_resp" +
           std::to_string(info.param.resp);
}

class NpmClientTest : public ServerTest, public ::testing::WithParamInterface<Variant> {
protected:
    void SetUp() override {
        node_ = find_program("node");
        if (node_.empty()) GTEST_SKIP() << "node is not installed";
        dir_ = repo_root() + "/test/clients/node";
        for (const char* module : {"redis", "ioredis"}) {
            std::string manifest = dir_ + "/node_modules/" + module + "/package.json";
            ASSERT_EQ(::access(manifest.c_str(), R_OK), 0)
                << manifest << " is missing; `make test` installs it (npm ci in " << dir_ << ")";
        }
    }

    bool ioredis() const { return GetParam().library == Library::kIoredis; }
    bool resp3() const { return GetParam().resp == 3; }

    // Starts the server (ringdis logs every command it gets, shown when a
    // test fails) and runs the script's `area`; its JSON line lands in json_.
    // Use as ASSERT_NO_FATAL_FAILURE(run_area("basic")).
    void run_area(const std::string& area) {
        std::vector<std::string> args;
        if (!server_is_oracle()) args.push_back("--verbose");
        ASSERT_NO_FATAL_FAILURE(start(args));
        std::string script = dir_ + (ioredis() ? "/ioredis.js" : "/node_redis.js");
        // The script's own watchdog gives up after 5 s; this is a backstop.
        RunResult r = run_process(
            {node_, script, std::to_string(server_.port()), area, std::to_string(GetParam().resp)},
            milliseconds(20000));
        output_ = r.output;
        std::string_view out = output_;
        size_t line_start = out.starts_with("{\"lib\":") ? 0 : out.find("\n{\"lib\":");
        if (line_start != kBad && line_start > 0) ++line_start;
        ASSERT_TRUE(r.status.success() && line_start != kBad)
            << "node " << script << " " << area << " " << GetParam().resp << ": " << r.status.describe()
            << "\n" << r.output;
        size_t line_end = out.find('\n', line_start);
        json_ = std::string(out.substr(line_start, line_end == kBad ? kBad : line_end - line_start));
    }

    // The JSON text of one observation, e.g. "\"hello\"", "[1,2]", "null".
    std::string field(std::string_view key) const { return json_field(json_, key); }

    // Shown beside every failed expectation.
    std::string context() const { return "the script printed:\n" + output_; }

    std::string node_;
    std::string dir_;
    std::string output_;
    std::string json_;
};

INSTANTIATE_TEST_SUITE_P(ClientsNode, NpmClientTest,
                         ::testing::Values(Variant{Library::kNodeRedis, 2}, Variant{Library::kNodeRedis, 3},
                                           Variant{Library::kIoredis, 2}, Variant{Library::kIoredis, 3}),
                         variant_name);

// Connecting: the library's handshake (HELLO 3 when RESP3; CLIENT SETINFO;
// ioredis's ready check reads INFO for loading:0) leads to a ready client
// on the requested protocol; then strings: SET/GET (UTF-8, 200 KB, binary),
// INCR/INCRBY/DECR, SET EX + TTL, SET NX, EXISTS, DEL, MGET.
TEST_P(NpmClientTest, ConnectAndStrings) {
    ASSERT_NO_FATAL_FAILURE(run_area("basic"));
    SCOPED_TRACE(context());
    if (ioredis()) {
        EXPECT_EQ(field("status"), R"("ready")");
        EXPECT_EQ(field("info_loading"), R"("0")");
        EXPECT_EQ(field("binary_roundtrip"), "true");
    } else {
        EXPECT_EQ(field("ready"), "true");
    }
    EXPECT_EQ(field("ready_events"), "1");
    EXPECT_EQ(field("proto"), std::to_string(GetParam().resp));
    EXPECT_EQ(field("ping"), R"("PONG")");
    EXPECT_EQ(field("set"), R"("OK")");
    EXPECT_EQ(field("get"), R"("hello")");
    EXPECT_EQ(field("utf8_roundtrip"), "true");
    EXPECT_EQ(field("big_length"), "200003");
    EXPECT_EQ(field("big_equal"), "true");
    EXPECT_EQ(field("incr"), "[1,2,42]");
    EXPECT_EQ(field("decr"), "41");
    EXPECT_EQ(field("get_counter"), R"("41")");
    EXPECT_EQ(field("set_ex"), R"("OK")");
    std::string ttl = field("ttl");
    EXPECT_TRUE(ttl == "100" || ttl == "99") << "TTL right after SET EX 100: " << ttl;
    EXPECT_EQ(field("set_nx_existing"), "null");
    EXPECT_EQ(field("exists"), "2");
    EXPECT_EQ(field("del"), "2");
    EXPECT_EQ(field("get_deleted"), "null");
    EXPECT_EQ(field("mget"), R"(["<utf8>",null,"v"])");
}

// HSET from an object, HGETALL back into an object (a RESP3 map, or a RESP2
// flat array the library pairs up), in insertion order.
TEST_P(NpmClientTest, Hash) {
    ASSERT_NO_FATAL_FAILURE(run_area("hash"));
    SCOPED_TRACE(context());
    EXPECT_EQ(field("hset"), "3");
    EXPECT_EQ(field("hgetall"), R"({"name":"ringdis","lang":"c++","stars":"5"})");
    EXPECT_EQ(field("hget"), R"("ringdis")");
    EXPECT_EQ(field("hincrby"), "7");
    EXPECT_EQ(field("hlen"), "3");
    EXPECT_EQ(field("hexists"), "[1,0]");
    EXPECT_EQ(field("hdel"), "1");
    EXPECT_EQ(field("hgetall_after"), R"({"name":"ringdis","stars":"7"})");
    EXPECT_EQ(field("hgetall_missing"), "{}");
    EXPECT_EQ(field("hmget"), R"(["7",null,"ringdis"])");
}

// 401 commands in one pipeline (200 SET, 200 GET, DBSIZE), 300 INCRs issued
// in one tick, and a pipeline whose middle command fails.
TEST_P(NpmClientTest, Pipeline) {
    ASSERT_NO_FATAL_FAILURE(run_area("pipeline"));
    SCOPED_TRACE(context());
    EXPECT_EQ(field("replies"), "401");
    EXPECT_EQ(field("set_ok"), "200");
    EXPECT_EQ(field("gets"), json_sequence(200, "v"));
    EXPECT_EQ(field("dbsize"), "200");
    EXPECT_EQ(field("auto_incrs"), json_sequence(300, "", 1));
    if (ioredis()) {
        EXPECT_EQ(field("error_pipeline"), R"(["OK",{"error":"ERR value is not an integer or out of range"},"text"])");
    } else {
        // execAsPipeline rejects with the first error; the APPEND after it ran.
        EXPECT_EQ(field("error_pipeline"),
                  R"({"name":"SimpleError","message":"ERR value is not an integer or out of range"})");
        EXPECT_EQ(field("error_pipeline_value"), R"("text!")");
    }
    EXPECT_EQ(field("ping_after"), R"("PONG")");
}

// MULTI/EXEC: the results, visible to another client; a command failing at
// EXEC (the others still run); a command refused while queuing discards the
// transaction (EXECABORT; node-redis reports the queuing error).
TEST_P(NpmClientTest, Transaction) {
    ASSERT_NO_FATAL_FAILURE(run_area("multi"));
    SCOPED_TRACE(context());
    EXPECT_EQ(field("exec"), R"(["OK",2,12,"12",1])");
    EXPECT_EQ(field("other_sees"), R"("12")");
    const std::string replies = R"(["OK",{"error":"ERR value is not an integer or out of range"},"abc"])";
    const std::string unknown = "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ";
    if (ioredis()) {
        EXPECT_EQ(field("exec_runtime_error"), replies);
        EXPECT_EQ(field("exec_abort"),
                  R"({"name":"SimpleError","message":"EXECABORT Transaction discarded because of previous errors.",)"
                  R"("previous":[")" + unknown + "\"]}");
    } else {
        EXPECT_EQ(field("exec_runtime_error"),
                  R"({"name":"MultiErrorReply","errorIndexes":[1],"replies":)" + replies + "}");
        EXPECT_EQ(field("exec_abort"), R"({"name":"SimpleError","message":")" + unknown + "\"}");
    }
    EXPECT_EQ(field("aborted_key"), "null");
    EXPECT_EQ(field("ping_after"), R"("PONG")");
}

// WATCH: another client's write makes EXEC fail (node-redis throws
// WatchError, ioredis resolves null) and the transaction's write is not
// applied; with no write EXEC goes through; UNWATCH forgets the watch; a
// watched missing key that another client creates also aborts.
TEST_P(NpmClientTest, WatchAbortedByAnotherClient) {
    ASSERT_NO_FATAL_FAILURE(run_area("watch"));
    SCOPED_TRACE(context());
    const std::string aborted = ioredis()
        ? "null"
        : R"({"name":"WatchError","message":"One (or more) of the watched keys has been changed"})";
    EXPECT_EQ(field("watch"), R"("OK")");
    EXPECT_EQ(field("conflict"), aborted);
    EXPECT_EQ(field("after_conflict"), R"("from-b")");
    EXPECT_EQ(field("no_conflict"), R"(["OK","from-a"])");
    EXPECT_EQ(field("unwatch"), R"("OK")");
    EXPECT_EQ(field("after_unwatch"), R"(["from-b-again","OK"])");
    EXPECT_EQ(field("conflict_new_key"), aborted);
    EXPECT_EQ(field("new_key"), R"("created")");
}

// Pub/Sub: SUBSCRIBE news weather + PSUBSCRIBE n* on one connection,
// PUBLISH from another returns the receiver count, the messages arrive in
// order (a channel's subscribers before its patterns'), UNSUBSCRIBE and
// PUNSUBSCRIBE stop them, and the connection is usable again afterwards.
// Under RESP3 the subscribed connection also runs a GET.
TEST_P(NpmClientTest, PubSub) {
    ASSERT_NO_FATAL_FAILURE(run_area("pubsub"));
    SCOPED_TRACE(context());
    // news (channel+pattern), weather, nets (pattern), other (nobody);
    // after UNSUBSCRIBE news: news (pattern); after PUNSUBSCRIBE: news
    // (nobody), weather; after UNSUBSCRIBE: weather (nobody).
    EXPECT_EQ(field("publish_counts"), "[2,1,1,0,1,0,1,0]");
    EXPECT_EQ(field("messages"),
              R"([["message","news","m1"],["pmessage","n*","news","m1"],["message","weather","m2"],)"
              R"(["pmessage","n*","nets","m3"],["pmessage","n*","news","m5"],["message","weather","m7"]])");
    if (ioredis()) {
        EXPECT_EQ(field("subscription_counts"), "[2,3,2,1,0]");
    }
    if (resp3()) {
        EXPECT_EQ(field("subscribed_get"), R"("plain")");
        EXPECT_EQ(field("subscribed_ping"), R"("PONG")");
    } else {
        // A RESP2 subscribed connection answers PING with ["pong", ""];
        // node-redis keeps the first element.
        EXPECT_EQ(field("subscribed_ping"), ioredis() ? R"(["pong",""])" : R"("pong")");
    }
    EXPECT_EQ(field("ping_after"), R"("PONG")");
}

// The connection name: the library's option (node-redis `name`, sent in
// HELLO 3 ... SETNAME or as CLIENT SETNAME; ioredis `connectionName`),
// CLIENT GETNAME/SETNAME, the name in CLIENT INFO and CLIENT LIST, a name
// with a space refused.
TEST_P(NpmClientTest, ClientName) {
    ASSERT_NO_FATAL_FAILURE(run_area("name"));
    SCOPED_TRACE(context());
    const std::string app = ioredis() ? "io-app" : "nr-app";
    const std::string renamed = ioredis() ? "io-renamed" : "nr-renamed";
    EXPECT_EQ(field("getname"), "\"" + app + "\"");
    EXPECT_EQ(field("setname"), R"("OK")");
    EXPECT_EQ(field("getname_after"), "\"" + renamed + "\"");
    EXPECT_EQ(field("info_name"), "\"" + renamed + "\"");
    EXPECT_EQ(field("list_names"), R"(["",")" + renamed + "\"]");
    EXPECT_EQ(field("other_getname"), "null");
    EXPECT_EQ(field("bad_name"),
              R"({"name":"SimpleError","message":"ERR Client names cannot contain spaces, newlines or special characters."})");
}

// Error replies reach the caller as errors with Redis's text, and the
// connection keeps working: an unknown command sent raw (sendCommand /
// call), wrong arity, INCR of text, WRONGTYPE, and errors pipelined between
// successful commands, each reply matched to its command.
TEST_P(NpmClientTest, ErrorsKeepTheConnection) {
    ASSERT_NO_FATAL_FAILURE(run_area("errors"));
    SCOPED_TRACE(context());
    EXPECT_EQ(field("unknown"),
              R"({"name":"SimpleError","message":"ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' "})");
    EXPECT_EQ(field("ping_after_unknown"), R"("PONG")");
    EXPECT_EQ(field("arity"), R"({"name":"SimpleError","message":"ERR wrong number of arguments for 'get' command"})");
    EXPECT_EQ(field("not_integer"), R"({"name":"SimpleError","message":"ERR value is not an integer or out of range"})");
    EXPECT_EQ(field("wrongtype"),
              R"({"name":"SimpleError","message":"WRONGTYPE Operation against a key holding the wrong kind of value"})");
    EXPECT_EQ(field("mixed"),
              R"([{"error":"ERR unknown command 'NOSUCHCMD', with args beginning with: "},"OK",)"
              R"({"error":"ERR unknown command 'NOSUCHCMD2', with args beginning with: 'x' "},"v",)"
              R"({"error":"ERR value is not an integer or out of range"},"PONG"])");
    EXPECT_EQ(field("get_after"), R"("text")");
}

}  // namespace
}  // namespace testsupport
