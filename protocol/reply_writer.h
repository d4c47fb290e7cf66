// Writes RESP2 or RESP3 replies into an OutputBuffer. The protocol is chosen
// per connection (HELLO); RESP3-only types degrade to their RESP2 form
// exactly as Redis does (maps as flat arrays, doubles as bulk strings,
// null as $-1 or *-1, booleans as integers, sets as arrays, push as arrays).
#pragma once

#include <cstdint>
#include <string_view>

#include "protocol/output_buffer.h"

namespace protocol {

class ReplyWriter {
public:
    explicit ReplyWriter(OutputBuffer& out, int proto = 2) : out_(&out), proto_(proto) {}

    int proto() const { return proto_; }
    void set_proto(int proto) { proto_ = proto; }
    OutputBuffer& buffer() { return *out_; }

    void simple(std::string_view s);          // +s
    void error(std::string_view s);           // -s (s includes the code: "ERR ...")
    void integer(int64_t v);                  // :v
    void bulk(std::string_view s);            // $len s
    void null_bulk();                         // $-1 / _
    void null_array();                        // *-1 / _
    void array(int64_t n);                    // *n
    void map(int64_t n);                      // %n / *2n   (n = pairs)
    void set(int64_t n);                      // ~n / *n
    void push(int64_t n);                     // >n / *n
    // RESP3 double; in RESP2 a bulk string. Formatting is the caller's
    // (Redis prints scores as %.17g): pass the text.
    void double_text(std::string_view text);  // ,text / $len text
    void boolean(bool b);                     // #t/#f / :1/:0
    void verbatim(std::string_view s, std::string_view fmt = "txt");  // =len fmt:s / $len s
    // Bytes already in RESP form (shared constant replies such as "+OK\r\n").
    void raw(std::string_view bytes) { out_->append(bytes); }
    void ok() { raw("+OK\r\n"); }

private:
    void header(char prefix, int64_t n);
    OutputBuffer* out_;
    int proto_;
};

}  // namespace protocol
