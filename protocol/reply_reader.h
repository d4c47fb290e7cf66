// Client side of RESP: decodes one reply (RESP2 or RESP3) into a tree, and
// encodes a command as a multibulk request. Used by tools/hello-redis, the
// tests and the benchmarks; the server's hot path never touches it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace protocol {

struct RespValue {
    enum class Kind : uint8_t {
        kSimple,   // +
        kError,    // -
        kInteger,  // :
        kBulk,     // $
        kNull,     // $-1, *-1, _
        kArray,    // *
        kMap,      // %  (elems alternate key, value)
        kSet,      // ~
        kPush,     // >
        kDouble,   // ,  (text kept in str)
        kBoolean,  // #  (integer 1 or 0)
        kVerbatim, // =  (str is the payload after "fmt:")
        kBigNumber // (  (text kept in str)
    };
    Kind kind = Kind::kNull;
    std::string str;
    int64_t integer = 0;
    std::vector<RespValue> elems;
};

// Decodes the reply at the start of `bytes`. Returns the number of bytes it
// spans (> 0), 0 if the reply is not complete yet, or -1 if the bytes are not
// valid RESP. Attributes ('|') are skipped: `out` is the value after them and
// the span covers both. Blob errors ('!') read as kError. `out` is only
// meaningful when the result is > 0.
long decode_reply(std::string_view bytes, RespValue& out);

// "*<n>\r\n$<len>\r\n<arg>\r\n..." for the given arguments.
std::string encode_command(const std::vector<std::string_view>& args);
void append_command(std::string& out, const std::vector<std::string_view>& args);

}  // namespace protocol
