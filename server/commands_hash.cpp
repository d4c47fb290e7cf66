// Hash commands: HSET and friends, counters and whole-hash reads, with
// Redis 7.0's replies and errors; the table of every hash command.
#include <climits>
#include <cmath>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/hash_commands.h"
#include "server/keyspace_events.h"

namespace server {

namespace {

constexpr std::string_view kHashNotInteger = "-ERR hash value is not an integer\r\n";
constexpr std::string_view kHashNotFloat = "-ERR hash value is not a float\r\n";

// The hash under key for reading: nullptr when missing or (after replying
// WRONGTYPE, with `ok` false) of another type.
HashObject* read_hash(CommandContext& ctx, bool& ok) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    ok = check_type(ctx, e, ValueType::kHash);
    return ok ? as_hash(e) : nullptr;
}

// The hash under key for writing, created empty when missing; nullptr after
// replying WRONGTYPE.
HashObject* write_hash(CommandContext& ctx) {
    Entry* e = lookup_write(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kHash)) return nullptr;
    if (e) return as_hash(e);
    auto* hash = new HashObject();
    ctx.db.add_object(ctx.arg(1), ValueType::kHash, hash);
    return hash;
}

// A hash changed: WATCHers of its key are doomed and `event` is published
// (Redis's signalModifiedKey + notifyKeyspaceEvent(NOTIFY_HASH, ...)).
void hash_changed(CommandContext& ctx, std::string_view event) {
    ctx.touched(ctx.arg(1));
    ctx.notify(notify::kHash, event, ctx.arg(1));
}

void reply_optional(CommandContext& ctx, std::optional<std::string_view> v) {
    if (v) ctx.reply.bulk(*v);
    else ctx.reply.null_bulk();
}

// HSET and HMSET: true after setting every pair, with the number added.
bool set_pairs(CommandContext& ctx, int64_t& added) {
    if (ctx.argc() % 2 != 0) {
        reply_arity_error(ctx);
        return false;
    }
    HashObject* hash = write_hash(ctx);
    if (hash == nullptr) return false;
    added = 0;
    for (size_t i = 2; i < ctx.argc(); i += 2) added += hash->set(ctx.arg(i), ctx.arg(i + 1));
    return true;
}

// Both report "hset", even when no value changed.
void hset_command(CommandContext& ctx) {
    int64_t added;
    if (!set_pairs(ctx, added)) return;
    ctx.reply.integer(added);
    hash_changed(ctx, "hset");
}

void hmset_command(CommandContext& ctx) {
    int64_t added;
    if (!set_pairs(ctx, added)) return;
    ctx.reply.ok();
    hash_changed(ctx, "hset");
}

void hsetnx_command(CommandContext& ctx) {
    HashObject* hash = write_hash(ctx);
    if (hash == nullptr) return;
    if (hash->contains(ctx.arg(2))) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    hash->set(ctx.arg(2), ctx.arg(3));
    ctx.reply.raw(":1\r\n");
    hash_changed(ctx, "hset");  // Redis names it "hset", not "hsetnx"
}

void hget_command(CommandContext& ctx) {
    bool ok;
    HashObject* hash = read_hash(ctx, ok);
    if (!ok) return;
    if (hash == nullptr) ctx.reply.null_bulk();
    else reply_optional(ctx, hash->get(ctx.arg(2)));
}

void hmget_command(CommandContext& ctx) {
    bool ok;
    HashObject* hash = read_hash(ctx, ok);
    if (!ok) return;
    ctx.reply.array(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) {
        if (hash == nullptr) ctx.reply.null_bulk();
        else reply_optional(ctx, hash->get(ctx.arg(i)));
    }
}

void hdel_command(CommandContext& ctx) {
    Entry* e = lookup_write(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kHash)) return;
    if (e == nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    HashObject* hash = as_hash(e);
    int64_t deleted = 0;
    for (size_t i = 2; i < ctx.argc() && hash->size() > 0; ++i) deleted += hash->remove(ctx.arg(i));
    if (deleted > 0) {
        hash_changed(ctx, "hdel");
        // The last field gone, the key goes too, with a "del" after "hdel".
        if (hash->size() == 0) {
            ctx.db.remove(ctx.arg(1));
            ctx.notify(notify::kGeneric, "del", ctx.arg(1));
        }
    }
    ctx.reply.integer(deleted);
}

void hlen_command(CommandContext& ctx) {
    bool ok;
    HashObject* hash = read_hash(ctx, ok);
    if (ok) ctx.reply.integer(hash ? static_cast<int64_t>(hash->size()) : 0);
}

void hstrlen_command(CommandContext& ctx) {
    bool ok;
    HashObject* hash = read_hash(ctx, ok);
    if (!ok) return;
    auto v = hash ? hash->get(ctx.arg(2)) : std::nullopt;
    ctx.reply.integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void hexists_command(CommandContext& ctx) {
    bool ok;
    HashObject* hash = read_hash(ctx, ok);
    if (!ok) return;
    ctx.reply.raw(hash && hash->contains(ctx.arg(2)) ? ":1\r\n" : ":0\r\n");
}

enum class Part { kFields, kValues, kBoth };

void reply_whole(CommandContext& ctx, Part part) {
    bool ok;
    HashObject* hash = read_hash(ctx, ok);
    if (!ok) return;
    int64_t n = hash ? static_cast<int64_t>(hash->size()) : 0;
    if (part == Part::kBoth) ctx.reply.map(n);
    else ctx.reply.array(n);
    if (hash == nullptr) return;
    hash->for_each([&](std::string_view f, std::string_view v) {
        if (part != Part::kValues) ctx.reply.bulk(f);
        if (part != Part::kFields) ctx.reply.bulk(v);
    });
}

void hkeys_command(CommandContext& ctx) { reply_whole(ctx, Part::kFields); }
void hvals_command(CommandContext& ctx) { reply_whole(ctx, Part::kValues); }
void hgetall_command(CommandContext& ctx) { reply_whole(ctx, Part::kBoth); }

void hincrby_command(CommandContext& ctx) {
    int64_t incr;
    if (!arg_int64(ctx, ctx.arg(3), incr)) return;
    HashObject* hash = write_hash(ctx);
    if (hash == nullptr) return;
    int64_t value = 0;
    if (auto old = hash->get(ctx.arg(2))) {
        auto parsed = parse_int64(*old);
        if (!parsed) {
            ctx.error_raw(kHashNotInteger);
            return;
        }
        value = *parsed;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        ctx.error_raw(errors::kOverflow);
        return;
    }
    value += incr;
    char buf[24];
    size_t len = format_int64(value, buf);
    hash->set(ctx.arg(2), {buf, len});
    ctx.reply.integer(value);
    hash_changed(ctx, "hincrby");
}

void hincrbyfloat_command(CommandContext& ctx) {
    auto incr = parse_long_double(ctx.arg(3));
    if (!incr) {
        ctx.error_raw(errors::kNotFloat);
        return;
    }
    if (std::isnan(*incr) || std::isinf(*incr)) {
        ctx.error("ERR value is NaN or Infinity");
        return;
    }
    HashObject* hash = write_hash(ctx);
    if (hash == nullptr) return;
    long double value = 0;
    if (auto old = hash->get(ctx.arg(2))) {
        auto parsed = parse_long_double(*old);
        if (!parsed) {
            ctx.error_raw(kHashNotFloat);
            return;
        }
        value = *parsed;
    }
    value += *incr;
    if (std::isnan(value) || std::isinf(value)) {
        ctx.error("ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[kLongDoubleBufSize];
    size_t len = format_long_double_human(value, buf, sizeof buf);
    hash->set(ctx.arg(2), {buf, len});
    ctx.reply.bulk({buf, len});
    hash_changed(ctx, "hincrbyfloat");
}

constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
constexpr uint32_t kR = kCmdReadOnly;

const Command kHashCommands[] = {
    {"hset", -4, kW | kCmdFast, hset_command, 1, 1, 1, "@write @hash @fast"},
    {"hsetnx", 4, kW | kCmdFast, hsetnx_command, 1, 1, 1, "@write @hash @fast"},
    {"hmset", -4, kW | kCmdFast, hmset_command, 1, 1, 1, "@write @hash @fast"},
    {"hget", 3, kR | kCmdFast, hget_command, 1, 1, 1, "@read @hash @fast"},
    {"hmget", -3, kR | kCmdFast, hmget_command, 1, 1, 1, "@read @hash @fast"},
    {"hdel", -3, kCmdWrite | kCmdFast, hdel_command, 1, 1, 1, "@write @hash @fast"},
    {"hlen", 2, kR | kCmdFast, hlen_command, 1, 1, 1, "@read @hash @fast"},
    {"hstrlen", 3, kR | kCmdFast, hstrlen_command, 1, 1, 1, "@read @hash @fast"},
    {"hexists", 3, kR | kCmdFast, hexists_command, 1, 1, 1, "@read @hash @fast"},
    {"hkeys", 2, kR, hkeys_command, 1, 1, 1, "@read @hash @slow"},
    {"hvals", 2, kR, hvals_command, 1, 1, 1, "@read @hash @slow"},
    {"hgetall", 2, kR, hgetall_command, 1, 1, 1, "@read @hash @slow"},
    {"hincrby", 4, kW | kCmdFast, hincrby_command, 1, 1, 1, "@write @hash @fast"},
    {"hincrbyfloat", 4, kW | kCmdFast, hincrbyfloat_command, 1, 1, 1, "@write @hash @fast"},
    {"hrandfield", -2, kR, hrandfield_command, 1, 1, 1, "@read @hash @slow"},
    {"hscan", -3, kR, hscan_command, 1, 1, 1, "@read @hash @slow"},
};

}  // namespace

std::span<const Command> hash_commands() { return kHashCommands; }

}  // namespace server
