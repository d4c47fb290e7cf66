// HRANDFIELD: random fields, distinct for a positive count, drawn with
// repetition for a negative one, with Redis 7.0's argument checks and reply
// shapes.
#include <climits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/command_util.h"
#include "server/hash_commands.h"

namespace server {

namespace {

struct RandomRequest {
    uint64_t count;
    bool distinct;  // a positive count: no pair twice
    bool with_values;
};

// Parses COUNT [WITHVALUES] in Redis's order: the count, its range, the
// syntax, then the range that WITHVALUES halves.
bool parse_random_request(CommandContext& ctx, RandomRequest& req) {
    int64_t count;
    if (!arg_int64(ctx, ctx.arg(2), count)) return false;
    if (count == LLONG_MIN) {
        ctx.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        return false;
    }
    req.with_values = false;
    if (ctx.argc() >= 4) {
        if (ctx.argc() > 4 || !equals_nocase(ctx.arg(3), "withvalues")) {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
        if (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2) {
            ctx.error("ERR value is out of range");
            return false;
        }
        req.with_values = true;
    }
    req.distinct = count >= 0;
    req.count = static_cast<uint64_t>(count >= 0 ? count : -count);
    return true;
}

void reply_random_header(CommandContext& ctx, const RandomRequest& req, uint64_t n) {
    bool flat = req.with_values && ctx.reply.proto() < 3;
    ctx.reply.array(static_cast<int64_t>(flat ? n * 2 : n));
}

// One pair of the reply: in RESP3 a WITHVALUES pair is an array of two.
void reply_random_pair(CommandContext& ctx, const RandomRequest& req, const HashPair& p) {
    if (req.with_values && ctx.reply.proto() >= 3) ctx.reply.array(2);
    ctx.reply.bulk(p.field);
    if (req.with_values) ctx.reply.bulk(p.value);
}

// Moves `count` randomly chosen pairs to the front (a partial shuffle).
void choose_front(std::vector<HashPair>& pairs, size_t count, CommandContext& ctx) {
    for (size_t i = 0; i < count; ++i) {
        size_t j = i + static_cast<size_t>(ctx.server.random() % (pairs.size() - i));
        std::swap(pairs[i], pairs[j]);
    }
}

// `count` distinct pairs, fewer than the hash holds.
std::vector<HashPair> distinct_sample(CommandContext& ctx, const HashObject& hash, size_t count) {
    auto rng = [&ctx] { return ctx.server.random(); };
    // A large share, or a small hash, is cheaper to draw from a full list;
    // a few pairs from a big table are cheaper to draw one at a time.
    if (hash.encoding() == HashObject::Encoding::kCompact || count * 3 > hash.size()) {
        std::vector<HashPair> pairs = hash.pairs();
        choose_front(pairs, count, ctx);
        pairs.resize(count);
        return pairs;
    }
    std::vector<HashPair> out;
    out.reserve(count);
    std::unordered_set<const char*> taken;
    while (out.size() < count) {
        HashPair p = hash.random_pair(rng);
        if (taken.insert(p.field.data()).second) out.push_back(p);
    }
    return out;
}

// A negative count: independent draws, so pairs may repeat.
void reply_with_repeats(CommandContext& ctx, const HashObject& hash, const RandomRequest& req) {
    auto rng = [&ctx] { return ctx.server.random(); };
    // The compact form has no random access: index a list of it once.
    std::vector<HashPair> all;
    if (hash.encoding() == HashObject::Encoding::kCompact) all = hash.pairs();
    reply_random_header(ctx, req, req.count);
    for (uint64_t i = 0; i < req.count; ++i) {
        HashPair p = all.empty() ? hash.random_pair(rng) : all[rng() % all.size()];
        reply_random_pair(ctx, req, p);
    }
}

void reply_random_many(CommandContext& ctx, const HashObject& hash, const RandomRequest& req) {
    if (!req.distinct) {
        reply_with_repeats(ctx, hash, req);
        return;
    }
    if (req.count >= hash.size()) {
        reply_random_header(ctx, req, hash.size());
        hash.for_each([&](std::string_view f, std::string_view v) { reply_random_pair(ctx, req, {f, v}); });
        return;
    }
    std::vector<HashPair> chosen = distinct_sample(ctx, hash, static_cast<size_t>(req.count));
    reply_random_header(ctx, req, chosen.size());
    for (const HashPair& p : chosen) reply_random_pair(ctx, req, p);
}

void reply_random_one(CommandContext& ctx) {
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (!check_type(ctx, e, ValueType::kHash)) return;
    if (e == nullptr) ctx.reply.null_bulk();
    else ctx.reply.bulk(as_hash(e)->random_pair([&ctx] { return ctx.server.random(); }).field);
}

}  // namespace

void hrandfield_command(CommandContext& ctx) {
    if (ctx.argc() == 2) {
        reply_random_one(ctx);
        return;
    }
    RandomRequest req;
    if (!parse_random_request(ctx, req)) return;
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (e == nullptr) {
        ctx.reply.array(0);
        return;
    }
    if (!check_type(ctx, e, ValueType::kHash)) return;
    if (req.count == 0) ctx.reply.array(0);
    else reply_random_many(ctx, *as_hash(e), req);
}

}  // namespace server
