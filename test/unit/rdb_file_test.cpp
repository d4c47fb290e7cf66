// Whole RDB files: every type and encoding size class saved and loaded
// back, TTLs, Redis-made samples, the old encodings, and corrupt, truncated
// or unsupported files refused with the file name and the byte offset,
// leaving the databases empty.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "server/crc64.h"
#include "server/database.h"
#include "server/hash_type.h"
#include "server/list_type.h"
#include "server/listpack.h"
#include "server/object.h"
#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/set_type.h"
#include "server/zset_type.h"

namespace server {
namespace {

namespace fs = std::filesystem;

std::string unhex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

std::string hex(std::string_view s) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
    }
    return out;
}

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "ringdis-rdb-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// --- a comparable picture of a dataset -----------------------------------

struct KeyState {
    std::string type;
    std::string encoding;
    std::vector<std::string> items;
    int64_t expire_ms = -1;
    bool operator==(const KeyState&) const = default;
};
using Snapshot = std::map<std::pair<int, std::string>, KeyState>;

std::string score_text(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

KeyState state_of(const Entry* e) {
    KeyState s;
    s.type = std::string(type_name(e->type));
    s.expire_ms = e->expire_ms();
    if (e->type == ValueType::kString) {
        s.encoding = "string";
        s.items.emplace_back(e->str());
        return s;
    }
    s.encoding = std::string(object_encoding(e->type, e->object()));
    switch (e->type) {
    case ValueType::kList: {
        const auto& l = *static_cast<const List*>(e->object());
        if (!l.empty()) l.for_each(l.first(), l.size(), [&](std::string_view v) { s.items.emplace_back(v); });
        break;
    }
    case ValueType::kHash:
        static_cast<const HashObject*>(e->object())->for_each([&](std::string_view f, std::string_view v) {
            s.items.push_back(std::string(f) + '\0' + std::string(v));
        });
        std::sort(s.items.begin(), s.items.end());
        break;
    case ValueType::kSet:
        static_cast<const SetObject*>(e->object())->for_each([&](const SetMember& m) {
            char buf[kMemberTextSize];
            s.items.emplace_back(member_text(m, buf));
        });
        std::sort(s.items.begin(), s.items.end());
        break;
    case ValueType::kZSet:
        static_cast<const ZSet*>(e->object())->for_each([&](std::string_view m, double score) {
            s.items.push_back(std::string(m) + '\0' + score_text(score));
        });
        break;
    case ValueType::kString: break;
    }
    return s;
}

Snapshot snapshot(Databases& dbs) {
    Snapshot snap;
    for (int i = 0; i < Databases::kCount; ++i)
        dbs.at(i).dict().for_each([&](const Entry* e) { snap[{i, std::string(e->key())}] = state_of(e); });
    return snap;
}

size_t total_keys(Databases& dbs) {
    size_t n = 0;
    for (int i = 0; i < Databases::kCount; ++i) n += dbs.at(i).size();
    return n;
}

// --- building datasets ------------------------------------------------------

Entry* put_list(Database& db, std::string_view key, const std::vector<std::string>& items) {
    auto* l = new List();
    for (const auto& it : items) l->push_back(it);
    return db.add_object(key, ValueType::kList, l);
}
Entry* put_hash(Database& db, std::string_view key, const std::vector<std::pair<std::string, std::string>>& pairs) {
    auto* h = new HashObject();
    for (const auto& [f, v] : pairs) h->set(f, v);
    return db.add_object(key, ValueType::kHash, h);
}
Entry* put_set(Database& db, std::string_view key, const std::vector<std::string>& members) {
    auto* s = new SetObject();
    for (const auto& m : members) s->add(std::string_view(m));
    return db.add_object(key, ValueType::kSet, s);
}
Entry* put_zset(Database& db, std::string_view key, const std::vector<std::pair<std::string, double>>& members) {
    auto* z = new ZSet();
    double ignored;
    for (const auto& [m, score] : members) z->add(m, score, 0, ignored);
    return db.add_object(key, ValueType::kZSet, z);
}

std::vector<std::string> numbered(const std::string& prefix, int n, int step = 1) {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i * step));
    return v;
}

constexpr int64_t kNow = 1'700'000'000'000;

// Every type in every encoding and size class, a few TTLs, several DBs.
void fill_everything(Databases& dbs) {
    std::mt19937_64 rng(42);
    Database& d0 = dbs.at(0);
    d0.set_string("str:empty", "", false);
    d0.set_string("str:small", "hello", false);
    for (const char* v : {"0", "-1", "127", "-128", "128", "32767", "-32768", "65536", "2147483647", "-2147483648",
                          "2147483648", "9223372036854775807", "-9223372036854775808", "007", "+1", " 1", "-0", "1.5"})
        d0.set_string(std::string("str:num:") + v, v, false);
    std::string text;
    while (text.size() < 3000) text += "the quick brown fox jumps over the lazy dog ";
    d0.set_string("str:compressible", text, false);
    std::string noise(500, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    d0.set_string("str:random", noise, false);
    d0.set_string("str:binary", std::string("a\0b\r\n\xff", 6), false);
    d0.set_string("str:21bytes", std::string(21, 'z'), false);
    d0.set_string("str:huge", std::string(3 << 20, 'h') + noise, false);  // crosses the read buffer

    put_list(d0, "list:small", {"a", "b", "1", "300", "-5000", "", "x"});
    std::vector<std::string> many;
    for (int i = 0; i < 5000; ++i) many.push_back(i % 7 == 0 ? std::to_string(int64_t{i} * 1000003) : "elem-" + std::string(static_cast<size_t>(i % 90), 'e'));
    put_list(d0, "list:large", many);
    put_list(d0, "list:bigelems", {std::string(9000, 'a'), "small", std::string(20000, 'b'), std::string(70000, 'c'), "end"});

    std::vector<std::pair<std::string, std::string>> pairs;
    for (int i = 0; i < 10; ++i) pairs.push_back({"f" + std::to_string(i), i % 2 ? std::to_string(i * 99) : "v" + std::to_string(i)});
    put_hash(d0, "hash:small", pairs);
    pairs.clear();
    for (int i = 0; i < 1000; ++i) pairs.push_back({"field:" + std::to_string(i), "value:" + std::to_string(i)});
    put_hash(d0, "hash:many", pairs);
    put_hash(d0, "hash:longvalue", {{"f", std::string(100, 'x')}, {"g", "short"}});
    put_hash(d0, "hash:ints", {{"1", "2"}, {"-3", "4000000000"}, {"007", "+8"}});

    put_set(d0, "set:int16", {"1", "2", "3", "-7"});
    put_set(d0, "set:int32", {"1", "100000", "-100000"});
    put_set(d0, "set:int64", {"1", "-9000000000", "5"});
    put_set(d0, "set:strings", {"a", "b", "hello", "1"});
    put_set(d0, "set:bigints", numbered("", 600, 3));
    put_set(d0, "set:bigstrings", numbered("m", 2000));

    put_zset(d0, "zset:small", {{"a", 1}, {"b", 2.5}, {"c", -3}, {"d", 1e300}, {"e", 0.1}, {"inf", INFINITY},
                                {"ninf", -INFINITY}, {"big", 4503599627370496.0}, {"neg", -123456789}, {"same1", 7}, {"same2", 7}});
    std::vector<std::pair<std::string, double>> zm;
    for (int i = 0; i < 500; ++i) zm.push_back({"member" + std::to_string(i), i * 1.25 - 100});
    put_zset(d0, "zset:large", zm);
    put_zset(d0, "zset:longmember", {{std::string(100, 'm'), 1.5}, {"short", -2}});

    // TTLs, on every type, in other databases.
    Database& d1 = dbs.at(1);
    d1.set_expire(d1.set_string("ttl:str", "v", false), kNow + 3'600'000);
    d1.set_expire(put_list(d1, "ttl:list", {"a"}), kNow + 7'200'000);
    d1.set_expire(put_hash(d1, "ttl:hash", {{"f", "v"}}), kNow + 1);
    d1.set_expire(put_set(d1, "ttl:set", {"1"}), kNow + 86'400'000);
    d1.set_expire(put_zset(d1, "ttl:zset", {{"m", 1}}), kNow + 10);
    dbs.at(7).set_string("db7", "seven", false);
    dbs.at(15).set_string("db15", "fifteen", false);
    put_zset(dbs.at(15), "db15:zset", zm);
}

RdbLoadResult save_and_load(Databases& from, Databases& to, const std::string& path, int64_t save_now = kNow,
                            int64_t load_now = kNow) {
    std::string error;
    EXPECT_TRUE(rdb_save(from, path, save_now, error)) << error;
    return rdb_load(path, to, load_now);
}

// --- round trips --------------------------------------------------------------

TEST(RdbFile, RoundTripKeepsEveryTypeEncodingAndTtl) {
    TempDir dir;
    Databases a, b;
    fill_everything(a);
    RdbLoadResult r = save_and_load(a, b, dir.file("dump.rdb"));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, total_keys(a));
    EXPECT_EQ(r.offset, fs::file_size(dir.file("dump.rdb")));
    Snapshot sa = snapshot(a), sb = snapshot(b);
    EXPECT_EQ(sa.size(), sb.size());
    for (const auto& [k, v] : sa) {
        auto it = sb.find(k);
        ASSERT_NE(it, sb.end()) << k.second;
        EXPECT_EQ(it->second, v) << "db " << k.first << " key " << k.second << " (" << v.type << ", " << v.encoding << ")";
    }
    // The size classes really are different encodings.
    EXPECT_EQ(sb[std::make_pair(0, std::string("hash:small"))].encoding, "listpack");
    EXPECT_EQ(sb[std::make_pair(0, std::string("hash:many"))].encoding, "hashtable");
    EXPECT_EQ(sb[std::make_pair(0, std::string("set:int64"))].encoding, "intset");
    EXPECT_EQ(sb[std::make_pair(0, std::string("set:bigints"))].encoding, "hashtable");
    EXPECT_EQ(sb[std::make_pair(0, std::string("zset:small"))].encoding, "listpack");
    EXPECT_EQ(sb[std::make_pair(0, std::string("zset:large"))].encoding, "skiplist");
    EXPECT_EQ(sb[std::make_pair(1, std::string("ttl:zset"))].expire_ms, kNow + 10);
    EXPECT_EQ(b.at(1).volatile_count(), 5u);

    // Saving what was loaded gives the same bytes (LZF included).
    std::string error;
    ASSERT_TRUE(rdb_save(b, dir.file("again.rdb"), kNow, error)) << error;
    const std::string first = read_file(dir.file("dump.rdb"));
    const std::string second = read_file(dir.file("again.rdb"));
    // The AUX used-mem differs; compare from the first SELECTDB on.
    const size_t s1 = first.find("\xfe\x00\xfb", 0, 3), s2 = second.find("\xfe\x00\xfb", 0, 3);
    ASSERT_NE(s1, std::string::npos);
    EXPECT_EQ(first.size() - s1, second.size() - s2);
}

TEST(RdbFile, EmptyDatasetIsHeaderAuxAndEof) {
    TempDir dir;
    Databases a, b;
    b.at(3).set_string("old", "data", false);
    RdbLoadResult r = save_and_load(a, b, dir.file("empty.rdb"));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 0u);
    EXPECT_EQ(total_keys(b), 0u);  // what was there is replaced
    const std::string bytes = read_file(dir.file("empty.rdb"));
    EXPECT_EQ(bytes.substr(0, 9), "REDIS0010");
    EXPECT_NE(bytes.find("redis-ver"), std::string::npos);
    EXPECT_NE(bytes.find("7.0.15"), std::string::npos);
    EXPECT_NE(bytes.find("aof-base"), std::string::npos);
    // The last AUX field (aof-base 0, integer-encoded), then EOF: no SELECTDB.
    const std::string tail("aof-base\xc0\x00\xff", 11);
    ASSERT_GE(bytes.size(), 8 + tail.size());
    EXPECT_EQ(bytes.substr(bytes.size() - 8 - tail.size(), tail.size()), tail);
    uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= uint64_t{static_cast<unsigned char>(bytes[bytes.size() - 8 + static_cast<size_t>(i)])} << (8 * i);
    EXPECT_EQ(stored, crc64(0, bytes.data(), bytes.size() - 8));
}

TEST(RdbFile, ExpiredKeysAreNotSaved) {
    TempDir dir;
    Databases a, b;
    a.at(0).set_expire(a.at(0).set_string("gone", "x", false), kNow - 1);
    a.at(0).set_expire(a.at(0).set_string("edge", "x", false), kNow);  // expires only once past
    a.at(0).set_expire(put_list(a.at(0), "gonelist", {"a"}), kNow - 1000);
    a.at(0).set_string("kept", "y", false);
    RdbLoadResult r = save_and_load(a, b, dir.file("d.rdb"), kNow, 0);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 2u);
    EXPECT_NE(b.at(0).dict().find("kept"), nullptr);
    EXPECT_NE(b.at(0).dict().find("edge"), nullptr);
    EXPECT_EQ(b.at(0).dict().find("gone"), nullptr);
}

TEST(RdbFile, ExpiredKeysAreDroppedAtLoad) {
    TempDir dir;
    Databases a, b;
    a.at(0).set_expire(a.at(0).set_string("soon", "x", false), 5000);
    a.at(0).set_expire(put_hash(a.at(0), "soonhash", {{"f", "v"}}), 5000);
    a.at(0).set_expire(a.at(0).set_string("later", "x", false), 9000);
    a.at(0).set_string("forever", "x", false);
    RdbLoadResult r = save_and_load(a, b, dir.file("d.rdb"), 0, 6000);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 2u);
    EXPECT_EQ(b.at(0).size(), 2u);
    EXPECT_EQ(b.at(0).volatile_count(), 1u);
    ASSERT_NE(b.at(0).dict().find("later"), nullptr);
    EXPECT_EQ(b.at(0).dict().find("later")->expire_ms(), 9000);
}

TEST(RdbFile, LargeValuesRoundTrip) {
    TempDir dir;
    Databases a, b;
    Database& db = a.at(2);
    auto* l = new List();
    for (int i = 0; i < 200000; ++i) l->push_back(std::to_string(i * 7));
    db.add_object("biglist", ValueType::kList, l);
    auto* h = new HashObject();
    for (int i = 0; i < 50000; ++i) h->set("f" + std::to_string(i), std::string(static_cast<size_t>(i % 50), 'v'));
    db.add_object("bighash", ValueType::kHash, h);
    auto* s = new SetObject();
    for (int i = 0; i < 50000; ++i) s->add(std::string_view("s" + std::to_string(i)));
    db.add_object("bigset", ValueType::kSet, s);
    auto* z = new ZSet();
    double ignored;
    for (int i = 0; i < 50000; ++i) z->add("z" + std::to_string(i), (i * 7919) % 1000 / 3.0, 0, ignored);
    db.add_object("bigzset", ValueType::kZSet, z);
    for (int i = 0; i < 20000; ++i) db.set_string("k" + std::to_string(i), "v" + std::to_string(i), false);
    RdbLoadResult r = save_and_load(a, b, dir.file("big.rdb"));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 20004u);
    EXPECT_TRUE(snapshot(a) == snapshot(b));
}

// --- Redis's own bytes ----------------------------------------------------------

// DUMP payloads from redis-server 7.0.15 (type byte, value, RDB version 10,
// CRC-64).
struct RedisDump {
    const char* what;
    const char* hex;
};
const RedisDump kRedisDumps[] = {
    {"RPUSH l a b 1 300 -5000", "120102161600000005008161028162020101c12c02f178ec03ff0a0099795ac1e863e579"},
    {"HSET h f1 v1 f2 22", "10151500000004008266310382763103826632031601ff0a00794ee62e9c48a90c"},
    {"SADD si 1 2 -100000", "0b1404000000030000006079feff01000000020000000a0056e9d90b0c27b13a"},
    {"ZADD z 1 a 2.5 b -3 c", "111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2"},
    {"SET n 12345", "00c139300a009d94ea2793fc08b9"},
    {"SET i8 -100", "00c09c0a00ff77a3b766addee4"},
    {"SET i16 30000", "00c130750a0049977f92988c365b"},
    {"SET i32 -2000000000", "00c2006cca880a0035ffaebd7f1d7a67"},
    {"SET i64 9000000000", "000a393030303030303030300a0075f4c68d2b67efe0"},
    {"SET z 007", "00033030370a007258e27b4c69bad9"},
    {"SADD s32 1 100000", "0b10040000000200000001000000a08601000a00d7b548c007796515"},
    {"SADD sstr hello", "02010568656c6c6f0a003498ac0ee7d43661"},
};
// Redis's LZF gives up on this 32-byte intset (liblzf wants a little slack
// in its output buffer); ours compresses it by 4 bytes. Both load.
const RedisDump kRedisIntset64 = {
    "SADD s64 1 -9000000000 5",
    "0b20080000000300000000e68ee7fdffffff010000000000000005000000000000000a00fc4d9be3d12c4ccd"};

TEST(RdbFile, DumpPayloadsMatchRedisByteForByte) {
    Database db;
    put_list(db, "RPUSH l a b 1 300 -5000", {"a", "b", "1", "300", "-5000"});
    put_hash(db, "HSET h f1 v1 f2 22", {{"f1", "v1"}, {"f2", "22"}});
    put_set(db, "SADD si 1 2 -100000", {"1", "2", "-100000"});
    put_zset(db, "ZADD z 1 a 2.5 b -3 c", {{"a", 1}, {"b", 2.5}, {"c", -3}});
    db.set_string("SET n 12345", "12345", false);
    db.set_string("SET i8 -100", "-100", false);
    db.set_string("SET i16 30000", "30000", false);
    db.set_string("SET i32 -2000000000", "-2000000000", false);
    db.set_string("SET i64 9000000000", "9000000000", false);
    db.set_string("SET z 007", "007", false);
    put_set(db, "SADD s32 1 100000", {"1", "100000"});
    auto* s = new SetObject();
    s->add(std::string_view("hello"));
    db.add_object("SADD sstr hello", ValueType::kSet, s);
    for (const RedisDump& d : kRedisDumps) {
        Entry* e = db.lookup(d.what, 0);
        ASSERT_NE(e, nullptr) << d.what;
        EXPECT_EQ(hex(rdb_dump_payload(*e)), d.hex) << d.what;
    }
}

// A test-side RDB writer, for files our writer never produces.
class RdbBuilder {
public:
    explicit RdbBuilder(int version = 10) {
        char magic[16];
        std::snprintf(magic, sizeof magic, "REDIS%04d", version);
        b_ = magic;
    }
    RdbBuilder& byte(int v) {
        b_.push_back(static_cast<char>(v));
        return *this;
    }
    RdbBuilder& raw(std::string_view s) {
        b_ += s;
        return *this;
    }
    RdbBuilder& len(uint64_t n) {
        if (n < 64) return byte(static_cast<int>(n));
        if (n < 16384) return byte(static_cast<int>(0x40 | (n >> 8))).byte(static_cast<int>(n & 0xff));
        byte(0x80);
        for (int i = 3; i >= 0; --i) byte(static_cast<int>((n >> (8 * i)) & 0xff));
        return *this;
    }
    RdbBuilder& str(std::string_view s) { return len(s.size()).raw(s); }
    RdbBuilder& key(int type, std::string_view k) { return byte(type).str(k); }
    // A key whose value is a Redis DUMP payload's.
    RdbBuilder& dumped(std::string_view k, std::string_view dump_hex) {
        const std::string d = unhex(dump_hex);
        return byte(static_cast<unsigned char>(d[0])).str(k).raw(std::string_view(d).substr(1, d.size() - 11));
    }
    RdbBuilder& le(uint64_t v, int n) {
        for (int i = 0; i < n; ++i) byte(static_cast<int>((v >> (8 * i)) & 0xff));
        return *this;
    }
    std::string finish(bool checksum = true) const {
        std::string out = b_ + '\xff';
        const uint64_t crc = checksum ? crc64(0, out.data(), out.size()) : 0;
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
        return out;
    }

private:
    std::string b_;
};

RdbLoadResult load_bytes(const std::string& bytes, Databases& dbs, int64_t now = 0) {
    return rdb_load_bytes(bytes, "test.rdb", dbs, now);
}

KeyState key_state(Databases& dbs, int db, std::string_view key) {
    Entry* e = dbs.at(db).dict().find(key);
    if (e == nullptr) return {"none", "", {}, -1};
    return state_of(e);
}

std::vector<std::string> pairs(std::initializer_list<std::pair<const char*, const char*>> ps) {
    std::vector<std::string> v;
    for (auto [a, b] : ps) v.push_back(std::string(a) + '\0' + b);
    return v;
}

TEST(RdbFile, LoadsRedisDumpSamples) {
    RdbBuilder rdb;
    for (const RedisDump& d : kRedisDumps) rdb.dumped(d.what, d.hex);
    rdb.dumped(kRedisIntset64.what, kRedisIntset64.hex);
    // Values Redis compressed with LZF: strings, a listpack (with +-inf and
    // %.17g scores), a hash table value, a skiplist member.
    rdb.dumped("abc", "00c30b40960361626361e087020162630a00cc4ffc25a4143aeb");
    rdb.dumped("zinf", "11c339404c164c0000000800816202842d696e660581630293302e3130e0050007311481640297312ee005150b3031652b3330301881610283203b0104ff0a004a759405e665180f");
    rdb.dumped("hlong", "04010166c3094064017878e057000178780a00521178d175a9af13");
    rdb.dumped("zsk", "0501c3094046016d6de03900016d6d000000000000f83f0a00d18c94fe1eb0cfed");
    Databases dbs;
    RdbLoadResult r = load_bytes(rdb.finish(), dbs);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, std::size(kRedisDumps) + 5);
    EXPECT_EQ(key_state(dbs, 0, "RPUSH l a b 1 300 -5000").items, (std::vector<std::string>{"a", "b", "1", "300", "-5000"}));
    EXPECT_EQ(key_state(dbs, 0, "HSET h f1 v1 f2 22").items, pairs({{"f1", "v1"}, {"f2", "22"}}));
    EXPECT_EQ(key_state(dbs, 0, "SADD s64 1 -9000000000 5").items, (std::vector<std::string>{"-9000000000", "1", "5"}));
    EXPECT_EQ(key_state(dbs, 0, "SADD s64 1 -9000000000 5").encoding, "intset");
    EXPECT_EQ(key_state(dbs, 0, "ZADD z 1 a 2.5 b -3 c").items, pairs({{"c", "-3"}, {"a", "1"}, {"b", "2.5"}}));
    EXPECT_EQ(key_state(dbs, 0, "SET i32 -2000000000").items[0], "-2000000000");
    EXPECT_EQ(key_state(dbs, 0, "SET i8 -100").items[0], "-100");
    EXPECT_EQ(key_state(dbs, 0, "SET z 007").items[0], "007");
    std::string abc;
    for (int i = 0; i < 50; ++i) abc += "abc";
    EXPECT_EQ(key_state(dbs, 0, "abc").items[0], abc);
    EXPECT_EQ(key_state(dbs, 0, "zinf").items,
              pairs({{"b", "-inf"}, {"c", "0.10000000000000001"}, {"d", "1.0000000000000001e+300"}, {"a", "inf"}}));
    EXPECT_EQ(key_state(dbs, 0, "hlong").items, pairs({{"f", std::string(100, 'x').c_str()}}));
    EXPECT_EQ(key_state(dbs, 0, "hlong").encoding, "hashtable");
    EXPECT_EQ(key_state(dbs, 0, "zsk").items, pairs({{std::string(70, 'm').c_str(), "1.5"}}));
    EXPECT_EQ(key_state(dbs, 0, "zsk").encoding, "skiplist");
}

// A ziplist blob (test-side encoder; strings and small ints only).
std::string ziplist(const std::vector<std::string>& items) {
    std::string body;
    size_t prev = 0, tail = 10;
    for (const std::string& s : items) {
        std::string e(1, static_cast<char>(prev));
        int64_t v;
        if (canonical_int64(s, v) && v >= INT16_MIN && v <= INT16_MAX) {
            e.push_back(static_cast<char>(0xC0));
            e.push_back(static_cast<char>(v & 0xff));
            e.push_back(static_cast<char>((v >> 8) & 0xff));
        } else {
            e.push_back(static_cast<char>(s.size()));
            e += s;
        }
        tail = 10 + body.size();
        body += e;
        prev = e.size();
    }
    std::string zl(10, '\0');
    const size_t total = 11 + body.size();
    zl[0] = static_cast<char>(total);
    zl[1] = static_cast<char>(total >> 8);
    zl[4] = static_cast<char>(tail);
    zl[5] = static_cast<char>(tail >> 8);
    zl[8] = static_cast<char>(items.size());
    return zl + body + '\xff';
}

TEST(RdbFile, LoadsOldEncodingsAndOpcodes) {
    RdbBuilder rdb(9);
    rdb.byte(250).str("redis-ver").str("5.0.7");
    rdb.byte(250).str("redis-bits").byte(0xC0).byte(64);
    rdb.byte(254).len(0).byte(251).len(9).len(1);
    rdb.key(1, "list").len(3).str("a").str("bb").byte(0xC1).le(500, 2);
    rdb.key(10, "list-ziplist").str(ziplist({"x", "12", "-300", "yy"}));
    rdb.key(14, "quicklist").len(2).str(ziplist({"a", "b"})).str(ziplist({"7", "c"}));
    rdb.key(13, "hash-ziplist").str(ziplist({"f1", "v1", "f2", "2"}));
    rdb.key(12, "zset-ziplist").str(ziplist({"m1", "1", "m2", "2.5", "m3", "-inf"}));
    std::string zipmap = std::string("\x02\x03" "foo" "\x03\x01" "bar" "." "\x01" "k" "\x01\x00" "v", 16) + '\xff';
    rdb.key(9, "hash-zipmap").str(zipmap);
    rdb.key(2, "set").len(3).str("p").str("q").str("42");
    rdb.key(3, "zset-text").len(3).str("a").byte(3).raw("1.5").str("b").byte(254).str("c").byte(255);
    rdb.byte(248).len(100);  // IDLE
    rdb.byte(249).byte(5);   // FREQ
    rdb.byte(253).le(2'000'000'000, 4);  // EXPIRETIME, seconds
    rdb.key(0, "with-seconds-ttl").str("v");
    rdb.byte(252).le(1234, 8);  // EXPIRETIME_MS in the past at load
    rdb.key(0, "expired").str("v");
    rdb.byte(254).len(4);
    rdb.key(0, "in-db-4").byte(0xC2).le(static_cast<uint64_t>(-7), 4);
    Databases dbs;
    RdbLoadResult r = load_bytes(rdb.finish(), dbs, 5000);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 10u);
    EXPECT_EQ(key_state(dbs, 0, "list").items, (std::vector<std::string>{"a", "bb", "500"}));
    EXPECT_EQ(key_state(dbs, 0, "list-ziplist").items, (std::vector<std::string>{"x", "12", "-300", "yy"}));
    EXPECT_EQ(key_state(dbs, 0, "quicklist").items, (std::vector<std::string>{"a", "b", "7", "c"}));
    EXPECT_EQ(key_state(dbs, 0, "hash-ziplist").items, pairs({{"f1", "v1"}, {"f2", "2"}}));
    EXPECT_EQ(key_state(dbs, 0, "hash-ziplist").encoding, "listpack");
    EXPECT_EQ(key_state(dbs, 0, "zset-ziplist").items, pairs({{"m3", "-inf"}, {"m1", "1"}, {"m2", "2.5"}}));
    EXPECT_EQ(key_state(dbs, 0, "hash-zipmap").items, pairs({{"foo", "bar"}, {"k", "v"}}));
    EXPECT_EQ(key_state(dbs, 0, "set").items, (std::vector<std::string>{"42", "p", "q"}));
    EXPECT_EQ(key_state(dbs, 0, "zset-text").items, pairs({{"c", "-inf"}, {"a", "1.5"}, {"b", "inf"}}));
    EXPECT_EQ(key_state(dbs, 0, "with-seconds-ttl").expire_ms, int64_t{2'000'000'000} * 1000);
    EXPECT_EQ(key_state(dbs, 0, "expired").type, "none");
    EXPECT_EQ(key_state(dbs, 4, "in-db-4").items, (std::vector<std::string>{"-7"}));
}

TEST(RdbFile, LoadsRedis72SetListpackAndQuicklistPlainNodes) {
    RdbBuilder rdb(11);
    ListpackBuilder lp;
    for (const char* m : {"a", "17", "b"}) lp.add(m);
    rdb.key(20, "set-listpack").str(lp.finish());
    lp.reset();
    lp.add("x");
    const std::string node(lp.finish());
    rdb.key(18, "quicklist2").len(3).len(2).str(node).len(1).str(std::string(5000, 'P')).len(2).str(node);
    ListpackBuilder empty;
    rdb.key(18, "empty-nodes").len(1).len(2).str(empty.finish());  // skipped: no elements
    rdb.byte(245).str("#!lua name=lib\nredis.register_function('f', function() return 1 end)");  // FUNCTION2
    Databases dbs;
    RdbLoadResult r = load_bytes(rdb.finish(), dbs);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 2u);
    EXPECT_EQ(key_state(dbs, 0, "set-listpack").items, (std::vector<std::string>{"17", "a", "b"}));
    EXPECT_EQ(key_state(dbs, 0, "quicklist2").items, (std::vector<std::string>{"x", std::string(5000, 'P'), "x"}));
    EXPECT_EQ(key_state(dbs, 0, "empty-nodes").type, "none");
}

TEST(RdbFile, ChecksumZeroMeansNotChecked) {
    RdbBuilder rdb;
    rdb.key(0, "k").str("v");
    Databases dbs;
    RdbLoadResult r = load_bytes(rdb.finish(false), dbs);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.keys, 1u);
}

// --- refusals ---------------------------------------------------------------

// Loads bytes into a databases object that holds data, expecting a failure
// naming the file and an offset; the databases must end up empty.
std::string expect_refused(const std::string& bytes, uint64_t* offset = nullptr) {
    Databases dbs;
    dbs.at(0).set_string("pre-existing", "x", false);
    put_list(dbs.at(3), "pre-existing-list", {"a"});
    RdbLoadResult r = load_bytes(bytes, dbs);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(total_keys(dbs), 0u) << r.error;
    EXPECT_EQ(r.keys, 0u);
    EXPECT_EQ(r.error.rfind("test.rdb: ", 0), 0u) << r.error;
    EXPECT_NE(r.error.find(" at offset " + std::to_string(r.offset)), std::string::npos) << r.error;
    if (offset) *offset = r.offset;
    return r.error;
}

TEST(RdbFile, RefusesUnsupportedContentByName) {
    EXPECT_NE(expect_refused(RdbBuilder().key(15, "s").finish()).find("stream"), std::string::npos);
    EXPECT_NE(expect_refused(RdbBuilder().key(19, "s").finish()).find("stream"), std::string::npos);
    EXPECT_NE(expect_refused(RdbBuilder(11).key(21, "s").finish()).find("stream"), std::string::npos);
    // Module type 7 with the id of "ReJSON-RL" version 3.
    const std::string charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t id = 0;
    for (char c : std::string("ReJSON-RL")) id = (id << 6) | charset.find(c);
    id = (id << 10) | 3;
    RdbBuilder mod;
    mod.key(7, "json").byte(0x81);
    for (int i = 7; i >= 0; --i) mod.byte(static_cast<int>((id >> (8 * i)) & 0xff));
    std::string e = expect_refused(mod.finish());
    EXPECT_NE(e.find("module"), std::string::npos) << e;
    EXPECT_NE(e.find("ReJSON-RL"), std::string::npos) << e;
    EXPECT_NE(expect_refused(RdbBuilder().byte(247).len(5).finish()).find("module aux"), std::string::npos);
    EXPECT_NE(expect_refused(RdbBuilder().byte(246).finish()).find("FUNCTION"), std::string::npos);
    EXPECT_NE(expect_refused(RdbBuilder().key(8, "x").finish()).find("unknown value type 8"), std::string::npos);
}

TEST(RdbFile, RefusesBadHeaders) {
    uint64_t off = 99;
    EXPECT_NE(expect_refused("RUBIS0010\xff", &off).find("not an RDB file"), std::string::npos);
    EXPECT_EQ(off, 0u);
    EXPECT_NE(expect_refused(RdbBuilder(12).finish()).find("version 12"), std::string::npos);
    EXPECT_NE(expect_refused(RdbBuilder(0).finish()).find("version 0"), std::string::npos);
    EXPECT_NE(expect_refused("REDIS00").find("end of file"), std::string::npos);
    EXPECT_NE(expect_refused("").find("end of file"), std::string::npos);
}

TEST(RdbFile, RefusesCorruptContent) {
    uint64_t off = 0;
    std::string e = expect_refused(RdbBuilder().byte(254).len(16).finish(), &off);
    EXPECT_NE(e.find("database number 16"), std::string::npos) << e;
    EXPECT_EQ(off, 9u);
    e = expect_refused(RdbBuilder().key(0, "a").str("1").key(0, "b").str("2").key(0, "a").str("3").finish(), &off);
    EXPECT_NE(e.find("duplicate key 'a'"), std::string::npos) << e;
    EXPECT_EQ(off, 9u + 10u);
    e = expect_refused(RdbBuilder().key(4, "h").len(2).str("f").str("1").str("f").str("2").finish());
    EXPECT_NE(e.find("duplicate hash field 'f'"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(2, "s").len(2).str("m").str("m").finish());
    EXPECT_NE(e.find("duplicate set member"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(3, "z").len(1).str("m").byte(253).finish());
    EXPECT_NE(e.find("NaN"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(16, "h").str("not a listpack").finish());
    EXPECT_NE(e.find("invalid listpack"), std::string::npos) << e;
    EXPECT_NE(e.find("key 'h'"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(18, "l").len(1).len(3).str("x").finish());
    EXPECT_NE(e.find("container"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(0, "k").byte(0xC3).len(3).len(10).raw("\x01" "ab").finish());
    EXPECT_NE(e.find("LZF"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(0, "k").byte(0xC5).finish());
    EXPECT_NE(e.find("unknown string encoding"), std::string::npos) << e;
    e = expect_refused(RdbBuilder().key(0, "k").byte(0x82).finish());
    EXPECT_NE(e.find("invalid length encoding"), std::string::npos) << e;
    // A length far past the end fails at once, without allocating it.
    e = expect_refused(RdbBuilder().key(0, "k").byte(0x81).le(0xFFFFFFFFFFFFULL, 8).finish());
    EXPECT_NE(e.find("does not fit"), std::string::npos) << e;
    std::string bad_sum = RdbBuilder().key(0, "k").str("v").finish();
    bad_sum.back() ^= 1;
    e = expect_refused(bad_sum, &off);
    EXPECT_NE(e.find("wrong checksum"), std::string::npos) << e;
    EXPECT_EQ(off, bad_sum.size() - 8);
}

TEST(RdbFile, MissingFileIsAnError) {
    Databases dbs;
    dbs.at(0).set_string("k", "v", false);
    RdbLoadResult r = rdb_load("/nonexistent/dir/dump.rdb", dbs, 0);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("/nonexistent/dir/dump.rdb"), std::string::npos);
    EXPECT_EQ(total_keys(dbs), 0u);
}

// A small file holding every type and encoding, for the corruption sweeps.
std::string small_everything_file(TempDir& dir) {
    Databases a;
    Database& d = a.at(0);
    d.set_string("s", "hello", false);
    d.set_string("i", "-12345", false);
    d.set_string("lzf", std::string(64, 'q') + "tail", false);
    d.set_expire(d.set_string("ttl", "v", false), kNow + 100000);
    put_list(d, "l", {"a", "1", std::string(70, 'w')});
    put_hash(d, "h", {{"f", "v"}, {"n", "5"}});
    put_hash(d, "ht", {{"f", std::string(80, 'x')}});
    put_set(d, "si", {"1", "-2"});
    put_set(d, "ss", {"a", "b"});
    put_zset(d, "zl", {{"a", 1}, {"b", 2.5}});
    put_zset(d, "zs", {{std::string(70, 'm'), -1}, {"n", 3}});
    a.at(9).set_string("other-db", "x", false);
    std::string error;
    EXPECT_TRUE(rdb_save(a, dir.file("small.rdb"), kNow, error)) << error;
    return read_file(dir.file("small.rdb"));
}

TEST(RdbFile, EveryTruncationIsRefusedWithItsOffset) {
    TempDir dir;
    const std::string good = small_everything_file(dir);
    {
        Databases dbs;
        RdbLoadResult r = load_bytes(good, dbs, kNow);
        ASSERT_TRUE(r.ok) << r.error;
        ASSERT_EQ(r.keys, 12u);
    }
    for (size_t n = 0; n < good.size(); ++n) {
        uint64_t off = 0;
        std::string e = expect_refused(good.substr(0, n), &off);
        EXPECT_LE(off, n) << e;
        EXPECT_NE(e.find("end of file"), std::string::npos) << n << ": " << e;
    }
    // The same through a real file (the streaming reader).
    for (size_t n : {size_t{0}, size_t{5}, size_t{9}, good.size() / 2, good.size() - 9, good.size() - 1}) {
        const std::string path = dir.file("cut.rdb");
        write_file(path, good.substr(0, n));
        Databases dbs;
        dbs.at(0).set_string("pre", "x", false);
        RdbLoadResult r = rdb_load(path, dbs, kNow);
        EXPECT_FALSE(r.ok) << n;
        EXPECT_EQ(total_keys(dbs), 0u);
        EXPECT_EQ(r.error.rfind(path + ": ", 0), 0u) << r.error;
        EXPECT_NE(r.error.find("at offset " + std::to_string(r.offset)), std::string::npos) << r.error;
    }
}

TEST(RdbFile, EveryFlippedByteIsRefused) {
    TempDir dir;
    const std::string good = small_everything_file(dir);
    for (size_t i = 0; i < good.size(); ++i) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ 0x5A);
        Databases dbs;
        dbs.at(0).set_string("pre", "x", false);
        RdbLoadResult r = load_bytes(bad, dbs, kNow);
        EXPECT_FALSE(r.ok) << "flipped byte " << i;
        EXPECT_EQ(total_keys(dbs), 0u) << i;
        EXPECT_NE(r.error.find("at offset"), std::string::npos) << r.error;
    }
}

// Random damage (several bytes changed, bytes inserted or removed, a slice
// duplicated) never crashes the loader nor leaves anything loaded when it
// fails. With the checksum zeroed, damage that still parses is accepted, so
// the parser itself is exercised past the first bad byte.
TEST(RdbFile, RandomDamageNeverCrashesOrHalfLoads) {
    TempDir dir;
    const std::string good = small_everything_file(dir);
    std::mt19937_64 rng(99);
    for (int round = 0; round < 3000; ++round) {
        std::string bad = good;
        const size_t edits = 1 + rng() % 4;
        for (size_t i = 0; i < edits && !bad.empty(); ++i) {
            const size_t at = rng() % bad.size();
            switch (rng() % 4) {
            case 0: bad[at] = static_cast<char>(rng()); break;
            case 1: bad.insert(at, 1, static_cast<char>(rng())); break;
            case 2: bad.erase(at, 1 + rng() % 8); break;
            default: bad.insert(at, bad.substr(rng() % bad.size(), 1 + rng() % 16)); break;
            }
        }
        const bool zero_checksum = round % 2 == 0 && bad.size() >= 8;
        if (zero_checksum) bad.replace(bad.size() - 8, 8, std::string(8, '\0'));
        Databases dbs;
        dbs.at(0).set_string("pre", "x", false);
        RdbLoadResult r = load_bytes(bad, dbs, kNow);
        if (!r.ok) {
            EXPECT_EQ(total_keys(dbs), 0u) << round;
            EXPECT_NE(r.error.find("at offset " + std::to_string(r.offset)), std::string::npos) << r.error;
        } else {
            // Bytes after the checksum are ignored, as Redis ignores them.
            const bool intact = bad.compare(0, good.size(), good) == 0;
            EXPECT_TRUE(zero_checksum || intact) << "damage passed the checksum in round " << round;
            EXPECT_EQ(total_keys(dbs), r.keys);
        }
    }
}

// --- saving -------------------------------------------------------------------

TEST(RdbFile, SaveAtomicReplacesTheFileAndLeavesNoTemporary) {
    TempDir dir;
    Databases a;
    a.at(0).set_string("k", "first", false);
    const std::string path = dir.file("dump.rdb");
    std::string error;
    ASSERT_TRUE(rdb_save_atomic(a, path, kNow, error)) << error;
    a.at(0).set_string("k", "second", false);
    ASSERT_TRUE(rdb_save_atomic(a, path, kNow, error)) << error;
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        ++files;
        EXPECT_EQ(entry.path().filename(), "dump.rdb");
    }
    EXPECT_EQ(files, 1u);
    Databases b;
    RdbLoadResult r = rdb_load(path, b, kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(key_state(b, 0, "k").items[0], "second");
}

TEST(RdbFile, SaveReportsErrorsWithThePath) {
    Databases a;
    a.at(0).set_string("k", "v", false);
    std::string error;
    EXPECT_FALSE(rdb_save(a, "/nonexistent/dir/dump.rdb", kNow, error));
    EXPECT_NE(error.find("/nonexistent/dir/dump.rdb"), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(rdb_save_atomic(a, "/nonexistent/dir/dump.rdb", kNow, error));
    EXPECT_NE(error.find("/nonexistent/dir/dump.rdb"), std::string::npos) << error;
    if (::access("/dev/full", W_OK) == 0) {
        error.clear();
        EXPECT_FALSE(rdb_save(a, "/dev/full", kNow, error));
        EXPECT_NE(error.find("write"), std::string::npos) << error;
    }
}

TEST(RdbFile, StringsUseRedisEncodings) {
    Database db;
    std::string compressible(200, 'a');
    Entry* e = db.set_string("c", compressible, false);
    const std::string p = rdb_dump_payload(*e);
    EXPECT_EQ(static_cast<unsigned char>(p[1]), 0xC3);  // LZF
    EXPECT_LT(p.size(), 40u);
    e = db.set_string("short", std::string(20, 'a'), false);
    EXPECT_EQ(hex(rdb_dump_payload(*e).substr(0, 2)), "0014");  // 20 bytes: never compressed
    e = db.set_string("big-int", "2147483648", false);
    EXPECT_EQ(hex(rdb_dump_payload(*e).substr(0, 2)), "000a");  // beyond int32: as text
}

}  // namespace
}  // namespace server
