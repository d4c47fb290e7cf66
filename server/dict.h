// The keyspace's hash table: chained buckets in power-of-two arrays that
// grow and shrink by incremental rehashing (a few buckets per operation plus
// time-bounded steps from the server's cron), so no single command pays for
// moving the whole table. The table links entries; it does not own them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "server/entry.h"

namespace server {

inline uint64_t reverse_bits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

class Dict {
public:
    Dict() = default;
    ~Dict();
    Dict(const Dict&) = delete;
    Dict& operator=(const Dict&) = delete;

    size_t size() const { return used_[0] + used_[1]; }
    size_t buckets() const { return size_[0] + size_[1]; }
    bool rehashing() const { return rehash_idx_ >= 0; }

    Entry* find(std::string_view key);
    // The link (bucket slot or a predecessor's `next`) that points at the
    // entry with this key, or nullptr. Valid until the next Dict call.
    Entry** find_link(std::string_view key);
    // Adds an entry whose key is not in the table.
    void insert(Entry* e);
    // Unlinks the entry with this key and returns it (nullptr if absent).
    Entry* remove(std::string_view key);

    void swap(Dict& other) noexcept {
        for (int t = 0; t < 2; ++t) {
            std::swap(table_[t], other.table_[t]);
            std::swap(size_[t], other.size_[t]);
            std::swap(used_[t], other.used_[t]);
        }
        std::swap(rehash_idx_, other.rehash_idx_);
    }

    // Moves up to n buckets to the new table; false when done.
    bool rehash_step(int n);
    // Rehashes for about `budget_us` microseconds; returns buckets moved.
    size_t rehash_for_us(uint64_t budget_us);
    // Starts shrinking when the table is mostly empty (cron calls this).
    void maybe_shrink();

    // Unlinks every entry, calling fn(entry) for each; leaves the table empty.
    template <typename Fn>
    void clear(Fn&& fn) {
        for (int t = 0; t < 2; ++t) {
            for (size_t i = 0; i < size_[t]; ++i) {
                Entry* e = table_[t][i];
                while (e != nullptr) {
                    Entry* next = e->next;
                    fn(e);
                    e = next;
                }
            }
        }
        reset();
    }

    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (int t = 0; t < 2; ++t)
            for (size_t i = 0; i < size_[t]; ++i)
                for (Entry* e = table_[t][i]; e != nullptr; e = e->next) fn(e);
    }

    // Redis's reverse-binary cursor scan: every entry present for the whole
    // iteration is returned at least once even while the table resizes.
    // Calls fn(entry) for the entries of one bucket (and its counterparts in
    // the other table) and returns the next cursor (0 when done).
    template <typename Fn>
    uint64_t scan(uint64_t cursor, Fn&& fn) const;

    // A uniformly chosen bucket's random element (nullptr if empty).
    Entry* random_entry(uint64_t (*rng)());
    // Up to `count` distinct entries near a random spot (Redis's
    // dictGetSomeKeys): consecutive buckets from a random index, jumping
    // elsewhere after a run of empty ones. Cheaper than `count` calls of
    // random_entry and random enough for eviction sampling (an entry may
    // come twice after a jump). When count covers the table, every entry
    // comes once. Returns how many were stored in out.
    size_t sample(Entry** out, size_t count, uint64_t (*rng)());

private:
    static uint64_t hash(std::string_view key);
    Entry** locate(std::string_view key, int* table);
    void expand_if_needed();
    void start_resize(size_t new_size);
    void reset();
    void step_if_rehashing() {
        if (rehash_idx_ >= 0) rehash_step(1);
    }

    Entry** table_[2] = {nullptr, nullptr};
    size_t size_[2] = {0, 0};
    size_t used_[2] = {0, 0};
    long long rehash_idx_ = -1;
};

template <typename Fn>
uint64_t Dict::scan(uint64_t cursor, Fn&& fn) const {
    if (size() == 0) return 0;
    auto emit_bucket = [&](int t, uint64_t idx) {
        for (Entry* e = table_[t][idx]; e != nullptr; e = e->next) fn(e);
    };
    auto next_cursor = [](uint64_t v, uint64_t mask) {
        // Increment the reversed cursor: set the unmasked bits, reverse,
        // add one, reverse back.
        v |= ~mask;
        v = reverse_bits(v);
        ++v;
        return reverse_bits(v);
    };
    if (!rehashing()) {
        uint64_t mask = size_[0] - 1;
        emit_bucket(0, cursor & mask);
        return next_cursor(cursor, mask);
    }
    int small = size_[0] <= size_[1] ? 0 : 1;
    int large = 1 - small;
    uint64_t m0 = size_[small] - 1;
    uint64_t m1 = size_[large] - 1;
    emit_bucket(small, cursor & m0);
    // Visit every bucket of the larger table that expands from the small one.
    do {
        emit_bucket(large, cursor & m1);
        cursor = next_cursor(cursor, m1);
    } while (cursor & (m0 ^ m1));
    return cursor;
}

}  // namespace server
