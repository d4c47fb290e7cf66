// redis-py (Debian python3-redis 4.3.4) against the server: each test runs
// one script of test/clients/python/ with Debian's /usr/bin/python3 (the
// `python3` on $PATH may be another build that cannot import Debian's
// modules) and checks what the script saw, field by field, in the one JSON
// line it prints. A missing interpreter or module is a failure, not a skip:
// `make test` installs python3-redis.
//
// redis-py 4.3.4 speaks RESP2 only (its Redis() takes no protocol=
// argument, which connection.py records as "protocol3"), so there is no
// RESP3 variant here.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

const char* const kPython = "/usr/bin/python3";

// The length of the JSON value at the start of `text` (a string, number,
// literal, array or object), or 0 when it is not one. Only as much JSON as
// the scripts print: json.dumps with separators (",", ":").
size_t json_value_length(std::string_view text) {
    if (text.empty()) return 0;
    if (text[0] == '"') {
        for (size_t i = 1; i < text.size(); ++i) {
            if (text[i] == '\\') ++i;
            else if (text[i] == '"') return i + 1;
        }
        return 0;
    }
    if (text[0] == '[' || text[0] == '{') {
        int depth = 0;
        for (size_t i = 0; i < text.size(); ++i) {
            char c = text[i];
            if (c == '"') {
                size_t n = json_value_length(text.substr(i));
                if (n == 0) return 0;
                i += n - 1;
            } else if (c == '[' || c == '{') {
                ++depth;
            } else if (c == ']' || c == '}') {
                if (--depth == 0) return i + 1;
            }
        }
        return 0;
    }
    size_t end = text.find_first_of(",]}");
    return end == std::string_view::npos ? text.size() : end;
}

// The top-level fields of a JSON object line, each as its JSON text, so a
// test compares `fields["get"]` with "\"hello\"". Empty when the line is not
// an object.
std::map<std::string, std::string> json_fields(std::string_view line) {
    std::map<std::string, std::string> fields;
    if (line.size() < 2 || line.front() != '{' || line.back() != '}') return fields;
    size_t pos = 1;
    while (pos < line.size() - 1) {
        size_t key_len = json_value_length(line.substr(pos));
        if (key_len < 2 || line[pos] != '"' || pos + key_len >= line.size() || line[pos + key_len] != ':')
            return {};
        std::string key(line.substr(pos + 1, key_len - 2));
        pos += key_len + 1;
        size_t value_len = json_value_length(line.substr(pos));
        if (value_len == 0) return {};
        fields[key] = std::string(line.substr(pos, value_len));
        pos += value_len;
        if (line[pos] == ',') ++pos;
    }
    return fields;
}

class ClientsPythonTest : public ServerTest {
protected:
    // Runs test/clients/python/<script> against the server and returns the
    // fields of the JSON line it printed; a script that fails (or prints no
    // such line) fails the test with its output.
    std::map<std::string, std::string> run_script(const std::string& script,
                                                  milliseconds timeout = milliseconds(20000)) {
        if (::access(kPython, X_OK) != 0) {
            ADD_FAILURE() << kPython << " is not installed (Debian packages python3, python3-redis)";
            return {};
        }
        std::string path = repo_root() + "/test/clients/python/" + script;
        // -B: no __pycache__ left in the checkout.
        RunResult r = run_process({kPython, "-B", path, std::to_string(server_.port())}, timeout);
        EXPECT_TRUE(r.status.success()) << script << ": " << r.status.describe() << "\n" << r.output;
        // The JSON line is the last line that is an object.
        std::string line;
        size_t start = 0;
        while (start < r.output.size()) {
            size_t end = r.output.find('\n', start);
            if (end == std::string::npos) end = r.output.size();
            std::string candidate = r.output.substr(start, end - start);
            if (candidate.starts_with("{") && candidate.ends_with("}")) line = candidate;
            start = end + 1;
        }
        std::map<std::string, std::string> fields = json_fields(line);
        if (r.status.success()) {
            EXPECT_FALSE(fields.empty()) << script << " printed no JSON object:\n" << r.output;
        }
        return fields;
    }

    // EXPECT_EQ on one field, naming it; a missing field reads "<missing>".
    void expect_field(std::map<std::string, std::string>& fields, const std::string& name,
                      const std::string& json) {
        auto it = fields.find(name);
        std::string got = it == fields.end() ? "<missing>" : it->second;
        EXPECT_EQ(got, json) << "field '" << name << "'";
    }

    // A numeric field as a number; NaN when it is missing or not a number.
    double number_field(std::map<std::string, std::string>& fields, const std::string& name) {
        auto it = fields.find(name);
        if (it == fields.end() || it->second.empty()) return std::nan("");
        char* end = nullptr;
        double value = std::strtod(it->second.c_str(), &end);
        return *end == '\0' ? value : std::nan("");
    }

};

std::string hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

TEST_F(ClientsPythonTest, Strings) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto f = run_script("strings.py");
    ASSERT_FALSE(f.empty());
    expect_field(f, "ping", "true");
    expect_field(f, "set", "true");
    expect_field(f, "get", "\"hello world\"");
    expect_field(f, "get_missing", "null");
    expect_field(f, "append", "12");
    expect_field(f, "strlen", "12");
    expect_field(f, "getrange", "\"hello\"");
    expect_field(f, "incr", "1");
    expect_field(f, "incrby", "42");
    expect_field(f, "decr", "41");
    expect_field(f, "incrbyfloat", "42.5");
    expect_field(f, "counter", "\"42.5\"");
    expect_field(f, "incr_not_integer", "\"<ResponseError> value is not an integer or out of range\"");
    expect_field(f, "mset", "true");
    expect_field(f, "mget", "[\"v1\",\"v2\",null,\"v3\"]");
    expect_field(f, "msetnx_taken", "false");
    expect_field(f, "exists", "2");

    std::string binary;
    for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
    binary.append("\r\n$*\0\r\n", 7);
    expect_field(f, "binary_equal", "true");
    expect_field(f, "binary_hex", "\"" + hex(binary) + "\"");
    expect_field(f, "binary_strlen", std::to_string(binary.size()));
    expect_field(f, "binary_key", "\"00\"");
    expect_field(f, "empty", "\"\"");

    expect_field(f, "set_nx_existing", "null");
    expect_field(f, "set_xx_missing", "null");
    expect_field(f, "set_get", "\"hello world!\"");
    expect_field(f, "getdel", "\"replaced\"");
    expect_field(f, "after_getdel", "0");

    // TTLs count down; a slow machine may have let a second pass.
    double ttl = number_field(f, "ttl");
    EXPECT_TRUE(ttl >= 99 && ttl <= 100) << "ttl " << f["ttl"];
    double pttl = number_field(f, "pttl");
    EXPECT_TRUE(pttl > 98000 && pttl <= 100000) << "pttl " << f["pttl"];
    expect_field(f, "persist", "true");
    expect_field(f, "ttl_after_persist", "-1");
    expect_field(f, "expire", "true");
    double after_expire = number_field(f, "ttl_after_expire");
    EXPECT_TRUE(after_expire >= 49 && after_expire <= 50) << f["ttl_after_expire"];
    expect_field(f, "ttl_missing", "-2");
    expect_field(f, "setex", "true");
    double ttl_setex = number_field(f, "ttl_setex");
    EXPECT_TRUE(ttl_setex >= 29 && ttl_setex <= 30) << f["ttl_setex"];
    expect_field(f, "psetex", "true");
    expect_field(f, "get_before_expiry", "\"soon\"");
    expect_field(f, "get_after_expiry", "null");
    expect_field(f, "exists_after_expiry", "0");
    expect_field(f, "delete", "3");
}

TEST_F(ClientsPythonTest, HashesAsDicts) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto f = run_script("hashes.py");
    ASSERT_FALSE(f.empty());
    expect_field(f, "hset_mapping", "3");
    expect_field(f, "hset_one", "1");
    expect_field(f, "hset_update", "0");
    expect_field(f, "hgetall", R"({"city":"London","lang":"fr","name":"Ada","visits":"10"})");
    expect_field(f, "hgetall_type", "\"dict\"");
    expect_field(f, "hgetall_missing", "{}");
    expect_field(f, "hget", "\"Ada\"");
    expect_field(f, "hget_missing", "null");
    expect_field(f, "hmget", R"(["Ada",null,"London"])");
    expect_field(f, "hincrby", "15");
    expect_field(f, "hincrbyfloat", "2.5");
    expect_field(f, "hlen", "5");
    expect_field(f, "hexists", "[true,false]");
    expect_field(f, "hkeys", R"(["city","lang","name","score","visits"])");
    expect_field(f, "hvals", R"(["15","2.5","Ada","London","fr"])");
    expect_field(f, "hsetnx", "[0,1]");
    expect_field(f, "hstrlen", "15");
    expect_field(f, "hdel", "1");
    expect_field(f, "hgetall_after",
                 R"({"email":"ada@example.com","lang":"fr","name":"Ada","score":"2.5","visits":"15"})");
    expect_field(f, "type", "\"hash\"");
    expect_field(f, "hget_wrongtype",
                 "\"<ResponseError> WRONGTYPE Operation against a key holding the wrong kind of value\"");
    expect_field(f, "big_hlen", "1000");
    expect_field(f, "hscan_count", "1000");
    expect_field(f, "hscan_duplicates", "0");
    expect_field(f, "hscan_equal", "true");
    expect_field(f, "hscan_match",
                 R"(["field:99","field:990","field:991","field:992","field:993","field:994","field:995",)"
                 R"("field:996","field:997","field:998","field:999"])");
    expect_field(f, "big_hgetall_equal", "true");
}

TEST_F(ClientsPythonTest, PipelinesWithoutTransaction) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto f = run_script("pipelines.py");
    ASSERT_FALSE(f.empty());
    expect_field(f, "results", "2007");
    expect_field(f, "sets_true", "1000");
    expect_field(f, "gets_matching", "1000");
    expect_field(f, "first_get", "\"value-0\"");
    expect_field(f, "last_get", "\"value-999\"");
    expect_field(f, "tail", R"([1,10,3,["a","b","c"],1,{"f":"1"},1003])");
    expect_field(f, "with_errors",
                 R"([true,"<ResponseError> value is not an integer or out of range","abc",)"
                 R"("<ResponseError> unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ","after"])");
    expect_field(f, "raised",
                 "\"<ResponseError> Command # 2 (INCRBY text2 1) of pipeline caused error: "
                 "value is not an integer or out of range\"");
    expect_field(f, "after_raise", R"(["abc","def"])");
    expect_field(f, "context_manager", R"([[true,2,"2"],[["2","value-0"]]])");
    expect_field(f, "ping_after", "true");
    expect_field(f, "dbsize", "1007");
}

TEST_F(ClientsPythonTest, TransactionsAndWatch) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto f = run_script("transactions.py");
    ASSERT_FALSE(f.empty());
    expect_field(f, "multi_exec", R"([true,150,120,"120",2,["deposit","withdraw"]])");
    // WATCH, another client writes, EXEC fails with WatchError and applies
    // nothing.
    expect_field(f, "watch_seen", "10");
    expect_field(f, "other_set", "true");
    expect_field(f, "watch_conflict", "\"<WatchError> Watched variable changed.\"");
    expect_field(f, "stock_after_conflict", "\"3\"");
    expect_field(f, "exec_side_effect", "0");
    expect_field(f, "watch_no_conflict", R"([true,"2"])");
    expect_field(f, "stock_after_commit", "\"2\"");
    expect_field(f, "transaction_helper", "[true]");
    expect_field(f, "transaction_attempts", "[2,102]");
    expect_field(f, "stock_after_helper", "\"101\"");
    expect_field(f, "after_unwatch", "[8]");
    expect_field(f, "exec_with_error", R"([true,"<ResponseError> value is not an integer or out of range",2])");
    expect_field(f, "counter_after_exec_error", "\"2\"");
    expect_field(f, "execabort",
                 "\"<ResponseError> Command # 2 (NOSUCHCOMMAND) of pipeline caused error: "
                 "unknown command 'NOSUCHCOMMAND', with args beginning with: \"");
    expect_field(f, "aborted_exists", "0");
    expect_field(f, "manual_multi", "\"OK\"");
    expect_field(f, "manual_queued", "\"QUEUED\"");
    expect_field(f, "manual_discard", "\"OK\"");
    expect_field(f, "discarded_exists", "0");
    expect_field(f, "manual_exec", R"(["OK","QUEUED","QUEUED",[1,2]])");
    expect_field(f, "exec_without_multi", "\"<ResponseError> EXEC without MULTI\"");
    expect_field(f, "discard_without_multi", "\"<ResponseError> DISCARD without MULTI\"");
    expect_field(f, "ping_after", "true");
}

TEST_F(ClientsPythonTest, PubSubListener) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto f = run_script("pubsub.py");
    ASSERT_FALSE(f.empty());
    // redis-py puts a psubscribe's pattern in "channel", not "pattern".
    expect_field(f, "confirmations",
                 R"([["subscribe",null,"ch1",1],["subscribe",null,"news.tech",2],["psubscribe",null,"news.*",3]])");
    expect_field(f, "second_confirmation", R"(["subscribe",null,"ch1",1])");
    expect_field(f, "numsub", R"([["ch1",2],["news.tech",1],["nobody",0]])");
    expect_field(f, "numpat", "1");
    expect_field(f, "channels", R"(["ch1","news.tech"])");
    expect_field(f, "channels_pattern", R"(["news.tech"])");
    expect_field(f, "published", "[2,1,2,0,2,2]");
    const std::string binary = R"("\u0000\r\nbin\\xff\\x80payload")";
    expect_field(f, "received",
                 R"([["message",null,"ch1","first"],)"
                 R"(["pmessage","news.*","news.sport","goal"],)"
                 R"(["message",null,"news.tech","release"],)"
                 R"(["pmessage","news.*","news.tech","release"],)"
                 R"(["message",null,"ch1",)" + binary + "]," +
                 R"(["message",null,"ch1","last"]])");
    expect_field(f, "binary_payload_equal", "true");
    expect_field(f, "second_received",
                 R"([["message",null,"ch1","first"],["message",null,"ch1",)" + binary +
                 R"(],["message",null,"ch1","last"]])");
    expect_field(f, "nothing_more", "null");
    expect_field(f, "ping_while_subscribed", R"(["pong",null,null,""])");
    expect_field(f, "unsubscribe", R"(["unsubscribe",null,"ch1",2])");
    expect_field(f, "publish_after_unsubscribe", "1");
    expect_field(f, "second_after_unsubscribe", R"(["message",null,"ch1","only-second"])");
    expect_field(f, "publish_pattern_still", "1");
    expect_field(f, "pattern_still", R"(["pmessage","news.*","news.weather","rain"])");
    expect_field(f, "punsubscribe", R"(["punsubscribe",null,"news.*",1])");
    expect_field(f, "unsubscribe_all", R"(["unsubscribe",null,"news.tech",0])");
    expect_field(f, "numpat_after", "0");
    expect_field(f, "numsub_after", R"([["ch1",1],["news.tech",0]])");
    expect_field(f, "publish_after_all", "0");
    expect_field(f, "set_after", "true");
    expect_field(f, "get_after", "\"pubsub\"");
}

TEST_F(ClientsPythonTest, ConnectionNamesAndErrors) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto f = run_script("connection.py");
    ASSERT_FALSE(f.empty());
    expect_field(f, "getname_before", "null");
    expect_field(f, "setname", "true");
    expect_field(f, "getname", "\"py-client\"");
    expect_field(f, "client_id_is_int", "true");
    expect_field(f, "client_list_name", "\"py-client\"");
    expect_field(f, "client_info_name", "\"py-client\"");
    expect_field(f, "echo", R"("hello \r\n there")");
    expect_field(f, "ping", "true");
    expect_field(f, "unknown_command",
                 "\"<ResponseError> unknown command 'NOSUCHCOMMAND', with args beginning with: 'arg1' 'arg2' \"");
    expect_field(f, "wrong_arity", "\"<ResponseError> wrong number of arguments for 'get' command\"");
    expect_field(f, "set_after_error", "true");
    expect_field(f, "get_after_error", "\"working\"");
    expect_field(f, "getname_after_error", "\"py-client\"");
    expect_field(f, "id_unchanged", "true");
    expect_field(f, "db3_set", "true");
    expect_field(f, "db3_get", "\"yes\"");
    expect_field(f, "db0_get", "null");
    expect_field(f, "db3_dbsize", "1");
    expect_field(f, "name_at_connect", "\"named-at-connect\"");
    // redis-py 4.3.4 has no RESP3: Redis(protocol=3) is a TypeError.
    expect_field(f, "protocol3", "\"unsupported\"");
}

}  // namespace
}  // namespace testsupport
