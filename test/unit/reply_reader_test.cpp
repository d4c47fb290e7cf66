#include "protocol/reply_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/output_buffer.h"
#include "protocol/reply_writer.h"
#include "protocol/resp_parser.h"

namespace protocol {
namespace {

using Kind = RespValue::Kind;

RespValue decode_all(std::string_view bytes) {
    RespValue v;
    EXPECT_EQ(decode_reply(bytes, v), static_cast<long>(bytes.size())) << bytes;
    return v;
}

TEST(ReplyReader, Scalars) {
    RespValue v = decode_all("+OK\r\n");
    EXPECT_EQ(v.kind, Kind::kSimple);
    EXPECT_EQ(v.str, "OK");

    v = decode_all("-ERR no\r\n");
    EXPECT_EQ(v.kind, Kind::kError);
    EXPECT_EQ(v.str, "ERR no");

    v = decode_all(":-9223372036854775808\r\n");
    EXPECT_EQ(v.kind, Kind::kInteger);
    EXPECT_EQ(v.integer, INT64_MIN);

    v = decode_all("$5\r\na\r\nbc\r\n");
    EXPECT_EQ(v.kind, Kind::kBulk);
    EXPECT_EQ(v.str, "a\r\nbc");

    v = decode_all("$0\r\n\r\n");
    EXPECT_EQ(v.kind, Kind::kBulk);
    EXPECT_EQ(v.str, "");

    for (const char* null : {"$-1\r\n", "*-1\r\n", "_\r\n"})
        EXPECT_EQ(decode_all(null).kind, Kind::kNull);

    v = decode_all(",3.14\r\n");
    EXPECT_EQ(v.kind, Kind::kDouble);
    EXPECT_EQ(v.str, "3.14");

    v = decode_all("#t\r\n");
    EXPECT_EQ(v.kind, Kind::kBoolean);
    EXPECT_EQ(v.integer, 1);
    EXPECT_EQ(decode_all("#f\r\n").integer, 0);

    v = decode_all("=15\r\ntxt:Some string\r\n");
    EXPECT_EQ(v.kind, Kind::kVerbatim);
    EXPECT_EQ(v.str, "Some string");

    v = decode_all("(3492890328409238509324850943850943825024385\r\n");
    EXPECT_EQ(v.kind, Kind::kBigNumber);
    EXPECT_EQ(v.str, "3492890328409238509324850943850943825024385");

    v = decode_all("!21\r\nSYNTAX invalid syntax\r\n");
    EXPECT_EQ(v.kind, Kind::kError);
    EXPECT_EQ(v.str, "SYNTAX invalid syntax");
}

TEST(ReplyReader, Aggregates) {
    RespValue v = decode_all("*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n*0\r\n");
    ASSERT_EQ(v.kind, Kind::kArray);
    ASSERT_EQ(v.elems.size(), 3u);
    EXPECT_EQ(v.elems[0].integer, 1);
    ASSERT_EQ(v.elems[1].elems.size(), 2u);
    EXPECT_EQ(v.elems[1].elems[1].str, "b");
    EXPECT_EQ(v.elems[2].kind, Kind::kArray);
    EXPECT_TRUE(v.elems[2].elems.empty());

    v = decode_all("%2\r\n+k1\r\n:1\r\n+k2\r\n~2\r\n+x\r\n+y\r\n");
    ASSERT_EQ(v.kind, Kind::kMap);
    ASSERT_EQ(v.elems.size(), 4u);
    EXPECT_EQ(v.elems[2].str, "k2");
    EXPECT_EQ(v.elems[3].kind, Kind::kSet);
    EXPECT_EQ(v.elems[3].elems.size(), 2u);

    v = decode_all(">3\r\n+message\r\n+chan\r\n$3\r\nhey\r\n");
    EXPECT_EQ(v.kind, Kind::kPush);
    EXPECT_EQ(v.elems.size(), 3u);
}

TEST(ReplyReader, AttributesAreSkipped) {
    const std::string bytes =
        "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n";
    RespValue v = decode_all(bytes);
    ASSERT_EQ(v.kind, Kind::kArray);
    ASSERT_EQ(v.elems.size(), 2u);
    EXPECT_EQ(v.elems[1].integer, 9543892);
    // Also inside an aggregate.
    v = decode_all("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n");
    ASSERT_EQ(v.elems.size(), 2u);
    EXPECT_EQ(v.elems[0].integer, 1);
}

TEST(ReplyReader, ReportsTheSpanOfTheFirstReplyOnly) {
    RespValue v;
    EXPECT_EQ(decode_reply("+A\r\n+B\r\n", v), 4);
    EXPECT_EQ(v.str, "A");
}

TEST(ReplyReader, EveryPrefixIsIncomplete) {
    const std::string bytes =
        "*6\r\n+s\r\n-e\r\n:5\r\n$3\r\nabc\r\n%1\r\n~1\r\n,1.5\r\n#t\r\n"
        "*3\r\n=6\r\ntxt:hi\r\n_\r\n>1\r\n(12\r\n";
    RespValue v;
    for (size_t len = 0; len < bytes.size(); ++len)
        ASSERT_EQ(decode_reply(std::string_view(bytes).substr(0, len), v), 0) << len;
    EXPECT_EQ(decode_reply(bytes, v), static_cast<long>(bytes.size()));
}

TEST(ReplyReader, InvalidInput) {
    RespValue v;
    for (const char* bad : {"?\r\n", "+OK\rX", ":abc\r\n", ":01\r\n", "$-2\r\n", "$3\r\nabcXY",
                            "$x\r\n", "*-2\r\n", "%-1\r\n", "#x\r\n", "_x\r\n", "=2\r\nab\r\n",
                            "=5\r\nabcde\r\n", "*1\r\n?\r\n", "$?\r\n"})
        EXPECT_EQ(decode_reply(bad, v), -1) << bad;
}

TEST(ReplyReader, DeepNestingIsRefused) {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "*1\r\n";
    deep += ":1\r\n";
    RespValue v;
    EXPECT_EQ(decode_reply(deep, v), -1);
}

TEST(ReplyReader, EncodeCommand) {
    EXPECT_EQ(encode_command({"SET", "k", "v"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    EXPECT_EQ(encode_command({}), "*0\r\n");
    std::string out = "prefix";
    append_command(out, {"PING"});
    append_command(out, {""});
    EXPECT_EQ(out, "prefix*1\r\n$4\r\nPING\r\n*1\r\n$0\r\n\r\n");
}

TEST(ReplyReader, EncodedCommandsParseBack) {
    const std::string big(70000, 'q');
    const std::vector<std::vector<std::string_view>> commands = {
        {"SET", "key", "a\r\nb"}, {"GET", "key"}, {""}, {"MSET", "a", "1", "b", big}};
    std::string bytes;
    for (const auto& c : commands) append_command(bytes, c);
    RingBuffer in;
    in.append(bytes);
    RespParser p;
    for (const auto& c : commands) {
        ASSERT_EQ(p.parse(in), ParseStatus::kComplete);
        EXPECT_EQ(p.args(), c);
        in.consume(p.frame_size());
        // The reader sees the same command as an array of bulks.
    }
    RespValue v = decode_all(encode_command(commands[0]));
    ASSERT_EQ(v.elems.size(), 3u);
    EXPECT_EQ(v.elems[2].str, "a\r\nb");
}

TEST(ReplyReader, WriterOutputRoundTrips) {
    for (int proto : {2, 3}) {
        OutputBuffer out;
        ReplyWriter w(out, proto);
        w.map(2);
        w.bulk("name");
        w.simple("ringdis");
        w.bulk("scores");
        w.array(5);
        w.integer(-12);
        w.double_text("2.5");
        w.boolean(true);
        w.verbatim("line\r\nline");
        w.set(1);
        w.null_bulk();
        RespValue v = decode_all(out.pending());
        ASSERT_EQ(v.kind, proto == 3 ? Kind::kMap : Kind::kArray);
        ASSERT_EQ(v.elems.size(), 4u);
        EXPECT_EQ(v.elems[1].str, "ringdis");
        const RespValue& scores = v.elems[3];
        ASSERT_EQ(scores.elems.size(), 5u);
        EXPECT_EQ(scores.elems[0].integer, -12);
        EXPECT_EQ(scores.elems[1].kind, proto == 3 ? Kind::kDouble : Kind::kBulk);
        EXPECT_EQ(scores.elems[1].str, "2.5");
        EXPECT_EQ(scores.elems[2].kind, proto == 3 ? Kind::kBoolean : Kind::kInteger);
        EXPECT_EQ(scores.elems[2].integer, 1);
        EXPECT_EQ(scores.elems[3].kind, proto == 3 ? Kind::kVerbatim : Kind::kBulk);
        EXPECT_EQ(scores.elems[3].str, "line\r\nline");
        EXPECT_EQ(scores.elems[4].kind, proto == 3 ? Kind::kSet : Kind::kArray);
        EXPECT_EQ(scores.elems[4].elems[0].kind, Kind::kNull);
    }
}

}  // namespace
}  // namespace protocol
