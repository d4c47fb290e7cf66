// Redis's glob matching (KEYS, CONFIG GET, PSUBSCRIBE): * ? [abc] [^a-z] and
// backslash escapes, optionally case-insensitive.
#pragma once

#include <string_view>

namespace server {

bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace server
