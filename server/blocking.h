// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...). A blocked
// connection is parked in the kBlocked state with a copy of its command;
// when a write makes one of its keys non-empty the command is run again,
// clients served in the order they blocked; a timer answers the null reply
// when the timeout passes first.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reactor/timer_heap.h"

namespace server {

class Server;
class Connection;
class Database;

// What a blocked command answers when its time runs out: a null, or (WAIT)
// the number of replicas that acknowledged.
enum class TimeoutReply : uint8_t { kNullArray, kNullBulk, kReplicaCount };

// What a blocked connection keeps: its command to run again, the keys it
// waits on, and its timeout timer.
struct BlockState {
    std::vector<std::string> argv;
    std::vector<std::string> keys;
    Database* db = nullptr;
    reactor::TimerId timer = 0;
    int64_t deadline_ms = 0;  // 0 = forever
    TimeoutReply timeout_reply = TimeoutReply::kNullArray;
};

class Blocking {
public:
    explicit Blocking(Server& server) : server_(server) {}

    // Parks `c` on `keys` of `db` until one gets data or `deadline_ms`
    // (absolute, wall clock; 0 = forever) passes. `argv` is re-run on wake-up.
    void block(Connection& c, Database& db, std::span<const std::string_view> keys,
               int64_t deadline_ms, std::span<const std::string_view> argv, TimeoutReply timeout_reply);
    // A write may have made `key` non-empty; waiting clients are served
    // before the loop sleeps. Cheap when nobody is blocked.
    void signal_key(Database& db, std::string_view key) {
        if (!waiting_.empty()) signal_slow(db, key);
    }
    // Serves every signalled key: after each command that signalled one
    // (so a pipelined command sees the effect, as in Redis) and before sleep.
    void serve();
    bool has_ready() const { return !ready_.empty(); }
    // Removes c from every queue (disconnect, CLIENT KILL, timeout).
    void forget(Connection& c);
    size_t blocked_clients() const { return blocked_count_; }
    // Every database disappears or changes (FLUSHALL, SWAPDB): wake all
    // waiters of db so they re-check.
    void signal_all(Database& db);

private:
    struct Key {
        Database* db;
        std::string name;
        bool operator==(const Key& o) const { return db == o.db && name == o.name; }
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };
    void signal_slow(Database& db, std::string_view key);
    void serve_key(const Key& k);
    void on_timeout(Connection& c);

    Server& server_;
    std::unordered_map<Key, std::deque<Connection*>, KeyHash> waiting_;
    std::vector<Key> ready_;
    size_t blocked_count_ = 0;
    bool serving_ = false;
};

}  // namespace server
