#include "server/command_table.h"

#include <cstring>

#include "server/hash.h"

namespace server {

namespace {

constexpr size_t kMaxName = 64;

// Lower-cases into buf; false if the name is too long to be a command.
bool lower_name(std::string_view name, char* buf) {
    if (name.size() > kMaxName) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    return true;
}

uint64_t name_hash(std::string_view lower) { return hash_bytes(lower, 0x5eed); }

}  // namespace

std::string arity_error_text(std::string_view full_name) {
    std::string s = "ERR wrong number of arguments for '";
    s.append(full_name);
    s.append("' command");
    return s;
}

void reply_arity_error(CommandContext& ctx) { ctx.error(arity_error_text(ctx.cmd.name)); }

CommandTable::CommandTable() {
    for (auto family : {string_commands(), key_commands(), server_commands(), connection_commands(),
                        keyspace_commands(), list_commands(), hash_commands(), set_commands(),
                        zset_commands(), pubsub_commands(), transaction_commands(),
                        latency_commands(), persistence_commands(), acl_commands(),
                        replication_commands()})
        for (const Command& c : family) all_.push_back(&c);
    size_t cap = 16;
    while (cap < all_.size() * 4) cap *= 2;
    slots_.assign(cap, nullptr);
    mask_ = cap - 1;
    for (const Command* c : all_) add(c);
}

void CommandTable::add(const Command* c) {
    size_t i = name_hash(c->name) & mask_;
    while (slots_[i] != nullptr) i = (i + 1) & mask_;
    slots_[i] = c;
}

const Command* CommandTable::find(std::string_view name) const {
    char buf[kMaxName];
    if (!lower_name(name, buf)) return nullptr;
    std::string_view lower(buf, name.size());
    for (size_t i = name_hash(lower) & mask_;; i = (i + 1) & mask_) {
        const Command* c = slots_[i];
        if (c == nullptr) return nullptr;
        if (c->name == lower) return c;
    }
}

const Command* CommandTable::find_subcommand(const Command& container, std::string_view sub) {
    char buf[kMaxName];
    if (!lower_name(sub, buf)) return nullptr;
    std::string_view lower(buf, sub.size());
    for (size_t i = 0; i < container.subcommand_count; ++i) {
        const Command& c = container.subcommands[i];
        std::string_view n = c.name.substr(c.name.find('|') + 1);
        if (n == lower) return &c;
    }
    return nullptr;
}

}  // namespace server
