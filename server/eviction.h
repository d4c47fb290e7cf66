// maxmemory: Redis's approximated eviction. Before each command (as Redis's
// processCommand does) the server compares the used memory (memory_usage.h)
// with maxmemory; when over, it deletes keys chosen by maxmemory-policy
// until enough is freed, and refuses the commands that may grow memory
// (kCmdDenyOom) when nothing can be deleted.
//
// Choosing a key: every database contributes maxmemory-samples sampled keys
// (all keys, or only those with a TTL for volatile-*) to a pool of the 16
// best candidates seen so far, kept across calls; the best of the pool is
// deleted. Best means the longest idle (LRU), the lowest access frequency
// (LFU) or the nearest expiry (volatile-ttl). The random policies take a
// random key from the next database in turn.
//
// Access data: each keyspace entry ends with a 4-byte stamp (entry.h): the
// LRU clock of its last access in seconds (24 bits, wrapping after 194 days,
// as Redis's) and the LFU counter (8 bits, logarithmic, decaying by one per
// lfu-decay-time minutes without access). New keys take the clock; lookups
// made by commands refresh it, and move the counter, while the policy is an
// LRU or LFU one (only then are they read; see touch_entry in
// command_util.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/entry.h"

namespace server {

class Server;
class Connection;
class Database;
class Databases;
struct Command;

namespace lru {

inline constexpr uint32_t kClockMax = (1u << 24) - 1;
// A new key's LFU counter, so that it is not evicted before it had a chance
// to be used again (Redis's LFU_INIT_VAL).
inline constexpr uint8_t kLfuInitVal = 5;

// The clock new and accessed keys are stamped with (Redis's
// server.lruclock): Unix seconds, 24 bits, refreshed by the server's cron.
inline uint32_t g_clock = 0;
inline uint32_t clock_at(uint64_t unix_ms) { return static_cast<uint32_t>(unix_ms / 1000) & kClockMax; }

inline uint32_t clock_of(uint32_t stamp) { return stamp & kClockMax; }
inline uint8_t counter_of(uint32_t stamp) { return static_cast<uint8_t>(stamp >> 24); }
inline uint32_t make_stamp(uint32_t clock, uint8_t counter) {
    return (static_cast<uint32_t>(counter) << 24) | (clock & kClockMax);
}
inline uint32_t fresh_stamp() { return make_stamp(g_clock, kLfuInitVal); }

// Milliseconds since the stamped access (Redis's estimateObjectIdleTime).
inline uint64_t idle_ms(uint32_t stamp, uint32_t now_clock) {
    uint32_t then = clock_of(stamp);
    uint64_t secs = now_clock >= then ? now_clock - then : now_clock + (kClockMax - then);
    return secs * 1000;
}

// The LFU counter less one per `decay_minutes` whole minutes since the
// stamped access (Redis's LFUDecrAndReturn; 0 minutes: no decay).
uint8_t lfu_decayed(uint32_t stamp, uint32_t now_clock, int64_t decay_minutes);
// Redis's LFULogIncr: counter + 1 with probability 1 / ((counter - 5) *
// log_factor + 1); `r` is uniform in [0, 1).
uint8_t lfu_log_incr(uint8_t counter, int64_t log_factor, double r);

// The stamp after an access: new clock; under LFU also the decayed and
// incremented counter.
inline uint32_t touched_lru(uint32_t stamp, uint32_t now_clock) { return (stamp & ~kClockMax) | now_clock; }
uint32_t touched_lfu(uint32_t stamp, uint32_t now_clock, int64_t log_factor, int64_t decay_minutes);

}  // namespace lru

// The candidates for eviction, sorted by score (higher = evict first).
// Keys are copied (a candidate may be deleted meanwhile: it is looked up
// again when taken), into strings whose room is reused.
class EvictionPool {
public:
    static constexpr size_t kSize = 16;
    struct Candidate {
        uint64_t score = 0;
        Database* db = nullptr;
        std::string key;
        bool used = false;
    };

    EvictionPool();
    // Keeps the key if the pool has room or it beats the worst candidate
    // (which then leaves). Redis's evictionPoolPopulate insertion.
    void offer(uint64_t score, Database* db, std::string_view key);
    // Removes the best candidate, copying its key into `key`; false when
    // the pool is empty.
    bool take_best(std::string& key, Database*& db);
    void clear();
    size_t size() const;
    const Candidate& at(size_t i) const { return pool_[i]; }

private:
    std::array<Candidate, kSize> pool_;
};

class Eviction {
public:
    enum class Result { kOk, kRunning, kFail };
    static constexpr std::string_view kOomError = "OOM command not allowed when used memory > 'maxmemory'.";

    explicit Eviction(Server& server);

    // Redis's performEvictions: while used memory is over maxmemory, deletes
    // keys by the policy, for at most the time maxmemory-eviction-tenacity
    // allows (then a timer carries on: kRunning). kFail: over the limit and
    // nothing (more) can be deleted.
    Result perform();
    // The check before running `cmd` for c (maxmemory set): evicts, then
    // false if the command must be refused with kOomError: a deny-oom
    // command, an EXEC of queued deny-oom commands, or anything but EXEC,
    // DISCARD, QUIT and RESET inside MULTI.
    bool admit(const Connection& c, const Command& cmd);
    // From the server's cron: the LRU clock, the memory peak, and eviction
    // when the limit was lowered with nothing running.
    void cron();

    // The stamp after a command's access, by the current policy.
    uint32_t touched(uint32_t stamp) const;

private:
    // The key to delete next: true with db and e set.
    bool pick(Database*& db, Entry*& e);
    bool pick_from_pool(bool all_keys, Database*& db, Entry*& e);
    bool pick_random(bool all_keys, Database*& db, Entry*& e);
    void populate(Database& db, bool all_keys);
    // Deletes e; returns the bytes that freed.
    size_t evict(Database& db, Entry* e);
    void collect_databases();
    Database& database(size_t flat_index);

    Server& server_;
    EvictionPool pool_;
    std::vector<Entry*> samples_;
    std::vector<Databases*> sets_;  // every keyspace: shared, per connection
    std::string key_;
    size_t next_db_ = 0;
    bool timer_pending_ = false;
};

}  // namespace server
