// The ZRANGE family (ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, the
// older ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZRANGESTORE) and
// the ZREMRANGEBY* commands. Every range is turned into a run of
// consecutive ranks first, so a reply knows its length before it starts and
// a skiplist is walked only over the members returned.
#include <algorithm>
#include <cstdint>

#include "server/command_util.h"
#include "server/keyspace_events.h"
#include "server/zset_commands.h"

namespace server {

namespace {

enum class RangeKind : uint8_t { kAuto, kRank, kScore, kLex };
enum class Direction : uint8_t { kAuto, kForward, kReverse };

struct RangeRequest {
    size_t key_index = 1;  // the source key; min and max follow it
    bool store = false;    // ZRANGESTORE: argv[1] is the destination
    RangeKind kind = RangeKind::kAuto;
    Direction dir = Direction::kAuto;
    bool withscores = false;
    int64_t offset = 0;
    int64_t limit = -1;  // negative: no limit
    int64_t start = 0;   // rank ranges
    int64_t end = 0;
    ScoreRange score;
    LexRange lex;
};

// The options after <key> <min> <max>, in any order, as Redis reads them.
bool parse_range_options(CommandContext& ctx, RangeRequest& req) {
    for (size_t j = req.key_index + 3; j < ctx.argc(); ++j) {
        std::string_view opt = ctx.arg(j);
        const size_t left = ctx.argc() - j - 1;
        if (!req.store && equals_nocase(opt, "withscores")) {
            req.withscores = true;
        } else if (equals_nocase(opt, "limit") && left >= 2) {
            if (!arg_int64(ctx, ctx.arg(j + 1), req.offset) || !arg_int64(ctx, ctx.arg(j + 2), req.limit))
                return false;
            j += 2;
        } else if (req.dir == Direction::kAuto && equals_nocase(opt, "rev")) {
            req.dir = Direction::kReverse;
        } else if (req.kind == RangeKind::kAuto && equals_nocase(opt, "bylex")) {
            req.kind = RangeKind::kLex;
        } else if (req.kind == RangeKind::kAuto && equals_nocase(opt, "byscore")) {
            req.kind = RangeKind::kScore;
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    if (req.dir == Direction::kAuto) req.dir = Direction::kForward;
    if (req.kind == RangeKind::kAuto) req.kind = RangeKind::kRank;
    return true;
}

bool check_range_options(CommandContext& ctx, const RangeRequest& req) {
    // Redis tests the limit's count only, so "LIMIT 5 -1" passes by rank.
    if (req.limit != -1 && req.kind == RangeKind::kRank) {
        ctx.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return false;
    }
    if (req.withscores && req.kind == RangeKind::kLex) {
        ctx.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return false;
    }
    return true;
}

// min and max; a reversed score or lex range is written max first.
bool parse_bounds(CommandContext& ctx, RangeRequest& req) {
    std::string_view min = ctx.arg(req.key_index + 1);
    std::string_view max = ctx.arg(req.key_index + 2);
    const bool reverse = req.dir == Direction::kReverse;
    switch (req.kind) {
    case RangeKind::kAuto:
    case RangeKind::kRank: return arg_int64(ctx, min, req.start) && arg_int64(ctx, max, req.end);
    case RangeKind::kScore: {
        auto r = reverse ? parse_score_range(max, min) : parse_score_range(min, max);
        if (!r) {
            ctx.error("ERR min or max is not a float");
            return false;
        }
        req.score = *r;
        return true;
    }
    case RangeKind::kLex: {
        auto r = reverse ? parse_lex_range(max, min) : parse_lex_range(min, max);
        if (!r) {
            ctx.error("ERR min or max not valid string range item");
            return false;
        }
        req.lex = *r;
        return true;
    }
    }
    return false;
}

// The ranks a request selects: `count` members from ascending rank `lo`.
struct Selection {
    size_t lo = 0;
    size_t count = 0;
};

// Redis's index rules: negative counts from the end, then clamped.
bool clamp_ranks(int64_t start, int64_t end, size_t size, size_t& lo, size_t& hi) {
    const auto len = static_cast<int64_t>(size);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return false;
    if (end >= len) end = len - 1;
    lo = static_cast<size_t>(start);
    hi = static_cast<size_t>(end);
    return true;
}

Selection select_ranks(const RangeRequest& req, const ZSet& z) {
    size_t a, b;
    if (!clamp_ranks(req.start, req.end, z.size(), a, b)) return {};
    const size_t n = b - a + 1;
    return {req.dir == Direction::kReverse ? z.size() - 1 - b : a, n};
}

// OFFSET skips members in the direction of the walk; a negative offset
// skips them all, and a negative count means no limit.
Selection select_span(const RangeRequest& req, ZSet::Span span) {
    if (req.offset < 0 || static_cast<uint64_t>(req.offset) >= span.count) return {};
    const auto offset = static_cast<size_t>(req.offset);
    size_t n = span.count - offset;
    if (req.limit >= 0) n = std::min(n, static_cast<size_t>(req.limit));
    if (req.dir == Direction::kReverse) return {span.first + span.count - offset - n, n};
    return {span.first + offset, n};
}

// A lex range is walked as Redis walks it: from where it starts, OFFSET
// members are skipped unchecked, then members are taken while they stay
// within the far bound. With equal scores (the only case Redis defines)
// that is the same as select_span; with mixed scores it keeps Redis's
// answer for a listpack.
Selection select_lex(const RangeRequest& req, const ZSet& z) {
    const bool reverse = req.dir == Direction::kReverse;
    auto start = z.lex_start(req.lex, reverse);
    if (!start || req.offset < 0) return {};
    const auto offset = static_cast<uint64_t>(req.offset);
    if (reverse ? offset > *start : offset >= z.size() - *start) return {};
    const size_t pos = reverse ? *start - offset : *start + offset;
    size_t n = 0;
    for (ZCursor c = z.at_rank(pos); c.valid(); c.step(reverse), ++n) {
        if (req.limit >= 0 && n >= static_cast<uint64_t>(req.limit)) break;
        if (reverse ? !req.lex.above_min(c.member()) : !req.lex.below_max(c.member())) break;
    }
    return {reverse ? pos + 1 - n : pos, n};
}

Selection select(const RangeRequest& req, const ZSet& z) {
    switch (req.kind) {
    case RangeKind::kScore: return select_span(req, z.span_of(req.score));
    case RangeKind::kLex: return select_lex(req, z);
    case RangeKind::kAuto:
    case RangeKind::kRank: break;
    }
    return select_ranks(req, z);
}

void reply_selection(CommandContext& ctx, const ZSet& z, Selection sel, bool reverse, bool withscores) {
    reply_members_header(ctx, sel.count, withscores);
    if (sel.count == 0) return;
    ZCursor c = z.at_rank(reverse ? sel.lo + sel.count - 1 : sel.lo);
    for (size_t i = 0; i < sel.count; ++i, c.step(reverse)) reply_member(ctx, c.member(), c.score(), withscores);
}

// Redis 7.0 fills the destination in reply order (descending with REV).
// It starts as a skiplist when a rank range is known to be too long for a
// listpack; otherwise as a listpack that converts once a member breaks its
// limits. Members added before that pass through the listpack, where a -0
// score becomes 0; those after keep it. The set built here is the same,
// built in ascending order.
size_t conversion_point(const ZSet* z, Selection sel, bool reverse, RangeKind kind) {
    if (kind == RangeKind::kRank && sel.count > kZSetMaxListpackEntries) return 0;
    ZCursor c = z->at_rank(reverse ? sel.lo + sel.count - 1 : sel.lo);
    for (size_t i = 0; i < sel.count; ++i, c.step(reverse)) {
        if (i + 1 > kZSetMaxListpackEntries || c.member().size() > kZSetMaxListpackValue) return i;
    }
    return sel.count;
}

void store_selection(CommandContext& ctx, const ZSet* z, Selection sel, bool reverse, RangeKind kind) {
    const size_t converted_at = conversion_point(z, sel, reverse, kind);
    ZSetBuilder b(converted_at < sel.count ? SIZE_MAX : 0, 0);
    if (sel.count > 0) {
        ZCursor c = z->at_rank(sel.lo);
        for (size_t j = 0; j < sel.count; ++j, c.next()) {
            const size_t emitted = reverse ? sel.count - 1 - j : j;
            double score = c.score();
            if (emitted < converted_at && score == 0) score = 0.0;
            b.append(score, c.member());
        }
    }
    store_result(ctx, ctx.arg(1), b.release());
}

void zrange_generic(CommandContext& ctx, RangeRequest req) {
    if (!parse_range_options(ctx, req) || !check_range_options(ctx, req) || !parse_bounds(ctx, req)) return;
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(req.key_index), ok);
    if (!ok) return;
    if (z == nullptr) {
        if (req.store) store_result(ctx, ctx.arg(1), new ZSet());
        else ctx.reply.array(0);
        return;
    }
    const Selection sel = select(req, *z);
    if (req.store) store_selection(ctx, z, sel, req.dir == Direction::kReverse, req.kind);
    else reply_selection(ctx, *z, sel, req.dir == Direction::kReverse, req.withscores);
}

RangeRequest request(RangeKind kind, Direction dir) {
    RangeRequest req;
    req.kind = kind;
    req.dir = dir;
    return req;
}

}  // namespace

void zrange_command(CommandContext& ctx) { zrange_generic(ctx, request(RangeKind::kAuto, Direction::kAuto)); }

void zrangestore_command(CommandContext& ctx) {
    RangeRequest req = request(RangeKind::kAuto, Direction::kAuto);
    req.key_index = 2;
    req.store = true;
    zrange_generic(ctx, req);
}

void zrevrange_command(CommandContext& ctx) {
    zrange_generic(ctx, request(RangeKind::kRank, Direction::kReverse));
}
void zrangebyscore_command(CommandContext& ctx) {
    zrange_generic(ctx, request(RangeKind::kScore, Direction::kForward));
}
void zrevrangebyscore_command(CommandContext& ctx) {
    zrange_generic(ctx, request(RangeKind::kScore, Direction::kReverse));
}
void zrangebylex_command(CommandContext& ctx) {
    zrange_generic(ctx, request(RangeKind::kLex, Direction::kForward));
}
void zrevrangebylex_command(CommandContext& ctx) {
    zrange_generic(ctx, request(RangeKind::kLex, Direction::kReverse));
}

// ---------------------------------------------------------------------------
// ZREMRANGEBYRANK / BYSCORE / BYLEX

namespace {

void zremrange_generic(CommandContext& ctx, RangeKind kind) {
    RangeRequest req = request(kind, Direction::kForward);
    if (!parse_bounds(ctx, req)) return;
    bool ok;
    ZSet* z = write_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    size_t removed = 0;
    if (z != nullptr) {
        size_t lo, hi;
        if (kind == RangeKind::kScore) removed = z->remove_in(req.score);
        else if (kind == RangeKind::kLex) removed = z->remove_in(req.lex);
        else if (clamp_ranks(req.start, req.end, z->size(), lo, hi)) removed = z->remove_ranks(lo, hi);
    }
    if (removed > 0) {
        std::string_view key = ctx.arg(1);
        const bool emptied = z->size() == 0;
        drop_if_empty(ctx, key, z);
        ctx.touched(key);
        ctx.notify(notify::kZset,
                   kind == RangeKind::kScore ? "zremrangebyscore"
                   : kind == RangeKind::kLex ? "zremrangebylex"
                                             : "zremrangebyrank",
                   key);
        if (emptied) ctx.notify(notify::kGeneric, "del", key);
    }
    ctx.reply.integer(static_cast<int64_t>(removed));
}

}  // namespace

void zremrangebyrank_command(CommandContext& ctx) { zremrange_generic(ctx, RangeKind::kRank); }
void zremrangebyscore_command(CommandContext& ctx) { zremrange_generic(ctx, RangeKind::kScore); }
void zremrangebylex_command(CommandContext& ctx) { zremrange_generic(ctx, RangeKind::kLex); }

}  // namespace server
