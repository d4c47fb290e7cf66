#include "test/support/resp_framer.h"

#include <charconv>
#include <cstdint>
#include <vector>

namespace testsupport {
namespace {

// Parses the length field of a header line; false unless it is a whole
// decimal number.
bool parse_length(std::string_view text, int64_t& out) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

long resp_reply_length(std::string_view bytes) {
    // Elements still owed by each open aggregate, innermost last.
    std::vector<int64_t> owed;
    size_t pos = 0;
    for (;;) {
        if (pos >= bytes.size()) return 0;
        size_t eol = bytes.find("\r\n", pos + 1);
        if (eol == std::string_view::npos) return 0;
        char type = bytes[pos];
        std::string_view field = bytes.substr(pos + 1, eol - pos - 1);
        size_t next = eol + 2;
        int64_t children = 0;  // > 0: an aggregate opens
        switch (type) {
            case '+': case '-': case ':': case ',': case '#': case '(':
                break;
            case '_':
                if (!field.empty()) return -1;
                break;
            case '$': case '=': case '!': {
                int64_t len = 0;
                if (!parse_length(field, len)) return -1;
                if (len == -1 && type == '$') break;  // RESP2 null bulk
                if (len < 0) return -1;
                size_t body_end = next + static_cast<size_t>(len);
                if (bytes.size() < body_end + 2) return 0;
                if (bytes.compare(body_end, 2, "\r\n") != 0) return -1;
                next = body_end + 2;
                break;
            }
            case '*': case '~': case '>': case '%': case '|': {
                int64_t count = 0;
                if (!parse_length(field, count)) return -1;
                if (count == -1 && type == '*') break;  // RESP2 null array
                if (count < 0) return -1;
                if (type == '%') count *= 2;
                // An attribute is a map followed by the reply it annotates.
                if (type == '|') count = count * 2 + 1;
                children = count;
                break;
            }
            default:
                return -1;
        }
        pos = next;
        if (children > 0) {
            owed.push_back(children);
            continue;
        }
        // One element finished: close every aggregate it completes.
        while (!owed.empty()) {
            if (--owed.back() > 0) break;
            owed.pop_back();
        }
        if (owed.empty()) return static_cast<long>(pos);
    }
}

}  // namespace testsupport
