// String commands: GET/SET and their variants, counters, ranges.
#include <climits>
#include <cmath>
#include <cstring>
#include <string>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/keyspace_events.h"

namespace server {

namespace {

enum SetFlag : unsigned {
    kNX = 1u << 0,
    kXX = 1u << 1,
    kGet = 1u << 2,
    kKeepTtl = 1u << 3,
    kPersist = 1u << 4,
    kEX = 1u << 5,
    kPX = 1u << 6,
    kEXAT = 1u << 7,
    kPXAT = 1u << 8,
};
constexpr unsigned kAnyExpire = kEX | kPX | kEXAT | kPXAT;

enum class Caller { kSet, kGetEx };

// Parses SET's (or GETEX's) options from argv[first] on, with Redis's rules
// for which options exclude which. Replies a syntax error on failure.
bool parse_set_options(CommandContext& ctx, size_t first, Caller caller, unsigned& flags,
                       std::string_view& expire) {
    const bool is_set = caller == Caller::kSet;
    for (size_t j = first; j < ctx.argc(); ++j) {
        std::string_view opt = ctx.arg(j);
        bool has_next = j + 1 < ctx.argc();
        if (is_set && equals_nocase(opt, "nx") && !(flags & kXX)) {
            flags |= kNX;
        } else if (is_set && equals_nocase(opt, "xx") && !(flags & kNX)) {
            flags |= kXX;
        } else if (is_set && equals_nocase(opt, "get")) {
            flags |= kGet;
        } else if (is_set && equals_nocase(opt, "keepttl") && !(flags & (kPersist | kAnyExpire))) {
            flags |= kKeepTtl;
        } else if (!is_set && equals_nocase(opt, "persist") && !(flags & (kAnyExpire | kKeepTtl))) {
            flags |= kPersist;
        } else {
            struct ExpireOpt {
                std::string_view name;
                unsigned flag;
            };
            static constexpr ExpireOpt kOpts[] = {{"ex", kEX}, {"px", kPX}, {"exat", kEXAT}, {"pxat", kPXAT}};
            bool matched = false;
            for (const ExpireOpt& o : kOpts) {
                unsigned others = (kAnyExpire & ~o.flag) | kKeepTtl | kPersist;
                if (equals_nocase(opt, o.name) && !(flags & others) && has_next) {
                    flags |= o.flag;
                    expire = ctx.arg(++j);
                    matched = true;
                    break;
                }
            }
            if (!matched) {
                ctx.error_raw(errors::kSyntax);
                return false;
            }
        }
    }
    return true;
}

void reply_expire_error(CommandContext& ctx) {
    std::string msg = "ERR invalid expire time in '";
    msg.append(ctx.cmd.name);
    msg += "' command";
    ctx.error(msg);
}

// Turns an EX/PX/EXAT/PXAT argument into absolute milliseconds.
bool expire_to_ms(CommandContext& ctx, std::string_view arg, unsigned flags, int64_t& ms) {
    if (!arg_int64(ctx, arg, ms)) return false;
    bool seconds = flags & (kEX | kEXAT);
    if (ms <= 0 || (seconds && ms > LLONG_MAX / 1000)) {
        reply_expire_error(ctx);
        return false;
    }
    if (seconds) ms *= 1000;
    if (flags & (kEX | kPX)) {
        if (ms > LLONG_MAX - ctx.now_ms) {
            reply_expire_error(ctx);
            return false;
        }
        ms += ctx.now_ms;
    }
    return true;
}

void reply_get(CommandContext& ctx, Entry* e) {
    if (e == nullptr) ctx.reply.null_bulk();
    else ctx.reply.bulk(e->str());
}

// Stores value under key with an optional absolute expiry (keep_ttl keeps
// an existing TTL), as Redis's setGenericCommand: the key is touched, then
// "set" and, with an expiry, "expire" are published.
void store(CommandContext& ctx, std::string_view key, std::string_view value, bool keep_ttl,
           int64_t expire_ms) {
    Entry* e = ctx.db.set_string(key, value, keep_ttl);
    ctx.touched(key);
    ctx.notify(notify::kString, "set", key);
    if (expire_ms > 0) {
        ctx.db.set_expire(e, expire_ms);
        ctx.notify(notify::kGeneric, "expire", key);
    }
}

void set_command(CommandContext& ctx) {
    unsigned flags = 0;
    std::string_view expire;
    if (!parse_set_options(ctx, 3, Caller::kSet, flags, expire)) return;
    int64_t when = 0;
    if (!expire.empty() || (flags & kAnyExpire)) {
        if (!expire_to_ms(ctx, expire, flags, when)) return;
    }
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (flags & kGet) {
        if (!check_type(ctx, e, ValueType::kString)) return;
        reply_get(ctx, e);
    }
    if (((flags & kNX) && e) || ((flags & kXX) && !e)) {
        if (!(flags & kGet)) ctx.reply.null_bulk();
        return;
    }
    store(ctx, key, ctx.arg(2), flags & kKeepTtl, when);
    if (!(flags & kGet)) ctx.reply.ok();
}

void setnx_command(CommandContext& ctx) {
    if (lookup_write(ctx, ctx.arg(1))) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    store(ctx, ctx.arg(1), ctx.arg(2), false, 0);
    ctx.reply.raw(":1\r\n");
}

void setex_generic(CommandContext& ctx, unsigned unit_flag) {
    int64_t when;
    if (!expire_to_ms(ctx, ctx.arg(2), unit_flag, when)) return;
    store(ctx, ctx.arg(1), ctx.arg(3), false, when);
    ctx.reply.ok();
}
void setex_command(CommandContext& ctx) { setex_generic(ctx, kEX); }
void psetex_command(CommandContext& ctx) { setex_generic(ctx, kPX); }

void get_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kString)) return;
    reply_get(ctx, e);
}

void getdel_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kString)) return;
    reply_get(ctx, e);
    if (e && ctx.db.remove(ctx.arg(1))) {
        ctx.touched(ctx.arg(1));
        ctx.notify(notify::kGeneric, "del", ctx.arg(1));
    }
}

void getex_command(CommandContext& ctx) {
    unsigned flags = 0;
    std::string_view expire;
    if (!parse_set_options(ctx, 2, Caller::kGetEx, flags, expire)) return;
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (e == nullptr) {
        ctx.reply.null_bulk();
        return;
    }
    if (!check_type(ctx, e, ValueType::kString)) return;
    int64_t when = 0;
    if ((flags & kAnyExpire) && !expire_to_ms(ctx, expire, flags, when)) return;
    reply_get(ctx, e);
    std::string_view key = ctx.arg(1);
    if ((flags & (kEXAT | kPXAT)) && when <= ctx.now_ms) {
        ctx.db.remove(key);
        ctx.touched(key);
        ctx.notify(notify::kGeneric, "del", key);
    } else if (flags & kAnyExpire) {
        ctx.db.set_expire(e, when);
        ctx.touched(key);
        ctx.notify(notify::kGeneric, "expire", key);
    } else if ((flags & kPersist) && e->has_expire) {
        ctx.db.persist(e);
        ctx.touched(key);
        ctx.notify(notify::kGeneric, "persist", key);
    }
}

void mget_command(CommandContext& ctx) {
    ctx.reply.array(static_cast<int64_t>(ctx.argc() - 1));
    for (size_t i = 1; i < ctx.argc(); ++i) {
        Entry* e = lookup_read(ctx, ctx.arg(i));
        if (e && e->type == ValueType::kString) ctx.reply.bulk(e->str());
        else ctx.reply.null_bulk();
    }
}

void mset_generic(CommandContext& ctx, bool nx) {
    if (ctx.argc() % 2 == 0) {
        reply_arity_error(ctx);
        return;
    }
    if (nx) {
        for (size_t i = 1; i < ctx.argc(); i += 2) {
            if (lookup_write(ctx, ctx.arg(i))) {
                ctx.reply.raw(":0\r\n");
                return;
            }
        }
    }
    for (size_t i = 1; i < ctx.argc(); i += 2) store(ctx, ctx.arg(i), ctx.arg(i + 1), false, 0);
    if (nx) ctx.reply.raw(":1\r\n");
    else ctx.reply.ok();
}
void mset_command(CommandContext& ctx) { mset_generic(ctx, false); }
void msetnx_command(CommandContext& ctx) { mset_generic(ctx, true); }

void incr_generic(CommandContext& ctx, int64_t incr) {
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (!check_type(ctx, e, ValueType::kString)) return;
    int64_t value = 0;
    if (e) {
        auto v = parse_int64(e->str());
        if (!v) {
            ctx.error_raw(errors::kNotInteger);
            return;
        }
        value = *v;
    }
    if ((incr < 0 && value < 0 && incr < (LLONG_MIN - value)) ||
        (incr > 0 && value > 0 && incr > (LLONG_MAX - value))) {
        ctx.error_raw(errors::kOverflow);
        return;
    }
    value += incr;
    char buf[24];
    size_t len = format_int64(value, buf);
    if (e) ctx.db.replace_string(e, {buf, len});
    else ctx.db.set_string(key, {buf, len}, false);
    ctx.touched(key);
    ctx.notify(notify::kString, "incrby", key);
    ctx.reply.integer(value);
}
void incr_command(CommandContext& ctx) { incr_generic(ctx, 1); }
void decr_command(CommandContext& ctx) { incr_generic(ctx, -1); }
void incrby_command(CommandContext& ctx) {
    int64_t by;
    if (arg_int64(ctx, ctx.arg(2), by)) incr_generic(ctx, by);
}
void decrby_command(CommandContext& ctx) {
    int64_t by;
    if (!arg_int64(ctx, ctx.arg(2), by)) return;
    if (by == LLONG_MIN) {
        ctx.error("ERR decrement would overflow");
        return;
    }
    incr_generic(ctx, -by);
}

void incrbyfloat_command(CommandContext& ctx) {
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (!check_type(ctx, e, ValueType::kString)) return;
    long double value = 0;
    if (e) {
        auto v = parse_long_double(e->str());
        if (!v) {
            ctx.error_raw(errors::kNotFloat);
            return;
        }
        value = *v;
    }
    auto incr = parse_long_double(ctx.arg(2));
    if (!incr) {
        ctx.error_raw(errors::kNotFloat);
        return;
    }
    value += *incr;
    if (std::isnan(value) || std::isinf(value)) {
        ctx.error("ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[kLongDoubleBufSize];
    size_t len = format_long_double_human(value, buf, sizeof buf);
    if (e) ctx.db.replace_string(e, {buf, len});
    else ctx.db.set_string(key, {buf, len}, false);
    ctx.touched(key);
    ctx.notify(notify::kString, "incrbyfloat", key);
    ctx.reply.bulk({buf, len});
}

bool check_string_length(CommandContext& ctx, uint64_t offset, uint64_t len) {
    uint64_t max = static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len);
    if (offset > max || len > max - offset) {
        ctx.error_raw(errors::kStringTooLong);
        return false;
    }
    return true;
}

void append_command(CommandContext& ctx) {
    std::string_view key = ctx.arg(1);
    std::string_view tail = ctx.arg(2);
    Entry* e = lookup_write(ctx, key);
    if (!check_type(ctx, e, ValueType::kString)) return;
    int64_t total;
    if (e == nullptr) {
        ctx.db.set_string(key, tail, false);
        total = static_cast<int64_t>(tail.size());
    } else {
        size_t old_len = e->value_len;
        if (!check_string_length(ctx, old_len, tail.size())) return;
        e = ctx.db.resize_string(e, old_len + tail.size(), old_len);
        std::memcpy(e->value_ptr() + old_len, tail.data(), tail.size());
        total = static_cast<int64_t>(e->value_len);
    }
    // Even an empty tail counts as a change, as in Redis.
    ctx.touched(key);
    ctx.notify(notify::kString, "append", key);
    ctx.reply.integer(total);
}

void strlen_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kString)) return;
    ctx.reply.integer(e ? e->value_len : 0);
}

void getrange_command(CommandContext& ctx) {
    int64_t start;
    int64_t end;
    if (!arg_int64(ctx, ctx.arg(2), start) || !arg_int64(ctx, ctx.arg(3), end)) return;
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kString)) return;
    if (e == nullptr) {
        ctx.reply.bulk("");
        return;
    }
    int64_t len = e->value_len;
    if (start < 0 && end < 0 && start > end) {
        ctx.reply.bulk("");
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) {
        ctx.reply.bulk("");
        return;
    }
    ctx.reply.bulk(e->str().substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void setrange_command(CommandContext& ctx) {
    int64_t offset;
    if (!arg_int64(ctx, ctx.arg(2), offset)) return;
    if (offset < 0) {
        ctx.error("ERR offset is out of range");
        return;
    }
    std::string_view key = ctx.arg(1);
    std::string_view value = ctx.arg(3);
    Entry* e = lookup_write(ctx, key);
    if (!check_type(ctx, e, ValueType::kString)) return;
    uint64_t off = static_cast<uint64_t>(offset);
    if (e == nullptr) {
        if (value.empty()) {
            ctx.reply.raw(":0\r\n");
            return;
        }
        if (!check_string_length(ctx, off, value.size())) return;
        e = ctx.db.set_string(key, "", false);
        e = ctx.db.resize_string(e, off + value.size(), 0);
        std::memset(e->value_ptr(), 0, off);
    } else {
        size_t old_len = e->value_len;
        if (value.empty()) {
            ctx.reply.integer(static_cast<int64_t>(old_len));
            return;
        }
        if (!check_string_length(ctx, off, value.size())) return;
        size_t new_len = std::max<uint64_t>(old_len, off + value.size());
        e = ctx.db.resize_string(e, new_len, old_len);
        if (off > old_len) std::memset(e->value_ptr() + old_len, 0, off - old_len);
    }
    std::memcpy(e->value_ptr() + off, value.data(), value.size());
    ctx.touched(key);
    ctx.notify(notify::kString, "setrange", key);
    ctx.reply.integer(e->value_len);
}

constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
constexpr uint32_t kR = kCmdReadOnly;

const Command kStringCommands[] = {
    {"get", 2, kR | kCmdFast, get_command, 1, 1, 1, "@read @string @fast"},
    {"set", -3, kW, set_command, 1, 1, 1, "@write @string @slow"},
    {"setnx", 3, kW | kCmdFast, setnx_command, 1, 1, 1, "@write @string @fast"},
    {"setex", 4, kW, setex_command, 1, 1, 1, "@write @string @slow"},
    {"psetex", 4, kW, psetex_command, 1, 1, 1, "@write @string @slow"},
    {"getdel", 2, kCmdWrite | kCmdFast, getdel_command, 1, 1, 1, "@write @string @fast"},
    {"getex", -2, kCmdWrite | kCmdFast, getex_command, 1, 1, 1, "@write @string @fast"},
    {"mget", -2, kR | kCmdFast, mget_command, 1, -1, 1, "@read @string @fast"},
    {"mset", -3, kW, mset_command, 1, -1, 2, "@write @string @slow"},
    {"msetnx", -3, kW, msetnx_command, 1, -1, 2, "@write @string @slow"},
    {"incr", 2, kW | kCmdFast, incr_command, 1, 1, 1, "@write @string @fast"},
    {"decr", 2, kW | kCmdFast, decr_command, 1, 1, 1, "@write @string @fast"},
    {"incrby", 3, kW | kCmdFast, incrby_command, 1, 1, 1, "@write @string @fast"},
    {"decrby", 3, kW | kCmdFast, decrby_command, 1, 1, 1, "@write @string @fast"},
    {"incrbyfloat", 3, kW | kCmdFast, incrbyfloat_command, 1, 1, 1, "@write @string @fast"},
    {"append", 3, kW, append_command, 1, 1, 1, "@write @string @fast"},
    {"strlen", 2, kR | kCmdFast, strlen_command, 1, 1, 1, "@read @string @fast"},
    {"getrange", 4, kR, getrange_command, 1, 1, 1, "@read @string @slow"},
    {"substr", 4, kR, getrange_command, 1, 1, 1, "@read @string @slow"},
    {"setrange", 4, kW, setrange_command, 1, 1, 1, "@write @string @slow"},
};

}  // namespace

std::span<const Command> string_commands() { return kStringCommands; }

}  // namespace server
