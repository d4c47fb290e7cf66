#include "server/lzf.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace server {

namespace {

constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 1 << 13;      // 8 KiB back
constexpr size_t kMaxMatch = 255 + 7 + 2;   // 264 bytes
constexpr size_t kMinMatch = 3;
constexpr unsigned kMaxHashBits = 14;

inline uint32_t read3(const unsigned char* p) {
    return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
}

}  // namespace

size_t lzf_compress(const void* in_ptr, size_t in_len, void* out_ptr, size_t out_len) {
    if (in_len == 0 || in_len > UINT32_MAX) return 0;
    const auto* in = static_cast<const unsigned char*>(in_ptr);
    auto* out = static_cast<unsigned char*>(out_ptr);

    // A table sized to the input, so that short strings (most of what an
    // RDB compresses) do not pay for clearing a big one. Entries hold
    // position + 1; 0 is empty. The output depends on the input only.
    unsigned bits = 4;
    while (bits < kMaxHashBits && (size_t{1} << bits) < in_len) ++bits;
    thread_local std::vector<uint32_t> table;
    table.assign(size_t{1} << bits, 0);
    const uint32_t mask = (uint32_t{1} << bits) - 1;
    auto slot = [&](uint32_t v) { return ((v * 2654435761u) >> (32 - bits)) & mask; };

    size_t op = 0;
    size_t lit_start = 0;
    // Writes the literals [lit_start, end) in runs of at most 32 bytes.
    auto flush_literals = [&](size_t end) {
        while (lit_start < end) {
            size_t run = end - lit_start;
            if (run > kMaxLiteral) run = kMaxLiteral;
            if (op + 1 + run > out_len) return false;
            out[op++] = static_cast<unsigned char>(run - 1);
            std::memcpy(out + op, in + lit_start, run);
            op += run;
            lit_start += run;
        }
        return true;
    };

    size_t ip = 0;
    while (ip + kMinMatch <= in_len) {
        const uint32_t h = slot(read3(in + ip));
        const size_t ref = table[h];
        table[h] = static_cast<uint32_t>(ip + 1);
        if (ref == 0 || ip - (ref - 1) > kMaxOffset || std::memcmp(in + ref - 1, in + ip, kMinMatch) != 0) {
            ++ip;
            continue;
        }
        const size_t from = ref - 1;
        size_t len = kMinMatch;
        size_t max = in_len - ip < kMaxMatch ? in_len - ip : kMaxMatch;
        while (len < max && in[from + len] == in[ip + len]) ++len;
        if (!flush_literals(ip)) return 0;
        const size_t off = ip - from - 1;
        const size_t l = len - 2;
        if (l < 7) {
            if (op + 2 > out_len) return 0;
            out[op++] = static_cast<unsigned char>((l << 5) | (off >> 8));
        } else {
            if (op + 3 > out_len) return 0;
            out[op++] = static_cast<unsigned char>((7 << 5) | (off >> 8));
            out[op++] = static_cast<unsigned char>(l - 7);
        }
        out[op++] = static_cast<unsigned char>(off & 0xff);
        // Index the positions inside the match too (cheaply: the last two),
        // so a following repeat is found.
        const size_t end = ip + len;
        for (size_t p = end >= 2 ? end - 2 : 0; p < end && p + kMinMatch <= in_len; ++p)
            if (p > ip) table[slot(read3(in + p))] = static_cast<uint32_t>(p + 1);
        ip = end;
        lit_start = ip;
    }
    if (!flush_literals(in_len)) return 0;
    return op;
}

size_t lzf_decompress(const void* in_ptr, size_t in_len, void* out_ptr, size_t out_len) {
    const auto* in = static_cast<const unsigned char*>(in_ptr);
    auto* out = static_cast<unsigned char*>(out_ptr);
    size_t ip = 0;
    size_t op = 0;
    while (ip < in_len) {
        const size_t ctrl = in[ip++];
        if (ctrl < 32) {
            const size_t run = ctrl + 1;
            if (ip + run > in_len || op + run > out_len) return 0;
            std::memcpy(out + op, in + ip, run);
            ip += run;
            op += run;
            continue;
        }
        size_t len = ctrl >> 5;
        if (len == 7) {
            if (ip >= in_len) return 0;
            len += in[ip++];
        }
        if (ip >= in_len) return 0;
        const size_t back = ((ctrl & 0x1f) << 8) + in[ip++] + 1;
        len += 2;
        if (back > op || op + len > out_len) return 0;
        const unsigned char* src = out + op - back;
        // Byte by byte: a match may overlap the bytes it produces.
        if (back >= len) {
            std::memcpy(out + op, src, len);
        } else {
            for (size_t i = 0; i < len; ++i) out[op + i] = src[i];
        }
        op += len;
    }
    return op;
}

}  // namespace server
