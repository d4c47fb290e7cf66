// set commands (placeholder until the set type lands).
#include "server/command_table.h"

namespace server {

std::span<const Command> set_commands() { return {}; }

}  // namespace server
