// The command table (lookup, arity, key specs, subcommands) and the
// dispatch-level replies every command shares: unknown command and
// subcommand texts, arity errors, CONFIG GET/SET, HELLO, CLIENT, PING/ECHO.
// Expected bytes and table rows come from redis-server 7.0.15 (COMMAND INFO
// and raw RESP sessions).
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/command_table.h"
#include "server/config.h"
#include "server/connection.h"
#include "server/server.h"

namespace server {
namespace {

std::string upper(std::string_view s) {
    std::string u(s);
    for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
}

// ---- CommandTable ---------------------------------------------------------

TEST(CommandTable, FindsEveryCommandCaseInsensitively) {
    CommandTable table;
    ASSERT_GT(table.size(), 40u);
    EXPECT_EQ(table.size(), table.all().size());
    for (const Command* c : table.all()) {
        EXPECT_EQ(table.find(c->name), c) << c->name;
        EXPECT_EQ(table.find(upper(c->name)), c) << c->name;
        std::string mixed(c->name);
        for (size_t i = 0; i < mixed.size(); i += 2)
            mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
        EXPECT_EQ(table.find(mixed), c) << c->name;
    }
}

TEST(CommandTable, UnknownNamesAreNotFound) {
    CommandTable table;
    EXPECT_EQ(table.find("foo"), nullptr);
    EXPECT_EQ(table.find(""), nullptr);
    EXPECT_EQ(table.find("ge"), nullptr);
    EXPECT_EQ(table.find("gett"), nullptr);
    EXPECT_EQ(table.find("get "), nullptr);
    EXPECT_EQ(table.find(std::string_view("get\0", 4)), nullptr);
    EXPECT_EQ(table.find("config|get"), nullptr);  // subcommands are not top level
    EXPECT_EQ(table.find(std::string(65, 'a')), nullptr);
    EXPECT_EQ(table.find(std::string(100000, 'g')), nullptr);
}

TEST(CommandTable, NamesAreLowerCaseAndUnique) {
    CommandTable table;
    std::set<std::string_view> names;
    for (const Command* c : table.all()) {
        EXPECT_TRUE(names.insert(c->name).second) << "duplicate " << c->name;
        EXPECT_EQ(c->name.find('|'), std::string_view::npos) << c->name;
        for (char ch : c->name) EXPECT_FALSE(ch >= 'A' && ch <= 'Z') << c->name;
        EXPECT_NE(c->handler, nullptr) << c->name;
        EXPECT_NE(c->arity, 0) << c->name;
        for (size_t i = 0; i < c->subcommand_count; ++i) {
            const Command& sub = c->subcommands[i];
            std::string prefix = std::string(c->name) + "|";
            EXPECT_EQ(sub.name.substr(0, prefix.size()), prefix) << sub.name;
            EXPECT_NE(sub.handler, nullptr) << sub.name;
            EXPECT_TRUE(sub.arity >= 2 || sub.arity <= -2) << sub.name;
        }
    }
}

TEST(CommandTable, FindSubcommand) {
    CommandTable table;
    const Command* config = table.find("config");
    ASSERT_NE(config, nullptr);
    const Command* get = CommandTable::find_subcommand(*config, "get");
    ASSERT_NE(get, nullptr);
    EXPECT_EQ(get->name, "config|get");
    EXPECT_EQ(CommandTable::find_subcommand(*config, "GeT"), get);
    EXPECT_EQ(CommandTable::find_subcommand(*config, "nosuch"), nullptr);
    EXPECT_EQ(CommandTable::find_subcommand(*config, ""), nullptr);
    EXPECT_EQ(CommandTable::find_subcommand(*config, "config|get"), nullptr);
    const Command* client = table.find("CLIENT");
    ASSERT_NE(client, nullptr);
    const Command* setname = CommandTable::find_subcommand(*client, "SETNAME");
    ASSERT_NE(setname, nullptr);
    EXPECT_EQ(setname->name, "client|setname");
}

struct Spec {
    std::string_view name;
    int arity;
    int first_key;
    int last_key;
    int key_step;
};

// COMMAND INFO from redis-server 7.0.15.
constexpr Spec kRedisSpecs[] = {
    {"get", 2, 1, 1, 1},        {"set", -3, 1, 1, 1},        {"setnx", 3, 1, 1, 1},
    {"setex", 4, 1, 1, 1},      {"psetex", 4, 1, 1, 1},      {"getdel", 2, 1, 1, 1},
    {"getex", -2, 1, 1, 1},     {"mget", -2, 1, -1, 1},      {"mset", -3, 1, -1, 2},
    {"msetnx", -3, 1, -1, 2},   {"incr", 2, 1, 1, 1},        {"decr", 2, 1, 1, 1},
    {"incrby", 3, 1, 1, 1},     {"decrby", 3, 1, 1, 1},      {"incrbyfloat", 3, 1, 1, 1},
    {"append", 3, 1, 1, 1},     {"strlen", 2, 1, 1, 1},      {"getrange", 4, 1, 1, 1},
    {"substr", 4, 1, 1, 1},     {"setrange", 4, 1, 1, 1},    {"del", -2, 1, -1, 1},
    {"unlink", -2, 1, -1, 1},   {"exists", -2, 1, -1, 1},    {"type", 2, 1, 1, 1},
    {"expire", -3, 1, 1, 1},    {"pexpire", -3, 1, 1, 1},    {"expireat", -3, 1, 1, 1},
    {"pexpireat", -3, 1, 1, 1}, {"ttl", 2, 1, 1, 1},         {"pttl", 2, 1, 1, 1},
    {"expiretime", 2, 1, 1, 1}, {"pexpiretime", 2, 1, 1, 1}, {"persist", 2, 1, 1, 1},
    {"dbsize", 1, 0, 0, 0},     {"flushdb", -1, 0, 0, 0},    {"flushall", -1, 0, 0, 0},
    {"select", 2, 0, 0, 0},     {"ping", -1, 0, 0, 0},       {"echo", 2, 0, 0, 0},
    {"hello", -1, 0, 0, 0},     {"auth", -2, 0, 0, 0},       {"quit", -1, 0, 0, 0},
    {"client", -2, 0, 0, 0},    {"config", -2, 0, 0, 0},     {"command", -1, 0, 0, 0},
    {"info", -1, 0, 0, 0},      {"time", 1, 0, 0, 0},        {"shutdown", -1, 0, 0, 0},
};

constexpr Spec kRedisSubcommandSpecs[] = {
    {"client|kill", -3, 0, 0, 0},    {"client|list", -2, 0, 0, 0},   {"client|id", 2, 0, 0, 0},
    {"client|info", 2, 0, 0, 0},     {"client|setname", 3, 0, 0, 0}, {"client|getname", 2, 0, 0, 0},
    {"config|help", 2, 0, 0, 0},     {"config|set", -4, 0, 0, 0},    {"config|rewrite", 2, 0, 0, 0},
    {"config|get", -3, 0, 0, 0},     {"config|resetstat", 2, 0, 0, 0}, {"command|list", -2, 0, 0, 0},
    {"command|docs", -2, 0, 0, 0},   {"command|count", 2, 0, 0, 0},  {"command|info", -2, 0, 0, 0},
};

TEST(CommandTable, AritiesAndKeySpecsMatchRedis) {
    CommandTable table;
    for (const Spec& s : kRedisSpecs) {
        const Command* c = table.find(s.name);
        ASSERT_NE(c, nullptr) << s.name;
        EXPECT_EQ(c->arity, s.arity) << s.name;
        EXPECT_EQ(c->first_key, s.first_key) << s.name;
        EXPECT_EQ(c->last_key, s.last_key) << s.name;
        EXPECT_EQ(c->key_step, s.key_step) << s.name;
    }
}

TEST(CommandTable, SubcommandAritiesMatchRedis) {
    CommandTable table;
    for (const Spec& s : kRedisSubcommandSpecs) {
        std::string_view container = s.name.substr(0, s.name.find('|'));
        const Command* c = table.find(container);
        ASSERT_NE(c, nullptr) << container;
        const Command* sub = CommandTable::find_subcommand(*c, s.name.substr(s.name.find('|') + 1));
        ASSERT_NE(sub, nullptr) << s.name;
        EXPECT_EQ(sub->name, s.name);
        EXPECT_EQ(sub->arity, s.arity) << s.name;
    }
}

TEST(CommandTable, ArityErrorText) {
    EXPECT_EQ(arity_error_text("get"), "ERR wrong number of arguments for 'get' command");
    EXPECT_EQ(arity_error_text("config|get"), "ERR wrong number of arguments for 'config|get' command");
}

// ---- Dispatch through a connection ----------------------------------------

std::string bulk(std::string_view s) { return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n"; }
std::string integer(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
constexpr std::string_view kOk = "+OK\r\n";
constexpr std::string_view kSyntax = "-ERR syntax error\r\n";
std::string arity(std::string_view cmd) {
    return "-ERR wrong number of arguments for '" + std::string(cmd) + "' command\r\n";
}

constexpr std::string_view kHello2 =
    "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n"
    "$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
    "$7\r\nmodules\r\n*0\r\n";
constexpr std::string_view kHello3 =
    "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
    "$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
    "$7\r\nmodules\r\n*0\r\n";
constexpr std::string_view kBadName =
    "-ERR Client names cannot contain spaces, newlines or special characters.\r\n";

// See string_commands_test.cpp: a non-listening server, a connection over a
// socketpair, replies read from the output buffer. The fixture closes both
// fds; nothing here may close the connection itself (QUIT, CLIENT KILL).
class Dispatch : public testing::Test {
protected:
    Dispatch() : srv_(Config{}) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
        fd_ = fds[0];
        peer_ = fds[1];
        conn_ = std::make_unique<Connection>(srv_, fd_, 1, "127.0.0.1:1", "127.0.0.1:2");
    }
    ~Dispatch() override {
        conn_.reset();
        ::close(fd_);
        ::close(peer_);
    }

    std::string run(std::initializer_list<std::string_view> args) {
        std::vector<std::string_view> argv(args);
        return run_vec(argv);
    }
    std::string run_vec(const std::vector<std::string_view>& argv) {
        conn_->run_command(argv);
        std::string out(conn_->pending_output());
        conn_->discard_output();
        return out;
    }

    Server srv_;
    int fd_ = -1;
    int peer_ = -1;
    std::unique_ptr<Connection> conn_;
};

TEST_F(Dispatch, UnknownCommand) {
    EXPECT_EQ(run({"foo", "a", "b"}), "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
    EXPECT_EQ(run({"foo"}), "-ERR unknown command 'foo', with args beginning with: \r\n");
    EXPECT_EQ(run({"FOO", "a b"}), "-ERR unknown command 'FOO', with args beginning with: 'a b' \r\n");
}

TEST_F(Dispatch, UnknownCommandBlanksNewlinesAndStopsAtNul) {
    EXPECT_EQ(run({"foo", "a\r\nb"}), "-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n");
    EXPECT_EQ(run({"foo", std::string_view("a\0b", 3), "c"}),
              "-ERR unknown command 'foo', with args beginning with: 'a' 'c' \r\n");
    EXPECT_EQ(run({std::string_view("fo\0o", 4), "a"}),
              "-ERR unknown command 'fo', with args beginning with: 'a' \r\n");
}

TEST_F(Dispatch, UnknownCommandTruncatesLongNamesAndArgs) {
    std::string name(200, 'x');
    std::string y(100, 'y');
    std::string z(100, 'z');
    std::string expect = "-ERR unknown command '" + std::string(128, 'x') +
                         "', with args beginning with: '" + y + "' '" + std::string(25, 'z') + "' \r\n";
    EXPECT_EQ(run({name, y, z, "w"}), expect);
}

TEST_F(Dispatch, UnknownSubcommand) {
    EXPECT_EQ(run({"CONFIG", "foo"}), "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
    EXPECT_EQ(run({"client", "foo"}), "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
    EXPECT_EQ(run({"config", std::string(200, 'x')}),
              "-ERR unknown subcommand '" + std::string(128, 'x') + "'. Try CONFIG HELP.\r\n");
    EXPECT_EQ(run({"client", std::string_view("getname\0x", 9)}),
              "-ERR unknown subcommand 'getname'. Try CLIENT HELP.\r\n");
}

TEST_F(Dispatch, ArityErrors) {
    EXPECT_EQ(run({"GET"}), arity("get"));
    EXPECT_EQ(run({"config"}), arity("config"));
    EXPECT_EQ(run({"client"}), arity("client"));
    EXPECT_EQ(run({"CONFIG", "GET"}), arity("config|get"));
    EXPECT_EQ(run({"config", "set", "maxclients"}), arity("config|set"));
    EXPECT_EQ(run({"config", "help", "x"}), arity("config|help"));
    EXPECT_EQ(run({"client", "setname"}), arity("client|setname"));
    EXPECT_EQ(run({"client", "getname", "x"}), arity("client|getname"));
    EXPECT_EQ(run({"client", "id", "x"}), arity("client|id"));
    EXPECT_EQ(run({"ping", "x", "y"}), arity("ping"));
    EXPECT_EQ(run({"echo"}), arity("echo"));
}

TEST_F(Dispatch, CommandNamesAreCaseInsensitive) {
    EXPECT_EQ(run({"SeT", "k", "v"}), kOk);
    EXPECT_EQ(run({"gEt", "k"}), bulk("v"));
    EXPECT_EQ(run({"GET", "k"}), bulk("v"));
    EXPECT_EQ(run({"cOnFiG", "gEt", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(Dispatch, PingEcho) {
    EXPECT_EQ(run({"PING"}), "+PONG\r\n");
    EXPECT_EQ(run({"PING", "x"}), bulk("x"));
    EXPECT_EQ(run({"ECHO", "hi"}), bulk("hi"));
    EXPECT_EQ(run({"ECHO", ""}), bulk(""));
}

// ---- CONFIG -----------------------------------------------------------------

// CONFIG GET's reply as (name, value) pairs, whatever the order.
std::set<std::pair<std::string, std::string>> pairs_of(std::string_view reply) {
    std::set<std::pair<std::string, std::string>> out;
    if (reply.empty() || reply[0] != '*') return out;
    size_t p = reply.find("\r\n") + 2;
    std::vector<std::string> items;
    while (p < reply.size() && reply[p] == '$') {
        size_t eol = reply.find("\r\n", p);
        size_t len = std::stoul(std::string(reply.substr(p + 1, eol - p - 1)));
        items.emplace_back(reply.substr(eol + 2, len));
        p = eol + 2 + len + 2;
    }
    for (size_t i = 0; i + 1 < items.size(); i += 2) out.emplace(items[i], items[i + 1]);
    return out;
}

TEST_F(Dispatch, ConfigGet) {
    EXPECT_EQ(run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "port"}), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "nosuch"}), "*0\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "MAXCLIENT?"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "[l-n]axclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(Dispatch, ConfigGetGlob) {
    auto got = pairs_of(run({"CONFIG", "GET", "maxmemory*"}));
    EXPECT_TRUE(got.count({"maxmemory", "0"}));
    EXPECT_TRUE(got.count({"maxmemory-policy", "noeviction"}));
    for (const auto& [name, value] : got) EXPECT_EQ(name.rfind("maxmemory", 0), 0u) << name;
    auto all = pairs_of(run({"CONFIG", "GET", "*"}));
    EXPECT_GT(all.size(), 10u);
    EXPECT_TRUE(all.count({"port", "6379"}));
    EXPECT_TRUE(all.count({"databases", "16"}));
}

TEST_F(Dispatch, ConfigGetMultiplePatternsDeduplicates) {
    std::string reply = run({"CONFIG", "GET", "maxclients", "port", "maxclients", "max*clients"});
    EXPECT_EQ(reply.substr(0, 4), "*4\r\n");
    auto got = pairs_of(reply);
    std::set<std::pair<std::string, std::string>> expect = {{"maxclients", "10000"}, {"port", "6379"}};
    EXPECT_EQ(got, expect);
    EXPECT_EQ(run({"CONFIG", "GET", "maxclients", "nosuch"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(Dispatch, ConfigGetResp3IsAMap) {
    ASSERT_EQ(run({"HELLO", "3"}), kHello3);
    EXPECT_EQ(run({"CONFIG", "GET", "maxclients"}), "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "nosuch"}), "%0\r\n");
}

// redis-server 7.0.15 answers a pattern without glob characters by direct
// lookup and echoes the name as the client spelled it: CONFIG GET MAXCLIENTS
// replies *2 $10 MAXCLIENTS $5 10000. ringdis replies the canonical name.
TEST_F(Dispatch, ConfigGetExactNameEchoesRequestedSpelling_MatchesRedis) {
    EXPECT_EQ(run({"CONFIG", "GET", "MAXCLIENTS"}), "*2\r\n$10\r\nMAXCLIENTS\r\n$5\r\n10000\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "Port"}), "*2\r\n$4\r\nPort\r\n$4\r\n6379\r\n");
}

TEST_F(Dispatch, ConfigSet) {
    EXPECT_EQ(run({"CONFIG", "SET", "maxclients", "100"}), kOk);
    EXPECT_EQ(run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$3\r\n100\r\n");
    EXPECT_EQ(srv_.config().maxclients, 100);
    EXPECT_EQ(run({"CONFIG", "SET", "MAXCLIENTS", "200", "timeout", "5"}), kOk);
    EXPECT_EQ(srv_.config().maxclients, 200);
    EXPECT_EQ(srv_.config().timeout, 5);
}

TEST_F(Dispatch, ConfigSetErrors) {
    EXPECT_EQ(run({"CONFIG", "SET", "nosuch", "1"}),
              "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "maxclients", "100", "hz"}), kSyntax);
    EXPECT_EQ(run({"CONFIG", "SET", "maxclients", "100", "MAXCLIENTS", "200"}),
              "-ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "maxclients", "abc"}),
              "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be "
              "parsed into an integer\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "maxclients", "0"}),
              "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be "
              "between 1 and 4294967295 inclusive\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "timeout", "-1"}),
              "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be "
              "between 0 and 2147483647 inclusive\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "databases", "3"}),
              "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
              "config\r\n");
    // A failing parameter leaves the others unapplied.
    EXPECT_EQ(run({"CONFIG", "SET", "timeout", "7", "maxclients", "abc"}).substr(0, 22), "-ERR CONFIG SET failed");
    EXPECT_EQ(srv_.config().timeout, 0);
    EXPECT_EQ(srv_.config().maxclients, 10000);
}

// ---- HELLO ------------------------------------------------------------------

TEST_F(Dispatch, HelloWithoutArgumentsKeepsResp2) {
    EXPECT_EQ(run({"HELLO"}), kHello2);
    EXPECT_EQ(conn_->proto(), 2);
    EXPECT_EQ(run({"HELLO", "2"}), kHello2);
}

TEST_F(Dispatch, Hello3SwitchesToResp3) {
    EXPECT_EQ(run({"HELLO", "3"}), kHello3);
    EXPECT_EQ(conn_->proto(), 3);
    EXPECT_EQ(run({"GET", "missing"}), "_\r\n");
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), "_\r\n");
    EXPECT_EQ(run({"HELLO", "2"}), kHello2);
    EXPECT_EQ(run({"GET", "missing"}), "$-1\r\n");
}

TEST_F(Dispatch, HelloErrors) {
    EXPECT_EQ(run({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(run({"HELLO", "1"}), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(run({"HELLO", "1", "foo"}), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(run({"HELLO", "abc"}), "-ERR Protocol version is not an integer or out of range\r\n");
    EXPECT_EQ(run({"HELLO", "3", "foo"}), "-ERR Syntax error in HELLO option 'foo'\r\n");
    EXPECT_EQ(run({"HELLO", "2", "AUTH", "default"}), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    EXPECT_EQ(run({"HELLO", "2", "AUTH", "foo", "bar"}),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(run({"HELLO", "2", "SETNAME", "a b"}), kBadName);
    EXPECT_EQ(conn_->proto(), 2);  // nothing applied
    EXPECT_EQ(run({"HELLO", "3", "SETNAME", "a b"}), kBadName);
    EXPECT_EQ(conn_->proto(), 2);
}

TEST_F(Dispatch, HelloAuthAndSetname) {
    EXPECT_EQ(run({"HELLO", "2", "AUTH", "default", "x"}), kHello2);
    EXPECT_EQ(run({"HELLO", "2", "SETNAME", "myname"}), kHello2);
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), bulk("myname"));
    EXPECT_EQ(run({"hello", "3", "auth", "default", "pw", "setname", "x"}), kHello3);
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), bulk("x"));
}

// ---- CLIENT -----------------------------------------------------------------

TEST_F(Dispatch, ClientSetNameGetName) {
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), "$-1\r\n");
    EXPECT_EQ(run({"CLIENT", "SETNAME", "myname"}), kOk);
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), bulk("myname"));
    EXPECT_EQ(conn_->name(), "myname");
    EXPECT_EQ(run({"CLIENT", "SETNAME", "a b"}), kBadName);
    EXPECT_EQ(run({"CLIENT", "SETNAME", "a\nb"}), kBadName);
    EXPECT_EQ(run({"CLIENT", "SETNAME", std::string_view("a\0b", 3)}), kBadName);
    EXPECT_EQ(run({"CLIENT", "SETNAME", "caf\xc3\xa9"}), kBadName);
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), bulk("myname"));  // unchanged by the errors
    EXPECT_EQ(run({"CLIENT", "SETNAME", ""}), kOk);         // empty clears it
    EXPECT_EQ(run({"CLIENT", "GETNAME"}), "$-1\r\n");
    EXPECT_EQ(run({"client", "setname", "!~"}), kOk);
    EXPECT_EQ(run({"client", "getname"}), bulk("!~"));
}

TEST_F(Dispatch, ClientId) {
    EXPECT_EQ(run({"CLIENT", "ID"}), integer(1));
    EXPECT_EQ(run({"client", "id"}), integer(1));
}

}  // namespace
}  // namespace server
