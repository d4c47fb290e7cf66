// requirepass, AUTH, HELLO AUTH, the limits a client that has not
// authenticated parses under, ACL users' connections, redis-cli -a, and
// protected mode; where the bytes are comparable, against redis-server
// started the same way (--requirepass pw).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

const std::string kNoAuth = "-NOAUTH Authentication required.\r\n";
const std::string kWrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
const std::string kHelloNoAuth =
    "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
    "<pass> option can be used to authenticate the client and select the RESP protocol version at the same "
    "time\r\n";
const std::string kUnauthMultibulk = "-ERR Protocol error: unauthenticated multibulk length\r\n";
const std::string kUnauthBulk = "-ERR Protocol error: unauthenticated bulk length\r\n";
// Redis 7.0.15's reply to a client refused by protected mode.
const std::string kDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for "
    "the default user. In this mode connections are only accepted from the loopback interface. If you want to "
    "connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "
    "protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
    "connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "
    "accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you started the server "
    "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
    "authentication password for the default user. NOTE: You only need to do one of the above things in "
    "order for the server to start accepting connections from the outside.\r\n";

class AuthTest : public ServerTest {
protected:
    void start_with_password() { ASSERT_NO_FATAL_FAILURE(start({"--requirepass", "pw"})); }
    // Sends `bytes` on a new connection and reads until the server closes.
    RespClient::Drained send_and_drain(std::string_view bytes) {
        RespClient c = connect();
        c.send_raw(bytes);
        return c.read_until_closed(milliseconds(5000));
    }
};

TEST_F(AuthTest, CommandsWaitForAuth) {
    ASSERT_NO_FATAL_FAILURE(start_with_password());
    RespClient c = connect();
    EXPECT_EQ(c.command({"PING"}), kNoAuth);
    EXPECT_EQ(c.command({"SET", "k", "v"}), kNoAuth);
    EXPECT_EQ(c.command({"ACL", "WHOAMI"}), kNoAuth);
    EXPECT_EQ(c.command({"MULTI"}), kNoAuth);
    // Unknown commands and arity errors come before the check, as in Redis.
    EXPECT_EQ(c.command({"NOSUCH"}), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
    EXPECT_EQ(c.command({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT_EQ(c.command({"AUTH", "wrong"}), kWrongPass);
    EXPECT_EQ(c.command({"AUTH", "default", "wrong"}), kWrongPass);
    EXPECT_EQ(c.command({"AUTH", "nobody", "pw"}), kWrongPass);
    EXPECT_EQ(c.command({"AUTH", "a", "b", "c"}), "-ERR syntax error\r\n");
    EXPECT_EQ(c.command({"PING"}), kNoAuth);
    EXPECT_EQ(c.command({"AUTH", "pw"}), "+OK\r\n");
    EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
    EXPECT_EQ(c.command({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(c.command({"ACL", "WHOAMI"}), "$7\r\ndefault\r\n");
    EXPECT_EQ(c.command({"AUTH", "default", "pw"}), "+OK\r\n");
    // A failed AUTH keeps the connection authenticated.
    EXPECT_EQ(c.command({"AUTH", "wrong"}), kWrongPass);
    EXPECT_EQ(c.command({"GET", "k"}), "$1\r\nv\r\n");
    // RESET goes back to not authenticated.
    EXPECT_EQ(c.command({"RESET"}), "+RESET\r\n");
    EXPECT_EQ(c.command({"GET", "k"}), kNoAuth);
    EXPECT_EQ(c.command({"QUIT"}), "+OK\r\n");
    EXPECT_TRUE(c.read_until_closed(milliseconds(5000)).closed);
}

TEST_F(AuthTest, HelloAuth) {
    ASSERT_NO_FATAL_FAILURE(start_with_password());
    RespClient c = connect();
    EXPECT_EQ(c.command({"HELLO", "3"}), kHelloNoAuth);
    EXPECT_EQ(c.command({"HELLO"}), kHelloNoAuth);
    EXPECT_EQ(c.command({"HELLO", "3", "AUTH", "default", "wrong"}), kWrongPass);
    EXPECT_EQ(c.command({"HELLO", "4", "AUTH", "default", "pw"}), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(c.command({"PING"}), kNoAuth);
    std::string hello = c.command({"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "app"});
    EXPECT_TRUE(hello.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n")) << escape_bytes(hello);
    EXPECT_EQ(c.command({"CLIENT", "GETNAME"}), "$3\r\napp\r\n");
    EXPECT_EQ(c.command({"GET", "missing"}), "_\r\n");  // RESP3 now
    EXPECT_TRUE(c.command({"HELLO", "2"}).starts_with("*14\r\n"));
    // As another user.
    EXPECT_EQ(c.command({"ACL", "SETUSER", "app", "on", ">s3cret", "~*", "+@all"}), "+OK\r\n");
    RespClient d = connect();
    EXPECT_TRUE(d.command({"HELLO", "2", "AUTH", "app", "s3cret"}).starts_with("*14\r\n"));
    EXPECT_EQ(d.command({"ACL", "WHOAMI"}), "$3\r\napp\r\n");
}

TEST_F(AuthTest, UnauthenticatedLimitsClose) {
    ASSERT_NO_FATAL_FAILURE(start_with_password());
    RespClient::Drained many = send_and_drain("*11\r\n" + std::string(11 * 7, 'x'));
    EXPECT_EQ(escape_bytes(many.bytes), escape_bytes(kUnauthMultibulk));
    EXPECT_TRUE(many.closed);
    RespClient::Drained big = send_and_drain("*2\r\n$3\r\nGET\r\n$16385\r\n");
    EXPECT_EQ(escape_bytes(big.bytes), escape_bytes(kUnauthBulk));
    EXPECT_TRUE(big.closed);
    // A failed AUTH changes nothing.
    RespClient::Drained after_bad = send_and_drain(encode_command({"AUTH", "bad"}) + "*11\r\n");
    EXPECT_EQ(escape_bytes(after_bad.bytes), escape_bytes(kWrongPass + kUnauthMultibulk));
    EXPECT_TRUE(after_bad.closed);

    // Up to the limits: the command is refused, the connection stays.
    RespClient c = connect();
    std::vector<std::string> ten(10, "a");
    EXPECT_EQ(c.command(ten), "-ERR unknown command 'a', with args beginning with: 'a' 'a' 'a' 'a' 'a' 'a' 'a' "
                              "'a' 'a' \r\n");
    EXPECT_EQ(c.command({"GET", std::string(16384, 'k')}), kNoAuth);
    // Once authenticated (in the same batch of bytes), the limits are gone.
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 20; ++i) mset.push_back("k" + std::to_string(i));
    c.send_raw(encode_command({"AUTH", "pw"}) + encode_command(mset) +
               encode_command({"SET", "big", std::string(100000, 'v')}) + encode_command({"STRLEN", "big"}));
    EXPECT_EQ(c.read_reply(), "+OK\r\n");
    EXPECT_EQ(c.read_reply(), "+OK\r\n");
    EXPECT_EQ(c.read_reply(), "+OK\r\n");
    EXPECT_EQ(c.read_reply(), ":100000\r\n");
    // RESET brings them back.
    c.send_raw(encode_command({"RESET"}) + "*11\r\n");
    RespClient::Drained reset = c.read_until_closed(milliseconds(5000));
    EXPECT_EQ(escape_bytes(reset.bytes), escape_bytes("+RESET\r\n" + kUnauthMultibulk));
    EXPECT_TRUE(reset.closed);
}

TEST_F(AuthTest, RequirepassAtRunTime) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient before = connect();
    EXPECT_EQ(before.command({"SET", "k", "v"}), "+OK\r\n");
    EXPECT_EQ(before.command({"CONFIG", "SET", "requirepass", "secret"}), "+OK\r\n");
    EXPECT_EQ(before.command({"CONFIG", "GET", "requirepass"}), "*2\r\n$11\r\nrequirepass\r\n$6\r\nsecret\r\n");
    // Connections made before the password stay authenticated.
    EXPECT_EQ(before.command({"GET", "k"}), "$1\r\nv\r\n");
    // New ones must authenticate, and parse under the limits until then.
    RespClient after = connect();
    EXPECT_EQ(after.command({"GET", "k"}), kNoAuth);
    RespClient::Drained many = send_and_drain("*11\r\n");
    EXPECT_EQ(escape_bytes(many.bytes), escape_bytes(kUnauthMultibulk));
    EXPECT_EQ(after.command({"AUTH", "secret"}), "+OK\r\n");
    EXPECT_EQ(after.command({"GET", "k"}), "$1\r\nv\r\n");
    RespClient waiting = connect();
    EXPECT_EQ(waiting.command({"GET", "k"}), kNoAuth);
    // Clearing it: the default user is nopass again, everyone may run
    // commands, and the limits are gone (for connections already open too).
    EXPECT_EQ(before.command({"CONFIG", "SET", "requirepass", ""}), "+OK\r\n");
    EXPECT_EQ(before.command({"ACL", "LIST"}), "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n");
    EXPECT_EQ(waiting.command({"GET", "k"}), "$1\r\nv\r\n");
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 20; ++i) mset.push_back("k");
    EXPECT_EQ(waiting.command(mset), "+OK\r\n");
    RespClient fresh = connect();
    EXPECT_EQ(fresh.command({"GET", "k"}), "$1\r\nk\r\n");
    EXPECT_EQ(fresh.command({"AUTH", "x"}),
              "-ERR AUTH <password> called without any password configured for the default user. Are you sure "
              "your configuration is correct?\r\n");
}

TEST_F(AuthTest, AclUsersConnections) {
    ASSERT_NO_FATAL_FAILURE(start_with_password());
    RespClient admin = connect();
    EXPECT_EQ(admin.command({"AUTH", "pw"}), "+OK\r\n");
    EXPECT_EQ(admin.command({"ACL", "SETUSER", "alice", "on", ">a", "~a:*", "+@all", "-@dangerous"}), "+OK\r\n");
    RespClient alice = connect();
    EXPECT_EQ(alice.command({"AUTH", "alice", "a"}), "+OK\r\n");
    EXPECT_EQ(alice.command({"SET", "a:1", "v"}), "+OK\r\n");
    EXPECT_EQ(alice.command({"SET", "b:1", "v"}),
              "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n");
    EXPECT_EQ(alice.command({"FLUSHALL"}), "-NOPERM this user has no permissions to run the 'flushall' command\r\n");
    std::string list = admin.command({"CLIENT", "LIST"});
    EXPECT_NE(list.find(" user=alice "), std::string::npos) << list;
    EXPECT_NE(list.find(" user=default "), std::string::npos) << list;
    // Disabling a user keeps its connections; deleting it closes them.
    EXPECT_EQ(admin.command({"ACL", "SETUSER", "alice", "off"}), "+OK\r\n");
    EXPECT_EQ(alice.command({"GET", "a:1"}), "$1\r\nv\r\n");
    RespClient again = connect();
    EXPECT_EQ(again.command({"AUTH", "alice", "a"}), kWrongPass);
    EXPECT_EQ(admin.command({"ACL", "DELUSER", "alice"}), ":1\r\n");
    EXPECT_TRUE(alice.read_until_closed(milliseconds(5000)).closed);
    // CLIENT KILL USER.
    EXPECT_EQ(admin.command({"ACL", "SETUSER", "bob", "on", "nopass", "+@all"}), "+OK\r\n");
    RespClient bob = connect();
    EXPECT_EQ(bob.command({"AUTH", "bob", "x"}), "+OK\r\n");
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "USER", "bob"}), ":1\r\n");
    EXPECT_TRUE(bob.read_until_closed(milliseconds(5000)).closed);
    EXPECT_EQ(admin.command({"CLIENT", "KILL", "USER", "nobody"}), "-ERR No such user 'nobody'\r\n");
}

TEST_F(AuthTest, RedisCliPassword) {
    ASSERT_NO_FATAL_FAILURE(start_with_password());
    std::string cli = find_program("redis-cli");
    ASSERT_FALSE(cli.empty()) << "redis-cli is not installed (Debian package redis-tools)";
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {cli, "-p", std::to_string(server_.port())});
        return run_process(args, milliseconds(10000));
    };
    EXPECT_EQ(run({"PING"}).output, "NOAUTH Authentication required.\n\n");
    EXPECT_EQ(run({"-a", "pw", "--no-auth-warning", "PING"}).output, "PONG\n");
    RunResult wrong = run({"-a", "wrong", "--no-auth-warning", "PING"});
    EXPECT_NE(wrong.output.find("AUTH failed: WRONGPASS invalid username-password pair or user is disabled."),
              std::string::npos)
        << wrong.output;
    EXPECT_EQ(run({"-a", "pw", "--no-auth-warning", "ACL", "SETUSER", "cli", "on", ">c", "+@all", "~*"}).output,
              "OK\n");
    EXPECT_EQ(run({"--user", "cli", "--pass", "c", "--no-auth-warning", "ACL", "WHOAMI"}).output, "cli\n");
    // redis-cli's own AUTH with the environment variable.
    RunResult env = run_process({"/usr/bin/env", "REDISCLI_AUTH=pw", cli, "-p", std::to_string(server_.port()), "PING"},
                                milliseconds(10000));
    EXPECT_EQ(env.output, "PONG\n");
}

// The same bytes as redis-server for the exchanges a client that has not
// authenticated can have, each on a fresh connection.
TEST_F(AuthTest, SameBytesAsRedis) {
    RINGDIS_SKIP_UNDER_ORACLE();
    ASSERT_NO_FATAL_FAILURE(start_with_password());
    ServerProcess oracle;
    ASSERT_TRUE(oracle.start(oracle_options({"--requirepass", "pw"}))) << oracle.error();
    const std::vector<std::string> exchanges = {
        "PING\r\n",
        encode_command({"GET", "k"}),
        "*11\r\n",
        "*11\r\n$1\r\na\r\n",
        "*2\r\n$3\r\nGET\r\n$16385\r\n",
        "*2\r\n$3\r\nGET\r\n$16384\r\n" + std::string(16384, 'a') + "\r\n",
        "GET " + std::string(20000, 'a') + "\r\n",
        encode_command({"AUTH", "pw"}) + "*11\r\n" + std::string("$4\r\nECHO\r\n") + std::string(10, 'x'),
        encode_command({"AUTH", "xx"}) + "*11\r\n",
        encode_command({"AUTH", "pw"}) + encode_command({"RESET"}) + "*11\r\n",
        encode_command({"HELLO", "3"}) + encode_command({"HELLO", "3", "SETNAME", "a b"}),
        encode_command({"HELLO", "2", "SETNAME", "early"}) + encode_command({"AUTH", "pw"}) +
            encode_command({"CLIENT", "GETNAME"}),
        encode_command({"HELLO", "3", "AUTH", "default", "pw", "BAD"}) + encode_command({"ACL", "WHOAMI"}),
        encode_command({"MULTI"}) + encode_command({"EXEC"}),
        encode_command({"AUTH", "pw"}) + encode_command({"MULTI"}) + encode_command({"RESET"}) +
            encode_command({"EXEC"}),
        "*-1\r\nPING\r\n",
        "*1\r\n$-5\r\n",
        encode_command({"AUTH", "pw"}) + encode_command({"ACL", "SETUSER", "default", ">other"}) +
            encode_command({"CONFIG", "SET", "requirepass", "pw"}) + encode_command({"ACL", "LIST"}) +
            encode_command({"CONFIG", "SET", "requirepass", "pw2"}) + encode_command({"ACL", "LIST"}) +
            encode_command({"CONFIG", "SET", "requirepass", "pw"}),
    };
    for (const std::string& bytes : exchanges) {
        RespClient ours(server_.port());
        RespClient theirs(oracle.port());
        ours.send_raw(bytes);
        theirs.send_raw(bytes);
        // Both either close or go quiet; 300 ms of silence ends the read.
        RespClient::Drained a = theirs.read_until_closed(milliseconds(300));
        RespClient::Drained b = ours.read_until_closed(milliseconds(300));
        EXPECT_EQ(escape_bytes(b.bytes, 400), escape_bytes(a.bytes, 400)) << "sent: " << escape_bytes(bytes, 200);
        EXPECT_EQ(b.closed, a.closed) << "sent: " << escape_bytes(bytes, 200);
    }
}

// Connects to 127.0.0.1:port from the source address `from`, sends `bytes`
// and reads until the server closes or `timeout` passes.
struct FromResult {
    bool bound = false;  // the source address could be used
    std::string bytes;
    bool closed = false;
};
FromResult exchange_from(const char* from, int port, std::string_view bytes, milliseconds timeout) {
    FromResult r;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return r;
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
        ::close(fd);
        return r;
    }
    r.bound = true;
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            r.closed = true;
            break;
        }
        r.bytes.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return r;
}

class ProtectedModeTest : public ServerTest {};

// protected-mode yes (the default) and no password: clients on 127.0.0.1
// are served.
TEST_F(ProtectedModeTest, LoopbackClientsAreServed) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient c = connect();
    EXPECT_EQ(c.command({"CONFIG", "GET", "protected-mode"}), "*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n");
    EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
    FromResult r = exchange_from("127.0.0.1", server_.port(), "PING\r\n", milliseconds(500));
    EXPECT_EQ(r.bytes, "+PONG\r\n");
    EXPECT_FALSE(r.closed);
}

// Redis 7.0 lets in only the addresses "127.0.0.1" and "::1": a client
// from 127.0.0.2 (still this machine, talking to 127.0.0.1) is refused with
// DENIED, exactly as redis-server 7.0.15 refuses it; with protected-mode no
// or a password it is served.
TEST_F(ProtectedModeTest, OtherSourceAddressIsDeniedAsByRedis) {
    ASSERT_NO_FATAL_FAILURE(start());
    FromResult ours = exchange_from("127.0.0.2", server_.port(), "PING\r\n", milliseconds(3000));
    if (!ours.bound) GTEST_SKIP() << "cannot connect from 127.0.0.2 here";
    EXPECT_EQ(ours.bytes, kDenied);
    EXPECT_TRUE(ours.closed);
    if (!server_is_oracle()) {
        ServerProcess oracle;
        ASSERT_TRUE(oracle.start(oracle_options())) << oracle.error();
        FromResult theirs = exchange_from("127.0.0.2", oracle.port(), "PING\r\n", milliseconds(3000));
        EXPECT_EQ(ours.bytes, theirs.bytes);
        EXPECT_EQ(ours.closed, theirs.closed);
    }
    RespClient admin = connect();
    EXPECT_EQ(admin.command({"CONFIG", "SET", "protected-mode", "no"}), "+OK\r\n");
    FromResult open = exchange_from("127.0.0.2", server_.port(), "PING\r\n", milliseconds(500));
    EXPECT_EQ(open.bytes, "+PONG\r\n");
    EXPECT_EQ(admin.command({"CONFIG", "SET", "protected-mode", "yes"}), "+OK\r\n");
    EXPECT_EQ(admin.command({"CONFIG", "SET", "requirepass", "pw"}), "+OK\r\n");
    FromResult with_password = exchange_from("127.0.0.2", server_.port(), "PING\r\n", milliseconds(500));
    EXPECT_EQ(with_password.bytes, kNoAuth);
    EXPECT_FALSE(with_password.closed);
}

}  // namespace
}  // namespace testsupport
