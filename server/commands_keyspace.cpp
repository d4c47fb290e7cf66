// Keyspace-wide commands (placeholder).
#include "server/command_table.h"

namespace server {

std::span<const Command> keyspace_commands() { return {}; }

}  // namespace server
