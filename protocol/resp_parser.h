// Incremental RESP2 request parser (multibulk and inline), resumable at any
// byte boundary. Its state is explicit (where the current frame's scan
// stopped, how many bulks remain, the pending bulk length) so a partial frame
// is never rescanned when more bytes arrive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ring_buffer.h"

namespace protocol {

// Redis's limits; the defaults are Redis 7's.
struct ParserLimits {
    size_t max_inline = 64 * 1024;                 // PROTO_INLINE_MAX_SIZE
    int64_t max_bulk = 512LL * 1024 * 1024;        // proto-max-bulk-len
    int64_t max_multibulk = 2147483647;            // INT_MAX
    // Multibulk count allowed before authentication; negative = no limit.
    // (Redis: 10 while a password is required and not yet given.)
    int64_t max_unauthenticated_multibulk = -1;
    // Bulk length allowed before authentication; negative = no limit.
    // (Redis: 16384 under the same condition.)
    int64_t max_unauthenticated_bulk = -1;
};

enum class ParseStatus : uint8_t { kComplete, kNeedMore, kError };

enum class ParseError : uint8_t {
    kNone,
    kTooBigInline,           // Protocol error: too big inline request
    kTooBigMultibulkCount,   // Protocol error: too big mbulk count string
    kInvalidMultibulkLength, // Protocol error: invalid multibulk length
    kUnauthenticatedMultibulk, // Protocol error: unauthenticated multibulk length
    kTooBigBulkCount,        // Protocol error: too big bulk count string
    kInvalidBulkLength,      // Protocol error: invalid bulk length
    kExpectedDollar,         // Protocol error: expected '$', got 'x'
    kUnbalancedQuotes,       // Protocol error: unbalanced quotes in request
    kUnauthenticatedBulk,    // Protocol error: unauthenticated bulk length
};

class RespParser {
public:
    explicit RespParser(ParserLimits limits = {}) : limits_(limits) {}

    // Parses the next command at the head of `in`.
    // kComplete: args() holds the command (possibly zero args for an empty
    //   line or "*0", which the caller skips) and frame_size() bytes must be
    //   consumed from `in` by the caller once it is done with args().
    // kNeedMore: nothing to consume; call again after more bytes arrive.
    //   bytes_wanted() says how many more bytes at least finish the frame
    //   when known (a bulk body), so the caller can grow the buffer once.
    // kError: error() says what; the connection is to be closed after the
    //   reply. The parser must be reset() before reuse.
    ParseStatus parse(RingBuffer& in);

    const std::vector<std::string_view>& args() const { return args_; }
    size_t frame_size() const { return frame_size_; }
    size_t bytes_wanted() const { return wanted_; }
    ParseError error() const { return error_; }
    // The reply text for error(), without the leading "ERR " (e.g.
    // "Protocol error: invalid bulk length").
    std::string error_message() const;

    void set_limits(const ParserLimits& limits) { limits_ = limits; }
    const ParserLimits& limits() const { return limits_; }
    void reset();

private:
    // What the frame in progress waits for.
    enum class Phase : uint8_t { kIdle, kInline, kCount, kBulkLength, kBulkBody, kFailed };
    enum class Step : uint8_t { kNext, kNeedMore, kComplete, kError };
    // Where the frame in progress stands, as offsets from the ring's head
    // (where the frame starts). parse() works on a local copy and stores it
    // back only when it stops for more input.
    struct Cursor {
        size_t line = 0;         // start of the current header line or bulk body
        size_t scan = 0;         // where the next search for a terminator resumes
        size_t bulk_length = 0;  // length of the bulk body being read
        int64_t bulks_left = 0;  // bulks of the multibulk still to read
    };
    // A multibulk argument: offsets, since the ring may be straightened (or
    // grown) while the frame is incomplete; views are made once it is whole.
    struct Span {
        size_t offset;
        size_t length;
    };
    friend struct RespParserTestPeer;

    Step read_inline(RingBuffer& in, std::string_view& view, Cursor& at);
    Step read_multibulk(RingBuffer& in, std::string_view& view, Cursor& at);
    Step read_count(RingBuffer& in, std::string_view& view, Cursor& at);
    Step read_bulk_length(RingBuffer& in, std::string_view& view, Cursor& at);
    Step read_bulk_body(RingBuffer& in, std::string_view& view, Cursor& at);
    bool find(RingBuffer& in, std::string_view& view, char c, size_t& scan, size_t& found);
    Step complete(RingBuffer& in, std::string_view& view, size_t frame_end);
    Step finish(size_t frame_end);
    Step fail(ParseError e);

    ParserLimits limits_;
    Phase phase_ = Phase::kIdle;
    char unexpected_ = 0;        // the byte found instead of '$'
    Cursor at_;                  // saved between calls while a frame is incomplete
    size_t scanned_ = 0;         // bytes searched so far (tests check it is linear)
    std::vector<Span> spans_;    // multibulk arguments read so far
    std::string scratch_;        // unescaped inline arguments
    std::vector<std::string_view> args_;
    size_t frame_size_ = 0;
    size_t wanted_ = 0;
    ParseError error_ = ParseError::kNone;
};

}  // namespace protocol
