// zset commands (placeholder until the zset type lands).
#include "server/command_table.h"

namespace server {

std::span<const Command> zset_commands() { return {}; }

}  // namespace server
