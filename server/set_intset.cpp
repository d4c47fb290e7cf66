#include "server/set_intset.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace server {

namespace {

template <typename T>
T load_as(const char* data, size_t i) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    return v;
}

int64_t load(const char* data, unsigned width, size_t i) {
    switch (width) {
    case 2: return load_as<int16_t>(data, i);
    case 4: return load_as<int32_t>(data, i);
    default: return load_as<int64_t>(data, i);
    }
}

// One instantiation per width keeps the width switch out of the loop.
template <typename T>
bool search_as(const char* data, size_t count, int64_t v, size_t& pos) {
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t m = load_as<T>(data, mid);
        if (m < v) lo = mid + 1;
        else if (m > v) hi = mid;
        else {
            pos = mid;
            return true;
        }
    }
    pos = lo;
    return false;
}

}  // namespace

unsigned intset_width_for(int64_t v) {
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

IntSet::~IntSet() { std::free(data_); }

IntSet::IntSet(const IntSet& other) : count_(other.count_), capacity_(other.count_), width_(other.width_) {
    if (count_ == 0) {
        capacity_ = 0;
        return;
    }
    data_ = static_cast<char*>(std::malloc(size_t{count_} * width_));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memcpy(data_, other.data_, size_t{count_} * width_);
}

int64_t IntSet::at(size_t i) const { return load(data_, width_, i); }

bool IntSet::search(int64_t v, size_t& pos) const {
    switch (width_) {
    case 2: return search_as<int16_t>(data_, count_, v, pos);
    case 4: return search_as<int32_t>(data_, count_, v, pos);
    default: return search_as<int64_t>(data_, count_, v, pos);
    }
}

bool IntSet::contains(int64_t v) const {
    if (intset_width_for(v) > width_) return false;
    size_t pos;
    return search(v, pos);
}

void IntSet::store(size_t i, int64_t v) {
    char* p = data_ + i * width_;
    switch (width_) {
    case 2: {
        auto x = static_cast<int16_t>(v);
        std::memcpy(p, &x, 2);
        break;
    }
    case 4: {
        auto x = static_cast<int32_t>(v);
        std::memcpy(p, &x, 4);
        break;
    }
    default: std::memcpy(p, &v, 8); break;
    }
}

void IntSet::reserve(size_t n) {
    if (n <= capacity_) return;
    // Grow by half again so a run of inserts costs amortized O(1) reallocs,
    // while a small set stays within a few elements of its size.
    size_t cap = capacity_ + capacity_ / 2;
    if (cap < n) cap = n;
    if (cap < 4) cap = 4;
    auto* p = static_cast<char*>(std::realloc(data_, cap * width_));
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    capacity_ = static_cast<uint32_t>(cap);
}

void IntSet::widen(unsigned width) {
    const unsigned old = width_;
    auto* p = static_cast<char*>(std::realloc(data_, size_t{capacity_} * width));
    if (capacity_ != 0 && p == nullptr) throw std::bad_alloc();
    data_ = p;
    width_ = static_cast<uint8_t>(width);
    // Back to front, so no value is overwritten before it has moved.
    for (size_t i = count_; i-- > 0;) store(i, load(data_, old, i));
}

bool IntSet::insert(int64_t v) {
    size_t pos;
    unsigned need = intset_width_for(v);
    if (need > width_) {
        // A value too wide for the array lies beyond every current one.
        widen(need);
        pos = v < 0 ? 0 : count_;
    } else if (search(v, pos)) {
        return false;
    }
    reserve(size_t{count_} + 1);
    char* at_pos = data_ + pos * width_;
    std::memmove(at_pos + width_, at_pos, (count_ - pos) * width_);
    store(pos, v);
    ++count_;
    return true;
}

void IntSet::erase_at(size_t i) {
    char* p = data_ + i * width_;
    std::memmove(p, p + width_, (count_ - i - 1) * width_);
    --count_;
    shrink_if_sparse();
}

bool IntSet::erase(int64_t v) {
    if (intset_width_for(v) > width_) return false;
    size_t pos;
    if (!search(v, pos)) return false;
    erase_at(pos);
    return true;
}

void IntSet::shrink_if_sparse() {
    if (count_ == 0) {
        release();
        return;
    }
    if (capacity_ <= 8 || count_ * 4 > capacity_) return;
    size_t cap = size_t{count_} * 2;
    auto* p = static_cast<char*>(std::realloc(data_, cap * width_));
    if (p == nullptr) return;  // keeping the larger block is harmless
    data_ = p;
    capacity_ = static_cast<uint32_t>(cap);
}

void IntSet::release() {
    std::free(data_);
    data_ = nullptr;
    count_ = 0;
    capacity_ = 0;
}

}  // namespace server
