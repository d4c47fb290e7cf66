#include "server/set_type.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/object.h"

namespace server {
namespace {

uint64_t test_rng() {
    static std::mt19937_64 gen(12345);
    return gen();
}

std::vector<int64_t> values_of(const IntSet& s) {
    std::vector<int64_t> v;
    for (size_t i = 0; i < s.size(); ++i) v.push_back(s.at(i));
    return v;
}

std::vector<std::string> members_of(const SetObject& s) {
    std::vector<std::string> v;
    s.for_each([&](const SetMember& m) {
        char buf[kMemberTextSize];
        v.emplace_back(member_text(m, buf));
    });
    return v;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

// --- IntSet ---

TEST(SetIntSet, StartsEmptyAtSixteenBits) {
    IntSet s;
    EXPECT_EQ(s.size(), 0u);
    EXPECT_EQ(s.width(), 2u);
    EXPECT_FALSE(s.contains(0));
    EXPECT_FALSE(s.erase(0));
}

TEST(SetIntSet, WidthFollowsTheWidestValue) {
    EXPECT_EQ(intset_width_for(0), 2u);
    EXPECT_EQ(intset_width_for(32767), 2u);
    EXPECT_EQ(intset_width_for(-32768), 2u);
    EXPECT_EQ(intset_width_for(32768), 4u);
    EXPECT_EQ(intset_width_for(-32769), 4u);
    EXPECT_EQ(intset_width_for(2147483647), 4u);
    EXPECT_EQ(intset_width_for(-2147483648LL), 4u);
    EXPECT_EQ(intset_width_for(2147483648LL), 8u);
    EXPECT_EQ(intset_width_for(std::numeric_limits<int64_t>::min()), 8u);
}

TEST(SetIntSet, UpgradesKeepOrderAndValues) {
    IntSet s;
    for (int64_t v : {5, -7, 32767, -32768, 0}) EXPECT_TRUE(s.insert(v));
    EXPECT_EQ(s.width(), 2u);
    EXPECT_TRUE(s.insert(40000));  // to 32 bits, at the end
    EXPECT_EQ(s.width(), 4u);
    EXPECT_TRUE(s.insert(-40000));  // fits 32 bits: no upgrade
    EXPECT_TRUE(s.insert(std::numeric_limits<int64_t>::min()));  // to 64 bits, at the front
    EXPECT_EQ(s.width(), 8u);
    EXPECT_TRUE(s.insert(std::numeric_limits<int64_t>::max()));
    std::vector<int64_t> want = {std::numeric_limits<int64_t>::min(), -40000, -32768, -7, 0, 5, 32767, 40000,
                                 std::numeric_limits<int64_t>::max()};
    EXPECT_EQ(values_of(s), want);
    for (int64_t v : want) EXPECT_TRUE(s.contains(v));
    EXPECT_FALSE(s.contains(1));
}

TEST(SetIntSet, ValuesWiderThanTheArrayAreAbsent) {
    IntSet s;
    s.insert(1);
    EXPECT_FALSE(s.contains(1LL << 40));
    EXPECT_FALSE(s.erase(1LL << 40));
    EXPECT_FALSE(s.contains(-(1LL << 20)));
    EXPECT_EQ(s.width(), 2u);
}

TEST(SetIntSet, DuplicatesAndErase) {
    IntSet s;
    EXPECT_TRUE(s.insert(3));
    EXPECT_FALSE(s.insert(3));
    EXPECT_TRUE(s.insert(1));
    EXPECT_TRUE(s.insert(2));
    EXPECT_TRUE(s.erase(2));
    EXPECT_FALSE(s.erase(2));
    EXPECT_EQ(values_of(s), (std::vector<int64_t>{1, 3}));
    s.erase_at(0);
    EXPECT_EQ(values_of(s), (std::vector<int64_t>{3}));
    EXPECT_TRUE(s.erase(3));
    EXPECT_EQ(s.size(), 0u);
    EXPECT_TRUE(s.insert(4));  // usable again after being emptied
    EXPECT_EQ(values_of(s), (std::vector<int64_t>{4}));
}

TEST(SetIntSet, WidthNeverNarrows) {
    IntSet s;
    s.insert(1LL << 40);
    s.insert(1);
    s.erase(1LL << 40);
    EXPECT_EQ(s.width(), 8u);
    EXPECT_EQ(values_of(s), (std::vector<int64_t>{1}));
}

TEST(SetIntSet, MatchesStdSetOnManyRandomValues) {
    std::mt19937_64 gen(7);
    IntSet s;
    std::set<int64_t> ref;
    for (int i = 0; i < 100000; ++i) {
        // Mostly small values, some wide ones, so all widths are crossed.
        int64_t v = static_cast<int64_t>(gen() % 70000) - 35000;
        if (i % 1000 == 999) v = static_cast<int64_t>(gen());
        EXPECT_EQ(s.insert(v), ref.insert(v).second);
        if (i % 3 == 0) {
            int64_t r = static_cast<int64_t>(gen() % 70000) - 35000;
            EXPECT_EQ(s.erase(r), ref.erase(r) == 1);
        }
    }
    ASSERT_EQ(s.size(), ref.size());
    EXPECT_EQ(values_of(s), std::vector<int64_t>(ref.begin(), ref.end()));
    for (int64_t v : ref) ASSERT_TRUE(s.contains(v));
    // Erase almost everything: the array shrinks and stays consistent.
    std::vector<int64_t> all(ref.begin(), ref.end());
    for (size_t i = 0; i + 10 < all.size(); ++i) ASSERT_TRUE(s.erase(all[i]));
    EXPECT_EQ(values_of(s), std::vector<int64_t>(all.end() - 10, all.end()));
}

TEST(SetIntSet, CopyIsDeep) {
    IntSet a;
    a.insert(1);
    a.insert(100000);
    IntSet b(a);
    b.insert(2);
    a.erase(1);
    EXPECT_EQ(values_of(a), (std::vector<int64_t>{100000}));
    EXPECT_EQ(values_of(b), (std::vector<int64_t>{1, 2, 100000}));
    EXPECT_EQ(b.width(), 4u);
    IntSet empty;
    IntSet empty_copy(empty);
    EXPECT_EQ(empty_copy.size(), 0u);
    EXPECT_TRUE(empty_copy.insert(5));
}

// --- SetObject ---

TEST(SetType, IntegersMakeAnIntsetInNumericOrder) {
    SetObject s;
    EXPECT_TRUE(s.add("10"));
    EXPECT_TRUE(s.add("-3"));
    EXPECT_TRUE(s.add("7"));
    EXPECT_FALSE(s.add("7"));
    EXPECT_TRUE(s.is_intset());
    EXPECT_EQ(s.encoding(), "intset");
    EXPECT_EQ(members_of(s), (std::vector<std::string>{"-3", "7", "10"}));
}

TEST(SetType, StaysIntsetUpTo512ThenConverts) {
    SetObject s;
    for (int i = 0; i < 512; ++i) ASSERT_TRUE(s.add(std::to_string(i)));
    EXPECT_TRUE(s.is_intset());
    EXPECT_FALSE(s.add("511"));  // an existing member does not convert
    EXPECT_TRUE(s.is_intset());
    EXPECT_TRUE(s.add("512"));
    EXPECT_FALSE(s.is_intset());
    EXPECT_EQ(s.encoding(), "hashtable");
    EXPECT_EQ(s.size(), 513u);
    for (int i = 0; i <= 512; ++i) ASSERT_TRUE(s.contains(std::to_string(i)));
    EXPECT_FALSE(s.contains("513"));
    // Shrinking does not convert back (Redis 7.0).
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(s.remove(std::to_string(i)));
    EXPECT_FALSE(s.is_intset());
    EXPECT_EQ(s.size(), 13u);
}

TEST(SetType, NonIntegerMembersConvert) {
    for (const char* m : {"a", "01", "+1", " 1", "1.0", "-0", "", "9223372036854775808"}) {
        SetObject s;
        s.add("1");
        s.add("2");
        ASSERT_TRUE(s.is_intset());
        EXPECT_TRUE(s.add(m)) << m;
        EXPECT_FALSE(s.is_intset()) << m;
        EXPECT_EQ(s.size(), 3u);
        EXPECT_TRUE(s.contains(m));
        EXPECT_TRUE(s.contains("1"));
        EXPECT_TRUE(s.contains(SetMember::of_int(2)));
        EXPECT_EQ(sorted(members_of(s)), sorted({"1", "2", m}));
    }
}

TEST(SetType, IntsetMembershipIsStrict) {
    SetObject s;
    s.add("1");
    EXPECT_TRUE(s.contains("1"));
    EXPECT_FALSE(s.contains("01"));
    EXPECT_FALSE(s.contains("+1"));
    EXPECT_FALSE(s.contains("x"));
    EXPECT_FALSE(s.remove("01"));
    EXPECT_TRUE(s.contains(SetMember::of_bytes("1")));
    EXPECT_TRUE(s.remove(SetMember::of_int(1)));
    EXPECT_EQ(s.size(), 0u);
}

TEST(SetType, IntegerMembersOfAHashtableMatchTheirText) {
    SetObject s;
    s.add("x");
    EXPECT_TRUE(s.add(SetMember::of_int(-42)));
    EXPECT_TRUE(s.contains("-42"));
    EXPECT_FALSE(s.add("-42"));
    EXPECT_TRUE(s.remove(SetMember::of_int(-42)));
    EXPECT_FALSE(s.contains("-42"));
}

TEST(SetType, ConvertKeepsEveryMember) {
    SetObject s;
    for (int64_t v : std::initializer_list<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0, 70000}) s.add(SetMember::of_int(v));
    s.convert_to_hashtable();
    EXPECT_FALSE(s.is_intset());
    EXPECT_EQ(sorted(members_of(s)),
              sorted({"-9223372036854775808", "-1", "0", "70000"}));
}

TEST(SetType, BigHashtableAddContainsRemove) {
    SetObject s;
    const int n = 200000;
    for (int i = 0; i < n; ++i) ASSERT_TRUE(s.add("member:" + std::to_string(i)));
    EXPECT_EQ(s.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; i += 7) ASSERT_TRUE(s.contains("member:" + std::to_string(i)));
    EXPECT_FALSE(s.contains("member:" + std::to_string(n)));
    size_t seen = 0;
    s.for_each([&](const SetMember&) { ++seen; });
    EXPECT_EQ(seen, static_cast<size_t>(n));
    for (int i = 0; i < n - 5; ++i) ASSERT_TRUE(s.remove("member:" + std::to_string(i)));
    EXPECT_EQ(s.size(), 5u);
    EXPECT_EQ(sorted(members_of(s)), sorted({"member:199995", "member:199996", "member:199997",
                                             "member:199998", "member:199999"}));
}

TEST(SetType, RandomMembersAreMembersAndCoverTheSet) {
    SetObject ints;
    for (int i = 0; i < 20; ++i) ints.add(std::to_string(i * 5));
    std::set<int64_t> hit;
    for (int i = 0; i < 2000; ++i) {
        SetMember m = ints.random_member(test_rng);
        ASSERT_TRUE(m.is_int);
        hit.insert(m.value);
    }
    EXPECT_EQ(hit.size(), 20u);

    SetObject strs;
    for (int i = 0; i < 20; ++i) strs.add("s" + std::to_string(i));
    std::set<std::string> seen;
    for (int i = 0; i < 4000; ++i) {
        SetMember m = strs.random_member(test_rng);
        ASSERT_FALSE(m.is_int);
        seen.insert(std::string(m.bytes));
    }
    EXPECT_EQ(seen.size(), 20u);
}

TEST(SetType, RandomPopsDrainABigSet) {
    // Popping at random down to nothing: shrinking keeps each pick cheap and
    // every pick must be a live member.
    SetObject s;
    const int n = 50000;
    for (int i = 0; i < n; ++i) s.add("k" + std::to_string(i));
    for (int i = 0; i < n; ++i) {
        SetMember m = s.random_member(test_rng);
        std::string text(m.bytes);
        ASSERT_TRUE(s.remove(m)) << text;
        ASSERT_FALSE(s.contains(text));
    }
    EXPECT_EQ(s.size(), 0u);
}

TEST(SetType, ForEachWhileStops) {
    for (bool hashtable : {false, true}) {
        SetObject s;
        for (int i = 0; i < 100; ++i) s.add(std::to_string(i));
        if (hashtable) s.convert_to_hashtable();
        int calls = 0;
        s.for_each_while([&](const SetMember&) { return ++calls < 10; });
        EXPECT_EQ(calls, 10);
        calls = 0;
        s.for_each_while([&](const SetMember&) {
            ++calls;
            return true;
        });
        EXPECT_EQ(calls, 100);
    }
}

TEST(SetType, ForEachWhileVisitsEveryMemberOnceWhileRehashing) {
    // Sizes that leave the table growing (4097: past 4096) or shrinking
    // (most members removed) mid-rehash, and settled ones.
    for (int n : {1, 100, 4096, 4097, 10000}) {
        for (bool shrink : {false, true}) {
            SetObject s;
            for (int i = 0; i < n; ++i) s.add("w" + std::to_string(i));
            if (shrink)
                for (int i = 0; i < n * 9 / 10; ++i) s.remove("w" + std::to_string(i));
            std::vector<std::string> seen;
            s.for_each_while([&](const SetMember& m) {
                seen.emplace_back(m.bytes);
                return true;
            });
            EXPECT_EQ(sorted(seen), sorted(members_of(s))) << n << " " << shrink;
            EXPECT_EQ(seen.size(), s.size());
        }
    }
}

TEST(SetType, ScanReturnsEveryMemberOnce) {
    SetObject s;
    for (int i = 0; i < 5000; ++i) s.add("m" + std::to_string(i));
    std::vector<std::string> seen;
    uint64_t cursor = 0;
    do {
        cursor = s.scan(cursor, [&](std::string_view m) { seen.emplace_back(m); });
    } while (cursor != 0);
    EXPECT_EQ(sorted(seen), sorted(members_of(s)));
}

TEST(SetType, CloneIsDeepInBothEncodings) {
    SetObject ints;
    ints.add("3");
    ints.add("100000");
    auto* copy = static_cast<SetObject*>(object_clone(ValueType::kSet, &ints));
    EXPECT_TRUE(copy->is_intset());
    EXPECT_EQ(copy->ints().width(), 4u);
    copy->add("4");
    EXPECT_EQ(members_of(ints), (std::vector<std::string>{"3", "100000"}));
    EXPECT_EQ(members_of(*copy), (std::vector<std::string>{"3", "4", "100000"}));
    destroy_object(ValueType::kSet, copy);

    SetObject strs;
    for (int i = 0; i < 3000; ++i) strs.add("v" + std::to_string(i));
    auto* copy2 = static_cast<SetObject*>(object_clone(ValueType::kSet, &strs));
    EXPECT_FALSE(copy2->is_intset());
    EXPECT_EQ(sorted(members_of(*copy2)), sorted(members_of(strs)));
    copy2->remove("v1");
    copy2->add("new");
    EXPECT_TRUE(strs.contains("v1"));
    EXPECT_FALSE(strs.contains("new"));
    destroy_object(ValueType::kSet, copy2);
}

TEST(SetType, KeyspaceHooks) {
    auto* s = new SetObject;
    s->add("1");
    s->add("2");
    EXPECT_EQ(object_length(ValueType::kSet, s), 2u);
    EXPECT_EQ(object_encoding(ValueType::kSet, s), "intset");
    s->add("x");
    EXPECT_EQ(object_length(ValueType::kSet, s), 3u);
    EXPECT_EQ(object_encoding(ValueType::kSet, s), "hashtable");
    destroy_object(ValueType::kSet, s);
}

TEST(SetType, FreeStepFreesAHashtableInSlices) {
    auto* s = new SetObject;
    const size_t n = 100000;
    for (size_t i = 0; i < n; ++i) s->add("f" + std::to_string(i));
    size_t steps = 0;
    while (!object_free_step(ValueType::kSet, s, 1000)) {
        ++steps;
        ASSERT_LT(steps, 10 * n);
    }
    // About n / budget slices, not one.
    EXPECT_GE(steps, n / 1000 - 1);
    EXPECT_LE(steps, n / 1000 + 1);
}

TEST(SetType, FreeStepDuringARehash) {
    // Right after a grow the table is mid-rehash: both tables hold nodes.
    auto* s = new SetObject;
    for (int i = 0; i < 4097; ++i) s->add("r" + std::to_string(i));
    size_t steps = 0;
    while (!s->free_step(10)) ++steps;
    EXPECT_GT(steps, 100u);
}

TEST(SetType, FreeStepOfSmallSetsIsOneStep) {
    auto* ints = new SetObject;
    ints->add("1");
    EXPECT_TRUE(object_free_step(ValueType::kSet, ints, 1));
    auto* strs = new SetObject;
    strs->add("a");
    EXPECT_TRUE(object_free_step(ValueType::kSet, strs, 100));
    auto* empty = new SetObject;
    EXPECT_TRUE(empty->free_step(1));
}

}  // namespace
}  // namespace server
