#include "protocol/inline_split.h"

#include <cstring>

namespace protocol {

namespace {

// isspace() in the C locale, which is the one Redis splits with.
bool is_blank(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// What ends an argument that is not inside quotes.
bool ends_plain(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
    if (c <= '9') return c - '0';
    return (c | 0x20) - 'a' + 10;
}

char unescape(char c) {
    switch (c) {
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'b': return '\b';
        case 'a': return '\a';
        default: return c;
    }
}

// A closing quote must end the argument: a blank or the end of the line.
bool closes_cleanly(std::string_view line, size_t quote) {
    return quote + 1 == line.size() || is_blank(line[quote + 1]);
}

// Copies the body of a double-quoted run starting after the quote at `i`.
// On success `i` is just past the closing quote.
bool copy_double_quoted(std::string_view line, size_t& i, char*& w) {
    const size_t n = line.size();
    for (++i; i < n; ++i) {
        const char c = line[i];
        if (c == '"') {
            if (!closes_cleanly(line, i)) return false;
            ++i;
            return true;
        }
        if (c != '\\' || i + 1 == n) {
            *w++ = c;
        } else if (line[i + 1] == 'x' && i + 3 < n && is_hex(line[i + 2]) && is_hex(line[i + 3])) {
            *w++ = static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
            i += 3;
        } else {
            *w++ = unescape(line[++i]);
        }
    }
    return false;
}

// Single quotes know one escape only: \' for a quote.
bool copy_single_quoted(std::string_view line, size_t& i, char*& w) {
    const size_t n = line.size();
    for (++i; i < n; ++i) {
        const char c = line[i];
        if (c == '\'') {
            if (!closes_cleanly(line, i)) return false;
            ++i;
            return true;
        }
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') ++i;
        *w++ = line[i];
    }
    return false;
}

}  // namespace

bool split_inline(std::string_view line, char* scratch, std::vector<std::string_view>& out) {
    if (const void* nul = std::memchr(line.data(), '\0', line.size()))
        line = line.substr(0, static_cast<size_t>(static_cast<const char*>(nul) - line.data()));
    const size_t n = line.size();
    char* w = scratch;
    size_t i = 0;
    for (;;) {
        while (i < n && is_blank(line[i])) ++i;
        if (i == n) return true;
        const size_t start = i;
        while (i < n && !ends_plain(line[i]) && line[i] != '"' && line[i] != '\'') ++i;
        if (i == n || ends_plain(line[i])) {
            out.push_back(line.substr(start, i - start));
            if (i < n) ++i;
            continue;
        }
        // A quote inside or at the start of an argument: the argument is the
        // plain prefix plus the unescaped quoted run, and ends with the quote.
        char* arg = w;
        std::memcpy(w, line.data() + start, i - start);
        w += i - start;
        const bool closed =
            line[i] == '"' ? copy_double_quoted(line, i, w) : copy_single_quoted(line, i, w);
        if (!closed) return false;
        out.emplace_back(arg, static_cast<size_t>(w - arg));
    }
}

}  // namespace protocol
