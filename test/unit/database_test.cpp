// server/database.h: entries, TTLs and the volatile-key index. Stale
// pointers in the index are the classic bug here, so most tests end by
// expiring everything through expire_cycle(): under ASan a dangling index
// slot is a use-after-free, and without it the counts disagree.
#include "server/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace server {
namespace {

constexpr uint64_t kNoDeadline = UINT64_MAX;
constexpr int64_t kNow = 1'700'000'000'000;  // a fixed "wall clock" in ms

// splitmix64: consecutive outputs are independent enough that the bucket
// choice and the in-chain choice do not correlate (xorshift's low bits do).
uint64_t g_rng_state = 0x9E3779B97F4A7C15ULL;
uint64_t test_rng() {
    uint64_t z = (g_rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::string key_of(int i) { return "k" + std::to_string(i); }

class DatabaseTest : public testing::Test {
protected:
    std::optional<std::string> get(std::string_view key, int64_t now = kNow) {
        Entry* e = db_.lookup(key, now);
        if (e == nullptr) return std::nullopt;
        EXPECT_EQ(e->key(), key);
        EXPECT_EQ(e->type, ValueType::kString);
        return std::string(e->str());
    }
    int64_t ttl_of(std::string_view key) {
        Entry* e = db_.lookup(key, kNow);
        return e ? e->expire_ms() : -2;
    }
    // Runs active expiry far in the future until nothing volatile is left.
    size_t expire_everything() {
        size_t total = 0;
        for (int i = 0; i < 10000 && db_.volatile_count() > 0; ++i)
            total += db_.expire_cycle(INT64_MAX, kNoDeadline, test_rng);
        EXPECT_EQ(db_.volatile_count(), 0u);
        return total;
    }

    Database db_;
};

TEST_F(DatabaseTest, SetStringAndLookup) {
    EXPECT_EQ(db_.size(), 0u);
    EXPECT_FALSE(get("a"));
    Entry* e = db_.set_string("a", "1", false);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->key(), "a");
    EXPECT_EQ(e->str(), "1");
    EXPECT_EQ(e->expire_ms(), -1);
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(get("a"), "1");
    EXPECT_TRUE(db_.exists("a", kNow));
    EXPECT_FALSE(db_.exists("b", kNow));

    db_.set_string("a", "two", false);  // overwrite
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(get("a"), "two");

    db_.set_string("", "", false);  // empty key and value are fine
    EXPECT_EQ(get(""), "");
    std::string bin("x\0y\r\n", 5);
    db_.set_string(bin, bin, false);
    EXPECT_EQ(get(bin), bin);
    EXPECT_EQ(db_.size(), 3u);
}

TEST_F(DatabaseTest, ManyKeys) {
    for (int i = 0; i < 5000; ++i) db_.set_string(key_of(i), "v" + std::to_string(i), false);
    EXPECT_EQ(db_.size(), 5000u);
    for (int i = 0; i < 5000; ++i) ASSERT_EQ(get(key_of(i)), "v" + std::to_string(i)) << i;
}

TEST_F(DatabaseTest, ReplaceStringInPlaceWhenItFits) {
    Entry* e = db_.set_string("k", std::string(100, 'a'), false);
    Entry* same = db_.replace_string(e, std::string(96, 'b'));
    EXPECT_EQ(same, e) << "a slightly shorter value should reuse the block";
    EXPECT_EQ(get("k"), std::string(96, 'b'));
    EXPECT_EQ(db_.lookup("k", kNow), same);
}

TEST_F(DatabaseTest, ReplaceStringReallocatesWhenValueGrows) {
    Entry* e = db_.set_string("k", "small", false);
    std::string big(10000, 'x');
    big[0] = 'A';
    big.back() = 'Z';
    Entry* moved = db_.replace_string(e, big);
    EXPECT_NE(moved, e);
    EXPECT_EQ(db_.lookup("k", kNow), moved);
    EXPECT_EQ(get("k"), big);
    EXPECT_EQ(db_.size(), 1u);
    // And back down: a block far too big is given back.
    Entry* shrunk = db_.replace_string(moved, "tiny");
    EXPECT_EQ(get("k"), "tiny");
    EXPECT_EQ(db_.lookup("k", kNow), shrunk);
}

TEST_F(DatabaseTest, ReplaceStringKeepsTtlAndIndex) {
    Entry* e = db_.set_string("k", "v", false);
    e = db_.set_expire(e, kNow + 5000);
    e = db_.replace_string(e, std::string(5000, 'q'));  // moves
    EXPECT_EQ(e->expire_ms(), kNow + 5000);
    EXPECT_EQ(db_.volatile_count(), 1u);
    EXPECT_EQ(get("k"), std::string(5000, 'q'));
    EXPECT_EQ(expire_everything(), 1u);
    EXPECT_EQ(db_.size(), 0u);
}

TEST_F(DatabaseTest, ResizeStringKeepsThePrefix) {
    Entry* e = db_.set_string("k", "hello", false);
    e = db_.resize_string(e, 5000, 5);
    ASSERT_EQ(e->value_len, 5000u);
    EXPECT_EQ(e->str().substr(0, 5), "hello");
    std::memset(e->value_ptr() + 5, '.', 4995);
    EXPECT_EQ(get("k"), "hello" + std::string(4995, '.'));
    // Shrinking keeps what is asked for.
    e = db_.resize_string(db_.lookup("k", kNow), 3, 3);
    EXPECT_EQ(get("k"), "hel");
    // With a TTL the prefix and the TTL survive the move.
    e = db_.set_expire(db_.lookup("k", kNow), kNow + 1000);
    e = db_.resize_string(e, 100000, 3);
    EXPECT_EQ(e->str().substr(0, 3), "hel");
    EXPECT_EQ(e->expire_ms(), kNow + 1000);
    EXPECT_EQ(db_.lookup("k", kNow), e);
    EXPECT_EQ(expire_everything(), 1u);
}

TEST_F(DatabaseTest, SetExpireKeepsKeyAndValue) {
    Entry* e = db_.set_string("key", "value", false);
    Entry* v = db_.set_expire(e, kNow + 10000);
    EXPECT_EQ(v->key(), "key");
    EXPECT_EQ(v->str(), "value");
    EXPECT_EQ(v->expire_ms(), kNow + 10000);
    EXPECT_EQ(db_.volatile_count(), 1u);
    EXPECT_EQ(db_.lookup("key", kNow), v);
    // Changing the deadline does not add another index slot.
    v = db_.set_expire(v, kNow + 20000);
    EXPECT_EQ(v->expire_ms(), kNow + 20000);
    EXPECT_EQ(db_.volatile_count(), 1u);
    EXPECT_EQ(get("key"), "value");
}

TEST_F(DatabaseTest, PersistKeepsKeyAndValue) {
    Entry* e = db_.set_expire(db_.set_string("key", "value", false), kNow + 10000);
    Entry* p = db_.persist(e);
    EXPECT_EQ(p->key(), "key");
    EXPECT_EQ(p->str(), "value");
    EXPECT_EQ(p->expire_ms(), -1);
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(db_.lookup("key", kNow), p);
    // Persisting a persistent key changes nothing.
    EXPECT_EQ(db_.persist(p), p);
    EXPECT_EQ(db_.volatile_count(), 0u);
    // Far in the future it is still there.
    EXPECT_EQ(get("key", INT64_MAX), "value");
}

TEST_F(DatabaseTest, VolatileIndexSurvivesMixedPersistAndRemove) {
    for (int i = 0; i < 100; ++i) db_.set_expire(db_.set_string(key_of(i), "v", false), kNow + 1000 + i);
    EXPECT_EQ(db_.volatile_count(), 100u);
    // Take out slots from the middle, the front and the back.
    for (int i = 0; i < 100; i += 3) db_.persist(db_.lookup(key_of(i), kNow));
    for (int i = 1; i < 100; i += 3) EXPECT_TRUE(db_.remove(key_of(i)));
    EXPECT_EQ(db_.volatile_count(), 33u);  // i % 3 == 2
    EXPECT_EQ(db_.size(), 67u);
    for (int i = 2; i < 100; i += 3) EXPECT_EQ(ttl_of(key_of(i)), kNow + 1000 + i);
    EXPECT_EQ(expire_everything(), 33u);
    EXPECT_EQ(db_.size(), 34u);
    for (int i = 0; i < 100; i += 3) EXPECT_EQ(get(key_of(i), INT64_MAX), "v");
}

TEST_F(DatabaseTest, SetStringClearsOrKeepsTtl) {
    db_.set_expire(db_.set_string("k", "v", false), kNow + 1000);
    Entry* kept = db_.set_string("k", "v2", true);
    EXPECT_EQ(kept->expire_ms(), kNow + 1000);
    EXPECT_EQ(db_.volatile_count(), 1u);
    Entry* cleared = db_.set_string("k", "v3", false);
    EXPECT_EQ(cleared->expire_ms(), -1);
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(get("k"), "v3");
    // keep_ttl on a new key is just a set.
    EXPECT_EQ(db_.set_string("new", "x", true)->expire_ms(), -1);
}

TEST_F(DatabaseTest, LookupExpiresLazily) {
    db_.set_expire(db_.set_string("k", "v", false), kNow + 1000);
    db_.set_string("other", "o", false);
    EXPECT_EQ(get("k", kNow + 999), "v");
    EXPECT_TRUE(db_.exists("k", kNow + 999));
    // exists() reports it gone without deleting it.
    EXPECT_FALSE(db_.exists("k", kNow + 5000));
    EXPECT_EQ(db_.size(), 2u);
    EXPECT_EQ(db_.expired_keys(), 0u);
    EXPECT_FALSE(get("k", kNow + 5000));
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(db_.expired_keys(), 1u);
    EXPECT_FALSE(get("k", kNow));  // really gone, not just hidden
    EXPECT_EQ(get("other", kNow + 5000), "o");
}

// Redis (db.c keyIsExpired, activeExpireCycleTryExpire) treats a key as
// expired only when now > deadline: at the deadline millisecond itself the
// key is still there. ringdis deletes it at now >= deadline.
TEST_F(DatabaseTest, KeyLiveAtItsExactDeadline_MatchesRedis) {
    db_.set_expire(db_.set_string("k", "v", false), kNow + 1000);
    EXPECT_TRUE(db_.exists("k", kNow + 1000));
    EXPECT_EQ(get("k", kNow + 1000), "v");
    EXPECT_FALSE(get("k", kNow + 1001));
}

TEST_F(DatabaseTest, ExpireCycleRemovesExpiredAndLeavesLive) {
    for (int i = 0; i < 100; ++i) db_.set_expire(db_.set_string("dead" + std::to_string(i), "x", false), kNow - 1 - i);
    for (int i = 0; i < 100; ++i) db_.set_expire(db_.set_string("live" + std::to_string(i), "y", false), kNow + 100000);
    for (int i = 0; i < 100; ++i) db_.set_string("plain" + std::to_string(i), "z", false);
    ASSERT_EQ(db_.volatile_count(), 200u);
    size_t deleted = 0;
    for (int round = 0; round < 1000 && db_.volatile_count() > 100; ++round)
        deleted += db_.expire_cycle(kNow, kNoDeadline, test_rng);
    EXPECT_EQ(deleted, 100u);
    EXPECT_EQ(db_.expired_keys(), 100u);
    EXPECT_EQ(db_.volatile_count(), 100u);
    EXPECT_EQ(db_.size(), 200u);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(db_.exists("dead" + std::to_string(i), INT64_MIN)) << i;
        EXPECT_EQ(get("live" + std::to_string(i)), "y");
        EXPECT_EQ(get("plain" + std::to_string(i)), "z");
    }
    // Nothing else is due: a cycle now deletes nothing.
    EXPECT_EQ(db_.expire_cycle(kNow, kNoDeadline, test_rng), 0u);
}

TEST_F(DatabaseTest, ExpireCycleEmptiesAnAllExpiredDatabase) {
    for (int i = 0; i < 500; ++i) db_.set_expire(db_.set_string(key_of(i), "x", false), kNow - 10);
    // Every sample is fully expired, so one cycle keeps going to the end.
    EXPECT_EQ(db_.expire_cycle(kNow, kNoDeadline, test_rng), 500u);
    EXPECT_EQ(db_.size(), 0u);
    EXPECT_EQ(db_.volatile_count(), 0u);
}

TEST_F(DatabaseTest, ExpireCycleStopsAtItsDeadline) {
    for (int i = 0; i < 500; ++i) db_.set_expire(db_.set_string(key_of(i), "x", false), kNow - 10);
    // A deadline already past allows a single sample of at most 20 keys.
    size_t deleted = db_.expire_cycle(kNow, 0, test_rng);
    EXPECT_GE(deleted, 1u);
    EXPECT_LE(deleted, 20u);
    EXPECT_EQ(db_.size(), 500u - deleted);
    EXPECT_EQ(db_.volatile_count(), 500u - deleted);
}

TEST_F(DatabaseTest, ExpireCycleOnNothingVolatile) {
    db_.set_string("a", "b", false);
    EXPECT_EQ(db_.expire_cycle(kNow, kNoDeadline, test_rng), 0u);
    EXPECT_EQ(db_.size(), 1u);
}

TEST_F(DatabaseTest, Remove) {
    db_.set_string("a", "1", false);
    db_.set_expire(db_.set_string("b", "2", false), kNow + 100);
    EXPECT_TRUE(db_.remove("a"));
    EXPECT_FALSE(db_.remove("a"));
    EXPECT_TRUE(db_.remove("b"));
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(db_.size(), 0u);
    EXPECT_FALSE(db_.remove("never"));
}

TEST_F(DatabaseTest, ClearEmptiesEverything) {
    for (int i = 0; i < 1000; ++i) {
        Entry* e = db_.set_string(key_of(i), "v", false);
        if (i % 2) db_.set_expire(e, kNow + i);
    }
    db_.clear();
    EXPECT_EQ(db_.size(), 0u);
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_FALSE(get(key_of(1)));
    db_.set_expire(db_.set_string("after", "clear", false), kNow + 1);
    EXPECT_EQ(get("after"), "clear");
    EXPECT_EQ(expire_everything(), 1u);
}

TEST_F(DatabaseTest, RenameKeepsValueAndTtl) {
    Entry* e = db_.set_expire(db_.set_string("old", "value", false), kNow + 777);
    Entry* n = db_.rename(e, "new");
    EXPECT_EQ(n->key(), "new");
    EXPECT_EQ(n->str(), "value");
    EXPECT_EQ(n->expire_ms(), kNow + 777);
    EXPECT_FALSE(get("old"));
    EXPECT_EQ(get("new"), "value");
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(db_.volatile_count(), 1u);
    EXPECT_EQ(expire_everything(), 1u);
}

TEST_F(DatabaseTest, RenameOntoAnExistingVolatileKey) {
    Entry* src = db_.set_string("src", "s", false);
    db_.set_expire(db_.set_string("dst", "d", false), kNow + 50);
    Entry* n = db_.rename(src, "dst");
    EXPECT_EQ(n->str(), "s");
    EXPECT_EQ(n->expire_ms(), -1);
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(get("dst", INT64_MAX), "s");
}

TEST_F(DatabaseTest, RenameToItself) {
    Entry* e = db_.set_expire(db_.set_string("k", "v", false), kNow + 5);
    Entry* n = db_.rename(e, "k");
    EXPECT_EQ(n->str(), "v");
    EXPECT_EQ(n->expire_ms(), kNow + 5);
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(db_.volatile_count(), 1u);
    EXPECT_EQ(expire_everything(), 1u);
}

TEST_F(DatabaseTest, MoveToAnotherDatabase) {
    Database other;
    Entry* e = db_.set_expire(db_.set_string("k", "v", false), kNow + 100);
    db_.set_string("stay", "s", false);
    db_.move_to(e, other);
    EXPECT_FALSE(get("k"));
    EXPECT_EQ(db_.size(), 1u);
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(other.size(), 1u);
    EXPECT_EQ(other.volatile_count(), 1u);
    Entry* moved = other.lookup("k", kNow);
    ASSERT_NE(moved, nullptr);
    EXPECT_EQ(moved->str(), "v");
    EXPECT_EQ(moved->expire_ms(), kNow + 100);
    EXPECT_EQ(other.expire_cycle(INT64_MAX, kNoDeadline, test_rng), 1u);
    EXPECT_EQ(other.size(), 0u);
}

TEST_F(DatabaseTest, AddCopyIsIndependent) {
    Entry* src = db_.set_expire(db_.set_string("src", "value", false), kNow + 9);
    Database other;
    Entry* c = other.add_copy(src, "copy");
    EXPECT_EQ(c->str(), "value");
    EXPECT_EQ(c->expire_ms(), kNow + 9);
    EXPECT_EQ(other.volatile_count(), 1u);
    db_.replace_string(db_.lookup("src", kNow), "changed");
    EXPECT_EQ(other.lookup("copy", kNow)->str(), "value");
    // Replacing an existing key in the same database.
    db_.set_string("dst", "old", false);
    db_.add_copy(db_.lookup("src", kNow), "dst");
    EXPECT_EQ(get("dst"), "changed");
    EXPECT_EQ(db_.size(), 2u);
    EXPECT_EQ(db_.volatile_count(), 2u);
    EXPECT_EQ(expire_everything(), 2u);
}

TEST_F(DatabaseTest, SwapExchangesDatabases) {
    Database other;
    db_.set_expire(db_.set_string("mine", "1", false), kNow + 1);
    other.set_string("theirs", "2", false);
    db_.swap(other);
    EXPECT_EQ(get("theirs"), "2");
    EXPECT_FALSE(get("mine"));
    EXPECT_EQ(db_.volatile_count(), 0u);
    EXPECT_EQ(other.volatile_count(), 1u);
    EXPECT_EQ(other.lookup("mine", kNow)->str(), "1");
}

TEST_F(DatabaseTest, RandomEntrySkipsAndDeletesExpired) {
    EXPECT_EQ(db_.random_entry(kNow, test_rng), nullptr);
    for (int i = 0; i < 20; ++i) db_.set_expire(db_.set_string(key_of(i), "x", false), kNow - 1);
    db_.set_string("live", "y", false);
    for (int i = 0; i < 50; ++i) {
        Entry* e = db_.random_entry(kNow, test_rng);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->key(), "live");
    }
    db_.remove("live");
    for (int i = 0; i < 3; ++i) db_.set_expire(db_.set_string(key_of(100 + i), "x", false), kNow - 1);
    EXPECT_EQ(db_.random_entry(kNow, test_rng), nullptr);
}

TEST_F(DatabaseTest, MaintainShrinksAfterMassDelete) {
    for (int i = 0; i < 4000; ++i) db_.set_string(key_of(i), "v", false);
    for (int i = 0; i < 50; ++i) db_.maintain(100000);
    const size_t big = db_.dict().buckets();
    for (int i = 10; i < 4000; ++i) db_.remove(key_of(i));
    for (int i = 0; i < 50; ++i) db_.maintain(100000);
    EXPECT_FALSE(db_.dict().rehashing());
    EXPECT_LT(db_.dict().buckets(), big);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(get(key_of(i)), "v");
}

// A random walk over every mutating call, checked against a model; any
// stale entry pointer in the table or the volatile index shows up as a
// wrong answer, or under ASan as a use-after-free.
TEST_F(DatabaseTest, RandomOperationsAgreeWithAModel) {
    struct Val {
        std::string s;
        int64_t ttl;  // absolute ms, or -1
    };
    std::map<std::string, Val> model;
    uint64_t st = 7;
    auto rnd = [&](uint64_t n) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        return (st >> 33) % n;
    };
    for (int op = 0; op < 30000; ++op) {
        std::string k = key_of(static_cast<int>(rnd(400)));
        auto it = model.find(k);
        Entry* e = db_.lookup(k, kNow);  // nothing expires at kNow: all TTLs are later
        ASSERT_EQ(e != nullptr, it != model.end()) << k;
        if (e) {
            ASSERT_EQ(e->str(), it->second.s) << k;
            ASSERT_EQ(e->expire_ms(), it->second.ttl) << k;
        }
        switch (rnd(8)) {
        case 0: {
            std::string v(rnd(300), static_cast<char>('a' + rnd(26)));
            bool keep = rnd(2);
            db_.set_string(k, v, keep);
            int64_t ttl = (keep && it != model.end()) ? it->second.ttl : -1;
            model[k] = {v, ttl};
            break;
        }
        case 1:
            if (e) {
                std::string v(rnd(2000), 'r');
                db_.replace_string(e, v);
                it->second.s = v;
            }
            break;
        case 2:
            if (e) {
                size_t keep = std::min<size_t>(e->value_len, rnd(50));
                size_t len = keep + rnd(500);
                e = db_.resize_string(e, len, keep);
                std::memset(e->value_ptr() + keep, '#', len - keep);
                it->second.s = it->second.s.substr(0, keep) + std::string(len - keep, '#');
            }
            break;
        case 3:
            if (e) {
                int64_t t = kNow + 1 + static_cast<int64_t>(rnd(100000));
                db_.set_expire(e, t);
                it->second.ttl = t;
            }
            break;
        case 4:
            if (e) {
                db_.persist(e);
                it->second.ttl = -1;
            }
            break;
        case 5:
            EXPECT_EQ(db_.remove(k), it != model.end());
            if (it != model.end()) model.erase(it);
            break;
        case 6:
            if (e && rnd(4) == 0) {
                std::string to = key_of(static_cast<int>(rnd(400)));
                Val v = it->second;
                db_.rename(e, to);
                model.erase(k);
                model[to] = v;
            }
            break;
        default:
            db_.maintain(50);
            break;
        }
        ASSERT_EQ(db_.size(), model.size());
        size_t vol = 0;
        for (const auto& [mk, mv] : model) vol += mv.ttl != -1;
        ASSERT_EQ(db_.volatile_count(), vol);
    }
    size_t vol = 0;
    for (const auto& [mk, mv] : model) vol += mv.ttl != -1;
    EXPECT_EQ(expire_everything(), vol);
    EXPECT_EQ(db_.size(), model.size() - vol);
}

TEST(Databases, SixteenIndependentDatabases) {
    Databases dbs;
    for (int i = 0; i < Databases::kCount; ++i) dbs.at(i).set_string("k", std::to_string(i), false);
    for (int i = 0; i < Databases::kCount; ++i) EXPECT_EQ(dbs.at(i).lookup("k", kNow)->str(), std::to_string(i));
    dbs.swap(0, 15);
    EXPECT_EQ(dbs.at(0).lookup("k", kNow)->str(), "15");
    EXPECT_EQ(dbs.at(15).lookup("k", kNow)->str(), "0");
    dbs.clear_all();
    for (int i = 0; i < Databases::kCount; ++i) EXPECT_EQ(dbs.at(i).size(), 0u);
}

}  // namespace
}  // namespace server
