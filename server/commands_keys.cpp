// Generic key commands: existence, deletion, type, expiry, database
// selection and flushing.
#include <climits>
#include <string>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/server.h"
#include "server/connection.h"
#include "server/keyspace_events.h"
#include "server/watched_keys.h"

namespace server {

namespace {

void del_command(CommandContext& ctx) {
    int64_t deleted = 0;
    for (size_t i = 1; i < ctx.argc(); ++i) {
        if (lookup_write(ctx, ctx.arg(i)) && ctx.db.remove(ctx.arg(i))) {
            ctx.touched(ctx.arg(i));
            ctx.notify(notify::kGeneric, "del", ctx.arg(i));
            ++deleted;
        }
    }
    ctx.reply.integer(deleted);
}

void exists_command(CommandContext& ctx) {
    int64_t count = 0;
    for (size_t i = 1; i < ctx.argc(); ++i)
        if (lookup_read(ctx, ctx.arg(i), false)) ++count;
    ctx.reply.integer(count);
}

void type_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1), false);
    ctx.reply.simple(e ? type_name(e->type) : "none");
}

enum ExpireFlag : unsigned { kNX = 1, kXX = 2, kGT = 4, kLT = 8 };

bool parse_expire_flags(CommandContext& ctx, unsigned& flags) {
    for (size_t i = 3; i < ctx.argc(); ++i) {
        std::string_view o = ctx.arg(i);
        if (equals_nocase(o, "nx")) flags |= kNX;
        else if (equals_nocase(o, "xx")) flags |= kXX;
        else if (equals_nocase(o, "gt")) flags |= kGT;
        else if (equals_nocase(o, "lt")) flags |= kLT;
        else {
            std::string msg = "ERR Unsupported option ";
            msg.append(o);
            ctx.error(msg);
            return false;
        }
    }
    if ((flags & kNX) && (flags & (kXX | kGT | kLT))) {
        ctx.error("ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((flags & kGT) && (flags & kLT)) {
        ctx.error("ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

void expire_generic(CommandContext& ctx, int64_t base_ms, bool seconds) {
    unsigned flags = 0;
    if (!parse_expire_flags(ctx, flags)) return;
    int64_t when;
    if (!arg_int64(ctx, ctx.arg(2), when)) return;
    auto invalid = [&] {
        std::string msg = "ERR invalid expire time in '";
        msg.append(ctx.cmd.name);
        msg += "' command";
        ctx.error(msg);
    };
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return invalid();
        when *= 1000;
    }
    if (when > LLONG_MAX - base_ms) return invalid();
    when += base_ms;
    Entry* e = lookup_write(ctx, ctx.arg(1));
    if (e == nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    if (flags) {
        int64_t current = e->expire_ms();
        bool refuse = ((flags & kNX) && current != -1) || ((flags & kXX) && current == -1) ||
                      ((flags & kGT) && (when <= current || current == -1)) ||
                      ((flags & kLT) && current != -1 && when >= current);
        if (refuse) {
            ctx.reply.raw(":0\r\n");
            return;
        }
    }
    // A time already past deletes the key (Redis replicates it as a DEL).
    std::string_view key = ctx.arg(1);
    if (when <= ctx.now_ms) {
        ctx.db.remove(key);
        ctx.touched(key);
        ctx.notify(notify::kGeneric, "del", key);
    } else {
        ctx.db.set_expire(e, when);
        ctx.touched(key);
        ctx.notify(notify::kGeneric, "expire", key);
    }
    ctx.reply.raw(":1\r\n");
}

void expire_command(CommandContext& ctx) { expire_generic(ctx, ctx.now_ms, true); }
void pexpire_command(CommandContext& ctx) { expire_generic(ctx, ctx.now_ms, false); }
void expireat_command(CommandContext& ctx) { expire_generic(ctx, 0, true); }
void pexpireat_command(CommandContext& ctx) { expire_generic(ctx, 0, false); }

void ttl_generic(CommandContext& ctx, bool ms, bool absolute) {
    Entry* e = lookup_read(ctx, ctx.arg(1), false);
    if (e == nullptr) {
        ctx.reply.raw(":-2\r\n");
        return;
    }
    int64_t when = e->expire_ms();
    if (when == -1) {
        ctx.reply.raw(":-1\r\n");
        return;
    }
    int64_t v = absolute ? when : when - ctx.now_ms;
    if (v < 0) v = 0;
    ctx.reply.integer(ms ? v : (v + 500) / 1000);
}
void ttl_command(CommandContext& ctx) { ttl_generic(ctx, false, false); }
void pttl_command(CommandContext& ctx) { ttl_generic(ctx, true, false); }
void expiretime_command(CommandContext& ctx) { ttl_generic(ctx, false, true); }
void pexpiretime_command(CommandContext& ctx) { ttl_generic(ctx, true, true); }

void persist_command(CommandContext& ctx) {
    Entry* e = lookup_write(ctx, ctx.arg(1));
    if (e == nullptr || !e->has_expire) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    ctx.db.persist(e);
    ctx.touched(ctx.arg(1));
    ctx.notify(notify::kGeneric, "persist", ctx.arg(1));
    ctx.reply.raw(":1\r\n");
}

void dbsize_command(CommandContext& ctx) { ctx.reply.integer(static_cast<int64_t>(ctx.db.size())); }

bool parse_flush_mode(CommandContext& ctx) {
    if (ctx.argc() == 1) return true;
    if (ctx.argc() == 2 && (equals_nocase(ctx.arg(1), "sync") || equals_nocase(ctx.arg(1), "async")))
        return true;
    ctx.error_raw(errors::kSyntax);
    return false;
}

// FLUSHDB and FLUSHALL publish no keyspace event, but (as Redis's
// signalFlushedDb) every watched key that still exists is touched before
// the data goes; the removed keys count towards the dirty counter.
void flushdb_command(CommandContext& ctx) {
    if (!parse_flush_mode(ctx)) return;
    ctx.server.watched_keys().touch_existing(ctx.db, nullptr);
    ctx.server.add_dirty(ctx.db.size());
    ctx.db.clear();
    ctx.reply.ok();
}

void flushall_command(CommandContext& ctx) {
    if (!parse_flush_mode(ctx)) return;
    Databases& dbs = ctx.conn.databases();
    uint64_t removed = 0;
    for (int i = 0; i < Databases::kCount; ++i) {
        ctx.server.watched_keys().touch_existing(dbs.at(i), nullptr);
        removed += dbs.at(i).size();
    }
    dbs.clear_all();
    ctx.server.add_dirty(removed);
    // As Redis: a running BGSAVE is dropped and, with a save schedule, the
    // empty dataset is saved at once, so a restart cannot bring keys back.
    if (ctx.server.config().storage == StorageMode::kShared) ctx.server.persistence().after_flushall();
    ctx.server.add_dirty(1);  // Redis counts FLUSHALL itself too
    ctx.reply.ok();
}

void select_command(CommandContext& ctx) {
    int64_t id;
    if (!arg_int64(ctx, ctx.arg(1), id)) return;
    if (id < INT_MIN || id > INT_MAX) {
        ctx.error_raw(errors::kIntRange);
        return;
    }
    if (id < 0 || id >= Databases::kCount) {
        ctx.error_raw(errors::kDbIndex);
        return;
    }
    ctx.conn.select(static_cast<int>(id));
    ctx.reply.ok();
}

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;

const Command kKeyCommands[] = {
    {"del", -2, kW, del_command, 1, -1, 1, "@keyspace @write @slow"},
    {"unlink", -2, kW | kCmdFast, del_command, 1, -1, 1, "@keyspace @write @fast"},
    {"exists", -2, kR | kCmdFast, exists_command, 1, -1, 1, "@keyspace @read @fast"},
    {"type", 2, kR | kCmdFast, type_command, 1, 1, 1, "@keyspace @read @fast"},
    {"expire", -3, kW | kCmdFast, expire_command, 1, 1, 1, "@keyspace @write @fast"},
    {"pexpire", -3, kW | kCmdFast, pexpire_command, 1, 1, 1, "@keyspace @write @fast"},
    {"expireat", -3, kW | kCmdFast, expireat_command, 1, 1, 1, "@keyspace @write @fast"},
    {"pexpireat", -3, kW | kCmdFast, pexpireat_command, 1, 1, 1, "@keyspace @write @fast"},
    {"ttl", 2, kR | kCmdFast, ttl_command, 1, 1, 1, "@keyspace @read @fast"},
    {"pttl", 2, kR | kCmdFast, pttl_command, 1, 1, 1, "@keyspace @read @fast"},
    {"expiretime", 2, kR | kCmdFast, expiretime_command, 1, 1, 1, "@keyspace @read @fast"},
    {"pexpiretime", 2, kR | kCmdFast, pexpiretime_command, 1, 1, 1, "@keyspace @read @fast"},
    {"persist", 2, kW | kCmdFast, persist_command, 1, 1, 1, "@keyspace @write @fast"},
    {"dbsize", 1, kR | kCmdFast, dbsize_command, 0, 0, 0, "@keyspace @read @fast"},
    {"flushdb", -1, kW, flushdb_command, 0, 0, 0, "@keyspace @write @slow @dangerous"},
    {"flushall", -1, kW, flushall_command, 0, 0, 0, "@keyspace @write @slow @dangerous"},
    {"select", 2, kCmdLoading | kCmdStale | kCmdFast, select_command, 0, 0, 0, "@fast @connection"},
};

}  // namespace

std::span<const Command> key_commands() { return kKeyCommands; }

}  // namespace server
