#include "server/hash_compact.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace server {

namespace {

constexpr size_t kMinCapacity = 32;

}  // namespace

CompactHash::CompactHash(const CompactHash& other) {
    if (other.used_ == 0) return;
    reserve(other.used_);
    std::memcpy(data_, other.data_, other.used_);
    used_ = other.used_;
    count_ = other.count_;
}

CompactHash::~CompactHash() { std::free(data_); }

void CompactHash::clear() {
    std::free(data_);
    data_ = nullptr;
    used_ = capacity_ = count_ = 0;
}

size_t CompactHash::locate(std::string_view field) const {
    const unsigned char* base = begin();
    const unsigned char* p = base;
    const unsigned char* end = base + used_;
    const size_t len = field.size();
    while (p < end) {
        // Comparing the length byte first skips most pairs without touching
        // their bytes.
        if (p[0] == len && std::memcmp(p + kPairHeader, field.data(), len) == 0)
            return static_cast<size_t>(p - base);
        p += kPairHeader + p[0] + p[1];
    }
    return used_;
}

std::optional<std::string_view> CompactHash::get(std::string_view field) const {
    size_t at = locate(field);
    if (at == used_) return std::nullopt;
    const unsigned char* p = begin() + at;
    return std::string_view(data_ + at + kPairHeader + p[0], p[1]);
}

void CompactHash::reserve(size_t bytes) {
    if (bytes <= capacity_) return;
    // Grow by half again so appending n pairs costs O(n) copies in total.
    size_t capacity = capacity_ + capacity_ / 2;
    if (capacity < bytes) capacity = bytes;
    if (capacity < kMinCapacity) capacity = kMinCapacity;
    void* p = std::realloc(data_, capacity);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
    capacity_ = static_cast<uint32_t>(capacity);
}

// A hash that lost most of its pairs gives memory back, keeping room to grow
// again without an immediate reallocation.
void CompactHash::shrink_if_sparse() {
    if (used_ == 0) {
        clear();
        return;
    }
    if (capacity_ <= kMinCapacity || used_ * 4 > capacity_) return;
    size_t capacity = used_ * 2;
    if (capacity < kMinCapacity) capacity = kMinCapacity;
    void* p = std::realloc(data_, capacity);
    if (p == nullptr) return;  // keeping the bigger block is harmless
    data_ = static_cast<char*>(p);
    capacity_ = static_cast<uint32_t>(capacity);
}

void CompactHash::append(std::string_view field, std::string_view value) {
    size_t pair = kPairHeader + field.size() + value.size();
    reserve(used_ + pair);
    char* p = data_ + used_;
    p[0] = static_cast<char>(field.size());
    p[1] = static_cast<char>(value.size());
    std::memcpy(p + kPairHeader, field.data(), field.size());
    std::memcpy(p + kPairHeader + field.size(), value.data(), value.size());
    used_ += static_cast<uint32_t>(pair);
    ++count_;
}

void CompactHash::replace_value(size_t pair, std::string_view value) {
    size_t field_len = static_cast<unsigned char>(data_[pair]);
    size_t old_len = static_cast<unsigned char>(data_[pair + 1]);
    size_t value_at = pair + kPairHeader + field_len;
    if (value.size() != old_len) {
        size_t tail_at = value_at + old_len;
        size_t tail_len = used_ - tail_at;
        size_t new_used = used_ - old_len + value.size();
        reserve(new_used);
        std::memmove(data_ + value_at + value.size(), data_ + tail_at, tail_len);
        used_ = static_cast<uint32_t>(new_used);
        data_[pair + 1] = static_cast<char>(value.size());
    }
    std::memcpy(data_ + value_at, value.data(), value.size());
}

bool CompactHash::set(std::string_view field, std::string_view value) {
    size_t at = locate(field);
    if (at != used_) {
        replace_value(at, value);
        return false;
    }
    append(field, value);
    return true;
}

bool CompactHash::remove(std::string_view field) {
    size_t at = locate(field);
    if (at == used_) return false;
    const unsigned char* p = begin() + at;
    size_t pair = kPairHeader + p[0] + p[1];
    std::memmove(data_ + at, data_ + at + pair, used_ - at - pair);
    used_ -= static_cast<uint32_t>(pair);
    --count_;
    shrink_if_sparse();
    return true;
}

}  // namespace server
