#include "server/crc64.h"

#include <cstring>

namespace server {

namespace {

constexpr uint64_t kJonesPoly = 0xad93d23594c935a9ULL;

constexpr uint64_t reflect64(uint64_t v) {
    uint64_t r = 0;
    for (int i = 0; i < 64; ++i) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return r;
}

// Eight tables for slicing-by-8: table[0] is the classic byte-at-a-time
// table of the reflected polynomial; table[k][b] advances table[k-1][b] by
// one more zero byte.
struct Tables {
    uint64_t t[8][256];
    constexpr Tables() : t{} {
        constexpr uint64_t poly = reflect64(kJonesPoly);
        for (uint64_t b = 0; b < 256; ++b) {
            uint64_t c = b;
            for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
            t[0][b] = c;
        }
        for (int k = 1; k < 8; ++k)
            for (int b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
    }
};

constexpr Tables kTables;

}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t len) {
    const auto* p = static_cast<const unsigned char*>(data);
    const auto& t = kTables.t;
    while (len >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        crc ^= w;
        crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
              t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
              t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len-- > 0) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

}  // namespace server
