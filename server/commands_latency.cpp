// LATENCY: Redis's latency monitor and per-command latency histograms.
//
// The monitor (LATEST, HISTORY, GRAPH, DOCTOR, RESET) samples events slower
// than latency-monitor-threshold, which is 0 in Redis by default: monitoring
// off, no events. We have no monitor, so we answer as Redis does with that
// default. HISTOGRAM reports the per-command distributions that execute()
// records (latency-tracking), in Redis's cumulative power-of-two buckets.
#include "server/commands_latency.h"

#include <array>
#include <string>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/cycles.h"

namespace server {

namespace {

// HdrHistogram(1 ns .. 1 s, 2 significant figures), as Redis sets it up:
// the value 2^k (k >= 8) falls in a bucket 2^(k-7) wide, so the level 2^k
// reaches up to 2^k + 2^(k-7) - 1. The levels run from 2^10 to 2^29; a
// value above the last goes to the histogram's final bucket, whose top is
// 2^30 - 1.
constexpr int kFirstLevelShift = 10;
constexpr int kLastLevelShift = 29;
constexpr int kLevels = kLastLevelShift - kFirstLevelShift + 2;  // + the final bucket
constexpr int64_t kMinNs = 1;
constexpr int64_t kMaxNs = 1000000000;

int64_t level_top(int level) {
    if (level == kLevels - 1) return (int64_t{1} << 30) - 1;
    int64_t l = int64_t{1} << (kFirstLevelShift + level);
    return l + (l >> 7) - 1;
}

int level_of_us(uint64_t us) {
    int64_t ns = us > static_cast<uint64_t>(kMaxNs / 1000) ? kMaxNs : static_cast<int64_t>(us) * 1000;
    if (ns < kMinNs) ns = kMinNs;
    for (int level = 0; level < kLevels - 1; ++level)
        if (ns <= level_top(level)) return level;
    return kLevels - 1;
}

}  // namespace

int64_t latency_level_key(uint64_t us) { return level_top(level_of_us(us)) / 1000; }

std::vector<std::pair<int64_t, uint64_t>> latency_cdf(const LatencyHistogram& h, double ticks_per_us) {
    std::array<uint64_t, kLevels> per_level{};
    for (int i = 0; i < LatencyHistogram::kBuckets; ++i) {
        uint64_t n = h.bucket(i);
        if (n == 0) continue;
        // The middle of the bucket stands for its samples.
        uint64_t lo = LatencyHistogram::lower_bound(i);
        uint64_t hi = i < 8 ? lo + 1 : LatencyHistogram::upper_bound(i);
        double mid = (static_cast<double>(lo) + static_cast<double>(hi)) / 2;
        // Whole microseconds, as Redis measures; past a second all is one.
        double us = ticks_per_us > 0 ? mid / ticks_per_us : 0;
        uint64_t whole_us = us >= 1e7 ? uint64_t{10000000} : static_cast<uint64_t>(us);
        per_level[static_cast<size_t>(level_of_us(whole_us))] += n;
    }
    std::vector<std::pair<int64_t, uint64_t>> out;
    uint64_t cumulative = 0;
    for (int level = 0; level < kLevels; ++level) {
        if (per_level[static_cast<size_t>(level)] == 0) continue;
        cumulative += per_level[static_cast<size_t>(level)];
        out.emplace_back(level_top(level) / 1000, cumulative);
    }
    return out;
}

namespace {

void latency_latest_command(CommandContext& ctx) { ctx.reply.array(0); }

void latency_history_command(CommandContext& ctx) { ctx.reply.array(0); }

void latency_reset_command(CommandContext& ctx) {
    // The number of event series reset: there are none.
    ctx.reply.integer(0);
}

void latency_graph_command(CommandContext& ctx) {
    std::string_view event = ctx.arg(2);
    event = event.substr(0, event.find('\0'));
    std::string msg = "ERR No samples available for event '";
    msg.append(event);
    msg += "'";
    ctx.error(msg);
}

void latency_doctor_command(CommandContext& ctx) {
    ctx.reply.verbatim(
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
        "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. "
        "If we weren't in a deep space mission I'd suggest to take a look at "
        "https://redis.io/topics/latency-monitor.\n");
}

bool has_histogram(const Command& c) { return c.stats.latency && c.stats.latency->total() > 0; }

void reply_histogram(CommandContext& ctx, const Command& c) {
    const LatencyHistogram& h = *c.stats.latency;
    ctx.reply.bulk(c.name);
    ctx.reply.map(2);
    ctx.reply.bulk("calls");
    ctx.reply.integer(static_cast<int64_t>(h.total()));
    ctx.reply.bulk("histogram_usec");
    auto cdf = latency_cdf(h, cycles_per_us());
    ctx.reply.map(static_cast<int64_t>(cdf.size()));
    for (const auto& [key, count] : cdf) {
        ctx.reply.integer(key);
        ctx.reply.integer(static_cast<int64_t>(count));
    }
}

// A name as Redis's lookupCommandBySds takes it: "get", or "config|get".
const Command* lookup_full_name(const CommandTable& table, std::string_view name) {
    size_t bar = name.find('|');
    if (bar == std::string_view::npos) return table.find(name);
    std::string_view sub = name.substr(bar + 1);
    if (sub.find('|') != std::string_view::npos) return nullptr;
    const Command* container = table.find(name.substr(0, bar));
    if (container == nullptr || container->subcommands == nullptr) return nullptr;
    return CommandTable::find_subcommand(*container, sub);
}

void latency_histogram_command(CommandContext& ctx) {
    // A command, then its subcommands: with no names every command; with
    // names each one asked for (twice if asked twice, as Redis does).
    std::vector<const Command*> picked;
    auto add = [&](const Command& c) {
        if (has_histogram(c)) picked.push_back(&c);
        for (size_t i = 0; i < c.subcommand_count; ++i)
            if (has_histogram(c.subcommands[i])) picked.push_back(&c.subcommands[i]);
    };
    const CommandTable& table = ctx.server.commands();
    if (ctx.argc() == 2) {
        for (const Command* c : table.all()) add(*c);
    } else {
        for (size_t i = 2; i < ctx.argc(); ++i)
            if (const Command* c = lookup_full_name(table, ctx.arg(i))) add(*c);
    }
    ctx.reply.map(static_cast<int64_t>(picked.size()));
    for (const Command* c : picked) reply_histogram(ctx, *c);
}

void latency_help_command(CommandContext& ctx) {
    static constexpr std::string_view kLines[] = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified "
        "command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
    ctx.reply.array(std::size(kLines));
    for (auto l : kLines) ctx.reply.simple(l);
}

constexpr uint32_t kAdminFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;

const Command kLatencySubcommands[] = {
    {"latency|history", 3, kAdminFlags, latency_history_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"latency|doctor", 2, kAdminFlags, latency_doctor_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"latency|help", 2, kCmdLoading | kCmdStale, latency_help_command, 0, 0, 0, "@slow"},
    {"latency|reset", -2, kAdminFlags, latency_reset_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"latency|latest", 2, kAdminFlags, latency_latest_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"latency|graph", 3, kAdminFlags, latency_graph_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"latency|histogram", -2, kAdminFlags, latency_histogram_command, 0, 0, 0, "@admin @slow @dangerous"},
};

const Command kLatencyCommands[] = {
    {"latency", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kLatencySubcommands,
     std::size(kLatencySubcommands)},
};

}  // namespace

std::span<const Command> latency_commands() { return kLatencyCommands; }

}  // namespace server
