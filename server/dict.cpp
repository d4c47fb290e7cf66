#include "server/dict.h"

#include <chrono>
#include <cstdlib>
#include <random>

#include "server/hash.h"

namespace server {

namespace {

constexpr size_t kInitialSize = 4;
// Empty buckets a single step may skip before giving up for now, so a step
// on a sparse table stays cheap.
constexpr int kEmptyVisitsPerBucket = 10;

uint64_t monotonic_us() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

}  // namespace

uint64_t hash_seed() {
    static const uint64_t seed = [] {
        std::random_device rd;
        return (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }();
    return seed;
}

uint64_t Dict::hash(std::string_view key) { return hash_bytes(key, hash_seed()); }

Dict::~Dict() {
    std::free(table_[0]);
    std::free(table_[1]);
}

void Dict::reset() {
    std::free(table_[0]);
    std::free(table_[1]);
    table_[0] = table_[1] = nullptr;
    size_[0] = size_[1] = 0;
    used_[0] = used_[1] = 0;
    rehash_idx_ = -1;
}

Entry** Dict::locate(std::string_view key, int* table) {
    if (size() == 0) return nullptr;
    step_if_rehashing();
    uint64_t h = hash(key);
    for (int t = 0; t < 2; ++t) {
        if (size_[t] == 0) continue;
        Entry** link = &table_[t][h & (size_[t] - 1)];
        while (*link != nullptr) {
            Entry* e = *link;
            if (e->key_len == key.size() && std::memcmp(e->key().data(), key.data(), key.size()) == 0) {
                *table = t;
                return link;
            }
            link = &e->next;
        }
        if (!rehashing()) break;
    }
    return nullptr;
}

Entry** Dict::find_link(std::string_view key) {
    int table;
    return locate(key, &table);
}

Entry* Dict::find(std::string_view key) {
    Entry** link = find_link(key);
    return link ? *link : nullptr;
}

void Dict::insert(Entry* e) {
    step_if_rehashing();
    expand_if_needed();
    int t = rehashing() ? 1 : 0;
    uint64_t idx = hash(e->key()) & (size_[t] - 1);
    e->next = table_[t][idx];
    table_[t][idx] = e;
    ++used_[t];
}

Entry* Dict::remove(std::string_view key) {
    int table;
    Entry** link = locate(key, &table);
    if (link == nullptr) return nullptr;
    Entry* e = *link;
    *link = e->next;
    --used_[table];
    return e;
}

void Dict::expand_if_needed() {
    if (rehashing()) return;
    if (size_[0] == 0) {
        start_resize(kInitialSize);
        return;
    }
    if (used_[0] >= size_[0]) start_resize(size_[0] * 2);
}

void Dict::maybe_shrink() {
    if (rehashing() || size_[0] <= kInitialSize) return;
    if (used_[0] * 8 >= size_[0]) return;
    size_t target = kInitialSize;
    while (target < used_[0]) target *= 2;
    start_resize(target);
}

void Dict::start_resize(size_t new_size) {
    auto* table = static_cast<Entry**>(std::calloc(new_size, sizeof(Entry*)));
    if (table == nullptr) return;  // keep the old table; a longer chain is not fatal
    if (size_[0] == 0) {
        table_[0] = table;
        size_[0] = new_size;
        return;
    }
    table_[1] = table;
    size_[1] = new_size;
    used_[1] = 0;
    rehash_idx_ = 0;
}

bool Dict::rehash_step(int n) {
    if (!rehashing()) return false;
    int empty_visits = n * kEmptyVisitsPerBucket;
    const size_t mask1 = size_[1] - 1;
    while (n-- > 0 && used_[0] != 0) {
        while (table_[0][rehash_idx_] == nullptr) {
            ++rehash_idx_;
            if (--empty_visits == 0) return true;
        }
        Entry* e = table_[0][rehash_idx_];
        while (e != nullptr) {
            Entry* next = e->next;
            uint64_t idx = hash(e->key()) & mask1;
            e->next = table_[1][idx];
            table_[1][idx] = e;
            --used_[0];
            ++used_[1];
            e = next;
        }
        table_[0][rehash_idx_] = nullptr;
        ++rehash_idx_;
    }
    if (used_[0] == 0) {
        std::free(table_[0]);
        table_[0] = table_[1];
        size_[0] = size_[1];
        used_[0] = used_[1];
        table_[1] = nullptr;
        size_[1] = 0;
        used_[1] = 0;
        rehash_idx_ = -1;
        return false;
    }
    return true;
}

size_t Dict::rehash_for_us(uint64_t budget_us) {
    if (!rehashing()) return 0;
    uint64_t start = monotonic_us();
    size_t moved = 0;
    while (rehash_step(100)) {
        moved += 100;
        if (monotonic_us() - start >= budget_us) break;
    }
    return moved;
}

Entry* Dict::random_entry(uint64_t (*rng)()) {
    if (size() == 0) return nullptr;
    step_if_rehashing();
    Entry* head = nullptr;
    // Retry empty buckets; with load factor near 1 this ends fast.
    for (int tries = 0; head == nullptr; ++tries) {
        if (rehashing()) {
            uint64_t span = size_[0] + size_[1] - static_cast<uint64_t>(rehash_idx_);
            uint64_t r = static_cast<uint64_t>(rehash_idx_) + rng() % span;
            head = r >= size_[0] ? table_[1][r - size_[0]] : table_[0][r];
        } else {
            head = table_[0][rng() & (size_[0] - 1)];
        }
        if (tries > 1000 && head == nullptr) {
            // Very sparse table: walk to the first non-empty bucket.
            Entry* found = nullptr;
            for_each([&](Entry* e) {
                if (found == nullptr) found = e;
            });
            return found;
        }
    }
    size_t len = 0;
    for (Entry* e = head; e != nullptr; e = e->next) ++len;
    size_t pick = rng() % len;
    while (pick-- > 0) head = head->next;
    return head;
}

size_t Dict::sample(Entry** out, size_t count, uint64_t (*rng)()) {
    if (count > size()) count = size();
    if (count == 0) return 0;
    if (count == size()) {
        // Everything asked for: walk it all (small tables only), so no
        // entry is missed or repeated.
        size_t stored = 0;
        for_each([&](Entry* e) { out[stored++] = e; });
        return stored;
    }
    for (size_t j = 0; j < count && rehashing(); ++j) rehash_step(1);
    const int tables = rehashing() ? 2 : 1;
    uint64_t maxmask = size_[0] - 1;
    if (tables == 2 && size_[1] - 1 > maxmask) maxmask = size_[1] - 1;
    uint64_t i = rng() & maxmask;
    size_t empty_run = 0;
    size_t stored = 0;
    size_t max_steps = count * 10;
    while (stored < count && max_steps-- > 0) {
        for (int t = 0; t < tables; ++t) {
            // Buckets of the old table below the rehash index are empty.
            if (tables == 2 && t == 0 && i < static_cast<uint64_t>(rehash_idx_)) {
                if (i >= size_[1]) i = static_cast<uint64_t>(rehash_idx_);
                else continue;
            }
            if (i >= size_[t]) continue;
            Entry* e = table_[t][i];
            if (e == nullptr) {
                // A long empty run: move somewhere else.
                if (++empty_run >= 5 && empty_run > count) {
                    i = rng() & maxmask;
                    empty_run = 0;
                }
                continue;
            }
            empty_run = 0;
            for (; e != nullptr; e = e->next) {
                out[stored++] = e;
                if (stored == count) return stored;
            }
        }
        i = (i + 1) & maxmask;
    }
    return stored;
}

}  // namespace server
