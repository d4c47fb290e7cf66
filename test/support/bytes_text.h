// Bytes as text and back, for failure messages and the corpus files.
#pragma once

#include <string>
#include <string_view>

namespace testsupport {

// C-style escapes (\r \n \t \\ \" \xHH) so replies print on one line in a
// failure message. Longer than `max_bytes` inputs are cut, saying how much.
std::string escape_bytes(std::string_view bytes, size_t max_bytes = 2000);

// The inverse for corpus files: decodes \r \n \t \0 \a \b \e \\ \" \' and
// \xHH. Returns false (with `error` set) on an unknown or cut escape.
bool unescape_c(std::string_view text, std::string& out, std::string& error);

}  // namespace testsupport
