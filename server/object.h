// What the keyspace needs from each non-string value type (list, hash, set,
// sorted set), dispatched on the entry's ValueType. Each type implements its
// functions in its own file (server/<type>_type.cpp).
#pragma once

#include <cstddef>
#include <string_view>

#include "server/entry.h"

namespace server {

// Elements in the value (list items, hash fields, set members, zset members).
size_t object_length(ValueType type, const void* obj);
// A deep copy (COPY).
void* object_clone(ValueType type, const void* obj);
// OBJECT ENCODING's answer ("listpack", "quicklist", "hashtable", "intset",
// "skiplist").
std::string_view object_encoding(ValueType type, const void* obj);
// Frees up to about `budget` elements; true once the object is gone. Used to
// free huge values a slice at a time from the cron instead of stalling the
// loop.
bool object_free_step(ValueType type, void* obj, size_t budget);

// Values with more elements than this are freed in steps, not at once.
inline constexpr size_t kLazyFreeThreshold = 1024;

#define RINGDIS_DECLARE_TYPE(prefix)                                  \
    size_t prefix##_length(const void* obj);                          \
    void* prefix##_clone(const void* obj);                            \
    std::string_view prefix##_encoding(const void* obj);              \
    bool prefix##_free_step(void* obj, size_t budget);                \
    void prefix##_destroy(void* obj);

RINGDIS_DECLARE_TYPE(list)
RINGDIS_DECLARE_TYPE(hash)
RINGDIS_DECLARE_TYPE(set)
RINGDIS_DECLARE_TYPE(zset)

#undef RINGDIS_DECLARE_TYPE

}  // namespace server
