// Set algebra over sorted sets: ZUNION, ZINTER, ZDIFF, their STORE forms,
// and ZINTERCARD. Inputs may be zsets or plain sets (whose members score
// 1), as in Redis. Scores are combined in Redis's order (inputs sorted by
// size, smallest first, ties kept in argument order), which matters because
// floating-point sums depend on it.
#include <algorithm>
#include <cmath>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/command_util.h"
#include "server/set_type.h"
#include "server/zset_commands.h"

namespace server {

namespace {

enum class Op : uint8_t { kUnion, kInter, kDiff };
enum class Aggregate : uint8_t { kSum, kMin, kMax };

// One input: a zset, a set, or a missing key (both null).
struct Source {
    ZSet* zset = nullptr;
    SetObject* set = nullptr;
    double weight = 1;

    size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
    // The same key given twice: looking a member up in the input being
    // iterated could move its hash table's rehashing under the iteration,
    // so callers test this first, as Redis does.
    bool same_as(const Source& o) const { return zset == o.zset && set == o.set; }

    // The member's score in this input, if present.
    std::optional<double> find(std::string_view member) const {
        if (zset) return zset->score(member);
        if (set && set->contains(member)) return 1.0;
        return std::nullopt;
    }

    // Calls fn(member, score) for every member.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        if (zset) {
            zset->for_each(fn);
        } else if (set) {
            set->for_each([&](const SetMember& m) {
                char buf[kMemberTextSize];
                fn(member_text(m, buf), 1.0);
            });
        }
    }
};

void aggregate(double& target, double value, Aggregate how) {
    switch (how) {
    case Aggregate::kSum:
        target += value;
        // inf + -inf is NaN; Redis's convention makes it 0.
        if (std::isnan(target)) target = 0;
        break;
    case Aggregate::kMin: target = value < target ? value : target; break;
    case Aggregate::kMax: target = value > target ? value : target; break;
    }
}

struct AlgebraRequest {
    Op op = Op::kUnion;
    bool store = false;        // argv[1] is the destination
    bool card_only = false;    // ZINTERCARD
    size_t numkeys_index = 1;
    std::vector<Source> sources;
    Aggregate how = Aggregate::kSum;
    bool withscores = false;
    int64_t limit = 0;  // ZINTERCARD's LIMIT; 0 = none
};

bool load_sources(CommandContext& ctx, AlgebraRequest& req, size_t count) {
    req.sources.resize(count);
    for (size_t i = 0; i < count; ++i) {
        std::string_view key = ctx.arg(req.numkeys_index + 1 + i);
        Entry* e = req.store ? lookup_write(ctx, key) : lookup_read(ctx, key);
        if (e == nullptr) continue;
        if (e->type == ValueType::kZSet) req.sources[i].zset = static_cast<ZSet*>(e->object());
        else if (e->type == ValueType::kSet) req.sources[i].set = static_cast<SetObject*>(e->object());
        else {
            ctx.error_raw(errors::kWrongType);
            return false;
        }
    }
    return true;
}

bool parse_aggregate(CommandContext& ctx, std::string_view word, Aggregate& how) {
    if (equals_nocase(word, "sum")) how = Aggregate::kSum;
    else if (equals_nocase(word, "min")) how = Aggregate::kMin;
    else if (equals_nocase(word, "max")) how = Aggregate::kMax;
    else {
        ctx.error_raw(errors::kSyntax);
        return false;
    }
    return true;
}

bool parse_weights(CommandContext& ctx, AlgebraRequest& req, size_t& j) {
    for (Source& s : req.sources) {
        auto w = parse_double(ctx.arg(j++));
        if (!w) {
            ctx.error("ERR weight value is not a float");
            return false;
        }
        s.weight = *w;
    }
    return true;
}

// WEIGHTS, AGGREGATE, WITHSCORES and LIMIT, each where its command allows.
bool parse_algebra_options(CommandContext& ctx, AlgebraRequest& req, size_t j) {
    const bool weighted = req.op != Op::kDiff && !req.card_only;
    while (j < ctx.argc()) {
        std::string_view opt = ctx.arg(j);
        const size_t remaining = ctx.argc() - j;
        if (weighted && remaining >= req.sources.size() + 1 && equals_nocase(opt, "weights")) {
            ++j;
            if (!parse_weights(ctx, req, j)) return false;
        } else if (weighted && remaining >= 2 && equals_nocase(opt, "aggregate")) {
            if (!parse_aggregate(ctx, ctx.arg(j + 1), req.how)) return false;
            j += 2;
        } else if (!req.store && !req.card_only && equals_nocase(opt, "withscores")) {
            req.withscores = true;
            ++j;
        } else if (req.card_only && remaining >= 2 && equals_nocase(opt, "limit")) {
            auto v = parse_int64(ctx.arg(j + 1));
            if (!v || *v < 0) {
                ctx.error("ERR LIMIT can't be negative");
                return false;
            }
            req.limit = *v;
            j += 2;
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    return true;
}

bool parse_algebra(CommandContext& ctx, AlgebraRequest& req) {
    int64_t numkeys;
    if (!arg_int64(ctx, ctx.arg(req.numkeys_index), numkeys)) return false;
    if (numkeys < 1) {
        std::string msg = "ERR at least 1 input key is needed for '";
        msg.append(ctx.cmd.name);
        msg += "' command";
        ctx.error(msg);
        return false;
    }
    if (static_cast<uint64_t>(numkeys) > ctx.argc() - (req.numkeys_index + 1)) {
        ctx.error_raw(errors::kSyntax);
        return false;
    }
    const auto count = static_cast<size_t>(numkeys);
    if (!load_sources(ctx, req, count)) return false;
    return parse_algebra_options(ctx, req, req.numkeys_index + 1 + count);
}

// A result being gathered: members (views into the inputs, or into
// `texts` for integer set members) and their scores.
struct Result {
    std::vector<std::pair<double, std::string_view>> items;
    std::deque<std::string> texts;
    size_t longest = 0;

    void add(std::string_view member, double score) {
        items.emplace_back(score, member);
        longest = std::max(longest, member.size());
    }
    // A member whose bytes may not outlive the callback (intset text).
    std::string_view keep(std::string_view member, const Source& from) {
        if (from.set != nullptr && from.set->is_intset()) return texts.emplace_back(member);
        return member;
    }
};

// Members of every input (Redis's union accumulator), weighted and
// combined.
void compute_union(AlgebraRequest& req, Result& out) {
    std::unordered_map<std::string_view, double> acc;
    if (!req.sources.empty()) acc.reserve(req.sources.back().size());
    for (const Source& src : req.sources) {
        src.for_each([&](std::string_view m, double s) {
            double score = src.weight * s;
            if (std::isnan(score)) score = 0;
            auto it = acc.find(m);
            if (it == acc.end()) acc.emplace(out.keep(m, src), score);
            else aggregate(it->second, score, req.how);
        });
    }
    out.items.reserve(acc.size());
    for (const auto& [m, s] : acc) out.add(m, s);
}

// Members of the smallest input found in all the others. With card_only,
// counts them instead (stopping at LIMIT) and collects nothing.
size_t compute_inter(AlgebraRequest& req, Result& out) {
    const Source& first = req.sources[0];
    size_t found = 0;
    if (first.size() == 0) return 0;
    const bool stop_at_limit = req.card_only && req.limit > 0;
    first.for_each([&](std::string_view m, double s) {
        if (stop_at_limit && found >= static_cast<size_t>(req.limit)) return;
        double score = first.weight * s;
        if (std::isnan(score)) score = 0;
        for (size_t j = 1; j < req.sources.size(); ++j) {
            const Source& src = req.sources[j];
            auto other = src.same_as(first) ? std::optional<double>(s) : src.find(m);
            if (!other) return;
            aggregate(score, *other * src.weight, req.how);
        }
        ++found;
        if (!req.card_only) out.add(out.keep(m, first), score);
    });
    return found;
}

// Members of the first input found in none of the others, with their
// scores unweighted.
void compute_diff(AlgebraRequest& req, Result& out) {
    const Source& first = req.sources[0];
    first.for_each([&](std::string_view m, double s) {
        for (size_t j = 1; j < req.sources.size(); ++j)
            if (req.sources[j].same_as(first) || req.sources[j].find(m)) return;
        out.add(out.keep(m, first), s);
    });
}

void sort_result(Result& r) {
    std::sort(r.items.begin(), r.items.end(), [](const auto& a, const auto& b) {
        return a.first < b.first || (a.first == b.first && compare_members(a.second, b.second) < 0);
    });
}

void reply_result(CommandContext& ctx, const Result& r, bool withscores) {
    reply_members_header(ctx, r.items.size(), withscores);
    for (const auto& [s, m] : r.items) reply_member(ctx, m, s, withscores);
}

void store_algebra(CommandContext& ctx, const Result& r) {
    ZSetBuilder b(r.items.size(), r.longest);
    for (const auto& [s, m] : r.items) b.append(s, m);
    store_result(ctx, ctx.arg(1), b.release());
}

void algebra_generic(CommandContext& ctx, AlgebraRequest req) {
    if (!parse_algebra(ctx, req)) return;
    if (req.op != Op::kDiff) {
        std::stable_sort(req.sources.begin(), req.sources.end(),
                         [](const Source& a, const Source& b) { return a.size() < b.size(); });
    }
    Result r;
    if (req.op == Op::kUnion) compute_union(req, r);
    else if (req.op == Op::kDiff) compute_diff(req, r);
    else if (req.card_only) {
        ctx.reply.integer(static_cast<int64_t>(compute_inter(req, r)));
        return;
    } else compute_inter(req, r);
    sort_result(r);
    if (req.store) store_algebra(ctx, r);
    else reply_result(ctx, r, req.withscores);
}

AlgebraRequest request(Op op, bool store) {
    AlgebraRequest req;
    req.op = op;
    req.store = store;
    req.numkeys_index = store ? 2 : 1;
    return req;
}

}  // namespace

void zunionstore_command(CommandContext& ctx) { algebra_generic(ctx, request(Op::kUnion, true)); }
void zinterstore_command(CommandContext& ctx) { algebra_generic(ctx, request(Op::kInter, true)); }
void zdiffstore_command(CommandContext& ctx) { algebra_generic(ctx, request(Op::kDiff, true)); }
void zunion_command(CommandContext& ctx) { algebra_generic(ctx, request(Op::kUnion, false)); }
void zinter_command(CommandContext& ctx) { algebra_generic(ctx, request(Op::kInter, false)); }
void zdiff_command(CommandContext& ctx) { algebra_generic(ctx, request(Op::kDiff, false)); }

void zintercard_command(CommandContext& ctx) {
    AlgebraRequest req = request(Op::kInter, false);
    req.card_only = true;
    algebra_generic(ctx, std::move(req));
}

}  // namespace server
