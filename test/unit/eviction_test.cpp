// server/eviction.h and server/memory_usage.h: the LRU clock and LFU
// counter of the access stamp, the eviction pool, Dict::sample, the stamp's
// life through the database's reallocations, what touches it, and the
// choice of the key evicted under each policy (with samples covering every
// key, so the choice is deterministic).
#include "server/eviction.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/database.h"
#include "server/dict.h"
#include "server/memory_usage.h"
#include "test/unit/command_fixture.h"

namespace server {
namespace {

using lru::make_stamp;

// ---- LRU clock ------------------------------------------------------------

TEST(LruClock, IdleTimeInMilliseconds) {
    EXPECT_EQ(lru::clock_at(1'700'000'123'456), (1'700'000'123u) & lru::kClockMax);
    EXPECT_EQ(lru::idle_ms(make_stamp(100, 5), 100), 0u);
    EXPECT_EQ(lru::idle_ms(make_stamp(100, 5), 160), 60'000u);
    // The counter bits do not disturb the clock.
    EXPECT_EQ(lru::idle_ms(make_stamp(100, 255), 101), 1000u);
}

TEST(LruClock, IdleTimeAcrossTheWrap) {
    // 24 bits of seconds wrap after 194 days; Redis counts across the wrap.
    EXPECT_EQ(lru::idle_ms(make_stamp(lru::kClockMax - 10, 5), 5), 15'000u);
}

TEST(LruClock, TouchKeepsTheCounter) {
    uint32_t s = lru::touched_lru(make_stamp(100, 42), 500);
    EXPECT_EQ(lru::clock_of(s), 500u);
    EXPECT_EQ(lru::counter_of(s), 42);
}

// ---- LFU counter ----------------------------------------------------------

TEST(LfuCounter, DecaysOnePerPeriodOfWholeMinutes) {
    const uint32_t t = 6000;  // a multiple of 60: a minute starts here
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t, 10), t + 59, 1), 10);
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t, 10), t + 60, 1), 9);
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t, 10), t + 60 * 7, 1), 3);
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t, 10), t + 60 * 30, 1), 0);
    // Minutes are counted as Redis's minute clock does: crossing a boundary.
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t + 59, 10), t + 61, 1), 9);
    // lfu-decay-time 3: one step per three minutes; 0: no decay.
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t, 10), t + 60 * 7, 3), 8);
    EXPECT_EQ(lru::lfu_decayed(make_stamp(t, 10), t + 60 * 1000, 0), 10);
}

TEST(LfuCounter, LogIncrement) {
    // Below the initial value every access counts.
    EXPECT_EQ(lru::lfu_log_incr(0, 10, 0.99), 1);
    EXPECT_EQ(lru::lfu_log_incr(5, 10, 0.99), 6);
    // Then with probability 1 / ((counter - 5) * factor + 1).
    EXPECT_EQ(lru::lfu_log_incr(15, 10, 0.5), 15);
    EXPECT_EQ(lru::lfu_log_incr(15, 10, 0.009), 16);  // p = 1/101
    EXPECT_EQ(lru::lfu_log_incr(15, 10, 0.0101), 15);
    EXPECT_EQ(lru::lfu_log_incr(15, 0, 0.99), 16);  // factor 0: always
    EXPECT_EQ(lru::lfu_log_incr(255, 0, 0.0), 255);
}

TEST(LfuCounter, GrowsLogarithmically) {
    // Redis's table for lfu-log-factor 10: about 10 after 100 hits, 18 after
    // 1000, 142 after 100k.
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    uint8_t c = lru::kLfuInitVal;
    int hits = 0;
    auto hit_until = [&](int n) {
        for (; hits < n; ++hits) c = lru::lfu_log_incr(c, 10, unit(gen));
        return c;
    };
    uint8_t at100 = hit_until(100);
    EXPECT_GE(at100, 8);
    EXPECT_LE(at100, 13);
    uint8_t at1000 = hit_until(1000);
    EXPECT_GE(at1000, 15);
    EXPECT_LE(at1000, 22);
    uint8_t at100k = hit_until(100'000);
    EXPECT_GE(at100k, 120);
    EXPECT_LE(at100k, 165);
}

TEST(LfuCounter, TouchDecaysThenIncrements) {
    // Idle ten minutes at 20: decays to 10, then (below 5 + 1/factor...) the
    // increment is a coin toss; with factor 0 it always happens.
    uint32_t s = lru::touched_lfu(make_stamp(6000, 20), 6600, 0, 1);
    EXPECT_EQ(lru::counter_of(s), 11);
    EXPECT_EQ(lru::clock_of(s), 6600u);
}

// ---- Eviction pool --------------------------------------------------------

TEST(EvictionPool, KeepsTheBestSixteenInOrder) {
    EvictionPool pool;
    Database* db = nullptr;
    // Scores 0..39 offered in a scrambled order.
    for (int i = 0; i < 40; ++i) {
        int score = (i * 17) % 40;
        pool.offer(static_cast<uint64_t>(score), db, "k" + std::to_string(score));
    }
    ASSERT_EQ(pool.size(), EvictionPool::kSize);
    for (size_t i = 1; i < EvictionPool::kSize; ++i) EXPECT_LT(pool.at(i - 1).score, pool.at(i).score);
    std::string key;
    Database* from = nullptr;
    for (int expect = 39; expect >= 24; --expect) {
        ASSERT_TRUE(pool.take_best(key, from));
        EXPECT_EQ(key, "k" + std::to_string(expect));
    }
    EXPECT_FALSE(pool.take_best(key, from));
    EXPECT_EQ(pool.size(), 0u);
}

TEST(EvictionPool, WorseThanAllIsIgnoredWhenFull) {
    EvictionPool pool;
    for (int i = 0; i < 16; ++i) pool.offer(100 + static_cast<uint64_t>(i), nullptr, "k" + std::to_string(i));
    pool.offer(5, nullptr, "worse");
    EXPECT_EQ(pool.at(0).key, "k0");
    // A better one pushes the worst out.
    pool.offer(1000, nullptr, "best");
    EXPECT_EQ(pool.at(0).key, "k1");
    EXPECT_EQ(pool.at(15).key, "best");
    // And one in the middle lands in order.
    pool.offer(107, nullptr, "mid");
    std::vector<uint64_t> scores;
    for (size_t i = 0; i < pool.size(); ++i) scores.push_back(pool.at(i).score);
    EXPECT_TRUE(std::is_sorted(scores.begin(), scores.end()));
    EXPECT_EQ(pool.at(0).key, "k2");
}

TEST(EvictionPool, TakingLeavesTheRestPackedAndClearEmpties) {
    EvictionPool pool;
    pool.offer(3, nullptr, "c");
    pool.offer(1, nullptr, "a");
    pool.offer(2, nullptr, "b");
    std::string key;
    Database* db = nullptr;
    ASSERT_TRUE(pool.take_best(key, db));
    EXPECT_EQ(key, "c");
    pool.offer(5, nullptr, "e");  // goes right after b, not into a hole
    EXPECT_EQ(pool.at(2).key, "e");
    ASSERT_TRUE(pool.take_best(key, db));
    EXPECT_EQ(key, "e");
    pool.clear();
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_FALSE(pool.take_best(key, db));
}

// ---- Dict::sample ---------------------------------------------------------

uint64_t g_rng_state = 0x9E3779B97F4A7C15ULL;
uint64_t test_rng() {
    uint64_t z = (g_rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

TEST(DictSample, LiveEntriesAndEveryKeyInTime) {
    Database db;
    for (int i = 0; i < 1000; ++i) db.set_string("key:" + std::to_string(i), "v", false);
    std::set<std::string> seen;
    Entry* out[16];
    for (int round = 0; round < 2000; ++round) {
        size_t n = db.dict().sample(out, 16, test_rng);
        ASSERT_EQ(n, 16u);
        for (size_t j = 0; j < n; ++j) {
            ASSERT_EQ(db.dict().find(out[j]->key()), out[j]);
            seen.insert(std::string(out[j]->key()));
        }
    }
    EXPECT_EQ(seen.size(), 1000u);
    // Asking for as many as there are returns each once.
    Database small;
    for (const char* k : {"a", "b", "c", "d", "e"}) small.set_string(k, "1", false);
    ASSERT_EQ(small.dict().sample(out, 16, test_rng), 5u);
    EXPECT_EQ(std::set<Entry*>(out, out + 5).size(), 5u);
    Database empty;
    EXPECT_EQ(empty.dict().sample(out, 16, test_rng), 0u);
}

TEST(DictSample, WorksWhileRehashing) {
    Database db;
    int i = 0;
    // Grow until a rehash is in progress.
    while (!db.dict().rehashing() || db.size() < 100) db.set_string("key:" + std::to_string(i++), "v", false);
    Entry* out[8];
    size_t n = db.dict().sample(out, 8, test_rng);
    EXPECT_GT(n, 0u);
    for (size_t j = 0; j < n; ++j) EXPECT_NE(db.dict().find(out[j]->key()), nullptr);
}

// ---- The stamp through the database --------------------------------------

class StampTest : public testing::Test {
protected:
    StampTest() { lru::g_clock = 1000; }
    Database db_;
};

TEST_F(StampTest, NewKeysGetTheClockAndTheInitialCounter) {
    Entry* e = db_.set_string("k", "v", false);
    EXPECT_EQ(e->stamp(), make_stamp(1000, lru::kLfuInitVal));
}

TEST_F(StampTest, ReallocationsKeepIt) {
    const uint32_t stamp = make_stamp(77, 42);
    Entry* e = db_.set_string("k", "v", false);
    e->set_stamp(stamp);
    e = db_.resize_string(e, 600, 1);  // grows: moves
    std::memset(e->value_ptr() + 1, 'x', 599);
    EXPECT_EQ(e->stamp(), stamp);
    e = db_.replace_string(e, std::string(590, 'y'));  // in place
    EXPECT_EQ(e->stamp(), stamp);
    e = db_.replace_string(e, "z");  // shrinks for good: moves
    EXPECT_EQ(e->stamp(), stamp);
    e = db_.set_expire(e, 1'900'000'000'000);
    EXPECT_EQ(e->stamp(), stamp);
    EXPECT_EQ(e->str(), "z");
    e = db_.persist(e);
    EXPECT_EQ(e->stamp(), stamp);
    e = db_.rename(e, "renamed");  // RENAME keeps the value's access data
    EXPECT_EQ(e->stamp(), stamp);
    EXPECT_EQ(e->str(), "z");
    Entry* copy = db_.add_copy(e, "copy");  // COPY makes a new value
    EXPECT_EQ(copy->stamp(), make_stamp(1000, lru::kLfuInitVal));
    Database other;
    db_.move_to(e, other);
    EXPECT_EQ(other.dict().find("renamed")->stamp(), stamp);
}

// ---- What touches the stamp (commands) ------------------------------------

class TouchTest : public cmdtest::CommandFixture {
protected:
    TouchTest() { srv_.config().maxmemory_policy = MaxmemoryPolicy::kAllKeysLru; }
    Entry* entry(std::string_view key) { return srv_.shared_databases().at(0).dict().find(key); }
    std::string idle(std::string_view key) { return run({"OBJECT", "IDLETIME", key}); }
};

TEST_F(TouchTest, ReadsAndWritesTouchInspectionDoesNot) {
    lru::g_clock = 5000;
    for (const char* k : {"a", "b", "c", "d", "e", "f"}) ASSERT_EQ(run({"SET", k, "hello"}), cmdtest::kOk);
    lru::g_clock = 5010;
    EXPECT_EQ(idle("a"), ":10\r\n");
    // EXISTS, TYPE, TTL and OBJECT look without touching (Redis's NOTOUCH).
    run({"EXISTS", "a"});
    run({"TYPE", "a"});
    run({"TTL", "a"});
    run({"PTTL", "a"});
    run({"OBJECT", "ENCODING", "a"});
    EXPECT_EQ(idle("a"), ":10\r\n");
    run({"GET", "b"});
    run({"APPEND", "c", "x"});
    run({"TOUCH", "d"});
    run({"SET", "e", "other"});
    run({"EXPIRE", "f", "100"});
    for (const char* k : {"b", "c", "d", "e", "f"}) EXPECT_EQ(idle(k), ":0\r\n") << k;
}

TEST_F(TouchTest, PoliciesThatDoNotRankByAccessLeaveStampsAlone) {
    for (MaxmemoryPolicy p : {MaxmemoryPolicy::kNoEviction, MaxmemoryPolicy::kAllKeysRandom,
                              MaxmemoryPolicy::kVolatileRandom, MaxmemoryPolicy::kVolatileTtl}) {
        srv_.config().maxmemory_policy = p;
        lru::g_clock = 5000;
        ASSERT_EQ(run({"SET", "k", "hello"}), cmdtest::kOk);
        lru::g_clock = 5007;
        run({"GET", "k"});
        EXPECT_EQ(idle("k"), ":7\r\n");  // since creation
        run({"DEL", "k"});
    }
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kVolatileLru;
    lru::g_clock = 5000;
    ASSERT_EQ(run({"SET", "k", "hello"}), cmdtest::kOk);
    lru::g_clock = 5007;
    run({"GET", "k"});
    EXPECT_EQ(idle("k"), ":0\r\n");
}

TEST_F(TouchTest, OverwritingAnObjectWithAStringKeepsTheCounter) {
    lru::g_clock = 5000;
    ASSERT_EQ(run({"RPUSH", "l", "a", "b"}), cmdtest::integer(2));
    EXPECT_EQ(entry("l")->stamp(), make_stamp(5000, lru::kLfuInitVal));
    entry("l")->set_stamp(make_stamp(4000, 33));
    lru::g_clock = 5005;
    ASSERT_EQ(run({"SET", "l", std::string(100, 's')}), cmdtest::kOk);
    EXPECT_EQ(entry("l")->stamp(), make_stamp(5005, 33));
    EXPECT_EQ(entry("l")->str(), std::string(100, 's'));
}

TEST_F(TouchTest, LfuPolicyCountsAccesses) {
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kAllKeysLfu;
    srv_.config().lfu_log_factor = 0;
    lru::g_clock = 6000;
    ASSERT_EQ(run({"SET", "k", "hello"}), cmdtest::kOk);
    EXPECT_EQ(run({"OBJECT", "FREQ", "k"}), ":5\r\n");
    for (int i = 0; i < 10; ++i) run({"GET", "k"});
    EXPECT_EQ(run({"OBJECT", "FREQ", "k"}), ":15\r\n");
    lru::g_clock = 6000 + 60 * 4;  // four idle minutes
    EXPECT_EQ(run({"OBJECT", "FREQ", "k"}), ":11\r\n");
}

// ---- Which key goes, per policy -------------------------------------------

class PolicyTest : public cmdtest::CommandFixture {
protected:
    PolicyTest() {
        srv_.config().maxmemory_samples = 16;  // more than the keys: every key is seen
        lru::g_clock = 10'000;
    }
    Database& db() { return srv_.shared_databases().at(0); }
    // Sets a limit one byte under the current use and runs one eviction:
    // exactly one key goes.
    Eviction::Result evict_one() {
        srv_.config().maxmemory = static_cast<int64_t>(memory::used()) - 1;
        Eviction::Result r = srv_.eviction().perform();
        srv_.config().maxmemory = 0;
        return r;
    }
    std::set<std::string> keys() {
        std::set<std::string> out;
        db().dict().for_each([&](const Entry* e) { out.insert(std::string(e->key())); });
        return out;
    }
};

TEST_F(PolicyTest, MemoryCounterCountsLiveBlocks) {
    // The wrappers are left out under sanitizers, whose runtime counts.
#if !defined(__SANITIZE_ADDRESS__)
    EXPECT_TRUE(memory::exact());
#endif
    const size_t before = memory::used();
    void* p = std::malloc(100'000);
    asm volatile("" : : "r"(p) : "memory");
    const size_t during = memory::used();
    EXPECT_GE(during, before + 100'000);
    std::free(p);
    EXPECT_LE(memory::used(), during - 100'000);
}

TEST_F(PolicyTest, AllkeysLruEvictsTheLongestIdle) {
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kAllKeysLru;
    for (const char* k : {"a", "b", "c", "d"}) db().set_string(k, "value", false);
    db().dict().find("a")->set_stamp(make_stamp(9990, 5));
    db().dict().find("b")->set_stamp(make_stamp(9000, 5));  // idle longest
    db().dict().find("c")->set_stamp(make_stamp(9999, 5));
    db().dict().find("d")->set_stamp(make_stamp(9500, 5));
    EXPECT_EQ(evict_one(), Eviction::Result::kOk);
    EXPECT_EQ(keys(), (std::set<std::string>{"a", "c", "d"}));
    EXPECT_EQ(evict_one(), Eviction::Result::kOk);
    EXPECT_EQ(keys(), (std::set<std::string>{"a", "c"}));
    EXPECT_EQ(srv_.stats().evicted_keys, 2u);
}

TEST_F(PolicyTest, AllkeysLfuEvictsTheLeastFrequent) {
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kAllKeysLfu;
    for (const char* k : {"a", "b", "c"}) db().set_string(k, "value", false);
    db().dict().find("a")->set_stamp(make_stamp(10'000, 30));
    db().dict().find("b")->set_stamp(make_stamp(10'000, 12));
    // c was used more, but long ago: decayed below b.
    db().dict().find("c")->set_stamp(make_stamp(10'000 - 60 * 20, 25));
    evict_one();
    EXPECT_EQ(keys(), (std::set<std::string>{"a", "b"}));
    evict_one();
    EXPECT_EQ(keys(), (std::set<std::string>{"a"}));
}

TEST_F(PolicyTest, VolatileTtlEvictsTheNearestExpiryAndOnlyVolatileKeys) {
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kVolatileTtl;
    const int64_t now = 1'900'000'000'000;
    for (const char* k : {"persistent", "far", "near", "middle"}) db().set_string(k, "value", false);
    db().set_expire(db().dict().find("far"), now + 300'000);
    db().set_expire(db().dict().find("near"), now + 1'000);
    db().set_expire(db().dict().find("middle"), now + 60'000);
    evict_one();
    EXPECT_EQ(keys(), (std::set<std::string>{"persistent", "far", "middle"}));
    evict_one();
    evict_one();
    EXPECT_EQ(keys(), (std::set<std::string>{"persistent"}));
    // Nothing volatile left: the limit cannot be met.
    EXPECT_EQ(evict_one(), Eviction::Result::kFail);
    EXPECT_EQ(keys(), (std::set<std::string>{"persistent"}));
}

TEST_F(PolicyTest, VolatileLruIgnoresKeysWithoutTtl) {
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kVolatileLru;
    for (const char* k : {"old", "young"}) db().set_string(k, "value", false);
    db().dict().find("old")->set_stamp(make_stamp(1, 5));  // oldest, but no TTL
    db().set_expire(db().dict().find("young"), 1'900'000'000'000);
    evict_one();
    EXPECT_EQ(keys(), (std::set<std::string>{"old"}));
}

TEST_F(PolicyTest, RandomPoliciesAndEveryDatabase) {
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kAllKeysRandom;
    srv_.shared_databases().at(3).set_string("in-db3", "value", false);
    srv_.shared_databases().at(9).set_string("in-db9", "value", false);
    evict_one();
    evict_one();
    EXPECT_EQ(srv_.shared_databases().at(3).size() + srv_.shared_databases().at(9).size(), 0u);
    EXPECT_EQ(evict_one(), Eviction::Result::kFail);

    srv_.config().maxmemory_policy = MaxmemoryPolicy::kVolatileRandom;
    db().set_string("p", "value", false);
    db().set_string("v", "value", false);
    db().set_expire(db().dict().find("v"), 1'900'000'000'000);
    evict_one();
    EXPECT_EQ(keys(), (std::set<std::string>{"p"}));
}

TEST_F(PolicyTest, NoevictionFailsAndUnderTheLimitNothingHappens) {
    db().set_string("k", "value", false);
    EXPECT_EQ(evict_one(), Eviction::Result::kFail);  // noeviction
    srv_.config().maxmemory_policy = MaxmemoryPolicy::kAllKeysLru;
    srv_.config().maxmemory = static_cast<int64_t>(memory::used()) + 100'000;
    EXPECT_EQ(srv_.eviction().perform(), Eviction::Result::kOk);
    EXPECT_EQ(db().size(), 1u);
    srv_.config().maxmemory = 0;
}

TEST_F(PolicyTest, OomRefusalThroughDispatch) {
    ASSERT_EQ(run({"SET", "k", "v"}), cmdtest::kOk);
    srv_.config().maxmemory = 1;  // noeviction, always over
    const std::string oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    EXPECT_EQ(run({"SET", "k2", "v"}), oom);
    EXPECT_EQ(run({"GET", "k"}), cmdtest::bulk("v"));
    EXPECT_EQ(run({"DEL", "k"}), cmdtest::integer(1));
    EXPECT_EQ(run({"MULTI"}), cmdtest::kOk);
    EXPECT_EQ(run({"PING"}), oom);
    EXPECT_EQ(run({"DISCARD"}), cmdtest::kOk);
    srv_.config().maxmemory = 0;
    EXPECT_EQ(run({"SET", "k2", "v"}), cmdtest::kOk);
}

}  // namespace
}  // namespace server
