// String commands driven through Connection::run_command, no sockets read
// or written: each reply is compared byte for byte with what redis-server
// 7.0.15 sent for the same command sequence (recorded by hand with raw RESP
// over TCP). The loop's clock is cached and never refreshed here, so TTLs
// read back exactly.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "server/connection.h"
#include "server/server.h"
#include "test/unit/command_fixture.h"

namespace server {
namespace {

using namespace cmdtest;

constexpr std::string_view kNotFloat = "-ERR value is not a valid float\r\n";
constexpr std::string_view kOverflow = "-ERR increment or decrement would overflow\r\n";
constexpr std::string_view kTooLong = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";

class StringCommands : public CommandFixture {};

// ---- SET ----------------------------------------------------------------

TEST_F(StringCommands, SetAndGet) {
    EXPECT_EQ(run({"GET", "k"}), kNil);
    EXPECT_EQ(run({"SET", "k", "hello"}), kOk);
    EXPECT_EQ(run({"GET", "k"}), bulk("hello"));
    EXPECT_EQ(run({"SET", "k", "world"}), kOk);
    EXPECT_EQ(run({"GET", "k"}), bulk("world"));
    EXPECT_EQ(run({"SET", "empty", ""}), kOk);
    EXPECT_EQ(run({"GET", "empty"}), "$0\r\n\r\n");
    std::string bin("a\0b\r\nc", 6);
    EXPECT_EQ(run({"SET", bin, bin}), kOk);
    EXPECT_EQ(run({"GET", bin}), bulk(bin));
}

TEST_F(StringCommands, SetArity) {
    EXPECT_EQ(run({"SET"}), arity("set"));
    EXPECT_EQ(run({"SET", "k"}), arity("set"));
    EXPECT_EQ(run({"GET"}), arity("get"));
    EXPECT_EQ(run({"GET", "a", "b"}), arity("get"));
}

TEST_F(StringCommands, SetNxXx) {
    EXPECT_EQ(run({"SET", "k", "v", "XX"}), kNil);
    EXPECT_EQ(run({"EXISTS", "k"}), integer(0));
    EXPECT_EQ(run({"SET", "k", "v", "NX"}), kOk);
    EXPECT_EQ(run({"SET", "k", "v2", "NX"}), kNil);
    EXPECT_EQ(run({"GET", "k"}), bulk("v"));
    EXPECT_EQ(run({"SET", "k", "v3", "xx"}), kOk);
    EXPECT_EQ(run({"GET", "k"}), bulk("v3"));
}

TEST_F(StringCommands, SetInvalidOptionCombinations) {
    EXPECT_EQ(run({"SET", "k", "v", "NX", "XX"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "XX", "NX"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "EX", "10", "PX", "100"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "PX", "10", "EXAT", "100"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "EXAT", "10", "PXAT", "100"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "KEEPTTL", "EX", "10"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "EX", "10", "KEEPTTL"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "PERSIST"}), kSyntax);  // GETEX only
    EXPECT_EQ(run({"SET", "k", "v", "EX"}), kSyntax);       // no value
    EXPECT_EQ(run({"SET", "k", "v", "foo"}), kSyntax);
    EXPECT_EQ(run({"SET", "k", "v", "NXX"}), kSyntax);
    EXPECT_EQ(run({"EXISTS", "k"}), integer(0));  // nothing was set
}

TEST_F(StringCommands, SetInvalidExpireValues) {
    EXPECT_EQ(run({"SET", "k", "v", "EX", "0"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "EX", "-1"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "PX", "0"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "EXAT", "0"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "PXAT", "-5"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "EX", "abc"}), kNotInt);
    EXPECT_EQ(run({"SET", "k", "v", "EX", ""}), kNotInt);
    EXPECT_EQ(run({"SET", "k", "v", "EX", "1.5"}), kNotInt);
    // Overflow of seconds to ms, and of now + ms.
    EXPECT_EQ(run({"SET", "k", "v", "EX", "9223372036854776"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "EX", "9223372036854775"}), bad_expire("set"));
    EXPECT_EQ(run({"SET", "k", "v", "PX", "9223372036854775807"}), bad_expire("set"));
    EXPECT_EQ(run({"EXISTS", "k"}), integer(0));
}

TEST_F(StringCommands, SetWithExpiry) {
    EXPECT_EQ(run({"SET", "k", "v", "EX", "100"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(100));
    EXPECT_EQ(run({"PTTL", "k"}), integer(100000));
    EXPECT_EQ(run({"SET", "k", "v", "PX", "1500"}), kOk);
    EXPECT_EQ(run({"PTTL", "k"}), integer(1500));
    EXPECT_EQ(run({"TTL", "k"}), integer(2));  // rounded, as Redis
    std::string at = std::to_string(now() / 1000 + 1000);
    EXPECT_EQ(run({"SET", "k", "v", "EXAT", at}), kOk);
    EXPECT_EQ(run({"PEXPIRETIME", "k"}), integer((now() / 1000 + 1000) * 1000));
    std::string pat = std::to_string(now() + 4321);
    EXPECT_EQ(run({"SET", "k", "v", "PXAT", pat}), kOk);
    EXPECT_EQ(run({"PTTL", "k"}), integer(4321));
    // The last of repeated expiry options wins.
    EXPECT_EQ(run({"SET", "k", "v", "EX", "100", "EX", "200"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(200));
}

TEST_F(StringCommands, SetPxatMaxIsAccepted) {
    EXPECT_EQ(run({"SET", "k", "v", "PXAT", "9223372036854775807"}), kOk);
    EXPECT_EQ(run({"PTTL", "k"}), integer(INT64_MAX - now()));
}

TEST_F(StringCommands, SetAbsoluteTimeInThePastStoresAnExpiredKey) {
    EXPECT_EQ(run({"SET", "k", "v", "EXAT", "1"}), kOk);
    EXPECT_EQ(run({"EXISTS", "k"}), integer(0));
    EXPECT_EQ(run({"SET", "k", "v", "PXAT", "1", "GET"}), kNil);
    EXPECT_EQ(run({"GET", "k"}), kNil);
}

TEST_F(StringCommands, SetKeepTtlAndPlainSetClearsTtl) {
    EXPECT_EQ(run({"SET", "k", "v", "EX", "200"}), kOk);
    EXPECT_EQ(run({"SET", "k", "v2", "KEEPTTL"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(200));
    EXPECT_EQ(run({"GET", "k"}), bulk("v2"));
    EXPECT_EQ(run({"SET", "k", "v3"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(-1));
}

TEST_F(StringCommands, SetGet) {
    EXPECT_EQ(run({"SET", "k", "v", "GET"}), kNil);
    EXPECT_EQ(run({"SET", "k", "v2", "GET"}), bulk("v"));
    EXPECT_EQ(run({"GET", "k"}), bulk("v2"));
    // NX GET on an existing key: the old value, nothing set.
    EXPECT_EQ(run({"SET", "k", "v3", "NX", "GET"}), bulk("v2"));
    EXPECT_EQ(run({"GET", "k"}), bulk("v2"));
    // XX GET on a missing key: nil, nothing set.
    EXPECT_EQ(run({"SET", "k2", "v", "XX", "GET"}), kNil);
    EXPECT_EQ(run({"EXISTS", "k2"}), integer(0));
    EXPECT_EQ(run({"SET", "k", "v4", "GET", "EX", "50"}), bulk("v2"));
    EXPECT_EQ(run({"TTL", "k"}), integer(50));
}

TEST_F(StringCommands, SetOptionsAreCaseInsensitive) {
    EXPECT_EQ(run({"SeT", "k", "v", "Ex", "100", "nX"}), kOk);
    EXPECT_EQ(run({"set", "k", "v", "kEePtTl", "xX"}), kOk);
    EXPECT_EQ(run({"ttl", "k"}), integer(100));
}

// ---- GETDEL / GETEX -------------------------------------------------------

TEST_F(StringCommands, GetDel) {
    EXPECT_EQ(run({"SET", "k", "hello"}), kOk);
    EXPECT_EQ(run({"GETDEL", "k"}), bulk("hello"));
    EXPECT_EQ(run({"GETDEL", "k"}), kNil);
    EXPECT_EQ(run({"EXISTS", "k"}), integer(0));
    EXPECT_EQ(run({"GETDEL"}), arity("getdel"));
    EXPECT_EQ(run({"SET", "t", "v", "EX", "10"}), kOk);
    EXPECT_EQ(run({"GETDEL", "t"}), bulk("v"));
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
}

TEST_F(StringCommands, GetExOnMissingKeyIsNilEvenWithBadExpire) {
    EXPECT_EQ(run({"GETEX", "nokey", "EX", "10"}), kNil);
    EXPECT_EQ(run({"GETEX", "nokey", "EX", "abc"}), kNil);  // Redis looks the key up first
    EXPECT_EQ(run({"GETEX"}), arity("getex"));
}

TEST_F(StringCommands, GetExErrors) {
    EXPECT_EQ(run({"SET", "k", "v"}), kOk);
    EXPECT_EQ(run({"GETEX", "k", "EX", "abc"}), kNotInt);
    EXPECT_EQ(run({"GETEX", "k", "EX", "0"}), bad_expire("getex"));
    EXPECT_EQ(run({"GETEX", "k", "EX", "-5"}), bad_expire("getex"));
    EXPECT_EQ(run({"GETEX", "k", "NX"}), kSyntax);
    EXPECT_EQ(run({"GETEX", "k", "KEEPTTL"}), kSyntax);
    EXPECT_EQ(run({"GETEX", "k", "GET"}), kSyntax);
    EXPECT_EQ(run({"GETEX", "k", "EX", "10", "PX", "10"}), kSyntax);
    EXPECT_EQ(run({"GETEX", "k", "PERSIST", "EX", "10"}), kSyntax);
    EXPECT_EQ(run({"GETEX", "k", "EX"}), kSyntax);
    EXPECT_EQ(run({"TTL", "k"}), integer(-1));  // nothing changed
}

TEST_F(StringCommands, GetExSetsAndClearsExpiry) {
    EXPECT_EQ(run({"SET", "k", "v"}), kOk);
    EXPECT_EQ(run({"GETEX", "k"}), bulk("v"));
    EXPECT_EQ(run({"TTL", "k"}), integer(-1));
    EXPECT_EQ(run({"GETEX", "k", "EX", "100"}), bulk("v"));
    EXPECT_EQ(run({"TTL", "k"}), integer(100));
    EXPECT_EQ(run({"GETEX", "k", "PX", "5000"}), bulk("v"));
    EXPECT_EQ(run({"PTTL", "k"}), integer(5000));
    std::string far = std::to_string(now() + 98765);
    EXPECT_EQ(run({"GETEX", "k", "PXAT", far}), bulk("v"));
    EXPECT_EQ(run({"PTTL", "k"}), integer(98765));
    EXPECT_EQ(run({"GETEX", "k", "PERSIST"}), bulk("v"));
    EXPECT_EQ(run({"TTL", "k"}), integer(-1));
    EXPECT_EQ(run({"GETEX", "k", "PERSIST", "PERSIST"}), bulk("v"));
    EXPECT_EQ(run({"GETEX", "k", "EXAT", "1"}), bulk("v"));  // in the past: deleted
    EXPECT_EQ(run({"EXISTS", "k"}), integer(0));
}

// ---- SETNX / SETEX / PSETEX -----------------------------------------------

TEST_F(StringCommands, SetNx) {
    EXPECT_EQ(run({"SETNX", "n", "x"}), integer(1));
    EXPECT_EQ(run({"SETNX", "n", "y"}), integer(0));
    EXPECT_EQ(run({"GET", "n"}), bulk("x"));
    EXPECT_EQ(run({"SETNX", "a"}), arity("setnx"));
}

TEST_F(StringCommands, SetExAndPSetEx) {
    EXPECT_EQ(run({"SETEX", "k", "100", "v"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(100));
    EXPECT_EQ(run({"GET", "k"}), bulk("v"));
    EXPECT_EQ(run({"PSETEX", "k", "1000", "w"}), kOk);
    EXPECT_EQ(run({"PTTL", "k"}), integer(1000));
    EXPECT_EQ(run({"GET", "k"}), bulk("w"));
    EXPECT_EQ(run({"SETEX", "k", "0", "v"}), bad_expire("setex"));
    EXPECT_EQ(run({"SETEX", "k", "-1", "v"}), bad_expire("setex"));
    EXPECT_EQ(run({"SETEX", "k", "abc", "v"}), kNotInt);
    EXPECT_EQ(run({"PSETEX", "k", "0", "v"}), bad_expire("psetex"));
    EXPECT_EQ(run({"SETEX", "k", "100"}), arity("setex"));
    EXPECT_EQ(run({"PSETEX", "k", "100", "v", "x"}), arity("psetex"));
    EXPECT_EQ(run({"GET", "k"}), bulk("w"));
}

// ---- MGET / MSET / MSETNX -------------------------------------------------

TEST_F(StringCommands, MGet) {
    EXPECT_EQ(run({"SET", "k", "v"}), kOk);
    EXPECT_EQ(run({"SET", "n", "x"}), kOk);
    EXPECT_EQ(run({"MGET", "k", "n", "missing"}), "*3\r\n$1\r\nv\r\n$1\r\nx\r\n$-1\r\n");
    EXPECT_EQ(run({"MGET", "k", "k"}), "*2\r\n$1\r\nv\r\n$1\r\nv\r\n");
    EXPECT_EQ(run({"MGET"}), arity("mget"));
}

TEST_F(StringCommands, MSet) {
    EXPECT_EQ(run({"MSET", "a", "1", "b"}), arity("mset"));
    EXPECT_EQ(run({"MSET", "a"}), arity("mset"));
    EXPECT_EQ(run({"EXISTS", "a"}), integer(0));
    EXPECT_EQ(run({"SET", "a", "old", "EX", "100"}), kOk);
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), kOk);
    EXPECT_EQ(run({"MGET", "a", "b"}), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    EXPECT_EQ(run({"TTL", "a"}), integer(-1));  // MSET clears TTLs
    EXPECT_EQ(run({"MSET", "d", "1", "d", "2"}), kOk);
    EXPECT_EQ(run({"GET", "d"}), bulk("2"));
}

TEST_F(StringCommands, MSetNx) {
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), kOk);
    EXPECT_EQ(run({"MSETNX", "a", "1", "c", "3"}), integer(0));
    EXPECT_EQ(run({"EXISTS", "c"}), integer(0));
    EXPECT_EQ(run({"MSETNX", "c", "3", "d", "4"}), integer(1));
    EXPECT_EQ(run({"MGET", "c", "d"}), "*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    EXPECT_EQ(run({"MSETNX", "a", "1", "b"}), arity("msetnx"));
    EXPECT_EQ(run({"MSETNX", "e", "1", "e", "2"}), integer(1));
    EXPECT_EQ(run({"GET", "e"}), bulk("2"));
}

// ---- INCR family ----------------------------------------------------------

TEST_F(StringCommands, IncrDecr) {
    EXPECT_EQ(run({"INCR", "n"}), integer(1));
    EXPECT_EQ(run({"INCR", "n"}), integer(2));
    EXPECT_EQ(run({"DECR", "n"}), integer(1));
    EXPECT_EQ(run({"DECR", "m"}), integer(-1));
    EXPECT_EQ(run({"INCRBY", "n", "10"}), integer(11));
    EXPECT_EQ(run({"DECRBY", "n", "5"}), integer(6));
    EXPECT_EQ(run({"INCRBY", "n", "-6"}), integer(0));
    EXPECT_EQ(run({"GET", "n"}), bulk("0"));
    EXPECT_EQ(run({"INCR"}), arity("incr"));
    EXPECT_EQ(run({"INCRBY", "n"}), arity("incrby"));
    EXPECT_EQ(run({"DECRBY", "n", "1", "2"}), arity("decrby"));
}

TEST_F(StringCommands, IncrKeepsTtl) {
    EXPECT_EQ(run({"SET", "n", "5", "EX", "100"}), kOk);
    EXPECT_EQ(run({"INCR", "n"}), integer(6));
    EXPECT_EQ(run({"TTL", "n"}), integer(100));
}

TEST_F(StringCommands, IncrByBadIncrement) {
    EXPECT_EQ(run({"INCRBY", "n", "abc"}), kNotInt);
    EXPECT_EQ(run({"INCRBY", "n", "1.5"}), kNotInt);
    EXPECT_EQ(run({"INCRBY", "n", "+1"}), kNotInt);
    EXPECT_EQ(run({"DECRBY", "n", "abc"}), kNotInt);
    EXPECT_EQ(run({"DECRBY", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
    EXPECT_EQ(run({"EXISTS", "n"}), integer(0));
}

TEST_F(StringCommands, IncrOverflow) {
    EXPECT_EQ(run({"SET", "n", "9223372036854775807"}), kOk);
    EXPECT_EQ(run({"INCR", "n"}), kOverflow);
    EXPECT_EQ(run({"INCRBY", "n", "0"}), integer(INT64_MAX));
    EXPECT_EQ(run({"SET", "n", "-9223372036854775808"}), kOk);
    EXPECT_EQ(run({"DECR", "n"}), kOverflow);
    EXPECT_EQ(run({"INCRBY", "n", "-1"}), kOverflow);
    EXPECT_EQ(run({"DECRBY", "n", "1"}), kOverflow);
    EXPECT_EQ(run({"INCRBY", "n", "9223372036854775807"}), integer(-1));
    EXPECT_EQ(run({"GET", "n"}), bulk("-1"));
}

TEST_F(StringCommands, IncrOnNonIntegerValues) {
    for (std::string_view v : {"abc", " 1", "1 ", "007", "", "1.0", "-0", "+1", "99999999999999999999"}) {
        EXPECT_EQ(run({"SET", "s", v}), kOk);
        EXPECT_EQ(run({"INCR", "s"}), kNotInt) << "value '" << v << "'";
        EXPECT_EQ(run({"GET", "s"}), bulk(v));
    }
}

TEST_F(StringCommands, IncrByFloat) {
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "0.1"}), bulk("0.1"));
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "0.2"}), bulk("0.3"));
    EXPECT_EQ(run({"GET", "f"}), bulk("0.3"));
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "abc"}), kNotFloat);
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "nan"}), kNotFloat);
    EXPECT_EQ(run({"INCRBYFLOAT", "f", " 1"}), kNotFloat);
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "inf"}), "-ERR increment would produce NaN or Infinity\r\n");
    EXPECT_EQ(run({"GET", "f"}), bulk("0.3"));
    EXPECT_EQ(run({"INCRBYFLOAT", "g", "0x10"}), bulk("16"));
    EXPECT_EQ(run({"INCRBYFLOAT", "g", "5.0e3"}), bulk("5016"));
    EXPECT_EQ(run({"SET", "i", "10"}), kOk);
    EXPECT_EQ(run({"INCRBYFLOAT", "i", "1.5"}), bulk("11.5"));
    EXPECT_EQ(run({"INCRBYFLOAT", "i", "-1.5"}), bulk("10"));
    EXPECT_EQ(run({"SET", "f", "3.0"}), kOk);
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "0"}), bulk("3"));
    EXPECT_EQ(run({"SET", "f", "1e20"}), kOk);
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "0"}), bulk("100000000000000000000"));
    EXPECT_EQ(run({"SET", "s", "abc"}), kOk);
    EXPECT_EQ(run({"INCRBYFLOAT", "s", "1"}), kNotFloat);
    EXPECT_EQ(run({"INCRBYFLOAT", "s"}), arity("incrbyfloat"));
}

TEST_F(StringCommands, IncrByFloatKeepsTtl) {
    EXPECT_EQ(run({"SET", "f", "1", "EX", "100"}), kOk);
    EXPECT_EQ(run({"INCRBYFLOAT", "f", "0.5"}), bulk("1.5"));
    EXPECT_EQ(run({"TTL", "f"}), integer(100));
}

// ---- APPEND / STRLEN / GETRANGE / SETRANGE --------------------------------

TEST_F(StringCommands, AppendAndStrlen) {
    EXPECT_EQ(run({"STRLEN", "k"}), integer(0));
    EXPECT_EQ(run({"APPEND", "k", "hello"}), integer(5));
    EXPECT_EQ(run({"APPEND", "k", " world"}), integer(11));
    EXPECT_EQ(run({"GET", "k"}), bulk("hello world"));
    EXPECT_EQ(run({"STRLEN", "k"}), integer(11));
    EXPECT_EQ(run({"APPEND", "k", ""}), integer(11));
    EXPECT_EQ(run({"APPEND", "e", ""}), integer(0));
    EXPECT_EQ(run({"EXISTS", "e"}), integer(1));  // Redis creates the empty string
    EXPECT_EQ(run({"APPEND"}), arity("append"));
    EXPECT_EQ(run({"STRLEN"}), arity("strlen"));
}

TEST_F(StringCommands, AppendGrowsManyTimesAndKeepsTtl) {
    EXPECT_EQ(run({"SET", "k", "", "EX", "100"}), kOk);
    std::string expect;
    for (int i = 0; i < 500; ++i) {
        std::string piece = std::to_string(i) + ",";
        expect += piece;
        ASSERT_EQ(run({"APPEND", "k", piece}), integer(static_cast<int64_t>(expect.size())));
    }
    EXPECT_EQ(run({"GET", "k"}), bulk(expect));
    EXPECT_EQ(run({"TTL", "k"}), integer(100));
}

TEST_F(StringCommands, GetRange) {
    EXPECT_EQ(run({"SET", "k", "hello world"}), kOk);
    EXPECT_EQ(run({"GETRANGE", "k", "0", "4"}), bulk("hello"));
    EXPECT_EQ(run({"GETRANGE", "k", "-5", "-1"}), bulk("world"));
    EXPECT_EQ(run({"GETRANGE", "k", "-1", "-5"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "0", "-1"}), bulk("hello world"));
    EXPECT_EQ(run({"GETRANGE", "k", "-100", "100"}), bulk("hello world"));
    EXPECT_EQ(run({"GETRANGE", "k", "5", "3"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "100", "200"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "-3", "-3"}), bulk("r"));
    EXPECT_EQ(run({"GETRANGE", "k", "3", "-100"}), bulk(""));
    // Both before the start: clamping would make them 0..0 ("h"); Redis
    // answers empty when start > end, and "h" when start <= end.
    EXPECT_EQ(run({"GETRANGE", "k", "-100", "-200"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "-20", "-100"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "-20", "-15"}), bulk("h"));
    EXPECT_EQ(run({"GETRANGE", "k", "0", "abc"}), kNotInt);
    EXPECT_EQ(run({"GETRANGE", "nokey", "0", "-1"}), bulk(""));
    EXPECT_EQ(run({"SUBSTR", "k", "0", "2"}), bulk("hel"));
    EXPECT_EQ(run({"SET", "e", ""}), kOk);
    EXPECT_EQ(run({"GETRANGE", "e", "0", "-1"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "e", "0", "0"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "0"}), arity("getrange"));
    EXPECT_EQ(run({"GETRANGE", "k", "9223372036854775807", "-9223372036854775808"}), bulk(""));
    EXPECT_EQ(run({"GETRANGE", "k", "-9223372036854775808", "9223372036854775807"}), bulk("hello world"));
}

TEST_F(StringCommands, SetRange) {
    EXPECT_EQ(run({"SET", "k", "hello world"}), kOk);
    EXPECT_EQ(run({"SETRANGE", "k", "6", "Redis"}), integer(11));
    EXPECT_EQ(run({"GET", "k"}), bulk("hello Redis"));
    EXPECT_EQ(run({"SETRANGE", "k", "20", ""}), integer(11));  // empty value: no padding
    EXPECT_EQ(run({"STRLEN", "k"}), integer(11));
    EXPECT_EQ(run({"SETRANGE", "k", "-1", "x"}), "-ERR offset is out of range\r\n");
    EXPECT_EQ(run({"SETRANGE", "k", "abc", "x"}), kNotInt);
    EXPECT_EQ(run({"SETRANGE", "k", "0", "", "x"}), arity("setrange"));
}

TEST_F(StringCommands, SetRangePadsWithZeroBytes) {
    EXPECT_EQ(run({"SETRANGE", "n", "3", "ab"}), integer(5));
    EXPECT_EQ(run({"GET", "n"}), bulk(std::string("\0\0\0ab", 5)));
    EXPECT_EQ(run({"SET", "k", "hello"}), kOk);
    EXPECT_EQ(run({"SETRANGE", "k", "7", "XY"}), integer(9));
    EXPECT_EQ(run({"GET", "k"}), bulk(std::string("hello\0\0XY", 9)));
    // Grow far past the old allocation: the gap must be zeros, not garbage.
    EXPECT_EQ(run({"SETRANGE", "k", "5000", "Z"}), integer(5001));
    std::string expect("hello\0\0XY", 9);
    expect.resize(5000, '\0');
    expect += 'Z';
    EXPECT_EQ(run({"GET", "k"}), bulk(expect));
}

TEST_F(StringCommands, SetRangeOnMissingKeyWithEmptyValueCreatesNothing) {
    EXPECT_EQ(run({"SETRANGE", "n2", "5", ""}), integer(0));
    EXPECT_EQ(run({"EXISTS", "n2"}), integer(0));
}

TEST_F(StringCommands, SetRangeAndAppendRespectProtoMaxBulkLen) {
    // The default 512 MB limit, checked without allocating anything.
    EXPECT_EQ(run({"SETRANGE", "big", "536870912", "x"}), kTooLong);
    EXPECT_EQ(run({"SETRANGE", "big", "536870911", "xy"}), kTooLong);
    EXPECT_EQ(run({"SETRANGE", "big", "536870911", ""}), integer(0));
    EXPECT_EQ(run({"EXISTS", "big"}), integer(0));
    EXPECT_EQ(run({"SET", "k", "v"}), kOk);
    EXPECT_EQ(run({"SETRANGE", "k", "9223372036854775807", "x"}), kTooLong);
    // A smaller limit makes the edge cheap to test exactly.
    EXPECT_EQ(run({"CONFIG", "SET", "proto-max-bulk-len", "1048576"}), kOk);
    EXPECT_EQ(run({"SETRANGE", "k", "1048575", "x"}), integer(1048576));
    EXPECT_EQ(run({"SETRANGE", "k", "1048576", "x"}), kTooLong);
    EXPECT_EQ(run({"STRLEN", "k"}), integer(1048576));
    EXPECT_EQ(run({"APPEND", "k", "x"}), kTooLong);
    EXPECT_EQ(run({"APPEND", "k", ""}), integer(1048576));
    EXPECT_EQ(run({"STRLEN", "k"}), integer(1048576));
}

// ---- RESP3 ----------------------------------------------------------------

TEST_F(StringCommands, Resp3NullReplies) {
    ASSERT_EQ(run({"HELLO", "3"}).substr(0, 3), "%7\r");
    EXPECT_EQ(run({"GET", "missing"}), "_\r\n");
    EXPECT_EQ(run({"MGET", "missing"}), "*1\r\n_\r\n");
    EXPECT_EQ(run({"SET", "k", "v", "NX"}), kOk);
    EXPECT_EQ(run({"SET", "k", "v", "NX"}), "_\r\n");
    EXPECT_EQ(run({"GET", "k"}), bulk("v"));
}

}  // namespace
}  // namespace server
