// Randomized differential test: seeded random command sequences over a
// small key set, sent to ringdis and to a real redis-server side by side;
// every reply must be byte-identical. A failure prints the seed, the step
// and the command, so it can be replayed.
//
// Only commands whose replies are deterministic in both servers are drawn:
// no TTL reads, no random picks, no unordered collections printed (sets
// hold small integers only, which both keep as sorted intsets; hashes stay
// small, which both keep in insertion order).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/resp_client.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

using Args = std::vector<std::string>;

class Generator {
public:
    explicit Generator(uint32_t seed) : rng_(seed) {}

    Args next() {
        switch (pick(5)) {
        case 0: return string_command();
        case 1: return list_command();
        case 2: return hash_command();
        case 3: return set_command();
        default: return zset_or_key_command();
        }
    }

private:
    size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
    std::string key() { return "k" + std::to_string(pick(6)); }
    std::string num(int lo, int hi) {
        return std::to_string(std::uniform_int_distribution<int>(lo, hi)(rng_));
    }
    std::string value() {
        static const char* kValues[] = {"", "a", "hello", "12", "-3", "3.5", "x y", "007", "99999999999999999999"};
        return kValues[pick(std::size(kValues))];
    }
    std::string field() { return "f" + std::to_string(pick(5)); }
    std::string member() { return num(0, 20); }

    Args string_command() {
        switch (pick(16)) {
        case 0: return {"SET", key(), value()};
        case 1: return {"SET", key(), value(), pick(2) ? "NX" : "XX"};
        case 2: return {"SET", key(), value(), "GET"};
        case 3: return {"GET", key()};
        case 4: return {"APPEND", key(), value()};
        case 5: return {"INCR", key()};
        case 6: return {"INCRBY", key(), num(-100, 100)};
        case 7: return {"DECR", key()};
        case 8: return {"INCRBYFLOAT", key(), pick(2) ? "1.5" : "-0.25"};
        case 9: return {"STRLEN", key()};
        case 10: return {"GETRANGE", key(), num(-5, 5), num(-5, 5)};
        case 11: return {"SETRANGE", key(), num(0, 6), value()};
        case 12: return {"MGET", key(), key(), key()};
        case 13: return {"MSET", key(), value(), key(), value()};
        case 14: return {"GETDEL", key()};
        default: return {"SETNX", key(), value()};
        }
    }

    Args list_command() {
        switch (pick(15)) {
        case 0: return {"LPUSH", key(), value(), value()};
        case 1: return {"RPUSH", key(), value()};
        case 2: return {"LPOP", key()};
        case 3: return {"RPOP", key(), num(0, 3)};
        case 4: return {"LLEN", key()};
        case 5: return {"LRANGE", key(), num(-4, 3), num(-4, 3)};
        case 6: return {"LINDEX", key(), num(-3, 3)};
        case 7: return {"LSET", key(), num(-3, 3), value()};
        case 8: return {"LINSERT", key(), pick(2) ? "BEFORE" : "AFTER", value(), value()};
        case 9: return {"LREM", key(), num(-2, 2), value()};
        case 10: return {"LTRIM", key(), num(-4, 3), num(-4, 3)};
        case 11: return {"LPOS", key(), value()};
        case 12: return {"LMOVE", key(), key(), pick(2) ? "LEFT" : "RIGHT", pick(2) ? "LEFT" : "RIGHT"};
        case 13: return {"RPOPLPUSH", key(), key()};
        default: return {"LPUSHX", key(), value()};
        }
    }

    Args hash_command() {
        switch (pick(11)) {
        case 0: return {"HSET", key(), field(), value()};
        case 1: return {"HSET", key(), field(), value(), field(), value()};
        case 2: return {"HSETNX", key(), field(), value()};
        case 3: return {"HGET", key(), field()};
        case 4: return {"HMGET", key(), field(), field()};
        case 5: return {"HDEL", key(), field()};
        case 6: return {"HLEN", key()};
        case 7: return {"HINCRBY", key(), field(), num(-5, 5)};
        case 8: return {"HINCRBYFLOAT", key(), field(), "0.5"};
        case 9: return {"HGETALL", key()};
        default: return {"HEXISTS", key(), field()};
        }
    }

    Args set_command() {
        switch (pick(10)) {
        case 0: return {"SADD", key(), member(), member()};
        case 1: return {"SREM", key(), member()};
        case 2: return {"SCARD", key()};
        case 3: return {"SISMEMBER", key(), member()};
        case 4: return {"SMEMBERS", key()};
        case 5: return {"SINTER", key(), key()};
        case 6: return {"SUNION", key(), key()};
        case 7: return {"SDIFF", key(), key()};
        case 8: return {"SMOVE", key(), key(), member()};
        default: return {"SMISMEMBER", key(), member(), member()};
        }
    }

    Args zset_or_key_command() {
        switch (pick(16)) {
        case 0: return {"ZADD", key(), num(-5, 5), member()};
        case 1: return {"ZADD", key(), pick(2) ? "NX" : "XX", "CH", num(-5, 5), member()};
        case 2: return {"ZINCRBY", key(), "1.5", member()};
        case 3: return {"ZSCORE", key(), member()};
        case 4: return {"ZRANGE", key(), "0", "-1", "WITHSCORES"};
        case 5: return {"ZRANK", key(), member()};
        case 6: return {"ZREM", key(), member()};
        case 7: return {"ZCARD", key()};
        case 8: return {"ZPOPMIN", key()};
        case 9: return {"ZRANGEBYSCORE", key(), "-inf", num(-5, 5)};
        case 10: return {"DEL", key()};
        case 11: return {"EXISTS", key(), key()};
        case 12: return {"TYPE", key()};
        case 13: return {"RENAME", key(), key()};
        case 14: return {"EXPIRE", key(), "1000"};
        default: return {"PERSIST", key()};
        }
    }

    std::mt19937 rng_;
};

std::string describe(const Args& args) {
    std::string s;
    for (const std::string& a : args) {
        if (!s.empty()) s += ' ';
        s += '"' + escape_bytes(a) + '"';
    }
    return s;
}

class RandomDifferentialTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RandomDifferentialTest, SameRepliesAsRedis) {
    ServerProcess oracle;
    ServerProcess ours;
    ASSERT_TRUE(oracle.start(oracle_options())) << oracle.error();
    ASSERT_TRUE(ours.start(ringdis_like_oracle_options())) << ours.error();
    RespClient a(ours.port());
    RespClient b(oracle.port());
    ASSERT_TRUE(a.ok() && b.ok());
    const uint32_t seed = GetParam();
    Generator gen(seed);
    constexpr int kSteps = 3000;
    int differences = 0;
    for (int step = 0; step < kSteps && differences < 5; ++step) {
        Args cmd = gen.next();
        std::string mine = a.command(cmd);
        std::string theirs = b.command(cmd);
        if (mine != theirs) {
            ++differences;
            ADD_FAILURE() << "seed " << seed << " step " << step << ": " << describe(cmd)
                          << "\n  ringdis: " << escape_bytes(mine) << "\n  redis:   " << escape_bytes(theirs);
        }
    }
    EXPECT_EQ(differences, 0) << "replay with seed " << seed;
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomDifferentialTest, ::testing::Values(1u, 2u, 3u, 20261125u));

}  // namespace
}  // namespace testsupport
