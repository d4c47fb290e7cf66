// The sorted-set value (server/zset_type.h) in both encodings: conversion at
// the listpack limits, ZADD's flags, rank and range queries, removals,
// big sets, SCAN, clone and stepwise freeing. Every test checks the
// structure's invariants (ZSet::check) besides the contents, and seeded
// random sequences are compared with a std::set model.
#include "server/zset_type.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/object.h"

namespace server {
namespace {

using Item = std::pair<double, std::string>;

std::vector<Item> contents(const ZSet& z) {
    std::vector<Item> out;
    z.for_each([&](std::string_view m, double s) { out.emplace_back(s, std::string(m)); });
    return out;
}

// Walks every member through cursors from both ends.
std::vector<Item> contents_by_cursor(const ZSet& z, bool backwards) {
    std::vector<Item> out;
    if (z.size() == 0) return out;
    for (ZCursor c = z.at_rank(backwards ? z.size() - 1 : 0); c.valid(); c.step(backwards))
        out.emplace_back(c.score(), std::string(c.member()));
    if (backwards) std::reverse(out.begin(), out.end());
    return out;
}

std::string member(size_t i) { return "member:" + std::to_string(i); }

ZAddResult add(ZSet& z, std::string_view m, double s, unsigned flags = 0) {
    double out = 0;
    return z.add(m, s, flags, out);
}

// A set of n members scored i (or `score` for all), in the encoding the
// size asks for.
std::unique_ptr<ZSet> make_set(size_t n, std::optional<double> score = std::nullopt) {
    auto z = std::make_unique<ZSet>();
    for (size_t i = 0; i < n; ++i) add(*z, member(i), score ? *score : static_cast<double>(i));
    return z;
}

TEST(ZSetType, EmptyAndSmall) {
    ZSet z;
    EXPECT_EQ(z.size(), 0u);
    EXPECT_EQ(z.encoding(), "listpack");
    EXPECT_FALSE(z.score("a"));
    EXPECT_FALSE(z.rank("a"));
    EXPECT_FALSE(z.remove("a"));
    EXPECT_EQ(add(z, "b", 2), ZAddResult::kAdded);
    EXPECT_EQ(add(z, "a", 1), ZAddResult::kAdded);
    EXPECT_EQ(add(z, "c", 1), ZAddResult::kAdded);
    EXPECT_EQ(contents(z), (std::vector<Item>{{1, "a"}, {1, "c"}, {2, "b"}}));
    EXPECT_EQ(z.rank("c"), 1u);
    EXPECT_EQ(*z.score("b"), 2);
    EXPECT_TRUE(z.check());
}

TEST(ZSetType, OrderIsScoreThenBytes) {
    for (bool big : {false, true}) {
        ZSet z;
        if (big) z.convert_to_skiplist();
        add(z, "b", 0);
        add(z, "ab", 0);
        add(z, "a", 0);
        add(z, std::string("\xff", 1), 0);
        add(z, std::string("a\0", 2), 0);
        add(z, "z", -1);
        add(z, "y", INFINITY);
        add(z, "x", -INFINITY);
        std::vector<Item> want{{-INFINITY, "x"}, {-1, "z"}, {0, "a"}, {0, std::string("a\0", 2)},
                               {0, "ab"},       {0, "b"},  {0, "\xff"}, {INFINITY, "y"}};
        EXPECT_EQ(contents(z), want) << z.encoding();
        EXPECT_EQ(contents_by_cursor(z, true), want);
        EXPECT_TRUE(z.check());
    }
}

TEST(ZSetType, NegativeZeroIsZeroInAListpackOnly) {
    ZSet small;
    add(small, "m", -0.0);
    EXPECT_FALSE(std::signbit(*small.score("m")));
    ZSet big;
    big.convert_to_skiplist();
    add(big, "m", -0.0);
    EXPECT_TRUE(std::signbit(*big.score("m")));
    // -0 == 0: re-adding with the other sign changes nothing.
    EXPECT_EQ(add(big, "m", 0.0), ZAddResult::kUnchanged);
    EXPECT_TRUE(small.check());
    EXPECT_TRUE(big.check());
}

TEST(ZSetType, ConvertsPastMaxEntries) {
    auto z = make_set(kZSetMaxListpackEntries);
    EXPECT_EQ(z->encoding(), "listpack");
    EXPECT_TRUE(z->check());
    add(*z, member(0), 0.5);  // an update does not grow it
    EXPECT_EQ(z->encoding(), "listpack");
    add(*z, "one more", -1);
    EXPECT_EQ(z->encoding(), "skiplist");
    EXPECT_EQ(z->size(), kZSetMaxListpackEntries + 1);
    EXPECT_EQ(z->rank("one more"), 0u);
    EXPECT_EQ(*z->score(member(0)), 0.5);
    EXPECT_TRUE(z->check());
    // It stays a skiplist when it shrinks again, as in Redis.
    z->remove_ranks(0, 100);
    EXPECT_EQ(z->encoding(), "skiplist");
    EXPECT_TRUE(z->check());
}

TEST(ZSetType, ConvertsPastMaxValue) {
    ZSet z;
    add(z, "short", 1);
    add(z, std::string(kZSetMaxListpackValue, 'x'), 2);
    EXPECT_EQ(z.encoding(), "listpack");
    add(z, std::string(kZSetMaxListpackValue + 1, 'y'), 3);
    EXPECT_EQ(z.encoding(), "skiplist");
    EXPECT_EQ(contents(z), (std::vector<Item>{{1, "short"},
                                              {2, std::string(kZSetMaxListpackValue, 'x')},
                                              {3, std::string(kZSetMaxListpackValue + 1, 'y')}}));
    EXPECT_TRUE(z.check());
    // A new set picks its encoding from the hints it is given.
    EXPECT_EQ(ZSet(kZSetMaxListpackEntries, kZSetMaxListpackValue).encoding(), "listpack");
    EXPECT_EQ(ZSet(kZSetMaxListpackEntries + 1, 1).encoding(), "skiplist");
    EXPECT_EQ(ZSet(1, kZSetMaxListpackValue + 1).encoding(), "skiplist");
}

TEST(ZSetType, AddFlags) {
    for (bool big : {false, true}) {
        ZSet z;
        if (big) z.convert_to_skiplist();
        double out = 0;
        EXPECT_EQ(z.add("a", 5, kZAddXX, out), ZAddResult::kNop);
        EXPECT_EQ(z.add("a", 5, kZAddNX, out), ZAddResult::kAdded);
        EXPECT_EQ(z.add("a", 6, kZAddNX, out), ZAddResult::kNop);
        EXPECT_EQ(z.add("a", 4, kZAddGT, out), ZAddResult::kNop);
        EXPECT_EQ(z.add("a", 5, kZAddGT, out), ZAddResult::kNop);
        EXPECT_EQ(z.add("a", 7, kZAddGT | kZAddXX, out), ZAddResult::kUpdated);
        EXPECT_EQ(out, 7);
        EXPECT_EQ(z.add("a", 8, kZAddLT, out), ZAddResult::kNop);
        EXPECT_EQ(z.add("a", 3, kZAddLT, out), ZAddResult::kUpdated);
        EXPECT_EQ(z.add("a", 3, 0, out), ZAddResult::kUnchanged);
        EXPECT_EQ(z.add("a", 2, kZAddIncr, out), ZAddResult::kUpdated);
        EXPECT_EQ(out, 5);
        EXPECT_EQ(z.add("a", -1, kZAddIncr | kZAddGT, out), ZAddResult::kNop);
        EXPECT_EQ(z.add("b", INFINITY, kZAddIncr, out), ZAddResult::kAdded);
        EXPECT_EQ(z.add("b", -INFINITY, kZAddIncr, out), ZAddResult::kNaN);
        EXPECT_EQ(*z.score("b"), INFINITY);
        EXPECT_EQ(z.add("c", 1, kZAddGT, out), ZAddResult::kAdded);  // GT only limits updates
        EXPECT_EQ(contents(z), (std::vector<Item>{{1, "c"}, {5, "a"}, {INFINITY, "b"}}));
        EXPECT_TRUE(z.check());
    }
}

TEST(ZSetType, ScoreChangesMoveMembers) {
    for (size_t n : {size_t{20}, size_t{500}}) {
        auto z = make_set(n);
        double out;
        z->add(member(3), 3.5, 0, out);  // stays in place
        z->add(member(0), 1000, 0, out);  // to the end
        z->add(member(n - 1), -5, 0, out);  // to the front
        z->add(member(5), 2, kZAddIncr, out);  // past its neighbours
        EXPECT_TRUE(z->check()) << n;
        EXPECT_EQ(z->rank(member(n - 1)), 0u);
        EXPECT_EQ(z->rank(member(0)), n - 1);
        EXPECT_EQ(*z->score(member(5)), 7);
        EXPECT_EQ(contents_by_cursor(*z, false), contents(*z));
        EXPECT_EQ(contents_by_cursor(*z, true), contents(*z));
    }
}

TEST(ZSetType, RanksInBothEncodings) {
    for (size_t n : {size_t{100}, size_t{5000}}) {
        auto z = make_set(n);
        EXPECT_EQ(z->encoding(), n <= kZSetMaxListpackEntries ? "listpack" : "skiplist");
        for (size_t i = 0; i < n; i += 7) {
            ASSERT_EQ(z->rank(member(i)), i);
            ZCursor c = z->at_rank(i);
            ASSERT_TRUE(c.valid());
            ASSERT_EQ(c.member(), member(i));
        }
        EXPECT_FALSE(z->at_rank(n).valid());
        EXPECT_TRUE(z->check());
    }
}

ScoreRange score_range(const char* min, const char* max) { return *parse_score_range(min, max); }
LexRange lex_range(const char* min, const char* max) { return *parse_lex_range(min, max); }

TEST(ZSetType, ScoreSpans) {
    for (size_t n : {size_t{50}, size_t{1000}}) {
        auto z = make_set(n);  // member(i) scores i
        auto span = [&](const char* a, const char* b) {
            ZSet::Span s = z->span_of(score_range(a, b));
            return std::make_pair(s.first, s.count);
        };
        EXPECT_EQ(span("-inf", "+inf"), std::make_pair(size_t{0}, n));
        EXPECT_EQ(span("10", "20"), std::make_pair(size_t{10}, size_t{11}));
        EXPECT_EQ(span("(10", "(20"), std::make_pair(size_t{11}, size_t{9}));
        EXPECT_EQ(span("10.5", "11.5"), std::make_pair(size_t{11}, size_t{1}));
        EXPECT_EQ(span("(10", "10").second, 0u);
        EXPECT_EQ(span("20", "10").second, 0u);
        EXPECT_EQ(span("-inf", "(0").second, 0u);
        EXPECT_EQ(span("1e9", "inf").second, 0u);
    }
}

TEST(ZSetType, LexSpans) {
    for (size_t n : {size_t{26}, size_t{26 * 26}}) {
        ZSet z;
        for (size_t i = 0; i < n; ++i) {
            std::string m(1, static_cast<char>('a' + i % 26));
            if (n > 26) m += static_cast<char>('a' + i / 26);
            add(z, m, 0);
        }
        auto count = [&](const char* a, const char* b) { return z.span_of(lex_range(a, b)).count; };
        EXPECT_EQ(count("-", "+"), n);
        EXPECT_EQ(count("+", "-"), 0u);
        EXPECT_EQ(count("-", "-"), 0u);
        EXPECT_EQ(count("[b", "[b"), n == 26 ? 1u : 0u);
        EXPECT_EQ(count("(b", "(b"), 0u);
        EXPECT_EQ(count("[a", "(c"), n == 26 ? 2u : 52u);
        EXPECT_EQ(z.lex_start(lex_range("(b", "+"), false), n == 26 ? 2u : 26u);
        EXPECT_EQ(z.lex_start(lex_range("-", "(b"), true), n == 26 ? 0u : 25u);
        EXPECT_TRUE(z.check());
    }
}

TEST(ZSetType, RemoveRanges) {
    for (size_t n : {size_t{100}, size_t{3000}}) {
        auto z = make_set(n);
        EXPECT_EQ(z->remove_ranks(0, 9), 10u);
        EXPECT_EQ(z->rank(member(10)), 0u);
        EXPECT_EQ(z->remove_in(score_range("(20", "30")), 10u);
        EXPECT_TRUE(z->score(member(20)));
        EXPECT_FALSE(z->score(member(21)));
        EXPECT_EQ(z->remove_in(score_range("(20", "30")), 0u);
        EXPECT_EQ(z->remove_ranks(z->size() - 5, z->size() - 1), 5u);
        EXPECT_FALSE(z->score(member(n - 1)));
        EXPECT_EQ(z->size(), n - 25);
        EXPECT_TRUE(z->check());
        ZSet same;
        if (n > 100) same.convert_to_skiplist();
        for (const char* m : {"a", "b", "c", "d", "e"}) add(same, m, 1);
        EXPECT_EQ(same.remove_in(lex_range("(a", "[d")), 3u);
        EXPECT_EQ(contents(same), (std::vector<Item>{{1, "a"}, {1, "e"}}));
        EXPECT_TRUE(same.check());
    }
}

TEST(ZSetType, MatchesAModelUnderRandomOperations) {
    std::mt19937_64 rng(20240607);
    for (size_t universe : {size_t{60}, size_t{400}, size_t{3000}}) {
        ZSet z;
        std::map<std::string, double> by_member;
        std::set<Item> model;
        auto set_model = [&](const std::string& m, double s) {
            auto it = by_member.find(m);
            if (it != by_member.end()) model.erase({it->second, m});
            by_member[m] = s;
            model.insert({s, m});
        };
        for (int step = 0; step < 20000; ++step) {
            std::string m = member(rng() % universe);
            const double s = static_cast<double>(static_cast<int>(rng() % 41) - 20) / 2;
            switch (rng() % 6) {
            case 0:
            case 1:
            case 2: {
                double out;
                z.add(m, s, 0, out);
                set_model(m, s);
                break;
            }
            case 3:
                if (z.remove(m)) {
                    model.erase({by_member[m], m});
                    by_member.erase(m);
                }
                break;
            case 4: {
                double out;
                if (z.add(m, s, kZAddIncr | kZAddXX, out) == ZAddResult::kUpdated) set_model(m, out);
                break;
            }
            default:
                if (!model.empty() && rng() % 8 == 0) {
                    z.remove_ranks(0, 0);
                    by_member.erase(model.begin()->second);
                    model.erase(model.begin());
                }
                break;
            }
            if (step % 997 == 0) {
                ASSERT_TRUE(z.check()) << universe << " " << step;
            }
        }
        ASSERT_EQ(contents(z), std::vector<Item>(model.begin(), model.end()));
        size_t rank = 0;
        for (const Item& it : model) ASSERT_EQ(z.rank(it.second), rank++);
        EXPECT_TRUE(z.check());
    }
}

TEST(ZSetType, HugeSet) {
    const size_t n = 200000;
    ZSet z;
    for (size_t i = 0; i < n; ++i) add(z, member(i), static_cast<double>((i * 7919) % n));
    EXPECT_EQ(z.size(), n);
    EXPECT_EQ(z.at_rank(n / 2).score(), static_cast<double>(n / 2));
    EXPECT_EQ(z.span_of(score_range("1000", "(2000")).count, 1000u);
    EXPECT_EQ(z.remove_in(score_range("-inf", "(100000")), 100000u);
    EXPECT_EQ(z.rank(member(0)), std::nullopt);
    EXPECT_TRUE(z.check());
}

TEST(ZSetType, ScanReturnsEveryMemberWhileGrowing) {
    auto z = make_set(1000);
    std::set<std::string> seen;
    uint64_t cursor = 0;
    size_t added = 0;
    do {
        cursor = z->scan(cursor, [&](std::string_view m, double) { seen.insert(std::string(m)); });
        // Members added meanwhile may or may not show up; the first 1000 must.
        for (int k = 0; k < 3; ++k) add(*z, "late:" + std::to_string(added++), 1);
    } while (cursor != 0);
    for (size_t i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count(member(i))) << i;
    EXPECT_TRUE(z->check());
}

TEST(ZSetType, CloneIsDeep) {
    for (size_t n : {size_t{10}, size_t{1000}}) {
        auto z = make_set(n);
        std::unique_ptr<ZSet> copy(static_cast<ZSet*>(zset_clone(z.get())));
        EXPECT_EQ(copy->encoding(), z->encoding());
        EXPECT_EQ(contents(*copy), contents(*z));
        add(*z, member(0), -100);
        z->remove(member(1));
        EXPECT_EQ(*copy->score(member(0)), 0);
        EXPECT_TRUE(copy->score(member(1)));
        EXPECT_EQ(copy->size(), n);
        EXPECT_TRUE(copy->check());
        EXPECT_EQ(zset_length(copy.get()), n);
        EXPECT_EQ(zset_encoding(copy.get()), copy->encoding());
    }
}

TEST(ZSetType, FreesInSteps) {
    ZSet* small = make_set(5).release();
    EXPECT_TRUE(zset_free_step(small, 1));  // a listpack goes at once

    const size_t n = 10000;
    ZSet* big = make_set(n).release();
    size_t steps = 0;
    while (!zset_free_step(big, 1000)) ++steps;
    EXPECT_EQ(steps, n / 1000 - 1);

    zset_destroy(make_set(3000).release());  // and all at once
}

TEST(ZSetType, BuilderPicksAndChangesEncoding) {
    ZSetBuilder small(3, 5);
    small.append(-0.0, "a");
    small.append(1, "b");
    std::unique_ptr<ZSet> a(small.release());
    EXPECT_EQ(a->encoding(), "listpack");
    EXPECT_FALSE(std::signbit(*a->score("a")));

    ZSetBuilder grows(3, 5);
    grows.append(-0.0, "a");
    grows.append(1, std::string(100, 'x'));  // longer than the hint
    grows.append(2, "c");
    std::unique_ptr<ZSet> b(grows.release());
    EXPECT_EQ(b->encoding(), "skiplist");
    EXPECT_EQ(contents(*b), (std::vector<Item>{{0, "a"}, {1, std::string(100, 'x')}, {2, "c"}}));
    EXPECT_TRUE(b->check());

    ZSetBuilder big(1000, 1);
    for (size_t i = 0; i < 1000; ++i) big.append(static_cast<double>(i), member(i));
    std::unique_ptr<ZSet> c(big.release());
    EXPECT_EQ(c->encoding(), "skiplist");
    EXPECT_EQ(c->rank(member(999)), 999u);
    EXPECT_TRUE(c->check());
}

TEST(ZSetRange, ScoreBounds) {
    auto r = parse_score_range("(1.5", "+inf");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->minex);
    EXPECT_FALSE(r->maxex);
    EXPECT_EQ(r->min, 1.5);
    EXPECT_EQ(r->max, INFINITY);
    EXPECT_FALSE(r->contains(1.5));
    EXPECT_TRUE(r->contains(1.6));
    // strtod's reading, as Redis's range parser has it.
    EXPECT_EQ(parse_score_range("", "(")->max, 0);
    EXPECT_EQ(parse_score_range(" 1", "0x10")->max, 16);
    EXPECT_EQ(parse_score_range("1e-400", "1e400")->max, INFINITY);
    EXPECT_EQ(parse_score_range(std::string("5\0junk", 6), "6")->min, 5);
    EXPECT_FALSE(parse_score_range("nan", "1"));
    EXPECT_FALSE(parse_score_range("1", "(nan"));
    EXPECT_FALSE(parse_score_range("1 ", "2"));
    EXPECT_FALSE(parse_score_range("a", "2"));
    EXPECT_FALSE(parse_score_range("((1", "2"));
    EXPECT_TRUE(parse_score_range("(1", "(1")->empty());
    EXPECT_FALSE(parse_score_range("1", "1")->empty());
}

TEST(ZSetRange, LexBounds) {
    EXPECT_FALSE(parse_lex_range("a", "+"));
    EXPECT_FALSE(parse_lex_range("", "+"));
    EXPECT_FALSE(parse_lex_range("-", "+x"));
    EXPECT_TRUE(parse_lex_range("-", std::string("+\0x", 3)));
    auto r = parse_lex_range("[b", "(d");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->contains("a"));
    EXPECT_TRUE(r->contains("b"));
    EXPECT_TRUE(r->contains("c\xff"));
    EXPECT_FALSE(r->contains("d"));
    EXPECT_TRUE(parse_lex_range("[", "[")->contains(""));
    EXPECT_TRUE(parse_lex_range("(", "[")->empty());
    EXPECT_TRUE(parse_lex_range("+", "-")->empty());
    EXPECT_TRUE(parse_lex_range("[b", "[a")->empty());
    EXPECT_FALSE(parse_lex_range("-", "+")->empty());
}

}  // namespace
}  // namespace server
