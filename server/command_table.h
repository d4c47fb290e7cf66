// Case-insensitive lookup of commands by name: one open-addressing table
// built at start-up; a lookup lower-cases the name into a stack buffer and
// probes once or twice, no allocation.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "server/command.h"

namespace server {

class CommandTable {
public:
    CommandTable();
    const Command* find(std::string_view name) const;
    // For a container command, the subcommand named by `sub` (or nullptr).
    static const Command* find_subcommand(const Command& container, std::string_view sub);
    const std::vector<const Command*>& all() const { return all_; }
    size_t size() const { return all_.size(); }

private:
    void add(const Command* c);
    std::vector<const Command*> all_;
    std::vector<const Command*> slots_;
    size_t mask_ = 0;
};

// Each command family registers its commands through these.
std::span<const Command> string_commands();
std::span<const Command> key_commands();
std::span<const Command> server_commands();
std::span<const Command> connection_commands();
std::span<const Command> keyspace_commands();
std::span<const Command> list_commands();
std::span<const Command> hash_commands();
std::span<const Command> set_commands();
std::span<const Command> zset_commands();
std::span<const Command> latency_commands();
std::span<const Command> pubsub_commands();
std::span<const Command> transaction_commands();
std::span<const Command> persistence_commands();
std::span<const Command> acl_commands();
std::span<const Command> replication_commands();

}  // namespace server
