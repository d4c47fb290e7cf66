// Set commands: the table, and the commands that touch single members.
// Random picks are in set_commands_random.cpp, the set algebra in
// set_commands_algebra.cpp, SSCAN in set_commands_scan.cpp.
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/keyspace_events.h"
#include "server/set_commands.h"

namespace server {

namespace {

thread_local Server* rng_server = nullptr;

uint64_t draw_from_server() { return rng_server->random(); }

void reply_zero_or_one(CommandContext& ctx, bool one) { ctx.reply.raw(one ? ":1\r\n" : ":0\r\n"); }

}  // namespace

uint64_t (*set_rng(CommandContext& ctx))() {
    rng_server = &ctx.server;
    return draw_from_server;
}

void reply_member(CommandContext& ctx, const SetMember& m) {
    char buf[kMemberTextSize];
    ctx.reply.bulk(member_text(m, buf));
}

void reply_all_members(CommandContext& ctx, const SetObject& set) {
    ctx.reply.set(static_cast<int64_t>(set.size()));
    set.for_each([&](const SetMember& m) { reply_member(ctx, m); });
}

void sadd_command(CommandContext& ctx) {
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (!check_type(ctx, e, ValueType::kSet)) return;
    SetObject* set;
    if (e == nullptr) {
        set = new SetObject;
        ctx.db.add_object(key, ValueType::kSet, set);
    } else {
        set = set_of(e);
    }
    int64_t added = 0;
    for (size_t i = 2; i < ctx.argc(); ++i) added += set->add(ctx.arg(i));
    if (added > 0) {
        ctx.touched(key);
        ctx.notify(notify::kSet, "sadd", key);
    }
    ctx.reply.integer(added);
}

void srem_command(CommandContext& ctx) {
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (e == nullptr) return reply_zero_or_one(ctx, false);
    if (!check_type(ctx, e, ValueType::kSet)) return;
    SetObject* set = set_of(e);
    int64_t removed = 0;
    bool emptied = false;
    for (size_t i = 2; i < ctx.argc(); ++i) {
        if (!set->remove(ctx.arg(i))) continue;
        ++removed;
        if (set->size() == 0) {
            ctx.db.remove(key);
            emptied = true;
            break;
        }
    }
    if (removed > 0) {
        ctx.touched(key);
        ctx.notify(notify::kSet, "srem", key);
        if (emptied) ctx.notify(notify::kGeneric, "del", key);
    }
    ctx.reply.integer(removed);
}

void scard_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kSet)) return;
    ctx.reply.integer(e ? static_cast<int64_t>(set_of(e)->size()) : 0);
}

void sismember_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kSet)) return;
    reply_zero_or_one(ctx, e != nullptr && set_of(e)->contains(ctx.arg(2)));
}

void smismember_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kSet)) return;
    SetObject* set = e ? set_of(e) : nullptr;
    ctx.reply.array(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) reply_zero_or_one(ctx, set && set->contains(ctx.arg(i)));
}

void smove_command(CommandContext& ctx) {
    std::string_view src_key = ctx.arg(1);
    std::string_view dst_key = ctx.arg(2);
    std::string_view member = ctx.arg(3);
    Entry* src = lookup_write(ctx, src_key);
    Entry* dst = lookup_write(ctx, dst_key);
    // Redis answers 0 for a missing source before it looks at types.
    if (src == nullptr) return reply_zero_or_one(ctx, false);
    if (!check_type(ctx, src, ValueType::kSet) || !check_type(ctx, dst, ValueType::kSet)) return;
    SetObject* from = set_of(src);
    SetObject* to = dst ? set_of(dst) : nullptr;
    if (from == to) return reply_zero_or_one(ctx, from->contains(member));
    if (!from->remove(member)) return reply_zero_or_one(ctx, false);
    ctx.notify(notify::kSet, "srem", src_key);
    if (from->size() == 0) {
        ctx.db.remove(src_key);
        ctx.notify(notify::kGeneric, "del", src_key);
    }
    if (to == nullptr) {
        to = new SetObject;
        ctx.db.add_object(dst_key, ValueType::kSet, to);
    }
    ctx.touched(src_key);
    // Redis 7.0 counts the destination as changed only when the member was
    // not there already (then it raises no "sadd" either).
    if (to->add(member)) {
        ctx.touched(dst_key);
        ctx.notify(notify::kSet, "sadd", dst_key);
    }
    reply_zero_or_one(ctx, true);
}

namespace {

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kF = kCmdFast;

const Command kSetCommands[] = {
    {"sadd", -3, kW | kCmdDenyOom | kF, sadd_command, 1, 1, 1, "@write @set @fast"},
    {"srem", -3, kW | kF, srem_command, 1, 1, 1, "@write @set @fast"},
    {"scard", 2, kR | kF, scard_command, 1, 1, 1, "@read @set @fast"},
    {"sismember", 3, kR | kF, sismember_command, 1, 1, 1, "@read @set @fast"},
    {"smismember", -3, kR | kF, smismember_command, 1, 1, 1, "@read @set @fast"},
    {"smembers", 2, kR, smembers_command, 1, 1, 1, "@read @set @slow"},
    {"spop", -2, kW | kF, spop_command, 1, 1, 1, "@write @set @fast"},
    {"srandmember", -2, kR, srandmember_command, 1, 1, 1, "@read @set @slow"},
    {"smove", 4, kW | kF, smove_command, 1, 2, 1, "@write @set @fast"},
    {"sinter", -2, kR, sinter_command, 1, -1, 1, "@read @set @slow"},
    // Its keys follow a count (movablekeys in Redis), hence no key range.
    {"sintercard", -3, kR, sintercard_command, 0, 0, 0, "@read @set @slow"},
    {"sinterstore", -3, kW | kCmdDenyOom, sinterstore_command, 1, -1, 1, "@write @set @slow"},
    {"sunion", -2, kR, sunion_command, 1, -1, 1, "@read @set @slow"},
    {"sunionstore", -3, kW | kCmdDenyOom, sunionstore_command, 1, -1, 1, "@write @set @slow"},
    {"sdiff", -2, kR, sdiff_command, 1, -1, 1, "@read @set @slow"},
    {"sdiffstore", -3, kW | kCmdDenyOom, sdiffstore_command, 1, -1, 1, "@write @set @slow"},
    {"sscan", -3, kR, sscan_command, 1, 1, 1, "@read @set @slow"},
};

}  // namespace

std::span<const Command> set_commands() { return kSetCommands; }

}  // namespace server
