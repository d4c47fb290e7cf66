// Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
// PUBSUB's introspection subcommands.
#include <string>
#include <vector>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/pubsub.h"
#include "server/server.h"

namespace server {

namespace {

struct KindNames {
    std::string_view subscribe;
    std::string_view unsubscribe;
};

KindNames names_of(ChannelKind kind) {
    switch (kind) {
    case ChannelKind::kChannel: return {"subscribe", "unsubscribe"};
    case ChannelKind::kPattern: return {"psubscribe", "punsubscribe"};
    case ChannelKind::kShard: return {"ssubscribe", "sunsubscribe"};
    }
    return {};
}

// The count a (un)subscribe confirmation carries: shard channels are
// counted on their own, channels and patterns together.
int64_t subscription_count(Connection& c, ChannelKind kind) {
    const Subscriptions* s = c.subscriptions_if_any();
    if (s == nullptr) return 0;
    return static_cast<int64_t>(kind == ChannelKind::kShard ? s->shard_channels.size() : s->count());
}

void confirm(CommandContext& ctx, std::string_view what, const std::string_view* name, ChannelKind kind) {
    ctx.reply.push(3);
    ctx.reply.bulk(what);
    if (name != nullptr) ctx.reply.bulk(*name);
    else ctx.reply.null_bulk();
    ctx.reply.integer(subscription_count(ctx.conn, kind));
}

void subscribe_generic(CommandContext& ctx, ChannelKind kind) {
    PubSub& ps = ctx.server.pubsub();
    for (size_t i = 1; i < ctx.argc(); ++i) {
        std::string_view name = ctx.arg(i);
        ps.subscribe(ctx.conn, kind, name);
        confirm(ctx, names_of(kind).subscribe, &name, kind);
    }
}

void unsubscribe_generic(CommandContext& ctx, ChannelKind kind) {
    PubSub& ps = ctx.server.pubsub();
    std::string_view what = names_of(kind).unsubscribe;
    if (ctx.argc() > 1) {
        for (size_t i = 1; i < ctx.argc(); ++i) {
            std::string_view name = ctx.arg(i);
            ps.unsubscribe(ctx.conn, kind, name);
            confirm(ctx, what, &name, kind);
        }
        return;
    }
    // No argument: every subscription of this kind, or one null reply.
    std::vector<std::string> all;
    if (Subscriptions* s = ctx.conn.subscriptions_if_any()) {
        switch (kind) {
        case ChannelKind::kChannel: all.assign(s->channels.begin(), s->channels.end()); break;
        case ChannelKind::kShard: all.assign(s->shard_channels.begin(), s->shard_channels.end()); break;
        case ChannelKind::kPattern: all = s->patterns; break;
        }
    }
    for (const std::string& n : all) {
        ps.unsubscribe(ctx.conn, kind, n);
        std::string_view name = n;
        confirm(ctx, what, &name, kind);
    }
    if (all.empty()) confirm(ctx, what, nullptr, kind);
}

void subscribe_command(CommandContext& ctx) { subscribe_generic(ctx, ChannelKind::kChannel); }
void psubscribe_command(CommandContext& ctx) { subscribe_generic(ctx, ChannelKind::kPattern); }
void ssubscribe_command(CommandContext& ctx) { subscribe_generic(ctx, ChannelKind::kShard); }
void unsubscribe_command(CommandContext& ctx) { unsubscribe_generic(ctx, ChannelKind::kChannel); }
void punsubscribe_command(CommandContext& ctx) { unsubscribe_generic(ctx, ChannelKind::kPattern); }
void sunsubscribe_command(CommandContext& ctx) { unsubscribe_generic(ctx, ChannelKind::kShard); }

void publish_command(CommandContext& ctx) {
    size_t n = ctx.server.pubsub().publish(ChannelKind::kChannel, ctx.arg(1), ctx.arg(2));
    ctx.reply.integer(static_cast<int64_t>(n));
}

void spublish_command(CommandContext& ctx) {
    size_t n = ctx.server.pubsub().publish(ChannelKind::kShard, ctx.arg(1), ctx.arg(2));
    ctx.reply.integer(static_cast<int64_t>(n));
}

void reply_channels(CommandContext& ctx, ChannelKind kind) {
    if (ctx.argc() > 3) {
        std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
        msg.append(ctx.arg(1));
        msg += "'. Try PUBSUB HELP.";
        ctx.error(msg);
        return;
    }
    std::string_view pattern = ctx.argc() == 3 ? ctx.arg(2) : std::string_view{};
    auto list = ctx.server.pubsub().channels(kind, pattern);
    ctx.reply.array(static_cast<int64_t>(list.size()));
    for (std::string_view c : list) ctx.reply.bulk(c);
}

void reply_numsub(CommandContext& ctx, ChannelKind kind) {
    ctx.reply.array(static_cast<int64_t>(ctx.argc() - 2) * 2);
    for (size_t i = 2; i < ctx.argc(); ++i) {
        ctx.reply.bulk(ctx.arg(i));
        ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub().subscribers(kind, ctx.arg(i))));
    }
}

void pubsub_channels_command(CommandContext& ctx) { reply_channels(ctx, ChannelKind::kChannel); }
void pubsub_shardchannels_command(CommandContext& ctx) { reply_channels(ctx, ChannelKind::kShard); }
void pubsub_numsub_command(CommandContext& ctx) { reply_numsub(ctx, ChannelKind::kChannel); }
void pubsub_shardnumsub_command(CommandContext& ctx) { reply_numsub(ctx, ChannelKind::kShard); }
void pubsub_numpat_command(CommandContext& ctx) {
    ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub().pattern_count()));
}

void pubsub_help_command(CommandContext& ctx) {
    static constexpr std::string_view kLines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    ctx.reply.array(static_cast<int64_t>(std::size(kLines)));
    for (std::string_view l : kLines) ctx.reply.simple(l);
}

constexpr uint32_t kSub = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale | kCmdSubscribedContext;
constexpr uint32_t kIntrospect = kCmdPubSub | kCmdLoading | kCmdStale;

const Command kPubsubSubcommands[] = {
    {"pubsub|channels", -2, kIntrospect, pubsub_channels_command, 0, 0, 0, "@pubsub @slow"},
    {"pubsub|numpat", 2, kIntrospect, pubsub_numpat_command, 0, 0, 0, "@pubsub @slow"},
    {"pubsub|numsub", -2, kIntrospect, pubsub_numsub_command, 0, 0, 0, "@pubsub @slow"},
    {"pubsub|shardchannels", -2, kIntrospect, pubsub_shardchannels_command, 0, 0, 0, "@pubsub @slow"},
    {"pubsub|shardnumsub", -2, kIntrospect, pubsub_shardnumsub_command, 0, 0, 0, "@pubsub @slow"},
    {"pubsub|help", 2, kCmdLoading | kCmdStale, pubsub_help_command, 0, 0, 0, "@slow"},
};

const Command kPubsubCommands[] = {
    {"subscribe", -2, kSub, subscribe_command, 0, 0, 0, "@pubsub @slow"},
    {"unsubscribe", -1, kSub, unsubscribe_command, 0, 0, 0, "@pubsub @slow"},
    {"psubscribe", -2, kSub, psubscribe_command, 0, 0, 0, "@pubsub @slow"},
    {"punsubscribe", -1, kSub, punsubscribe_command, 0, 0, 0, "@pubsub @slow"},
    {"ssubscribe", -2, kSub, ssubscribe_command, 1, -1, 1, "@pubsub @slow"},
    {"sunsubscribe", -1, kSub, sunsubscribe_command, 1, -1, 1, "@pubsub @slow"},
    {"publish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast, publish_command, 0, 0, 0,
     "@pubsub @fast"},
    {"spublish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast, spublish_command, 1, 1, 1,
     "@pubsub @fast"},
    {"pubsub", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kPubsubSubcommands, std::size(kPubsubSubcommands)},
};

}  // namespace

std::span<const Command> pubsub_commands() { return kPubsubCommands; }

}  // namespace server
