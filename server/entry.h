// One key and its value in a single allocation. Strings live inline after
// the key, so a small key/value pair costs one malloc; other types keep a
// pointer to their object there. An entry with a TTL carries its expiry
// time and its slot in the database's volatile-key index before the key.
// A keyspace entry ends with its access stamp (LRU clock and LFU counter,
// see eviction.h); set and zset members, which reuse this layout for their
// hash tables, have none.
//
//   [Entry header][Expiry if has_expire][key bytes][value bytes | object*][stamp]
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace server {

enum class ValueType : uint8_t { kString = 0, kList, kHash, kSet, kZSet };

// TYPE's answer for a value type.
inline std::string_view type_name(ValueType t) {
    switch (t) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kHash: return "hash";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    }
    return "none";
}

// Expiry block: int64 deadline in ms, then the uint32 index of the entry in
// its database's volatile-key vector; 12 bytes, unaligned (memcpy access).
inline constexpr size_t kExpiryBytes = 12;

struct Entry {
    Entry* next;  // hash chain
    uint32_t key_len;
    uint32_t value_len;  // string bytes; 0 for object types
    ValueType type;
    uint8_t has_expire;

    static constexpr size_t kHeader = 8 + 4 + 4 + 1 + 1;

    char* body() { return reinterpret_cast<char*>(this) + kHeader; }
    const char* body() const { return reinterpret_cast<const char*>(this) + kHeader; }
    size_t expiry_size() const { return has_expire ? kExpiryBytes : 0; }

    std::string_view key() const { return {body() + expiry_size(), key_len}; }
    char* value_ptr() { return body() + expiry_size() + key_len; }
    const char* value_ptr() const { return body() + expiry_size() + key_len; }
    std::string_view str() const { return {value_ptr(), value_len}; }

    void* object() const {
        void* p;
        std::memcpy(&p, value_ptr(), sizeof p);
        return p;
    }
    void set_object(void* p) { std::memcpy(value_ptr(), &p, sizeof p); }

    int64_t expire_ms() const {
        if (!has_expire) return -1;
        int64_t v;
        std::memcpy(&v, body(), sizeof v);
        return v;
    }
    void set_expire_ms(int64_t v) { std::memcpy(body(), &v, sizeof v); }
    uint32_t volatile_slot() const {
        uint32_t v;
        std::memcpy(&v, body() + 8, sizeof v);
        return v;
    }
    void set_volatile_slot(uint32_t v) { std::memcpy(body() + 8, &v, sizeof v); }

    static size_t alloc_size(bool expire, size_t key_len, size_t value_len) {
        return kHeader + (expire ? kExpiryBytes : 0) + key_len + value_len;
    }

    // Keyspace entries only: the 4-byte access stamp after the value, low
    // 24 bits the LRU clock in seconds, high 8 bits the LFU counter.
    static constexpr size_t kStampBytes = 4;
    static size_t keyspace_alloc_size(bool expire, size_t key_len, size_t value_len) {
        return alloc_size(expire, key_len, value_len) + kStampBytes;
    }
    // Bytes the value occupies: the string, or the object pointer.
    size_t value_bytes() const { return type == ValueType::kString ? value_len : sizeof(void*); }
    uint32_t stamp() const {
        uint32_t v;
        std::memcpy(&v, value_ptr() + value_bytes(), sizeof v);
        return v;
    }
    void set_stamp(uint32_t v) { std::memcpy(value_ptr() + value_bytes(), &v, sizeof v); }
};

}  // namespace server

namespace server {
// Frees the object an entry of a non-string type points to (defined with the
// value types).
void destroy_object(ValueType type, void* obj);
}  // namespace server
