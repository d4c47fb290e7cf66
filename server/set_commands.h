// What the set command files (commands_set.cpp, set_commands_*.cpp) share:
// their handlers, for the table in commands_set.cpp, and small helpers.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/command.h"
#include "server/entry.h"
#include "server/set_type.h"

namespace server {

// Handlers.
void sadd_command(CommandContext& ctx);
void srem_command(CommandContext& ctx);
void scard_command(CommandContext& ctx);
void sismember_command(CommandContext& ctx);
void smismember_command(CommandContext& ctx);
void smove_command(CommandContext& ctx);
void spop_command(CommandContext& ctx);
void srandmember_command(CommandContext& ctx);
void smembers_command(CommandContext& ctx);
void sinter_command(CommandContext& ctx);
void sintercard_command(CommandContext& ctx);
void sinterstore_command(CommandContext& ctx);
void sunion_command(CommandContext& ctx);
void sunionstore_command(CommandContext& ctx);
void sdiff_command(CommandContext& ctx);
void sdiffstore_command(CommandContext& ctx);
void sscan_command(CommandContext& ctx);

inline SetObject* set_of(Entry* e) { return static_cast<SetObject*>(e->object()); }

void reply_member(CommandContext& ctx, const SetMember& m);
// Every member, in the set's own order, after a RESP3 set header.
void reply_all_members(CommandContext& ctx, const SetObject& set);

// Dict takes its random source as a plain function; this returns one that
// draws from ctx.server.random() (bound until the next call).
uint64_t (*set_rng(CommandContext& ctx))();

// A fresh set holding the union of `sets` (null entries are missing keys),
// built as Redis builds it: starting as an intset, so an all-integer result
// of up to 512 members iterates in numeric order.
SetObject* union_of(const std::vector<SetObject*>& sets);

}  // namespace server
