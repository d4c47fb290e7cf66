// INFO's text: Redis's sections and "field:value" lines.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace server {

class Server;

// sections: INFO's arguments (empty = default sections; "all", "everything").
std::string build_info(Server& server, std::span<const std::string_view> sections);

}  // namespace server
