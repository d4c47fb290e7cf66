// The list value (server/list_type.h): a quicklist of compact nodes. Every
// test checks the structure itself (List::check) besides the contents, and
// a seeded random sequence of operations is compared with a std::deque.
#include "server/list_type.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/object.h"

namespace server {
namespace {

std::vector<std::string> contents(const List& l) {
    std::vector<std::string> out;
    for (List::Cursor c = l.first(); c; ) {
        out.emplace_back(l.value(c));
        if (!l.next(c)) break;
    }
    return out;
}

std::vector<std::string> contents_backwards(const List& l) {
    std::vector<std::string> out;
    for (List::Cursor c = l.last(); c; ) {
        out.emplace_back(l.value(c));
        if (!l.prev(c)) break;
    }
    return {out.rbegin(), out.rend()};
}

std::vector<std::string> as_vector(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

// An element whose bytes say which one it is, of about `size` bytes, so
// lengths cross the one-, two- and nine-byte framings.
std::string element(size_t id, size_t size) {
    std::string s = std::to_string(id) + ":";
    while (s.size() < size) s += static_cast<char>('a' + (s.size() + id) % 26);
    return s;
}

TEST(ListType, PushPopBothEnds) {
    List l;
    EXPECT_TRUE(l.empty());
    l.push_back("b");
    l.push_front("a");
    l.push_back("c");
    EXPECT_EQ(l.size(), 3u);
    EXPECT_EQ(l.front(), "a");
    EXPECT_EQ(l.back(), "c");
    EXPECT_EQ(contents(l), (std::vector<std::string>{"a", "b", "c"}));
    l.pop_front();
    l.pop_back();
    EXPECT_EQ(contents(l), (std::vector<std::string>{"b"}));
    l.pop_back();
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.node_count(), 0u);
    EXPECT_EQ(l.check(), "");
}

TEST(ListType, EmptyAndBinaryElements) {
    List l;
    std::string zeros("\0\0\x80\xff", 4);
    l.push_back("");
    l.push_back(zeros);
    l.push_front("");
    EXPECT_EQ(contents(l), (std::vector<std::string>{"", "", zeros}));
    EXPECT_EQ(l.check(), "");
}

TEST(ListType, LengthFramingsRoundTrip) {
    // 127/128 and 16383/16384 are where the length framing changes.
    List l;
    const std::vector<size_t> sizes = {0, 1, 126, 127, 128, 129, 16383, 16384, 16385, 70000};
    for (size_t s : sizes) l.push_back(std::string(s, 'x'));
    for (size_t s : sizes) l.push_front(std::string(s, 'y'));
    ASSERT_EQ(l.check(), "");
    auto all = contents(l);
    ASSERT_EQ(all.size(), sizes.size() * 2);
    for (size_t i = 0; i < sizes.size(); ++i) {
        EXPECT_EQ(all[sizes.size() - 1 - i], std::string(sizes[i], 'y'));
        EXPECT_EQ(all[sizes.size() + i], std::string(sizes[i], 'x'));
    }
    EXPECT_EQ(contents_backwards(l), all);
}

TEST(ListType, NodesHoldAtMostTheLimit) {
    // 3-byte elements take 5 bytes with their framing: 1638 fit in 8 KiB.
    List l;
    for (int i = 0; i < 1638; ++i) l.push_back("xxx");
    EXPECT_EQ(l.node_count(), 1u);
    l.push_back("xxx");
    EXPECT_EQ(l.node_count(), 2u);
    for (int i = 0; i < 1638 * 3; ++i) l.push_front("xxx");
    EXPECT_EQ(l.node_count(), 5u);
    EXPECT_EQ(l.check(), "");
}

TEST(ListType, BigElementGetsItsOwnNode) {
    List l;
    l.push_back("a");
    l.push_back(std::string(20000, 'b'));
    l.push_back("c");
    EXPECT_EQ(l.node_count(), 3u);
    EXPECT_EQ(l.check(), "");
    EXPECT_EQ(l.value(l.at(1)), std::string(20000, 'b'));
}

TEST(ListType, PushesCostConstantMemoryPerElement) {
    // A long list built from either end is nodes near the limit, not a
    // string of small ones or a few oversized ones.
    for (bool front : {true, false}) {
        List l;
        for (int i = 0; i < 100000; ++i) {
            if (front) l.push_front("xxx");
            else l.push_back("xxx");
        }
        EXPECT_EQ(l.check(), "");
        const size_t payload = 100000 * 5;
        EXPECT_LT(l.allocated_bytes(), payload * 5 / 4) << (front ? "front" : "back");
        EXPECT_LE(l.node_count(), payload / (List::kNodeLimit * 3 / 4) + 1);
    }
}

TEST(ListType, AtFromBothEnds) {
    List l;
    std::deque<std::string> model;
    for (size_t i = 0; i < 5000; ++i) {
        std::string e = element(i, 1 + i % 40);
        if (i % 3 == 0) {
            l.push_front(e);
            model.push_front(e);
        } else {
            l.push_back(e);
            model.push_back(e);
        }
    }
    for (size_t i = 0; i < model.size(); i += 7) EXPECT_EQ(l.value(l.at(i)), model[i]) << i;
    EXPECT_EQ(l.value(l.at(0)), model.front());
    EXPECT_EQ(l.value(l.at(model.size() - 1)), model.back());
}

TEST(ListType, ForEachCrossesNodes) {
    List l;
    for (size_t i = 0; i < 5000; ++i) l.push_back(element(i, 1 + i % 30));
    ASSERT_GT(l.node_count(), 3u);
    for (size_t start : {size_t{0}, size_t{1}, size_t{1700}, size_t{4990}}) {
        std::vector<std::string> seen;
        const size_t n = std::min<size_t>(2000, l.size() - start);
        l.for_each(l.at(start), n, [&](std::string_view v) { seen.emplace_back(v); });
        ASSERT_EQ(seen.size(), n);
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], element(start + i, 1 + (start + i) % 30));
    }
}

TEST(ListType, InsertSplitsAFullNode) {
    List l;
    for (int i = 0; i < 3000; ++i) l.push_back(element(static_cast<size_t>(i), 10));
    ASSERT_EQ(l.check(), "");
    const size_t before = l.node_count();
    List::Cursor c = l.at(700);  // inside the full first node
    l.insert_before(c, "inserted");
    EXPECT_EQ(l.check(), "");
    EXPECT_GT(l.node_count(), before);
    EXPECT_EQ(l.value(l.at(700)), "inserted");
    EXPECT_EQ(l.value(l.at(701)), element(700, 10));
    l.insert_after(l.at(l.size() - 1), "last");
    EXPECT_EQ(l.back(), "last");
    l.insert_before(l.at(0), "first");
    EXPECT_EQ(l.front(), "first");
    EXPECT_EQ(l.size(), 3003u);
    EXPECT_EQ(l.check(), "");
}

TEST(ListType, ReplaceGrowsAndShrinks) {
    List l;
    for (int i = 0; i < 3000; ++i) l.push_back("abc");
    l.replace(l.at(10), "abc");
    l.replace(l.at(20), "a");
    l.replace(l.at(30), std::string(300, 'z'));
    l.replace(l.at(1500), std::string(20000, 'q'));  // past the node limit
    EXPECT_EQ(l.check(), "");
    EXPECT_EQ(l.size(), 3000u);
    EXPECT_EQ(l.value(l.at(20)), "a");
    EXPECT_EQ(l.value(l.at(30)), std::string(300, 'z'));
    EXPECT_EQ(l.value(l.at(1500)), std::string(20000, 'q'));
    EXPECT_EQ(l.value(l.at(1499)), "abc");
    EXPECT_EQ(l.value(l.at(1501)), "abc");
    l.replace(l.at(1500), "small");
    EXPECT_EQ(l.value(l.at(1500)), "small");
    EXPECT_EQ(l.check(), "");
}

TEST(ListType, RemoveFromHeadTailAndAll) {
    List l;
    std::deque<std::string> model;
    for (int i = 0; i < 4000; ++i) {
        std::string e = i % 3 == 0 ? "x" : element(static_cast<size_t>(i), 8);
        l.push_back(e);
        model.push_back(e);
    }
    auto remove_model = [&](size_t limit, bool from_tail) {
        size_t removed = 0;
        if (!from_tail) {
            for (auto it = model.begin(); it != model.end() && (limit == 0 || removed < limit);) {
                if (*it == "x") {
                    it = model.erase(it);
                    ++removed;
                } else {
                    ++it;
                }
            }
        } else {
            for (size_t i = model.size(); i-- > 0 && (limit == 0 || removed < limit);) {
                if (model[i] == "x") {
                    model.erase(model.begin() + static_cast<long>(i));
                    ++removed;
                }
            }
        }
        return removed;
    };
    EXPECT_EQ(l.remove("x", 100, false), remove_model(100, false));
    EXPECT_EQ(l.remove("x", 250, true), remove_model(250, true));
    EXPECT_EQ(l.check(), "");
    EXPECT_EQ(contents(l), as_vector(model));
    EXPECT_EQ(l.remove("x", 0, false), remove_model(0, false));
    EXPECT_EQ(contents(l), as_vector(model));
    EXPECT_EQ(l.remove("absent", 0, true), 0u);
    EXPECT_EQ(l.check(), "");
}

TEST(ListType, EraseFromEnds) {
    List l;
    for (int i = 0; i < 10000; ++i) l.push_back(element(static_cast<size_t>(i), 5));
    l.erase_front(2500);
    l.erase_back(2500);
    EXPECT_EQ(l.size(), 5000u);
    EXPECT_EQ(l.front(), element(2500, 5));
    EXPECT_EQ(l.back(), element(7499, 5));
    EXPECT_EQ(l.check(), "");
    l.erase_back(99999);
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.node_count(), 0u);
}

TEST(ListType, CloneIsDeep) {
    List l;
    for (int i = 0; i < 5000; ++i) l.push_back(element(static_cast<size_t>(i), 12));
    std::unique_ptr<List> copy(l.clone());
    EXPECT_EQ(copy->check(), "");
    EXPECT_EQ(contents(*copy), contents(l));
    l.pop_front();
    EXPECT_EQ(copy->size(), 5000u);
    EXPECT_EQ(copy->front(), element(0, 12));
}

TEST(ListType, FreesInSteps) {
    auto* l = new List;
    for (int i = 0; i < 100000; ++i) l->push_back("xxxx");
    EXPECT_EQ(list_length(l), 100000u);
    EXPECT_EQ(list_encoding(l), "quicklist");
    int steps = 0;
    while (!list_free_step(l, 1000)) {
        ++steps;
        ASSERT_LT(steps, 1000);
    }
    // ~1000 elements a step, whole nodes at a time.
    EXPECT_GE(steps, 50);
    EXPECT_LE(steps, 110);
}

TEST(ListType, QueueUseKeepsMemoryBounded) {
    // Pushed at one end, popped at the other: nodes are reused or freed,
    // memory follows the length, not the traffic.
    List l;
    for (int i = 0; i < 200000; ++i) {
        l.push_front(element(static_cast<size_t>(i), 6));
        if (i >= 100) l.pop_back();
    }
    EXPECT_EQ(l.size(), 100u);
    EXPECT_LT(l.allocated_bytes(), 4 * List::kNodeLimit);
    EXPECT_EQ(l.back(), element(199900, 6));
    EXPECT_EQ(l.check(), "");
}

// A seeded random walk over every operation, checked against std::deque
// after each step (structure) and periodically (contents).
TEST(ListType, RandomOperationsMatchADeque) {
    for (uint32_t seed : {1u, 2u, 3u, 4u}) {
        std::mt19937 rng(seed);
        List l;
        std::deque<std::string> model;
        auto pick_size = [&] {
            uint32_t r = rng() % 100;
            if (r < 70) return static_cast<size_t>(rng() % 12);
            if (r < 95) return static_cast<size_t>(100 + rng() % 200);
            return static_cast<size_t>(7000 + rng() % 12000);
        };
        for (int step = 0; step < 20000; ++step) {
            const uint32_t op = rng() % 100;
            const std::string e = element(static_cast<size_t>(step), pick_size());
            SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step) + " op " +
                         std::to_string(op));
            if (op < 25) {
                l.push_front(e);
                model.push_front(e);
            } else if (op < 50) {
                l.push_back(e);
                model.push_back(e);
            } else if (op < 58 && !model.empty()) {
                ASSERT_EQ(l.front(), model.front());
                l.pop_front();
                model.pop_front();
            } else if (op < 66 && !model.empty()) {
                ASSERT_EQ(l.back(), model.back());
                l.pop_back();
                model.pop_back();
            } else if (op < 74 && !model.empty()) {
                size_t i = rng() % model.size();
                bool after = rng() % 2;
                List::Cursor c = l.at(i);
                if (after) l.insert_after(c, e);
                else l.insert_before(c, e);
                model.insert(model.begin() + static_cast<long>(i + (after ? 1 : 0)), e);
            } else if (op < 82 && !model.empty()) {
                size_t i = rng() % model.size();
                l.replace(l.at(i), e);
                model[i] = e;
            } else if (op < 85 && !model.empty()) {
                // Remove copies of an element that is in the list.
                std::string v = model[rng() % model.size()];
                size_t limit = rng() % 3;
                bool tail = rng() % 2;
                size_t removed = 0;
                if (!tail) {
                    for (auto it = model.begin(); it != model.end() && (limit == 0 || removed < limit);) {
                        if (*it == v) {
                            it = model.erase(it);
                            ++removed;
                        } else {
                            ++it;
                        }
                    }
                } else {
                    for (size_t k = model.size(); k-- > 0 && (limit == 0 || removed < limit);) {
                        if (model[k] == v) {
                            model.erase(model.begin() + static_cast<long>(k));
                            ++removed;
                        }
                    }
                }
                ASSERT_EQ(l.remove(v, limit, tail), removed);
            } else if (op < 88 && !model.empty()) {
                size_t n = rng() % (model.size() / 4 + 2);
                l.erase_front(n);
                model.erase(model.begin(), model.begin() + static_cast<long>(std::min(n, model.size())));
            } else if (op < 91 && !model.empty()) {
                size_t n = rng() % (model.size() / 4 + 2);
                l.erase_back(n);
                model.erase(model.end() - static_cast<long>(std::min(n, model.size())), model.end());
            } else if (!model.empty()) {
                size_t i = rng() % model.size();
                ASSERT_EQ(l.value(l.at(i)), model[i]);
            }
            ASSERT_EQ(l.size(), model.size());
            ASSERT_EQ(l.check(), "");
            if (step % 500 == 0) {
                ASSERT_EQ(contents(l), as_vector(model));
                ASSERT_EQ(contents_backwards(l), as_vector(model));
            }
        }
        ASSERT_EQ(contents(l), as_vector(model));
    }
}

}  // namespace
}  // namespace server
