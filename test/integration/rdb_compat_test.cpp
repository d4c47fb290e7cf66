// RDB files both ways against a real redis-server 7.0.15:
//
// (a) Redis writes: data of every type and size class (listpack, intset,
//     hashtable, skiplist, quicklist), with TTLs, in several databases, is
//     loaded into redis-server, SAVEd, and the file is loaded in-process
//     with rdb_load; every key, type, value, encoding and TTL must match
//     what redis-server reports.
// (b) We write: the same data built in-process is saved with rdb_save, and
//     a fresh redis-server (with deep payload sanitization) starts from the
//     file; what it reports must match what we hold. redis-check-rdb must
//     also accept the file.
// (c) The full circle: Redis's file loaded by us, saved by us, loaded by a
//     second redis-server, equals the first.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "protocol/reply_reader.h"
#include "server/database.h"
#include "server/hash_type.h"
#include "server/list_type.h"
#include "server/object.h"
#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/set_type.h"
#include "server/zset_type.h"
#include "test/support/paths.h"
#include "test/support/resp_client.h"
#include "test/support/run_process.h"
#include "test/support/server_process.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using server::Databases;
using server::Entry;
using server::ValueType;
using testsupport::RespClient;
using testsupport::ServerProcess;

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// --- the data ---------------------------------------------------------------

struct KeySpec {
    int db;
    std::string key;
    std::string type;                // TYPE's answer
    std::vector<std::string> items;  // string: {value}; hash: f, v, ...; zset: member, score, ...
    int64_t ttl_ms = -1;
};

std::vector<std::string> seq(const std::string& prefix, int n, int step = 1) {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i * step));
    return v;
}

std::vector<std::string> pairs_of(const std::string& f, const std::string& v, int n, size_t pad = 0) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(f + std::to_string(i));
        out.push_back(v + std::to_string(i) + std::string(pad, 'p'));
    }
    return out;
}

std::vector<std::string> zpairs(const std::string& prefix, int n, double scale, double offset) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(prefix + std::to_string(i));
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", i * scale + offset);
        out.push_back(buf);
    }
    return out;
}

std::vector<KeySpec> dataset() {
    std::mt19937_64 rng(2024);
    std::vector<KeySpec> d;
    // Strings: the integer, LZF and raw paths of both writers.
    d.push_back({0, "s:small", "string", {"hello"}});
    d.push_back({0, "s:empty", "string", {""}});
    for (const char* v : {"0", "-1", "127", "-129", "32768", "-2147483648", "2147483648", "9223372036854775807", "007", "-0", "1.5"})
        d.push_back({0, std::string("s:num:") + v, "string", {v}});
    std::string text;
    while (text.size() < 100000) text += "Lorem ipsum dolor sit amet, consectetur adipiscing elit " + std::to_string(text.size() % 97) + ". ";
    d.push_back({0, "s:compressible", "string", {text}});
    std::string noise(20000, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    d.push_back({0, "s:random", "string", {noise}});
    d.push_back({0, std::string("s:bin\0\xff\r\n", 9), "string", {std::string("\0\x01\x02\xff", 4)}});
    d.push_back({0, "s:21", "string", {std::string(21, 'x')}});

    // Lists: one listpack node, many nodes, elements bigger than a node.
    d.push_back({0, "l:small", "list", {"a", "b", "1", "300", "-5000", "", "1234567890123"}});
    std::vector<std::string> many;
    for (int i = 0; i < 10000; ++i) many.push_back(i % 5 == 0 ? std::to_string(i * 977) : "item:" + std::to_string(i) + std::string(static_cast<size_t>(i % 70), '.'));
    d.push_back({0, "l:large", "list", many});
    d.push_back({0, "l:bigelems", "list", {std::string(10000, 'A'), "s", std::string(100000, 'B'), "t"}});

    // Hashes: listpack up to 512 fields of up to 64 bytes, hashtable past.
    d.push_back({0, "h:small", "hash", {"f1", "v1", "f2", "22", "-3", "x"}});
    d.push_back({0, "h:512", "hash", pairs_of("field", "v", 512)});
    d.push_back({0, "h:513", "hash", pairs_of("field", "v", 513)});
    d.push_back({0, "h:64bytes", "hash", {"f", std::string(64, 'v')}});
    d.push_back({0, "h:65bytes", "hash", {"f", std::string(65, 'v')}});
    d.push_back({0, "h:large", "hash", pairs_of("k", "value-", 3000, 10)});

    // Sets: intsets of each width, 512 vs 513 integers, strings.
    d.push_back({0, "set:i16", "set", {"1", "2", "-3"}});
    d.push_back({0, "set:i32", "set", {"1", "100000"}});
    d.push_back({0, "set:i64", "set", {"5", "-9000000000", "9223372036854775807"}});
    d.push_back({0, "set:512", "set", seq("", 512, 7)});
    d.push_back({0, "set:513", "set", seq("", 513, 7)});
    d.push_back({0, "set:strings", "set", {"a", "b", "c", "17"}});
    d.push_back({0, "set:large", "set", seq("member:", 5000)});

    // Sorted sets: listpack up to 128 members of up to 64 bytes.
    d.push_back({0, "z:small", "zset", {"a", "1", "b", "2.5", "c", "-3", "d", "1e+300", "e", "0.1", "f", "inf", "g", "-inf", "h", "7", "i", "7"}});
    d.push_back({0, "z:128", "zset", zpairs("m", 128, 0.5, -10)});
    d.push_back({0, "z:129", "zset", zpairs("m", 129, 0.5, -10)});
    d.push_back({0, "z:longmember", "zset", {std::string(65, 'm'), "1.5", "x", "2"}});
    d.push_back({0, "z:large", "zset", zpairs("member", 3000, 1.0 / 3, 0)});

    // TTLs on every type, other databases.
    d.push_back({1, "ttl:s", "string", {"v"}, 3'600'000});
    d.push_back({1, "ttl:l", "list", {"a", "b"}, 7'200'000});
    d.push_back({1, "ttl:h", "hash", {"f", "v"}, 86'400'000});
    d.push_back({1, "ttl:set", "set", {"1", "2"}, 5'000'000});
    d.push_back({1, "ttl:z", "zset", {"m", "1"}, 9'000'000});
    d.push_back({1, "ttl:hbig", "hash", pairs_of("f", "v", 1000), 9'000'000});
    d.push_back({1, "no-ttl", "string", {"x"}});
    d.push_back({7, "db7", "string", {"seven"}});
    d.push_back({7, "db7:z", "zset", zpairs("z", 300, 2, 0), 100'000'000});
    d.push_back({15, "db15", "list", seq("", 100)});
    return d;
}

// --- a comparable picture ----------------------------------------------------

struct Observed {
    std::string type;
    std::string encoding;  // for non-strings
    std::vector<std::string> items;
    int64_t ttl_ms = -1;  // remaining
};
using Picture = std::map<std::pair<int, std::string>, Observed>;

std::string norm_score(std::string_view text) {
    const double d = std::strtod(std::string(text).c_str(), nullptr);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

// Puts items in a canonical order: hash pairs and set members sorted, zset
// scores normalized.
std::vector<std::string> canonical(const std::string& type, std::vector<std::string> items) {
    if (type == "hash") {
        std::vector<std::string> out;
        for (size_t i = 0; i + 1 < items.size(); i += 2) out.push_back(items[i] + '\0' + items[i + 1]);
        std::sort(out.begin(), out.end());
        return out;
    }
    if (type == "set") {
        std::sort(items.begin(), items.end());
        return items;
    }
    if (type == "zset") {
        std::vector<std::string> out;
        for (size_t i = 0; i + 1 < items.size(); i += 2) out.push_back(items[i] + '\0' + norm_score(items[i + 1]));
        return out;
    }
    return items;
}

Picture picture_of_spec(const std::vector<KeySpec>& spec) {
    Picture p;
    for (const KeySpec& k : spec) {
        Observed o;
        o.type = k.type;
        if (k.type == "zset") {
            // In score order, then member bytes, as a sorted set iterates.
            std::vector<std::pair<double, std::string>> v;
            for (size_t i = 0; i + 1 < k.items.size(); i += 2)
                v.push_back({std::strtod(k.items[i + 1].c_str(), nullptr), k.items[i]});
            std::sort(v.begin(), v.end());
            for (auto& [s, m] : v) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.17g", s);
                o.items.push_back(m + '\0' + buf);
            }
        } else {
            o.items = canonical(k.type, k.items);
        }
        o.ttl_ms = k.ttl_ms;
        p[{k.db, k.key}] = o;
    }
    return p;
}

// What a redis-server holds, read back through commands.
class Reader {
public:
    explicit Reader(int port) : client_(port, 20000ms) {}
    bool ok() const { return client_.ok(); }

    protocol::RespValue call(const std::vector<std::string>& args) {
        protocol::RespValue v;
        const std::string bytes = client_.command(args);
        if (protocol::decode_reply(bytes, v) <= 0) {
            ADD_FAILURE() << "bad reply to " << args[0] << ": " << bytes.substr(0, 200);
            return {};
        }
        return v;
    }
    std::vector<std::string> strings(const std::vector<std::string>& args) {
        std::vector<std::string> out;
        for (const auto& e : call(args).elems) out.push_back(e.str);
        return out;
    }

    Picture picture() {
        Picture p;
        for (int db = 0; db < 16; ++db) {
            call({"SELECT", std::to_string(db)});
            for (const std::string& key : strings({"KEYS", "*"})) {
                Observed o;
                o.type = call({"TYPE", key}).str;
                if (o.type == "string") {
                    o.items = {call({"GET", key}).str};
                } else {
                    o.encoding = call({"OBJECT", "ENCODING", key}).str;
                    if (o.type == "list") o.items = strings({"LRANGE", key, "0", "-1"});
                    else if (o.type == "hash") o.items = canonical("hash", strings({"HGETALL", key}));
                    else if (o.type == "set") o.items = canonical("set", strings({"SMEMBERS", key}));
                    else if (o.type == "zset") o.items = canonical("zset", strings({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
                }
                o.ttl_ms = call({"PTTL", key}).integer;
                if (o.ttl_ms < 0) o.ttl_ms = -1;
                p[{db, key}] = o;
            }
        }
        return p;
    }

    // Loads the spec with commands, pipelined.
    void load(const std::vector<KeySpec>& spec) {
        std::string batch;
        size_t pending = 0;
        auto send = [&](std::vector<std::string> args) {
            batch += testsupport::encode_command(args);
            ++pending;
            if (batch.size() > (1 << 20)) flush(batch, pending);
        };
        for (const KeySpec& k : spec) {
            send({"SELECT", std::to_string(k.db)});
            const size_t chunk = k.type == "hash" || k.type == "zset" ? 1000 : 500;
            for (size_t i = 0; i < k.items.size() || (k.items.empty() && i == 0); i += chunk) {
                std::vector<std::string> args;
                if (k.type == "string") args = {"SET", k.key};
                else if (k.type == "list") args = {"RPUSH", k.key};
                else if (k.type == "hash") args = {"HSET", k.key};
                else if (k.type == "set") args = {"SADD", k.key};
                else args = {"ZADD", k.key};
                for (size_t j = i; j < std::min(k.items.size(), i + chunk); j += (k.type == "zset" ? 2 : 1)) {
                    if (k.type == "zset") {
                        args.push_back(k.items[j + 1]);
                        args.push_back(k.items[j]);
                    } else {
                        args.push_back(k.items[j]);
                    }
                }
                send(args);
            }
            if (k.ttl_ms > 0) send({"PEXPIRE", k.key, std::to_string(k.ttl_ms)});
        }
        flush(batch, pending);
        call({"SELECT", "0"});
    }

private:
    void flush(std::string& batch, size_t& pending) {
        ASSERT_TRUE(client_.send_raw(batch)) << client_.error();
        for (const std::string& r : client_.read_replies(pending)) ASSERT_NE(r.substr(0, 1), "-") << r;
        batch.clear();
        pending = 0;
    }

    RespClient client_;
};

// What an in-process Databases holds, in the same form.
Picture picture_of(Databases& dbs, int64_t now_ms) {
    Picture p;
    for (int db = 0; db < Databases::kCount; ++db) {
        dbs.at(db).dict().for_each([&](const Entry* e) {
            Observed o;
            o.type = std::string(server::type_name(e->type));
            o.ttl_ms = e->has_expire ? e->expire_ms() - now_ms : -1;
            if (e->type == ValueType::kString) {
                o.items = {std::string(e->str())};
            } else {
                o.encoding = std::string(server::object_encoding(e->type, e->object()));
                switch (e->type) {
                case ValueType::kList: {
                    const auto& l = *static_cast<const server::List*>(e->object());
                    l.for_each(l.first(), l.size(), [&](std::string_view v) { o.items.emplace_back(v); });
                    break;
                }
                case ValueType::kHash: {
                    std::vector<std::string> flat;
                    static_cast<const server::HashObject*>(e->object())->for_each([&](std::string_view f, std::string_view v) {
                        flat.emplace_back(f);
                        flat.emplace_back(v);
                    });
                    o.items = canonical("hash", flat);
                    break;
                }
                case ValueType::kSet: {
                    static_cast<const server::SetObject*>(e->object())->for_each([&](const server::SetMember& m) {
                        char buf[server::kMemberTextSize];
                        o.items.emplace_back(server::member_text(m, buf));
                    });
                    o.items = canonical("set", o.items);
                    break;
                }
                case ValueType::kZSet:
                    static_cast<const server::ZSet*>(e->object())->for_each([&](std::string_view m, double s) {
                        char buf[64];
                        std::snprintf(buf, sizeof buf, "%.17g", s);
                        o.items.push_back(std::string(m) + '\0' + buf);
                    });
                    break;
                case ValueType::kString: break;
                }
            }
            p[{db, std::string(e->key())}] = o;
        });
    }
    return p;
}

// Builds the spec in-process with the value types' own APIs.
void build(Databases& dbs, const std::vector<KeySpec>& spec, int64_t now_ms) {
    for (const KeySpec& k : spec) {
        server::Database& db = dbs.at(k.db);
        Entry* e;
        if (k.type == "string") {
            e = db.set_string(k.key, k.items[0], false);
        } else if (k.type == "list") {
            auto* l = new server::List();
            for (const auto& v : k.items) l->push_back(v);
            e = db.add_object(k.key, ValueType::kList, l);
        } else if (k.type == "hash") {
            auto* h = new server::HashObject();
            for (size_t i = 0; i + 1 < k.items.size(); i += 2) h->set(k.items[i], k.items[i + 1]);
            e = db.add_object(k.key, ValueType::kHash, h);
        } else if (k.type == "set") {
            auto* s = new server::SetObject();
            for (const auto& v : k.items) s->add(std::string_view(v));
            e = db.add_object(k.key, ValueType::kSet, s);
        } else {
            auto* z = new server::ZSet();
            double ignored;
            for (size_t i = 0; i + 1 < k.items.size(); i += 2)
                z->add(k.items[i], std::strtod(k.items[i + 1].c_str(), nullptr), 0, ignored);
            e = db.add_object(k.key, ValueType::kZSet, z);
        }
        if (k.ttl_ms > 0) db.set_expire(e, now_ms + k.ttl_ms);
    }
}

std::string describe(const std::pair<int, std::string>& key) {
    std::string k = key.second.substr(0, 40);
    for (char& c : k)
        if (static_cast<unsigned char>(c) < 32) c = '?';
    return "db " + std::to_string(key.first) + " key '" + k + "'";
}

// Every key of `expected` in `actual` with the same type, items and (within
// a tolerance) TTL, and nothing more; encodings compared when both say.
void expect_same(const Picture& expected, const Picture& actual, const char* what, bool compare_encoding = true) {
    EXPECT_EQ(expected.size(), actual.size()) << what;
    for (const auto& [key, exp] : expected) {
        auto it = actual.find(key);
        if (it == actual.end()) {
            ADD_FAILURE() << what << ": missing " << describe(key);
            continue;
        }
        const Observed& act = it->second;
        EXPECT_EQ(act.type, exp.type) << what << ": " << describe(key);
        EXPECT_TRUE(act.items == exp.items) << what << ": " << describe(key) << " differs (" << act.items.size()
                                            << " vs " << exp.items.size() << " items)";
        if (compare_encoding && !exp.encoding.empty() && !act.encoding.empty()) {
            EXPECT_EQ(act.encoding, exp.encoding) << what << ": " << describe(key);
        }
        if (exp.ttl_ms < 0) {
            EXPECT_EQ(act.ttl_ms, -1) << what << ": " << describe(key);
        } else {
            EXPECT_NEAR(static_cast<double>(act.ttl_ms), static_cast<double>(exp.ttl_ms), 30000.0)
                << what << ": " << describe(key);
        }
    }
}

bool have_oracle() { return !testsupport::oracle_binary().empty() && ::access(testsupport::oracle_binary().c_str(), X_OK) == 0; }

class RdbCompatTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_oracle()) GTEST_SKIP() << "redis-server not found";
    }

    // Starts a redis-server that reads and writes <dir>/x.rdb.
    void start_redis(ServerProcess& server, const std::string& dir, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--dir", dir, "--dbfilename", "x.rdb"};
        args.insert(args.end(), extra.begin(), extra.end());
        ASSERT_TRUE(server.start(testsupport::oracle_options(args))) << server.error();
    }

    void expect_loaded_cleanly(ServerProcess& server) {
        const std::string log = server.read_log();
        EXPECT_NE(log.find("DB loaded from disk"), std::string::npos) << log;
        EXPECT_EQ(log.find("Corrupt"), std::string::npos) << log;
        EXPECT_EQ(log.find("Internal error in RDB"), std::string::npos) << log;
    }
};

TEST_F(RdbCompatTest, RedisWritesWeLoad) {
    const std::vector<KeySpec> spec = dataset();
    ServerProcess redis;
    ASSERT_NO_FATAL_FAILURE(start_redis(redis, "."));  // its own temporary directory
    Reader reader(redis.port());
    ASSERT_TRUE(reader.ok());
    ASSERT_NO_FATAL_FAILURE(reader.load(spec));
    ASSERT_EQ(reader.call({"SAVE"}).str, "OK");
    const Picture from_redis = reader.picture();
    expect_same(picture_of_spec(spec), from_redis, "redis vs the data set", false);

    const std::string path = redis.dir() + "/x.rdb";
    Databases dbs;
    const auto t0 = std::chrono::steady_clock::now();
    server::RdbLoadResult r = server::rdb_load(path, dbs, wall_ms());
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, spec.size());
    EXPECT_EQ(r.offset, fs::file_size(path));
    std::printf("loaded %zu keys (%ju bytes) written by redis-server in %lld us\n", r.keys,
                static_cast<uintmax_t>(r.offset), static_cast<long long>(us));
    expect_same(from_redis, picture_of(dbs, wall_ms()), "ours after loading redis's file");

    // The checker tool, when it is built, agrees.
    const std::string checker = testsupport::build_dir() + "/ringdis-check-rdb";
    if (::access(checker.c_str(), X_OK) == 0) {
        testsupport::RunResult run = testsupport::run_process({checker, path}, 20000ms);
        EXPECT_TRUE(run.status.success()) << run.output;
        EXPECT_EQ(run.output, "OK " + std::to_string(spec.size()) + " keys\n");
    }
}

TEST_F(RdbCompatTest, WeWriteRedisLoads) {
    const std::vector<KeySpec> spec = dataset();
    const int64_t now = wall_ms();
    Databases dbs;
    build(dbs, spec, now);
    // A key whose TTL has passed is not written.
    dbs.at(2).set_expire(dbs.at(2).set_string("already-expired", "x", false), now - 1000);
    const Picture ours = picture_of(dbs, now);
    expect_same(picture_of_spec(spec), [&] {
        Picture p = ours;
        p.erase({2, "already-expired"});
        return p;
    }(), "ours vs the data set", false);

    char tmpl[] = "/tmp/ringdis-rdbw-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    std::string error;
    ASSERT_TRUE(server::rdb_save(dbs, dir + "/x.rdb", now, error)) << error;

    const std::string checker = testsupport::find_program("redis-check-rdb");
    if (!checker.empty()) {
        testsupport::RunResult run = testsupport::run_process({checker, dir + "/x.rdb"}, 60000ms);
        EXPECT_TRUE(run.status.success()) << run.output;
        EXPECT_NE(run.output.find("RDB looks OK"), std::string::npos) << run.output;
    }

    {
        ServerProcess redis;
        ASSERT_NO_FATAL_FAILURE(
            start_redis(redis, dir, {"--sanitize-dump-payload", "yes", "--enable-debug-command", "yes"}));
        expect_loaded_cleanly(redis);
        Reader reader(redis.port());
        ASSERT_TRUE(reader.ok());
        Picture in_redis = reader.picture();
        Picture expected = ours;
        expected.erase({2, "already-expired"});
        expect_same(expected, in_redis, "redis after loading our file");
        EXPECT_EQ(in_redis.count({2, "already-expired"}), 0u);
        // And Redis can save it again: its writer agrees with its loader.
        EXPECT_EQ(reader.call({"SAVE"}).str, "OK");
        EXPECT_EQ(reader.call({"DEBUG", "RELOAD"}).str, "OK");
        expect_same(expected, reader.picture(), "redis after DEBUG RELOAD");
    }
    fs::remove_all(dir);
}

TEST_F(RdbCompatTest, FullCircleRedisUsRedis) {
    const std::vector<KeySpec> spec = dataset();
    ServerProcess first;
    ASSERT_NO_FATAL_FAILURE(start_redis(first, "."));
    Reader r1(first.port());
    ASSERT_TRUE(r1.ok());
    ASSERT_NO_FATAL_FAILURE(r1.load(spec));
    ASSERT_EQ(r1.call({"SAVE"}).str, "OK");
    const Picture original = r1.picture();

    Databases dbs;
    server::RdbLoadResult r = server::rdb_load(first.dir() + "/x.rdb", dbs, wall_ms());
    ASSERT_TRUE(r.ok) << r.error;

    char tmpl[] = "/tmp/ringdis-rdbc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    std::string error;
    ASSERT_TRUE(server::rdb_save_atomic(dbs, dir + "/x.rdb", wall_ms(), error)) << error;
    {
        ServerProcess second;
        ASSERT_NO_FATAL_FAILURE(start_redis(second, dir, {"--sanitize-dump-payload", "yes"}));
        expect_loaded_cleanly(second);
        Reader r2(second.port());
        ASSERT_TRUE(r2.ok());
        expect_same(original, r2.picture(), "second redis vs the first");
    }
    fs::remove_all(dir);
}

}  // namespace
