// One numbered database: the key table, the volatile-key index used by
// active expiry, and the allocation of entries. Expired keys are removed
// lazily by lookups and actively by expire_cycle().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/dict.h"
#include "server/entry.h"

namespace server {

class Database;

// Told of keys a database deletes on its own (expiry), so that WATCH and
// keyspace notifications see them as changes.
class ExpiryListener {
public:
    virtual void key_expired(Database& db, std::string_view key) = 0;

protected:
    ~ExpiryListener() = default;
};

class Database {
public:
    Database() = default;
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // The live entry for key, or nullptr (an expired one is deleted first).
    Entry* lookup(std::string_view key, int64_t now_ms);
    // Whether the key exists and is live, without deleting anything.
    bool exists(std::string_view key, int64_t now_ms);

    // Stores a string value under key, creating or replacing the entry. The
    // TTL is kept if keep_ttl and the key existed, cleared otherwise.
    Entry* set_string(std::string_view key, std::string_view value, bool keep_ttl);
    // Replaces e's string value in place when the allocation allows; returns
    // the (possibly moved) entry.
    Entry* replace_string(Entry* e, std::string_view value);
    // Makes room for a string of new_len bytes keeping the first keep bytes
    // of the old value (APPEND, SETRANGE); bytes after keep are unspecified.
    Entry* resize_string(Entry* e, size_t new_len, size_t keep);

    // Adds a key holding an object of another type (the entry owns obj).
    Entry* add_object(std::string_view key, ValueType type, void* obj);

    bool remove(std::string_view key);
    // Eviction: deletes e (a live entry of this database) and frees its
    // value at once, however large.
    void evict(Entry* e);

    // RENAME: gives e (a live entry of this database) the name new_key,
    // keeping its value and TTL; an existing new_key is deleted. Returns the
    // entry under its new name.
    Entry* rename(Entry* e, std::string_view new_key);
    // MOVE: takes e out of this database and adds it, TTL included, to dst
    // (where the key must not exist).
    void move_to(Entry* e, Database& dst);
    // COPY: adds a deep copy of src (from any database) under key, replacing
    // what is there; the TTL is copied.
    Entry* add_copy(const Entry* src, std::string_view key);
    // SWAPDB: exchanges the whole contents of two databases.
    void swap(Database& other) noexcept;
    // A random live key (RANDOMKEY), or nullptr when empty.
    Entry* random_entry(int64_t now_ms, uint64_t (*rng)());
    // Sets or changes the absolute expiry; returns the (possibly moved) entry.
    Entry* set_expire(Entry* e, int64_t when_ms);
    // Removes the TTL; returns the (possibly moved) entry.
    Entry* persist(Entry* e);

    size_t size() const { return dict_.size(); }
    size_t volatile_count() const { return volatile_.size(); }
    // The i-th key with a TTL (i < volatile_count()), in no particular order.
    Entry* volatile_entry(size_t i) const { return volatile_[i]; }
    void clear();

    // Samples volatile keys and deletes the expired ones until the sample is
    // mostly live or the deadline (steady clock, us) passes. Returns the
    // number deleted.
    size_t expire_cycle(int64_t now_ms, uint64_t deadline_us, uint64_t (*rng)());
    // Background upkeep: frees huge deleted values in slices, rehashes and
    // shrinks the table, within about budget_us.
    void maintain(uint64_t budget_us);

    Dict& dict() { return dict_; }
    // The database's number (SELECT index), for keyspace notifications.
    int id() const { return id_; }
    void set_id(int id) { id_ = id; }
    void set_listener(ExpiryListener* l) { listener_ = l; }
    bool needs_maintenance() const { return !lazy_free_.empty() || dict_.rehashing() || dict_.size() > 0; }
    uint64_t expired_keys() const { return expired_keys_; }

private:
    Entry* reallocate(Entry* e, bool expire, size_t value_len, size_t keep_value);
    void unindex_volatile(Entry* e);
    void delete_entry(Entry* e);
    // Links an unlinked entry (and indexes its TTL).
    void attach(Entry* e);
    // Unlinks an entry without freeing it (and drops its TTL index slot).
    void detach(Entry* e);
    void free_entry(Entry* e);
    // Deletes an entry found expired and tells the listener.
    void expire_entry(Entry* e);

    Dict dict_;
    std::vector<Entry*> volatile_;
    // Huge values unlinked from the table, waiting to be freed in slices.
    std::vector<std::pair<ValueType, void*>> lazy_free_;
    uint64_t expired_keys_ = 0;
    int id_ = 0;
    ExpiryListener* listener_ = nullptr;
    std::string expired_key_;  // the key of an entry being expired
};

// The 16 databases a connection can SELECT, shared or per connection.
class Databases {
public:
    static constexpr int kCount = 16;
    explicit Databases(ExpiryListener* listener = nullptr) {
        for (int i = 0; i < kCount; ++i) {
            dbs_[static_cast<size_t>(i)].set_id(i);
            dbs_[static_cast<size_t>(i)].set_listener(listener);
        }
    }
    Database& at(int i) { return dbs_[static_cast<size_t>(i)]; }
    void swap(int a, int b) { dbs_[static_cast<size_t>(a)].swap(dbs_[static_cast<size_t>(b)]); }
    void clear_all() {
        for (auto& db : dbs_) db.clear();
    }

private:
    std::array<Database, kCount> dbs_;
};

}  // namespace server
