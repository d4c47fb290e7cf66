// hash commands (placeholder until the hash type lands).
#include "server/command_table.h"

namespace server {

std::span<const Command> hash_commands() { return {}; }

}  // namespace server
