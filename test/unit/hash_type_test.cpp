#include "server/hash_type.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/object.h"

namespace server {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

template <typename H>
Pairs contents(const H& h) {
    Pairs out;
    h.for_each([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
    return out;
}

Pairs sorted(Pairs p) {
    std::sort(p.begin(), p.end());
    return p;
}

std::string field(size_t i) { return "field:" + std::to_string(i); }

// ---- CompactHash ----

TEST(HashCompact, KeepsInsertionOrderAcrossUpdates) {
    CompactHash h;
    EXPECT_TRUE(h.set("b", "1"));
    EXPECT_TRUE(h.set("a", "2"));
    EXPECT_TRUE(h.set("c", "3"));
    EXPECT_FALSE(h.set("a", "a much longer value"));
    EXPECT_FALSE(h.set("b", ""));
    EXPECT_EQ(contents(h), (Pairs{{"b", ""}, {"a", "a much longer value"}, {"c", "3"}}));
    EXPECT_EQ(h.size(), 3u);
}

TEST(HashCompact, RemoveClosesTheGap) {
    CompactHash h;
    for (int i = 0; i < 5; ++i) h.set(field(i), std::to_string(i));
    EXPECT_TRUE(h.remove(field(2)));
    EXPECT_FALSE(h.remove(field(2)));
    EXPECT_TRUE(h.remove(field(0)));
    EXPECT_TRUE(h.remove(field(4)));
    EXPECT_EQ(contents(h), (Pairs{{field(1), "1"}, {field(3), "3"}}));
    h.set(field(0), "again");
    EXPECT_EQ(contents(h).back(), (std::pair<std::string, std::string>{field(0), "again"}));
}

TEST(HashCompact, EmptyAndBinaryFieldsAndValues) {
    CompactHash h;
    std::string bin("\0\r\n\xff", 4);
    h.set("", "");
    h.set(bin, bin);
    EXPECT_EQ(h.get(""), std::string_view(""));
    EXPECT_EQ(h.get(bin), std::string_view(bin));
    EXPECT_FALSE(h.get(std::string("\0", 1)).has_value());
    // A field that is a prefix of another must not match it.
    h.set("ab", "1");
    EXPECT_FALSE(h.get("a").has_value());
}

TEST(HashCompact, LongestItemsFit) {
    CompactHash h;
    std::string f(CompactHash::kMaxItemLen, 'f');
    std::string v(CompactHash::kMaxItemLen, 'v');
    h.set(f, v);
    h.set("x", "y");
    EXPECT_EQ(h.get(f), std::string_view(v));
    EXPECT_EQ(h.get("x"), std::string_view("y"));
}

TEST(HashCompact, RemovingTheLastPairFreesTheBuffer) {
    CompactHash h;
    h.set("a", "1");
    h.remove("a");
    EXPECT_EQ(h.size(), 0u);
    EXPECT_EQ(h.bytes(), 0u);
    EXPECT_TRUE(contents(h).empty());
}

TEST(HashCompact, CopyIsIndependent) {
    CompactHash h;
    h.set("a", "1");
    h.set("b", "2");
    CompactHash copy(h);
    h.set("a", "changed");
    h.remove("b");
    EXPECT_EQ(contents(copy), (Pairs{{"a", "1"}, {"b", "2"}}));
}

// ---- FieldTable ----

TEST(HashTable, InsertFindUpdateRemoveMany) {
    FieldTable t;
    constexpr size_t kN = 100000;
    for (size_t i = 0; i < kN; ++i) ASSERT_TRUE(t.set(field(i), std::to_string(i)));
    EXPECT_EQ(t.size(), kN);
    for (size_t i = 0; i < kN; ++i) {
        const FieldNode* n = t.find(field(i));
        ASSERT_NE(n, nullptr);
        ASSERT_EQ(n->value(), std::to_string(i));
    }
    // Values that grow and shrink, so nodes are both reused and replaced.
    for (size_t i = 0; i < kN; i += 3) EXPECT_FALSE(t.set(field(i), std::string(i % 200, 'x')));
    for (size_t i = 0; i < kN; i += 3) ASSERT_EQ(t.find(field(i))->value(), std::string(i % 200, 'x'));
    for (size_t i = 0; i < kN; i += 2) ASSERT_TRUE(t.remove(field(i)));
    EXPECT_FALSE(t.remove(field(0)));
    EXPECT_EQ(t.size(), kN / 2);
    for (size_t i = 0; i < kN; ++i) ASSERT_EQ(t.find(field(i)) != nullptr, i % 2 == 1);
}

TEST(HashTable, ShrinksAfterMostFieldsAreRemoved) {
    FieldTable t;
    for (size_t i = 0; i < 10000; ++i) t.set(field(i), "v");
    size_t big = t.bucket_count();
    for (size_t i = 0; i < 9990; ++i) t.remove(field(i));
    // A few more operations finish the incremental rehash.
    for (int i = 0; i < 2000 && t.rehashing(); ++i) t.set("extra", "v");
    EXPECT_LT(t.bucket_count(), big / 8);
    for (size_t i = 9990; i < 10000; ++i) EXPECT_NE(t.find(field(i)), nullptr);
}

std::set<std::string> full_scan(const FieldTable& t, const std::function<void(int)>& between_calls) {
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
        cursor = t.scan(cursor, [&](const FieldNode& n) { seen.insert(std::string(n.field())); });
        between_calls(calls++);
    } while (cursor != 0);
    return seen;
}

TEST(HashTable, ScanVisitsEveryField) {
    FieldTable t;
    for (size_t i = 0; i < 5000; ++i) t.set(field(i), "v");
    auto seen = full_scan(t, [](int) {});
    EXPECT_EQ(seen.size(), 5000u);
}

TEST(HashTable, ScanSurvivesGrowth) {
    FieldTable t;
    for (size_t i = 0; i < 1000; ++i) t.set(field(i), "v");
    size_t next = 1000;
    // One insertion every other call: each call visits about one bucket, so
    // faster growth would outrun the scan for ever.
    auto seen = full_scan(t, [&](int call) {
        if (call % 2 == 0) t.set(field(next++), "v");
    });
    EXPECT_GT(t.bucket_count(), 1024u);  // the table did resize mid-scan
    for (size_t i = 0; i < 1000; ++i) ASSERT_TRUE(seen.count(field(i))) << i;
}

TEST(HashTable, ScanSurvivesShrinking) {
    FieldTable t;
    for (size_t i = 0; i < 20000; ++i) t.set(field(i), "v");
    size_t next_removed = 100;  // fields 0..99 stay throughout
    auto seen = full_scan(t, [&](int) {
        for (int k = 0; k < 100 && next_removed < 20000; ++k) t.remove(field(next_removed++));
    });
    for (size_t i = 0; i < 100; ++i) ASSERT_TRUE(seen.count(field(i))) << i;
}

TEST(HashTable, RandomNodeReachesEveryField) {
    FieldTable t;
    for (size_t i = 0; i < 50; ++i) t.set(field(i), "v");
    std::mt19937_64 gen(7);
    std::set<std::string> seen;
    for (int i = 0; i < 5000; ++i) seen.insert(std::string(t.random_node([&] { return gen(); })->field()));
    EXPECT_EQ(seen.size(), 50u);
}

TEST(HashTable, FreeSomeWorksInSlices) {
    FieldTable t;
    for (size_t i = 0; i < 10000; ++i) t.set(field(i), "v");
    int slices = 0;
    while (!t.free_some(1000)) ++slices;
    EXPECT_GE(slices, 9);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.bucket_count(), 0u);
}

TEST(HashTable, CopyIsDeepAndIndependent) {
    FieldTable t;
    for (size_t i = 0; i < 1000; ++i) t.set(field(i), std::to_string(i));
    FieldTable copy(t);
    for (size_t i = 0; i < 1000; ++i) t.set(field(i), "changed");
    t.remove(field(1));
    EXPECT_EQ(copy.size(), 1000u);
    for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(copy.find(field(i))->value(), std::to_string(i));
}

// ---- HashObject ----

void fill(HashObject& h, size_t n) {
    for (size_t i = 0; i < n; ++i) h.set(field(i), std::to_string(i));
}

TEST(HashObject, StaysCompactUpToTheEntryLimit) {
    HashObject h;
    fill(h, HashObject::kMaxCompactEntries);
    EXPECT_EQ(h.encoding(), HashObject::Encoding::kCompact);
    EXPECT_EQ(h.encoding_name(), "listpack");
    // Updating an existing field does not count as growth.
    h.set(field(0), "updated");
    EXPECT_EQ(h.encoding(), HashObject::Encoding::kCompact);
    Pairs before = contents(h);
    h.set("one more", "x");
    EXPECT_EQ(h.encoding(), HashObject::Encoding::kTable);
    EXPECT_EQ(h.encoding_name(), "hashtable");
    before.emplace_back("one more", "x");
    EXPECT_EQ(sorted(contents(h)), sorted(before));
}

TEST(HashObject, CompactOrderIsInsertionOrder) {
    HashObject h;
    h.set("z", "1");
    h.set("a", "2");
    h.set("m", "3");
    h.remove("a");
    h.set("a", "4");
    EXPECT_EQ(contents(h), (Pairs{{"z", "1"}, {"m", "3"}, {"a", "4"}}));
}

TEST(HashObject, LongValueOrFieldConverts) {
    std::string at_limit(HashObject::kMaxCompactItemLen, 'v');
    std::string over(HashObject::kMaxCompactItemLen + 1, 'v');
    HashObject value_case;
    value_case.set("f", at_limit);
    value_case.set(at_limit, "v");
    EXPECT_EQ(value_case.encoding(), HashObject::Encoding::kCompact);
    value_case.set("f", over);  // an update of an existing field too
    EXPECT_EQ(value_case.encoding(), HashObject::Encoding::kTable);
    EXPECT_EQ(value_case.get("f"), std::string_view(over));
    EXPECT_EQ(value_case.get(at_limit), std::string_view("v"));

    HashObject field_case;
    field_case.set(over, "v");
    EXPECT_EQ(field_case.encoding(), HashObject::Encoding::kTable);
    EXPECT_EQ(field_case.get(over), std::string_view("v"));
}

TEST(HashObject, NeverConvertsBack) {
    HashObject h;
    fill(h, HashObject::kMaxCompactEntries + 1);
    for (size_t i = 0; i < HashObject::kMaxCompactEntries; ++i) h.remove(field(i));
    EXPECT_EQ(h.size(), 1u);
    EXPECT_EQ(h.encoding(), HashObject::Encoding::kTable);
}

TEST(HashObject, BigHashKeepsEveryField) {
    HashObject h;
    constexpr size_t kN = 200000;
    fill(h, kN);
    EXPECT_EQ(h.size(), kN);
    for (size_t i = 0; i < kN; i += 997) ASSERT_EQ(h.get(field(i)), std::to_string(i));
    EXPECT_EQ(h.pairs().size(), kN);
}

TEST(HashObject, ScanOfCompactReturnsAllAndCursorZero) {
    HashObject h;
    fill(h, 100);
    size_t seen = 0;
    EXPECT_EQ(h.scan(12345, 1, [&](std::string_view, std::string_view) { ++seen; }), 0u);
    EXPECT_EQ(seen, 100u);
}

TEST(HashObject, ScanOfTableHonoursCountRoughly) {
    HashObject h;
    fill(h, 10000);
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
        size_t before = seen.size();
        cursor = h.scan(cursor, 100, [&](std::string_view f, std::string_view) { seen.emplace(f); });
        ++calls;
        if (cursor != 0) {
            EXPECT_GE(seen.size() - before, 50u);
        }
    } while (cursor != 0);
    EXPECT_EQ(seen.size(), 10000u);
    EXPECT_LT(calls, 200);
}

TEST(HashObject, RandomPairInBothForms) {
    std::mt19937_64 gen(11);
    auto rng = [&] { return gen(); };
    for (size_t n : {size_t{3}, size_t{1000}}) {
        HashObject h;
        fill(h, n);
        std::set<std::string> seen;
        for (size_t i = 0; i < n * 50; ++i) {
            HashPair p = h.random_pair(rng);
            ASSERT_EQ(h.get(p.field), p.value);
            seen.emplace(p.field);
        }
        EXPECT_EQ(seen.size(), n);
    }
}

TEST(HashObject, CopyOfEitherFormIsDeep) {
    for (size_t n : {size_t{10}, size_t{600}}) {
        HashObject h;
        fill(h, n);
        HashObject copy(h);
        EXPECT_EQ(copy.encoding(), h.encoding());
        Pairs expected = contents(h);
        h.set(field(0), "changed");
        h.remove(field(1));
        // Only the compact form promises an order (insertion order).
        if (copy.encoding() == HashObject::Encoding::kCompact) {
            EXPECT_EQ(contents(copy), expected);
        }
        EXPECT_EQ(sorted(contents(copy)), sorted(expected));
    }
}

// ---- the keyspace's hooks ----

TEST(HashHooks, LengthEncodingCloneAndDestroy) {
    auto* h = new HashObject();
    fill(*h, 5);
    EXPECT_EQ(object_length(ValueType::kHash, h), 5u);
    EXPECT_EQ(object_encoding(ValueType::kHash, h), "listpack");
    void* copy = object_clone(ValueType::kHash, h);
    EXPECT_EQ(contents(*static_cast<HashObject*>(copy)), contents(*h));
    destroy_object(ValueType::kHash, h);
    EXPECT_EQ(hash_length(copy), 5u);
    hash_destroy(copy);
}

TEST(HashHooks, FreeStepFreesHugeHashesInSlices) {
    auto* h = new HashObject();
    fill(*h, 50000);
    EXPECT_EQ(hash_encoding(h), "hashtable");
    int steps = 1;
    while (!object_free_step(ValueType::kHash, h, 1000)) ++steps;
    EXPECT_GE(steps, 50);

    auto* small = new HashObject();
    fill(*small, 3);
    EXPECT_TRUE(hash_free_step(small, 1));
}

}  // namespace
}  // namespace server
