#include "server/glob.h"

#include <cctype>

namespace server {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

struct Matcher {
    bool nocase;
    // Set once the rest of a pattern after some '*' failed against every
    // suffix: a longer match for an earlier '*' cannot help, so the whole
    // search stops (keeps patterns like "a*a*a*...b" polynomial).
    bool give_up = false;

    bool same(char a, char b) const { return nocase ? lower(a) == lower(b) : a == b; }

    // Matches one [...] class starting after '['; advances p to its ']'
    // (or to the last pattern byte when the class is not closed).
    bool in_class(const char*& p, const char* pend, char c) const {
        bool negate = p < pend && *p == '^';
        if (negate) ++p;
        bool hit = false;
        for (;; ++p) {
            if (p >= pend) {
                --p;  // unterminated: the caller's step lands on the end
                break;
            }
            if (*p == '\\' && pend - p >= 2) {
                ++p;
                if (*p == c) hit = true;
            } else if (*p == ']') {
                break;
            } else if (pend - p >= 3 && p[1] == '-') {
                char lo = p[0];
                char hi = p[2];
                char x = c;
                if (lo > hi) std::swap(lo, hi);
                if (nocase) {
                    lo = lower(lo);
                    hi = lower(hi);
                    x = lower(x);
                }
                p += 2;
                if (x >= lo && x <= hi) hit = true;
            } else if (same(*p, c)) {
                hit = true;
            }
        }
        return negate ? !hit : hit;
    }

    bool match(const char* p, const char* pend, const char* s, const char* send, int depth) {
        if (depth > 1000) return false;
        while (p < pend && s < send) {
            switch (*p) {
            case '*':
                while (pend - p > 1 && p[1] == '*') ++p;
                if (pend - p == 1) return true;
                for (; s < send; ++s) {
                    if (match(p + 1, pend, s, send, depth + 1)) return true;
                    if (give_up) return false;
                }
                give_up = true;
                return false;
            case '?':
                ++s;
                break;
            case '[':
                ++p;
                if (!in_class(p, pend, *s)) return false;
                ++s;
                break;
            case '\\':
                if (pend - p >= 2) ++p;
                [[fallthrough]];
            default:
                if (!same(*p, *s)) return false;
                ++s;
                break;
            }
            ++p;
            if (s == send) {
                // Trailing stars match the empty rest of the string.
                while (p < pend && *p == '*') ++p;
                break;
            }
        }
        return p == pend && s == send;
    }
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
    Matcher m{nocase};
    return m.match(pattern.data(), pattern.data() + pattern.size(), text.data(),
                   text.data() + text.size(), 0);
}

}  // namespace server
