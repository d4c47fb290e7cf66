#include "protocol/ring_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>

namespace protocol {
namespace {

std::string contents(const RingBuffer& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) s += r.at(i);
    return s;
}

std::string pattern(size_t n, char first = 'a') {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>(first + i % 26);
    return s;
}

// A ring of `cap` bytes whose head sits at physical offset `head` and holds
// `data` (wrapping when it runs past the end).
RingBuffer ring_at(size_t cap, size_t head, const std::string& data) {
    RingBuffer r(cap);
    const size_t first = std::min(data.size(), cap - head);
    r.append(std::string(head, '#') + data.substr(0, first));
    r.consume(head);
    r.append(data.substr(first));
    EXPECT_EQ(r.capacity(), cap);
    return r;
}

TEST(RingBuffer, StartsWithoutStorage) {
    RingBuffer r;
    EXPECT_EQ(r.capacity(), 0u);
    EXPECT_TRUE(r.empty());
    EXPECT_TRUE(r.readable().empty());
    EXPECT_EQ(r.make_contiguous().size(), 0u);
}

TEST(RingBuffer, CapacityRoundsUpToPowerOfTwo) {
    EXPECT_EQ(RingBuffer(1).capacity(), 1u);
    EXPECT_EQ(RingBuffer(100).capacity(), 128u);
    EXPECT_EQ(RingBuffer(128).capacity(), 128u);
    EXPECT_EQ(RingBuffer(129).capacity(), 256u);
}

TEST(RingBuffer, WritableCommitReadableConsume) {
    RingBuffer r(16);
    auto w = r.writable();
    ASSERT_EQ(w.size(), 16u);
    std::memcpy(w.data(), "hello", 5);
    r.commit(5);
    EXPECT_EQ(r.size(), 5u);
    EXPECT_EQ(r.readable(), "hello");
    EXPECT_EQ(r.writable().size(), 11u);
    r.consume(2);
    EXPECT_EQ(r.readable(), "llo");
    EXPECT_EQ(r.at(0), 'l');
}

TEST(RingBuffer, ConsumingEverythingResetsToTheStart) {
    RingBuffer r(16);
    r.append("0123456789");
    const char* start = r.readable().data();
    r.consume(4);
    r.consume(6);
    EXPECT_TRUE(r.empty());
    auto w = r.writable();
    EXPECT_EQ(w.data(), start);
    EXPECT_EQ(w.size(), 16u);
}

TEST(RingBuffer, WrapsAndReadsAcrossTheEnd) {
    RingBuffer r = ring_at(16, 12, "abcdefgh");
    EXPECT_EQ(r.size(), 8u);
    EXPECT_EQ(r.readable(), "abcd");  // the first run stops at the end
    EXPECT_EQ(contents(r), "abcdefgh");
    // The free space after wrapped data runs up to the head.
    EXPECT_EQ(r.writable().size(), 8u);
}

TEST(RingBuffer, WritableAfterDataEndingAtTheEndStartsAtZero) {
    RingBuffer r = ring_at(16, 10, "abcdef");
    auto w = r.writable();
    EXPECT_EQ(w.size(), 10u);
    std::memcpy(w.data(), "XY", 2);
    r.commit(2);
    EXPECT_EQ(contents(r), "abcdefXY");
}

TEST(RingBuffer, WritableGrowsAFullBufferRatherThanReturnNothing) {
    RingBuffer r(8);
    r.append("12345678");
    ASSERT_EQ(r.free_space(), 0u);
    auto w = r.writable();
    EXPECT_GT(w.size(), 0u);
    EXPECT_EQ(contents(r), "12345678");

    RingBuffer none;
    EXPECT_GE(none.writable().size(), 1024u);
}

TEST(RingBuffer, MakeContiguousEveryHeadAndLength) {
    // Covers the three ways of rotating: through the gap, and through a
    // copy of whichever part is shorter.
    for (size_t cap : {1u, 2u, 8u, 16u, 32u}) {
        for (size_t head = 0; head < cap; ++head) {
            for (size_t len = 1; len <= cap; ++len) {
                const std::string data = pattern(len);
                RingBuffer r = ring_at(cap, head, data);
                std::string_view all = r.make_contiguous();
                ASSERT_EQ(all, data) << cap << " " << head << " " << len;
                ASSERT_EQ(r.readable(), data);
                ASSERT_EQ(contents(r), data);
            }
        }
    }
}

TEST(RingBuffer, MakeContiguousLeavesUnwrappedDataInPlace) {
    RingBuffer r = ring_at(16, 4, "abc");
    const char* before = r.readable().data();
    EXPECT_EQ(r.make_contiguous().data(), before);
}

TEST(RingBuffer, ReserveGrowsKeepingWrappedData) {
    for (size_t head = 0; head < 16; ++head) {
        RingBuffer r = ring_at(16, head, "0123456789ab");
        r.reserve(100);
        EXPECT_EQ(r.capacity(), 128u);
        EXPECT_EQ(r.readable(), "0123456789ab");
        r.append("cd");
        EXPECT_EQ(r.readable(), "0123456789abcd");
    }
}

TEST(RingBuffer, ReserveWithinCapacityStraightens) {
    RingBuffer r = ring_at(16, 14, "abcdef");
    r.reserve(8);
    EXPECT_EQ(r.capacity(), 16u);
    EXPECT_EQ(r.readable(), "abcdef");
}

TEST(RingBuffer, AppendGrowsAsNeeded) {
    RingBuffer r;
    r.append("x");
    EXPECT_GE(r.capacity(), 1024u);
    const std::string big = pattern(5000);
    r.append(big);
    EXPECT_EQ(r.capacity(), 8192u);
    EXPECT_EQ(r.make_contiguous(), "x" + big);
}

TEST(RingBuffer, AppendIntoWrappedSpace) {
    RingBuffer r = ring_at(16, 12, "ab");
    r.append("cdefghij");
    EXPECT_EQ(r.capacity(), 16u);
    EXPECT_EQ(contents(r), "abcdefghij");
}

TEST(RingBuffer, ReleaseOnlyWhenEmpty) {
    RingBuffer r(64);
    r.append("abc");
    r.release();
    EXPECT_EQ(r.capacity(), 64u);
    EXPECT_EQ(r.readable(), "abc");
    r.consume(3);
    r.release();
    EXPECT_EQ(r.capacity(), 0u);
    r.append("again");
    EXPECT_EQ(r.readable(), "again");
}

TEST(RingBuffer, SwapAndMove) {
    RingBuffer a(16), b(32);
    a.append("aaa");
    b.append("bbbb");
    a.swap(b);
    EXPECT_EQ(a.readable(), "bbbb");
    EXPECT_EQ(a.capacity(), 32u);
    EXPECT_EQ(b.readable(), "aaa");

    RingBuffer c(std::move(a));
    EXPECT_EQ(c.readable(), "bbbb");
    EXPECT_EQ(a.capacity(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_TRUE(a.empty());

    c = std::move(b);
    EXPECT_EQ(c.readable(), "aaa");
    EXPECT_EQ(c.capacity(), 16u);
}

}  // namespace
}  // namespace protocol
