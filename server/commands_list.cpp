// list commands (placeholder until the list type lands).
#include "server/command_table.h"

namespace server {

std::span<const Command> list_commands() { return {}; }

}  // namespace server
