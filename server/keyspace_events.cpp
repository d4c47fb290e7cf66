#include "server/keyspace_events.h"

#include <span>

#include "server/pubsub.h"

namespace server {

namespace {

struct ClassChar {
    char c;
    uint32_t flag;
};
// In the order Redis prints them.
constexpr ClassChar kClasses[] = {
    {'g', notify::kGeneric}, {'$', notify::kString}, {'l', notify::kList},    {'s', notify::kSet},
    {'h', notify::kHash},    {'z', notify::kZset},   {'x', notify::kExpired}, {'e', notify::kEvicted},
    {'t', notify::kStream},  {'d', notify::kModule},  {'n', notify::kNew},
};
// Printed after the classes, even after 'A' (which hides 'n').
constexpr ClassChar kTargets[] = {{'K', notify::kKeyspace}, {'E', notify::kKeyevent}, {'m', notify::kKeyMiss}};

}  // namespace

std::optional<uint32_t> parse_notify_flags(std::string_view s) {
    uint32_t flags = 0;
    for (char c : s) {
        if (c == 'A') {
            flags |= notify::kAll;
            continue;
        }
        bool known = false;
        for (const auto& list : {std::span<const ClassChar>(kClasses), std::span<const ClassChar>(kTargets)}) {
            for (const ClassChar& k : list) {
                if (k.c == c) {
                    flags |= k.flag;
                    known = true;
                }
            }
        }
        if (!known) return std::nullopt;
    }
    return flags;
}

std::string notify_flags_string(uint32_t flags) {
    std::string s;
    if ((flags & notify::kAll) == notify::kAll) {
        s = "A";
    } else {
        for (const ClassChar& k : kClasses)
            if (flags & k.flag) s += k.c;
    }
    for (const ClassChar& k : kTargets)
        if (flags & k.flag) s += k.c;
    return s;
}

void KeyspaceEvents::publish(std::string_view event, std::string_view key, int db) {
    std::string prefix = "@" + std::to_string(db) + "__:";
    if (flags_ & notify::kKeyspace) {
        channel_.assign("__keyspace");
        channel_ += prefix;
        channel_.append(key);
        pubsub_.publish(ChannelKind::kChannel, channel_, event);
    }
    if (flags_ & notify::kKeyevent) {
        channel_.assign("__keyevent");
        channel_ += prefix;
        channel_.append(event);
        pubsub_.publish(ChannelKind::kChannel, channel_, key);
    }
}

}  // namespace server
