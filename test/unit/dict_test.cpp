// server/dict.h: the keyspace's incrementally rehashed table. The table
// links entries it does not own, so these tests allocate entries the way the
// database does (entry.h layout, malloc) and free them through clear().
#include "server/dict.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace server {
namespace {

Entry* make_entry(std::string_view key, std::string_view value = "v") {
    auto* e = static_cast<Entry*>(std::malloc(Entry::alloc_size(false, key.size(), value.size())));
    e->next = nullptr;
    e->key_len = static_cast<uint32_t>(key.size());
    e->value_len = static_cast<uint32_t>(value.size());
    e->type = ValueType::kString;
    e->has_expire = 0;
    std::memcpy(e->body(), key.data(), key.size());
    if (!value.empty()) std::memcpy(e->value_ptr(), value.data(), value.size());
    return e;
}

std::string key_of(int i) { return "key:" + std::to_string(i); }

// splitmix64: consecutive outputs are independent enough that the bucket
// choice and the in-chain choice do not correlate (xorshift's low bits do).
uint64_t g_rng_state = 88172645463325252ULL;
uint64_t test_rng() {
    uint64_t z = (g_rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

class DictTest : public testing::Test {
protected:
    ~DictTest() override { dict_.clear([](Entry* e) { std::free(e); }); }

    void add(const std::string& key) { dict_.insert(make_entry(key, "value of " + key)); }
    bool del(const std::string& key) {
        Entry* e = dict_.remove(key);
        if (e == nullptr) return false;
        EXPECT_EQ(e->key(), key);
        std::free(e);
        return true;
    }
    // Inserts keys [from, to).
    void add_range(int from, int to) {
        for (int i = from; i < to; ++i) add(key_of(i));
    }
    // Adds keys until an insert has just started a resize, so nothing has
    // been moved to the new table yet.
    int add_until_rehashing(int next) {
        while (!dict_.rehashing()) add(key_of(next++));
        return next;
    }
    // Drives one full cursor iteration, calling between() after each step.
    template <typename Between>
    std::multiset<std::string> full_scan(Between between) {
        std::multiset<std::string> seen;
        uint64_t cursor = 0;
        int calls = 0;
        do {
            cursor = dict_.scan(cursor, [&](Entry* e) { seen.insert(std::string(e->key())); });
            between();
            EXPECT_LT(++calls, 1 << 22) << "scan does not terminate";
            if (calls >= 1 << 22) break;
        } while (cursor != 0);
        return seen;
    }

    Dict dict_;
};

TEST_F(DictTest, EmptyTable) {
    EXPECT_EQ(dict_.size(), 0u);
    EXPECT_EQ(dict_.buckets(), 0u);
    EXPECT_FALSE(dict_.rehashing());
    EXPECT_EQ(dict_.find("x"), nullptr);
    EXPECT_EQ(dict_.find_link("x"), nullptr);
    EXPECT_EQ(dict_.remove("x"), nullptr);
    EXPECT_EQ(dict_.random_entry(test_rng), nullptr);
    int calls = 0;
    EXPECT_EQ(dict_.scan(0, [&](Entry*) { ++calls; }), 0u);
    EXPECT_EQ(calls, 0);
    EXPECT_FALSE(dict_.rehash_step(10));
    EXPECT_EQ(dict_.rehash_for_us(1000), 0u);
}

TEST_F(DictTest, InsertFindRemoveManyKeys) {
    constexpr int kN = 20000;
    add_range(0, kN);
    EXPECT_EQ(dict_.size(), static_cast<size_t>(kN));
    for (int i = 0; i < kN; ++i) {
        Entry* e = dict_.find(key_of(i));
        ASSERT_NE(e, nullptr) << i;
        EXPECT_EQ(e->key(), key_of(i));
        EXPECT_EQ(e->str(), "value of " + key_of(i));
    }
    EXPECT_EQ(dict_.find("key:-1"), nullptr);
    EXPECT_EQ(dict_.find(key_of(kN)), nullptr);
    EXPECT_EQ(dict_.find("key:1 "), nullptr);
    EXPECT_EQ(dict_.find("key:"), nullptr);

    for (int i = 0; i < kN; i += 2) ASSERT_TRUE(del(key_of(i))) << i;
    EXPECT_EQ(dict_.size(), static_cast<size_t>(kN / 2));
    for (int i = 0; i < kN; ++i) EXPECT_EQ(dict_.find(key_of(i)) != nullptr, i % 2 == 1) << i;
    EXPECT_FALSE(del(key_of(0)));
    for (int i = 1; i < kN; i += 2) ASSERT_TRUE(del(key_of(i))) << i;
    EXPECT_EQ(dict_.size(), 0u);
}

TEST_F(DictTest, KeysDifferingOnlyInLengthOrBinaryBytes) {
    add("a");
    add("aa");
    add("");
    add(std::string("a\0b", 3));
    add(std::string("a\0c", 3));
    EXPECT_EQ(dict_.size(), 5u);
    EXPECT_EQ(dict_.find("")->key(), "");
    EXPECT_EQ(dict_.find(std::string_view("a\0b", 3))->key(), std::string_view("a\0b", 3));
    EXPECT_EQ(dict_.find(std::string_view("a\0c", 3))->key(), std::string_view("a\0c", 3));
    EXPECT_EQ(dict_.find(std::string_view("a\0", 2)), nullptr);
    EXPECT_TRUE(del("aa"));
    EXPECT_NE(dict_.find("a"), nullptr);
    EXPECT_EQ(dict_.find("aa"), nullptr);
}

TEST_F(DictTest, GrowsByPowersOfTwo) {
    add("first");
    EXPECT_EQ(dict_.buckets(), 4u);
    EXPECT_FALSE(dict_.rehashing());
    add_range(0, 10000);
    while (dict_.rehash_step(100)) {
    }
    size_t b = dict_.buckets();
    EXPECT_GE(b, dict_.size());
    EXPECT_EQ(b & (b - 1), 0u) << b;
}

TEST_F(DictTest, EntriesFindableInBothTablesWhileRehashing) {
    add_range(0, 600);
    while (dict_.rehash_step(100)) {
    }
    int next = add_until_rehashing(600);
    const size_t old_buckets = dict_.buckets();
    ASSERT_TRUE(dict_.rehashing());
    // Keys added now go to the new table; older ones are still in the old.
    int added_during = 0;
    for (int i = 0; i < 20; ++i, ++added_during) add(key_of(next++));
    ASSERT_TRUE(dict_.rehashing());
    EXPECT_EQ(dict_.size(), static_cast<size_t>(next));
    EXPECT_EQ(dict_.buckets(), old_buckets);  // both tables counted

    // Look up everything newest first, so both tables are probed while the
    // rehash is still early on.
    int found_while_rehashing = 0;
    for (int i = next - 1; i >= 0; --i) {
        bool rehashing = dict_.rehashing();
        Entry* e = dict_.find(key_of(i));
        ASSERT_NE(e, nullptr) << i;
        EXPECT_EQ(e->key(), key_of(i));
        if (rehashing) ++found_while_rehashing;
    }
    EXPECT_GT(found_while_rehashing, added_during + 50);
    EXPECT_EQ(dict_.size(), static_cast<size_t>(next));
}

TEST_F(DictTest, RemoveWhileRehashingKeepsCountsRight) {
    add_range(0, 1000);
    while (dict_.rehash_step(100)) {
    }
    int next = add_until_rehashing(1000);
    add_range(next, next + 10);
    next += 10;
    ASSERT_TRUE(dict_.rehashing());
    // Remove from the newest (new table) and the oldest (mostly old table).
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(del(key_of(next - 1 - i)));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(del(key_of(i)));
    EXPECT_TRUE(dict_.rehashing());
    EXPECT_EQ(dict_.size(), static_cast<size_t>(next - 20));
    size_t walked = 0;
    dict_.for_each([&](const Entry*) { ++walked; });
    EXPECT_EQ(walked, dict_.size());
    while (dict_.rehash_step(1)) {
    }
    EXPECT_FALSE(dict_.rehashing());
    EXPECT_EQ(dict_.size(), static_cast<size_t>(next - 20));
    for (int i = 10; i < next - 10; ++i) ASSERT_NE(dict_.find(key_of(i)), nullptr) << i;
}

TEST_F(DictTest, RehashStepCompletes) {
    add_range(0, 3000);
    while (dict_.rehash_step(1000)) {
    }
    int next = add_until_rehashing(3000);
    ASSERT_TRUE(dict_.rehashing());
    const size_t before = dict_.buckets();
    int steps = 0;
    while (dict_.rehash_step(1)) ASSERT_LT(++steps, 1 << 20);
    EXPECT_FALSE(dict_.rehashing());
    EXPECT_FALSE(dict_.rehash_step(1));
    // Only the new (doubled) table is left.
    EXPECT_EQ(dict_.buckets() * 3, before * 2);
    EXPECT_EQ(dict_.size(), static_cast<size_t>(next));
    for (int i = 0; i < next; ++i) ASSERT_NE(dict_.find(key_of(i)), nullptr) << i;
}

TEST_F(DictTest, RehashForUsFinishesGivenTime) {
    add_range(0, 5000);
    while (dict_.rehash_step(1000)) {
    }
    add_until_rehashing(5000);
    ASSERT_TRUE(dict_.rehashing());
    // A generous budget per call; a small table finishes in one or two.
    for (int i = 0; i < 100 && dict_.rehashing(); ++i) dict_.rehash_for_us(10000);
    EXPECT_FALSE(dict_.rehashing());
}

TEST_F(DictTest, SparseRehashStepMakesProgress) {
    // A table that grew large and was then emptied has long runs of empty
    // buckets; steps must still get through it.
    add_range(0, 4000);
    while (dict_.rehash_step(1000)) {
    }
    for (int i = 0; i < 4000; ++i)
        if (i % 500 != 0) del(key_of(i));
    dict_.maybe_shrink();
    ASSERT_TRUE(dict_.rehashing());
    int steps = 0;
    while (dict_.rehash_step(1)) ASSERT_LT(++steps, 1 << 20);
    EXPECT_EQ(dict_.size(), 8u);
    for (int i = 0; i < 4000; i += 500) EXPECT_NE(dict_.find(key_of(i)), nullptr) << i;
}

TEST_F(DictTest, ShrinksWhenMostlyEmpty) {
    add_range(0, 1000);
    while (dict_.rehash_step(1000)) {
    }
    const size_t big = dict_.buckets();
    ASSERT_GE(big, 1000u);
    dict_.maybe_shrink();  // full enough: nothing happens
    EXPECT_FALSE(dict_.rehashing());
    EXPECT_EQ(dict_.buckets(), big);

    for (int i = 10; i < 1000; ++i) ASSERT_TRUE(del(key_of(i)));
    dict_.maybe_shrink();
    ASSERT_TRUE(dict_.rehashing());
    // During the shrink everything is still found.
    for (int i = 0; i < 10; ++i) EXPECT_NE(dict_.find(key_of(i)), nullptr) << i;
    while (dict_.rehash_step(10)) {
    }
    EXPECT_FALSE(dict_.rehashing());
    EXPECT_LT(dict_.buckets(), big);
    EXPECT_GE(dict_.buckets(), dict_.size());
    EXPECT_EQ(dict_.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_NE(dict_.find(key_of(i)), nullptr) << i;
    // Small tables are left alone.
    dict_.maybe_shrink();
    EXPECT_FALSE(dict_.rehashing());
}

TEST_F(DictTest, ShrinkToEmpty) {
    add_range(0, 100);
    while (dict_.rehash_step(100)) {
    }
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(del(key_of(i)));
    dict_.maybe_shrink();
    while (dict_.rehash_step(100)) {
    }
    EXPECT_EQ(dict_.size(), 0u);
    EXPECT_EQ(dict_.find(key_of(1)), nullptr);
    add("again");
    EXPECT_NE(dict_.find("again"), nullptr);
}

TEST_F(DictTest, FindLinkPointsAtTheEntry) {
    add_range(0, 100);
    Entry** link = dict_.find_link(key_of(42));
    ASSERT_NE(link, nullptr);
    ASSERT_NE(*link, nullptr);
    EXPECT_EQ((*link)->key(), key_of(42));
    // Replacing through the link swaps the entry in the table.
    Entry* old = *link;
    Entry* repl = make_entry(key_of(42), "replaced");
    repl->next = old->next;
    *link = repl;
    std::free(old);
    EXPECT_EQ(dict_.find(key_of(42))->str(), "replaced");
    EXPECT_EQ(dict_.size(), 100u);
}

TEST_F(DictTest, ClearCallsFnOncePerEntryAndEmpties) {
    add_range(0, 500);
    add_until_rehashing(500);  // entries in both tables
    size_t expected = dict_.size();
    std::set<std::string> freed;
    dict_.clear([&](Entry* e) {
        EXPECT_TRUE(freed.insert(std::string(e->key())).second) << e->key();
        std::free(e);
    });
    EXPECT_EQ(freed.size(), expected);
    EXPECT_EQ(dict_.size(), 0u);
    EXPECT_EQ(dict_.buckets(), 0u);
    EXPECT_FALSE(dict_.rehashing());
    EXPECT_EQ(dict_.find(key_of(1)), nullptr);
    add("reuse");
    EXPECT_EQ(dict_.size(), 1u);
}

TEST_F(DictTest, SwapExchangesContents) {
    Dict other;
    add_range(0, 50);
    other.insert(make_entry("only-in-other"));
    dict_.swap(other);
    EXPECT_EQ(dict_.size(), 1u);
    EXPECT_NE(dict_.find("only-in-other"), nullptr);
    EXPECT_EQ(other.size(), 50u);
    EXPECT_NE(other.find(key_of(7)), nullptr);
    other.clear([](Entry* e) { std::free(e); });
}

TEST_F(DictTest, ScanStableTableVisitsEachKeyExactlyOnce) {
    add_range(0, 1000);
    while (dict_.rehash_step(1000)) {
    }
    auto seen = full_scan([] {});
    EXPECT_EQ(seen.size(), 1000u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen.count(key_of(i)), 1u) << i;
}

TEST_F(DictTest, ScanWhileRehashingVisitsEveryKey) {
    add_range(0, 1000);
    while (dict_.rehash_step(1000)) {
    }
    int next = add_until_rehashing(1000);
    add_range(next, next + 30);
    next += 30;
    ASSERT_TRUE(dict_.rehashing());
    auto seen = full_scan([] {});  // scan is const: the rehash stays where it is
    EXPECT_TRUE(dict_.rehashing());
    for (int i = 0; i < next; ++i) EXPECT_GE(seen.count(key_of(i)), 1u) << i;
}

TEST_F(DictTest, ScanWhileTableGrowsVisitsEveryOriginalKey) {
    constexpr int kOriginal = 200;
    add_range(0, kOriginal);
    while (dict_.rehash_step(1000)) {
    }
    const size_t start_buckets = dict_.buckets();
    int next = kOriginal;
    int calls = 0;
    auto seen = full_scan([&] {
        // Grow a lot between the first calls, through several resizes (a
        // table that grows on every call forever would never be finished).
        if (++calls > 60) return;
        add_range(next, next + 97);
        next += 97;
    });
    EXPECT_GT(dict_.buckets(), start_buckets * 8);
    for (int i = 0; i < kOriginal; ++i) EXPECT_GE(seen.count(key_of(i)), 1u) << i;
}

TEST_F(DictTest, ScanWhileTableShrinksVisitsEveryKeptKey) {
    constexpr int kTotal = 4000;
    add_range(0, kTotal);
    while (dict_.rehash_step(1000)) {
    }
    const size_t start_buckets = dict_.buckets();
    // Keys i % 40 == 0 stay for the whole iteration; the others go a few at
    // a time, with the cron's shrink and rehash steps in between.
    std::vector<int> doomed;
    for (int i = 0; i < kTotal; ++i)
        if (i % 40 != 0) doomed.push_back(i);
    size_t pos = 0;
    auto seen = full_scan([&] {
        for (int n = 0; n < 400 && pos < doomed.size(); ++n) del(key_of(doomed[pos++]));
        dict_.maybe_shrink();
        dict_.rehash_step(3);
    });
    EXPECT_LT(dict_.buckets(), start_buckets);
    for (int i = 0; i < kTotal; i += 40) EXPECT_GE(seen.count(key_of(i)), 1u) << i;
}

TEST_F(DictTest, ScanSurvivesGrowAndShrinkInOneIteration) {
    add_range(0, 300);
    while (dict_.rehash_step(1000)) {
    }
    int next = 300;
    int round = 0;
    auto seen = full_scan([&] {
        ++round;
        if (round < 20) {
            add_range(next, next + 200);
            next += 200;
        } else if (next > 300) {
            int to = std::max(300, next - 500);
            for (int i = next - 1; i >= to; --i) del(key_of(i));
            next = to;
            dict_.maybe_shrink();
        }
        dict_.rehash_step(2);
    });
    for (int i = 0; i < 300; ++i) EXPECT_GE(seen.count(key_of(i)), 1u) << i;
}

TEST_F(DictTest, RandomEntryReturnsMembersAndCoversAll) {
    constexpr int kN = 50;
    add_range(0, kN);
    std::set<std::string> got;
    for (int i = 0; i < 5000 && got.size() < kN; ++i) {
        Entry* e = dict_.random_entry(test_rng);
        ASSERT_NE(e, nullptr);
        ASSERT_EQ(dict_.find(e->key()), e);
        got.insert(std::string(e->key()));
    }
    EXPECT_EQ(got.size(), static_cast<size_t>(kN));
}

TEST_F(DictTest, RandomEntryWhileRehashing) {
    add_range(0, 500);
    while (dict_.rehash_step(1000)) {
    }
    int next = add_until_rehashing(500);
    std::set<std::string> got;
    for (int i = 0; i < 20000 && got.size() < static_cast<size_t>(next); ++i) {
        Entry* e = dict_.random_entry(test_rng);
        ASSERT_NE(e, nullptr);
        got.insert(std::string(e->key()));
    }
    EXPECT_EQ(got.size(), static_cast<size_t>(next));
}

TEST_F(DictTest, RandomEntryOnVerySparseTable) {
    add_range(0, 5000);
    while (dict_.rehash_step(1000)) {
    }
    for (int i = 1; i < 5000; ++i) del(key_of(i));
    for (int i = 0; i < 20; ++i) {
        Entry* e = dict_.random_entry(test_rng);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->key(), key_of(0));
    }
}

TEST_F(DictTest, RandomOperationsAgreeWithAModel) {
    std::unordered_set<std::string> model;
    uint64_t s = 12345;
    auto next_rand = [&] {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return s >> 33;
    };
    for (int op = 0; op < 60000; ++op) {
        std::string k = key_of(static_cast<int>(next_rand() % 3000));
        switch (next_rand() % 5) {
        case 0:
        case 1:
            if (model.insert(k).second) add(k);
            break;
        case 2:
            EXPECT_EQ(del(k), model.erase(k) == 1) << k;
            break;
        case 3:
            EXPECT_EQ(dict_.find(k) != nullptr, model.count(k) == 1) << k;
            break;
        case 4:
            if (op % 7 == 0) dict_.maybe_shrink();
            dict_.rehash_step(1);
            break;
        }
        ASSERT_EQ(dict_.size(), model.size());
    }
    size_t walked = 0;
    dict_.for_each([&](const Entry* e) {
        ++walked;
        EXPECT_EQ(model.count(std::string(e->key())), 1u);
    });
    EXPECT_EQ(walked, model.size());
}

}  // namespace
}  // namespace server
