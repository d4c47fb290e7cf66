// Sorted-set commands: the table, the shared helpers, and the single-member
// commands (ZADD, ZINCRBY, ZSCORE, ZRANK, ZREM...). Ranges, pops, set
// algebra, ZSCAN and ZRANDMEMBER live in the zset_cmd_*.cpp files.
#include <algorithm>
#include <optional>
#include <vector>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/keyspace_events.h"
#include "server/zset_commands.h"

namespace server {

// ---------------------------------------------------------------------------
// Shared helpers

namespace {

ZSet* typed_zset(CommandContext& ctx, Entry* e, bool& ok) {
    ok = check_type(ctx, e, ValueType::kZSet);
    return ok && e != nullptr ? static_cast<ZSet*>(e->object()) : nullptr;
}

}  // namespace

ZSet* read_zset(CommandContext& ctx, std::string_view key, bool& ok) {
    return typed_zset(ctx, lookup_read(ctx, key), ok);
}

ZSet* write_zset(CommandContext& ctx, std::string_view key, bool& ok) {
    return typed_zset(ctx, lookup_write(ctx, key), ok);
}

void drop_if_empty(CommandContext& ctx, std::string_view key, const ZSet* z) {
    if (z != nullptr && z->size() == 0) ctx.db.remove(key);
}

// The event of a stored result is named after its command ("zunionstore",
// "zinterstore", "zdiffstore", "zrangestore"), as in Redis. An empty result
// is a change (a "del") only when there was a dst to delete.
void store_result(CommandContext& ctx, std::string_view dst, ZSet* z) {
    const size_t n = z->size();
    if (n == 0) {
        delete z;
        if (ctx.db.remove(dst)) {
            ctx.touched(dst);
            ctx.notify(notify::kGeneric, "del", dst);
        }
    } else {
        ctx.db.remove(dst);
        ctx.db.add_object(dst, ValueType::kZSet, z);
        ctx.server.blocking().signal_key(ctx.db, dst);
        ctx.touched(dst);
        ctx.notify(notify::kZset, ctx.cmd.name, dst);
    }
    ctx.reply.integer(static_cast<int64_t>(n));
}

void reply_score(CommandContext& ctx, double score) {
    char buf[64];
    size_t len = format_double(score, buf, sizeof buf);
    ctx.reply.double_text({buf, len});
}

void reply_members_header(CommandContext& ctx, size_t n, bool withscores) {
    const bool flat = !withscores || ctx.reply.proto() < 3;
    ctx.reply.array(static_cast<int64_t>(flat && withscores ? n * 2 : n));
}

void reply_member(CommandContext& ctx, std::string_view member, double score, bool withscores) {
    if (withscores && ctx.reply.proto() >= 3) ctx.reply.array(2);
    ctx.reply.bulk(member);
    if (withscores) reply_score(ctx, score);
}

// ---------------------------------------------------------------------------
// ZADD and ZINCRBY

namespace {

// ZADD's option words, which come before the first score.
size_t parse_zadd_options(CommandContext& ctx, unsigned& flags, bool& ch) {
    struct Opt {
        std::string_view name;
        unsigned flag;
    };
    static constexpr Opt kOpts[] = {{"nx", kZAddNX}, {"xx", kZAddXX},     {"gt", kZAddGT},
                                    {"lt", kZAddLT}, {"incr", kZAddIncr}, {"ch", 0}};
    size_t i = 2;
    for (; i < ctx.argc(); ++i) {
        const Opt* match = nullptr;
        for (const Opt& o : kOpts)
            if (equals_nocase(ctx.arg(i), o.name)) match = &o;
        if (match == nullptr) break;
        flags |= match->flag;
        if (match->flag == 0) ch = true;
    }
    return i;
}

bool check_zadd_flags(CommandContext& ctx, unsigned flags, size_t pairs) {
    if ((flags & kZAddNX) && (flags & kZAddXX)) {
        ctx.error("ERR XX and NX options at the same time are not compatible");
        return false;
    }
    const bool gt = flags & kZAddGT, lt = flags & kZAddLT, nx = flags & kZAddNX;
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        ctx.error("ERR GT, LT, and/or NX options at the same time are not compatible");
        return false;
    }
    if ((flags & kZAddIncr) && pairs > 1) {
        ctx.error("ERR INCR option supports a single increment-element pair");
        return false;
    }
    return true;
}

// Scores of a ZADD, parsed before anything changes so that a bad one
// leaves the set untouched; small counts stay on the stack.
class ScoreList {
public:
    bool parse(CommandContext& ctx, size_t first, size_t pairs) {
        if (pairs > kInline) big_.resize(pairs);
        double* out = pairs > kInline ? big_.data() : inline_;
        for (size_t j = 0; j < pairs; ++j) {
            auto v = parse_double(ctx.arg(first + 2 * j));
            if (!v) {
                ctx.error_raw(errors::kNotFloat);
                return false;
            }
            out[j] = *v;
        }
        data_ = out;
        return true;
    }
    double operator[](size_t j) const { return data_[j]; }

private:
    static constexpr size_t kInline = 16;
    double inline_[kInline];
    std::vector<double> big_;
    const double* data_ = nullptr;
};

struct ZAddTally {
    size_t added = 0;
    size_t updated = 0;
    size_t processed = 0;
    double score = 0;
};

// Applies the pairs; false after replying the NaN error.
bool apply_pairs(CommandContext& ctx, ZSet* z, size_t first, const ScoreList& scores, size_t pairs,
                 unsigned flags, ZAddTally& t) {
    for (size_t j = 0; j < pairs; ++j) {
        double newscore = 0;
        switch (z->add(ctx.arg(first + 2 * j + 1), scores[j], flags, newscore)) {
        case ZAddResult::kAdded: ++t.added; break;
        case ZAddResult::kUpdated: ++t.updated; break;
        case ZAddResult::kUnchanged: break;
        case ZAddResult::kNop: continue;
        case ZAddResult::kNaN: ctx.error("ERR resulting score is not a number (NaN)"); return false;
        }
        ++t.processed;
        t.score = newscore;
    }
    return true;
}

void zadd_generic(CommandContext& ctx, unsigned flags) {
    bool ch = false;
    const size_t first = parse_zadd_options(ctx, flags, ch);
    const size_t rest = ctx.argc() - first;
    if (rest == 0 || rest % 2 != 0) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    const size_t pairs = rest / 2;
    ScoreList scores;
    if (!check_zadd_flags(ctx, flags, pairs) || !scores.parse(ctx, first, pairs)) return;
    std::string_view key = ctx.arg(1);
    bool ok;
    ZSet* z = write_zset(ctx, key, ok);
    if (!ok) return;
    ZAddTally t;
    if (z == nullptr && !(flags & kZAddXX)) {
        // Redis 7.0 picks the new set's encoding by its first member alone
        // and converts as the pairs go in, which decides where a -0 score
        // survives (a listpack stores it as 0).
        z = new ZSet(1, ctx.arg(first + 1).size());
        ctx.db.add_object(key, ValueType::kZSet, z);
    }
    bool applied = z == nullptr || apply_pairs(ctx, z, first, scores, pairs, flags, t);
    // Only an added member or a changed score is a change: ZINCRBY by 0, or
    // a ZADD that GT/LT/NX/XX or an equal score turned into a no-op, raises
    // nothing.
    if (t.added + t.updated > 0) {
        ctx.server.blocking().signal_key(ctx.db, key);
        ctx.touched(key);
        ctx.notify(notify::kZset, (flags & kZAddIncr) ? "zincr" : "zadd", key);
    }
    if (!applied) return;
    if (!(flags & kZAddIncr)) ctx.reply.integer(static_cast<int64_t>(ch ? t.added + t.updated : t.added));
    else if (t.processed > 0) reply_score(ctx, t.score);
    else ctx.reply.null_bulk();
}

}  // namespace

void zadd_command(CommandContext& ctx) { zadd_generic(ctx, 0); }
void zincrby_command(CommandContext& ctx) { zadd_generic(ctx, kZAddIncr); }

// ---------------------------------------------------------------------------
// Reading single members

void zscore_command(CommandContext& ctx) {
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    auto s = z ? z->score(ctx.arg(2)) : std::nullopt;
    if (s) reply_score(ctx, *s);
    else ctx.reply.null_bulk();
}

void zmscore_command(CommandContext& ctx) {
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    ctx.reply.array(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) {
        auto s = z ? z->score(ctx.arg(i)) : std::nullopt;
        if (s) reply_score(ctx, *s);
        else ctx.reply.null_bulk();
    }
}

void zcard_command(CommandContext& ctx) {
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (ok) ctx.reply.integer(z ? static_cast<int64_t>(z->size()) : 0);
}

namespace {

void zrank_generic(CommandContext& ctx, bool reverse) {
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    auto r = z ? z->rank(ctx.arg(2)) : std::nullopt;
    if (!r) {
        ctx.reply.null_bulk();
        return;
    }
    ctx.reply.integer(static_cast<int64_t>(reverse ? z->size() - 1 - *r : *r));
}

}  // namespace

void zrank_command(CommandContext& ctx) { zrank_generic(ctx, false); }
void zrevrank_command(CommandContext& ctx) { zrank_generic(ctx, true); }

void zrem_command(CommandContext& ctx) {
    bool ok;
    ZSet* z = write_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    std::string_view key = ctx.arg(1);
    int64_t removed = 0;
    for (size_t i = 2; z != nullptr && i < ctx.argc(); ++i) {
        if (z->remove(ctx.arg(i))) ++removed;
    }
    if (removed > 0) {
        const bool emptied = z->size() == 0;
        drop_if_empty(ctx, key, z);
        ctx.touched(key);
        ctx.notify(notify::kZset, "zrem", key);
        if (emptied) ctx.notify(notify::kGeneric, "del", key);
    }
    ctx.reply.integer(removed);
}

void zcount_command(CommandContext& ctx) {
    auto range = parse_score_range(ctx.arg(2), ctx.arg(3));
    if (!range) {
        ctx.error("ERR min or max is not a float");
        return;
    }
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (ok) ctx.reply.integer(z ? static_cast<int64_t>(z->span_of(*range).count) : 0);
}

void zlexcount_command(CommandContext& ctx) {
    auto range = parse_lex_range(ctx.arg(2), ctx.arg(3));
    if (!range) {
        ctx.error("ERR min or max not valid string range item");
        return;
    }
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (ok) ctx.reply.integer(z ? static_cast<int64_t>(z->span_of(*range).count) : 0);
}

// ---------------------------------------------------------------------------
// The table

namespace {

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kF = kCmdFast;
constexpr uint32_t kOom = kCmdDenyOom;

const Command kZSetCommands[] = {
    {"zadd", -4, kW | kOom | kF, zadd_command, 1, 1, 1, "@write @sortedset @fast"},
    {"zincrby", 4, kW | kOom | kF, zincrby_command, 1, 1, 1, "@write @sortedset @fast"},
    {"zscore", 3, kR | kF, zscore_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zmscore", -3, kR | kF, zmscore_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zcard", 2, kR | kF, zcard_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zcount", 4, kR | kF, zcount_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zlexcount", 4, kR | kF, zlexcount_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zrank", 3, kR | kF, zrank_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zrevrank", 3, kR | kF, zrevrank_command, 1, 1, 1, "@read @sortedset @fast"},
    {"zrem", -3, kW | kF, zrem_command, 1, 1, 1, "@write @sortedset @fast"},
    {"zrange", -4, kR, zrange_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zrangestore", -5, kW | kOom, zrangestore_command, 1, 2, 1, "@write @sortedset @slow"},
    {"zrangebyscore", -4, kR, zrangebyscore_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zrevrangebyscore", -4, kR, zrevrangebyscore_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zrevrange", -4, kR, zrevrange_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zrangebylex", -4, kR, zrangebylex_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zrevrangebylex", -4, kR, zrevrangebylex_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zpopmin", -2, kW | kF, zpopmin_command, 1, 1, 1, "@write @sortedset @fast"},
    {"zpopmax", -2, kW | kF, zpopmax_command, 1, 1, 1, "@write @sortedset @fast"},
    {"bzpopmin", -3, kW | kCmdNoScript | kCmdBlocking | kF, bzpopmin_command, 1, -2, 1,
     "@write @sortedset @fast @blocking"},
    {"bzpopmax", -3, kW | kCmdNoScript | kCmdBlocking | kF, bzpopmax_command, 1, -2, 1,
     "@write @sortedset @fast @blocking"},
    {"zmpop", -4, kW, zmpop_command, 0, 0, 0, "@write @sortedset @slow"},
    {"bzmpop", -5, kW | kCmdBlocking, bzmpop_command, 0, 0, 0, "@write @sortedset @slow @blocking"},
    {"zremrangebyrank", 4, kW, zremrangebyrank_command, 1, 1, 1, "@write @sortedset @slow"},
    {"zremrangebyscore", 4, kW, zremrangebyscore_command, 1, 1, 1, "@write @sortedset @slow"},
    {"zremrangebylex", 4, kW, zremrangebylex_command, 1, 1, 1, "@write @sortedset @slow"},
    {"zunionstore", -4, kW | kOom, zunionstore_command, 1, 1, 1, "@write @sortedset @slow"},
    {"zinterstore", -4, kW | kOom, zinterstore_command, 1, 1, 1, "@write @sortedset @slow"},
    {"zdiffstore", -4, kW | kOom, zdiffstore_command, 1, 1, 1, "@write @sortedset @slow"},
    {"zunion", -3, kR, zunion_command, 0, 0, 0, "@read @sortedset @slow"},
    {"zinter", -3, kR, zinter_command, 0, 0, 0, "@read @sortedset @slow"},
    {"zdiff", -3, kR, zdiff_command, 0, 0, 0, "@read @sortedset @slow"},
    {"zintercard", -3, kR, zintercard_command, 0, 0, 0, "@read @sortedset @slow"},
    {"zscan", -3, kR, zscan_command, 1, 1, 1, "@read @sortedset @slow"},
    {"zrandmember", -2, kR, zrandmember_command, 1, 1, 1, "@read @sortedset @slow"},
};

}  // namespace

std::span<const Command> zset_commands() { return kZSetCommands; }

}  // namespace server
