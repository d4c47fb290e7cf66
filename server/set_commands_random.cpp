// SPOP and SRANDMEMBER: random members, with Redis 7.0's strategies for a
// count so that no pick costs more than O(1) expected time.
#include <climits>
#include <numeric>
#include <vector>

#include "server/command_util.h"
#include "server/hash.h"
#include "server/keyspace_events.h"
#include "server/set_commands.h"

namespace server {

namespace {

// SPOP with a count keeps the rest by picking survivors instead of victims
// once the survivors are this many times fewer (Redis's
// SPOP_MOVE_STRATEGY_MUL).
constexpr uint64_t kSpopMoveFactor = 5;
// SRANDMEMBER takes a random subset of all members instead of picking when
// the count is more than a third of the set (SRANDMEMBER_SUB_STRATEGY_MUL).
constexpr uint64_t kSrandSubsetFactor = 3;

// Distinct hashtable nodes picked so far, keyed by the address of their
// bytes: open addressing over a table sized once, no allocation per pick.
class PickedSet {
public:
    explicit PickedSet(size_t n) {
        size_t cap = 16;
        while (cap < n * 2) cap *= 2;
        slots_.assign(cap, nullptr);
    }
    // True when p was not there yet.
    bool insert(const char* p) {
        size_t mask = slots_.size() - 1;
        size_t i = hash_mix(reinterpret_cast<uintptr_t>(p)) & mask;
        while (slots_[i] != nullptr) {
            if (slots_[i] == p) return false;
            i = (i + 1) & mask;
        }
        slots_[i] = p;
        return true;
    }

private:
    std::vector<const char*> slots_;
};

// Replies `count` distinct members of a set larger than count.
void reply_distinct(CommandContext& ctx, SetObject& set, uint64_t count) {
    auto rng = set_rng(ctx);
    ctx.reply.array(static_cast<int64_t>(count));
    if (count * kSrandSubsetFactor > set.size() || set.is_intset()) {
        // A partial Fisher-Yates shuffle of every member: O(size), which is
        // O(count) here (an intset has at most 512 members).
        std::vector<SetMember> all;
        all.reserve(set.size());
        set.for_each([&](const SetMember& m) { all.push_back(m); });
        for (size_t i = 0; i < count; ++i) {
            size_t j = i + static_cast<size_t>(rng() % (all.size() - i));
            std::swap(all[i], all[j]);
            reply_member(ctx, all[i]);
        }
        return;
    }
    // At most a third of the members are taken, so each pick is new with
    // probability at least 2/3.
    PickedSet picked(count);
    for (uint64_t n = 0; n < count;) {
        SetMember m = set.random_member(rng);
        if (!picked.insert(m.bytes.data())) continue;
        reply_member(ctx, m);
        ++n;
    }
}

void srandmember_with_count(CommandContext& ctx) {
    int64_t l;
    if (!arg_int64(ctx, ctx.arg(2), l)) return;
    if (l == INT64_MIN) {
        ctx.error(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807");
        return;
    }
    const bool distinct = l >= 0;
    const uint64_t count = static_cast<uint64_t>(distinct ? l : -l);
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (e == nullptr) return ctx.reply.array(0);
    if (!check_type(ctx, e, ValueType::kSet)) return;
    if (count == 0) return ctx.reply.array(0);
    SetObject& set = *set_of(e);
    if (!distinct || count == 1) {
        auto rng = set_rng(ctx);
        ctx.reply.array(static_cast<int64_t>(count));
        for (uint64_t i = 0; i < count; ++i) reply_member(ctx, set.random_member(rng));
        return;
    }
    if (count >= set.size()) {
        ctx.reply.array(static_cast<int64_t>(set.size()));
        set.for_each([&](const SetMember& m) { reply_member(ctx, m); });
        return;
    }
    reply_distinct(ctx, set, count);
}

// SPOP of the whole set: Redis answers with SUNION of the key, so a
// hashtable whose members would fit an intset comes out in numeric order.
void reply_whole_set(CommandContext& ctx, SetObject& set) {
    if (set.is_intset() || set.size() > kSetMaxIntsetEntries) return reply_all_members(ctx, set);
    SetObject* copy = union_of({&set});
    reply_all_members(ctx, *copy);
    delete copy;
}

// Pops `count` members, fewer than the set holds, from the set under e.
void pop_some(CommandContext& ctx, Entry* e, uint64_t count) {
    SetObject* set = set_of(e);
    auto rng = set_rng(ctx);
    ctx.touched(ctx.arg(1));
    ctx.notify(notify::kSet, "spop", ctx.arg(1));
    // The log gets the members chosen, as one SREM.
    std::vector<std::string> srem = {"SREM", std::string(ctx.arg(1))};
    char buf[kMemberTextSize];
    const uint64_t remaining = set->size() - count;
    if (remaining * kSpopMoveFactor > count) {
        ctx.reply.set(static_cast<int64_t>(count));
        for (uint64_t i = 0; i < count; ++i) {
            SetMember m = set->random_member(rng);
            reply_member(ctx, m);
            srem.emplace_back(member_text(m, buf));
            set->remove(m);
        }
        ctx.propagate_as(std::move(srem));
        return;
    }
    // Most members go: move the few survivors to a new set and hand the
    // old one, now exactly the popped members, to the reply.
    auto* kept = new SetObject;
    for (uint64_t i = 0; i < remaining; ++i) {
        SetMember m = set->random_member(rng);
        kept->add(m);
        set->remove(m);
    }
    reply_all_members(ctx, *set);
    set->for_each([&](const SetMember& m) { srem.emplace_back(member_text(m, buf)); });
    ctx.propagate_as(std::move(srem));
    e->set_object(kept);
    delete set;
}

void spop_with_count(CommandContext& ctx) {
    // Redis gives this one error for a count that is not a number too.
    auto v = parse_int64(ctx.arg(2));
    if (!v || *v < 0) return ctx.error("ERR value is out of range, must be positive");
    const auto count = static_cast<uint64_t>(*v);
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (e == nullptr) return ctx.reply.set(0);
    if (!check_type(ctx, e, ValueType::kSet)) return;
    if (count == 0) return ctx.reply.set(0);
    SetObject* set = set_of(e);
    if (count >= set->size()) {
        reply_whole_set(ctx, *set);
        ctx.db.remove(key);
        ctx.propagate_as({"DEL", std::string(key)});
        ctx.touched(key);
        ctx.notify(notify::kSet, "spop", key);
        ctx.notify(notify::kGeneric, "del", key);
        return;
    }
    pop_some(ctx, e, count);
}

}  // namespace

void spop_command(CommandContext& ctx) {
    if (ctx.argc() == 3) return spop_with_count(ctx);
    if (ctx.argc() > 3) return ctx.error_raw(errors::kSyntax);
    std::string_view key = ctx.arg(1);
    Entry* e = lookup_write(ctx, key);
    if (e == nullptr) return ctx.reply.null_bulk();
    if (!check_type(ctx, e, ValueType::kSet)) return;
    SetObject* set = set_of(e);
    SetMember m = set->random_member(set_rng(ctx));
    reply_member(ctx, m);
    char buf[kMemberTextSize];
    ctx.propagate_as({"SREM", std::string(key), std::string(member_text(m, buf))});
    set->remove(m);
    ctx.touched(key);
    ctx.notify(notify::kSet, "spop", key);
    if (set->size() == 0) {
        ctx.db.remove(key);
        ctx.notify(notify::kGeneric, "del", key);
    }
}

void srandmember_command(CommandContext& ctx) {
    if (ctx.argc() == 3) return srandmember_with_count(ctx);
    if (ctx.argc() > 3) return ctx.error_raw(errors::kSyntax);
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (e == nullptr) return ctx.reply.null_bulk();
    if (!check_type(ctx, e, ValueType::kSet)) return;
    reply_member(ctx, set_of(e)->random_member(set_rng(ctx)));
}

}  // namespace server
