// Commands that steer a connection's flow rather than data: CLIENT PAUSE,
// CLIENT UNPAUSE, CLIENT REPLY and RESET. Registered by the CLIENT
// container and the connection family (commands_connection.cpp).
#pragma once

#include "server/command.h"

namespace server {

void client_pause_command(CommandContext& ctx);
void client_unpause_command(CommandContext& ctx);
void client_reply_command(CommandContext& ctx);
void reset_command(CommandContext& ctx);

}  // namespace server
