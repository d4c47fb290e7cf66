#include "server/glob.h"

#include <cctype>

namespace server {

namespace {

char fold(char c, bool nocase) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches a [...] class at p (just after '['); advances p past ']'.
bool match_class(const char*& p, const char* pend, char c, bool nocase) {
    bool negate = false;
    bool matched = false;
    if (p < pend && *p == '^') {
        negate = true;
        ++p;
    }
    while (p < pend && *p != ']') {
        if (*p == '\\' && p + 1 < pend) {
            ++p;
            if (fold(*p, nocase) == fold(c, nocase)) matched = true;
        } else if (p + 2 < pend && p[1] == '-') {
            char lo = fold(p[0], nocase);
            char hi = fold(p[2], nocase);
            if (lo > hi) std::swap(lo, hi);
            char x = fold(c, nocase);
            if (x >= lo && x <= hi) matched = true;
            p += 2;
        } else if (fold(*p, nocase) == fold(c, nocase)) {
            matched = true;
        }
        ++p;
    }
    // An unterminated class ends at the pattern's end, as in Redis.
    if (p < pend) ++p;
    return negate ? !matched : matched;
}

bool match(const char* p, const char* pend, const char* s, const char* send, bool nocase, int depth) {
    if (depth > 1000) return false;  // pathological patterns: give up rather than recurse deeply
    while (p < pend) {
        switch (*p) {
        case '*':
            while (p + 1 < pend && p[1] == '*') ++p;
            if (p + 1 == pend) return true;
            for (const char* t = s; t <= send; ++t)
                if (match(p + 1, pend, t, send, nocase, depth + 1)) return true;
            return false;
        case '?':
            if (s == send) return false;
            ++s;
            ++p;
            break;
        case '[': {
            if (s == send) return false;
            ++p;
            if (!match_class(p, pend, *s, nocase)) return false;
            ++s;
            break;
        }
        case '\\':
            if (p + 1 < pend) ++p;
            [[fallthrough]];
        default:
            if (s == send || fold(*p, nocase) != fold(*s, nocase)) return false;
            ++s;
            ++p;
            break;
        }
    }
    return s == send;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
    return match(pattern.data(), pattern.data() + pattern.size(), text.data(),
                 text.data() + text.size(), nocase, 0);
}

}  // namespace server
