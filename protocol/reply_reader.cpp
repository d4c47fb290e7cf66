#include "protocol/reply_reader.h"

#include <cstring>

#include "protocol/resp_number.h"

// Decoding notes:
// - Attributes ('|') are read and dropped: the value is the one that follows
//   them, and the returned span covers both, which is all a client that does
//   not ask for attributes needs.
// - Blob errors ('!') become kError like simple errors.
// - Only "$-1" and "*-1" are RESP2 nulls; other negative lengths are invalid.
// - Streamed aggregates ("*?", "$?") are not supported and read as invalid.
// - Nesting deeper than kMaxDepth is invalid, so a hostile peer cannot make
//   the recursion overflow the stack.

namespace protocol {

namespace {

constexpr long kIncomplete = 0;
constexpr long kInvalid = -1;
constexpr int kMaxDepth = 512;

// Offset of the '\r' of the "\r\n" ending the line that starts at `from`
// (always > 0: a line follows its type byte), or kIncomplete / kInvalid.
long line_end(std::string_view b, size_t from) {
    const void* hit = std::memchr(b.data() + from, '\r', b.size() - from);
    if (hit == nullptr) return kIncomplete;
    const size_t cr = static_cast<size_t>(static_cast<const char*>(hit) - b.data());
    if (cr + 1 >= b.size()) return kIncomplete;
    return b[cr + 1] == '\n' ? static_cast<long>(cr) : kInvalid;
}

bool parse_number(std::string_view text, int64_t& n) {
    return parse_int64_strict(text.data(), text.size(), n);
}

long decode_at(std::string_view b, size_t pos, RespValue& out, int depth);

long decode_blob(std::string_view b, char type, int64_t length, size_t body, RespValue& out) {
    if (length == -1 && type == '$') {
        out.kind = RespValue::Kind::kNull;
        return static_cast<long>(body);
    }
    if (length < 0) return kInvalid;
    const size_t n = static_cast<size_t>(length);
    if (b.size() < body + n + 2) return kIncomplete;
    if (b[body + n] != '\r' || b[body + n + 1] != '\n') return kInvalid;
    std::string_view payload = b.substr(body, n);
    if (type == '=') {
        if (n < 4 || payload[3] != ':') return kInvalid;
        payload.remove_prefix(4);
        out.kind = RespValue::Kind::kVerbatim;
    } else {
        out.kind = type == '!' ? RespValue::Kind::kError : RespValue::Kind::kBulk;
    }
    out.str.assign(payload);
    return static_cast<long>(body + n + 2);
}

RespValue::Kind aggregate_kind(char type) {
    switch (type) {
        case '%': return RespValue::Kind::kMap;
        case '~': return RespValue::Kind::kSet;
        case '>': return RespValue::Kind::kPush;
        default: return RespValue::Kind::kArray;
    }
}

long decode_aggregate(std::string_view b, char type, int64_t count, size_t pos, RespValue& out,
                      int depth) {
    if (count == -1 && type == '*') {
        out.kind = RespValue::Kind::kNull;
        return static_cast<long>(pos);
    }
    if (count < 0) return kInvalid;
    out.kind = aggregate_kind(type);
    // Elements are added as they decode rather than reserved from the count,
    // which the peer chose and which may be absurd.
    const uint64_t elems = static_cast<uint64_t>(count) * (type == '%' ? 2 : 1);
    for (uint64_t i = 0; i < elems; ++i) {
        out.elems.emplace_back();
        const long end = decode_at(b, pos, out.elems.back(), depth + 1);
        if (end <= 0) return end;
        pos = static_cast<size_t>(end);
    }
    return static_cast<long>(pos);
}

// Attributes describe the value after them; that value is the result.
long skip_attribute(std::string_view b, int64_t count, size_t pos, RespValue& out, int depth) {
    RespValue attributes;
    const long end = decode_aggregate(b, '%', count, pos, attributes, depth);
    if (end <= 0) return end;
    return decode_at(b, static_cast<size_t>(end), out, depth + 1);
}

long decode_line(char type, std::string_view text, size_t next, RespValue& out) {
    using Kind = RespValue::Kind;
    switch (type) {
        case '+': out.kind = Kind::kSimple; break;
        case '-': out.kind = Kind::kError; break;
        case ',': out.kind = Kind::kDouble; break;
        case '(': out.kind = Kind::kBigNumber; break;
        case ':':
            out.kind = Kind::kInteger;
            return parse_number(text, out.integer) ? static_cast<long>(next) : kInvalid;
        case '_': out.kind = Kind::kNull; return text.empty() ? static_cast<long>(next) : kInvalid;
        case '#':
            out.kind = Kind::kBoolean;
            if (text != "t" && text != "f") return kInvalid;
            out.integer = text == "t" ? 1 : 0;
            return static_cast<long>(next);
        default: return kInvalid;
    }
    out.str.assign(text);
    return static_cast<long>(next);
}

long decode_at(std::string_view b, size_t pos, RespValue& out, int depth) {
    if (pos >= b.size()) return kIncomplete;
    if (depth > kMaxDepth) return kInvalid;
    out.kind = RespValue::Kind::kNull;
    out.str.clear();
    out.integer = 0;
    out.elems.clear();
    const char type = b[pos];
    const long cr = line_end(b, pos + 1);
    if (cr <= 0) return cr;
    const std::string_view text = b.substr(pos + 1, static_cast<size_t>(cr) - pos - 1);
    const size_t next = static_cast<size_t>(cr) + 2;
    int64_t n = 0;
    switch (type) {
        case '$':
        case '=':
        case '!':
            if (!parse_number(text, n)) return kInvalid;
            return decode_blob(b, type, n, next, out);
        case '*':
        case '%':
        case '~':
        case '>':
            if (!parse_number(text, n)) return kInvalid;
            return decode_aggregate(b, type, n, next, out, depth);
        case '|':
            if (!parse_number(text, n)) return kInvalid;
            return skip_attribute(b, n, next, out, depth);
        default: return decode_line(type, text, next, out);
    }
}

size_t command_size(const std::vector<std::string_view>& args) {
    char digits[kMaxInt64Digits];
    size_t n = 1 + format_uint64(digits, args.size()) + 2;
    for (std::string_view a : args) n += 1 + format_uint64(digits, a.size()) + 2 + a.size() + 2;
    return n;
}

char* put_header(char* p, char prefix, size_t n) {
    *p++ = prefix;
    p += format_uint64(p, n);
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

}  // namespace

long decode_reply(std::string_view bytes, RespValue& out) { return decode_at(bytes, 0, out, 0); }

std::string encode_command(const std::vector<std::string_view>& args) {
    std::string out;
    append_command(out, args);
    return out;
}

void append_command(std::string& out, const std::vector<std::string_view>& args) {
    const size_t start = out.size();
    out.resize(start + command_size(args));
    char* p = put_header(out.data() + start, '*', args.size());
    for (std::string_view a : args) {
        p = put_header(p, '$', a.size());
        if (!a.empty()) std::memcpy(p, a.data(), a.size());
        p += a.size();
        *p++ = '\r';
        *p++ = '\n';
    }
}

}  // namespace protocol
