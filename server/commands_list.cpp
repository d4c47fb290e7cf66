// List commands: pushes and pops at both ends, ranges, positions, moves
// between lists. The blocking variants are in list_blocking.cpp.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/keyspace_events.h"
#include "server/list_commands.h"
#include "server/list_type.h"

namespace server {

namespace {

List* list_of(Entry* e) { return static_cast<List*>(e->object()); }

// The list under key for a write, or nullptr when missing; `ok` false after
// a WRONGTYPE reply.
List* write_list(CommandContext& ctx, std::string_view key, bool& ok) {
    Entry* e = lookup_write(ctx, key);
    ok = check_type(ctx, e, ValueType::kList);
    return ok && e ? list_of(e) : nullptr;
}

List* read_list(CommandContext& ctx, std::string_view key, bool& ok) {
    Entry* e = lookup_read(ctx, key);
    ok = check_type(ctx, e, ValueType::kList);
    return ok && e ? list_of(e) : nullptr;
}

List* create_list(CommandContext& ctx, std::string_view key) {
    auto* list = new List;
    ctx.db.add_object(key, ValueType::kList, list);
    return list;
}

// A list left empty by a command goes away with its key, as in Redis, with
// the generic "del" event after the command's own.
void drop_if_empty(CommandContext& ctx, std::string_view key, const List* list) {
    if (!list->empty()) return;
    ctx.db.remove(key);
    ctx.notify(notify::kGeneric, "del", key);
}

// Redis's listElementsRemoved: after a pop from key's `left` end, the
// "lpop"/"rpop" event, the key's deletion when emptied ("del"), and the
// change signalled unless `touch` is false (a woken BLPOP/BRPOP: Redis 7.0's
// serveClientBlockedOnList leaves that to the push that woke it).
void elements_removed(CommandContext& ctx, std::string_view key, bool left, const List* list,
                      bool touch = true) {
    ctx.notify(notify::kList, left ? "lpop" : "rpop", key);
    drop_if_empty(ctx, key, list);
    if (touch) ctx.touched(key);
}

// Redis's getPositiveLongFromObjectOrReply: any failure is one message.
bool arg_non_negative(CommandContext& ctx, std::string_view s, int64_t& out, std::string_view error) {
    auto v = parse_int64(s);
    if (!v || *v < 0) {
        ctx.error(error);
        return false;
    }
    out = *v;
    return true;
}

void push_generic(CommandContext& ctx, bool left, bool only_existing) {
    std::string_view key = ctx.arg(1);
    bool ok;
    List* list = write_list(ctx, key, ok);
    if (!ok) return;
    if (list == nullptr) {
        if (only_existing) {
            ctx.reply.raw(":0\r\n");
            return;
        }
        list = create_list(ctx, key);
    }
    for (size_t i = 2; i < ctx.argc(); ++i) {
        if (left) list->push_front(ctx.arg(i));
        else list->push_back(ctx.arg(i));
    }
    ctx.reply.integer(static_cast<int64_t>(list->size()));
    ctx.touched(key);
    ctx.notify(notify::kList, left ? "lpush" : "rpush", key);
    ctx.server.blocking().signal_key(ctx.db, key);
}

void lpush_command(CommandContext& ctx) { push_generic(ctx, true, false); }
void rpush_command(CommandContext& ctx) { push_generic(ctx, false, false); }
void lpushx_command(CommandContext& ctx) { push_generic(ctx, true, true); }
void rpushx_command(CommandContext& ctx) { push_generic(ctx, false, true); }

// Replies `n` elements popped from one end, in popping order.
void pop_and_reply(CommandContext& ctx, List* list, bool left, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (left) {
            ctx.reply.bulk(list->front());
            list->pop_front();
        } else {
            ctx.reply.bulk(list->back());
            list->pop_back();
        }
    }
}

void pop_generic(CommandContext& ctx, bool left) {
    if (ctx.argc() > 3) {
        reply_arity_error(ctx);
        return;
    }
    const bool has_count = ctx.argc() == 3;
    int64_t count = 0;
    if (has_count && !arg_non_negative(ctx, ctx.arg(2), count, "ERR value is out of range, must be positive"))
        return;
    std::string_view key = ctx.arg(1);
    bool ok;
    List* list = write_list(ctx, key, ok);
    if (!ok) return;
    if (list == nullptr) {
        if (has_count) ctx.reply.null_array();
        else ctx.reply.null_bulk();
        return;
    }
    if (has_count && count == 0) {
        ctx.reply.raw("*0\r\n");
        return;
    }
    size_t n = 1;
    if (has_count) {
        n = std::min(static_cast<size_t>(count), list->size());
        ctx.reply.array(static_cast<int64_t>(n));
    }
    pop_and_reply(ctx, list, left, n);
    elements_removed(ctx, key, left, list);
}

void lpop_command(CommandContext& ctx) { pop_generic(ctx, true); }
void rpop_command(CommandContext& ctx) { pop_generic(ctx, false); }

void llen_command(CommandContext& ctx) {
    bool ok;
    List* list = read_list(ctx, ctx.arg(1), ok);
    if (!ok) return;
    ctx.reply.integer(list ? static_cast<int64_t>(list->size()) : 0);
}

// Clamps [start, end] (negative from the tail) to the list as Redis does;
// false when the range is empty.
bool clamp_range(int64_t len, int64_t& start, int64_t& end) {
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return false;
    if (end >= len) end = len - 1;
    return true;
}

void lrange_command(CommandContext& ctx) {
    int64_t start, end;
    if (!arg_int64(ctx, ctx.arg(2), start) || !arg_int64(ctx, ctx.arg(3), end)) return;
    bool ok;
    List* list = read_list(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (list == nullptr || !clamp_range(static_cast<int64_t>(list->size()), start, end)) {
        ctx.reply.raw("*0\r\n");
        return;
    }
    const int64_t n = end - start + 1;
    ctx.reply.array(n);
    list->for_each(list->at(static_cast<size_t>(start)), static_cast<size_t>(n),
                   [&](std::string_view v) { ctx.reply.bulk(v); });
}

// The cursor of index (negative from the tail), or an empty one.
List::Cursor cursor_at(const List* list, int64_t index) {
    const auto len = static_cast<int64_t>(list->size());
    if (index < 0) index += len;
    if (index < 0 || index >= len) return {};
    return list->at(static_cast<size_t>(index));
}

void lindex_command(CommandContext& ctx) {
    bool ok;
    List* list = read_list(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (list == nullptr) {
        ctx.reply.null_bulk();
        return;
    }
    int64_t index;
    if (!arg_int64(ctx, ctx.arg(2), index)) return;
    List::Cursor c = cursor_at(list, index);
    if (c) ctx.reply.bulk(list->value(c));
    else ctx.reply.null_bulk();
}

void lset_command(CommandContext& ctx) {
    std::string_view key = ctx.arg(1);
    bool ok;
    List* list = write_list(ctx, key, ok);
    if (!ok) return;
    if (list == nullptr) {
        ctx.error_raw(errors::kNoSuchKey);
        return;
    }
    int64_t index;
    if (!arg_int64(ctx, ctx.arg(2), index)) return;
    List::Cursor c = cursor_at(list, index);
    if (!c) {
        ctx.error("ERR index out of range");
        return;
    }
    list->replace(c, ctx.arg(3));
    ctx.reply.ok();
    ctx.touched(key);
    ctx.notify(notify::kList, "lset", key);
}

void linsert_command(CommandContext& ctx) {
    bool after;
    if (equals_nocase(ctx.arg(2), "after")) {
        after = true;
    } else if (equals_nocase(ctx.arg(2), "before")) {
        after = false;
    } else {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    std::string_view key = ctx.arg(1);
    bool ok;
    List* list = write_list(ctx, key, ok);
    if (!ok) return;
    if (list == nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    std::string_view pivot = ctx.arg(3);
    List::Cursor c = list->first();
    while (list->value(c) != pivot) {
        if (!list->next(c)) {
            ctx.reply.raw(":-1\r\n");
            return;
        }
    }
    if (after) list->insert_after(c, ctx.arg(4));
    else list->insert_before(c, ctx.arg(4));
    ctx.reply.integer(static_cast<int64_t>(list->size()));
    ctx.touched(key);
    ctx.notify(notify::kList, "linsert", key);
    ctx.server.blocking().signal_key(ctx.db, key);
}

void lrem_command(CommandContext& ctx) {
    int64_t count;
    if (!arg_int64(ctx, ctx.arg(2), count)) return;
    std::string_view key = ctx.arg(1);
    bool ok;
    List* list = write_list(ctx, key, ok);
    if (!ok) return;
    if (list == nullptr) {
        ctx.reply.raw(":0\r\n");
        return;
    }
    // |INT64_MIN| does not fit an int64; it does fit the unsigned limit.
    uint64_t limit = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
    size_t removed = list->remove(ctx.arg(3), static_cast<size_t>(limit), count < 0);
    if (removed > 0) {
        ctx.touched(key);
        ctx.notify(notify::kList, "lrem", key);
    }
    drop_if_empty(ctx, key, list);
    ctx.reply.integer(static_cast<int64_t>(removed));
}

void ltrim_command(CommandContext& ctx) {
    int64_t start, end;
    if (!arg_int64(ctx, ctx.arg(2), start) || !arg_int64(ctx, ctx.arg(3), end)) return;
    std::string_view key = ctx.arg(1);
    bool ok;
    List* list = write_list(ctx, key, ok);
    if (!ok) return;
    if (list == nullptr) {
        ctx.reply.ok();
        return;
    }
    const auto len = static_cast<int64_t>(list->size());
    if (clamp_range(len, start, end)) {
        list->erase_back(static_cast<size_t>(len - end - 1));
        list->erase_front(static_cast<size_t>(start));
    } else {
        list->erase_back(static_cast<size_t>(len));
    }
    // Redis reports the trim even when it removed nothing.
    ctx.notify(notify::kList, "ltrim", key);
    drop_if_empty(ctx, key, list);
    ctx.touched(key);
    ctx.reply.ok();
}

struct LposOptions {
    int64_t rank = 1;
    int64_t count = -1;  // -1: no COUNT, reply a single position
    int64_t maxlen = 0;  // 0: scan everything
};

bool parse_lpos_options(CommandContext& ctx, LposOptions& o) {
    for (size_t j = 3; j < ctx.argc(); ++j) {
        std::string_view opt = ctx.arg(j);
        const bool has_value = j + 1 < ctx.argc();
        if (equals_nocase(opt, "rank") && has_value) {
            if (!arg_int64(ctx, ctx.arg(++j), o.rank)) return false;
            if (o.rank == 0) {
                ctx.error(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                    "or use negative to start from the end of the list");
                return false;
            }
        } else if (equals_nocase(opt, "count") && has_value) {
            if (!arg_non_negative(ctx, ctx.arg(++j), o.count, "ERR COUNT can't be negative")) return false;
        } else if (equals_nocase(opt, "maxlen") && has_value) {
            if (!arg_non_negative(ctx, ctx.arg(++j), o.maxlen, "ERR MAXLEN can't be negative")) return false;
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    return true;
}

void lpos_command(CommandContext& ctx) {
    LposOptions o;
    if (!parse_lpos_options(ctx, o)) return;
    const bool from_tail = o.rank < 0;
    // Redis negates RANK for the tail; INT64_MIN stays negative there, which
    // makes every match qualify, as RANK -1 does.
    const uint64_t rank = !from_tail ? static_cast<uint64_t>(o.rank)
                          : o.rank == INT64_MIN ? 1
                                                : static_cast<uint64_t>(-o.rank);
    bool ok;
    List* list = read_list(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (list == nullptr) {
        if (o.count != -1) ctx.reply.raw("*0\r\n");
        else ctx.reply.null_bulk();
        return;
    }
    const std::string_view element = ctx.arg(2);
    const auto len = static_cast<int64_t>(list->size());
    std::vector<int64_t> found;
    uint64_t matches = 0;
    List::Cursor c = from_tail ? list->last() : list->first();
    for (int64_t scanned = 0; scanned < len && (o.maxlen == 0 || scanned < o.maxlen); ++scanned) {
        if (list->value(c) == element && ++matches >= rank) {
            found.push_back(from_tail ? len - 1 - scanned : scanned);
            if (o.count == -1) break;
            if (o.count != 0 && found.size() >= static_cast<uint64_t>(o.count)) break;
        }
        if (from_tail) list->prev(c);
        else list->next(c);
    }
    if (o.count == -1) {
        if (found.empty()) ctx.reply.null_bulk();
        else ctx.reply.integer(found.front());
        return;
    }
    ctx.reply.array(static_cast<int64_t>(found.size()));
    for (int64_t pos : found) ctx.reply.integer(pos);
}

void lmove_command(CommandContext& ctx) {
    bool from_left, to_left;
    if (!parse_list_end(ctx, ctx.arg(3), from_left) || !parse_list_end(ctx, ctx.arg(4), to_left)) return;
    lmove_core(ctx, ctx.arg(1), ctx.arg(2), from_left, to_left, true);
}

void rpoplpush_command(CommandContext& ctx) { lmove_core(ctx, ctx.arg(1), ctx.arg(2), false, true, true); }

void lmpop_command(CommandContext& ctx) {
    MpopArgs a;
    if (!parse_mpop_args(ctx, 1, a)) return;
    if (mpop_first(ctx, a.keys, a.left, a.count, false) == Served::kNothing) ctx.reply.null_array();
}

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kWD = kCmdWrite | kCmdDenyOom;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kB = kCmdWrite | kCmdNoScript | kCmdBlocking;

const Command kListCommands[] = {
    {"lpush", -3, kWD | kCmdFast, lpush_command, 1, 1, 1, "@write @list @fast"},
    {"rpush", -3, kWD | kCmdFast, rpush_command, 1, 1, 1, "@write @list @fast"},
    {"lpushx", -3, kWD | kCmdFast, lpushx_command, 1, 1, 1, "@write @list @fast"},
    {"rpushx", -3, kWD | kCmdFast, rpushx_command, 1, 1, 1, "@write @list @fast"},
    {"lpop", -2, kW | kCmdFast, lpop_command, 1, 1, 1, "@write @list @fast"},
    {"rpop", -2, kW | kCmdFast, rpop_command, 1, 1, 1, "@write @list @fast"},
    {"llen", 2, kR | kCmdFast, llen_command, 1, 1, 1, "@read @list @fast"},
    {"lrange", 4, kR, lrange_command, 1, 1, 1, "@read @list @slow"},
    {"lindex", 3, kR, lindex_command, 1, 1, 1, "@read @list @slow"},
    {"lset", 4, kWD, lset_command, 1, 1, 1, "@write @list @slow"},
    {"linsert", 5, kWD, linsert_command, 1, 1, 1, "@write @list @slow"},
    {"lrem", 4, kW, lrem_command, 1, 1, 1, "@write @list @slow"},
    {"ltrim", 4, kW, ltrim_command, 1, 1, 1, "@write @list @slow"},
    {"lpos", -3, kR, lpos_command, 1, 1, 1, "@read @list @slow"},
    {"lmove", 5, kWD, lmove_command, 1, 2, 1, "@write @list @slow"},
    {"rpoplpush", 3, kWD, rpoplpush_command, 1, 2, 1, "@write @list @slow"},
    {"lmpop", -4, kW, lmpop_command, 0, 0, 0, "@write @list @slow"},
    {"blpop", -3, kB, blpop_command, 1, -2, 1, "@write @list @slow @blocking"},
    {"brpop", -3, kB, brpop_command, 1, -2, 1, "@write @list @slow @blocking"},
    {"blmove", 6, kB | kCmdDenyOom, blmove_command, 1, 2, 1, "@write @list @slow @blocking"},
    {"brpoplpush", 4, kB | kCmdDenyOom, brpoplpush_command, 1, 2, 1, "@write @list @slow @blocking"},
    {"blmpop", -5, kCmdWrite | kCmdBlocking, blmpop_command, 0, 0, 0, "@write @list @slow @blocking"},
};

}  // namespace

bool parse_list_end(CommandContext& ctx, std::string_view arg, bool& left) {
    if (equals_nocase(arg, "left")) {
        left = true;
    } else if (equals_nocase(arg, "right")) {
        left = false;
    } else {
        ctx.error_raw(errors::kSyntax);
        return false;
    }
    return true;
}

bool parse_mpop_args(CommandContext& ctx, size_t numkeys_index, MpopArgs& out) {
    auto numkeys = parse_int64(ctx.arg(numkeys_index));
    if (!numkeys || *numkeys < 1) {
        ctx.error("ERR numkeys should be greater than 0");
        return false;
    }
    // The end (LEFT/RIGHT) follows the keys; there must be room for it.
    const size_t keys_at = numkeys_index + 1;
    if (static_cast<uint64_t>(*numkeys) >= ctx.argc() - keys_at) {
        ctx.error_raw(errors::kSyntax);
        return false;
    }
    const size_t end_at = keys_at + static_cast<size_t>(*numkeys);
    if (!parse_list_end(ctx, ctx.arg(end_at), out.left)) return false;
    out.keys = ctx.argv.subspan(keys_at, static_cast<size_t>(*numkeys));
    bool has_count = false;
    for (size_t j = end_at + 1; j < ctx.argc(); ++j) {
        if (!has_count && equals_nocase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
            auto count = parse_int64(ctx.arg(++j));
            if (!count || *count < 1) {
                ctx.error("ERR count should be greater than 0");
                return false;
            }
            out.count = *count;
            has_count = true;
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    return true;
}

namespace {

// Pops from the first of `keys` that holds a list and replies [key, popped],
// where popped is one element (BLPOP's shape, count < 0) or an array of up
// to count elements (LMPOP's shape). A key of another type is WRONGTYPE,
// or passed over when skip_wrong_type (a woken blocked command).
// `touch` false for a woken BLPOP/BRPOP (see elements_removed).
Served pop_from_first_list(CommandContext& ctx, std::span<const std::string_view> keys, bool left,
                           int64_t count, bool skip_wrong_type, bool touch) {
    for (std::string_view key : keys) {
        Entry* e = lookup_write(ctx, key);
        if (e == nullptr) continue;
        if (e->type != ValueType::kList) {
            if (skip_wrong_type) continue;
            ctx.error_raw(errors::kWrongType);
            return Served::kError;
        }
        List* list = list_of(e);
        ctx.reply.array(2);
        ctx.reply.bulk(key);
        size_t n = 1;
        if (count >= 0) {
            n = std::min(static_cast<size_t>(count), list->size());
            ctx.reply.array(static_cast<int64_t>(n));
        }
        pop_and_reply(ctx, list, left, n);
        elements_removed(ctx, key, left, list, touch);
        return Served::kServed;
    }
    return Served::kNothing;
}

}  // namespace

Served mpop_first(CommandContext& ctx, std::span<const std::string_view> keys, bool left,
                  int64_t count, bool skip_wrong_type) {
    return pop_from_first_list(ctx, keys, left, count, skip_wrong_type, true);
}

Served pop_first(CommandContext& ctx, std::span<const std::string_view> keys, bool left, bool woken) {
    return pop_from_first_list(ctx, keys, left, -1, woken, !woken);
}

void lmove_core(CommandContext& ctx, std::string_view src, std::string_view dst, bool from_left,
                bool to_left, bool touch_source) {
    bool ok;
    List* from = write_list(ctx, src, ok);
    if (!ok) return;
    if (from == nullptr) {
        ctx.reply.null_bulk();
        return;
    }
    List* to = write_list(ctx, dst, ok);
    if (!ok) return;
    // A copy: the element's bytes live in a node that the pop may free and
    // the push (to the same list, when src == dst) may move.
    std::string value(from_left ? from->front() : from->back());
    if (from_left) from->pop_front();
    else from->pop_back();
    // Redis's order (lmoveGenericCommand, lmoveHandlePush): the push and
    // its event on dst, then the pop's event on src, its "del" when
    // emptied (not when src == dst: the push refilled it) and its touch.
    if (to == nullptr) to = create_list(ctx, dst);
    ctx.touched(dst);
    if (to_left) to->push_front(value);
    else to->push_back(value);
    ctx.notify(notify::kList, to_left ? "lpush" : "rpush", dst);
    ctx.server.blocking().signal_key(ctx.db, dst);
    ctx.reply.bulk(value);
    ctx.notify(notify::kList, from_left ? "lpop" : "rpop", src);
    drop_if_empty(ctx, src, from);
    if (touch_source) ctx.touched(src);
}

std::span<const Command> list_commands() { return kListCommands; }

}  // namespace server
