// libFuzzer target: protocol::RespParser over a protocol::RingBuffer.
//
// Input layout:
//   byte 0  limits: bits 0-1 max_inline {64 KiB, 8, 32, 200}; bits 2-3
//           max_bulk {512 MiB, 0, 5, 100}; bit 4 max_multibulk 4; bit 5
//           unauthenticated multibulk limit 10; bit 6 unauthenticated bulk
//           limit 16; bit 7 feed through writable()/commit() (as a socket
//           read does) instead of append()
//   byte 1  the split ring's initial capacity {0, 1, 2, 8, 16, 64, 256,
//           1024} (bits 0-2) and a junk prefix of 0-31 bytes (bits 3-7)
//           consumed after the first chunk, so the data starts mid-ring and
//           wraps
//   byte 2  n = byte & 15 chunk descriptors follow (none: one byte at a time)
//   n bytes chunk descriptors, used in turn: bits 0-5 the chunk size (0: parse
//           again with no new bytes, then feed one), bit 6 make_contiguous()
//           before parsing, bit 7 reserve() what bytes_wanted() asks for, up
//           to 64 KiB more (as the connection does, by steps)
//   rest    the stream
//
// Invariants (a failure aborts, which libFuzzer reports as a crash):
//  - no crash, no out-of-bounds access (ASan), no UB (UBSan);
//  - the stream parsed whole and parsed in chunks gives the same frames
//    (argument vectors and frame sizes) and the same end: the same error
//    (kind and message), or the same unparsed tail. The one allowed
//    difference is Redis's: a "too big" error judged on what is buffered
//    when no terminator has arrived yet, which only the chunked run can hit
//    (its frames must then be a prefix of the whole run's);
//  - frame_size() > 0, fits the buffer, and the frame is contiguous at the
//    head; consuming it leaves the buffer at the next frame: each frame
//    re-parsed alone gives the same result, a multibulk frame matches an
//    independent decoding, and an inline frame matches split_inline() run
//    on an exact-size copy of its line;
//  - a frame never completes with fewer new bytes than bytes_wanted() asked;
//  - kError is sticky (same error, even with more bytes) until reset(), and
//    the parser works again after reset().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/inline_split.h"
#include "protocol/resp_number.h"
#include "protocol/resp_parser.h"
#include "protocol/ring_buffer.h"

namespace {

using protocol::ParseError;
using protocol::ParserLimits;
using protocol::ParseStatus;
using protocol::RespParser;
using protocol::RingBuffer;

std::string escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 400)) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    if (s.size() > 400) out += "...";
    return out;
}

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "\n==resp_parser_fuzz== INVARIANT VIOLATED: %s\n", what);
    if (!detail.empty()) std::fprintf(stderr, "==resp_parser_fuzz== detail: %s\n", escape(detail).c_str());
    std::abort();
}

struct Frame {
    std::vector<std::string> args;
    size_t size = 0;
    bool operator==(const Frame&) const = default;
};

struct Outcome {
    std::vector<Frame> frames;
    bool errored = false;
    ParseError error = ParseError::kNone;
    std::string message;
    size_t leftover = 0;  // bytes left unparsed (no error)
};

bool too_big(ParseError e) {
    return e == ParseError::kTooBigInline || e == ParseError::kTooBigMultibulkCount ||
           e == ParseError::kTooBigBulkCount;
}

// The frame at the head of `in`, just completed: checks and records it.
Frame take_frame(const RespParser& p, RingBuffer& in) {
    const size_t fs = p.frame_size();
    if (fs == 0) fail("kComplete with frame_size() 0");
    if (fs > in.size()) fail("frame_size() beyond the buffered bytes");
    const std::string_view head = in.readable();
    if (head.size() < fs) fail("completed frame is not contiguous at the head");
    Frame f;
    f.size = fs;
    for (std::string_view a : p.args()) {
        if (head[0] == '*') {
            // Multibulk arguments are views of the frame itself.
            if (a.size() > 0 && (a.data() < head.data() || a.data() + a.size() > head.data() + fs))
                fail("multibulk argument outside its frame");
        }
        f.args.emplace_back(a);  // reads every byte (ASan checks the view)
    }
    return f;
}

void check_sticky(RespParser& p, RingBuffer& in) {
    const ParseError e = p.error();
    const std::string msg = p.error_message();
    if (e == ParseError::kNone) fail("kError with error() kNone");
    if (msg.empty()) fail("kError without a message");
    for (int i = 0; i < 2; ++i) {
        if (p.parse(in) != ParseStatus::kError) fail("kError not sticky");
        if (p.error() != e || p.error_message() != msg) fail("error changed while failed");
        in.append("*1\r\n$4\r\nPING\r\n");
    }
    // After reset() it parses again (frames valid under every limit used).
    p.reset();
    RingBuffer fresh;
    fresh.append("PING\r\n*0\r\n");
    if (p.parse(fresh) != ParseStatus::kComplete || p.args().size() != 1 || p.args()[0] != "PING" ||
        p.frame_size() != 6)
        fail("parser unusable after reset()");
    fresh.consume(6);
    if (p.parse(fresh) != ParseStatus::kComplete || !p.args().empty() || p.frame_size() != 4)
        fail("parser unusable after reset()");
    p.reset();
}

Outcome parse_whole(const ParserLimits& limits, std::string_view data) {
    Outcome o;
    RingBuffer in;
    in.append(data);
    RespParser p(limits);
    for (;;) {
        const ParseStatus st = p.parse(in);
        if (st == ParseStatus::kComplete) {
            o.frames.push_back(take_frame(p, in));
            in.consume(p.frame_size());
            continue;
        }
        if (st == ParseStatus::kError) {
            o.errored = true;
            o.error = p.error();
            o.message = p.error_message();
            check_sticky(p, in);
            return o;
        }
        o.leftover = in.size();
        // Parsing again without new bytes changes nothing.
        if (p.parse(in) != ParseStatus::kNeedMore) fail("kNeedMore not stable without new bytes");
        return o;
    }
}

void feed(RingBuffer& in, std::string_view bytes, bool by_commit) {
    if (!by_commit) {
        in.append(bytes);
        return;
    }
    while (!bytes.empty()) {
        std::span<char> room = in.writable();
        if (room.empty()) fail("writable() returned no room");
        const size_t n = std::min(room.size(), bytes.size());
        std::memcpy(room.data(), bytes.data(), n);
        in.commit(n);
        bytes.remove_prefix(n);
    }
}

Outcome parse_split(const ParserLimits& limits, std::string_view data, size_t capacity, size_t junk,
                    const std::vector<uint8_t>& chunks, bool by_commit) {
    Outcome o;
    RingBuffer in(capacity);
    RespParser p(limits);
    size_t off = 0;
    size_t turn = 0;
    size_t wanted = 0;     // bytes_wanted() at the last kNeedMore
    size_t fed_since = 0;  // bytes fed since then
    bool first = true;
    for (;;) {
        // Parse everything complete.
        for (;;) {
            const ParseStatus st = p.parse(in);
            if (st == ParseStatus::kComplete) {
                if (wanted > 0 && fed_since < wanted) fail("frame completed with fewer bytes than bytes_wanted()");
                wanted = 0;
                fed_since = 0;
                o.frames.push_back(take_frame(p, in));
                in.consume(p.frame_size());
                continue;
            }
            if (st == ParseStatus::kError) {
                o.errored = true;
                o.error = p.error();
                o.message = p.error_message();
                check_sticky(p, in);
                return o;
            }
            wanted = p.bytes_wanted();
            fed_since = 0;
            break;
        }
        if (off == data.size()) break;
        uint8_t d = chunks.empty() ? 1 : chunks[turn++ % chunks.size()];
        size_t n = d & 0x3F;
        if (n == 0) {
            if (p.parse(in) == ParseStatus::kComplete) fail("kComplete after kNeedMore without new bytes");
            if (p.error() != ParseError::kNone) fail("error after kNeedMore without new bytes");
            n = 1;
        }
        n = std::min(n, data.size() - off);
        if (first && junk > 0) {
            // Start the stream mid-ring: junk, the first chunk, drop the junk.
            in.append(std::string(junk, '#'));
            feed(in, data.substr(off, n), by_commit);
            in.consume(junk);
        } else {
            feed(in, data.substr(off, n), by_commit);
        }
        first = false;
        off += n;
        fed_since += n;
        if (d & 0x40) in.make_contiguous();
        // The connection grows by at most 64 MiB at a time; 64 KiB here keeps
        // runs fast while still growing a wrapped ring mid-frame.
        if ((d & 0x80) && p.bytes_wanted() > in.free_space())
            in.reserve(in.size() + std::min<size_t>(p.bytes_wanted(), 1 << 16));
    }
    o.leftover = in.size();
    return o;
}

// An independent reading of a complete multibulk frame (Redis's rules: a
// header line ends at '\r' and the byte after it is not looked at, nor are
// the two bytes after a bulk body).
void check_multibulk(std::string_view frame, const Frame& f) {
    auto line = [&](size_t from, int64_t& v) -> size_t {
        size_t cr = frame.find('\r', from);
        if (cr == std::string_view::npos) fail("multibulk frame: header without CR", frame);
        if (!protocol::parse_int64_strict(frame.data() + from, cr - from, v)) fail("multibulk frame: bad number", frame);
        return cr + 2;
    };
    int64_t count;
    size_t pos = line(1, count);
    std::vector<std::string> args;
    for (int64_t i = 0; i < count; ++i) {
        if (pos >= frame.size() || frame[pos] != '$') fail("multibulk frame: no '$' where expected", frame);
        int64_t len;
        pos = line(pos + 1, len);
        if (len < 0 || pos + static_cast<size_t>(len) + 2 > frame.size()) fail("multibulk frame: body out of frame", frame);
        args.emplace_back(frame.substr(pos, static_cast<size_t>(len)));
        pos += static_cast<size_t>(len) + 2;
    }
    if (pos != frame.size()) fail("multibulk frame: frame_size() differs from its contents", frame);
    if (args != f.args) fail("multibulk frame: arguments differ from an independent reading", frame);
}

void check_inline(std::string_view frame, const Frame& f) {
    const size_t nl = frame.find('\n');
    if (nl != frame.size() - 1) fail("inline frame does not end at its first LF", frame);
    size_t len = nl > 0 && frame[nl - 1] == '\r' ? nl - 1 : nl;
    // Exact-size heap copies: ASan sees any read past the line.
    std::unique_ptr<char[]> line(new char[len == 0 ? 1 : len]);
    std::unique_ptr<char[]> scratch(new char[len == 0 ? 1 : len]);
    if (len > 0) std::memcpy(line.get(), frame.data(), len);
    std::vector<std::string_view> out;
    if (!protocol::split_inline(std::string_view(line.get(), len), scratch.get(), out))
        fail("inline frame completed but split_inline() rejects its line", frame);
    std::vector<std::string> args(out.begin(), out.end());
    if (args != f.args) fail("inline frame: arguments differ from split_inline()", frame);
}

void check_frames_alone(const ParserLimits& limits, std::string_view data, const Outcome& whole) {
    size_t off = 0;
    for (const Frame& f : whole.frames) {
        std::string_view bytes = data.substr(off, f.size);
        off += f.size;
        if (bytes[0] == '*') check_multibulk(bytes, f);
        else check_inline(bytes, f);
        RingBuffer in(bytes.size());
        in.append(bytes);
        RespParser p(limits);
        if (p.parse(in) != ParseStatus::kComplete) fail("a frame alone does not parse", bytes);
        Frame g = take_frame(p, in);
        if (!(g == f)) fail("a frame alone parses differently", bytes);
    }
}

std::string summary(const Outcome& o) {
    std::string s = std::to_string(o.frames.size()) + " frames, ";
    s += o.errored ? "error " + o.message : "leftover " + std::to_string(o.leftover);
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    const uint8_t lim = data[0];
    const uint8_t ring = data[1];
    const size_t nchunks = data[2] & 15;
    if (size < 3 + nchunks) return 0;
    std::vector<uint8_t> chunks(data + 3, data + 3 + nchunks);
    std::string_view stream(reinterpret_cast<const char*>(data + 3 + nchunks), size - 3 - nchunks);

    ParserLimits limits;
    static constexpr size_t kInline[] = {64 * 1024, 8, 32, 200};
    static constexpr int64_t kBulk[] = {512LL * 1024 * 1024, 0, 5, 100};
    limits.max_inline = kInline[lim & 3];
    limits.max_bulk = kBulk[(lim >> 2) & 3];
    if (lim & 0x10) limits.max_multibulk = 4;
    if (lim & 0x20) limits.max_unauthenticated_multibulk = 10;
    if (lim & 0x40) limits.max_unauthenticated_bulk = 16;
    const bool by_commit = (lim & 0x80) != 0;
    static constexpr size_t kCapacity[] = {0, 1, 2, 8, 16, 64, 256, 1024};

    const Outcome whole = parse_whole(limits, stream);
    const Outcome split =
        parse_split(limits, stream, kCapacity[ring & 7], ring >> 3, chunks, by_commit);
    check_frames_alone(limits, stream, whole);

    size_t total = 0;
    for (const Frame& f : whole.frames) total += f.size;
    if (!whole.errored && total + whole.leftover != stream.size()) fail("frames and leftover do not add up");

    if (split.errored && too_big(split.error) && !(whole.errored && whole.error == split.error &&
                                                    whole.frames.size() == split.frames.size())) {
        // Judged on what was buffered: only a prefix need agree.
        if (split.frames.size() > whole.frames.size() ||
            !std::equal(split.frames.begin(), split.frames.end(), whole.frames.begin()))
            fail("chunked run diverged before its 'too big' error", summary(whole) + " / " + summary(split));
        return 0;
    }
    if (split.frames != whole.frames) fail("chunked and whole runs give different frames", summary(whole) + " / " + summary(split));
    if (split.errored != whole.errored || split.error != whole.error || split.message != whole.message)
        fail("chunked and whole runs end differently", summary(whole) + " / " + summary(split));
    if (!whole.errored && split.leftover != whole.leftover) fail("chunked and whole runs leave different tails");
    return 0;
}
