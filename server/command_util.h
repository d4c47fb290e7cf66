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

// A timeout in milliseconds (WAIT, CLIENT PAUSE): an integer, not
// negative; else Redis's error reply and false.
inline bool arg_timeout_ms(CommandContext& ctx, std::string_view s, int64_t& out) {
    if (!arg_int64(ctx, s, out, "-ERR timeout is not an integer or out of range\r\n")) return false;
    if (out < 0) {
        ctx.error("ERR timeout is negative");
        return false;
    }
    return true;
}

// A command accessed e: under an LRU or LFU maxmemory-policy its access
// stamp takes the clock, and the LFU counter moves (eviction.h). Other
// policies do not read the stamps, and keeping them costs GET and SET about
// 2 ns (4%, bench/alloc_path_bench.cpp), so they leave them alone: there
// OBJECT IDLETIME counts from the key's creation. Not while a forked child
// (BGSAVE, AOF rewrite) shares the memory: a read must not copy pages
// (Redis skips it too).
inline void touch_entry(CommandContext& ctx, Entry* e) {
    Server& s = ctx.server;
    const MaxmemoryPolicy policy = s.config().maxmemory_policy;
    if (!policy_tracks_access(policy)) [[likely]]
        return;
    if (s.persistence().bgsave_in_progress() || s.aof().rewrite_in_progress()) return;
    if (policy_is_lfu(policy)) e->set_stamp(s.eviction().touched(e->stamp()));
    else e->set_stamp(lru::touched_lru(e->stamp(), lru::g_clock));
}

// Looks a key up for reading, counting hits and misses as Redis does.
// `touch`: false for the commands Redis looks up with LOOKUP_NOTOUCH
// (EXISTS, TYPE, TTL...), which leave the access time alone.
inline Entry* lookup_read(CommandContext& ctx, std::string_view key, bool touch = true) {
    Entry* e = ctx.db.lookup(key, ctx.now_ms);
    ServerStats& s = ctx.server.stats();
    if (e) {
        ++s.keyspace_hits;
        if (touch) touch_entry(ctx, e);
    } else {
        ++s.keyspace_misses;
    }
    return e;
}

inline Entry* lookup_write(CommandContext& ctx, std::string_view key) {
    Entry* e = ctx.db.lookup(key, ctx.now_ms);
    if (e) touch_entry(ctx, e);
    return e;
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
