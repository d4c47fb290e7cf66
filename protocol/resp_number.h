// Integer text <-> int64 with Redis's rules, shared by the parser, the reply
// writer, the reply reader, and the server's argument parsing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace protocol {

// Longest int64 in decimal: "-9223372036854775808".
constexpr size_t kMaxInt64Digits = 20;

// Redis's string2ll rules, which decide what a client may send as a count or
// a length: an optional '-', then "0" alone or a digit 1-9 followed by
// digits; no '+', no spaces, no leading zeros, no "-0", and the value must
// fit an int64. Reads exactly [p, p + n).
inline bool parse_int64_strict(const char* p, size_t n, int64_t& out) {
    // Redis refuses 21 characters or more before looking at them.
    if (n == 0 || n > kMaxInt64Digits) return false;
    if (n == 1 && p[0] == '0') {
        out = 0;
        return true;
    }
    const bool negative = p[0] == '-';
    size_t i = negative ? 1 : 0;
    // 19 digits cannot overflow a uint64 and 20 exceed every int64, so the
    // loop needs no overflow check.
    if (i == n || n - i > 19 || p[i] < '1' || p[i] > '9') return false;
    uint64_t v = 0;
    for (; i < n; ++i) {
        const unsigned d = static_cast<unsigned char>(p[i]) - unsigned{'0'};
        if (d > 9) return false;
        v = v * 10 + d;
    }
    if (v > uint64_t{INT64_MAX} + (negative ? 1 : 0)) return false;
    out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    return true;
}

namespace detail {

constexpr std::array<char, 200> make_digit_pairs() {
    std::array<char, 200> t{};
    for (size_t i = 0; i < 100; ++i) {
        t[2 * i] = static_cast<char>('0' + i / 10);
        t[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return t;
}

inline constexpr std::array<char, 200> kDigitPairs = make_digit_pairs();

inline size_t count_digits(uint64_t v) {
    size_t n = 1;
    for (;;) {
        if (v < 10) return n;
        if (v < 100) return n + 1;
        if (v < 1000) return n + 2;
        if (v < 10000) return n + 3;
        v /= 10000;
        n += 4;
    }
}

}  // namespace detail

// Writes v in decimal at dst (room for kMaxInt64Digits bytes); returns the
// length. Two digits per division: replies are mostly headers and counters,
// and snprintf would dominate their cost.
inline size_t format_uint64(char* dst, uint64_t v) {
    const size_t n = detail::count_digits(v);
    char* p = dst + n;
    while (v >= 100) {
        const size_t pair = static_cast<size_t>(v % 100) * 2;
        v /= 100;
        p -= 2;
        std::memcpy(p, detail::kDigitPairs.data() + pair, 2);
    }
    if (v >= 10) {
        std::memcpy(p - 2, detail::kDigitPairs.data() + v * 2, 2);
    } else {
        p[-1] = static_cast<char>('0' + v);
    }
    return n;
}

inline size_t format_int64(char* dst, int64_t v) {
    if (v >= 0) return format_uint64(dst, static_cast<uint64_t>(v));
    *dst = '-';
    return 1 + format_uint64(dst + 1, 0 - static_cast<uint64_t>(v));
}

}  // namespace protocol
