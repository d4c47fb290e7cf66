// WATCH: which connections watch which keys of which database. A write that
// touches a watched key marks every watcher's transaction as doomed; EXEC
// then answers a null reply. Touching costs one empty() test while nobody
// watches anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace server {

class Connection;
class Database;

class WatchedKeys {
public:
    // Adds key of db to c's watch list (again is a no-op).
    void watch(Connection& c, Database& db, std::string_view key, bool expired_now);
    // Drops every key c watches (EXEC, DISCARD, UNWATCH, disconnect).
    void unwatch_all(Connection& c);

    // A write changed key of db.
    void touch(Database& db, std::string_view key) {
        if (!watchers_.empty()) touch_slow(db, key);
    }
    // FLUSHDB / FLUSHALL / SWAPDB: every watched key of db that exists in db
    // (or in `other`, the database swapped in) is touched.
    void touch_existing(Database& db, Database* other);
    // Whether a key c watches has expired since WATCH (EXEC checks).
    bool any_expired_since_watch(Connection& c, int64_t now_ms);

    size_t watched_key_count() const { return watchers_.size(); }

private:
    struct Key {
        Database* db;
        std::string name;
        bool operator==(const Key& o) const { return db == o.db && name == o.name; }
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };
    void touch_slow(Database& db, std::string_view key);
    std::unordered_map<Key, std::vector<Connection*>, KeyHash> watchers_;
    std::string scratch_;
};

}  // namespace server
