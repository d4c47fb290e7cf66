// Access control, as Redis 7.0's ACL: users with passwords and with
// command, key and channel permissions; AUTH; the check every command of a
// restricted connection goes through; `requirepass` (the default user's
// password) and protected mode.
//
// A user holds one bit per command (Command::acl_id, top-level commands and
// subcommands alike), set by +cmd / +@category / +@all and their opposites,
// plus key patterns (~pattern, %R~ %W~) and channel patterns (&pattern).
// The commands are ours and, besides, every Redis 7.0.15 command we lack
// (server/acl_redis_commands.h): Redis accepts +xadd, ACL CAT lists it,
// and ACL LIST's description depends on how many commands each category
// has. ACL LIST describes the bits back the way Redis does: +@all or
// -@all, the categories that best fit, then single commands (Redis orders
// those by its hash table, which is random per process; here they follow
// the command table).
//
// What is not here: selectors "(...)", ACL LOG, ACL files (LOAD/SAVE answer
// Redis's "not configured" error), killing Pub/Sub clients whose channel
// permissions shrink. %R~ and %W~ patterns are checked conservatively (the
// command table has no per-key read/write flags): a key of a write command
// needs a pattern allowing both, a key of any other command one allowing
// reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace server {

struct Command;
struct Config;
class CommandTable;
class Server;

// ACL categories in Redis's order (ACL CAT lists them so; ACL LIST tries
// them in this order).
inline constexpr std::string_view kAclCategories[] = {
    "keyspace", "read",      "write",     "set",        "sortedset",   "list",     "hash",
    "string",   "bitmap",    "hyperloglog", "geo",      "stream",      "pubsub",   "admin",
    "fast",     "slow",      "blocking",  "dangerous",  "connection",  "transaction", "scripting",
};
inline constexpr size_t kAclCategoryCount = std::size(kAclCategories);

// The bit of a category name ("string", no '@'; case-insensitive); 0 when
// there is no such category.
uint32_t acl_category_bit(std::string_view name);
// The category bits of a Command::acl_categories string ("@write @string").
uint32_t acl_category_mask(std::string_view categories);

struct AclKeyPattern {
    static constexpr uint8_t kRead = 1;
    static constexpr uint8_t kWrite = 2;
    static constexpr uint8_t kAll = kRead | kWrite;
    std::string pattern;
    uint8_t perms = kAll;
};

struct AclUser {
    enum Flag : uint8_t {
        kEnabled = 1,
        kNoPass = 2,
        kSkipSanitizePayload = 4,
        kSanitizePayload = 8,
    };
    std::string name;
    uint8_t flags = 0;
    std::vector<std::string> passwords;  // SHA-256 of each, lower-case hex
    bool all_keys = false;
    bool all_channels = false;
    // Every command bit set, by +@all and not cleared since (the fast path).
    bool all_commands = false;
    // +@all (Redis's reserved bit): described as "+@all ..." rather than
    // "-@all ...".
    bool future_commands = false;
    std::vector<AclKeyPattern> keys;
    std::vector<std::string> channels;
    std::vector<uint64_t> allowed;  // one bit per Command::acl_id
    // "+cmd|arg": the command is allowed with these first arguments only
    // (Redis's deprecated first-arg rules), by command id.
    std::vector<std::pair<uint32_t, std::vector<std::string>>> first_args;

    bool enabled() const { return (flags & kEnabled) != 0; }
    bool nopass() const { return (flags & kNoPass) != 0; }
    bool unrestricted() const { return all_commands && all_keys && all_channels; }
    bool allows(uint32_t id) const {
        size_t w = id / 64;
        return w < allowed.size() && ((allowed[w] >> (id % 64)) & 1) != 0;
    }
};

enum class AclDenied : uint8_t { kNone, kCommand, kKey, kChannel };
struct AclVerdict {
    AclDenied denied = AclDenied::kNone;
    size_t arg = 0;  // the argument (key or channel) that was refused
};

class Acl {
public:
    // Assigns Command::acl_id to every command and subcommand of `table`.
    // A non-empty `requirepass` becomes the default user's password.
    Acl(const CommandTable& table, std::string_view requirepass);
    ~Acl();
    Acl(const Acl&) = delete;
    Acl& operator=(const Acl&) = delete;

    const AclUser* default_user() const { return default_; }
    // A connection running as this user skips every check (one compare on
    // the hot path): the default user while it is enabled, has no password
    // and may do everything. nullptr otherwise.
    const AclUser* unrestricted() const { return unrestricted_; }
    // Redis's authRequired() without the connection's part: the default
    // user has a password or is disabled, so a connection that has not
    // authenticated may run only the kCmdNoAuth commands.
    bool auth_required() const { return auth_required_; }

    const AclUser* find(std::string_view name) const;
    // The user when `name` exists, is enabled, and `password` is one of its
    // passwords (compared in constant time) or it is nopass; else nullptr.
    const AclUser* authenticate(std::string_view name, std::string_view password) const;

    // ACL SETUSER: creates or changes the user; every op is applied, or
    // none. Returns the error reply (without "ERR ") when one fails.
    std::optional<std::string> set_user(std::string_view name, std::span<const std::string_view> ops);
    // One op on `user`: nullopt when applied, else Redis's reason
    // ("Syntax error", "Unknown command or category name in ACL", ...).
    std::optional<std::string> apply(AclUser& user, std::string_view op) const;
    // A user as ACL SETUSER creates it ("off resetchannels -@all").
    AclUser new_user(std::string_view name) const;
    // ACL DELUSER of one user (never "default"); the caller first moves
    // the user's connections away. False when there is no such user.
    bool remove_user(std::string_view name);
    // CONFIG SET requirepass: resetpass, then >password, or nopass when
    // the password is empty.
    void set_requirepass(std::string_view password);

    // Whether `user` may run `cmd` with `argv` (argv[0] is the command).
    AclVerdict check(const AclUser& user, const Command& cmd, std::span<const std::string_view> argv) const;
    // The error a connection gets instead of running `cmd` (without the
    // '-'): NOAUTH when it must authenticate first, NOPERM when its user
    // may not; empty when it may run it.
    std::string denial(const AclUser& user, bool authenticated, const Command& cmd,
                       std::span<const std::string_view> argv) const;

    // "user <name> on nopass ~* &* +@all" (ACL LIST).
    std::string describe(const AclUser& user) const;
    std::string describe_commands(const AclUser& user) const;
    std::string describe_keys(const AclUser& user) const;      // ACL GETUSER's "keys"
    std::string describe_channels(const AclUser& user) const;  // ACL GETUSER's "channels"

    // By name, sorted as Redis's radix tree keeps them.
    const std::map<std::string, std::unique_ptr<AclUser>, std::less<>>& users() const { return users_; }
    // Every command and subcommand in category `bit` (ACL CAT <category>).
    std::vector<std::string_view> commands_in_category(uint32_t bit) const;

private:
    struct Entry {
        std::string_view name;  // "get", "config|get"
        const Command* cmd;     // null: a Redis command this server lacks
        uint32_t categories;
        bool top;
        bool container;               // has subcommands
        std::vector<uint32_t> subs;   // their ids
    };
    uint32_t add_entry(std::string_view name, const Command* cmd, std::string_view categories, bool top);
    // The id of the command or subcommand named "get" or "config|get"
    // (case-insensitive), or -1.
    int64_t lookup(std::string_view name) const;
    void set_bit(AclUser& u, uint32_t id, bool on) const;
    void change_perm(AclUser& u, uint32_t id, bool on) const;
    void set_category(AclUser& u, uint32_t bit, bool on) const;
    void set_all(AclUser& u, bool on) const;
    void count_category(const AclUser& u, uint32_t bit, size_t& on, size_t& off) const;
    std::optional<std::string> apply_command_rule(AclUser& u, std::string_view op) const;
    // After any change: the cached unrestricted_ and auth_required_.
    void refresh();

    std::vector<Entry> entries_;  // indexed by Command::acl_id; a container before its subcommands
    std::unordered_map<std::string_view, uint32_t> by_name_;
    size_t words_ = 0;
    std::map<std::string, std::unique_ptr<AclUser>, std::less<>> users_;
    AclUser* default_ = nullptr;
    const AclUser* unrestricted_ = nullptr;
    bool auth_required_ = false;
};

// SHA-256 of `data` as 64 lower-case hex digits (how passwords are kept).
std::string sha256_hex(std::string_view data);
// Equality whose time does not depend on where the strings differ.
bool time_independent_equal(std::string_view a, std::string_view b);

// Protected mode (Redis 7.0's clientAcceptHandler): with protected-mode
// yes and no password on the default user, a client is refused unless its
// address is "127.0.0.1" or "::1" exactly (Redis 7.0 compares the strings:
// 127.0.0.2 is refused too). `peer_ip` has no port.
bool protected_mode_denies(const Config& cfg, bool default_user_nopass, std::string_view peer_ip);
// What a refused client gets before the close, byte for byte Redis 7.0's.
inline constexpr std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password "
    "is set for the default user. In this mode connections are only accepted from the loopback "
    "interface. If you want to connect from external computers to Redis you may adopt one of the "
    "following solutions: 1) Just disable protected mode sending the command 'CONFIG SET "
    "protected-mode no' from the loopback interface by connecting to Redis from the same host the "
    "server is running, however MAKE SURE Redis is not publicly accessible from internet if you do "
    "so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable "
    "the protected mode by editing the Redis configuration file, and setting the protected mode "
    "option to 'no', and then restarting the server. 3) If you started the server manually just "
    "for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication "
    "password for the default user. NOTE: You only need to do one of the above things in order for "
    "the server to start accepting connections from the outside.\r\n";

// The users changed (ACL SETUSER/DELUSER, CONFIG SET requirepass): every
// connection's parser takes the unauthenticated limits, or drops them.
// In commands_acl.cpp.
void acl_users_changed(Server& server);
// CONFIG SET requirepass was applied to the config: the default user
// follows it. In commands_acl.cpp.
void acl_requirepass_changed(Server& server);

}  // namespace server
