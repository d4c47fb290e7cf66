// The command table's entry and the context a handler runs in.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_writer.h"
#include "server/latency_histogram.h"

namespace server {

class Server;
class Connection;
class Database;
struct CommandContext;

using CommandHandler = void (*)(CommandContext&);

enum CommandFlag : uint32_t {
    kCmdWrite = 1u << 0,
    kCmdReadOnly = 1u << 1,
    kCmdFast = 1u << 2,
    kCmdAdmin = 1u << 3,
    kCmdNoAuth = 1u << 4,     // allowed before AUTH
    kCmdLoading = 1u << 5,    // allowed while loading
    kCmdStale = 1u << 6,
    kCmdPubSub = 1u << 7,
    kCmdNoScript = 1u << 8,
    kCmdBlocking = 1u << 9,
    kCmdDenyOom = 1u << 10,
    kCmdSentinel = 1u << 11,
    // Internal (not shown by COMMAND INFO):
    kCmdTransactionControl = 1u << 12,  // runs at once inside MULTI (EXEC, DISCARD...)
    kCmdSubscribedContext = 1u << 13,   // allowed on a subscribed RESP2 connection
    kCmdNoPropagate = 1u << 14,         // its effects are logged by the commands it runs (EXEC)
};

struct CommandStats {
    uint64_t calls = 0;
    uint64_t cycles = 0;  // time spent, in cycles_now() ticks
    uint64_t rejected_calls = 0;
    uint64_t failed_calls = 0;
    // Allocated on the first call, so unused commands cost nothing.
    std::unique_ptr<LatencyHistogram> latency;
};

struct Command {
    std::string_view name;  // lower case; "config|get" form for subcommands
    int arity;              // > 0 exact, < 0 at least -arity
    uint32_t flags;
    CommandHandler handler;
    int first_key = 0;
    int last_key = 0;
    int key_step = 0;
    std::string_view acl_categories = "";  // "@string @fast" style, for COMMAND INFO
    // Container commands (CONFIG, CLIENT, ...) list their subcommands here.
    const Command* subcommands = nullptr;
    size_t subcommand_count = 0;
    mutable CommandStats stats;
    // This command's bit in an ACL user's permissions (server/acl.h),
    // assigned by Acl when the server starts.
    mutable uint32_t acl_id = 0;
};

struct CommandContext {
    Server& server;
    Connection& conn;
    Database& db;
    std::span<const std::string_view> argv;
    protocol::ReplyWriter& reply;
    const Command& cmd;
    int64_t now_ms;
    bool failed = false;

    size_t argc() const { return argv.size(); }
    std::string_view arg(size_t i) const { return argv[i]; }

    // Error replies: `text` is the whole error without the leading '-'
    // ("ERR syntax error"); marks the call failed for INFO commandstats.
    void error(std::string_view text) {
        failed = true;
        reply.error(text);
    }
    void error_raw(std::string_view bytes) {  // a constant "-...\r\n"
        failed = true;
        reply.raw(bytes);
    }

    // A write changed `key` (Redis's signalModifiedKey): WATCHers of it
    // are doomed, and the change counts towards the dirty counter.
    void touched(std::string_view key);
    // Publishes keyspace event `event` on `key` (class from notify::),
    // when notify-keyspace-events enables it.
    void notify(uint32_t event_class, std::string_view event, std::string_view key);
    // The command that reproduces this one's effect in the append-only log,
    // when replaying the command itself would not (SPOP's random choice).
    void propagate_as(std::vector<std::string> effect);
};

// Constant error replies, byte-exact with Redis.
namespace errors {
inline constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
inline constexpr std::string_view kNotInteger = "-ERR value is not an integer or out of range\r\n";
inline constexpr std::string_view kNotFloat = "-ERR value is not a valid float\r\n";
inline constexpr std::string_view kSyntax = "-ERR syntax error\r\n";
// Redis's own wording for an argument outside an int's range.
inline constexpr std::string_view kIntRange =
    "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";
inline constexpr std::string_view kNoSuchKey = "-ERR no such key\r\n";
inline constexpr std::string_view kOverflow = "-ERR increment or decrement would overflow\r\n";
inline constexpr std::string_view kDbIndex = "-ERR DB index is out of range\r\n";
inline constexpr std::string_view kStringTooLong =
    "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
}  // namespace errors

// "ERR wrong number of arguments for 'name' command"
// Also the handler of a container command (CONFIG, CLIENT...) sent alone.
void reply_arity_error(CommandContext& ctx);
std::string arity_error_text(std::string_view full_name);

}  // namespace server
