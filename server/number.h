// Number parsing and formatting with Redis's exact rules: integers are
// strict (no '+', no leading zeros, no spaces), floats go through strtold
// and are printed as Redis prints them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace server {

// Redis's string2ll: optional '-', then digits with no leading zero (except
// "0" alone), fitting in int64.
std::optional<int64_t> parse_int64(std::string_view s);

// Redis's string2ld: strtold over the whole string, no leading space, no NaN,
// no overflow/underflow to zero or infinity from a range error.
std::optional<long double> parse_long_double(std::string_view s);

// Redis's string2d variant used for scores and timeouts (strtod).
std::optional<double> parse_double(std::string_view s);

// Writes v in decimal and a NUL; returns the number of chars (at most 20).
// buf needs 21 bytes.
size_t format_int64(int64_t v, char* buf);

// INCRBYFLOAT's format: "%.17Lf" with trailing zeros (and a bare '.')
// removed; "inf"/"-inf" for infinities. buf needs 5 * 1024 + 1... callers pass
// kLongDoubleBufSize.
inline constexpr size_t kLongDoubleBufSize = 5 * 1024 + 64;
size_t format_long_double_human(long double v, char* buf, size_t size);

// Score format of Redis 7.0 RESP2 replies: "%.17g", with "inf"/"-inf".
size_t format_double(double v, char* buf, size_t size);

}  // namespace server
