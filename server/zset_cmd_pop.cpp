// ZPOPMIN, ZPOPMAX, ZMPOP and their blocking forms BZPOPMIN, BZPOPMAX,
// BZMPOP. A blocking pop that finds every key empty parks the connection
// (see Blocking) and replies nothing; a write to one of its keys runs the
// same command again, which then serves or waits again.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <span>

#include "server/command_util.h"
#include "server/keyspace_events.h"
#include "server/zset_commands.h"

namespace server {

namespace {

// The shape of a pop's reply, after Redis's genericZpopCommand.
struct PopSpec {
    bool max = false;
    int64_t count = -1;     // -1: no COUNT given (one member)
    bool emit_key = false;  // BZPOP*, ZMPOP: the key comes first
    bool nested = false;    // [[m, s], ...] rather than [m, s, m, s...]
};

enum class PopOutcome : uint8_t { kServed, kNothing, kError };

void pop_and_reply(CommandContext& ctx, std::string_view key, ZSet* z, const PopSpec& spec) {
    const size_t want = spec.count < 0 ? 1 : static_cast<size_t>(spec.count);
    const size_t size = z->size();
    const size_t n = std::min(want, size);
    const auto n64 = static_cast<int64_t>(n);
    if (spec.emit_key) {
        ctx.reply.array(spec.nested ? 2 : 2 * n64 + 1);
        ctx.reply.bulk(key);
        if (spec.nested) ctx.reply.array(n64);
    } else {
        ctx.reply.array(spec.nested ? n64 : 2 * n64);
    }
    ZCursor c = z->at_rank(spec.max ? size - 1 : 0);
    for (size_t i = 0; i < n; ++i, c.step(spec.max)) {
        if (spec.nested) ctx.reply.array(2);
        ctx.reply.bulk(c.member());
        reply_score(ctx, c.score());
    }
    if (spec.max) z->remove_ranks(size - n, size - 1);
    else z->remove_ranks(0, n - 1);
    // The same events whether the pop is served at once or, for a blocked
    // command, on its re-run; ZMPOP and BZMPOP name them after their side.
    ctx.notify(notify::kZset, spec.max ? "zpopmax" : "zpopmin", key);
    if (n == size) {
        drop_if_empty(ctx, key, z);
        ctx.notify(notify::kGeneric, "del", key);
    }
    ctx.touched(key);
}

// Pops from the first key that exists. Redis stops at that key even when
// it holds another type (WRONGTYPE), except on a blocked command's re-run,
// where a key of the wrong type is only "not ready", as Redis's wake-up
// serves zsets only.
PopOutcome pop_first(CommandContext& ctx, std::span<const std::string_view> keys, const PopSpec& spec,
                     bool rerun) {
    for (std::string_view key : keys) {
        Entry* e = lookup_write(ctx, key);
        if (e == nullptr) continue;
        if (e->type != ValueType::kZSet) {
            if (rerun) continue;
            ctx.error_raw(errors::kWrongType);
            return PopOutcome::kError;
        }
        pop_and_reply(ctx, key, static_cast<ZSet*>(e->object()), spec);
        return PopOutcome::kServed;
    }
    return PopOutcome::kNothing;
}

// Redis's getRangeLongFromObjectOrReply: one message for "not an integer"
// and "out of range".
bool arg_in_range(CommandContext& ctx, std::string_view s, int64_t min, int64_t& out, std::string_view error) {
    auto v = parse_int64(s);
    if (!v || *v < min) {
        ctx.error(error);
        return false;
    }
    out = *v;
    return true;
}

void zpop_generic(CommandContext& ctx, bool max) {
    if (ctx.argc() > 3) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    PopSpec spec;
    spec.max = max;
    if (ctx.argc() == 3 && !arg_in_range(ctx, ctx.arg(2), 0, spec.count, "ERR value is out of range, must be positive"))
        return;
    // RESP3 nests the pairs only when COUNT was given.
    spec.nested = ctx.reply.proto() >= 3 && spec.count != -1;
    bool ok;
    ZSet* z = write_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (z == nullptr || spec.count == 0) {
        ctx.reply.array(0);
        return;
    }
    pop_and_reply(ctx, ctx.arg(1), z, spec);
}

// Redis 7.0's timeout in seconds: a long double made milliseconds and
// rounded up; 0 waits forever. A value too big for an int64 converts to
// INT64_MIN on x86, so Redis calls 1e20 (or inf) "negative"; so do we.
// The deadline is absolute; one past the clock's range waits forever.
bool parse_timeout(CommandContext& ctx, std::string_view arg, int64_t& deadline_ms) {
    auto seconds = parse_long_double(arg);
    if (!seconds) {
        ctx.error("ERR timeout is not a float or out of range");
        return false;
    }
    const long double ms = std::ceil(*seconds * 1000.0L);
    const bool fits = ms >= -9223372036854775808.0L && ms < 9223372036854775808.0L;
    const int64_t tval = fits ? static_cast<int64_t>(ms) : INT64_MIN;
    if (tval < 0) {
        ctx.error("ERR timeout is negative");
        return false;
    }
    if (tval == 0 || tval > INT64_MAX - ctx.now_ms) deadline_ms = 0;
    else deadline_ms = ctx.now_ms + tval;
    return true;
}

void serve_or_block(CommandContext& ctx, std::span<const std::string_view> keys, const PopSpec& spec,
                    int64_t deadline_ms) {
    const bool rerun = ctx.conn.rerun_deadline() >= 0;
    if (pop_first(ctx, keys, spec, rerun) != PopOutcome::kNothing) return;
    ctx.server.blocking().block(ctx.conn, ctx.db, keys, deadline_ms, ctx.argv, TimeoutReply::kNullArray);
}

void bzpop_generic(CommandContext& ctx, bool max) {
    int64_t deadline;
    if (!parse_timeout(ctx, ctx.arg(ctx.argc() - 1), deadline)) return;
    PopSpec spec;
    spec.max = max;
    spec.emit_key = true;
    serve_or_block(ctx, ctx.argv.subspan(1, ctx.argc() - 2), spec, deadline);
}

// ZMPOP's and BZMPOP's arguments from numkeys on: the keys, MIN|MAX and an
// optional COUNT.
bool parse_mpop(CommandContext& ctx, size_t numkeys_index, std::span<const std::string_view>& keys,
                PopSpec& spec) {
    int64_t numkeys;
    if (!arg_in_range(ctx, ctx.arg(numkeys_index), 1, numkeys, "ERR numkeys should be greater than 0"))
        return false;
    const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
    if (static_cast<uint64_t>(numkeys) >= ctx.argc() || where >= ctx.argc()) {
        ctx.error_raw(errors::kSyntax);
        return false;
    }
    if (equals_nocase(ctx.arg(where), "min")) spec.max = false;
    else if (equals_nocase(ctx.arg(where), "max")) spec.max = true;
    else {
        ctx.error_raw(errors::kSyntax);
        return false;
    }
    for (size_t j = where + 1; j < ctx.argc(); ++j) {
        const bool more = j + 1 < ctx.argc();
        if (spec.count == -1 && equals_nocase(ctx.arg(j), "count") && more) {
            if (!arg_in_range(ctx, ctx.arg(++j), 1, spec.count, "ERR count should be greater than 0"))
                return false;
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    spec.emit_key = true;
    spec.nested = true;
    keys = ctx.argv.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
    return true;
}

}  // namespace

void zpopmin_command(CommandContext& ctx) { zpop_generic(ctx, false); }
void zpopmax_command(CommandContext& ctx) { zpop_generic(ctx, true); }
void bzpopmin_command(CommandContext& ctx) { bzpop_generic(ctx, false); }
void bzpopmax_command(CommandContext& ctx) { bzpop_generic(ctx, true); }

void zmpop_command(CommandContext& ctx) {
    std::span<const std::string_view> keys;
    PopSpec spec;
    if (!parse_mpop(ctx, 1, keys, spec)) return;
    if (pop_first(ctx, keys, spec, false) == PopOutcome::kNothing) ctx.reply.null_array();
}

void bzmpop_command(CommandContext& ctx) {
    std::span<const std::string_view> keys;
    PopSpec spec;
    if (!parse_mpop(ctx, 2, keys, spec)) return;
    int64_t deadline;
    if (!parse_timeout(ctx, ctx.arg(1), deadline)) return;
    serve_or_block(ctx, keys, spec, deadline);
}

}  // namespace server
