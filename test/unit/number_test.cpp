// server/number.h against Redis's string2ll, string2ld and ld2string rules
// (util.c). Every expectation here was checked against redis-server 7.0.15
// through INCR/INCRBYFLOAT where the rule is observable over the wire.
#include "server/number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace server {
namespace {

TEST(NumberParseInt64, AcceptsCanonicalIntegers) {
    EXPECT_EQ(parse_int64("0"), 0);
    EXPECT_EQ(parse_int64("1"), 1);
    EXPECT_EQ(parse_int64("-1"), -1);
    EXPECT_EQ(parse_int64("1234567890"), 1234567890);
    EXPECT_EQ(parse_int64("-1234567890"), -1234567890);
}

TEST(NumberParseInt64, AcceptsInt64Extremes) {
    EXPECT_EQ(parse_int64("9223372036854775807"), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(parse_int64("-9223372036854775808"), std::numeric_limits<int64_t>::min());
}

TEST(NumberParseInt64, RejectsOutOfRange) {
    EXPECT_FALSE(parse_int64("9223372036854775808"));
    EXPECT_FALSE(parse_int64("-9223372036854775809"));
    EXPECT_FALSE(parse_int64("18446744073709551615"));
    EXPECT_FALSE(parse_int64("18446744073709551616"));  // wraps a uint64
    EXPECT_FALSE(parse_int64("99999999999999999999"));
}

TEST(NumberParseInt64, RejectsTwentyOneCharactersOrMore) {
    EXPECT_FALSE(parse_int64("100000000000000000000"));   // 21 digits
    EXPECT_FALSE(parse_int64("-100000000000000000000"));  // 22 chars
    EXPECT_FALSE(parse_int64("123456789012345678901"));
}

TEST(NumberParseInt64, IsStrictAboutForm) {
    EXPECT_FALSE(parse_int64(""));
    EXPECT_FALSE(parse_int64("-"));
    EXPECT_FALSE(parse_int64("-0"));
    EXPECT_FALSE(parse_int64("007"));
    EXPECT_FALSE(parse_int64("00"));
    EXPECT_FALSE(parse_int64("-01"));
    EXPECT_FALSE(parse_int64("+1"));
    EXPECT_FALSE(parse_int64(" 1"));
    EXPECT_FALSE(parse_int64("1 "));
    EXPECT_FALSE(parse_int64("1.0"));
    EXPECT_FALSE(parse_int64("1e3"));
    EXPECT_FALSE(parse_int64("0x10"));
    EXPECT_FALSE(parse_int64("12a"));
    EXPECT_FALSE(parse_int64("--1"));
    EXPECT_FALSE(parse_int64("1-"));
}

TEST(NumberParseInt64, ReadsOnlyTheViewNotBeyondIt) {
    const char buf[] = "12345";
    EXPECT_EQ(parse_int64(std::string_view(buf, 3)), 123);
    // A NUL inside the view is not a terminator.
    EXPECT_FALSE(parse_int64(std::string_view("1\0" "2", 3)));
}

TEST(NumberParseLongDouble, AcceptsWhatStrtoldTakesWhole) {
    EXPECT_EQ(parse_long_double("1"), 1.0L);
    EXPECT_EQ(parse_long_double("-2.5"), -2.5L);
    EXPECT_EQ(parse_long_double("1e2"), 100.0L);
    EXPECT_EQ(parse_long_double("5.0e3"), 5000.0L);
    EXPECT_EQ(parse_long_double("0x10"), 16.0L);
    EXPECT_EQ(parse_long_double("+1"), 1.0L);  // strtold takes a sign; string2ld does not object
    EXPECT_EQ(parse_long_double(".5"), 0.5L);
    EXPECT_EQ(parse_long_double("007"), 7.0L);
}

TEST(NumberParseLongDouble, ParsesInfinityForTheCallerToReject) {
    auto v = parse_long_double("inf");
    ASSERT_TRUE(v);
    EXPECT_TRUE(std::isinf(*v));
    EXPECT_GT(*v, 0);
    auto n = parse_long_double("-inf");
    ASSERT_TRUE(n);
    EXPECT_TRUE(std::isinf(*n));
    EXPECT_LT(*n, 0);
}

TEST(NumberParseLongDouble, RejectsMalformed) {
    EXPECT_FALSE(parse_long_double(""));
    EXPECT_FALSE(parse_long_double(" 1"));
    EXPECT_FALSE(parse_long_double("\t1"));
    EXPECT_FALSE(parse_long_double("1 "));
    EXPECT_FALSE(parse_long_double("nan"));
    EXPECT_FALSE(parse_long_double("-nan"));
    EXPECT_FALSE(parse_long_double("1.5abc"));
    EXPECT_FALSE(parse_long_double("abc"));
    EXPECT_FALSE(parse_long_double(std::string_view("1\0" "2", 3)));
}

TEST(NumberParseLongDouble, RejectsRangeErrors) {
    // Overflow of a long double (max about 1.19e4932) and underflow to zero.
    EXPECT_FALSE(parse_long_double("1e5000"));
    EXPECT_FALSE(parse_long_double("-1e5000"));
    EXPECT_FALSE(parse_long_double("1e-5000"));
    // 1e400 overflows a double but fits a long double.
    EXPECT_TRUE(parse_long_double("1e400"));
}

TEST(NumberParseLongDouble, RejectsInputsOf5KiBOrMore) {
    std::string longest(5 * 1024 - 1, '1');
    longest[0] = '0';
    longest[1] = '.';
    EXPECT_TRUE(parse_long_double(longest));
    std::string too_long(5 * 1024, '1');
    too_long[0] = '0';
    too_long[1] = '.';
    EXPECT_FALSE(parse_long_double(too_long));
}

TEST(NumberParseDouble, FollowsTheSameRules) {
    EXPECT_EQ(parse_double("1.5"), 1.5);
    EXPECT_EQ(parse_double("1e2"), 100.0);
    EXPECT_FALSE(parse_double(""));
    EXPECT_FALSE(parse_double(" 1"));
    EXPECT_FALSE(parse_double("nan"));
    EXPECT_FALSE(parse_double("1e400"));
    EXPECT_FALSE(parse_double("1.5x"));
    auto inf = parse_double("-inf");
    ASSERT_TRUE(inf);
    EXPECT_TRUE(std::isinf(*inf));
}

std::string human(long double v) {
    char buf[kLongDoubleBufSize];
    size_t n = format_long_double_human(v, buf, sizeof buf);
    EXPECT_EQ(buf[n], '\0');
    return std::string(buf, n);
}

TEST(NumberFormatLongDoubleHuman, PrintsLikeIncrbyfloat) {
    EXPECT_EQ(human(0.1L + 0.2L), "0.3");
    // The same sum done in double precision carries its error into the text.
    EXPECT_EQ(human(static_cast<long double>(0.1 + 0.2)), "0.30000000000000004");
    EXPECT_EQ(human(3.0L), "3");
    EXPECT_EQ(human(1.5L), "1.5");
    EXPECT_EQ(human(-1.5L), "-1.5");
    EXPECT_EQ(human(0.0L), "0");
    EXPECT_EQ(human(-0.0L), "0");
    EXPECT_EQ(human(1e20L), "100000000000000000000");
    EXPECT_EQ(human(10.0L), "10");
    EXPECT_EQ(human(100.0L), "100");
    EXPECT_EQ(human(5016.0L), "5016");
    EXPECT_EQ(human(11.5L), "11.5");
}

TEST(NumberFormatLongDoubleHuman, TinyNegativeRoundsToZeroNotMinusZero) {
    // %.17Lf prints -0.00000000000000000; trimming leaves "-0", printed "0".
    EXPECT_EQ(human(-1e-30L), "0");
    EXPECT_EQ(human(1e-30L), "0");
}

TEST(NumberFormatLongDoubleHuman, Infinities) {
    EXPECT_EQ(human(std::numeric_limits<long double>::infinity()), "inf");
    EXPECT_EQ(human(-std::numeric_limits<long double>::infinity()), "-inf");
}

TEST(NumberFormatLongDoubleHuman, HugeValuesPrintInFull) {
    // Redis prints INCRBYFLOAT of 1e400 as 401 digits; so must we.
    std::string s = human(1e400L);
    EXPECT_EQ(s.size(), 401u);
    EXPECT_EQ(s.substr(0, 20), "10000000000000000000");
    EXPECT_EQ(s.find('.'), std::string::npos);
}

TEST(NumberFormatLongDoubleHuman, ReportsNoRoom) {
    char buf[4];
    EXPECT_EQ(format_long_double_human(12345.0L, buf, sizeof buf), 0u);
}

std::string dbl(double v) {
    char buf[64];
    size_t n = format_double(v, buf, sizeof buf);
    return std::string(buf, n);
}

TEST(NumberFormatDouble, UsesPercent17g) {
    EXPECT_EQ(dbl(0.1), "0.10000000000000001");
    EXPECT_EQ(dbl(1e100), "1e+100");
    EXPECT_EQ(dbl(1.5), "1.5");
    EXPECT_EQ(dbl(3.0), "3");
    EXPECT_EQ(dbl(-2.0), "-2");
    EXPECT_EQ(dbl(0.0), "0");
    EXPECT_EQ(dbl(-0.0), "-0");
    EXPECT_EQ(dbl(1e17), "1e+17");
    EXPECT_EQ(dbl(123456789012345678.0), "1.2345678901234568e+17");
}

TEST(NumberFormatDouble, Infinities) {
    EXPECT_EQ(dbl(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(dbl(-std::numeric_limits<double>::infinity()), "-inf");
}

std::string i64(int64_t v) {
    char buf[21];
    size_t n = format_int64(v, buf);
    EXPECT_EQ(buf[n], '\0');
    return std::string(buf, n);
}

TEST(NumberFormatInt64, Extremes) {
    EXPECT_EQ(i64(0), "0");
    EXPECT_EQ(i64(-1), "-1");
    EXPECT_EQ(i64(9), "9");
    EXPECT_EQ(i64(10), "10");
    EXPECT_EQ(i64(99), "99");
    EXPECT_EQ(i64(100), "100");
    EXPECT_EQ(i64(std::numeric_limits<int64_t>::max()), "9223372036854775807");
    EXPECT_EQ(i64(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
    EXPECT_EQ(i64(std::numeric_limits<int64_t>::min() + 1), "-9223372036854775807");
}

TEST(NumberFormatInt64, RoundTripsThroughParse) {
    for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{1000000007}, int64_t{-987654321987},
                      std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
        EXPECT_EQ(parse_int64(i64(v)), v) << v;
    }
    // Every power of ten and its neighbours.
    for (int64_t p = 1; p <= std::numeric_limits<int64_t>::max() / 10; p *= 10) {
        for (int64_t v : {p - 1, p, p + 1, -p}) EXPECT_EQ(parse_int64(i64(v)), v) << v;
    }
}


}  // namespace
}  // namespace server
