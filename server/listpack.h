// Redis's listpack serialization (the blob an RDB file stores for small
// hashes, sorted sets and list nodes), written from the format description:
//
//   [total bytes: u32 LE][element count: u16 LE, 65535 = unknown]
//   [entry]...[0xFF]
//
// entry = [encoding + data][backlen], where backlen is the size of
// encoding + data in 1 to 5 bytes, 7 bits per byte, read from its last byte
// backwards (every byte but the leftmost has its high bit set). Encodings:
//
//   0xxxxxxx                  7-bit unsigned integer
//   10xxxxxx <bytes>          string of up to 63 bytes
//   110xxxxx yyyyyyyy         13-bit signed integer
//   1110xxxx yyyyyyyy <bytes> string of up to 4095 bytes
//   11110000 <u32 LE> <bytes> longer string
//   11110001/2/3/4 <LE>       16/24/32/64-bit signed integer
//
// A string that is a canonical integer ("-12", not "012" or "+1") is stored
// as an integer, as Redis does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace server {

// One decoded element of a listpack or ziplist: an integer or bytes (a view
// into the blob).
struct PackedItem {
    bool is_int = false;
    int64_t value = 0;
    std::string_view bytes;

    // The element as Redis returns it: the bytes, or the integer in decimal
    // (written into buf).
    std::string_view text(char (&buf)[24]) const;
};

// Builds a listpack blob, element by element.
class ListpackBuilder {
public:
    ListpackBuilder() { reset(); }
    void reset();
    // Appends an element: as an integer when it is a canonical one.
    void add(std::string_view s);
    void add_int(int64_t v);
    size_t count() const { return count_; }
    // Completes the header and the end mark; the view lives until the next
    // reset() or add().
    std::string_view finish();

private:
    void add_string(std::string_view s);
    void put_backlen(size_t entry_len);

    std::string buf_;
    size_t count_ = 0;
};

// Checks a listpack blob as Redis's deep integrity check does (header size,
// end mark, every entry in bounds with a matching backlen, the count) and
// appends its elements to `out`. On failure returns false with a reason.
bool listpack_decode(std::string_view blob, std::vector<PackedItem>& out, std::string& error);

// The old ziplist (RDB types 10, 12, 13 and the nodes of type 14):
//   [zlbytes: u32 LE][zltail: u32 LE][zllen: u16 LE][entry]...[0xFF]
//   entry = [prevlen: 1 byte < 254, or 0xFE + u32 LE][encoding][data]
bool ziplist_decode(std::string_view blob, std::vector<PackedItem>& out, std::string& error);

// The oldest hash encoding (RDB type 9, Redis before 2.6):
//   [zmlen: 1 byte] ([len] field [len][free: 1 byte] value [free bytes])... [0xFF]
//   len = 1 byte < 254, or 254 + u32 LE
// Appends field, value, field, value...
bool zipmap_decode(std::string_view blob, std::vector<PackedItem>& out, std::string& error);

// An intset blob (RDB type 11): [width: u32 LE, 2/4/8][count: u32 LE]
// [count values LE, strictly ascending].
bool intset_decode(std::string_view blob, std::vector<int64_t>& out, std::string& error);

// Whether s is a canonical decimal int64 (Redis's string2ll: optional '-',
// no leading zeros, no '+', no spaces, "-0" excluded); stores it in v.
bool canonical_int64(std::string_view s, int64_t& v);

}  // namespace server
