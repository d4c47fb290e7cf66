// The replication backlog: which stream offsets it holds as it fills,
// wraps and is resized, and that the bytes it gives back are the stream's.
#include <gtest/gtest.h>

#include <string>

#include "server/repl_backlog.h"

namespace server {
namespace {

// The stream bytes at offsets [from, to] (offset 1 is stream[0]).
std::string slice(const std::string& stream, uint64_t from, uint64_t to) {
    return stream.substr(static_cast<size_t>(from - 1), static_cast<size_t>(to - from + 1));
}

std::string stream_of(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + (i * 7) % 26);
    return s;
}

TEST(ReplBacklog, HoldsEverythingUntilFull) {
    ReplBacklog b(64, 0);
    EXPECT_EQ(b.histlen(), 0u);
    EXPECT_TRUE(b.holds(1));   // nothing missed yet
    EXPECT_FALSE(b.holds(2));  // the future is not held
    const std::string s = stream_of(40);
    b.append(s.substr(0, 25));
    b.append(s.substr(25));
    EXPECT_EQ(b.end_offset(), 40u);
    EXPECT_EQ(b.first_offset(), 1u);
    std::string out;
    b.copy_from(1, out);
    EXPECT_EQ(out, s);
    out.clear();
    b.copy_from(31, out);
    EXPECT_EQ(out, slice(s, 31, 40));
    out.clear();
    b.copy_from(41, out);  // up to date: nothing to send
    EXPECT_EQ(out, "");
}

TEST(ReplBacklog, KeepsTheNewestBytesAcrossWraps) {
    ReplBacklog b(64, 1000);  // the stream was at 1000 when it was made
    const std::string s = stream_of(1000);
    std::string fed;
    for (size_t i = 0; i < s.size(); i += 37) {
        b.append(s.substr(i, 37));
        fed += s.substr(i, 37);
    }
    EXPECT_EQ(b.end_offset(), 2000u);
    EXPECT_EQ(b.histlen(), 64u);
    EXPECT_EQ(b.first_offset(), 2000u - 63);
    EXPECT_FALSE(b.holds(b.first_offset() - 1));
    EXPECT_TRUE(b.holds(b.first_offset()));
    for (uint64_t from : {b.first_offset(), b.first_offset() + 1, uint64_t{1990}, uint64_t{2000}}) {
        std::string out;
        b.copy_from(from, out);
        EXPECT_EQ(out, fed.substr(static_cast<size_t>(from - 1001))) << "from " << from;
    }
}

TEST(ReplBacklog, OneAppendLargerThanTheBacklog) {
    ReplBacklog b(32, 0);
    const std::string s = stream_of(100);
    b.append(s);
    EXPECT_EQ(b.histlen(), 32u);
    std::string out;
    b.copy_from(69, out);
    EXPECT_EQ(out, slice(s, 69, 100));
}

TEST(ReplBacklog, ResizeKeepsWhatFits) {
    ReplBacklog b(64, 0);
    const std::string s = stream_of(50);
    b.append(s);
    b.resize(20);
    EXPECT_EQ(b.size(), 20u);
    EXPECT_EQ(b.histlen(), 20u);
    EXPECT_EQ(b.end_offset(), 50u);
    std::string out;
    b.copy_from(31, out);
    EXPECT_EQ(out, slice(s, 31, 50));
    b.resize(128);
    b.append("xyz");
    out.clear();
    b.copy_from(31, out);
    EXPECT_EQ(out, slice(s, 31, 50) + "xyz");
}

}  // namespace
}  // namespace server
