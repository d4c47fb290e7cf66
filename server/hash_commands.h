// What the hash command files share: typed access to a key's hash and the
// handlers registered by commands_hash.cpp from the other files.
#pragma once

#include "server/command.h"
#include "server/entry.h"
#include "server/hash_type.h"

namespace server {

inline HashObject* as_hash(Entry* e) { return e ? static_cast<HashObject*>(e->object()) : nullptr; }

void hrandfield_command(CommandContext& ctx);  // hash_commands_random.cpp
void hscan_command(CommandContext& ctx);       // hash_commands_scan.cpp

}  // namespace server
