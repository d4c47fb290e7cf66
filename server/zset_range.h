// Score and lexicographic intervals of the sorted-set range commands
// (ZRANGEBYSCORE, ZCOUNT, ZRANGEBYLEX, ...), parsed with Redis 7.0's rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace server {

struct ScoreRange {
    double min = 0;
    double max = 0;
    bool minex = false;  // "(" prefix: the bound itself is excluded
    bool maxex = false;

    bool above_min(double v) const { return minex ? v > min : v >= min; }
    bool below_max(double v) const { return maxex ? v < max : v <= max; }
    bool contains(double v) const { return above_min(v) && below_max(v); }
    // True for intervals that hold nothing whatever the set holds.
    bool empty() const { return min > max || (min == max && (minex || maxex)); }
};

// "1.5", "(1.5", "-inf", "+inf" ... read as C's strtod reads them (so up
// to an embedded NUL, with leading blanks and hex allowed, "" meaning 0);
// NaN is refused. nullopt means Redis's "min or max is not a float".
std::optional<ScoreRange> parse_score_range(std::string_view min, std::string_view max);

// One end of a lexicographic interval: "-" (below everything), "+" (above
// everything), or "[value" / "(value".
struct LexBound {
    enum class Kind : uint8_t { kMinusInf, kPlusInf, kValue };
    Kind kind = Kind::kValue;
    std::string_view value;  // points into the argument
    bool exclusive = false;
};

// Byte order of members: memcmp on the common prefix, then the shorter first.
inline int compare_members(std::string_view a, std::string_view b) { return a.compare(b); }

struct LexRange {
    LexBound min;
    LexBound max;

    bool above_min(std::string_view s) const;
    bool below_max(std::string_view s) const;
    bool contains(std::string_view s) const { return above_min(s) && below_max(s); }
    bool empty() const;
};

// nullopt means Redis's "min or max not valid string range item".
std::optional<LexRange> parse_lex_range(std::string_view min, std::string_view max);

}  // namespace server
