// The keyspace's hash function: 8 bytes per step, multiply-rotate mixing and
// a final avalanche; seeded once per process so clients cannot pick keys that
// collide on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace server {

uint64_t hash_seed();

inline uint64_t hash_mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

inline uint64_t hash_bytes(std::string_view s, uint64_t seed) {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    const char* p = s.data();
    size_t n = s.size();
    uint64_t h = seed ^ (n * kMul);
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        w *= 0x87c37b91114253d5ULL;
        w = (w << 31) | (w >> 33);
        h = (h ^ w) * kMul;
        h = (h << 27) | (h >> 37);
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    h ^= tail * 0x4cf5ad432745937fULL;
    return hash_mix(h);
}

}  // namespace server
