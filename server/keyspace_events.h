// Keyspace notifications (notify-keyspace-events): the event classes as
// Redis names them, their flag string, and the publishing of
// __keyspace@<db>__:<key> and __keyevent@<db>__:<event> messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace server {

class PubSub;

namespace notify {
enum : uint32_t {
    kKeyspace = 1u << 0,  // K
    kKeyevent = 1u << 1,  // E
    kGeneric = 1u << 2,   // g
    kString = 1u << 3,    // $
    kList = 1u << 4,      // l
    kSet = 1u << 5,       // s
    kHash = 1u << 6,      // h
    kZset = 1u << 7,      // z
    kExpired = 1u << 8,   // x
    kEvicted = 1u << 9,   // e
    kStream = 1u << 10,   // t
    kKeyMiss = 1u << 11,  // m
    kModule = 1u << 13,   // d
    kNew = 1u << 14,      // n
    // 'A': every class but key-miss and new-key.
    kAll = kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
};
}  // namespace notify

// The flags of a notify-keyspace-events string, or nullopt for an unknown
// character.
std::optional<uint32_t> parse_notify_flags(std::string_view s);
// The canonical string CONFIG GET shows for flags.
std::string notify_flags_string(uint32_t flags);

class KeyspaceEvents {
public:
    // `flags` is the live notify-keyspace-events setting (in Config).
    KeyspaceEvents(PubSub& pubsub, const uint32_t& flags) : pubsub_(pubsub), flags_(flags) {}
    // Whether any event of class `cls` would be published.
    bool enabled(uint32_t cls) const { return (flags_ & cls) != 0 && (flags_ & (notify::kKeyspace | notify::kKeyevent)) != 0; }

    // Publishes `event` on `key` of database `db` if its class is enabled.
    void notify(uint32_t cls, std::string_view event, std::string_view key, int db) {
        if (enabled(cls)) publish(event, key, db);
    }

private:
    void publish(std::string_view event, std::string_view key, int db);

    PubSub& pubsub_;
    const uint32_t& flags_;
    std::string channel_;  // reused to build channel names
};

}  // namespace server
