#include "protocol/resp_parser.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "protocol/inline_split.h"
#include "protocol/reply_reader.h"
#include "protocol/resp_number.h"

namespace protocol {

// Reads the parser's private count of searched bytes.
struct RespParserTestPeer {
    static size_t scanned(const RespParser& p) { return p.scanned_; }
};

namespace {

using Command = std::vector<std::string>;

struct Outcome {
    std::vector<Command> commands;
    ParseError error = ParseError::kNone;
    std::string message;
    bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {
    *os << o.commands.size() << " commands, error " << static_cast<int>(o.error) << " '"
        << o.message << "'";
}

// Takes every complete frame out of `in`, as a connection does in one
// wake-up; stops at the first need-more or error.
void drain(RespParser& p, RingBuffer& in, Outcome& out) {
    while (out.error == ParseError::kNone) {
        const ParseStatus st = p.parse(in);
        if (st == ParseStatus::kNeedMore) return;
        if (st == ParseStatus::kError) {
            out.error = p.error();
            out.message = p.error_message();
            return;
        }
        out.commands.emplace_back(p.args().begin(), p.args().end());
        in.consume(p.frame_size());
    }
}

// Feeds `data` the way reads would arrive: each chunk goes into writable()
// (a small ring, so the data wraps and the ring grows), then all complete
// frames are parsed.
Outcome feed(std::string_view data, const std::function<size_t()>& chunk, ParserLimits limits = {},
             size_t ring_capacity = 16, size_t* wraps = nullptr) {
    RespParser p(limits);
    RingBuffer in(ring_capacity);
    Outcome out;
    size_t pos = 0;
    while (pos < data.size() && out.error == ParseError::kNone) {
        size_t want = std::min(chunk(), data.size() - pos);
        while (want > 0) {
            auto w = in.writable();
            const size_t n = std::min(want, w.size());
            std::memcpy(w.data(), data.data() + pos, n);
            in.commit(n);
            pos += n;
            want -= n;
        }
        if (wraps != nullptr && in.readable().size() < in.size()) ++*wraps;
        drain(p, in, out);
    }
    return out;
}

Outcome feed_whole(std::string_view data, ParserLimits limits = {}) {
    RespParser p(limits);
    RingBuffer in;
    in.append(data);
    Outcome out;
    drain(p, in, out);
    return out;
}

Outcome feed_bytewise(std::string_view data, ParserLimits limits = {}) {
    return feed(
        data, [] { return size_t{1}; }, limits);
}

std::string multibulk(const Command& args) {
    std::string s = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return s;
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 131 + 7);
    return s;
}

struct Frame {
    std::string bytes;
    Command args;
};

std::vector<Frame> small_corpus() {
    using namespace std::string_literals;
    const std::string binary = "a\r\nb\r\n\0\r\n$3\r\n*1"s;
    return {
        {multibulk({"SET", "key", "value"}), {"SET", "key", "value"}},
        {multibulk({"GET", "key"}), {"GET", "key"}},
        {"PING\r\n", {"PING"}},
        {"echo  hello\n", {"echo", "hello"}},
        {"set a \"b c\\r\\n\\x41\" 'it\\'s'\r\n", {"set", "a", "b c\r\nA", "it's"}},
        {multibulk({"SET", "bin", binary}), {"SET", "bin", binary}},
        {"*0\r\n", {}},
        {"*-1\r\n", {}},
        {"\r\n", {}},
        {"  \t \r\n", {}},
        {multibulk({"", ""}), {"", ""}},
        {multibulk({"MSET", "k1", "v1", "k2", "v2"}), {"MSET", "k1", "v1", "k2", "v2"}},
        // Redis skips the two bytes after a body and after a '\r' unseen.
        {"*1\r\n$4\r\nPINGXY", {"PING"}},
        {"*2\rX$3\r\nGET\r\n$1\r\nk\r\n", {"GET", "k"}},
        {"LPUSH list \"\" ''\r\n", {"LPUSH", "list", "", ""}},
        {"*1\r\n$3\r\nfoo\r\n", {"foo"}},
    };
}

std::vector<Frame> full_corpus() {
    auto frames = small_corpus();
    const std::string big = pattern(100000);
    frames.push_back({multibulk({"SET", "big", big}), {"SET", "big", big}});
    frames.push_back({multibulk({"GET", "big"}), {"GET", "big"}});
    return frames;
}

std::string join(const std::vector<Frame>& frames) {
    std::string s;
    for (const auto& f : frames) s += f.bytes;
    return s;
}

Outcome expected(const std::vector<Frame>& frames) {
    Outcome o;
    for (const auto& f : frames) o.commands.push_back(f.args);
    return o;
}

TEST(RespParser, PipelinedCorpusWhole) {
    const auto frames = full_corpus();
    EXPECT_EQ(feed_whole(join(frames)), expected(frames));
}

TEST(RespParser, PipelinedCorpusByteByByte) {
    const auto frames = full_corpus();
    EXPECT_EQ(feed_bytewise(join(frames)), expected(frames));
}

TEST(RespParser, PipelinedCorpusRandomSplits) {
    const auto frames = full_corpus();
    const std::string data = join(frames);
    size_t wraps = 0;
    for (unsigned seed = 1; seed <= 30; ++seed) {
        std::mt19937 rng(seed);
        const size_t max_chunk = seed % 3 == 0 ? 7 : seed % 3 == 1 ? 300 : 20000;
        std::uniform_int_distribution<size_t> dist(1, max_chunk);
        const size_t ring = size_t{1} << (seed % 12);
        ASSERT_EQ(feed(
                      data, [&] { return dist(rng); }, {}, ring, &wraps),
                  expected(frames))
            << "seed " << seed;
    }
    EXPECT_GT(wraps, 0u);  // the splits did leave frames across the wrap point
}

TEST(RespParser, SmallCorpusSplitAtEveryByte) {
    const auto frames = small_corpus();
    const std::string data = join(frames);
    for (size_t cut = 1; cut < data.size(); ++cut) {
        bool first = true;
        auto chunk = [&] {
            const size_t n = first ? cut : data.size();
            first = false;
            return n;
        };
        ASSERT_EQ(feed(data, chunk, {}, 64), expected(frames)) << "cut at " << cut;
    }
}

TEST(RespParser, ZeroArgumentFramesCoverTheirBytes) {
    RespParser p;
    RingBuffer in;
    in.append("*0\r\n*-7\r\n\r\nPING\r\n");
    for (size_t size : {4u, 5u, 2u}) {
        ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
        EXPECT_TRUE(p.args().empty());
        EXPECT_EQ(p.frame_size(), size);
        in.consume(p.frame_size());
    }
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    EXPECT_EQ(p.args(), std::vector<std::string_view>{"PING"});
}

TEST(RespParser, WantsTheMissingPartOfABulkBody) {
    RespParser p;
    RingBuffer in;
    in.append("*2\r\n$3\r\nGET\r\n$10\r\nabc");
    ASSERT_EQ(p.parse(in), ParseStatus::kNeedMore);
    EXPECT_EQ(p.bytes_wanted(), 9u);  // 7 more bytes of body and the "\r\n"
    in.append("defghij\r");
    ASSERT_EQ(p.parse(in), ParseStatus::kNeedMore);
    EXPECT_EQ(p.bytes_wanted(), 1u);
    in.append("\n");
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    EXPECT_EQ(p.bytes_wanted(), 0u);
    EXPECT_EQ(p.args(), (std::vector<std::string_view>{"GET", "abcdefghij"}));
}

TEST(RespParser, HeaderLineWaitsForTheByteAfterCR) {
    RespParser p;
    RingBuffer in;
    in.append("*1\r");
    EXPECT_EQ(p.parse(in), ParseStatus::kNeedMore);
    in.append("\n$1\r");
    EXPECT_EQ(p.parse(in), ParseStatus::kNeedMore);
    in.append("\nx\r\n");
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    EXPECT_EQ(p.args(), std::vector<std::string_view>{"x"});
    EXPECT_EQ(p.frame_size(), in.size());
}

TEST(RespParser, FrameStraddlingTheWrapPoint) {
    const std::string frame = multibulk({"SET", "wrapped-key", "wrapped value"});
    for (size_t head = 1; head < 64; ++head) {
        RingBuffer in(64);
        const size_t first = std::min(frame.size(), 64 - head);
        in.append(std::string(head, '#') + frame.substr(0, first));
        in.consume(head);
        in.append(frame.substr(first));
        ASSERT_EQ(in.capacity(), 64u);
        RespParser p;
        ASSERT_EQ(p.parse(in), ParseStatus::kComplete) << head;
        EXPECT_EQ(p.args(), (std::vector<std::string_view>{"SET", "wrapped-key", "wrapped value"}));
        EXPECT_EQ(p.frame_size(), frame.size());
        in.consume(p.frame_size());
        EXPECT_TRUE(in.empty());
    }
}

TEST(RespParser, PartialFrameThatWrapsLaterResumes) {
    // The ring straightens under a frame in progress; the offsets kept from
    // the head stay right.
    const std::string frame = multibulk({"SET", "k", std::string(30, 'v')});
    for (size_t cut = 1; cut < frame.size(); ++cut) {
        RingBuffer in(64);
        const size_t first = std::min(cut, size_t{24});  // up to the end of storage
        in.append(std::string(40, '#') + frame.substr(0, first));
        in.consume(40);
        RespParser p;
        EXPECT_EQ(p.parse(in), ParseStatus::kNeedMore);
        if (cut > first) {
            in.append(frame.substr(first, cut - first));
            EXPECT_EQ(p.parse(in), ParseStatus::kNeedMore);
        }
        in.append(frame.substr(cut));
        ASSERT_EQ(p.parse(in), ParseStatus::kComplete) << cut;
        EXPECT_EQ(p.args(), (std::vector<std::string_view>{"SET", "k", std::string(30, 'v')}));
    }
}

TEST(RespParser, FrameEndingAtTheLastByteOfStorage) {
    // Under AddressSanitizer a read past the ring's storage is an error, so
    // this catches any look beyond the data that the parser was given.
    const std::string mb = multibulk({"SET", "k", std::string(37, 'v')});
    const std::string inl = "SET k " + std::string(57, 'v') + "\n";
    for (const std::string& frame : {mb, inl}) {
        ASSERT_EQ(frame.size(), 64u);
        for (size_t len = 1; len <= 64; ++len) {
            RingBuffer in(64);
            in.append(std::string(64 - len, '#'));
            in.consume(64 - len);
            in.append(frame.substr(0, len));
            RespParser p;
            EXPECT_EQ(p.parse(in), len == 64 ? ParseStatus::kComplete : ParseStatus::kNeedMore);
        }
    }
}

TEST(RespParser, ArgumentStorageIsReusedOnceWarm) {
    RespParser p;
    RingBuffer in;
    const std::string frame = multibulk({"SET", "key", "value"});
    in.append(frame);
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    const auto* args = p.args().data();
    in.consume(p.frame_size());
    for (int i = 0; i < 100; ++i) {
        in.append(frame);
        ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
        EXPECT_EQ(p.args().data(), args);
        in.consume(p.frame_size());
    }
}

TEST(RespParser, OneMegabyteBulkByteByByteIsLinear) {
    const std::string body = pattern(1 << 20);
    const std::string frame = multibulk({"SET", "k", body});
    RespParser p;
    RingBuffer in;
    size_t calls = 0;
    for (size_t i = 0; i + 1 < frame.size(); ++i) {
        in.append(frame.substr(i, 1));
        ASSERT_EQ(p.parse(in), ParseStatus::kNeedMore);
        ++calls;
    }
    in.append(frame.substr(frame.size() - 1));
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    EXPECT_EQ(p.args()[2], body);
    // Headers are searched once each; the body is never searched.
    EXPECT_LE(RespParserTestPeer::scanned(p), 64u + calls / 1000);
}

TEST(RespParser, LongInlineLineByteByByteIsSearchedOnce) {
    const std::string line = "SET k " + std::string(60000, 'v') + "\r\n";
    RespParser p;
    RingBuffer in;
    for (size_t i = 0; i + 1 < line.size(); ++i) {
        in.append(line.substr(i, 1));
        ASSERT_EQ(p.parse(in), ParseStatus::kNeedMore);
    }
    in.append("\n");
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    EXPECT_EQ(p.args().size(), 3u);
    EXPECT_LE(RespParserTestPeer::scanned(p), line.size() + 1);
}

TEST(RespParser, ReservingWhatIsWantedGrowsOnce) {
    const std::string body = pattern(300000);
    const std::string frame = multibulk({"SET", "k", body});
    RespParser p;
    RingBuffer in(1024);
    in.append(frame.substr(0, 100));
    ASSERT_EQ(p.parse(in), ParseStatus::kNeedMore);
    in.reserve(in.size() + p.bytes_wanted());
    const size_t capacity = in.capacity();
    size_t pos = 100;
    while (pos < frame.size()) {
        auto w = in.writable();
        const size_t n = std::min(w.size(), std::min<size_t>(4096, frame.size() - pos));
        std::memcpy(w.data(), frame.data() + pos, n);
        in.commit(n);
        pos += n;
        const ParseStatus st = p.parse(in);
        ASSERT_EQ(st, pos == frame.size() ? ParseStatus::kComplete : ParseStatus::kNeedMore);
    }
    EXPECT_EQ(in.capacity(), capacity);
    EXPECT_EQ(p.args()[2], body);
}

// ---- protocol errors -------------------------------------------------------

ParserLimits small_limits() {
    ParserLimits l;
    l.max_inline = 16;
    l.max_bulk = 100;
    l.max_multibulk = 5;
    l.max_unauthenticated_multibulk = 3;
    return l;
}

struct ErrorCase {
    std::string input;
    ParseError error;
    std::string message;
    ParserLimits limits = {};
};

const std::string kTooBigInline = "Protocol error: too big inline request";
const std::string kTooBigMbulk = "Protocol error: too big mbulk count string";
const std::string kInvalidMbulk = "Protocol error: invalid multibulk length";
const std::string kUnauthMbulk = "Protocol error: unauthenticated multibulk length";
const std::string kTooBigBulk = "Protocol error: too big bulk count string";
const std::string kInvalidBulk = "Protocol error: invalid bulk length";
const std::string kUnbalanced = "Protocol error: unbalanced quotes in request";

std::vector<ErrorCase> error_cases() {
    using E = ParseError;
    const ParserLimits s = small_limits();
    std::vector<ErrorCase> cases = {
        {std::string(17, 'a'), E::kTooBigInline, kTooBigInline, s},
        {"*" + std::string(16, '1'), E::kTooBigMultibulkCount, kTooBigMbulk, s},
        {"*1\r\n$" + std::string(16, '1'), E::kTooBigBulkCount, kTooBigBulk, s},
        {"*2\r\n$1\r\nx\r\n$" + std::string(16, '1'), E::kTooBigBulkCount, kTooBigBulk, s},
        {"*6\r\n", E::kInvalidMultibulkLength, kInvalidMbulk,
         [] {
             ParserLimits l;
             l.max_multibulk = 5;
             return l;
         }()},
        {"*2147483648\r\n", E::kInvalidMultibulkLength, kInvalidMbulk},
        {"*4\r\n", E::kUnauthenticatedMultibulk, kUnauthMbulk, s},
        {"*11\r\n", E::kUnauthenticatedMultibulk, kUnauthMbulk,
         [] {
             ParserLimits l;
             l.max_unauthenticated_multibulk = 10;
             return l;
         }()},
        {"*1\r\n$101\r\n", E::kInvalidBulkLength, kInvalidBulk, s},
        {"*1\r\n$16385\r\n", E::kUnauthenticatedBulk, "Protocol error: unauthenticated bulk length",
         [] {
             ParserLimits l;
             l.max_unauthenticated_bulk = 16384;
             return l;
         }()},
        // The plain bulk limit is judged first, as in Redis.
        {"*1\r\n$101\r\n", E::kInvalidBulkLength, kInvalidBulk,
         [] {
             ParserLimits l = small_limits();
             l.max_unauthenticated_bulk = 50;
             return l;
         }()},
        {"*1\r\n$536870913\r\n", E::kInvalidBulkLength, kInvalidBulk},
        {"*1\r\n:3\r\n", E::kExpectedDollar, "Protocol error: expected '$', got ':'"},
        {"*1\r\n\r\n", E::kExpectedDollar, "Protocol error: expected '$', got ' '"},
        {"*2\r\n$3\r\nfoo\r\nbar\r\n", E::kExpectedDollar, "Protocol error: expected '$', got 'b'"},
        {"\"abc\r\n", E::kUnbalancedQuotes, kUnbalanced},
        {"'abc\r\n", E::kUnbalancedQuotes, kUnbalanced},
        {"set \"abc\"def\r\n", E::kUnbalancedQuotes, kUnbalanced},
        {"set 'a'b\r\n", E::kUnbalancedQuotes, kUnbalanced},
        {"set \"abc\\\"\r\n", E::kUnbalancedQuotes, kUnbalanced},
        {"set \"abc\\\n", E::kUnbalancedQuotes, kUnbalanced},
    };
    for (const char* count : {"", "abc", "01", "+1", " 1", "1 ", "-0", "-", "1x",
                              "99999999999999999999", "100000000000000000000"})
        cases.push_back(
            {"*" + std::string(count) + "\r\n", E::kInvalidMultibulkLength, kInvalidMbulk});
    for (const char* length :
         {"", "-1", "abc", "01", "+1", " 1", "1 ", "-0", "9223372036854775808"})
        cases.push_back(
            {"*1\r\n$" + std::string(length) + "\r\n", E::kInvalidBulkLength, kInvalidBulk});
    return cases;
}

TEST(RespParser, ProtocolErrorsWholeAndByteByByte) {
    for (const ErrorCase& c : error_cases()) {
        const Outcome want{{}, c.error, c.message};
        EXPECT_EQ(feed_whole(c.input, c.limits), want) << c.input;
        EXPECT_EQ(feed_bytewise(c.input, c.limits), want) << c.input;
    }
}

TEST(RespParser, JustUnderTheLimitsIsNoError) {
    const ParserLimits s = small_limits();
    for (const std::string& input :
         {std::string(16, 'a'), "*" + std::string(15, '1'), "*1\r\n$" + std::string(15, '1'),
          std::string("*3\r\n"), std::string("*1\r\n$100\r\n")}) {
        ParserLimits limits = s;
        limits.max_unauthenticated_bulk = 100;
        RespParser p(limits);
        RingBuffer in;
        in.append(input);
        EXPECT_EQ(p.parse(in), ParseStatus::kNeedMore) << input;
        EXPECT_EQ(p.error(), ParseError::kNone);
    }
}

TEST(RespParser, LongLinesAreFineOnceTheirTerminatorIsThere) {
    // Redis judges the size only while the terminator is missing.
    const std::string line = "ECHO " + std::string(100, 'x') + "\r\n";
    EXPECT_EQ(feed_whole(line, small_limits()).commands.size(), 1u);
}

TEST(RespParser, DefaultInlineLimitIs64KiB) {
    RespParser p;
    RingBuffer in;
    in.append(std::string(64 * 1024, 'a'));
    EXPECT_EQ(p.parse(in), ParseStatus::kNeedMore);
    in.append("a");
    EXPECT_EQ(p.parse(in), ParseStatus::kError);
    EXPECT_EQ(p.error(), ParseError::kTooBigInline);
    EXPECT_EQ(p.error_message(), kTooBigInline);

    RespParser q;
    RingBuffer mb;
    mb.append("*" + std::string(64 * 1024 - 1, '1'));
    EXPECT_EQ(q.parse(mb), ParseStatus::kNeedMore);
    mb.append("1");
    EXPECT_EQ(q.parse(mb), ParseStatus::kError);
    EXPECT_EQ(q.error_message(), kTooBigMbulk);
}

TEST(RespParser, ErrorAfterGoodCommandsAndReset) {
    RespParser p;
    RingBuffer in;
    in.append("PING\r\n*1\r\n:3\r\n");
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    in.consume(p.frame_size());
    EXPECT_EQ(p.parse(in), ParseStatus::kError);
    EXPECT_EQ(p.parse(in), ParseStatus::kError);  // sticky until reset
    p.reset();
    EXPECT_EQ(p.error(), ParseError::kNone);
    RingBuffer fresh;
    fresh.append("PING\r\n");
    ASSERT_EQ(p.parse(fresh), ParseStatus::kComplete);
    EXPECT_EQ(p.args(), std::vector<std::string_view>{"PING"});
}

// ---- inline splitting (checked against redis-server 7.0) ------------------

std::vector<std::string> split(std::string_view line, bool* ok = nullptr) {
    std::string scratch(line.size(), '\0');
    std::vector<std::string_view> out;
    const bool good = split_inline(line, scratch.data(), out);
    if (ok != nullptr) *ok = good;
    return {out.begin(), out.end()};
}

TEST(InlineSplit, RedisRules) {
    using V = std::vector<std::string>;
    using namespace std::string_literals;
    EXPECT_EQ(split("a \"b c\" d"), (V{"a", "b c", "d"}));
    EXPECT_EQ(split("\"\\x41\\x4a\\x4A\\x\" \"\\n\\q\\\\\""), (V{"AJJx", "\nq\\"}));
    EXPECT_EQ(split("\"\\r\\t\\b\\a\\\"\""), (V{"\r\t\b\a\""}));
    EXPECT_EQ(split("'a\\'b\\\\n' foo\"bar baz\" \"\" ''"), (V{"a'b\\\\n", "foobar baz", "", ""}));
    EXPECT_EQ(split("a\vb \vc"), (V{"a\vb", "c"}));
    EXPECT_EQ(split("a\rb"), (V{"a", "b"}));
    EXPECT_EQ(split("\"a\"\vb"), (V{"a", "b"}));
    EXPECT_EQ(split("  lead and trail \t "), (V{"lead", "and", "trail"}));
    EXPECT_EQ(split("a\0b c"s), (V{"a"}));
    EXPECT_EQ(split("\"\\x4"), V{});
    EXPECT_EQ(split(""), V{});
    bool ok = true;
    for (const char* bad : {"\"a\"b", "'a'b", "\"abc", "'abc", "\"abc\\", "x \"\\\"", "'\\'"}) {
        split(bad, &ok);
        EXPECT_FALSE(ok) << bad;
    }
}

TEST(RespParser, InlineArgumentsNeedingNoUnescapingAreViewsIntoTheRing) {
    RespParser p;
    RingBuffer in;
    in.append("SET \"k\" plain\r\n");
    ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
    const std::string_view data = in.readable();
    ASSERT_EQ(p.args().size(), 3u);
    EXPECT_EQ(p.args()[0].data(), data.data());
    EXPECT_EQ(p.args()[2].data(), data.data() + 8);
    EXPECT_EQ(p.args()[1], "k");
}

// ---- guard page ------------------------------------------------------------

// Memory whose last byte is followed by an unreadable page: a read past the
// end faults instead of passing silently.
class GuardedMemory {
public:
    GuardedMemory() {
        page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        void* m =
            mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT_NE(m, MAP_FAILED);
        base_ = static_cast<char*>(m);
        EXPECT_EQ(mprotect(base_ + page_, page_, PROT_NONE), 0);
    }
    ~GuardedMemory() { munmap(base_, 2 * page_); }
    GuardedMemory(const GuardedMemory&) = delete;
    GuardedMemory& operator=(const GuardedMemory&) = delete;

    std::string_view place(std::string_view s) {
        char* p = base_ + page_ - s.size();
        std::memcpy(p, s.data(), s.size());
        return {p, s.size()};
    }

private:
    size_t page_ = 0;
    char* base_ = nullptr;
};

TEST(GuardPage, InlineSplitStopsAtTheEnd) {
    GuardedMemory mem;
    for (std::string_view line : {"abc", "a \"b", "\"abc\\", "\"abc\\x", "\"abc\\x4",
                                  "\"abc\\x41\"", "'ab\\", "'ab'", "\"ab\"", "a  ", "\"", "'"}) {
        for (size_t from = 0; from < line.size(); ++from) {
            const std::string_view guarded = mem.place(line.substr(from));
            bool ok_guarded = false;
            bool ok_plain = false;
            EXPECT_EQ(split(guarded, &ok_guarded),
                      split(std::string(line.substr(from)), &ok_plain));
            EXPECT_EQ(ok_guarded, ok_plain);
        }
    }
}

TEST(GuardPage, NumberParsingStopsAtTheEnd) {
    GuardedMemory mem;
    const std::vector<std::pair<std::string, int64_t>> good = {{"0", 0},
                                                               {"7", 7},
                                                               {"-1", -1},
                                                               {"1234567", 1234567},
                                                               {"9223372036854775807", INT64_MAX},
                                                               {"-9223372036854775808", INT64_MIN}};
    for (const auto& [text, value] : good) {
        const std::string_view g = mem.place(text);
        int64_t v = 0;
        EXPECT_TRUE(parse_int64_strict(g.data(), g.size(), v)) << text;
        EXPECT_EQ(v, value);
    }
    for (std::string_view text :
         {"-", "00", "-0", "+1", "1-", "9223372036854775808", "-9223372036854775809",
          "123456789012345678901", "1 ", " 1", "x"}) {
        const std::string_view g = mem.place(text);
        int64_t v = 0;
        EXPECT_FALSE(parse_int64_strict(g.data(), g.size(), v)) << text;
    }
}

TEST(GuardPage, ReplyDecodingStopsAtTheEnd) {
    GuardedMemory mem;
    const std::string reply = "*3\r\n$5\r\nhello\r\n%1\r\n+k\r\n:12\r\n=8\r\ntxt:abcd\r\n";
    for (size_t len = 0; len <= reply.size(); ++len) {
        RespValue v;
        const long n = decode_reply(mem.place(std::string_view(reply).substr(0, len)), v);
        EXPECT_EQ(n, len == reply.size() ? static_cast<long>(len) : 0) << len;
    }
}

}  // namespace
}  // namespace protocol
