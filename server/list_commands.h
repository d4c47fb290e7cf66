// What the list command families share: the plain commands
// (commands_list.cpp) and the blocking ones (list_blocking.cpp) serve their
// data through the same cores.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "server/command.h"

namespace server {

// LEFT/RIGHT; replies a syntax error on anything else.
bool parse_list_end(CommandContext& ctx, std::string_view arg, bool& left);

// LMPOP's arguments from numkeys on (at argv[numkeys_index]): the keys, the
// end to pop from and the count (1 unless COUNT is given). Replies Redis's
// error and returns false when they are wrong.
struct MpopArgs {
    std::span<const std::string_view> keys;
    bool left = true;
    int64_t count = 1;
};
bool parse_mpop_args(CommandContext& ctx, size_t numkeys_index, MpopArgs& out);

enum class Served : uint8_t { kServed, kNothing, kError };
// Pops up to `count` elements from the first non-empty list among keys and
// replies [key, [elements]]. kNothing (no reply) when every key is missing;
// a key of another type replies WRONGTYPE, or is passed over when
// skip_wrong_type (a woken blocked client keeps waiting, as in Redis).
Served mpop_first(CommandContext& ctx, std::span<const std::string_view> keys, bool left,
                  int64_t count, bool skip_wrong_type);
// Both report the pop as Redis does: "lpop"/"rpop", then "del" when the
// list is emptied, and the key touched.
// Pops one element and replies [key, element] (BLPOP, BRPOP); same results.
// `woken` (a blocked client served later) passes over keys of another type
// and leaves the touch out, as Redis 7.0's serveClientBlockedOnList does.
Served pop_first(CommandContext& ctx, std::span<const std::string_view> keys, bool left, bool woken);
// LMOVE: moves one element from src's end to dst's end and replies it (null
// when src is missing); WRONGTYPE when either key holds another type. The
// events are Redis's: the push on dst, then the pop on src (and its "del");
// src is touched unless !touch_source (a woken BLMOVE/BRPOPLPUSH, which in
// Redis 7.0 touches only dst).
void lmove_core(CommandContext& ctx, std::string_view src, std::string_view dst, bool from_left,
                bool to_left, bool touch_source);

void blpop_command(CommandContext& ctx);
void brpop_command(CommandContext& ctx);
void blmove_command(CommandContext& ctx);
void brpoplpush_command(CommandContext& ctx);
void blmpop_command(CommandContext& ctx);

}  // namespace server
