// server/acl.h: the ACL rule parser, the permission matcher, ACL LIST's
// description, passwords, and the protected-mode decision. Expected texts
// and descriptions were read from redis-server 7.0.15.
#include "server/acl.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "server/acl_redis_commands.h"
#include "server/command_table.h"
#include "server/config.h"
#include "test/unit/command_fixture.h"

namespace server {
namespace {

class AclTest : public testing::Test {
protected:
    AclTest() : acl_(table_, "") {}

    // ACL SETUSER name ops...; "" when applied, else the error.
    std::string setuser(std::string_view name, std::vector<std::string_view> ops) {
        auto err = acl_.set_user(name, ops);
        return err ? *err : "";
    }
    const AclUser& user(std::string_view name) {
        const AclUser* u = acl_.find(name);
        EXPECT_NE(u, nullptr) << name;
        return *u;
    }
    std::string list(std::string_view name) { return acl_.describe(user(name)); }
    const Command& cmd(std::string_view name) {
        size_t bar = name.find('|');
        const Command* c = table_.find(name.substr(0, bar));
        if (c != nullptr && bar != std::string_view::npos) c = CommandTable::find_subcommand(*c, name.substr(bar + 1));
        EXPECT_NE(c, nullptr) << name;
        return *c;
    }
    // The command argv runs: a container's subcommand when it has one.
    const Command& command_of(const std::vector<std::string_view>& argv) {
        const Command& c = cmd(argv[0]);
        if (c.subcommands != nullptr && argv.size() >= 2) return cmd(std::string(argv[0]) + "|" + std::string(argv[1]));
        return c;
    }
    AclDenied check(std::string_view name, std::vector<std::string_view> argv) {
        return acl_.check(user(name), command_of(argv), argv).denied;
    }

    CommandTable table_;
    Acl acl_;
};

TEST(AclSha256, KnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // As redis-server 7.0.15 lists `>pw` and `>p1`.
    EXPECT_EQ(sha256_hex("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
    EXPECT_EQ(sha256_hex("p1"), "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a");
    // Every length around the block and padding boundaries.
    for (size_t n = 50; n < 140; ++n) EXPECT_EQ(sha256_hex(std::string(n, 'x')).size(), 64u);
    EXPECT_NE(sha256_hex(std::string(55, 'x')), sha256_hex(std::string(56, 'x')));
}

TEST(AclCompare, TimeIndependentEqual) {
    EXPECT_TRUE(time_independent_equal("abc", "abc"));
    EXPECT_FALSE(time_independent_equal("abc", "abd"));
    EXPECT_FALSE(time_independent_equal("abc", "ab"));
    EXPECT_TRUE(time_independent_equal("", ""));
}

TEST(ProtectedMode, Decision) {
    Config on;
    Config off;
    off.protected_mode = false;
    // No password on the default user: only 127.0.0.1 and ::1 get in
    // (Redis 7.0 compares the address strings; 127.0.0.2 is refused, as
    // redis-server 7.0.15 does).
    EXPECT_FALSE(protected_mode_denies(on, true, "127.0.0.1"));
    EXPECT_FALSE(protected_mode_denies(on, true, "::1"));
    EXPECT_TRUE(protected_mode_denies(on, true, "127.0.0.2"));
    EXPECT_TRUE(protected_mode_denies(on, true, "10.1.2.3"));
    EXPECT_TRUE(protected_mode_denies(on, true, "192.168.0.1"));
    EXPECT_TRUE(protected_mode_denies(on, true, "::ffff:127.0.0.1"));
    EXPECT_TRUE(protected_mode_denies(on, true, "?"));
    // A password on the default user, or protected-mode no: anyone.
    EXPECT_FALSE(protected_mode_denies(on, false, "10.1.2.3"));
    EXPECT_FALSE(protected_mode_denies(off, true, "10.1.2.3"));
    EXPECT_FALSE(protected_mode_denies(off, false, "10.1.2.3"));
    EXPECT_TRUE(kProtectedModeDenied.starts_with("-DENIED Redis is running in protected mode"));
    EXPECT_TRUE(kProtectedModeDenied.ends_with("accepting connections from the outside.\r\n"));
}

TEST(AclCategories, Parse) {
    EXPECT_EQ(acl_category_bit("keyspace"), 1u);
    EXPECT_EQ(acl_category_bit("STRING"), 1u << 7);
    EXPECT_EQ(acl_category_bit("nosuch"), 0u);
    EXPECT_EQ(acl_category_bit(""), 0u);
    EXPECT_EQ(acl_category_mask("@write @string @fast"),
              acl_category_bit("write") | acl_category_bit("string") | acl_category_bit("fast"));
}

// The categories of our commands are Redis 7.0.15's (ACL's +@category and
// COMMAND INFO depend on them).
TEST(AclCategories, OursMatchRedis) {
    CommandTable table;
    auto redis_cats = [](std::string_view name) -> std::optional<std::string_view> {
        for (const RedisAclCommand& r : kRedisAclCommands)
            if (r.name == name) return r.categories;
        return std::nullopt;
    };
    for (const Command* c : table.all()) {
        if (auto r = redis_cats(c->name)) {
            EXPECT_EQ(acl_category_mask(*r), acl_category_mask(c->acl_categories)) << c->name;
        }
        for (size_t i = 0; i < c->subcommand_count; ++i) {
            const Command& s = c->subcommands[i];
            if (auto r = redis_cats(s.name)) {
                EXPECT_EQ(acl_category_mask(*r), acl_category_mask(s.acl_categories)) << s.name;
            }
        }
    }
}

TEST_F(AclTest, DefaultUser) {
    EXPECT_EQ(list("default"), "user default on nopass ~* &* +@all");
    EXPECT_EQ(acl_.unrestricted(), acl_.default_user());
    EXPECT_FALSE(acl_.auth_required());
    EXPECT_EQ(acl_.authenticate("default", "anything"), acl_.default_user());
    EXPECT_EQ(acl_.authenticate("nobody", "anything"), nullptr);
}

TEST_F(AclTest, RequirePass) {
    acl_.set_requirepass("pw");
    EXPECT_EQ(list("default"),
              "user default on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* &* +@all");
    EXPECT_EQ(acl_.unrestricted(), nullptr);
    EXPECT_TRUE(acl_.auth_required());
    EXPECT_EQ(acl_.authenticate("default", "pw"), acl_.default_user());
    EXPECT_EQ(acl_.authenticate("default", "pW"), nullptr);
    EXPECT_EQ(acl_.authenticate("default", ""), nullptr);
    // NOAUTH before anything but the no-auth commands.
    std::vector<std::string_view> get = {"get", "k"};
    EXPECT_EQ(acl_.denial(*acl_.default_user(), false, cmd("get"), get), "NOAUTH Authentication required.");
    EXPECT_EQ(acl_.denial(*acl_.default_user(), true, cmd("get"), get), "");
    std::vector<std::string_view> auth = {"auth", "pw"};
    EXPECT_EQ(acl_.denial(*acl_.default_user(), false, cmd("auth"), auth), "");
    acl_.set_requirepass("");
    EXPECT_EQ(list("default"), "user default on nopass ~* &* +@all");
    EXPECT_EQ(acl_.unrestricted(), acl_.default_user());
    EXPECT_FALSE(acl_.auth_required());
    // Started with a password.
    Acl with(table_, "secret");
    EXPECT_TRUE(with.auth_required());
    EXPECT_NE(with.authenticate("default", "secret"), nullptr);
}

TEST_F(AclTest, NewUserAndFlags) {
    EXPECT_EQ(setuser("alice", {}), "");
    EXPECT_EQ(list("alice"), "user alice off resetchannels -@all");
    EXPECT_EQ(setuser("alice", {"ON", "nopass"}), "");
    EXPECT_EQ(list("alice"), "user alice on nopass resetchannels -@all");
    EXPECT_EQ(setuser("alice", {"skip-sanitize-payload"}), "");
    EXPECT_EQ(list("alice"), "user alice on nopass skip-sanitize-payload resetchannels -@all");
    EXPECT_EQ(setuser("alice", {"reset"}), "");
    EXPECT_EQ(list("alice"), "user alice off sanitize-payload resetchannels -@all");
    EXPECT_EQ(setuser("alice", {"", "clearselectors"}), "");
    EXPECT_EQ(setuser("a b", {}), "Usernames can't contain spaces or null characters");
    EXPECT_EQ(setuser(std::string_view("a\0b", 3), {}), "Usernames can't contain spaces or null characters");
    EXPECT_EQ(acl_.find("a b"), nullptr);
}

TEST_F(AclTest, Passwords) {
    EXPECT_EQ(setuser("bob", {"on", ">p1", ">p2", ">p1"}), "");
    EXPECT_EQ(list("bob"),
              "user bob on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a "
              "#" + sha256_hex("p2") + " resetchannels -@all");
    EXPECT_NE(acl_.authenticate("bob", "p1"), nullptr);
    EXPECT_NE(acl_.authenticate("bob", "p2"), nullptr);
    EXPECT_EQ(acl_.authenticate("bob", "p3"), nullptr);
    EXPECT_EQ(setuser("bob", {"<p3"}),
              "Error in ACL SETUSER modifier '<p3': The password you are trying to remove from the user does not exist");
    EXPECT_EQ(setuser("bob", {"<p1"}), "");
    EXPECT_EQ(acl_.authenticate("bob", "p1"), nullptr);
    EXPECT_EQ(setuser("bob", {"#abc"}),
              "Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain "
              "only lowercase hexadecimal characters");
    const std::string h = sha256_hex("hashed");
    EXPECT_EQ(setuser("bob", {"#" + h}), "");
    EXPECT_NE(acl_.authenticate("bob", "hashed"), nullptr);
    EXPECT_EQ(setuser("bob", {"!" + h}), "");
    EXPECT_EQ(acl_.authenticate("bob", "hashed"), nullptr);
    // A disabled user cannot authenticate; nopass takes any password.
    EXPECT_EQ(setuser("bob", {"off"}), "");
    EXPECT_EQ(acl_.authenticate("bob", "p2"), nullptr);
    EXPECT_EQ(setuser("bob", {"on", "nopass"}), "");
    EXPECT_NE(acl_.authenticate("bob", "whatever"), nullptr);
    EXPECT_EQ(setuser("bob", {"resetpass"}), "");
    EXPECT_EQ(acl_.authenticate("bob", "whatever"), nullptr);
    EXPECT_EQ(setuser("bob", {">"}), "");  // the empty password is a password
    EXPECT_NE(acl_.authenticate("bob", ""), nullptr);
}

TEST_F(AclTest, SetUserIsAllOrNothing) {
    EXPECT_EQ(setuser("carol", {"on", "bogus"}), "Error in ACL SETUSER modifier 'bogus': Syntax error");
    EXPECT_EQ(acl_.find("carol"), nullptr);
    EXPECT_EQ(setuser("carol", {"on", ">pw"}), "");
    EXPECT_EQ(setuser("carol", {"off", "resetpass", "+nosuch"}),
              "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    EXPECT_TRUE(user("carol").enabled());
    EXPECT_NE(acl_.authenticate("carol", "pw"), nullptr);
}

TEST_F(AclTest, RuleErrors) {
    auto err = [&](std::string_view op) { return setuser("dave", {op}); };
    const std::string unknown = "Unknown command or category name in ACL";
    EXPECT_EQ(err("+nosuch"), "Error in ACL SETUSER modifier '+nosuch': " + unknown);
    EXPECT_EQ(err("+@nosuch"), "Error in ACL SETUSER modifier '+@nosuch': " + unknown);
    EXPECT_EQ(err("+"), "Error in ACL SETUSER modifier '+': " + unknown);
    EXPECT_EQ(err("+@"), "Error in ACL SETUSER modifier '+@': " + unknown);
    EXPECT_EQ(err("+config|nosuch"), "Error in ACL SETUSER modifier '+config|nosuch': " + unknown);
    EXPECT_EQ(err("+nosuch|get"), "Error in ACL SETUSER modifier '+nosuch|get': " + unknown);
    EXPECT_EQ(err("-get|x"), "Error in ACL SETUSER modifier '-get|x': " + unknown);
    EXPECT_EQ(err("+config|get|x"),
              "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported");
    EXPECT_EQ(err("+get|"), "Error in ACL SETUSER modifier '+get|': Syntax error");
    EXPECT_EQ(err("%~x"), "Error in ACL SETUSER modifier '%~x': Syntax error");
    EXPECT_EQ(err("%RR~x"), "Error in ACL SETUSER modifier '%RR~x': Syntax error");
    EXPECT_EQ(err("nokeys"), "Error in ACL SETUSER modifier 'nokeys': Syntax error");
    EXPECT_EQ(err("(~x +get)"), "Error in ACL SETUSER modifier '(~x +get)': Syntax error");
    EXPECT_EQ(setuser("dave", {"allkeys", "~x"}),
              "Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is "
              "not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns");
    EXPECT_EQ(setuser("dave", {"allchannels", "&x"}),
              "Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) "
              "is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of "
              "channels");
}

TEST_F(AclTest, KeyAndChannelPatterns) {
    EXPECT_EQ(setuser("eve", {"%R", "~a", "~b", "%W~c", "%R~c", "%R~d", "%R~d", "%WR~x", "%r~x", "&a", "&b", "&a"}), "");
    EXPECT_EQ(acl_.describe_keys(user("eve")), "%R~ ~a ~b ~c %R~d ~x");
    EXPECT_EQ(acl_.describe_channels(user("eve")), "&a &b");
    EXPECT_EQ(list("eve"), "user eve off %R~ ~a ~b ~c %R~d ~x resetchannels &a &b -@all");
    // "%RW~*" is a pattern, not allkeys; "~*" is allkeys.
    EXPECT_EQ(setuser("eve", {"%RW~*"}), "");
    EXPECT_EQ(acl_.describe_keys(user("eve")), "%R~ ~a ~b ~c %R~d ~x ~*");
    EXPECT_EQ(setuser("eve", {"~*", "&*"}), "");
    EXPECT_EQ(list("eve"), "user eve off ~* &* -@all");
    EXPECT_EQ(setuser("eve", {"resetkeys", "resetchannels"}), "");
    EXPECT_EQ(list("eve"), "user eve off resetchannels -@all");
    EXPECT_EQ(acl_.describe_keys(user("eve")), "");
    EXPECT_EQ(acl_.describe_channels(user("eve")), "");
}

// ACL LIST's command rules, as redis-server 7.0.15 describes the same
// rules (single commands follow our table's order; Redis's is random).
TEST_F(AclTest, DescribeCommands) {
    auto rules = [&](std::vector<std::string_view> ops) {
        EXPECT_EQ(setuser("fay", {"reset"}), "");
        EXPECT_EQ(setuser("fay", ops), "");
        return acl_.describe_commands(user("fay"));
    };
    EXPECT_EQ(rules({"allcommands"}), "+@all");
    EXPECT_EQ(rules({"+@all", "-@dangerous", "+get", "-set", "+@string"}), "+@all -@dangerous");
    EXPECT_EQ(rules({"-@all", "+@string", "-get", "+get"}), "-@all +@string");
    EXPECT_EQ(rules({"nocommands", "+config|get", "+client"}), "-@all +config|get +client");
    EXPECT_EQ(rules({"-@all", "+xadd"}), "-@all +xadd");  // a Redis command we lack
    EXPECT_EQ(rules({"-@all", "+acl|log"}), "-@all +acl|log");
    EXPECT_EQ(rules({"+@all", "-@connection"}), "+@all -@connection");
    EXPECT_EQ(rules({"-@all", "+@admin"}), "-@all +@admin");
    EXPECT_EQ(rules({"-@all", "+get|x", "+get|y", "+get|X"}), "-@all +get|x +get|y");
    // +get resets its first arguments.
    EXPECT_EQ(rules({"-@all", "+get|x", "+get"}), "-@all +get");
}

TEST_F(AclTest, CommandPermissions) {
    EXPECT_EQ(setuser("gus", {"on", "nopass", "~*", "&*", "+@all", "-@dangerous", "-config|get"}), "");
    EXPECT_EQ(check("gus", {"get", "k"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"flushall"}), AclDenied::kCommand);
    EXPECT_EQ(check("gus", {"keys", "*"}), AclDenied::kCommand);
    EXPECT_EQ(check("gus", {"config", "get", "port"}), AclDenied::kCommand);
    EXPECT_EQ(check("gus", {"config", "set", "port", "1"}), AclDenied::kCommand);  // @dangerous
    EXPECT_EQ(check("gus", {"config", "help"}), AclDenied::kNone);
    // The no-auth commands are always allowed.
    EXPECT_EQ(setuser("gus", {"nocommands"}), "");
    EXPECT_EQ(check("gus", {"auth", "x"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"hello"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"reset"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"ping"}), AclDenied::kCommand);
    // A container allows all its subcommands.
    EXPECT_EQ(setuser("gus", {"+client"}), "");
    EXPECT_EQ(check("gus", {"client", "id"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"client", "kill", "id", "1"}), AclDenied::kNone);
    EXPECT_EQ(setuser("gus", {"-client|kill"}), "");
    EXPECT_EQ(check("gus", {"client", "kill", "id", "1"}), AclDenied::kCommand);
    // First-argument rules.
    EXPECT_EQ(setuser("gus", {"+select|0"}), "");
    EXPECT_EQ(check("gus", {"select", "0"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"select", "1"}), AclDenied::kCommand);
    // Categories.
    EXPECT_EQ(setuser("gus", {"nocommands", "+@string", "-@write"}), "");
    EXPECT_EQ(check("gus", {"get", "k"}), AclDenied::kNone);
    EXPECT_EQ(check("gus", {"set", "k", "v"}), AclDenied::kCommand);
    EXPECT_EQ(check("gus", {"lpush", "k", "v"}), AclDenied::kCommand);
}

TEST_F(AclTest, KeyPermissions) {
    EXPECT_EQ(setuser("hal", {"on", "nopass", "+@all", "&*", "~foo*", "%R~ro:*", "%W~wo:*"}), "");
    EXPECT_EQ(check("hal", {"get", "foo1"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"get", "bar"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"mset", "foo1", "1", "foo2", "2"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"mset", "foo1", "1", "bar", "2"}), AclDenied::kKey);
    EXPECT_EQ(acl_.check(user("hal"), cmd("mset"), std::vector<std::string_view>{"mset", "foo1", "1", "bar", "2"}).arg,
              3u);
    EXPECT_EQ(check("hal", {"exists", "foo", "foox", "bar"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"blpop", "foo1", "foo2", "0"}), AclDenied::kNone);  // the timeout is not a key
    EXPECT_EQ(check("hal", {"rename", "foo1", "bar"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"object", "encoding", "bar"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"object", "encoding", "foo"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"keys", "*"}), AclDenied::kNone);  // no key arguments
    // Key counts: the destination and the counted keys; none when the
    // count is not valid (the command fails on its own).
    EXPECT_EQ(check("hal", {"zunionstore", "foo1", "2", "foo2", "foo3"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"zunionstore", "bar", "2", "foo2", "foo3"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"zunionstore", "foo1", "2", "foo2", "bar"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"zunionstore", "bar", "0", "foo2"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"zunionstore", "bar", "5", "foo2"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"lmpop", "2", "foo1", "bar", "left"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"lmpop", "2", "foo1", "foo2", "left"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"sintercard", "x", "foo1", "bar"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"blmpop", "0", "2", "foo1", "bar", "left"}), AclDenied::kKey);
    // %R~ serves reads, not writes; %W~ alone serves neither here (see acl.h).
    EXPECT_EQ(check("hal", {"get", "ro:1"}), AclDenied::kNone);
    EXPECT_EQ(check("hal", {"set", "ro:1", "v"}), AclDenied::kKey);
    EXPECT_EQ(check("hal", {"get", "wo:1"}), AclDenied::kKey);
    EXPECT_EQ(setuser("hal", {"allkeys"}), "");
    EXPECT_EQ(check("hal", {"get", "bar"}), AclDenied::kNone);
}

TEST_F(AclTest, ChannelPermissions) {
    EXPECT_EQ(setuser("ivy", {"on", "nopass", "+@all", "~*", "resetchannels", "&news.*"}), "");
    EXPECT_EQ(check("ivy", {"publish", "news.1", "x"}), AclDenied::kNone);
    EXPECT_EQ(check("ivy", {"publish", "sports", "x"}), AclDenied::kChannel);
    EXPECT_EQ(check("ivy", {"subscribe", "news.1", "news.2"}), AclDenied::kNone);
    EXPECT_EQ(check("ivy", {"subscribe", "news.1", "sports"}), AclDenied::kChannel);
    // Patterns must equal an allowed pattern.
    EXPECT_EQ(check("ivy", {"psubscribe", "news.*"}), AclDenied::kNone);
    EXPECT_EQ(check("ivy", {"psubscribe", "news.1"}), AclDenied::kChannel);
    EXPECT_EQ(check("ivy", {"unsubscribe", "sports"}), AclDenied::kNone);
    EXPECT_EQ(check("ivy", {"spublish", "sports", "x"}), AclDenied::kChannel);
}

TEST_F(AclTest, DenialTexts) {
    EXPECT_EQ(setuser("jo", {"on", "nopass", "-@all", "+get", "+config|get", "+publish", "~k*"}), "");
    auto denial = [&](std::vector<std::string_view> argv) {
        return acl_.denial(user("jo"), true, cmd(argv.size() > 1 && argv[0] == "config" ? "config|get" : argv[0]), argv);
    };
    EXPECT_EQ(denial({"get", "k1"}), "");
    EXPECT_EQ(denial({"set", "k1", "v"}), "NOPERM this user has no permissions to run the 'set' command");
    EXPECT_EQ(denial({"get", "x"}), "NOPERM this user has no permissions to access one of the keys used as arguments");
    EXPECT_EQ(denial({"publish", "c", "m"}),
              "NOPERM this user has no permissions to access one of the channels used as arguments");
    EXPECT_EQ(acl_.denial(user("jo"), true, cmd("config|set"), std::vector<std::string_view>{"config", "set", "a", "b"}),
              "NOPERM this user has no permissions to run the 'config|set' command");
}

TEST_F(AclTest, RemoveUser) {
    EXPECT_EQ(setuser("kim", {}), "");
    EXPECT_TRUE(acl_.remove_user("kim"));
    EXPECT_FALSE(acl_.remove_user("kim"));
    EXPECT_FALSE(acl_.remove_user("default"));
    EXPECT_EQ(acl_.users().size(), 1u);
}

TEST_F(AclTest, CategoriesListRedisCommandsToo) {
    auto names = acl_.commands_in_category(acl_category_bit("stream"));
    EXPECT_NE(std::find(names.begin(), names.end(), "xadd"), names.end());
    names = acl_.commands_in_category(acl_category_bit("string"));
    EXPECT_NE(std::find(names.begin(), names.end(), "get"), names.end());
}

// Through a connection: the dispatch hook, AUTH, RESET.
class AclCommandTest : public cmdtest::CommandFixture {};

TEST_F(AclCommandTest, AuthAndNoPerm) {
    EXPECT_EQ(run({"ACL", "SETUSER", "u", "on", ">pw", "~k*", "+@all", "-set"}), "+OK\r\n");
    EXPECT_EQ(run({"AUTH", "u", "bad"}), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(run({"AUTH", "u", "pw"}), "+OK\r\n");
    EXPECT_EQ(run({"ACL", "WHOAMI"}), "$1\r\nu\r\n");
    EXPECT_EQ(run({"GET", "k1"}), "$-1\r\n");
    EXPECT_EQ(run({"GET", "x"}),
              "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n");
    EXPECT_EQ(run({"SET", "k1", "v"}), "-NOPERM this user has no permissions to run the 'set' command\r\n");
    // Unknown commands and arity errors come first, as in Redis.
    EXPECT_EQ(run({"SET", "k1"}), "-ERR wrong number of arguments for 'set' command\r\n");
    // Inside MULTI a refused command dooms the transaction.
    EXPECT_EQ(run({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(run({"SET", "k1", "v"}), "-NOPERM this user has no permissions to run the 'set' command\r\n");
    EXPECT_EQ(run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
    // Rules changed between MULTI and EXEC.
    EXPECT_EQ(run({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(run({"GET", "k1"}), "+QUEUED\r\n");
    EXPECT_EQ(run({"ACL", "SETUSER", "u", "-get"}), "+QUEUED\r\n");
    EXPECT_EQ(run({"GET", "k1"}), "+QUEUED\r\n");
    EXPECT_EQ(run({"EXEC"}),
              "*3\r\n$-1\r\n+OK\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated "
              "and the EXEC call. This command is no longer allowed for the following reason: no permission to "
              "execute the command or subcommand\r\n");
    EXPECT_EQ(run({"RESET"}), "+RESET\r\n");
    EXPECT_EQ(run({"ACL", "WHOAMI"}), "$7\r\ndefault\r\n");
    EXPECT_EQ(run({"ACL", "DELUSER", "u"}), ":1\r\n");
}

TEST_F(AclCommandTest, RequirePassAndReset) {
    EXPECT_EQ(run({"CONFIG", "SET", "requirepass", "pw"}), "+OK\r\n");
    // This connection was made while no password was needed: it stays in.
    EXPECT_EQ(run({"PING"}), "+PONG\r\n");
    EXPECT_EQ(run({"CONFIG", "GET", "requirepass"}), "*2\r\n$11\r\nrequirepass\r\n$2\r\npw\r\n");
    EXPECT_EQ(run({"RESET"}), "+RESET\r\n");
    EXPECT_EQ(run({"PING"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(run({"HELLO", "3"}),
              "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
              "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
              "version at the same time\r\n");
    EXPECT_EQ(run({"AUTH", "pw"}), "+OK\r\n");
    EXPECT_EQ(run({"PING"}), "+PONG\r\n");
    EXPECT_EQ(run({"CONFIG", "SET", "requirepass", ""}), "+OK\r\n");
    EXPECT_EQ(run({"AUTH", "pw"}),
              "-ERR AUTH <password> called without any password configured for the default user. Are you sure "
              "your configuration is correct?\r\n");
}

}  // namespace
}  // namespace server
