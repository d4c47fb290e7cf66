// Hash commands whose replies the differential corpus cannot compare byte
// for byte: random picks (HRANDFIELD), multi-call HSCAN iterations and
// whole-hash replies of big hashes, whose order is the table's own. Driven
// through Connection::run_command; replies decoded and checked as sets.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_reader.h"
#include "server/config.h"
#include "server/connection.h"
#include "server/server.h"

namespace server {
namespace {

using protocol::RespValue;

class HashCommands : public testing::Test {
protected:
    HashCommands() : srv_(Config{}) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
        fd_ = fds[0];
        peer_ = fds[1];
        conn_ = std::make_unique<Connection>(srv_, fd_, 1, "127.0.0.1:1", "127.0.0.1:2");
    }
    ~HashCommands() override {
        conn_.reset();
        ::close(fd_);
        ::close(peer_);
    }

    std::string run_raw(const std::vector<std::string_view>& argv) {
        conn_->run_command(argv);
        std::string out(conn_->pending_output());
        conn_->discard_output();
        return out;
    }
    RespValue run(const std::vector<std::string_view>& argv) {
        std::string out = run_raw(argv);
        RespValue v;
        long used = protocol::decode_reply(out, v);
        EXPECT_EQ(used, static_cast<long>(out.size())) << "one whole reply expected";
        return v;
    }
    RespValue run(std::initializer_list<std::string_view> args) { return run(std::vector<std::string_view>(args)); }

    // HSET key f0 v0 f1 v1 ... in one call.
    void fill(std::string_view key, size_t n, size_t first = 0) {
        std::vector<std::string> words;
        for (size_t i = first; i < first + n; ++i) {
            words.push_back("f" + std::to_string(i));
            words.push_back("v" + std::to_string(i));
        }
        std::vector<std::string_view> argv{"HSET", key};
        for (const std::string& w : words) argv.push_back(w);
        EXPECT_EQ(run(argv).integer, static_cast<int64_t>(n));
    }
    std::string encoding(std::string_view key) { return run({"OBJECT", "ENCODING", key}).str; }

    Server srv_;
    int fd_ = -1;
    int peer_ = -1;
    std::unique_ptr<Connection> conn_;
};

std::vector<std::string> strings(const RespValue& v) {
    std::vector<std::string> out;
    for (const RespValue& e : v.elems) out.push_back(e.str);
    return out;
}

std::string value_of(const std::string& field) { return "v" + field.substr(1); }

TEST_F(HashCommands, EncodingFollowsRedisThresholds) {
    fill("h", 512);
    EXPECT_EQ(encoding("h"), "listpack");
    fill("h", 1, 512);
    EXPECT_EQ(encoding("h"), "hashtable");
    run({"HSET", "v", "f", std::string(64, 'x')});
    EXPECT_EQ(encoding("v"), "listpack");
    run({"HSET", "v", "f", std::string(65, 'x')});
    EXPECT_EQ(encoding("v"), "hashtable");
    run({"HSET", "k", std::string(65, 'k'), "1"});
    EXPECT_EQ(encoding("k"), "hashtable");
    run({"HINCRBYFLOAT", "n", "f", "1e70"});
    EXPECT_EQ(encoding("n"), "hashtable");
}

TEST_F(HashCommands, WholeReadsOfABigHashHoldEveryPair) {
    fill("h", 3000);
    RespValue all = run({"HGETALL", "h"});
    ASSERT_EQ(all.elems.size(), 6000u);
    std::map<std::string, std::string> pairs;
    for (size_t i = 0; i < all.elems.size(); i += 2) pairs[all.elems[i].str] = all.elems[i + 1].str;
    ASSERT_EQ(pairs.size(), 3000u);
    for (const auto& [f, v] : pairs) ASSERT_EQ(v, value_of(f));
    // HKEYS and HVALS walk the same order as HGETALL.
    std::vector<std::string> keys = strings(run({"HKEYS", "h"}));
    std::vector<std::string> vals = strings(run({"HVALS", "h"}));
    ASSERT_EQ(keys.size(), 3000u);
    for (size_t i = 0; i < keys.size(); ++i) {
        ASSERT_EQ(keys[i], all.elems[2 * i].str);
        ASSERT_EQ(vals[i], all.elems[2 * i + 1].str);
    }
}

TEST_F(HashCommands, ScanOfABigHashReturnsEveryField) {
    fill("h", 5000);
    std::set<std::string> seen;
    std::string cursor = "0";
    size_t calls = 0;
    do {
        RespValue r = run({"HSCAN", "h", cursor, "COUNT", "50"});
        ASSERT_EQ(r.elems.size(), 2u);
        cursor = r.elems[0].str;
        const auto& items = r.elems[1].elems;
        ASSERT_EQ(items.size() % 2, 0u);
        for (size_t i = 0; i < items.size(); i += 2) {
            ASSERT_EQ(items[i + 1].str, value_of(items[i].str));
            seen.insert(items[i].str);
        }
        ++calls;
    } while (cursor != "0");
    EXPECT_EQ(seen.size(), 5000u);
    EXPECT_GT(calls, 20u);
    EXPECT_LT(calls, 500u);
}

TEST_F(HashCommands, ScanKeepsItsPromiseWhileTheHashChanges) {
    fill("h", 2000);
    std::set<std::string> seen;
    std::string cursor = "0";
    size_t next = 2000;
    size_t removed = 1000;  // f0..f999 stay for the whole iteration
    do {
        RespValue r = run({"HSCAN", "h", cursor});
        cursor = r.elems[0].str;
        for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) seen.insert(r.elems[1].elems[i].str);
        fill("h", 3, next);
        next += 3;
        std::string victim = "f" + std::to_string(removed++);
        run({"HDEL", "h", victim});
    } while (cursor != "0");
    for (size_t i = 0; i < 1000; ++i) ASSERT_TRUE(seen.count("f" + std::to_string(i))) << i;
}

TEST_F(HashCommands, ScanMatchFiltersAfterCounting) {
    fill("h", 1000);
    std::set<std::string> seen;
    std::string cursor = "0";
    do {
        RespValue r = run({"HSCAN", "h", cursor, "MATCH", "f1*", "COUNT", "100"});
        cursor = r.elems[0].str;
        for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) seen.insert(r.elems[1].elems[i].str);
    } while (cursor != "0");
    // f1, f10-f19, f100-f199: 1 + 10 + 100.
    EXPECT_EQ(seen.size(), 111u);
    for (const std::string& f : seen) EXPECT_EQ(f.rfind("f1", 0), 0u);
}

void expect_distinct_existing(const std::vector<std::string>& fields, size_t n, size_t count) {
    std::set<std::string> unique(fields.begin(), fields.end());
    EXPECT_EQ(fields.size(), count);
    EXPECT_EQ(unique.size(), count);
    for (const std::string& f : unique) EXPECT_LT(std::stoul(f.substr(1)), n);
}

TEST_F(HashCommands, RandFieldPositiveCountIsDistinct) {
    for (size_t n : {size_t{20}, size_t{2000}}) {
        std::string key = "h" + std::to_string(n);
        fill(key, n);
        // Both the "most of it" and "a few of it" ways of sampling.
        for (size_t count : {size_t{1}, n / 10, n / 2, n - 1}) {
            std::string c = std::to_string(count);
            expect_distinct_existing(strings(run({"HRANDFIELD", key, c})), n, count);
        }
        std::vector<std::string> all = strings(run({"HRANDFIELD", key, std::to_string(n + 5)}));
        expect_distinct_existing(all, n, n);
    }
}

TEST_F(HashCommands, RandFieldWithValuesPairsUp) {
    fill("h", 1000);
    RespValue r = run({"HRANDFIELD", "h", "10", "WITHVALUES"});
    ASSERT_EQ(r.elems.size(), 20u);
    for (size_t i = 0; i < 20; i += 2) EXPECT_EQ(r.elems[i + 1].str, value_of(r.elems[i].str));

    run({"HELLO", "3"});
    r = run({"HRANDFIELD", "h", "-30", "WITHVALUES"});
    ASSERT_EQ(r.elems.size(), 30u);
    for (const RespValue& pair : r.elems) {
        ASSERT_EQ(pair.kind, RespValue::Kind::kArray);
        ASSERT_EQ(pair.elems.size(), 2u);
        EXPECT_EQ(pair.elems[1].str, value_of(pair.elems[0].str));
    }
}

TEST_F(HashCommands, RandFieldNegativeCountRepeatsAndCoversSmallHashes) {
    fill("h", 3);
    std::vector<std::string> picks = strings(run({"HRANDFIELD", "h", "-300"}));
    ASSERT_EQ(picks.size(), 300u);
    std::set<std::string> unique(picks.begin(), picks.end());
    EXPECT_EQ(unique, (std::set<std::string>{"f0", "f1", "f2"}));

    fill("big", 1000);
    picks = strings(run({"HRANDFIELD", "big", "-5000"}));
    ASSERT_EQ(picks.size(), 5000u);
    unique = std::set<std::string>(picks.begin(), picks.end());
    EXPECT_GT(unique.size(), 900u);
}

TEST_F(HashCommands, RandFieldWithoutCountNamesAField) {
    fill("h", 600);
    std::set<std::string> seen;
    for (int i = 0; i < 3000; ++i) {
        RespValue r = run({"HRANDFIELD", "h"});
        ASSERT_EQ(r.kind, RespValue::Kind::kBulk);
        seen.insert(r.str);
    }
    EXPECT_GT(seen.size(), 500u);
    for (const std::string& f : seen) EXPECT_LT(std::stoul(f.substr(1)), 600u);
}

TEST_F(HashCommands, CopyOfABigHashIsIndependent) {
    fill("h", 1000);
    EXPECT_EQ(run({"COPY", "h", "c"}).integer, 1);
    run({"HDEL", "h", "f1", "f2"});
    run({"HSET", "h", "f3", "changed"});
    EXPECT_EQ(run({"HLEN", "c"}).integer, 1000);
    EXPECT_EQ(run({"HGET", "c", "f3"}).str, "v3");
    EXPECT_EQ(run({"HLEN", "h"}).integer, 998);
    EXPECT_EQ(encoding("c"), "hashtable");
}

TEST_F(HashCommands, DeletingTheLastFieldOfABigHashDeletesTheKey) {
    fill("h", 2000);
    std::vector<std::string> fields;
    for (size_t i = 0; i < 2000; ++i) fields.push_back("f" + std::to_string(i));
    std::vector<std::string_view> argv{"HDEL", "h"};
    for (const std::string& f : fields) argv.push_back(f);
    EXPECT_EQ(run(argv).integer, 2000);
    EXPECT_EQ(run({"EXISTS", "h"}).integer, 0);
}

}  // namespace
}  // namespace server
