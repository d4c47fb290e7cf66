// The full form of a big hash (Redis's "hashtable" encoding): chained
// buckets in power-of-two arrays, resized by incremental rehashing so that
// no single HSET or HDEL pays for moving a million fields. Each field and
// its value share one allocation (a FieldNode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace server {

namespace hash_detail {
inline uint64_t reverse_bits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}
}  // namespace hash_detail

struct FieldNode {
    FieldNode* next;
    uint32_t field_len;
    uint32_t value_len;

    // Field bytes, then value bytes, right after the header.
    char* bytes() { return reinterpret_cast<char*>(this) + sizeof(FieldNode); }
    const char* bytes() const { return reinterpret_cast<const char*>(this) + sizeof(FieldNode); }
    std::string_view field() const { return {bytes(), field_len}; }
    std::string_view value() const { return {bytes() + field_len, value_len}; }
};

class FieldTable {
public:
    FieldTable() = default;
    FieldTable(const FieldTable& other);
    FieldTable& operator=(const FieldTable&) = delete;
    ~FieldTable();

    size_t size() const { return used_[0] + used_[1]; }
    size_t bucket_count() const { return size_[0] + size_[1]; }
    bool rehashing() const { return rehash_idx_ != kNotRehashing; }

    const FieldNode* find(std::string_view field) const;
    // Sets field to value; true when the field was added.
    bool set(std::string_view field, std::string_view value);
    // Adds a field known to be absent, skipping the lookup.
    void insert_new(std::string_view field, std::string_view value);
    bool remove(std::string_view field);
    // Sizes an empty table for about n fields, so a conversion or a copy
    // does not rehash while it fills the table.
    void reserve(size_t n);

    // Frees about `budget` fields (and empty buckets); true once every
    // field and the bucket arrays are gone. The table only shrinks from the
    // first call on: it is being destroyed.
    bool free_some(size_t budget);

    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (int t = 0; t < 2; ++t)
            for (size_t i = 0; i < size_[t]; ++i)
                for (const FieldNode* n = table_[t][i]; n != nullptr; n = n->next) fn(*n);
    }

    // Redis's reverse-binary cursor: calls fn(node) for one bucket (and the
    // buckets it expands to in the other table while rehashing) and returns
    // the next cursor, 0 when the iteration is complete. Every field present
    // for the whole iteration is visited at least once, even while the table
    // grows or shrinks between calls.
    template <typename Fn>
    uint64_t scan(uint64_t cursor, Fn&& fn) const;

    // A random field (bucket first, then a position in its chain); the
    // table must not be empty. rng() returns uniform 64-bit values.
    template <typename Rng>
    const FieldNode* random_node(Rng&& rng) const;

private:
    static constexpr size_t kNotRehashing = ~size_t{0};

    static uint64_t hash(std::string_view field);
    FieldNode** locate(std::string_view field, uint64_t h, int* table) const;
    void link(FieldNode* node, uint64_t h);
    void replace_value(FieldNode** link, std::string_view value);
    void expand_if_needed();
    void shrink_if_sparse();
    void start_resize(size_t buckets);
    void rehash_step();
    void finish_rehash();
    void release();

    FieldNode** table_[2] = {nullptr, nullptr};
    size_t size_[2] = {0, 0};
    size_t used_[2] = {0, 0};
    size_t rehash_idx_ = kNotRehashing;
    // Where free_some() resumes.
    int sweep_table_ = 0;
    size_t sweep_idx_ = 0;
};

template <typename Fn>
uint64_t FieldTable::scan(uint64_t cursor, Fn&& fn) const {
    if (size() == 0) return 0;
    auto visit = [&](int t, uint64_t idx) {
        for (const FieldNode* n = table_[t][idx]; n != nullptr; n = n->next) fn(*n);
    };
    // Increments the cursor's reversed bits, so that a bucket's children in
    // a bigger table follow it and a smaller table's bucket covers them.
    auto advance = [](uint64_t v, uint64_t mask) {
        v |= ~mask;
        v = hash_detail::reverse_bits(v);
        ++v;
        return hash_detail::reverse_bits(v);
    };
    if (!rehashing()) {
        uint64_t mask = size_[0] - 1;
        visit(0, cursor & mask);
        return advance(cursor, mask);
    }
    int small = size_[0] <= size_[1] ? 0 : 1;
    int large = 1 - small;
    uint64_t small_mask = size_[small] - 1;
    uint64_t large_mask = size_[large] - 1;
    visit(small, cursor & small_mask);
    do {
        visit(large, cursor & large_mask);
        cursor = advance(cursor, large_mask);
    } while (cursor & (small_mask ^ large_mask));
    return cursor;
}

template <typename Rng>
const FieldNode* FieldTable::random_node(Rng&& rng) const {
    // Buckets below rehash_idx_ in the old table are empty: skip them.
    size_t low = rehashing() ? rehash_idx_ : 0;
    size_t span = size_[0] + size_[1] - low;
    const FieldNode* head = nullptr;
    // The table keeps at least ~1/10 of its buckets in use, so a few draws
    // find one; the walk below only bounds the worst case.
    for (int tries = 0; head == nullptr && tries < 1000; ++tries) {
        size_t r = low + static_cast<size_t>(rng() % span);
        head = r < size_[0] ? table_[0][r] : table_[1][r - size_[0]];
    }
    if (head == nullptr) {
        for (int t = 0; t < 2 && head == nullptr; ++t)
            for (size_t i = 0; i < size_[t] && head == nullptr; ++i) head = table_[t][i];
    }
    size_t chain = 0;
    for (const FieldNode* n = head; n != nullptr; n = n->next) ++chain;
    size_t pick = static_cast<size_t>(rng() % chain);
    while (pick-- > 0) head = head->next;
    return head;
}

}  // namespace server
