// The compact form of a small hash (the role of Redis's listpack): every
// field/value pair packed in one buffer in insertion order, each pair as
//
//   [field length: 1 byte][value length: 1 byte][field bytes][value bytes]
//
// A lookup scans the pairs linearly, which at these sizes costs less than
// hashing and keeps HGETALL in insertion order, as Redis replies for its
// listpack hashes. One allocation per hash, none per field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace server {

class CompactHash {
public:
    // Longest field or value a pair can hold (its length is one byte).
    static constexpr size_t kMaxItemLen = 255;

    CompactHash() = default;
    CompactHash(const CompactHash& other);
    CompactHash& operator=(const CompactHash&) = delete;
    ~CompactHash();

    size_t size() const { return count_; }
    size_t bytes() const { return used_; }

    // The value of field; the view lives until the next change.
    std::optional<std::string_view> get(std::string_view field) const;
    // Sets field to value, both at most kMaxItemLen bytes; true when the
    // field was added (at the end), false when an existing one was updated
    // in place (its position kept).
    bool set(std::string_view field, std::string_view value);
    // Appends a field known to be absent (conversions, copies).
    void append(std::string_view field, std::string_view value);
    bool remove(std::string_view field);
    // Frees the buffer; the hash is empty afterwards.
    void clear();

    // Calls fn(field, value) for every pair in insertion order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        const unsigned char* p = begin();
        const unsigned char* end = p + used_;
        while (p < end) {
            size_t field_len = p[0];
            size_t value_len = p[1];
            const char* field = reinterpret_cast<const char*>(p) + kPairHeader;
            fn(std::string_view(field, field_len), std::string_view(field + field_len, value_len));
            p += kPairHeader + field_len + value_len;
        }
    }

private:
    static constexpr size_t kPairHeader = 2;

    const unsigned char* begin() const { return reinterpret_cast<const unsigned char*>(data_); }
    // Offset of the pair holding field, or used_ when there is none.
    size_t locate(std::string_view field) const;
    void reserve(size_t bytes);
    void shrink_if_sparse();
    void replace_value(size_t pair, std::string_view value);

    char* data_ = nullptr;
    uint32_t used_ = 0;
    uint32_t capacity_ = 0;
    uint32_t count_ = 0;
};

}  // namespace server
