// The set value, in Redis 7.0's two encodings:
//
// - "intset" while every member is an integer (by Redis's strict rule) and
//   there are at most kSetMaxIntsetEntries of them: a sorted array (see
//   set_intset.h), so such sets iterate in numeric order, exactly as Redis's
//   do;
// - "hashtable" after that, for good: the keyspace's own chained table
//   (server/dict.h), whose nodes are Entry blocks holding just the member as
//   their key (one allocation per member), which brings incremental
//   rehashing and the reverse-binary SCAN cursor with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/dict.h"
#include "server/set_intset.h"

namespace server {

// Redis's set-max-intset-entries default.
inline constexpr size_t kSetMaxIntsetEntries = 512;

// A member as its encoding holds it: an intset's integer, or a hashtable
// node's bytes (valid until the set changes).
struct SetMember {
    bool is_int = false;
    int64_t value = 0;
    std::string_view bytes;

    static SetMember of_int(int64_t v) { return {true, v, {}}; }
    static SetMember of_bytes(std::string_view s) { return {false, 0, s}; }
};

// Room for any int64 in decimal.
inline constexpr size_t kMemberTextSize = 24;
// The member's text; an integer is written into buf.
std::string_view member_text(const SetMember& m, char (&buf)[kMemberTextSize]);

class SetObject {
public:
    SetObject() = default;
    ~SetObject();
    SetObject(const SetObject&) = delete;
    SetObject& operator=(const SetObject&) = delete;

    // A deep copy in the same encoding.
    SetObject* clone() const;

    size_t size() const { return table_ ? table_->size() : ints_.size(); }
    bool is_intset() const { return table_ == nullptr; }
    std::string_view encoding() const { return table_ ? "hashtable" : "intset"; }
    const IntSet& ints() const { return ints_; }

    // True when the member was new. Converts to a hashtable as Redis does.
    bool add(std::string_view member);
    bool add(const SetMember& m);
    // True when the member was there.
    bool remove(std::string_view member);
    bool remove(const SetMember& m);
    // Non-const: a hashtable lookup advances an incremental rehash.
    bool contains(std::string_view member);
    bool contains(const SetMember& m);

    // A uniformly chosen position of an intset, or a random bucket's random
    // node of a hashtable (as Redis's dictGetRandomKey). The set must not be
    // empty.
    SetMember random_member(uint64_t (*rng)());

    // Calls fn(const SetMember&) for each member: ascending for an intset,
    // table order for a hashtable. The set must not change meanwhile.
    template <typename Fn>
    void for_each(Fn&& fn) const;
    // As for_each, but stops as soon as fn returns false.
    template <typename Fn>
    void for_each_while(Fn&& fn) const;

    // One step of SSCAN over a hashtable (Dict::scan's cursor contract):
    // calls fn(std::string_view) for the members of one bucket.
    template <typename Fn>
    uint64_t scan(uint64_t cursor, Fn&& fn) const {
        return table_->scan(cursor, [&](const Entry* e) { fn(e->key()); });
    }

    // Frees up to about `budget` members; true once the set (this object
    // included) is gone.
    bool free_step(size_t budget);

    // Turns an intset into a hashtable (Redis's setTypeConvert); public so
    // tests can reach the hashtable paths with small sets.
    void convert_to_hashtable();

private:
    explicit SetObject(const IntSet& ints) : ints_(ints) {}
    bool add_string(std::string_view member);
    bool add_int(int64_t v);

    IntSet ints_;
    // Non-null once the set is a hashtable.
    Dict* table_ = nullptr;
    // free_step's position in the table.
    uint64_t free_cursor_ = 0;
};

template <typename Fn>
void SetObject::for_each(Fn&& fn) const {
    if (table_ != nullptr) {
        table_->for_each([&](const Entry* e) { fn(SetMember::of_bytes(e->key())); });
        return;
    }
    for (size_t i = 0; i < ints_.size(); ++i) fn(SetMember::of_int(ints_.at(i)));
}

template <typename Fn>
void SetObject::for_each_while(Fn&& fn) const {
    if (table_ != nullptr) {
        // Dict::scan(i) visits bucket i of the smaller table and the buckets
        // of the larger one that split from it, so i = 0, 1, 2, ... covers
        // every node once, can stop between buckets, and walks the arrays
        // in index order. That order matters: probing another set with the
        // same hash then walks its table in order too, where SCAN's
        // reverse-binary order would miss the cache on nearly every probe.
        // While rehashing the two sizes are different powers of two, so the
        // smaller is the lowest set bit of their sum.
        const size_t total = table_->buckets();
        const size_t first_table = total & (~total + 1);
        bool more = true;
        for (size_t i = 0; more && i < first_table; ++i) {
            table_->scan(i, [&](const Entry* e) {
                if (more) more = fn(SetMember::of_bytes(e->key()));
            });
        }
        return;
    }
    for (size_t i = 0; i < ints_.size(); ++i)
        if (!fn(SetMember::of_int(ints_.at(i)))) return;
}

}  // namespace server
