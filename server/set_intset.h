// The compact form of a small set of integers (Redis's "intset"): distinct
// values kept sorted in one array at the narrowest width (2, 4 or 8 bytes)
// that holds every one of them. Lookups are a binary search; an insert moves
// the tail. A value that needs a wider width upgrades the whole array once;
// the width never narrows again, as in Redis.
#pragma once

#include <cstddef>
#include <cstdint>

namespace server {

class IntSet {
public:
    IntSet() = default;
    ~IntSet();
    IntSet(const IntSet& other);
    IntSet& operator=(const IntSet&) = delete;

    size_t size() const { return count_; }
    // Bytes per element: 2, 4 or 8.
    unsigned width() const { return width_; }
    // The i-th smallest value.
    int64_t at(size_t i) const;
    bool contains(int64_t v) const;
    // True when v was not there yet.
    bool insert(int64_t v);
    // True when v was there.
    bool erase(int64_t v);
    void erase_at(size_t i);
    // Frees the array; the set is empty (width kept).
    void release();

private:
    // Position of v, or of where it would go; true when found.
    bool search(int64_t v, size_t& pos) const;
    void store(size_t i, int64_t v);
    void reserve(size_t n);
    void widen(unsigned width);
    void shrink_if_sparse();

    char* data_ = nullptr;
    uint32_t count_ = 0;
    uint32_t capacity_ = 0;
    uint8_t width_ = 2;
};

// The narrowest intset width that holds v.
unsigned intset_width_for(int64_t v);

}  // namespace server
