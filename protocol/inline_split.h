// Splits an inline request line into arguments with the rules of Redis's
// sdssplitargs. Internal to protocol/ (the parser uses it; tests call it on
// guard-paged memory).
#pragma once

#include <string_view>
#include <vector>

namespace protocol {

// Appends the arguments of `line` (without its "\r\n") to `out`. Plain
// arguments are views into `line`; quoted ones are unescaped into `scratch`,
// which must have room for line.size() bytes (unescaping never grows text).
// Returns false on unbalanced quotes (an unterminated quote, or a closing
// quote followed by something other than a space).
//
// Like sdssplitargs, which works on a C string, the line ends at its first
// NUL byte. Unquoted arguments end at ' ', '\t', '\r' or '\n' only, while
// blanks between arguments are anything isspace() accepts (also '\v' and
// '\f'): "a\vb" is one argument, "\va" is "a".
bool split_inline(std::string_view line, char* scratch, std::vector<std::string_view>& out);

}  // namespace protocol
