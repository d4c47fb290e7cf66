#include "protocol/reply_writer.h"

#include <cstring>

#include "protocol/resp_number.h"

namespace protocol {

namespace {

// "<prefix><int64>\r\n" at its longest.
constexpr size_t kHeaderRoom = 1 + kMaxInt64Digits + 2;

// memcpy with a null source is undefined even for zero bytes, and an empty
// string_view may well be null.
void copy(char* dst, std::string_view s) {
    if (!s.empty()) std::memcpy(dst, s.data(), s.size());
}

size_t put_header(char* p, char prefix, int64_t n) {
    p[0] = prefix;
    const size_t len = 1 + format_int64(p + 1, n);
    p[len] = '\r';
    p[len + 1] = '\n';
    return len + 2;
}

// "<prefix><text>\r\n" with one check for room.
char* put_line(OutputBuffer& out, char prefix, std::string_view text) {
    char* p = out.tail_space(text.size() + 3);
    p[0] = prefix;
    copy(p + 1, text);
    p[text.size() + 1] = '\r';
    p[text.size() + 2] = '\n';
    out.advance(text.size() + 3);
    return p + 1;
}

void put_bulk(OutputBuffer& out, std::string_view s) {
    char* p = out.tail_space(kHeaderRoom + s.size() + 2);
    const size_t head = put_header(p, '$', static_cast<int64_t>(s.size()));
    copy(p + head, s);
    p[head + s.size()] = '\r';
    p[head + s.size() + 1] = '\n';
    out.advance(head + s.size() + 2);
}

}  // namespace

void ReplyWriter::header(char prefix, int64_t n) {
    char* p = out_->tail_space(kHeaderRoom);
    out_->advance(put_header(p, prefix, n));
}

void ReplyWriter::simple(std::string_view s) { put_line(*out_, '+', s); }

void ReplyWriter::error(std::string_view s) {
    // A newline inside an error would end the reply early and leave the rest
    // to be read as another reply; Redis blanks them out.
    char* text = put_line(*out_, '-', s);
    for (size_t i = 0; i < s.size(); ++i)
        if (text[i] == '\r' || text[i] == '\n') text[i] = ' ';
}

void ReplyWriter::integer(int64_t v) { header(':', v); }

void ReplyWriter::bulk(std::string_view s) { put_bulk(*out_, s); }

void ReplyWriter::null_bulk() { raw(proto_ >= 3 ? "_\r\n" : "$-1\r\n"); }

void ReplyWriter::null_array() { raw(proto_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void ReplyWriter::array(int64_t n) { header('*', n); }

void ReplyWriter::map(int64_t n) {
    if (proto_ >= 3) {
        header('%', n);
    } else {
        header('*', n * 2);
    }
}

void ReplyWriter::set(int64_t n) { header(proto_ >= 3 ? '~' : '*', n); }

void ReplyWriter::push(int64_t n) { header(proto_ >= 3 ? '>' : '*', n); }

void ReplyWriter::double_text(std::string_view text) {
    if (proto_ >= 3) {
        put_line(*out_, ',', text);
    } else {
        put_bulk(*out_, text);
    }
}

void ReplyWriter::boolean(bool b) {
    if (proto_ >= 3) {
        raw(b ? "#t\r\n" : "#f\r\n");
    } else {
        raw(b ? ":1\r\n" : ":0\r\n");
    }
}

void ReplyWriter::verbatim(std::string_view s, std::string_view fmt) {
    if (proto_ < 3) {
        put_bulk(*out_, s);
        return;
    }
    const size_t body = fmt.size() + 1 + s.size();
    char* p = out_->tail_space(kHeaderRoom + body + 2);
    char* w = p + put_header(p, '=', static_cast<int64_t>(body));
    copy(w, fmt);
    w += fmt.size();
    *w++ = ':';
    copy(w, s);
    w += s.size();
    *w++ = '\r';
    *w++ = '\n';
    out_->advance(static_cast<size_t>(w - p));
}

}  // namespace protocol
