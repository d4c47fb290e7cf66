#include "server/command.h"
#include "server/database.h"
#include "server/server.h"

namespace server {

void CommandContext::touched(std::string_view key) { server.key_modified(db, key); }

void CommandContext::notify(uint32_t event_class, std::string_view event, std::string_view key) {
    server.keyspace_events().notify(event_class, event, key, db.id());
}

void CommandContext::propagate_as(std::vector<std::string> effect) {
    server.set_propagation_override(std::move(effect));
}

}  // namespace server
