// Commands over the keyspace as a whole or across databases: KEYS, SCAN,
// RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, SWAPDB, TOUCH, OBJECT.
#include <climits>
#include <random>
#include <string>
#include <vector>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/glob.h"
#include "server/keyspace_events.h"
#include "server/object.h"
#include "server/watched_keys.h"

namespace server {

namespace {

constexpr std::string_view kSameObject = "-ERR source and destination objects are the same\r\n";

uint64_t key_rng() {
    static std::mt19937_64 gen{std::random_device{}()};
    return gen();
}

// The context of a command acting on another database than the selected
// one (COPY ... DB, MOVE): its touched() and notify() name that database.
CommandContext context_in(CommandContext& ctx, Database& db) {
    return CommandContext{ctx.server, ctx.conn, db, ctx.argv, ctx.reply, ctx.cmd, ctx.now_ms};
}

bool is_live(const Entry* e, int64_t now_ms) { return !(e->has_expire && e->expire_ms() < now_ms); }

void keys_command(CommandContext& ctx) {
    std::string_view pattern = ctx.arg(1);
    bool all = pattern == "*";
    std::vector<std::string_view> found;
    ctx.db.dict().for_each([&](Entry* e) {
        if (!is_live(e, ctx.now_ms)) return;
        if (all || glob_match(pattern, e->key())) found.push_back(e->key());
    });
    ctx.reply.array(static_cast<int64_t>(found.size()));
    for (std::string_view k : found) ctx.reply.bulk(k);
}

bool parse_cursor(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        unsigned d = static_cast<unsigned>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

void scan_command(CommandContext& ctx) {
    uint64_t cursor;
    if (!parse_cursor(ctx.arg(1), cursor)) {
        ctx.error("ERR invalid cursor");
        return;
    }
    int64_t count = 10;
    std::string_view pattern;
    std::string_view type;
    bool has_pattern = false;
    bool has_type = false;
    for (size_t i = 2; i < ctx.argc(); i += 2) {
        bool has_value = i + 1 < ctx.argc();
        std::string_view opt = ctx.arg(i);
        if (equals_nocase(opt, "count") && has_value) {
            if (!arg_int64(ctx, ctx.arg(i + 1), count)) return;
            if (count < 1) {
                ctx.error_raw(errors::kSyntax);
                return;
            }
        } else if (equals_nocase(opt, "match") && has_value) {
            pattern = ctx.arg(i + 1);
            has_pattern = !(pattern.size() == 1 && pattern[0] == '*');
        } else if (equals_nocase(opt, "type") && has_value) {
            type = ctx.arg(i + 1);
            has_type = true;
        } else {
            ctx.error_raw(errors::kSyntax);
            return;
        }
    }
    std::vector<std::string_view> found;
    Dict& dict = ctx.db.dict();
    int64_t budget = count * 10;
    do {
        cursor = dict.scan(cursor, [&](Entry* e) { found.push_back(e->key()); });
    } while (cursor != 0 && budget-- > 0 && static_cast<int64_t>(found.size()) < count);
    // Filter after collecting: the keys stay valid because nothing is
    // deleted until the reply is written.
    std::vector<std::string_view> keep;
    keep.reserve(found.size());
    for (std::string_view k : found) {
        Entry* e = dict.find(k);
        if (e == nullptr || !is_live(e, ctx.now_ms)) continue;
        if (has_pattern && !glob_match(pattern, k)) continue;
        if (has_type && !equals_nocase(type, type_name(e->type))) continue;
        keep.push_back(k);
    }
    ctx.reply.array(2);
    ctx.reply.bulk(std::to_string(cursor));
    ctx.reply.array(static_cast<int64_t>(keep.size()));
    for (std::string_view k : keep) ctx.reply.bulk(k);
}

void randomkey_command(CommandContext& ctx) {
    Entry* e = ctx.db.random_entry(ctx.now_ms, key_rng);
    if (e == nullptr) ctx.reply.null_bulk();
    else ctx.reply.bulk(e->key());
}

void rename_generic(CommandContext& ctx, bool nx) {
    std::string_view from = ctx.arg(1);
    std::string_view to = ctx.arg(2);
    Entry* e = lookup_write(ctx, from);
    if (e == nullptr) {
        ctx.error_raw(errors::kNoSuchKey);
        return;
    }
    if (from == to) {
        ctx.reply.raw(nx ? ":0\r\n" : "+OK\r\n");
        return;
    }
    if (lookup_write(ctx, to) != nullptr && nx) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    bool was_list_or_zset = e->type == ValueType::kList || e->type == ValueType::kZSet;
    ctx.db.rename(e, to);
    ctx.touched(from);
    ctx.touched(to);
    ctx.notify(notify::kGeneric, "rename_from", from);
    ctx.notify(notify::kGeneric, "rename_to", to);
    if (was_list_or_zset) ctx.server.blocking().signal_key(ctx.db, to);
    ctx.reply.raw(nx ? ":1\r\n" : "+OK\r\n");
}
void rename_command(CommandContext& ctx) { rename_generic(ctx, false); }
void renamenx_command(CommandContext& ctx) { rename_generic(ctx, true); }

// Parses a database index argument, as an int (MOVE) or a long (COPY) the
// way Redis reads it, then checks the range; replies and returns -1 on
// failure.
int parse_db_index(CommandContext& ctx, std::string_view arg, bool as_int) {
    int64_t id;
    if (!arg_int64(ctx, arg, id)) return -1;
    if (as_int && (id < INT_MIN || id > INT_MAX)) {
        ctx.error_raw(errors::kIntRange);
        return -1;
    }
    if (id < 0 || id >= Databases::kCount) {
        ctx.error_raw(errors::kDbIndex);
        return -1;
    }
    return static_cast<int>(id);
}

void copy_command(CommandContext& ctx) {
    bool replace = false;
    int dst_index = ctx.conn.db_index();
    for (size_t j = 3; j < ctx.argc(); ++j) {
        if (equals_nocase(ctx.arg(j), "replace")) {
            replace = true;
        } else if (equals_nocase(ctx.arg(j), "db") && j + 1 < ctx.argc()) {
            dst_index = parse_db_index(ctx, ctx.arg(j + 1), false);
            if (dst_index < 0) return;
            ++j;
        } else {
            ctx.error_raw(errors::kSyntax);
            return;
        }
    }
    std::string_view from = ctx.arg(1);
    std::string_view to = ctx.arg(2);
    if (dst_index == ctx.conn.db_index() && from == to) {
        ctx.error_raw(kSameObject);
        return;
    }
    Entry* src = lookup_read(ctx, from);
    if (src == nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    Database& dst = ctx.conn.databases().at(dst_index);
    if (dst.lookup(to, ctx.now_ms) != nullptr && !replace) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    bool blocking_type = src->type == ValueType::kList || src->type == ValueType::kZSet;
    dst.add_copy(src, to);
    CommandContext dst_ctx = context_in(ctx, dst);
    dst_ctx.touched(to);
    dst_ctx.notify(notify::kGeneric, "copy_to", to);
    if (blocking_type) ctx.server.blocking().signal_key(dst, to);
    ctx.reply.raw(":1\r\n");
}

void move_command(CommandContext& ctx) {
    int dst_index = parse_db_index(ctx, ctx.arg(2), true);
    if (dst_index < 0) return;
    if (dst_index == ctx.conn.db_index()) {
        ctx.error_raw(kSameObject);
        return;
    }
    Entry* e = lookup_write(ctx, ctx.arg(1));
    if (e == nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    Database& dst = ctx.conn.databases().at(dst_index);
    if (dst.lookup(ctx.arg(1), ctx.now_ms) != nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    bool blocking_type = e->type == ValueType::kList || e->type == ValueType::kZSet;
    std::string_view key = ctx.arg(1);
    ctx.db.move_to(e, dst);
    CommandContext dst_ctx = context_in(ctx, dst);
    ctx.touched(key);
    dst_ctx.touched(key);
    ctx.notify(notify::kGeneric, "move_from", key);
    dst_ctx.notify(notify::kGeneric, "move_to", key);
    if (blocking_type) ctx.server.blocking().signal_key(dst, ctx.arg(1));
    ctx.reply.raw(":1\r\n");
}

void swapdb_command(CommandContext& ctx) {
    auto index = [&](std::string_view arg, std::string_view which) -> int {
        auto v = parse_int64(arg);
        if (!v || *v < INT_MIN || *v > INT_MAX) {
            ctx.error(std::string("ERR invalid ") + std::string(which) + " DB index");
            return -1;
        }
        if (*v < 0 || *v >= Databases::kCount) {
            ctx.error_raw(errors::kDbIndex);
            return -1;
        }
        return static_cast<int>(*v);
    };
    int a = index(ctx.arg(1), "first");
    if (a < 0) return;
    int b = index(ctx.arg(2), "second");
    if (b < 0) return;
    Databases& dbs = ctx.conn.databases();
    if (a != b) {
        // No keyspace event, but watchers of a key that exists on either
        // side see their transaction fail (Redis's touchAllWatchedKeysInDb).
        ctx.server.watched_keys().touch_existing(dbs.at(a), &dbs.at(b));
        ctx.server.watched_keys().touch_existing(dbs.at(b), &dbs.at(a));
        dbs.swap(a, b);
        ctx.server.blocking().signal_all(dbs.at(a));
        ctx.server.blocking().signal_all(dbs.at(b));
    }
    ctx.server.add_dirty(1);
    ctx.reply.ok();
}

void touch_command(CommandContext& ctx) {
    int64_t n = 0;
    for (size_t i = 1; i < ctx.argc(); ++i)
        if (lookup_read(ctx, ctx.arg(i))) ++n;
    ctx.reply.integer(n);
}

std::string_view string_encoding(const Entry* e) {
    std::string_view v = e->str();
    if (v.size() <= 20 && parse_int64(v)) return "int";
    return v.size() <= 44 ? "embstr" : "raw";
}

Entry* object_target(CommandContext& ctx) {
    Entry* e = ctx.db.lookup(ctx.arg(2), ctx.now_ms);
    if (e == nullptr) ctx.reply.null_bulk();
    return e;
}

void object_encoding_command(CommandContext& ctx) {
    Entry* e = object_target(ctx);
    if (e == nullptr) return;
    ctx.reply.bulk(e->type == ValueType::kString ? string_encoding(e)
                                                 : object_encoding(e->type, e->object()));
}

void object_refcount_command(CommandContext& ctx) {
    if (object_target(ctx)) ctx.reply.raw(":1\r\n");
}

// Seconds since the key's last access, from its access stamp (eviction.h):
// accesses count while an LRU or LFU maxmemory-policy is set, otherwise the
// time since the key was created. OBJECT itself is not an access.
void object_idletime_command(CommandContext& ctx) {
    Entry* e = object_target(ctx);
    if (e == nullptr) return;
    if (policy_is_lfu(ctx.server.config().maxmemory_policy)) {
        ctx.error(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
            "switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    ctx.reply.integer(static_cast<int64_t>(lru::idle_ms(e->stamp(), lru::g_clock) / 1000));
}

// The key's LFU counter, decayed for the time since its last access.
void object_freq_command(CommandContext& ctx) {
    Entry* e = object_target(ctx);
    if (e == nullptr) return;
    const Config& cfg = ctx.server.config();
    if (!policy_is_lfu(cfg.maxmemory_policy)) {
        ctx.error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
            "that when switching between policies at runtime LRU and LFU data will take some time to "
            "adjust.");
        return;
    }
    ctx.reply.integer(lru::lfu_decayed(e->stamp(), lru::g_clock, cfg.lfu_decay_time));
}

void object_help_command(CommandContext& ctx) {
    static constexpr std::string_view kLines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    ctx.reply.array(std::size(kLines));
    for (auto l : kLines) ctx.reply.simple(l);
}

constexpr uint32_t kObjFlags = kCmdReadOnly;
const Command kObjectSubcommands[] = {
    {"object|encoding", 3, kObjFlags, object_encoding_command, 2, 2, 1, "@keyspace @read @slow"},
    {"object|refcount", 3, kObjFlags, object_refcount_command, 2, 2, 1, "@keyspace @read @slow"},
    {"object|idletime", 3, kObjFlags, object_idletime_command, 2, 2, 1, "@keyspace @read @slow"},
    {"object|freq", 3, kObjFlags, object_freq_command, 2, 2, 1, "@keyspace @read @slow"},
    {"object|help", 2, kCmdLoading | kCmdStale, object_help_command, 0, 0, 0, "@keyspace @slow"},
};


constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;

const Command kKeyspaceCommands[] = {
    {"keys", 2, kR, keys_command, 0, 0, 0, "@keyspace @read @slow @dangerous"},
    {"scan", -2, kR, scan_command, 0, 0, 0, "@keyspace @read @slow"},
    {"randomkey", 1, kR, randomkey_command, 0, 0, 0, "@keyspace @read @slow"},
    {"rename", 3, kW, rename_command, 1, 2, 1, "@keyspace @write @slow"},
    {"renamenx", 3, kW | kCmdFast, renamenx_command, 1, 2, 1, "@keyspace @write @fast"},
    {"copy", -3, kW | kCmdDenyOom, copy_command, 1, 2, 1, "@keyspace @write @slow"},
    {"move", 3, kW | kCmdFast, move_command, 1, 1, 1, "@keyspace @write @fast"},
    {"swapdb", 3, kW | kCmdFast, swapdb_command, 0, 0, 0, "@keyspace @write @fast @dangerous"},
    {"touch", -2, kR | kCmdFast, touch_command, 1, -1, 1, "@keyspace @read @fast"},
    {"object", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kObjectSubcommands,
     std::size(kObjectSubcommands)},
};

}  // namespace

std::span<const Command> keyspace_commands() { return kKeyspaceCommands; }

}  // namespace server
