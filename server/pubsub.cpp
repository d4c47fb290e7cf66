#include "server/pubsub.h"

#include <algorithm>

#include "server/connection.h"
#include "server/glob.h"

namespace server {

PubSub::Table& PubSub::table(ChannelKind kind) {
    switch (kind) {
    case ChannelKind::kChannel: return channels_;
    case ChannelKind::kPattern: return patterns_;
    case ChannelKind::kShard: return shard_channels_;
    }
    return channels_;
}

const PubSub::Table& PubSub::table(ChannelKind kind) const {
    return const_cast<PubSub*>(this)->table(kind);
}

bool PubSub::subscribe(Connection& c, ChannelKind kind, std::string_view name) {
    Subscriptions& subs = c.subscriptions();
    std::string key(name);
    switch (kind) {
    case ChannelKind::kChannel:
        if (!subs.channels.insert(key).second) return false;
        break;
    case ChannelKind::kShard:
        if (!subs.shard_channels.insert(key).second) return false;
        break;
    case ChannelKind::kPattern:
        if (std::find(subs.patterns.begin(), subs.patterns.end(), key) != subs.patterns.end()) return false;
        subs.patterns.push_back(key);
        break;
    }
    table(kind)[std::move(key)].push_back(&c);
    return true;
}

bool PubSub::unsubscribe(Connection& c, ChannelKind kind, std::string_view name) {
    Subscriptions* subs = c.subscriptions_if_any();
    if (subs == nullptr) return false;
    std::string key(name);
    switch (kind) {
    case ChannelKind::kChannel:
        if (subs->channels.erase(key) == 0) return false;
        break;
    case ChannelKind::kShard:
        if (subs->shard_channels.erase(key) == 0) return false;
        break;
    case ChannelKind::kPattern: {
        auto it = std::find(subs->patterns.begin(), subs->patterns.end(), key);
        if (it == subs->patterns.end()) return false;
        subs->patterns.erase(it);
        break;
    }
    }
    Table& t = table(kind);
    auto it = t.find(key);
    if (it != t.end()) {
        auto& list = it->second;
        list.erase(std::find(list.begin(), list.end(), &c));
        if (list.empty()) t.erase(it);
    }
    return true;
}

void PubSub::forget(Connection& c) {
    Subscriptions* subs = c.subscriptions_if_any();
    if (subs == nullptr) return;
    auto drop = [&](ChannelKind kind, const std::string& name) {
        Table& t = table(kind);
        auto it = t.find(name);
        if (it == t.end()) return;
        auto& list = it->second;
        list.erase(std::remove(list.begin(), list.end(), &c), list.end());
        if (list.empty()) t.erase(it);
    };
    for (const std::string& n : subs->channels) drop(ChannelKind::kChannel, n);
    for (const std::string& n : subs->shard_channels) drop(ChannelKind::kShard, n);
    for (const std::string& n : subs->patterns) drop(ChannelKind::kPattern, n);
    subs->channels.clear();
    subs->shard_channels.clear();
    subs->patterns.clear();
}

void PubSub::deliver(Connection& c, std::string_view kind, std::string_view pattern,
                     std::string_view channel, std::string_view message) {
    if (c.state() == ConnState::kClosing || c.state() == ConnState::kClosed) return;
    protocol::ReplyWriter& w = c.push_writer();
    w.push(pattern.empty() ? 3 : 4);
    w.bulk(kind);
    if (!pattern.empty()) w.bulk(pattern);
    w.bulk(channel);
    w.bulk(message);
    c.output_ready();
    if (over_limit(c) && std::find(to_close_.begin(), to_close_.end(), &c) == to_close_.end())
        to_close_.push_back(&c);
}

bool PubSub::over_limit(Connection& c) {
    const auto pending = static_cast<int64_t>(c.output_pending());
    if (limit_.hard != 0 && pending >= limit_.hard) return true;
    if (limit_.soft == 0 || pending < limit_.soft) {
        c.set_soft_limit_since(0);
        return false;
    }
    int64_t now = c.now_ms();
    if (c.soft_limit_since() == 0) {
        c.set_soft_limit_since(now);
        return false;
    }
    return now - c.soft_limit_since() >= limit_.soft_seconds * 1000;
}

size_t PubSub::publish(ChannelKind kind, std::string_view channel, std::string_view message) {
    size_t receivers = 0;
    const bool shard = kind == ChannelKind::kShard;
    Table& t = shard ? shard_channels_ : channels_;
    if (auto it = t.find(std::string(channel)); it != t.end()) {
        for (Connection* c : it->second) {
            deliver(*c, shard ? "smessage" : "message", {}, channel, message);
            ++receivers;
        }
    }
    if (!shard) {
        for (auto& [pattern, subs] : patterns_) {
            if (!glob_match(pattern, channel)) continue;
            for (Connection* c : subs) {
                deliver(*c, "pmessage", pattern, channel, message);
                ++receivers;
            }
        }
    }
    if (!to_close_.empty()) {
        std::vector<Connection*> victims;
        victims.swap(to_close_);
        for (Connection* c : victims) {
            ++cut_off_;
            c->drop_output_and_close();
        }
    }
    return receivers;
}

std::vector<std::string_view> PubSub::channels(ChannelKind kind, std::string_view pattern) const {
    std::vector<std::string_view> out;
    for (const auto& [name, subs] : table(kind))
        if (pattern.empty() || glob_match(pattern, name)) out.push_back(name);
    return out;
}

size_t PubSub::subscribers(ChannelKind kind, std::string_view channel) const {
    const Table& t = table(kind);
    auto it = t.find(std::string(channel));
    return it == t.end() ? 0 : it->second.size();
}

}  // namespace server
