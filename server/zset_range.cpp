#include "server/zset_range.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace server {

namespace {

// Redis hands the argument to strtod as a C string, so an embedded NUL ends
// it, and it checks only that the whole rest was consumed: no errno test,
// which is why "1e-400" is 0 and "" is 0 here while ZADD refuses both.
std::optional<double> parse_bound(std::string_view s) {
    s = s.substr(0, s.find('\0'));
    char small[128];
    std::string big;
    const char* text;
    if (s.size() < sizeof small) {
        s.copy(small, s.size());
        small[s.size()] = '\0';
        text = small;
    } else {
        big.assign(s);
        text = big.c_str();
    }
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (*end != '\0' || std::isnan(v)) return std::nullopt;
    return v;
}

bool parse_score_bound(std::string_view s, double& v, bool& exclusive) {
    exclusive = !s.empty() && s[0] == '(';
    auto parsed = parse_bound(exclusive ? s.substr(1) : s);
    if (!parsed) return false;
    v = *parsed;
    return true;
}

bool parse_lex_bound(std::string_view s, LexBound& b) {
    if (s.empty()) return false;
    // "+" and "-" stand alone; as C strings, "+\0junk" still counts as "+".
    bool alone = s.size() == 1 || s[1] == '\0';
    switch (s[0]) {
    case '+':
        if (!alone) return false;
        b = {LexBound::Kind::kPlusInf, {}, true};
        return true;
    case '-':
        if (!alone) return false;
        b = {LexBound::Kind::kMinusInf, {}, true};
        return true;
    case '(':
        b = {LexBound::Kind::kValue, s.substr(1), true};
        return true;
    case '[':
        b = {LexBound::Kind::kValue, s.substr(1), false};
        return true;
    default:
        return false;
    }
}

// Orders a bound against a member: -1, 0 or 1 as bound <, ==, > member.
int compare_bound(const LexBound& b, std::string_view s) {
    switch (b.kind) {
    case LexBound::Kind::kMinusInf: return -1;
    case LexBound::Kind::kPlusInf: return 1;
    case LexBound::Kind::kValue: break;
    }
    return compare_members(b.value, s);
}

}  // namespace

std::optional<ScoreRange> parse_score_range(std::string_view min, std::string_view max) {
    ScoreRange r;
    if (!parse_score_bound(min, r.min, r.minex) || !parse_score_bound(max, r.max, r.maxex))
        return std::nullopt;
    return r;
}

std::optional<LexRange> parse_lex_range(std::string_view min, std::string_view max) {
    LexRange r;
    if (!parse_lex_bound(min, r.min) || !parse_lex_bound(max, r.max)) return std::nullopt;
    return r;
}

bool LexRange::above_min(std::string_view s) const {
    int c = compare_bound(min, s);
    return min.exclusive ? c < 0 : c <= 0;
}

bool LexRange::below_max(std::string_view s) const {
    int c = compare_bound(max, s);
    return max.exclusive ? c > 0 : c >= 0;
}

bool LexRange::empty() const {
    // Two infinities of the same sign compare equal, as in Redis, so "- -"
    // and "+ +" (always exclusive) are empty.
    int c;
    if (min.kind == max.kind && min.kind != LexBound::Kind::kValue) c = 0;
    else if (min.kind == LexBound::Kind::kMinusInf || max.kind == LexBound::Kind::kPlusInf) c = -1;
    else if (min.kind == LexBound::Kind::kPlusInf || max.kind == LexBound::Kind::kMinusInf) c = 1;
    else c = compare_members(min.value, max.value);
    return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

}  // namespace server
