// ZRANDMEMBER, with Redis 7.0's cases: no count (one member or nil), a
// negative count (that many draws, repeats allowed), a count covering the
// whole set (all of it, highest rank first, as 7.0 replies), and a smaller
// count (distinct members).
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <unordered_set>
#include <vector>

#include "server/command_util.h"
#include "server/zset_commands.h"

namespace server {

namespace {

size_t random_rank(CommandContext& ctx, const ZSet& z) {
    return static_cast<size_t>(ctx.server.random() % z.size());
}

void reply_rank(CommandContext& ctx, const ZSet& z, size_t rank, bool withscores) {
    ZCursor c = z.at_rank(rank);
    reply_member(ctx, c.member(), c.score(), withscores);
}

// Ranks of `count` distinct members (count < size): a partial shuffle when
// most of the set is wanted, rejection sampling when few are.
std::vector<size_t> distinct_ranks(CommandContext& ctx, size_t size, size_t count) {
    std::vector<size_t> ranks;
    if (count * 3 > size) {
        ranks.resize(size);
        std::iota(ranks.begin(), ranks.end(), size_t{0});
        for (size_t i = 0; i < count; ++i)
            std::swap(ranks[i], ranks[i + static_cast<size_t>(ctx.server.random() % (size - i))]);
        ranks.resize(count);
        return ranks;
    }
    std::unordered_set<size_t> seen;
    while (ranks.size() < count) {
        size_t r = static_cast<size_t>(ctx.server.random() % size);
        if (seen.insert(r).second) ranks.push_back(r);
    }
    return ranks;
}

void zrandmember_with_count(CommandContext& ctx, int64_t count, bool withscores) {
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (z == nullptr || count == 0) {
        ctx.reply.array(0);
        return;
    }
    const size_t size = z->size();
    if (count < 0 || count == 1) {
        const auto draws = static_cast<size_t>(count < 0 ? -count : count);
        reply_members_header(ctx, draws, withscores);
        for (size_t i = 0; i < draws; ++i) reply_rank(ctx, *z, random_rank(ctx, *z), withscores);
        return;
    }
    const auto want = static_cast<size_t>(count);
    if (want >= size) {
        reply_members_header(ctx, size, withscores);
        ZCursor c = z->at_rank(size - 1);
        for (; c.valid(); c.prev()) reply_member(ctx, c.member(), c.score(), withscores);
        return;
    }
    reply_members_header(ctx, want, withscores);
    for (size_t r : distinct_ranks(ctx, size, want)) reply_rank(ctx, *z, r, withscores);
}

}  // namespace

void zrandmember_command(CommandContext& ctx) {
    if (ctx.argc() >= 3) {
        auto count = parse_int64(ctx.arg(2));
        if (!count) {
            ctx.error_raw(errors::kNotInteger);
            return;
        }
        if (*count == INT64_MIN) {
            ctx.error("ERR value is out of range, value must between -9223372036854775807 and "
                      "9223372036854775807");
            return;
        }
        const bool withscores = ctx.argc() == 4;
        if (ctx.argc() > 4 || (withscores && !equals_nocase(ctx.arg(3), "withscores"))) {
            ctx.error_raw(errors::kSyntax);
            return;
        }
        // A reply of member and score pairs must not overflow its length.
        if (withscores && (*count < -(INT64_MAX / 2) || *count > INT64_MAX / 2)) {
            ctx.error("ERR value is out of range");
            return;
        }
        zrandmember_with_count(ctx, *count, withscores);
        return;
    }
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (z == nullptr) ctx.reply.null_bulk();
    else ctx.reply.bulk(z->at_rank(random_rank(ctx, *z)).member());
}

}  // namespace server
