// Small helpers shared by command handlers: argument parsing that replies
// Redis's error on failure, typed key lookups, option matching.
#pragma once

#include <cstdint>
#include <string_view>

#include "server/command.h"
#include "server/database.h"
#include "server/number.h"
#include "server/server.h"

namespace server {

// Case-insensitive comparison with an ASCII option name.
inline bool equals_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

// Parses an integer argument; on failure replies `error` (Redis's "value is
// not an integer or out of range" by default) and returns false.
inline bool arg_int64(CommandContext& ctx, std::string_view s, int64_t& out,
                      std::string_view error = errors::kNotInteger) {
    auto v = parse_int64(s);
    if (!v) {
        ctx.error_raw(error);
        return false;
    }
    out = *v;
    return true;
}

// Looks a key up for reading, counting hits and misses as Redis does.
inline Entry* lookup_read(CommandContext& ctx, std::string_view key) {
    Entry* e = ctx.db.lookup(key, ctx.now_ms);
    ServerStats& s = ctx.server.stats();
    if (e) ++s.keyspace_hits;
    else ++s.keyspace_misses;
    return e;
}

inline Entry* lookup_write(CommandContext& ctx, std::string_view key) {
    return ctx.db.lookup(key, ctx.now_ms);
}

// The entry if it holds `type`; replies WRONGTYPE and sets wrong otherwise.
inline bool check_type(CommandContext& ctx, const Entry* e, ValueType type) {
    if (e != nullptr && e->type != type) {
        ctx.error_raw(errors::kWrongType);
        return false;
    }
    return true;
}

inline void reply_integer(CommandContext& ctx, int64_t v) { ctx.reply.integer(v); }

}  // namespace server
