// Generic key commands (DEL, EXISTS, TYPE, the EXPIRE family, TTL, PERSIST,
// DBSIZE, FLUSHDB/FLUSHALL, SELECT) driven through Connection::run_command.
// Expected bytes are what redis-server 7.0.15 answered to the same sequence.
// The loop clock is cached and never refreshed here, so times are exact.
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

class KeyCommands : public CommandFixture {};

// ---- DEL / UNLINK / EXISTS / TYPE -----------------------------------------

TEST_F(KeyCommands, DelCountsEachKeyOnce) {
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2", "c", "3"}), kOk);
    EXPECT_EQ(run({"DEL", "a", "a", "b", "nokey"}), integer(2));
    EXPECT_EQ(run({"DEL", "a"}), integer(0));
    EXPECT_EQ(run({"UNLINK", "c", "c"}), integer(1));
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
    EXPECT_EQ(run({"DEL"}), arity("del"));
    EXPECT_EQ(run({"UNLINK"}), arity("unlink"));
}

TEST_F(KeyCommands, ExistsCountsDuplicates) {
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2", "c", "3"}), kOk);
    EXPECT_EQ(run({"EXISTS", "a", "b", "c", "c", "c", "nokey"}), integer(5));
    EXPECT_EQ(run({"EXISTS", "nokey"}), integer(0));
    EXPECT_EQ(run({"EXISTS"}), arity("exists"));
}

// Plants a deadline that has already passed without deleting the key, the
// state a key is in between its deadline and the next access.
TEST_F(KeyCommands, DelAndExistsIgnoreExpiredKeys) {
    EXPECT_EQ(run({"MSET", "gone", "v", "live", "v"}), kOk);
    Database& db = conn_->db();
    db.set_expire(db.lookup("gone", now()), now() - 1);
    EXPECT_EQ(run({"DBSIZE"}), integer(2));  // not yet deleted, as in Redis
    EXPECT_EQ(run({"EXISTS", "gone", "live"}), integer(1));
    EXPECT_EQ(run({"DBSIZE"}), integer(1));  // the lookup deleted it
    db.set_expire(db.lookup("live", now()), now() - 1);
    EXPECT_EQ(run({"DEL", "live"}), integer(0));
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
}

TEST_F(KeyCommands, Type) {
    EXPECT_EQ(run({"SET", "s", "v"}), kOk);
    EXPECT_EQ(run({"TYPE", "s"}), "+string\r\n");
    EXPECT_EQ(run({"TYPE", "nokey"}), "+none\r\n");
    EXPECT_EQ(run({"TYPE"}), arity("type"));
    EXPECT_EQ(run({"TYPE", "a", "b"}), arity("type"));
}

// ---- TTL / PTTL / PERSIST -------------------------------------------------

TEST_F(KeyCommands, TtlOfMissingAndPersistentKeys) {
    EXPECT_EQ(run({"SET", "s", "v"}), kOk);
    EXPECT_EQ(run({"TTL", "s"}), integer(-1));
    EXPECT_EQ(run({"PTTL", "s"}), integer(-1));
    EXPECT_EQ(run({"TTL", "nokey"}), integer(-2));
    EXPECT_EQ(run({"PTTL", "nokey"}), integer(-2));
    EXPECT_EQ(run({"EXPIRETIME", "s"}), integer(-1));
    EXPECT_EQ(run({"PEXPIRETIME", "s"}), integer(-1));
    EXPECT_EQ(run({"EXPIRETIME", "nokey"}), integer(-2));
    EXPECT_EQ(run({"PEXPIRETIME", "nokey"}), integer(-2));
    EXPECT_EQ(run({"TTL"}), arity("ttl"));
    EXPECT_EQ(run({"PTTL", "a", "b"}), arity("pttl"));
}

TEST_F(KeyCommands, TtlRoundsToNearestSecond) {
    EXPECT_EQ(run({"SET", "k", "v", "PX", "1499"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(1));
    EXPECT_EQ(run({"PEXPIRE", "k", "1500"}), integer(1));
    EXPECT_EQ(run({"TTL", "k"}), integer(2));
    EXPECT_EQ(run({"PEXPIRE", "k", "1"}), integer(1));
    EXPECT_EQ(run({"TTL", "k"}), integer(0));
    EXPECT_EQ(run({"PTTL", "k"}), integer(1));
}

TEST_F(KeyCommands, Persist) {
    EXPECT_EQ(run({"SET", "s", "v", "EX", "100"}), kOk);
    EXPECT_EQ(run({"PERSIST", "s"}), integer(1));
    EXPECT_EQ(run({"TTL", "s"}), integer(-1));
    EXPECT_EQ(run({"GET", "s"}), bulk("v"));
    EXPECT_EQ(run({"PERSIST", "s"}), integer(0));
    EXPECT_EQ(run({"PERSIST", "nokey"}), integer(0));
    EXPECT_EQ(run({"PERSIST"}), arity("persist"));
}

// ---- EXPIRE family ----------------------------------------------------------

TEST_F(KeyCommands, ExpireSetsTtl) {
    EXPECT_EQ(run({"SET", "s", "v"}), kOk);
    EXPECT_EQ(run({"EXPIRE", "s", "100"}), integer(1));
    EXPECT_EQ(run({"TTL", "s"}), integer(100));
    EXPECT_EQ(run({"PEXPIRE", "s", "2500"}), integer(1));
    EXPECT_EQ(run({"PTTL", "s"}), integer(2500));
    std::string at = std::to_string(now() / 1000 + 500);
    EXPECT_EQ(run({"EXPIREAT", "s", at}), integer(1));
    EXPECT_EQ(run({"PEXPIRETIME", "s"}), integer((now() / 1000 + 500) * 1000));
    std::string pat = std::to_string(now() + 12345);
    EXPECT_EQ(run({"PEXPIREAT", "s", pat}), integer(1));
    EXPECT_EQ(run({"PTTL", "s"}), integer(12345));
    EXPECT_EQ(run({"PEXPIRETIME", "s"}), integer(now() + 12345));
    EXPECT_EQ(run({"GET", "s"}), bulk("v"));
    EXPECT_EQ(run({"EXPIRE", "nokey", "100"}), integer(0));
    EXPECT_EQ(run({"EXISTS", "nokey"}), integer(0));
}

TEST_F(KeyCommands, ExpireInThePastDeletes) {
    EXPECT_EQ(run({"SET", "t", "v"}), kOk);
    EXPECT_EQ(run({"EXPIRE", "t", "-1"}), integer(1));
    EXPECT_EQ(run({"EXISTS", "t"}), integer(0));
    EXPECT_EQ(run({"SET", "t", "v"}), kOk);
    EXPECT_EQ(run({"EXPIRE", "t", "0"}), integer(1));
    EXPECT_EQ(run({"EXISTS", "t"}), integer(0));
    EXPECT_EQ(run({"SET", "t", "v"}), kOk);
    EXPECT_EQ(run({"PEXPIREAT", "t", "1"}), integer(1));
    EXPECT_EQ(run({"EXISTS", "t"}), integer(0));
    EXPECT_EQ(run({"SET", "t", "v"}), kOk);
    EXPECT_EQ(run({"PEXPIREAT", "t", std::to_string(now())}), integer(1));  // due now: gone
    EXPECT_EQ(run({"EXISTS", "t"}), integer(0));
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
}

TEST_F(KeyCommands, ExpiredKeyLooksMissingToEveryCommand) {
    Database& db = conn_->db();
    auto plant = [&] {
        EXPECT_EQ(run({"SET", "k", "v"}), kOk);
        db.set_expire(db.lookup("k", now()), now() - 1);
    };
    plant();
    EXPECT_EQ(run({"GET", "k"}), kNil);
    plant();
    EXPECT_EQ(run({"TTL", "k"}), integer(-2));
    plant();
    EXPECT_EQ(run({"PERSIST", "k"}), integer(0));
    plant();
    EXPECT_EQ(run({"EXPIRE", "k", "100"}), integer(0));
    plant();
    EXPECT_EQ(run({"TYPE", "k"}), "+none\r\n");
    plant();
    EXPECT_EQ(run({"SET", "k", "new", "NX"}), kOk);
    EXPECT_EQ(run({"TTL", "k"}), integer(-1));
    plant();
    EXPECT_EQ(run({"INCR", "k"}), integer(1));
    plant();
    EXPECT_EQ(run({"APPEND", "k", "x"}), integer(1));
    plant();
    EXPECT_EQ(run({"STRLEN", "k"}), integer(0));
    plant();
    EXPECT_EQ(run({"MSETNX", "k", "1"}), integer(1));
    EXPECT_EQ(db.volatile_count(), 0u);
}

TEST_F(KeyCommands, ExpireNxXxGtLt) {
    EXPECT_EQ(run({"SET", "s", "v"}), kOk);
    EXPECT_EQ(run({"EXPIRE", "s", "100", "XX"}), integer(0));  // no TTL yet
    EXPECT_EQ(run({"EXPIRE", "s", "100", "GT"}), integer(0));  // no TTL = infinite
    EXPECT_EQ(run({"EXPIRE", "s", "100", "NX"}), integer(1));
    EXPECT_EQ(run({"EXPIRE", "s", "100", "NX"}), integer(0));
    EXPECT_EQ(run({"EXPIRE", "s", "200", "XX"}), integer(1));
    EXPECT_EQ(run({"TTL", "s"}), integer(200));
    EXPECT_EQ(run({"EXPIRE", "s", "100", "GT"}), integer(0));
    EXPECT_EQ(run({"EXPIRE", "s", "200", "GT"}), integer(0));  // equal is not greater
    EXPECT_EQ(run({"EXPIRE", "s", "300", "GT"}), integer(1));
    EXPECT_EQ(run({"EXPIRE", "s", "400", "LT"}), integer(0));
    EXPECT_EQ(run({"EXPIRE", "s", "300", "LT"}), integer(0));  // equal is not less
    EXPECT_EQ(run({"EXPIRE", "s", "50", "LT"}), integer(1));
    EXPECT_EQ(run({"TTL", "s"}), integer(50));
    EXPECT_EQ(run({"EXPIRE", "s", "60", "xx", "gt"}), integer(1));
    EXPECT_EQ(run({"TTL", "s"}), integer(60));
    EXPECT_EQ(run({"PERSIST", "s"}), integer(1));
    EXPECT_EQ(run({"EXPIRE", "s", "100", "LT"}), integer(1));  // no TTL: anything is less
    EXPECT_EQ(run({"TTL", "s"}), integer(100));
    EXPECT_EQ(run({"EXPIRE", "nokey", "100", "NX"}), integer(0));
}

TEST_F(KeyCommands, ExpireOptionErrors) {
    EXPECT_EQ(run({"SET", "s", "v"}), kOk);
    const std::string nx_err = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
    EXPECT_EQ(run({"EXPIRE", "s", "10", "NX", "XX"}), nx_err);
    EXPECT_EQ(run({"EXPIRE", "s", "10", "NX", "GT"}), nx_err);
    EXPECT_EQ(run({"EXPIRE", "s", "10", "LT", "NX"}), nx_err);
    EXPECT_EQ(run({"EXPIRE", "s", "10", "GT", "LT"}),
              "-ERR GT and LT options at the same time are not compatible\r\n");
    EXPECT_EQ(run({"EXPIRE", "s", "10", "foo"}), "-ERR Unsupported option foo\r\n");
    EXPECT_EQ(run({"EXPIRE", "s", "10", "NX", "foo"}), "-ERR Unsupported option foo\r\n");
    EXPECT_EQ(run({"PEXPIRE", "s", "10", "bar"}), "-ERR Unsupported option bar\r\n");
    EXPECT_EQ(run({"EXPIRE", "s", "abc"}), kNotInt);
    EXPECT_EQ(run({"EXPIRE", "s", "1.5"}), kNotInt);
    EXPECT_EQ(run({"EXPIRE"}), arity("expire"));
    EXPECT_EQ(run({"EXPIRE", "s"}), arity("expire"));
    EXPECT_EQ(run({"PEXPIREAT", "s"}), arity("pexpireat"));
    EXPECT_EQ(run({"TTL", "s"}), integer(-1));
}

TEST_F(KeyCommands, ExpireOverflow) {
    EXPECT_EQ(run({"SET", "s", "v"}), kOk);
    EXPECT_EQ(run({"EXPIRE", "s", "9223372036854776"}), bad_expire("expire"));
    EXPECT_EQ(run({"EXPIRE", "s", "-9223372036854776"}), bad_expire("expire"));
    EXPECT_EQ(run({"PEXPIRE", "s", "9223372036854775807"}), bad_expire("pexpire"));
    EXPECT_EQ(run({"EXPIREAT", "s", "9223372036854775807"}), bad_expire("expireat"));
    EXPECT_EQ(run({"TTL", "s"}), integer(-1));
    EXPECT_EQ(run({"PEXPIREAT", "s", "9223372036854775807"}), integer(1));
    EXPECT_EQ(run({"PTTL", "s"}), integer(INT64_MAX - now()));
    // Huge negative relative times are in the past, not errors.
    EXPECT_EQ(run({"PEXPIRE", "s", "-9223372036854775808"}), integer(1));
    EXPECT_EQ(run({"EXISTS", "s"}), integer(0));
}

TEST_F(KeyCommands, ExpireCommandsAreCaseInsensitive) {
    EXPECT_EQ(run({"set", "s", "v"}), kOk);
    EXPECT_EQ(run({"ExPiRe", "s", "100", "nX"}), integer(1));
    EXPECT_EQ(run({"tTl", "s"}), integer(100));
}

TEST_F(KeyCommands, PexpiretimeAndExpiretime) {
    EXPECT_EQ(run({"SET", "u", "v"}), kOk);
    EXPECT_EQ(run({"PEXPIREAT", "u", "99999999999999"}), integer(1));
    EXPECT_EQ(run({"PEXPIRETIME", "u"}), integer(99999999999999));
    EXPECT_EQ(run({"PEXPIREAT", "u", "99999999999000"}), integer(1));
    EXPECT_EQ(run({"EXPIRETIME", "u"}), integer(99999999999));
}

// Redis answers EXPIRETIME through ttlGenericCommand, which rounds ms to the
// nearest second ((ms + 500) / 1000): PEXPIREAT u 1999999999999 then
// EXPIRETIME u gives :2000000000 on redis-server 7.0.15. ringdis truncates.
TEST_F(KeyCommands, ExpiretimeRoundsToNearestSecond_MatchesRedis) {
    EXPECT_EQ(run({"SET", "u", "v"}), kOk);
    EXPECT_EQ(run({"PEXPIREAT", "u", "99999999999999"}), integer(1));
    EXPECT_EQ(run({"EXPIRETIME", "u"}), integer(100000000000));
    EXPECT_EQ(run({"PEXPIREAT", "u", "99999999999499"}), integer(1));
    EXPECT_EQ(run({"EXPIRETIME", "u"}), integer(99999999999));
}

TEST_F(KeyCommands, ExpireKeepsValue) {
    EXPECT_EQ(run({"SET", "k", std::string(3000, 'x')}), kOk);
    EXPECT_EQ(run({"EXPIRE", "k", "100"}), integer(1));
    EXPECT_EQ(run({"GET", "k"}), bulk(std::string(3000, 'x')));
    EXPECT_EQ(run({"PERSIST", "k"}), integer(1));
    EXPECT_EQ(run({"GET", "k"}), bulk(std::string(3000, 'x')));
}

// ---- DBSIZE / FLUSHDB / FLUSHALL / SELECT ---------------------------------

TEST_F(KeyCommands, DbSize) {
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(2));
    EXPECT_EQ(run({"DBSIZE", "x"}), arity("dbsize"));
}

TEST_F(KeyCommands, FlushDb) {
    EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), kOk);
    EXPECT_EQ(run({"SET", "c", "3", "EX", "100"}), kOk);
    EXPECT_EQ(run({"FLUSHDB", "foo"}), kSyntax);
    EXPECT_EQ(run({"FLUSHDB", "sync", "async"}), kSyntax);
    EXPECT_EQ(run({"DBSIZE"}), integer(3));
    EXPECT_EQ(run({"FLUSHDB", "ASYNC"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
    EXPECT_EQ(run({"SET", "a", "1"}), kOk);
    EXPECT_EQ(run({"FLUSHDB", "sync"}), kOk);
    EXPECT_EQ(run({"FLUSHDB"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
}

TEST_F(KeyCommands, FlushDbOnlyTouchesTheSelectedDb) {
    EXPECT_EQ(run({"SET", "zero", "0"}), kOk);
    EXPECT_EQ(run({"SELECT", "1"}), kOk);
    EXPECT_EQ(run({"SET", "one", "1"}), kOk);
    EXPECT_EQ(run({"FLUSHDB"}), kOk);
    EXPECT_EQ(run({"SELECT", "0"}), kOk);
    EXPECT_EQ(run({"GET", "zero"}), bulk("0"));
}

TEST_F(KeyCommands, FlushAll) {
    EXPECT_EQ(run({"SET", "zero", "0"}), kOk);
    EXPECT_EQ(run({"SELECT", "5"}), kOk);
    EXPECT_EQ(run({"SET", "five", "5"}), kOk);
    EXPECT_EQ(run({"FLUSHALL", "bad"}), kSyntax);
    EXPECT_EQ(run({"DBSIZE"}), integer(1));
    EXPECT_EQ(run({"FLUSHALL", "sync"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
    EXPECT_EQ(run({"SELECT", "0"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
    EXPECT_EQ(run({"FLUSHALL"}), kOk);
    EXPECT_EQ(run({"FLUSHALL", "ASYNC"}), kOk);
}

TEST_F(KeyCommands, SelectSeparatesKeyspaces) {
    EXPECT_EQ(run({"SELECT", "1"}), kOk);
    EXPECT_EQ(run({"SET", "x", "y"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(1));
    EXPECT_EQ(run({"SELECT", "0"}), kOk);
    EXPECT_EQ(run({"DBSIZE"}), integer(0));
    EXPECT_EQ(run({"GET", "x"}), kNil);
    EXPECT_EQ(run({"SELECT", "15"}), kOk);
    EXPECT_EQ(run({"SELECT", "1"}), kOk);
    EXPECT_EQ(run({"GET", "x"}), bulk("y"));
    EXPECT_EQ(conn_->db_index(), 1);
}

TEST_F(KeyCommands, SelectErrors) {
    EXPECT_EQ(run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
    EXPECT_EQ(run({"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
    EXPECT_EQ(run({"SELECT", "abc"}), kNotInt);
    EXPECT_EQ(run({"SELECT", "1.5"}), kNotInt);
    EXPECT_EQ(run({"SELECT"}), arity("select"));
    EXPECT_EQ(run({"SELECT", "2147483648"}),
              "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
    EXPECT_EQ(run({"SELECT", "-2147483649"}),
              "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
    EXPECT_EQ(conn_->db_index(), 0);
}

TEST_F(KeyCommands, SharedKeyspaceAcrossConnections) {
    // The default storage is shared: a second connection sees the same keys.
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    {
        Connection other(srv_, fds[0], 2, "127.0.0.1:3", "127.0.0.1:2");
        EXPECT_EQ(run({"SET", "shared", "yes"}), kOk);
        std::vector<std::string_view> argv{"GET", "shared"};
        other.run_command(argv);
        EXPECT_EQ(other.pending_output(), bulk("yes"));
        other.discard_output();
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

}  // namespace
}  // namespace server
