#include "protocol/resp_parser.h"

#include <cstring>

#include "protocol/inline_split.h"
#include "protocol/resp_number.h"

// The rules are Redis 7.0's processInlineBuffer and processMultibulkBuffer,
// including their quirks: a header line ends at '\r' and the byte after it is
// skipped unchecked, as are the two bytes after a bulk body; a count of zero
// or less is an empty command; "too big" is judged on what is buffered from
// the start of the line when no terminator has been found yet.
//
// One deliberate difference: Redis looks for terminators with strchr, so a
// NUL byte before the terminator leaves it waiting for more input until the
// "too big" limit trips. Here the terminator is found and the line is judged
// as it is (a bad number, a "got" byte of NUL, or an inline line cut at the
// NUL as sdssplitargs would cut it).

// The steps of a frame are small and run back to back for every argument;
// as separate calls their prologues would cost more than their work.
#define RINGDIS_STEP [[gnu::always_inline]] inline

namespace protocol {

namespace {

// Header lines are mostly a few bytes ("$3\r\n"): a plain loop finds their
// end sooner than a call to memchr, which wins from a few dozen bytes on.
constexpr size_t kShortSearch = 16;

RINGDIS_STEP const char* search(const char* p, size_t n, char c) {
    const size_t k = n < kShortSearch ? n : kShortSearch;
    for (size_t i = 0; i < k; ++i)
        if (p[i] == c) return p + i;
    if (n == k) return nullptr;
    return static_cast<const char*>(std::memchr(p + k, c, n - k));
}

}  // namespace

[[gnu::cold]] RespParser::Step RespParser::fail(ParseError e) {
    error_ = e;
    phase_ = Phase::kFailed;
    return Step::kError;
}

RINGDIS_STEP RespParser::Step RespParser::finish(size_t frame_end) {
    frame_size_ = frame_end;
    phase_ = Phase::kIdle;
    return Step::kComplete;
}

// The arguments become views only now: until the frame was whole the ring
// could still be straightened under them.
RINGDIS_STEP RespParser::Step RespParser::complete(RingBuffer& in, std::string_view& view,
                                                   size_t frame_end) {
    if (view.size() < frame_end) view = in.make_contiguous();
    args_.clear();
    for (const Span& s : spans_) args_.emplace_back(view.data() + s.offset, s.length);
    return finish(frame_end);
}

// Searches for `c` from `scan` on, so bytes that arrive a few at a time are
// each looked at once. When the search runs into the ring's wrap point the
// ring is straightened; offsets from the head survive that.
RINGDIS_STEP bool RespParser::find(RingBuffer& in, std::string_view& view, char c, size_t& scan,
                                   size_t& found) {
    for (;;) {
        if (scan < view.size()) {
            const size_t n = view.size() - scan;
            if (const char* hit = search(view.data() + scan, n, c)) {
                found = static_cast<size_t>(hit - view.data());
                scanned_ += found - scan + 1;
                scan = found;
                return true;
            }
            scanned_ += n;
            scan = view.size();
        }
        if (view.size() == in.size()) return false;
        view = in.make_contiguous();
    }
}

RespParser::Step RespParser::read_inline(RingBuffer& in, std::string_view& view, Cursor& at) {
    size_t newline;
    if (!find(in, view, '\n', at.scan, newline)) {
        if (in.size() > limits_.max_inline) return fail(ParseError::kTooBigInline);
        return Step::kNeedMore;
    }
    const size_t length = newline > 0 && view[newline - 1] == '\r' ? newline - 1 : newline;
    // Unescaped text is never longer than its source, so sizing the scratch
    // once keeps the views already handed out valid while splitting.
    if (scratch_.size() < length) scratch_.resize(length);
    args_.clear();
    if (!split_inline(view.substr(0, length), scratch_.data(), args_))
        return fail(ParseError::kUnbalancedQuotes);
    return finish(newline + 1);
}

RINGDIS_STEP RespParser::Step RespParser::read_count(RingBuffer& in, std::string_view& view,
                                                     Cursor& at) {
    size_t cr;
    if (!find(in, view, '\r', at.scan, cr)) {
        if (in.size() > limits_.max_inline) return fail(ParseError::kTooBigMultibulkCount);
        return Step::kNeedMore;
    }
    if (cr + 1 >= in.size()) return Step::kNeedMore;  // the '\n' is not here yet
    int64_t count;
    if (!parse_int64_strict(view.data() + 1, cr - 1, count) || count > limits_.max_multibulk)
        return fail(ParseError::kInvalidMultibulkLength);
    if (limits_.max_unauthenticated_multibulk >= 0 && count > limits_.max_unauthenticated_multibulk)
        return fail(ParseError::kUnauthenticatedMultibulk);
    at.line = at.scan = cr + 2;
    if (count <= 0) return complete(in, view, at.line);
    at.bulks_left = count;
    phase_ = Phase::kBulkLength;
    return Step::kNext;
}

RINGDIS_STEP RespParser::Step RespParser::read_bulk_length(RingBuffer& in, std::string_view& view,
                                                           Cursor& at) {
    size_t cr;
    if (!find(in, view, '\r', at.scan, cr)) {
        if (in.size() - at.line > limits_.max_inline) return fail(ParseError::kTooBigBulkCount);
        return Step::kNeedMore;
    }
    if (cr + 1 >= in.size()) return Step::kNeedMore;
    // Redis looks at the '$' only once the whole line is there.
    if (view[at.line] != '$') {
        unexpected_ = view[at.line];
        return fail(ParseError::kExpectedDollar);
    }
    int64_t length;
    if (!parse_int64_strict(view.data() + at.line + 1, cr - at.line - 1, length) || length < 0 ||
        length > limits_.max_bulk)
        return fail(ParseError::kInvalidBulkLength);
    if (limits_.max_unauthenticated_bulk >= 0 && length > limits_.max_unauthenticated_bulk)
        return fail(ParseError::kUnauthenticatedBulk);
    at.bulk_length = static_cast<size_t>(length);
    at.line = at.scan = cr + 2;
    phase_ = Phase::kBulkBody;
    return Step::kNext;
}

RINGDIS_STEP RespParser::Step RespParser::read_bulk_body(RingBuffer& in, std::string_view& view,
                                                         Cursor& at) {
    const size_t end = at.line + at.bulk_length + 2;  // the 2 bytes are not checked
    if (in.size() < end) {
        wanted_ = end - in.size();
        return Step::kNeedMore;
    }
    spans_.push_back({at.line, at.bulk_length});
    at.line = at.scan = end;
    if (--at.bulks_left > 0) {
        phase_ = Phase::kBulkLength;
        return Step::kNext;
    }
    return complete(in, view, end);
}

RespParser::Step RespParser::read_multibulk(RingBuffer& in, std::string_view& view, Cursor& at) {
    Step s = Step::kNext;
    if (phase_ == Phase::kCount) s = read_count(in, view, at);
    while (s == Step::kNext) {
        if (phase_ == Phase::kBulkLength) s = read_bulk_length(in, view, at);
        if (s == Step::kNext) s = read_bulk_body(in, view, at);
    }
    return s;
}

ParseStatus RespParser::parse(RingBuffer& in) {
    wanted_ = 0;
    Cursor at;
    switch (phase_) {
        case Phase::kFailed: return ParseStatus::kError;
        case Phase::kIdle:
            if (in.empty()) return ParseStatus::kNeedMore;
            phase_ = in.at(0) == '*' ? Phase::kCount : Phase::kInline;
            spans_.clear();
            break;
        default: at = at_; break;  // resuming: the only time the position is loaded
    }
    std::string_view view = in.readable();
    const Step s =
        phase_ == Phase::kInline ? read_inline(in, view, at) : read_multibulk(in, view, at);
    switch (s) {
        case Step::kComplete: return ParseStatus::kComplete;
        case Step::kNeedMore: at_ = at; return ParseStatus::kNeedMore;
        default: return ParseStatus::kError;
    }
}

void RespParser::reset() {
    phase_ = Phase::kIdle;
    error_ = ParseError::kNone;
    unexpected_ = 0;
    at_ = Cursor{};
    spans_.clear();
    args_.clear();
    frame_size_ = 0;
    wanted_ = 0;
}

std::string RespParser::error_message() const {
    switch (error_) {
        case ParseError::kNone: return {};
        case ParseError::kTooBigInline: return "Protocol error: too big inline request";
        case ParseError::kTooBigMultibulkCount: return "Protocol error: too big mbulk count string";
        case ParseError::kInvalidMultibulkLength: return "Protocol error: invalid multibulk length";
        case ParseError::kUnauthenticatedMultibulk:
            return "Protocol error: unauthenticated multibulk length";
        case ParseError::kTooBigBulkCount: return "Protocol error: too big bulk count string";
        case ParseError::kInvalidBulkLength: return "Protocol error: invalid bulk length";
        case ParseError::kExpectedDollar: {
            // Redis blanks out a '\r' or '\n' so the error stays one line.
            const char got = unexpected_ == '\r' || unexpected_ == '\n' ? ' ' : unexpected_;
            return std::string("Protocol error: expected '$', got '") + got + "'";
        }
        case ParseError::kUnbalancedQuotes: return "Protocol error: unbalanced quotes in request";
        case ParseError::kUnauthenticatedBulk: return "Protocol error: unauthenticated bulk length";
    }
    return {};
}

}  // namespace protocol
