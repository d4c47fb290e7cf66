// The value of a hash key. Small hashes use the compact form (insertion
// ordered pairs in one buffer, Redis's "listpack"); a hash converts for good
// to the full table ("hashtable") once it holds more than
// kMaxCompactEntries fields or is given a field or value longer than
// kMaxCompactItemLen bytes: Redis 7.0's defaults for
// hash-max-listpack-entries (512) and hash-max-listpack-value (64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "server/hash_compact.h"
#include "server/hash_table.h"

namespace server {

struct HashPair {
    std::string_view field;
    std::string_view value;
};

class HashObject {
public:
    static constexpr size_t kMaxCompactEntries = 512;
    static constexpr size_t kMaxCompactItemLen = 64;
    static_assert(kMaxCompactItemLen <= CompactHash::kMaxItemLen);

    enum class Encoding : uint8_t { kCompact, kTable };

    HashObject() = default;
    HashObject(const HashObject& other);  // deep copy (COPY)
    HashObject& operator=(const HashObject&) = delete;
    ~HashObject();

    Encoding encoding() const { return table_ ? Encoding::kTable : Encoding::kCompact; }
    // OBJECT ENCODING's name for the current form.
    std::string_view encoding_name() const;
    size_t size() const { return table_ ? table_->size() : compact_.size(); }

    // The value of field; views stay valid until the hash next changes.
    std::optional<std::string_view> get(std::string_view field) const;
    bool contains(std::string_view field) const { return get(field).has_value(); }
    // Sets field to value; true when the field is new.
    bool set(std::string_view field, std::string_view value);
    bool remove(std::string_view field);

    // Calls fn(field, value) for every pair: insertion order in the compact
    // form, bucket order in the table.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        if (table_) table_->for_each([&](const FieldNode& n) { fn(n.field(), n.value()); });
        else compact_.for_each(fn);
    }
    std::vector<HashPair> pairs() const;

    // One HSCAN call from cursor: the compact form returns every pair and
    // cursor 0 (as Redis does for listpacks); the table visits buckets until
    // about `count` pairs were seen or 10 * count buckets were tried.
    template <typename Fn>
    uint64_t scan(uint64_t cursor, size_t count, Fn&& fn) const;

    // A uniformly random pair (per bucket in the table); the hash must not
    // be empty.
    template <typename Rng>
    HashPair random_pair(Rng&& rng) const;

    // Frees about `budget` fields; true when nothing is left to free (the
    // object itself stays for the caller to delete).
    bool free_some(size_t budget);

private:
    void convert_to_table();

    CompactHash compact_;
    std::unique_ptr<FieldTable> table_;
};

template <typename Fn>
uint64_t HashObject::scan(uint64_t cursor, size_t count, Fn&& fn) const {
    if (!table_) {
        compact_.for_each(fn);
        return 0;
    }
    size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    size_t seen = 0;
    do {
        cursor = table_->scan(cursor, [&](const FieldNode& n) {
            fn(n.field(), n.value());
            ++seen;
        });
    } while (cursor != 0 && budget-- > 0 && seen < count);
    return cursor;
}

template <typename Rng>
HashPair HashObject::random_pair(Rng&& rng) const {
    if (table_) {
        const FieldNode* n = table_->random_node(rng);
        return {n->field(), n->value()};
    }
    size_t pick = static_cast<size_t>(rng() % compact_.size());
    HashPair chosen;
    size_t i = 0;
    compact_.for_each([&](std::string_view f, std::string_view v) {
        if (i++ == pick) chosen = {f, v};
    });
    return chosen;
}

}  // namespace server
