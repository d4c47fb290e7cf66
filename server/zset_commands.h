// What the sorted-set command files share: their handlers (registered in
// commands_zset.cpp) and small helpers for lookups and replies.
#pragma once

#include <cstddef>
#include <string_view>

#include "server/command.h"
#include "server/zset_type.h"

namespace server {

// The zset under key, or nullptr when there is none; ok is false (and
// WRONGTYPE replied) when the key holds another type.
ZSet* read_zset(CommandContext& ctx, std::string_view key, bool& ok);
ZSet* write_zset(CommandContext& ctx, std::string_view key, bool& ok);
// Deletes key once its zset is empty, as Redis never keeps empty ones.
void drop_if_empty(CommandContext& ctx, std::string_view key, const ZSet* z);
// Puts a built result under dst, replacing any value (and TTL) it had; an
// empty result deletes dst. Replies the result's size; takes ownership.
void store_result(CommandContext& ctx, std::string_view dst, ZSet* z);

// A score as Redis 7.0 prints it: "%.17g", "inf", "-inf"; a double in
// RESP3, a bulk string in RESP2.
void reply_score(CommandContext& ctx, double score);
// The header of a reply of n members, with their scores if withscores:
// flat [m, s, m, s...] in RESP2, [[m, s], ...] in RESP3.
void reply_members_header(CommandContext& ctx, size_t n, bool withscores);
void reply_member(CommandContext& ctx, std::string_view member, double score, bool withscores);

// commands_zset.cpp
void zadd_command(CommandContext& ctx);
void zincrby_command(CommandContext& ctx);
void zscore_command(CommandContext& ctx);
void zmscore_command(CommandContext& ctx);
void zcard_command(CommandContext& ctx);
void zrem_command(CommandContext& ctx);
void zrank_command(CommandContext& ctx);
void zrevrank_command(CommandContext& ctx);
void zcount_command(CommandContext& ctx);
void zlexcount_command(CommandContext& ctx);

// zset_cmd_range.cpp
void zrange_command(CommandContext& ctx);
void zrangestore_command(CommandContext& ctx);
void zrevrange_command(CommandContext& ctx);
void zrangebyscore_command(CommandContext& ctx);
void zrevrangebyscore_command(CommandContext& ctx);
void zrangebylex_command(CommandContext& ctx);
void zrevrangebylex_command(CommandContext& ctx);
void zremrangebyrank_command(CommandContext& ctx);
void zremrangebyscore_command(CommandContext& ctx);
void zremrangebylex_command(CommandContext& ctx);

// zset_cmd_pop.cpp
void zpopmin_command(CommandContext& ctx);
void zpopmax_command(CommandContext& ctx);
void bzpopmin_command(CommandContext& ctx);
void bzpopmax_command(CommandContext& ctx);
void zmpop_command(CommandContext& ctx);
void bzmpop_command(CommandContext& ctx);

// zset_cmd_algebra.cpp
void zunionstore_command(CommandContext& ctx);
void zinterstore_command(CommandContext& ctx);
void zdiffstore_command(CommandContext& ctx);
void zunion_command(CommandContext& ctx);
void zinter_command(CommandContext& ctx);
void zdiff_command(CommandContext& ctx);
void zintercard_command(CommandContext& ctx);

// zset_cmd_scan.cpp
void zscan_command(CommandContext& ctx);

// zset_cmd_random.cpp
void zrandmember_command(CommandContext& ctx);

}  // namespace server
