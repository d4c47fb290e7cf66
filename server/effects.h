// What a write command is logged and replicated as: its effect, not the
// command itself, so that a replay at any later time, or on a replica,
// ends with the same data. Relative expiry becomes absolute (PXAT,
// PEXPIREAT); an expiry already past becomes DEL; INCRBYFLOAT becomes the
// SET of its result, as Redis 7.0 propagates them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace server {

class Database;

// Storage for the rewritten argument vector (reused between commands).
struct EffectScratch {
    std::vector<std::string_view> argv;
    std::string text;  // a deadline or a value the rewrite names
};

// The effect of `argv` after it ran against `where`: `argv` itself, or a
// rewritten vector kept in `scratch`.
std::span<const std::string_view> effect_of(std::span<const std::string_view> argv, Database& where,
                                            EffectScratch& scratch);

// A command's argument vector as RESP (an array of bulk strings).
void append_resp_command(std::string& out, std::span<const std::string_view> argv);

}  // namespace server
