// Pub/Sub: who listens to which channel, pattern and shard channel, and the
// delivery of PUBLISH to them. A connection's own subscriptions live in a
// Subscriptions object it allocates on its first SUBSCRIBE, so a connection
// that never subscribes pays one null pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/config.h"

namespace server {

class Connection;

enum class ChannelKind : uint8_t {
    kChannel,  // SUBSCRIBE / PUBLISH
    kPattern,  // PSUBSCRIBE
    kShard,    // SSUBSCRIBE / SPUBLISH
};

// What one connection is subscribed to.
struct Subscriptions {
    std::unordered_set<std::string> channels;
    std::unordered_set<std::string> shard_channels;
    // In subscription order: PUNSUBSCRIBE with no argument replies in it.
    std::vector<std::string> patterns;

    size_t count() const { return channels.size() + patterns.size(); }
    size_t total() const { return count() + shard_channels.size(); }
};

class PubSub {
public:
    // Adds c to `name`; false if it was already there. The connection's own
    // Subscriptions are updated too.
    bool subscribe(Connection& c, ChannelKind kind, std::string_view name);
    // Removes c from `name`; false if it was not there.
    bool unsubscribe(Connection& c, ChannelKind kind, std::string_view name);
    // Drops every subscription of a closing connection, without replies.
    void forget(Connection& c);

    // Delivers to every subscriber of `channel` and of each matching pattern
    // (kind kChannel), or of the shard channel (kind kShard); returns the
    // number of deliveries. Subscribers whose output passes the Pub/Sub
    // limit are closed after the delivery loop.
    size_t publish(ChannelKind kind, std::string_view channel, std::string_view message);

    // PUBSUB CHANNELS / SHARDCHANNELS: the active channels matching a glob
    // (every one when pattern is empty).
    std::vector<std::string_view> channels(ChannelKind kind, std::string_view pattern) const;
    size_t subscribers(ChannelKind kind, std::string_view channel) const;
    size_t pattern_count() const { return patterns_.size(); }
    size_t channel_count() const { return channels_.size(); }
    size_t shard_channel_count() const { return shard_channels_.size(); }

    // The output limit for subscribers: client-output-buffer-limit's pubsub
    // class, read live from the config.
    explicit PubSub(const OutputLimit& limit) : limit_(limit) {}
    uint64_t clients_cut_off() const { return cut_off_; }

private:
    using Table = std::unordered_map<std::string, std::vector<Connection*>>;
    Table& table(ChannelKind kind);
    const Table& table(ChannelKind kind) const;
    void deliver(Connection& c, std::string_view kind, std::string_view pattern,
                 std::string_view channel, std::string_view message);
    bool over_limit(Connection& c);

    Table channels_;
    Table patterns_;
    Table shard_channels_;
    std::vector<Connection*> to_close_;
    const OutputLimit& limit_;
    uint64_t cut_off_ = 0;
};

}  // namespace server
