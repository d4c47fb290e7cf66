#include "protocol/reply_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "protocol/output_buffer.h"

namespace protocol {
namespace {

// Runs `write` against a fresh writer speaking `proto` and returns the bytes.
template <typename F>
std::string bytes(int proto, F write) {
    OutputBuffer out;
    ReplyWriter w(out, proto);
    write(w);
    return std::string(out.pending());
}

TEST(ReplyWriter, Resp2ExactBytes) {
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.simple("OK"); }), "+OK\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.ok(); }), "+OK\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.error("ERR bad"); }), "-ERR bad\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.integer(42); }), ":42\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.bulk("hello"); }), "$5\r\nhello\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.bulk(""); }), "$0\r\n\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.bulk(std::string_view{}); }), "$0\r\n\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.null_bulk(); }), "$-1\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.null_array(); }), "*-1\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.array(3); }), "*3\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.map(2); }), "*4\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.set(5); }), "*5\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.push(3); }), "*3\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.double_text("3.14"); }), "$4\r\n3.14\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.boolean(true); }), ":1\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.boolean(false); }), ":0\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.verbatim("some text"); }), "$9\r\nsome text\r\n");
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.raw("+PONG\r\n"); }), "+PONG\r\n");
}

TEST(ReplyWriter, Resp3ExactBytes) {
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.simple("OK"); }), "+OK\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.integer(-7); }), ":-7\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.bulk("hi"); }), "$2\r\nhi\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.null_bulk(); }), "_\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.null_array(); }), "_\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.array(2); }), "*2\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.map(2); }), "%2\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.set(5); }), "~5\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.push(3); }), ">3\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.double_text("1.5"); }), ",1.5\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.boolean(true); }), "#t\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.boolean(false); }), "#f\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.verbatim("some text"); }),
              "=13\r\ntxt:some text\r\n");
    EXPECT_EQ(bytes(3, [](ReplyWriter& w) { w.verbatim("# x", "mkd"); }), "=7\r\nmkd:# x\r\n");
}

TEST(ReplyWriter, ProtocolCanChangeMidStream) {
    OutputBuffer out;
    ReplyWriter w(out);
    EXPECT_EQ(w.proto(), 2);
    w.null_bulk();
    w.set_proto(3);
    w.null_bulk();
    EXPECT_EQ(out.pending(), "$-1\r\n_\r\n");
    EXPECT_EQ(&w.buffer(), &out);
}

TEST(ReplyWriter, ErrorNewlinesBecomeSpaces) {
    EXPECT_EQ(bytes(2, [](ReplyWriter& w) { w.error("ERR a\r\nb\nc\rd"); }), "-ERR a  b c d\r\n");
}

TEST(ReplyWriter, IntegerEdges) {
    const std::pair<int64_t, const char*> cases[] = {
        {0, ":0\r\n"},
        {1, ":1\r\n"},
        {-1, ":-1\r\n"},
        {9, ":9\r\n"},
        {10, ":10\r\n"},
        {99, ":99\r\n"},
        {100, ":100\r\n"},
        {-100, ":-100\r\n"},
        {9999, ":9999\r\n"},
        {10000, ":10000\r\n"},
        {INT64_MAX, ":9223372036854775807\r\n"},
        {INT64_MIN, ":-9223372036854775808\r\n"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(bytes(2, [&](ReplyWriter& w) { w.integer(c.first); }), c.second);
}

TEST(ReplyWriter, IntegersMatchToString) {
    std::mt19937_64 rng(7);
    OutputBuffer out;
    ReplyWriter w(out);
    std::string want;
    for (int i = 0; i < 20000; ++i) {
        // Every magnitude, both signs.
        const int64_t v = static_cast<int64_t>(rng() >> (rng() % 64)) * (i % 2 ? -1 : 1);
        w.integer(v);
        w.array(v);
        want += ":" + std::to_string(v) + "\r\n*" + std::to_string(v) + "\r\n";
    }
    EXPECT_EQ(out.pending(), want);
}

TEST(ReplyWriter, BinaryAndLargeBulks) {
    const std::string binary("a\r\n\0b", 5);
    EXPECT_EQ(bytes(2, [&](ReplyWriter& w) { w.bulk(binary); }), "$5\r\n" + binary + "\r\n");
    const std::string big(1 << 20, 'z');
    EXPECT_EQ(bytes(2, [&](ReplyWriter& w) { w.bulk(big); }), "$1048576\r\n" + big + "\r\n");
}

TEST(ReplyWriter, ManyRepliesAccumulate) {
    OutputBuffer out;
    ReplyWriter w(out);
    std::string want;
    for (int i = 0; i < 5000; ++i) {
        w.bulk("value-" + std::to_string(i));
        const std::string v = "value-" + std::to_string(i);
        want += "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
    }
    EXPECT_EQ(out.pending(), want);
}

// ---- OutputBuffer ----------------------------------------------------------

TEST(OutputBuffer, AppendConsumeReset) {
    OutputBuffer b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.capacity(), 0u);
    b.append("hello ");
    b.push_back('w');
    char* p = b.tail_space(4);
    std::memcpy(p, "orld", 4);
    b.advance(4);
    EXPECT_EQ(b.pending(), "hello world");
    b.consume(6);
    EXPECT_EQ(b.pending(), "world");
    b.consume(5);
    EXPECT_TRUE(b.empty());
    // Empty again means writing restarts at the front.
    b.append("x");
    EXPECT_EQ(b.pending().data(), b.tail_space(0) - 1);
}

TEST(OutputBuffer, TruncateAndClear) {
    OutputBuffer b;
    b.append("+OK\r\n");
    b.append("*2\r\n$1\r\na");
    b.truncate(5);
    EXPECT_EQ(b.pending(), "+OK\r\n");
    b.clear();
    EXPECT_TRUE(b.empty());
}

TEST(OutputBuffer, SlidesUnsentBytesInsteadOfGrowing) {
    OutputBuffer b;
    b.append(std::string(1000, 'a'));
    const size_t cap = b.capacity();
    b.append(std::string(cap - 1000, 'b'));  // now full
    b.consume(cap - 10);                     // 10 unsent bytes left at the end
    b.append("0123456789");
    EXPECT_EQ(b.capacity(), cap);
    EXPECT_EQ(b.pending(), std::string(10, 'b') + "0123456789");
}

TEST(OutputBuffer, GrowsWhenSlidingWouldCopyTooMuch) {
    OutputBuffer b;
    b.append(std::string(100, 'a'));
    const size_t cap = b.capacity();
    b.append(std::string(cap - 100, 'b'));
    b.consume(10);  // most of it unsent: sliding would copy it all for 10 bytes
    b.append(std::string(20, 'c'));
    EXPECT_GT(b.capacity(), cap);
    EXPECT_EQ(b.pending(),
              std::string(90, 'a') + std::string(cap - 100, 'b') + std::string(20, 'c'));
}

TEST(OutputBuffer, ReleaseOnlyWhenEmpty) {
    OutputBuffer b;
    b.append("abc");
    b.release();
    EXPECT_GT(b.capacity(), 0u);
    EXPECT_EQ(b.pending(), "abc");
    b.consume(3);
    b.release();
    EXPECT_EQ(b.capacity(), 0u);
    b.append("again");
    EXPECT_EQ(b.pending(), "again");
}

TEST(OutputBuffer, Moves) {
    OutputBuffer a;
    a.append("data");
    OutputBuffer b(std::move(a));
    EXPECT_EQ(b.pending(), "data");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    OutputBuffer c;
    c.append("old");
    c = std::move(b);
    EXPECT_EQ(c.pending(), "data");
}

}  // namespace
}  // namespace protocol
