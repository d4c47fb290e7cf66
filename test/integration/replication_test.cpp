// Replication end to end, between real processes on 127.0.0.1: ringdis as
// master and as replica, and stock redis-server on the other side of each,
// so that both directions of the wire protocol are checked against the
// implementation that defines it. Every test starts its own servers, each
// in its own temporary directory, and compares whole datasets (every
// database, every key, its type, value and TTL) rather than a few keys.
//
// Nothing here asserts on time: conditions are polled with generous
// deadlines. Stock masters run with --repl-diskless-sync-delay 0 (Redis
// waits 5 s by default for more replicas to share the transfer).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "protocol/reply_reader.h"
#include "test/support/bytes_text.h"
#include "test/support/paths.h"
#include "test/support/resp_client.h"
#include "test/support/run_process.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::RespValue;
using std::chrono::milliseconds;

constexpr auto kPatience = std::chrono::seconds(20);
constexpr auto kPollEvery = milliseconds(20);
constexpr int kDatabases = 16;
// Keys whose TTL is below this may be seen on one side of a comparison and
// already expired on the other; they are not counted as differences.
constexpr int64_t kAboutToExpireMs = 2000;
// Two reads of the same deadline, one on each server, may differ by this
// much (the reads are not at the same instant).
constexpr int64_t kTtlToleranceMs = 2000;

// ------------------------------------------------------------------ basics

// Polls `condition` every 20 ms until it holds or `patience` has passed.
bool wait_until(const std::function<bool()>& condition, Clock::duration patience = kPatience) {
    const auto deadline = Clock::now() + patience;
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(kPollEvery);
    }
}

int64_t wall_ms() {
    return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string join(const std::vector<std::string>& args) {
    std::string out;
    for (const std::string& a : args) {
        if (!out.empty()) out += ' ';
        out += escape_bytes(a, 60);
    }
    return out;
}

RespValue decode(const std::string& bytes) {
    RespValue v;
    if (protocol::decode_reply(bytes, v) <= 0) {
        v = RespValue{};
        v.kind = RespValue::Kind::kError;
        v.str = "<not a reply: " + escape_bytes(bytes, 200) + ">";
    }
    return v;
}

RespValue call(RespClient& c, const std::vector<std::string>& args) { return decode(c.command(args)); }

bool is_error_reply(const std::string& reply) { return reply.empty() || reply[0] == '-' || reply[0] == '<'; }

// A write that must succeed (any reply but an error).
void must(RespClient& c, const std::vector<std::string>& args) {
    std::string reply = c.command(args);
    EXPECT_FALSE(is_error_reply(reply)) << join(args) << " -> " << escape_bytes(reply);
}

// Sends every command at once, then reads every reply.
std::vector<std::string> pipeline(RespClient& c, const std::vector<std::vector<std::string>>& commands) {
    std::string bytes;
    for (const auto& args : commands) bytes += encode_command(args);
    if (!c.send_raw(bytes)) return std::vector<std::string>(commands.size(), "<send failed>");
    return c.read_replies(commands.size());
}

using Fields = std::map<std::string, std::string>;

// INFO <section> as field -> value.
Fields info(RespClient& c, const std::string& section) {
    Fields out;
    std::istringstream in(call(c, {"INFO", section}).str);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        out[line.substr(0, colon)] = line.substr(colon + 1);
    }
    return out;
}

// A numeric INFO field; INT64_MIN when it is missing.
int64_t info_number(RespClient& c, const std::string& section, const std::string& field) {
    Fields f = info(c, section);
    auto it = f.find(field);
    return it == f.end() ? INT64_MIN : std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string info_text(const Fields& f) {
    std::string out;
    for (const auto& [k, v] : f) out += k + ":" + v + "\n";
    return out;
}

std::vector<std::string> replicaof(int port) { return {"--replicaof", "127.0.0.1", std::to_string(port)}; }

bool have_redis() {
    const std::string redis = oracle_binary();
    return !redis.empty() && ::access(redis.c_str(), X_OK) == 0;
}

// A stock redis-server master: no 5 s wait before a diskless transfer.
ServerOptions redis_master_options() { return oracle_options({"--repl-diskless-sync-delay", "0"}); }

std::string random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& ch : s) ch = static_cast<char>(rng() & 0xff);
    return s;
}

// ------------------------------------------------------------------ data

// Keys write_rich_dataset() writes, and how many mutate_rich_dataset()
// leaves (it deletes one).
constexpr size_t kRichKeys = 24;
constexpr size_t kRichKeysMutated = kRichKeys - 1;

// Data of every type and encoding, in several databases, some with TTLs.
// `tag` prefixes every key, so that phases of a test write distinct keys.
void write_rich_dataset(RespClient& c, const std::string& tag, size_t big_value_bytes) {
    const std::string t = tag + ":";
    std::string all_bytes;
    for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
    all_bytes += "\r\n$3\r\n*1\r\n";

    must(c, {"SELECT", "0"});
    must(c, {"SET", t + "str", "hello world"});
    must(c, {"SET", t + "int", "-9876543210"});
    must(c, {"SET", t + "empty", ""});
    must(c, {"SET", t + "binary", all_bytes});
    must(c, {"SET", t + all_bytes, "a key of every byte"});
    must(c, {"SET", t + "big", random_bytes(big_value_bytes, 7)});
    must(c, {"SET", t + "ttl-ex", "expires", "EX", "1000"});
    must(c, {"SET", t + "ttl-px", "expires too", "PX", "2500000"});

    must(c, {"RPUSH", t + "list-small", "a", "b", "3", all_bytes});
    std::vector<std::string> list = {"RPUSH", t + "list-big"};
    for (int i = 0; i < 2000; ++i) list.push_back(i % 3 == 0 ? std::to_string(i * 1000003) : "item-" + std::to_string(i));
    list.push_back(random_bytes(70 * 1024, 11));
    must(c, list);
    must(c, {"RPUSH", t + "list-ttl", "x", "y"});
    must(c, {"PEXPIRE", t + "list-ttl", "900000"});

    must(c, {"HSET", t + "hash-small", "f1", "v1", "f2", "", all_bytes, all_bytes});
    std::vector<std::string> hash = {"HSET", t + "hash-big"};
    for (int i = 0; i < 300; ++i) {
        hash.push_back("field-" + std::to_string(i));
        hash.push_back(i % 2 == 0 ? std::to_string(i) : "value-" + std::to_string(i));
    }
    must(c, hash);
    must(c, {"HSET", t + "hash-ttl", "a", "1"});
    must(c, {"PEXPIREAT", t + "hash-ttl", std::to_string(wall_ms() + 3600 * 1000)});

    std::vector<std::string> ints = {"SADD", t + "set-int"};
    for (int i = -50; i < 200; ++i) ints.push_back(std::to_string(i * 7));
    must(c, ints);
    must(c, {"SADD", t + "set-small", "a", "b", "c", all_bytes});
    std::vector<std::string> set = {"SADD", t + "set-big"};
    for (int i = 0; i < 600; ++i) set.push_back("member-" + std::to_string(i));
    must(c, set);

    must(c, {"ZADD", t + "zset-small", "1.5", "a", "-2", "b", "0", "c", "inf", "d", "-inf", "e", "3.25", all_bytes});
    std::vector<std::string> zset = {"ZADD", t + "zset-big"};
    for (int i = 0; i < 400; ++i) {
        zset.push_back(std::to_string(i % 50) + "." + std::to_string(i % 8) + "125");
        zset.push_back("m" + std::to_string(i));
    }
    must(c, zset);

    must(c, {"SELECT", "1"});
    must(c, {"SET", t + "db1-str", "in db 1"});
    must(c, {"ZADD", t + "db1-zset", "1", "one", "2", "two"});
    must(c, {"SELECT", "9"});
    must(c, {"HSET", t + "db9-hash", "k", "v", "k2", "v2"});
    must(c, {"EXPIRE", t + "db9-hash", "5000"});
    must(c, {"SELECT", "15"});
    must(c, {"RPUSH", t + "db15-list", "z", "y", "x"});
    must(c, {"SADD", t + "db15-set", "1", "2", "three"});
    must(c, {"SELECT", "0"});
}

// Changes to the keys write_rich_dataset(`tag`) wrote.
void mutate_rich_dataset(RespClient& c, const std::string& tag) {
    const std::string t = tag + ":";
    must(c, {"SELECT", "0"});
    must(c, {"APPEND", t + "str", "!"});
    must(c, {"INCRBY", t + "int", "10"});
    must(c, {"LPUSH", t + "list-big", "new-head"});
    must(c, {"LTRIM", t + "list-small", "1", "-1"});
    must(c, {"HDEL", t + "hash-big", "field-3", "field-4"});
    must(c, {"HSET", t + "hash-small", "f3", "v3"});
    must(c, {"SREM", t + "set-big", "member-10"});
    must(c, {"SADD", t + "set-int", "not-an-int"});  // leaves the intset encoding
    must(c, {"ZINCRBY", t + "zset-big", "2.5", "m7"});
    must(c, {"ZREM", t + "zset-small", "b"});
    must(c, {"DEL", t + "empty"});
    must(c, {"PERSIST", t + "ttl-px"});
    must(c, {"EXPIRE", t + "str", "3000"});
    must(c, {"SELECT", "15"});
    must(c, {"RPOP", t + "db15-list"});
    must(c, {"SELECT", "0"});
}

// Commands whose replication is not the command itself (relative
// expiry, random choices, float results), a transaction, and a FLUSHDB.
void write_effects(RespClient& c) {
    must(c, {"SELECT", "0"});
    must(c, {"SET", "fx:ex", "v", "EX", "100"});
    must(c, {"SETEX", "fx:setex", "200", "v"});
    must(c, {"PSETEX", "fx:psetex", "300000", "v"});
    must(c, {"SET", "fx:keepttl", "old", "EX", "400"});
    must(c, {"SET", "fx:keepttl", "new", "KEEPTTL"});
    must(c, {"SET", "fx:expire", "v"});
    must(c, {"EXPIRE", "fx:expire", "500"});
    must(c, {"SET", "fx:pexpire", "v"});
    must(c, {"PEXPIRE", "fx:pexpire", "600000"});
    must(c, {"SET", "fx:gone", "v"});
    must(c, {"EXPIRE", "fx:gone", "-1"});  // deletes
    must(c, {"SET", "fx:gone2", "v"});
    must(c, {"PEXPIREAT", "fx:gone2", "1000"});  // in the past: deletes
    must(c, {"SET", "fx:float", "10.5"});
    for (int i = 0; i < 3; ++i) must(c, {"INCRBYFLOAT", "fx:float", "0.1"});
    must(c, {"INCRBYFLOAT", "fx:newfloat", "3.0e3"});
    must(c, {"SET", "fx:float-ttl", "1.5", "EX", "700"});
    must(c, {"INCRBYFLOAT", "fx:float-ttl", "2.25"});
    must(c, {"HINCRBYFLOAT", "fx:hfloat", "f", "1.1"});
    must(c, {"HINCRBYFLOAT", "fx:hfloat", "f", "2.2"});
    must(c, {"SADD", "fx:spop", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
    must(c, {"SPOP", "fx:spop", "2"});
    must(c, {"SPOP", "fx:spop"});
    must(c, {"SADD", "fx:spop-all", "1", "2", "3"});
    must(c, {"SPOP", "fx:spop-all", "5"});  // takes every member: the key goes
    must(c, {"SET", "fx:getex", "v"});
    must(c, {"GETEX", "fx:getex", "PX", "5000"});
    must(c, {"SET", "fx:getex-persist", "v", "EX", "800"});
    must(c, {"GETEX", "fx:getex-persist", "PERSIST"});
    must(c, {"SET", "fx:getex-ex", "v"});
    must(c, {"GETEX", "fx:getex-ex", "EX", "900"});
    must(c, {"RPUSH", "fx:src", "1", "2", "3"});
    must(c, {"LMOVE", "fx:src", "fx:dst", "LEFT", "RIGHT"});
    must(c, {"SET", "fx:renamed-from", "v", "EX", "1000"});
    must(c, {"RENAME", "fx:renamed-from", "fx:renamed-to"});
    must(c, {"COPY", "fx:renamed-to", "fx:copy"});
    must(c, {"ZADD", "fx:zpop", "1", "a", "2", "b", "3", "c"});
    must(c, {"ZPOPMIN", "fx:zpop"});

    std::vector<std::string> replies = pipeline(c, {{"MULTI"},
                                                    {"SET", "fx:m1", "1"},
                                                    {"INCR", "fx:m1"},
                                                    {"LPUSH", "fx:ml", "a", "b"},
                                                    {"SET", "fx:mex", "v", "EX", "100"},
                                                    {"SPOP", "fx:spop"},
                                                    {"INCRBYFLOAT", "fx:float", "1.75"},
                                                    {"EXPIRE", "fx:ml", "1000"},
                                                    {"EXEC"}});
    EXPECT_EQ(replies.back().substr(0, 4), "*7\r\n") << escape_bytes(replies.back());

    must(c, {"SELECT", "3"});
    must(c, {"SET", "fx:flushed", "v"});
    must(c, {"HSET", "fx:flushed-hash", "a", "b"});
    must(c, {"FLUSHDB"});
    must(c, {"SET", "fx:after-flush", "v"});
    must(c, {"SELECT", "4"});
    must(c, {"SET", "fx:db4-kept", "v"});
    must(c, {"MOVE", "fx:db4-kept", "5"});
    must(c, {"SELECT", "0"});
}

// ------------------------------------------------------------------ datasets

struct KeyState {
    std::string type;
    std::vector<std::string> value;  // canonical: sets and hashes sorted
    int64_t pttl = -1;
    int64_t deadline = -1;  // wall-clock ms estimated from PTTL; -1: none
};
using Dataset = std::map<std::pair<int, std::string>, KeyState>;

std::string canonical_score(const std::string& text) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", std::strtod(text.c_str(), nullptr));
    return buf;
}

std::vector<std::string> strings_of(const RespValue& v) {
    std::vector<std::string> out;
    for (const RespValue& e : v.elems) out.push_back(e.str);
    return out;
}

// Every key of every database of the server on `port`, read with SCAN
// and pipelined reads. `error` is set when a reply was not what it must be.
Dataset read_dataset(int port, std::string& error) {
    Dataset out;
    RespClient c(port, milliseconds(20000));
    if (!c.ok()) {
        error = "cannot connect to port " + std::to_string(port) + ": " + c.error();
        return out;
    }
    for (int db = 0; db < kDatabases; ++db) {
        if (c.command({"SELECT", std::to_string(db)}) != "+OK\r\n") {
            error = "SELECT " + std::to_string(db) + " failed";
            return out;
        }
        std::set<std::string> keys;
        std::string cursor = "0";
        do {
            RespValue page = call(c, {"SCAN", cursor, "COUNT", "1000"});
            if (page.kind != RespValue::Kind::kArray || page.elems.size() != 2) {
                error = "bad SCAN reply on port " + std::to_string(port);
                return out;
            }
            cursor = page.elems[0].str;
            for (const RespValue& k : page.elems[1].elems) keys.insert(k.str);
        } while (cursor != "0");

        const std::vector<std::string> names(keys.begin(), keys.end());
        constexpr size_t kBatch = 256;
        for (size_t from = 0; from < names.size(); from += kBatch) {
            const size_t to = std::min(names.size(), from + kBatch);
            std::vector<std::vector<std::string>> types;
            for (size_t i = from; i < to; ++i) types.push_back({"TYPE", names[i]});
            std::vector<std::string> type_replies = pipeline(c, types);
            std::vector<std::vector<std::string>> reads;
            for (size_t i = from; i < to; ++i) {
                const std::string type = decode(type_replies[i - from]).str;
                const std::string& k = names[i];
                if (type == "string") reads.push_back({"GET", k});
                else if (type == "list") reads.push_back({"LRANGE", k, "0", "-1"});
                else if (type == "hash") reads.push_back({"HGETALL", k});
                else if (type == "set") reads.push_back({"SMEMBERS", k});
                else if (type == "zset") reads.push_back({"ZRANGE", k, "0", "-1", "WITHSCORES"});
                else reads.push_back({"TYPE", k});  // "none" (expired meanwhile) or unknown
                reads.push_back({"PTTL", k});
            }
            std::vector<std::string> replies = pipeline(c, reads);
            const int64_t now = wall_ms();
            for (size_t i = from; i < to; ++i) {
                KeyState st;
                st.type = decode(type_replies[i - from]).str;
                const RespValue value = decode(replies[2 * (i - from)]);
                const RespValue pttl = decode(replies[2 * (i - from) + 1]);
                if (st.type == "none" || pttl.integer == -2) continue;  // expired between SCAN and now
                if (value.kind == RespValue::Kind::kError || pttl.kind != RespValue::Kind::kInteger) {
                    error = "reading " + escape_bytes(names[i], 80) + " failed: " + value.str + pttl.str;
                    return out;
                }
                if (st.type == "string") {
                    st.value = {value.str};
                } else if (st.type == "list") {
                    st.value = strings_of(value);
                } else if (st.type == "set") {
                    st.value = strings_of(value);
                    std::sort(st.value.begin(), st.value.end());
                } else if (st.type == "hash") {
                    // field and value, length-prefixed so no byte is ambiguous
                    for (size_t j = 0; j + 1 < value.elems.size(); j += 2) {
                        const std::string& f = value.elems[j].str;
                        st.value.push_back(std::to_string(f.size()) + ":" + f + "=" + value.elems[j + 1].str);
                    }
                    std::sort(st.value.begin(), st.value.end());
                } else if (st.type == "zset") {
                    for (size_t j = 0; j + 1 < value.elems.size(); j += 2) {
                        st.value.push_back(value.elems[j].str);
                        st.value.push_back(canonical_score(value.elems[j + 1].str));
                    }
                } else {
                    st.value = {"<type " + st.type + ">"};
                }
                st.pttl = pttl.integer;
                st.deadline = st.pttl >= 0 ? now + st.pttl : -1;
                out[{db, names[i]}] = std::move(st);
            }
        }
    }
    return out;
}

std::string describe_key(const std::pair<int, std::string>& key) {
    return "db " + std::to_string(key.first) + " key \"" + escape_bytes(key.second, 80) + "\"";
}

// Where two values first differ, for a failure message.
std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i] != b[i]) {
            return "element " + std::to_string(i) + ": \"" + escape_bytes(a[i], 100) + "\" vs \"" +
                   escape_bytes(b[i], 100) + "\"";
        }
    }
    return std::to_string(a.size()) + " elements vs " + std::to_string(b.size());
}

// Both servers hold the same data: the same keys in every database, each
// of the same type, with the same value, and with a TTL on both or on
// neither (the same deadline, within kTtlToleranceMs). Returns how many
// keys were compared, so that a caller can check the comparison was not
// vacuous.
size_t expect_same_dataset(int port_a, int port_b) {
    std::string error_a, error_b;
    const Dataset a = read_dataset(port_a, error_a);
    const Dataset b = read_dataset(port_b, error_b);
    EXPECT_EQ(error_a, "") << "port " << port_a;
    EXPECT_EQ(error_b, "") << "port " << port_b;
    const std::string names = "port " + std::to_string(port_a) + " vs port " + std::to_string(port_b);
    int reported = 0;
    auto report = [&](const std::string& what) {
        if (++reported <= 15) ADD_FAILURE() << names << ": " << what;
    };
    size_t compared = 0;
    for (const auto& [key, sa] : a) {
        auto it = b.find(key);
        if (it == b.end()) {
            if (sa.pttl < 0 || sa.pttl > kAboutToExpireMs) report(describe_key(key) + " is missing on the second");
            continue;
        }
        const KeyState& sb = it->second;
        ++compared;
        if (sa.type != sb.type) {
            report(describe_key(key) + ": type " + sa.type + " vs " + sb.type);
            continue;
        }
        if (sa.value != sb.value) report(describe_key(key) + " (" + sa.type + "): " + first_difference(sa.value, sb.value));
        if ((sa.pttl < 0) != (sb.pttl < 0)) {
            report(describe_key(key) + ": PTTL " + std::to_string(sa.pttl) + " vs " + std::to_string(sb.pttl));
        } else if (sa.pttl >= 0 && std::llabs(sa.deadline - sb.deadline) > kTtlToleranceMs) {
            report(describe_key(key) + ": deadlines " + std::to_string(sa.deadline) + " vs " +
                   std::to_string(sb.deadline) + " (PTTL " + std::to_string(sa.pttl) + " vs " +
                   std::to_string(sb.pttl) + ")");
        }
    }
    for (const auto& [key, sb] : b) {
        if (a.count(key) == 0 && (sb.pttl < 0 || sb.pttl > kAboutToExpireMs))
            report(describe_key(key) + " is only on the second");
    }
    if (reported > 15) ADD_FAILURE() << names << ": " << (reported - 15) << " more differences";
    return compared;
}

// The shape of a reply with its numbers left out: kinds, lengths and
// texts, so that replies of two setups (other ports, other offsets) can
// be compared.
std::string shape(const RespValue& v) {
    switch (v.kind) {
    case RespValue::Kind::kInteger: return ":#";
    case RespValue::Kind::kBulk: {
        const bool digits = !v.str.empty() && std::all_of(v.str.begin(), v.str.end(), [](char ch) {
            return ch >= '0' && ch <= '9';
        });
        return digits ? "$#" : "$'" + v.str + "'";
    }
    case RespValue::Kind::kArray: {
        std::string out = "*" + std::to_string(v.elems.size()) + "[";
        for (size_t i = 0; i < v.elems.size(); ++i) out += (i ? "," : "") + shape(v.elems[i]);
        return out + "]";
    }
    case RespValue::Kind::kSimple: return "+" + v.str;
    case RespValue::Kind::kError: return "-" + v.str;
    default: return "?";
    }
}

// INFO replication's field names, and the names inside slaveN's value
// ("slave0{ip,port,state,offset,lag}").
std::set<std::string> info_field_names(const Fields& f) {
    std::set<std::string> names;
    for (const auto& [k, v] : f) {
        if (k.rfind("slave", 0) == 0 && k.size() > 5 && std::isdigit(static_cast<unsigned char>(k[5]))) {
            std::string inner;
            std::istringstream parts(v);
            std::string part;
            while (std::getline(parts, part, ',')) inner += (inner.empty() ? "" : ",") + part.substr(0, part.find('='));
            names.insert(k + "{" + inner + "}");
        } else {
            names.insert(k);
        }
    }
    return names;
}

std::string names_text(const std::set<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += n + " ";
    return out;
}

// ------------------------------------------------------------------ sync state

// Waits until the replica's link is up and it has applied everything
// the master had written when this was called.
::testing::AssertionResult caught_up(int master_port, int replica_port) {
    RespClient m(master_port);
    RespClient r(replica_port);
    const int64_t target = info_number(m, "replication", "master_repl_offset");
    Fields last;
    const bool ok = wait_until([&] {
        last = info(r, "replication");
        return last["master_link_status"] == "up" &&
               std::strtoll(last["slave_repl_offset"].c_str(), nullptr, 10) >= target;
    });
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "replica on port " << replica_port << " did not reach offset "
                                         << target << " of the master on port " << master_port
                                         << "; its INFO replication:\n"
                                         << info_text(last);
}

::testing::AssertionResult link_up(int replica_port) {
    RespClient r(replica_port);
    Fields last;
    if (wait_until([&] {
            last = info(r, "replication");
            return last["master_link_status"] == "up";
        }))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "replica on port " << replica_port
                                         << " never linked; INFO replication:\n"
                                         << info_text(last);
}

// The master's full and partial sync counters (INFO stats).
struct SyncCounts {
    int64_t full = 0;
    int64_t partial_ok = 0;
};
SyncCounts sync_counts(int master_port) {
    RespClient c(master_port);
    Fields f = info(c, "stats");
    return {std::strtoll(f["sync_full"].c_str(), nullptr, 10), std::strtoll(f["sync_partial_ok"].c_str(), nullptr, 10)};
}

// ------------------------------------------------------------------ raw replica

// Appends to `got` what arrives on `fd` within `wait`; false once the peer
// has closed.
bool receive_some(int fd, std::string& got, milliseconds wait) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return true;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<size_t>(n));
    return true;
}

// Reads from `fd` until `complete(got)` holds; false past 20 s or when the
// peer closes first.
bool receive_until(int fd, std::string& got, const std::function<bool(const std::string&)>& complete) {
    const auto deadline = Clock::now() + kPatience;
    while (!complete(got)) {
        if (Clock::now() >= deadline || !receive_some(fd, got, milliseconds(50))) return false;
    }
    return true;
}

// A full sync as a replica receives it: "+FULLRESYNC <replid> <offset>"
// (not for SYNC), then the snapshot as "$<length>" or "$EOF:<mark>" ...
// "<mark>", then the stream.
struct Transfer {
    bool complete = false;
    std::string replid;
    int64_t offset = -1;
    bool eof_form = false;
    std::string rdb;
    std::string stream;  // what followed the snapshot
};

// Parses `bytes` (after the replies that came before) as a transfer.
Transfer parse_transfer(const std::string& bytes, bool expect_fullresync) {
    Transfer t;
    size_t pos = 0;
    auto line = [&](std::string& out) {
        size_t end = bytes.find("\r\n", pos);
        if (end == std::string::npos) return false;
        out = bytes.substr(pos, end - pos);
        pos = end + 2;
        return true;
    };
    std::string text;
    if (expect_fullresync) {
        if (!line(text)) return t;
        std::istringstream words(text);
        std::string word;
        words >> word >> t.replid >> t.offset;
        if (word != "+FULLRESYNC") return t;
    }
    if (!line(text) || text.empty() || text[0] != '$') return t;
    if (text.rfind("$EOF:", 0) == 0) {
        t.eof_form = true;
        const std::string mark = text.substr(5);
        const size_t end = bytes.find(mark, pos);
        if (mark.size() != 40 || end == std::string::npos) return t;
        t.rdb = bytes.substr(pos, end - pos);
        t.stream = bytes.substr(end + mark.size());
    } else {
        const auto len = static_cast<size_t>(std::strtoull(text.c_str() + 1, nullptr, 10));
        if (bytes.size() - pos < len) return t;
        t.rdb = bytes.substr(pos, len);
        t.stream = bytes.substr(pos + len);
    }
    t.complete = true;
    return t;
}

// An RDB file as Redis writes it: the magic, and the EOF opcode before
// the 8-byte checksum at the end.
bool looks_like_rdb(const std::string& rdb) {
    return rdb.size() > 18 && rdb.compare(0, 5, "REDIS") == 0 && static_cast<unsigned char>(rdb[rdb.size() - 9]) == 0xff;
}

// ------------------------------------------------------------------ writer

// Writes numbered keys into database `db` from a thread of its own, with
// a connection of its own, until stopped: each round is a SET of
// "bg:<n>", and every few rounds also a list push, a hash field, a sorted
// set member, a counter increment and a key with a TTL. acked() counts the
// rounds whose replies all came back without an error.
class NumberedWriter {
public:
    NumberedWriter(int port, int db) : thread_([this, port, db] { run(port, db); }) {}
    ~NumberedWriter() { stop(); }
    NumberedWriter(const NumberedWriter&) = delete;
    NumberedWriter& operator=(const NumberedWriter&) = delete;

    uint64_t acked() const { return acked_; }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    // Only after stop().
    const std::string& error() const { return error_; }

private:
    void run(int port, int db) {
        RespClient c(port, milliseconds(20000));
        if (!c.ok() || c.command({"SELECT", std::to_string(db)}) != "+OK\r\n") {
            error_ = "writer: cannot connect or SELECT: " + c.error();
            return;
        }
        for (uint64_t i = 0; !stop_ && i < 1000000; ++i) {
            const std::string n = std::to_string(i);
            std::vector<std::vector<std::string>> round = {{"SET", "bg:" + n, "value-" + n}};
            if (i % 10 == 0) round.push_back({"RPUSH", "bg:list", n});
            if (i % 7 == 0) round.push_back({"HSET", "bg:hash", "f" + n, n});
            if (i % 5 == 0) round.push_back({"ZADD", "bg:zset", n, "m" + n});
            if (i % 3 == 0) round.push_back({"INCR", "bg:counter"});
            if (i % 11 == 0) round.push_back({"SET", "bg:ttl:" + n, n, "EX", "1000"});
            for (const std::string& reply : pipeline(c, round)) {
                if (is_error_reply(reply)) {
                    error_ = "writer: round " + n + " got " + escape_bytes(reply);
                    return;
                }
            }
            acked_ = i + 1;
        }
    }

    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> acked_{0};
    std::string error_;
    std::thread thread_;  // last: starts once the rest is constructed
};

// ------------------------------------------------------------------ fixture

class ReplicationTest : public ::testing::Test {
protected:
    void TearDown() override {
        for (const Named& s : servers_) {
            if (!s.redis && !s.process->dir().empty()) {
                EXPECT_EQ(s.process->sanitizer_findings(), "") << s.name;
            }
        }
        if (HasFailure()) {
            for (const Named& s : servers_) {
                if (s.process->dir().empty()) continue;
                std::printf("--- %s log (%s):\n%s\n---\n", s.name.c_str(), s.process->log_path().c_str(),
                            s.process->log_tail(3000).c_str());
            }
        }
    }

    // Starts a server; nullptr (and a failure) when it did not come up.
    ServerProcess* launch(const std::string& name, const ServerOptions& options) {
        servers_.push_back({name, options.oracle && options.binary == oracle_binary(), std::make_unique<ServerProcess>()});
        ServerProcess* p = servers_.back().process.get();
        if (!p->start(options)) {
            ADD_FAILURE() << name << ": " << p->error();
            return nullptr;
        }
        return p;
    }
    ServerProcess* ringdis(const std::string& name, std::vector<std::string> args = {}) {
        return launch(name, ringdis_options(std::move(args)));
    }

    // A master with data of every type, then a replica that attaches while
    // a writer keeps writing, then more writes through the live stream:
    // everything must arrive, and the datasets must be equal.
    void full_sync_scenario(ServerProcess& master, const ServerOptions& replica_options) {
        RespClient mc(master.port(), milliseconds(20000));
        ASSERT_TRUE(mc.ok()) << mc.error();
        write_rich_dataset(mc, "pre", 1536 * 1024);

        NumberedWriter writer(master.port(), 2);
        ASSERT_TRUE(wait_until([&] { return writer.acked() >= 100; })) << "the writer does not write";
        const uint64_t before_attach = writer.acked();
        ServerProcess* replica = launch("replica", replica_options);
        ASSERT_NE(replica, nullptr);
        ASSERT_TRUE(link_up(replica->port()));
        const uint64_t at_link_up = writer.acked();
        // The writer did not stop while the replica connected and synced:
        // those writes went into the snapshot or into the stream.
        EXPECT_GT(at_link_up, before_attach);
        ASSERT_TRUE(wait_until([&] { return writer.acked() >= at_link_up + 200; }));
        writer.stop();
        ASSERT_EQ(writer.error(), "");
        const uint64_t written = writer.acked();

        write_rich_dataset(mc, "post", 600 * 1024);
        mutate_rich_dataset(mc, "pre");
        ASSERT_TRUE(caught_up(master.port(), replica->port()));

        // The writer's first and last keys, and its counter, spelled out.
        RespClient rc(replica->port());
        const std::string last = std::to_string(written - 1);
        EXPECT_EQ(rc.command({"SELECT", "2"}), "+OK\r\n");
        EXPECT_EQ(rc.command({"GET", "bg:0"}), "$7\r\nvalue-0\r\n");
        EXPECT_EQ(rc.command({"GET", "bg:" + last}), "$" + std::to_string(6 + last.size()) + "\r\nvalue-" + last + "\r\n");
        const std::string counter = std::to_string((written + 2) / 3);
        EXPECT_EQ(rc.command({"GET", "bg:counter"}), "$" + std::to_string(counter.size()) + "\r\n" + counter + "\r\n");
        // bg:<n> for every round, bg:ttl:<n> for every 11th, the list, hash,
        // zset and counter, and the two rich datasets.
        const size_t compared = expect_same_dataset(master.port(), replica->port());
        EXPECT_EQ(compared, written + (written + 10) / 11 + 4 + kRichKeysMutated + kRichKeys);
    }

    // A replica saved by SHUTDOWN SAVE, started again on the same
    // directory (by `restart`) while the master took writes, continues from
    // its snapshot's offset: a partial sync, no full one, and equal data.
    void restart_continues(ServerProcess& master, ServerProcess& replica,
                           const std::function<ServerProcess*(const std::string& dir)>& restart) {
        RespClient mc(master.port());
        write_rich_dataset(mc, "pre", 200 * 1024);
        ASSERT_TRUE(caught_up(master.port(), replica.port()));
        const SyncCounts before = sync_counts(master.port());
        EXPECT_EQ(before.full, 1);

        {
            RespClient r(replica.port());
            ASSERT_TRUE(r.send_raw(encode_command({"SHUTDOWN", "SAVE"})));
            EXPECT_TRUE(r.read_until_closed(milliseconds(20000)).closed);
        }
        ASSERT_TRUE(wait_until([&] { return !replica.running(); })) << "the replica did not exit";
        EXPECT_TRUE(replica.exit_status().success()) << replica.exit_status().describe();
        struct stat st {};
        ASSERT_EQ(::stat((replica.dir() + "/dump.rdb").c_str(), &st), 0) << "no snapshot in " << replica.dir();

        // Writes while the replica is down: they must come from the backlog.
        write_rich_dataset(mc, "down", 50 * 1024);
        mutate_rich_dataset(mc, "pre");

        ServerProcess* again = restart(replica.dir());
        ASSERT_NE(again, nullptr);
        ASSERT_TRUE(caught_up(master.port(), again->port()));
        const SyncCounts after = sync_counts(master.port());
        EXPECT_EQ(after.partial_ok, before.partial_ok + 1);
        EXPECT_EQ(after.full, before.full);
        EXPECT_EQ(expect_same_dataset(master.port(), again->port()), kRichKeysMutated + kRichKeys);
    }

    struct Named {
        std::string name;
        bool redis;
        std::unique_ptr<ServerProcess> process;
    };
    std::vector<Named> servers_;
};

#define REQUIRE_REDIS()                                                              \
    do {                                                                             \
        if (!have_redis()) GTEST_SKIP() << "redis-server is not installed";          \
    } while (0)

// ------------------------------------------------------------------ the comparison

// expect_same_dataset() itself: equal data passes, and each kind of
// difference is reported, naming its key.
TEST_F(ReplicationTest, DatasetComparisonReportsEveryKindOfDifference) {
    ServerProcess* a = ringdis("a");
    ServerProcess* b = ringdis("b");
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    RespClient ca(a->port()), cb(b->port());
    write_rich_dataset(ca, "pre", 100 * 1024);
    write_rich_dataset(cb, "pre", 100 * 1024);
    EXPECT_EQ(expect_same_dataset(a->port(), b->port()), kRichKeys);

    must(cb, {"APPEND", "pre:str", "!"});                 // a value
    must(cb, {"DEL", "pre:int"});                         // a key only on the first
    must(ca, {"SET", "pre:only-a", "1"});                 // ... and another
    must(cb, {"PERSIST", "pre:ttl-ex"});                  // a TTL on one side only
    must(cb, {"PEXPIRE", "pre:list-ttl", "100000"});      // another deadline
    must(cb, {"ZINCRBY", "pre:zset-small", "0.5", "a"});  // a score
    must(cb, {"HSET", "pre:hash-small", "f1", "other"});  // a field's value
    must(cb, {"SELECT", "15"});
    must(cb, {"DEL", "pre:db15-set"});
    must(cb, {"RPUSH", "pre:db15-set", "1"});  // a type, in another database
    must(cb, {"SELECT", "0"});
    ::testing::TestPartResultArray failures;
    {
        ::testing::ScopedFakeTestPartResultReporter intercept(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        expect_same_dataset(a->port(), b->port());
    }
    std::string all;
    for (int i = 0; i < failures.size(); ++i) all += std::string(failures.GetTestPartResult(i).message()) + "\n";
    EXPECT_EQ(failures.size(), 8) << all;
    for (const char* key : {"pre:str\"", "pre:int\" is missing", "pre:only-a\" is missing", "pre:ttl-ex\": PTTL",
                            "pre:list-ttl\": deadlines", "pre:zset-small\" (zset)", "pre:hash-small\" (hash)",
                            "db 15 key \"pre:db15-set\": type set vs list"}) {
        EXPECT_NE(all.find(key), std::string::npos) << key << " not in:\n" << all;
    }
}

// ------------------------------------------------------------------ full sync

TEST_F(ReplicationTest, RingdisMasterRingdisReplicaFullSyncWithWritesDuring) {
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ASSERT_NO_FATAL_FAILURE(full_sync_scenario(*master, ringdis_options(replicaof(master->port()))));
    RespClient mc(master->port());
    EXPECT_EQ(info_number(mc, "stats", "sync_full"), 1);
}

TEST_F(ReplicationTest, RingdisMasterRedisReplica) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ASSERT_NO_FATAL_FAILURE(full_sync_scenario(*master, oracle_options(replicaof(master->port()))));
}

TEST_F(ReplicationTest, RedisMasterRingdisReplica) {
    REQUIRE_REDIS();
    ServerProcess* master = launch("redis master", redis_master_options());
    ASSERT_NE(master, nullptr);
    ASSERT_NO_FATAL_FAILURE(full_sync_scenario(*master, ringdis_options(replicaof(master->port()))));
    // Then what Redis propagates for the commands it rewrites (SET PXAT,
    // PEXPIREAT, SREM for SPOP, SET KEEPTTL, MULTI/EXEC) applies alike.
    RespClient mc(master->port());
    write_effects(mc);
    const int replica_port = servers_.back().process->port();
    ASSERT_TRUE(caught_up(master->port(), replica_port));
    expect_same_dataset(master->port(), replica_port);
}

// ------------------------------------------------------------------ the transfer itself

// What a replica that did not announce `capa eof` receives: the snapshot
// with its length, then the stream, whose bytes are exactly the offsets
// the master counts; its ACK is what INFO and WAIT report.
TEST_F(ReplicationTest, RawReplicaGetsLengthFormThenTheStream) {
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    RespClient mc(master->port());
    write_rich_dataset(mc, "pre", 300 * 1024);

    RespClient raw(master->port());
    ASSERT_TRUE(raw.send_raw(encode_command({"REPLCONF", "listening-port", "4321"}) +
                             encode_command({"REPLCONF", "capa", "psync2"}) + encode_command({"PSYNC", "?", "-1"})));
    std::string got;
    ASSERT_TRUE(receive_until(raw.fd(), got, [](const std::string& g) {
        return g.rfind("+OK\r\n+OK\r\n", 0) == 0 && parse_transfer(g.substr(10), true).complete;
    })) << escape_bytes(got, 300);
    Transfer t = parse_transfer(got.substr(10), true);
    EXPECT_FALSE(t.eof_form);
    EXPECT_EQ(t.replid, info(mc, "replication")["master_replid"]);
    EXPECT_TRUE(looks_like_rdb(t.rdb)) << escape_bytes(t.rdb.substr(0, 40));
    EXPECT_GT(t.rdb.size(), 300u * 1024);

    must(mc, {"SELECT", "4"});
    must(mc, {"SET", "after", "1"});
    const std::string set_after = encode_command({"SET", "after", "1"});
    const std::string select4 = encode_command({"SELECT", "4"});
    std::string stream = t.stream;
    ASSERT_TRUE(receive_until(raw.fd(), stream, [&](const std::string& g) { return g.find(set_after) != std::string::npos; }))
        << escape_bytes(stream);
    EXPECT_LT(stream.find(select4), stream.find(set_after)) << escape_bytes(stream);
    // Every byte since the snapshot counts, PINGs included.
    int64_t master_offset = -1;
    ASSERT_TRUE(wait_until([&] {
        receive_some(raw.fd(), stream, milliseconds(0));
        master_offset = info_number(mc, "replication", "master_repl_offset");
        return master_offset == t.offset + static_cast<int64_t>(stream.size());
    })) << "master at " << master_offset << ", snapshot at " << t.offset << " + " << stream.size() << " bytes";

    ASSERT_TRUE(raw.send_raw(encode_command({"REPLCONF", "ACK", std::to_string(master_offset)})));
    const std::string expected = "ip=127.0.0.1,port=4321,state=online,offset=" + std::to_string(master_offset) + ",";
    Fields last;
    EXPECT_TRUE(wait_until([&] {
        last = info(mc, "replication");
        return last["slave0"].rfind(expected, 0) == 0;
    })) << info_text(last);
    RespClient waiter(master->port());
    EXPECT_EQ(waiter.command({"WAIT", "1", "5000"}), ":1\r\n");
}

// With `capa eof` the snapshot comes between two copies of a 40-byte
// mark, and the stream starts once the replica has sent its first ACK.
TEST_F(ReplicationTest, RawReplicaGetsEofFormAndTheStreamAfterItsAck) {
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    RespClient mc(master->port());
    write_rich_dataset(mc, "pre", 100 * 1024);
    RespClient raw(master->port());
    ASSERT_TRUE(raw.send_raw(encode_command({"REPLCONF", "capa", "eof", "capa", "psync2"}) +
                             encode_command({"PSYNC", "?", "-1"})));
    std::string got;
    ASSERT_TRUE(receive_until(raw.fd(), got, [](const std::string& g) {
        return g.rfind("+OK\r\n", 0) == 0 && parse_transfer(g.substr(5), true).complete;
    })) << escape_bytes(got, 300);
    const Transfer t = parse_transfer(got.substr(5), true);
    EXPECT_TRUE(t.eof_form);
    EXPECT_TRUE(looks_like_rdb(t.rdb)) << escape_bytes(t.rdb.substr(0, 40));
    must(mc, {"SET", "after", "eof"});
    std::string stream = t.stream;
    const std::string set_after = encode_command({"SET", "after", "eof"});
    // A replica ACKs every second; the master counts the first ACK that
    // comes after it has seen the transfer end (as Redis's does), so one
    // sent at once may be too early: ACK until the stream comes.
    EXPECT_TRUE(wait_until([&] {
        if (!raw.send_raw(encode_command({"REPLCONF", "ACK", std::to_string(t.offset)}))) return false;
        receive_some(raw.fd(), stream, milliseconds(100));
        return stream.find(set_after) != std::string::npos;
    })) << escape_bytes(stream);
}

// SYNC, the pre-PSYNC form that redis-cli --rdb and --replica still send,
// gets the snapshot's "$" line first: no +FULLRESYNC line, as Redis.
TEST_F(ReplicationTest, LegacySyncGetsNoFullresyncLine) {
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    RespClient mc(master->port());
    must(mc, {"SET", "k", "v"});
    RespClient raw(master->port());
    ASSERT_TRUE(raw.send_raw(encode_command({"SYNC"})));
    std::string got;
    ASSERT_TRUE(receive_until(raw.fd(), got, [](const std::string& g) {
        return !g.empty() && (g[0] != '$' || parse_transfer(g, false).complete);
    })) << escape_bytes(got, 300);
    EXPECT_EQ(got.substr(0, 1), "$") << escape_bytes(got, 100);
    const Transfer t = parse_transfer(got, false);
    EXPECT_TRUE(t.complete);
    EXPECT_TRUE(looks_like_rdb(t.rdb)) << escape_bytes(t.rdb.substr(0, 40));
}

// redis-cli --rdb fetches a snapshot through SYNC; stock redis-server
// loads it and holds the master's data.
TEST_F(ReplicationTest, RedisCliRdbSnapshotLoadsIntoRedis) {
    REQUIRE_REDIS();
    const std::string cli = find_program("redis-cli");
    if (cli.empty()) GTEST_SKIP() << "redis-cli is not installed";
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    RespClient mc(master->port());
    write_rich_dataset(mc, "pre", 500 * 1024);
    const std::string file = master->dir() + "/fetched.rdb";
    RunResult r = run_process({cli, "-h", "127.0.0.1", "-p", std::to_string(master->port()), "--rdb", file}, kPatience);
    ASSERT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    ServerProcess* loaded = launch("redis loading the file", oracle_options({"--dir", master->dir(), "--dbfilename", "fetched.rdb"}));
    ASSERT_NE(loaded, nullptr);
    EXPECT_EQ(expect_same_dataset(master->port(), loaded->port()), kRichKeys);
}

// A stock master that saves to disk first sends the snapshot with its
// length (and bare newlines while it saves).
TEST_F(ReplicationTest, RedisDiskMasterToRingdisReplica) {
    REQUIRE_REDIS();
    ServerProcess* master = launch("redis master", oracle_options({"--repl-diskless-sync", "no"}));
    ASSERT_NE(master, nullptr);
    RespClient mc(master->port());
    write_rich_dataset(mc, "pre", 1024 * 1024);
    ServerProcess* replica = ringdis("replica", replicaof(master->port()));
    ASSERT_NE(replica, nullptr);
    ASSERT_TRUE(caught_up(master->port(), replica->port()));
    mutate_rich_dataset(mc, "pre");
    ASSERT_TRUE(caught_up(master->port(), replica->port()));
    EXPECT_EQ(expect_same_dataset(master->port(), replica->port()), kRichKeysMutated);
}

// ------------------------------------------------------------------ partial resync

TEST_F(ReplicationTest, RingdisReplicaRestartedFromItsSnapshotContinues) {
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* replica = ringdis("replica", replicaof(master->port()));
    ASSERT_NE(replica, nullptr);
    const int master_port = master->port();
    restart_continues(*master, *replica, [&](const std::string& dir) {
        std::vector<std::string> args = {"--dir", dir};
        for (const std::string& a : replicaof(master_port)) args.push_back(a);
        return ringdis("restarted replica", args);
    });
}

TEST_F(ReplicationTest, RedisReplicaRestartedFromItsSnapshotContinues) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* replica = launch("redis replica", oracle_options(replicaof(master->port())));
    ASSERT_NE(replica, nullptr);
    const int master_port = master->port();
    restart_continues(*master, *replica, [&](const std::string& dir) {
        // The later --dir wins over the one the oracle's flags give.
        std::vector<std::string> args = {"--dir", dir};
        for (const std::string& a : replicaof(master_port)) args.push_back(a);
        return launch("restarted redis replica", oracle_options(args));
    });
}

TEST_F(ReplicationTest, KilledMasterLinkReconnectsWithContinue) {
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* replica = ringdis("replica", replicaof(master->port()));
    ASSERT_NE(replica, nullptr);
    RespClient mc(master->port());
    write_rich_dataset(mc, "pre", 100 * 1024);
    ASSERT_TRUE(caught_up(master->port(), replica->port()));
    const SyncCounts before = sync_counts(master->port());

    RespClient rc(replica->port());
    EXPECT_EQ(rc.command({"CLIENT", "KILL", "TYPE", "master"}), ":1\r\n");
    write_rich_dataset(mc, "while-down", 10 * 1024);
    ASSERT_TRUE(wait_until([&] { return sync_counts(master->port()).partial_ok > before.partial_ok; }))
        << "the replica did not come back with PSYNC";
    ASSERT_TRUE(caught_up(master->port(), replica->port()));
    const SyncCounts after = sync_counts(master->port());
    EXPECT_EQ(after.partial_ok, before.partial_ok + 1);
    EXPECT_EQ(after.full, before.full);
    EXPECT_EQ(expect_same_dataset(master->port(), replica->port()), 2 * kRichKeys);
}

// ------------------------------------------------------------------ WAIT

TEST_F(ReplicationTest, WaitCountsAcknowledgingReplicas) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* r1 = ringdis("replica 1", replicaof(master->port()));
    ServerProcess* r2 = ringdis("replica 2", replicaof(master->port()));
    ASSERT_NE(r1, nullptr);
    ASSERT_NE(r2, nullptr);
    ASSERT_TRUE(caught_up(master->port(), r1->port()));
    ASSERT_TRUE(caught_up(master->port(), r2->port()));

    RespClient mc(master->port(), milliseconds(20000));
    EXPECT_EQ(mc.command({"SET", "w", "1"}), "+OK\r\n");
    EXPECT_EQ(mc.command({"WAIT", "2", "5000"}), ":2\r\n");
    EXPECT_EQ(mc.command({"SET", "w", "2"}), "+OK\r\n");
    EXPECT_EQ(mc.command({"WAIT", "3", "300"}), ":2\r\n");
    EXPECT_EQ(mc.command({"WAIT", "0", "0"}), ":2\r\n");

    // A stock replica answers our GETACK too.
    ServerProcess* r3 = launch("redis replica", oracle_options(replicaof(master->port())));
    ASSERT_NE(r3, nullptr);
    ASSERT_TRUE(caught_up(master->port(), r3->port()));
    EXPECT_EQ(mc.command({"INCR", "w"}), ":3\r\n");
    EXPECT_EQ(mc.command({"WAIT", "3", "5000"}), ":3\r\n");

    // WAIT on a replica: Redis's error, byte for byte.
    RespClient on_ringdis(r1->port());
    RespClient on_redis(r3->port());
    const std::string redis_error = on_redis.command({"WAIT", "1", "100"});
    EXPECT_EQ(redis_error.substr(0, 5), "-ERR ");
    EXPECT_EQ(on_ringdis.command({"WAIT", "1", "100"}), redis_error);
}

// ------------------------------------------------------------------ replica semantics

TEST_F(ReplicationTest, ReplicaRepliesAsRedisDoes) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* replica = ringdis("replica", replicaof(master->port()));
    ASSERT_NE(replica, nullptr);
    ServerProcess* redis_master = launch("redis master", redis_master_options());
    ASSERT_NE(redis_master, nullptr);
    ServerProcess* redis_replica = launch("redis replica", oracle_options(replicaof(redis_master->port())));
    ASSERT_NE(redis_replica, nullptr);
    RespClient m(master->port()), r(replica->port()), om(redis_master->port()), orr(redis_replica->port());
    EXPECT_EQ(m.command({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(om.command({"SET", "k", "v"}), "+OK\r\n");
    ASSERT_TRUE(caught_up(master->port(), replica->port()));
    ASSERT_TRUE(caught_up(redis_master->port(), redis_replica->port()));
    // The masters list a replica in ROLE once it is online; wait for both.
    ASSERT_TRUE(wait_until([&] { return call(m, {"ROLE"}).elems.size() == 3 && call(m, {"ROLE"}).elems[2].elems.size() == 1; }));
    ASSERT_TRUE(wait_until([&] { return call(om, {"ROLE"}).elems.size() == 3 && call(om, {"ROLE"}).elems[2].elems.size() == 1; }));

    // Writes: refused with the very bytes Redis sends; reads still work.
    const std::string readonly = "-READONLY You can't write against a read only replica.\r\n";
    EXPECT_EQ(orr.command({"SET", "k", "other"}), readonly);
    EXPECT_EQ(r.command({"SET", "k", "other"}), readonly);
    EXPECT_EQ(r.command({"LPUSH", "l", "x"}), orr.command({"LPUSH", "l", "x"}));
    EXPECT_EQ(r.command({"GET", "k"}), "$1\r\nv\r\n");
    EXPECT_EQ(r.command({"GET", "k"}), orr.command({"GET", "k"}));

    // ROLE: the same shape as Redis's in the same setup, and our numbers.
    const RespValue role_m = call(m, {"ROLE"});
    const RespValue role_r = call(r, {"ROLE"});
    EXPECT_EQ(shape(role_m), shape(call(om, {"ROLE"})));
    EXPECT_EQ(shape(role_r), shape(call(orr, {"ROLE"})));
    EXPECT_EQ(shape(role_m), "*3[$'master',:#,*1[*3[$'127.0.0.1',$#,$#]]]");
    EXPECT_EQ(shape(role_r), "*5[$'slave',$'127.0.0.1',:#,$'connected',:#]");
    ASSERT_EQ(role_m.elems.size(), 3u);
    ASSERT_EQ(role_m.elems[2].elems.size(), 1u);
    ASSERT_EQ(role_m.elems[2].elems[0].elems.size(), 3u);
    EXPECT_EQ(role_m.elems[2].elems[0].elems[1].str, std::to_string(replica->port()));
    ASSERT_EQ(role_r.elems.size(), 5u);
    EXPECT_EQ(role_r.elems[2].integer, master->port());

    // INFO replication: the fields Redis has, in both roles.
    const Fields info_m = info(m, "replication");
    const Fields info_r = info(r, "replication");
    EXPECT_EQ(names_text(info_field_names(info_m)), names_text(info_field_names(info(om, "replication"))));
    EXPECT_EQ(names_text(info_field_names(info_r)), names_text(info_field_names(info(orr, "replication"))));
    EXPECT_EQ(info_m.at("role"), "master");
    EXPECT_EQ(info_m.at("connected_slaves"), "1");
    const std::string slave0 = info_m.count("slave0") ? info_m.at("slave0") : "";
    EXPECT_EQ(slave0.rfind("ip=127.0.0.1,port=" + std::to_string(replica->port()) + ",state=online,offset=", 0), 0u)
        << slave0;
    EXPECT_EQ(info_m.at("master_replid").size(), 40u);
    EXPECT_EQ(info_r.at("role"), "slave");
    EXPECT_EQ(info_r.at("master_host"), "127.0.0.1");
    EXPECT_EQ(info_r.at("master_port"), std::to_string(master->port()));
    EXPECT_EQ(info_r.at("master_link_status"), "up");
    EXPECT_EQ(info_r.at("master_replid"), info_m.at("master_replid"));
}

TEST_F(ReplicationTest, ReplicaofNoOnePromotesAndPeersContinue) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("old master");
    ASSERT_NE(master, nullptr);
    ServerProcess* a = ringdis("replica a", replicaof(master->port()));
    ServerProcess* b = ringdis("replica b", replicaof(master->port()));
    ServerProcess* c = launch("redis replica c", oracle_options(replicaof(master->port())));
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    ASSERT_NE(c, nullptr);
    {
        RespClient mc(master->port());
        write_rich_dataset(mc, "pre", 100 * 1024);
    }
    for (ServerProcess* r : {a, b, c}) {
        ASSERT_TRUE(caught_up(master->port(), r->port()));
    }
    // The old master fails; the replicas keep what they have.
    master->stop();
    RespClient ra(a->port()), rb(b->port()), rcl(c->port());
    ASSERT_TRUE(wait_until([&] { return info(ra, "replication")["master_link_status"] == "down"; }));
    // Promote the one that is furthest along (they are normally equal).
    int64_t offset_a = info_number(ra, "replication", "master_repl_offset");
    int64_t offset_b = info_number(rb, "replication", "master_repl_offset");
    if (offset_b > offset_a) {
        std::swap(a, b);
        std::swap(ra, rb);
        std::swap(offset_a, offset_b);
    }
    ASSERT_LE(info_number(rcl, "replication", "master_repl_offset"), offset_a);

    const Fields before = info(ra, "replication");
    EXPECT_EQ(ra.command({"SET", "k", "v"}), "-READONLY You can't write against a read only replica.\r\n");
    EXPECT_EQ(ra.command({"REPLICAOF", "NO", "ONE"}), "+OK\r\n");
    EXPECT_EQ(ra.command({"SET", "promoted", "yes"}), "+OK\r\n");
    const Fields after = info(ra, "replication");
    EXPECT_EQ(after.at("role"), "master");
    EXPECT_NE(after.at("master_replid"), before.at("master_replid"));
    EXPECT_EQ(after.at("master_replid2"), before.at("master_replid"));
    EXPECT_EQ(after.at("second_repl_offset"), std::to_string(offset_a + 1));
    EXPECT_EQ(call(ra, {"ROLE"}).elems[0].str, "master");

    // The other replicas of the old master continue from the promoted one.
    EXPECT_EQ(rb.command({"REPLICAOF", "127.0.0.1", std::to_string(a->port())}), "+OK\r\n");
    EXPECT_EQ(rcl.command({"REPLICAOF", "127.0.0.1", std::to_string(a->port())}), "+OK\r\n");
    ASSERT_TRUE(caught_up(a->port(), b->port()));
    ASSERT_TRUE(caught_up(a->port(), c->port()));
    const SyncCounts counts = sync_counts(a->port());
    EXPECT_EQ(counts.partial_ok, 2);
    EXPECT_EQ(counts.full, 0);
    {
        RespClient ma(a->port());
        write_rich_dataset(ma, "post", 10 * 1024);
    }
    ASSERT_TRUE(caught_up(a->port(), b->port()));
    ASSERT_TRUE(caught_up(a->port(), c->port()));
    EXPECT_EQ(rb.command({"GET", "promoted"}), "$3\r\nyes\r\n");
    EXPECT_EQ(info(rb, "replication")["master_replid"], after.at("master_replid"));
    EXPECT_EQ(expect_same_dataset(a->port(), b->port()), 2 * kRichKeys + 1);
    EXPECT_EQ(expect_same_dataset(a->port(), c->port()), 2 * kRichKeys + 1);
}

// ------------------------------------------------------------------ effects

TEST_F(ReplicationTest, RewrittenEffectsLeaveReplicasEqual) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* ours = ringdis("replica", replicaof(master->port()));
    ServerProcess* theirs = launch("redis replica", oracle_options(replicaof(master->port())));
    ASSERT_NE(ours, nullptr);
    ASSERT_NE(theirs, nullptr);
    ASSERT_TRUE(caught_up(master->port(), ours->port()));
    ASSERT_TRUE(caught_up(master->port(), theirs->port()));

    RespClient mc(master->port());
    write_effects(mc);
    ASSERT_TRUE(caught_up(master->port(), ours->port()));
    ASSERT_TRUE(caught_up(master->port(), theirs->port()));
    for (ServerProcess* r : {ours, theirs}) {
        SCOPED_TRACE(r == ours ? "ringdis replica" : "redis replica");
        RespClient rc(r->port());
        // The deletions happened, the FLUSHDB emptied database 3 only.
        EXPECT_EQ(rc.command({"EXISTS", "fx:gone", "fx:gone2", "fx:spop-all"}), ":0\r\n");
        EXPECT_EQ(rc.command({"SELECT", "3"}), "+OK\r\n");
        EXPECT_EQ(rc.command({"DBSIZE"}), ":1\r\n");
        EXPECT_EQ(rc.command({"SELECT", "5"}), "+OK\r\n");
        EXPECT_EQ(rc.command({"GET", "fx:db4-kept"}), "$1\r\nv\r\n");
        EXPECT_EQ(rc.command({"SELECT", "0"}), "+OK\r\n");
        EXPECT_EQ(rc.command({"SCARD", "fx:spop"}), ":6\r\n");
        EXPECT_EQ(rc.command({"GET", "fx:m1"}), "$1\r\n2\r\n");
        EXPECT_EQ(rc.command({"GET", "fx:keepttl"}), "$3\r\nnew\r\n");
        EXPECT_EQ(rc.command({"GET", "fx:float"}), mc.command({"GET", "fx:float"}));
        EXPECT_EQ(rc.command({"PEXPIRETIME", "fx:ex"}), mc.command({"PEXPIRETIME", "fx:ex"}));
        EXPECT_EQ(rc.command({"PEXPIRETIME", "fx:getex"}), mc.command({"PEXPIRETIME", "fx:getex"}));
        EXPECT_EQ(rc.command({"TTL", "fx:getex-persist"}), ":-1\r\n");
        EXPECT_EQ(expect_same_dataset(master->port(), r->port()), 24u);  // every fx: key left
    }
}

// A key that expires on the master is deleted on its replicas too (Redis
// replicas never expire keys themselves; they wait for the master's DEL).
TEST_F(ReplicationTest, KeysExpiredOnTheMasterAreDeletedOnReplicas) {
    REQUIRE_REDIS();
    ServerProcess* master = ringdis("master");
    ASSERT_NE(master, nullptr);
    ServerProcess* theirs = launch("redis replica", oracle_options(replicaof(master->port())));
    ASSERT_NE(theirs, nullptr);
    ASSERT_TRUE(caught_up(master->port(), theirs->port()));
    RespClient mc(master->port());
    must(mc, {"SET", "stays", "v"});
    for (int i = 0; i < 20; ++i) must(mc, {"SET", "short:" + std::to_string(i), "v", "PX", "100"});
    must(mc, {"SELECT", "6"});
    must(mc, {"RPUSH", "short:list", "v"});
    must(mc, {"PEXPIRE", "short:list", "100"});
    must(mc, {"SELECT", "0"});
    ASSERT_TRUE(caught_up(master->port(), theirs->port()));
    // The master's active expiry removes them...
    ASSERT_TRUE(wait_until([&] { return mc.command({"DBSIZE"}) == ":1\r\n"; }));
    // ...and the replica's key count follows (it counts keys that are
    // logically expired until the master's DEL arrives).
    RespClient rc(theirs->port());
    EXPECT_TRUE(wait_until([&] { return rc.command({"DBSIZE"}) == ":1\r\n"; })) << rc.command({"DBSIZE"});
    EXPECT_EQ(rc.command({"SELECT", "6"}), "+OK\r\n");
    EXPECT_TRUE(wait_until([&] { return rc.command({"DBSIZE"}) == ":0\r\n"; })) << rc.command({"DBSIZE"});
}

}  // namespace
}  // namespace testsupport
