// The set algebra: SMEMBERS, SINTER, SINTERCARD, SUNION, SDIFF and their
// *STORE forms. Each follows Redis 7.0's algorithm, not only for speed: the
// order a result comes out in depends on how it was built (a result that is
// an intset iterates in numeric order), and that order is part of the reply.
#include <algorithm>
#include <vector>

#include "server/command_util.h"
#include "server/keyspace_events.h"
#include "server/set_commands.h"

namespace server {

namespace {

enum class Output { kReply, kStore, kCount };

// The sets under argv[first, first + count), null for a missing key. Every
// key's type is checked, even after a missing one, as Redis does; false
// once WRONGTYPE has been replied.
bool read_sets(CommandContext& ctx, size_t first, size_t count, Output out,
               std::vector<SetObject*>& sets) {
    sets.reserve(count);
    for (size_t i = first; i < first + count; ++i) {
        std::string_view key = ctx.arg(i);
        Entry* e = out == Output::kStore ? lookup_write(ctx, key) : lookup_read(ctx, key);
        if (!check_type(ctx, e, ValueType::kSet)) return false;
        sets.push_back(e ? set_of(e) : nullptr);
    }
    return true;
}

// An empty *STORE result deletes dst; only when there was one to delete
// is that a change (a "del" event), as in Redis.
void store_nothing(CommandContext& ctx, std::string_view dst) {
    if (!ctx.db.remove(dst)) return;
    ctx.touched(dst);
    ctx.notify(notify::kGeneric, "del", dst);
}

// A *STORE result replaces whatever dst held (TTL included), raising
// `event` ("sinterstore"...); an empty one only deletes dst.
void store_result(CommandContext& ctx, std::string_view dst, SetObject* result, std::string_view event) {
    const auto n = static_cast<int64_t>(result->size());
    if (n > 0) {
        ctx.db.remove(dst);
        ctx.db.add_object(dst, ValueType::kSet, result);
        ctx.touched(dst);
        ctx.notify(notify::kSet, event, dst);
    } else {
        delete result;
        store_nothing(ctx, dst);
    }
    ctx.reply.integer(n);
}

void reply_empty(CommandContext& ctx, Output out) {
    switch (out) {
    case Output::kReply: ctx.reply.set(0); break;
    case Output::kStore: store_nothing(ctx, ctx.arg(1)); [[fallthrough]];
    case Output::kCount: ctx.reply.raw(":0\r\n"); break;
    }
}

// Iterates the smallest set and probes the others, so the cost is the
// smallest size times the number of sets. `limit` (0 = none) stops a count.
void inter_generic(CommandContext& ctx, size_t first, size_t nkeys, Output out, uint64_t limit = 0) {
    std::vector<SetObject*> sets;
    if (!read_sets(ctx, first, nkeys, out, sets)) return;
    if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return reply_empty(ctx, out);
    // Stable, as glibc's merge-sorting qsort is, so ties keep key order.
    std::stable_sort(sets.begin(), sets.end(),
                     [](const SetObject* a, const SetObject* b) { return a->size() < b->size(); });
    SetObject* smallest = sets[0];
    auto in_all = [&](const SetMember& m) {
        for (size_t j = 1; j < sets.size(); ++j)
            if (sets[j] != smallest && !sets[j]->contains(m)) return false;
        return true;
    };
    if (out == Output::kCount) {
        uint64_t n = 0;
        smallest->for_each_while([&](const SetMember& m) { return !(in_all(m) && ++n == limit); });
        ctx.reply.integer(static_cast<int64_t>(n));
        return;
    }
    if (out == Output::kStore) {
        auto* result = new SetObject;
        smallest->for_each([&](const SetMember& m) {
            if (in_all(m)) result->add(m);
        });
        return store_result(ctx, ctx.arg(1), result, "sinterstore");
    }
    std::vector<SetMember> found;
    smallest->for_each([&](const SetMember& m) {
        if (in_all(m)) found.push_back(m);
    });
    ctx.reply.set(static_cast<int64_t>(found.size()));
    for (const SetMember& m : found) reply_member(ctx, m);
}

// Redis's first SDIFF algorithm: keep each member of the first set that no
// other set has. Probing the biggest sets first finds shared members sooner.
void diff_by_probing(std::vector<SetObject*>& sets, SetObject& result) {
    std::stable_sort(sets.begin() + 1, sets.end(), [](const SetObject* a, const SetObject* b) {
        return (a ? a->size() : 0) > (b ? b->size() : 0);
    });
    sets[0]->for_each([&](const SetMember& m) {
        for (size_t j = 1; j < sets.size(); ++j)
            if (sets[j] && sets[j]->contains(m)) return;
        result.add(m);
    });
}

// The second: copy the first set, then remove every member of the others.
void diff_by_removing(const std::vector<SetObject*>& sets, SetObject& result) {
    sets[0]->for_each([&](const SetMember& m) { result.add(m); });
    for (size_t j = 1; j < sets.size() && result.size() > 0; ++j) {
        if (sets[j] == nullptr) continue;
        sets[j]->for_each([&](const SetMember& m) { result.remove(m); });
    }
}

SetObject* diff_of(std::vector<SetObject*>& sets) {
    auto* result = new SetObject;
    SetObject* first = sets[0];
    if (first == nullptr) return result;
    for (size_t j = 1; j < sets.size(); ++j)
        if (sets[j] == first) return result;  // the same key: nothing is left
    // Redis's estimate of each algorithm's work, halved for the first as it
    // stops early on shared members. The choice also decides the result's
    // encoding (the second may convert it), hence its order.
    uint64_t probe_work = 0;
    uint64_t remove_work = 0;
    for (const SetObject* s : sets) {
        if (s == nullptr) continue;
        probe_work += first->size();
        remove_work += s->size();
    }
    if (probe_work / 2 <= remove_work) diff_by_probing(sets, *result);
    else diff_by_removing(sets, *result);
    return result;
}

enum class Op { kUnion, kDiff };

void union_diff_generic(CommandContext& ctx, size_t first, Op op, Output out) {
    std::vector<SetObject*> sets;
    if (!read_sets(ctx, first, ctx.argc() - first, out, sets)) return;
    SetObject* result = op == Op::kUnion ? union_of(sets) : diff_of(sets);
    if (out == Output::kStore)
        return store_result(ctx, ctx.arg(1), result, op == Op::kUnion ? "sunionstore" : "sdiffstore");
    reply_all_members(ctx, *result);
    delete result;
}

}  // namespace

SetObject* union_of(const std::vector<SetObject*>& sets) {
    auto* result = new SetObject;
    for (const SetObject* s : sets) {
        if (s != nullptr) s->for_each([&](const SetMember& m) { result->add(m); });
    }
    return result;
}

void smembers_command(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kSet)) return;
    if (e == nullptr) return ctx.reply.set(0);
    reply_all_members(ctx, *set_of(e));
}

void sinter_command(CommandContext& ctx) { inter_generic(ctx, 1, ctx.argc() - 1, Output::kReply); }

void sinterstore_command(CommandContext& ctx) { inter_generic(ctx, 2, ctx.argc() - 2, Output::kStore); }

void sintercard_command(CommandContext& ctx) {
    auto numkeys = parse_int64(ctx.arg(1));
    if (!numkeys || *numkeys < 1) return ctx.error("ERR numkeys should be greater than 0");
    if (static_cast<uint64_t>(*numkeys) > ctx.argc() - 2)
        return ctx.error("ERR Number of keys can't be greater than number of args");
    const auto nkeys = static_cast<size_t>(*numkeys);
    uint64_t limit = 0;
    for (size_t j = 2 + nkeys; j < ctx.argc(); ++j) {
        if (!equals_nocase(ctx.arg(j), "limit") || j + 1 == ctx.argc()) return ctx.error_raw(errors::kSyntax);
        auto l = parse_int64(ctx.arg(++j));
        if (!l || *l < 0) return ctx.error("ERR LIMIT can't be negative");
        limit = static_cast<uint64_t>(*l);
    }
    inter_generic(ctx, 2, nkeys, Output::kCount, limit);
}

void sunion_command(CommandContext& ctx) { union_diff_generic(ctx, 1, Op::kUnion, Output::kReply); }
void sunionstore_command(CommandContext& ctx) { union_diff_generic(ctx, 2, Op::kUnion, Output::kStore); }
void sdiff_command(CommandContext& ctx) { union_diff_generic(ctx, 1, Op::kDiff, Output::kReply); }
void sdiffstore_command(CommandContext& ctx) { union_diff_generic(ctx, 2, Op::kDiff, Output::kStore); }

}  // namespace server
