// Blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Each
// serves at once when it can; otherwise it parks the connection on its keys
// and replies nothing. A push to one of those keys runs the same command
// again (see Blocking), so every handler here is written to run twice: on
// the second run it serves, or waits again when someone else got there
// first. The timeout reply is Redis 7.0's for every blocked list command:
// a null array. A served command reports what LPOP/RPOP, LMPOP or LMOVE
// would ("lpop", "rpush", "del"...); served later, BLPOP/BRPOP leave the
// source untouched for WATCH and BLMOVE touches only its destination, as
// Redis 7.0 does (the push that woke them touched the source already).
#include <cmath>
#include <cstdint>

#include "server/command_util.h"
#include "server/list_commands.h"

namespace server {

namespace {

// Redis 7.0's getTimeoutFromObjectOrReply in seconds: a long double, turned
// into milliseconds rounded up; 0 waits forever. A value too big for an
// int64 converts to INT64_MIN on x86, which is why Redis calls 1e20
// "negative"; we say the same. The deadline is absolute (0 = none).
bool parse_timeout(CommandContext& ctx, std::string_view arg, int64_t& deadline_ms) {
    auto seconds = parse_long_double(arg);
    if (!seconds) {
        ctx.error("ERR timeout is not a float or out of range");
        return false;
    }
    long double ms = std::ceil(*seconds * 1000.0L);
    int64_t tval = (ms >= -9223372036854775808.0L && ms < 9223372036854775808.0L) ? static_cast<int64_t>(ms)
                                                                                  : INT64_MIN;
    if (tval < 0) {
        ctx.error("ERR timeout is negative");
        return false;
    }
    // Redis adds the clock with a wrapping sum; a huge timeout then waits
    // forever, as a deadline at or below zero does in Blocking.
    deadline_ms = tval == 0 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(tval) + static_cast<uint64_t>(ctx.now_ms));
    return true;
}

// True while this run is a blocked command woken up to try again.
bool rerun(const CommandContext& ctx) { return ctx.conn.rerun_deadline() >= 0; }

void wait_on(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms) {
    ctx.server.blocking().block(ctx.conn, ctx.db, keys, deadline_ms, ctx.argv, TimeoutReply::kNullArray);
}

void bpop_generic(CommandContext& ctx, bool left) {
    int64_t deadline;
    if (!parse_timeout(ctx, ctx.arg(ctx.argc() - 1), deadline)) return;
    auto keys = ctx.argv.subspan(1, ctx.argc() - 2);
    if (pop_first(ctx, keys, left, rerun(ctx)) == Served::kNothing) wait_on(ctx, keys, deadline);
}

// BLMOVE's core: moves at once when the source has elements (LMOVE's reply
// and errors), waits on the source otherwise.
void blmove_generic(CommandContext& ctx, bool from_left, bool to_left, int64_t deadline) {
    std::string_view src = ctx.arg(1);
    Entry* e = lookup_write(ctx, src);
    if (e != nullptr && e->type != ValueType::kList) {
        if (!rerun(ctx)) {
            ctx.error_raw(errors::kWrongType);
            return;
        }
        e = nullptr;  // woken by a key that is not a list: keep waiting
    }
    if (e == nullptr) {
        wait_on(ctx, ctx.argv.subspan(1, 1), deadline);
        return;
    }
    lmove_core(ctx, src, ctx.arg(2), from_left, to_left, !rerun(ctx));
}

}  // namespace

void blpop_command(CommandContext& ctx) { bpop_generic(ctx, true); }
void brpop_command(CommandContext& ctx) { bpop_generic(ctx, false); }

void blmove_command(CommandContext& ctx) {
    bool from_left, to_left;
    if (!parse_list_end(ctx, ctx.arg(3), from_left) || !parse_list_end(ctx, ctx.arg(4), to_left)) return;
    int64_t deadline;
    if (!parse_timeout(ctx, ctx.arg(5), deadline)) return;
    blmove_generic(ctx, from_left, to_left, deadline);
}

void brpoplpush_command(CommandContext& ctx) {
    int64_t deadline;
    if (!parse_timeout(ctx, ctx.arg(3), deadline)) return;
    blmove_generic(ctx, false, true, deadline);
}

void blmpop_command(CommandContext& ctx) {
    MpopArgs a;
    if (!parse_mpop_args(ctx, 2, a)) return;
    int64_t deadline;
    if (!parse_timeout(ctx, ctx.arg(1), deadline)) return;
    if (mpop_first(ctx, a.keys, a.left, a.count, rerun(ctx)) == Served::kNothing) wait_on(ctx, a.keys, deadline);
}

}  // namespace server
