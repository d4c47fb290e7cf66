// Server commands: PING, ECHO, TIME, INFO, CONFIG, COMMAND, SHUTDOWN.
#include <sys/time.h>

#include <algorithm>
#include <string>

#include "server/acl.h"
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/info.h"

namespace server {

namespace {

void ping_command(CommandContext& ctx) {
    if (ctx.argc() > 2) {
        reply_arity_error(ctx);
        return;
    }
    // A subscribed RESP2 connection gets PING's answer in the shape of a
    // Pub/Sub message, so clients can tell it from a message.
    if (ctx.reply.proto() == 2 && ctx.conn.subscribed()) {
        ctx.reply.array(2);
        ctx.reply.bulk("pong");
        ctx.reply.bulk(ctx.argc() == 1 ? std::string_view{} : ctx.arg(1));
        return;
    }
    if (ctx.argc() == 1) ctx.reply.raw("+PONG\r\n");
    else ctx.reply.bulk(ctx.arg(1));
}

void echo_command(CommandContext& ctx) { ctx.reply.bulk(ctx.arg(1)); }

void time_command(CommandContext& ctx) {
    timeval tv;
    gettimeofday(&tv, nullptr);
    char buf[24];
    ctx.reply.array(2);
    ctx.reply.bulk({buf, format_int64(tv.tv_sec, buf)});
    ctx.reply.bulk({buf, format_int64(tv.tv_usec, buf)});
}

void info_command(CommandContext& ctx) {
    std::string text = build_info(ctx.server, ctx.argv.subspan(1));
    ctx.reply.verbatim(text);
}

void config_get_command(CommandContext& ctx) {
    std::vector<std::pair<std::string, std::string>> all;
    for (size_t i = 2; i < ctx.argc(); ++i) {
        for (auto& kv : config_get(ctx.server.config(), ctx.arg(i))) {
            bool seen = false;
            for (const auto& prev : all) seen = seen || prev.first == kv.first;
            if (!seen) all.push_back(std::move(kv));
        }
    }
    ctx.reply.map(static_cast<int64_t>(all.size()));
    for (const auto& [name, value] : all) {
        ctx.reply.bulk(name);
        ctx.reply.bulk(value);
    }
}

void config_set_command(CommandContext& ctx) {
    if (ctx.argc() % 2 != 0) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    for (size_t i = 2; i < ctx.argc(); i += 2) {
        for (size_t j = 2; j < i; j += 2) {
            if (equals_nocase(ctx.arg(i), ctx.arg(j))) {
                std::string msg = "ERR CONFIG SET failed (possibly related to argument '";
                msg.append(ctx.arg(i));
                msg += "') - duplicate parameter";
                ctx.error(msg);
                return;
            }
        }
        if (!config_known(ctx.arg(i))) {
            std::string msg = "ERR Unknown option or number of arguments for CONFIG SET - '";
            msg.append(ctx.arg(i));
            msg += "'";
            ctx.error(msg);
            return;
        }
    }
    // Validate on a copy first so a failing parameter leaves nothing half-applied.
    Config trial = ctx.server.config();
    for (size_t i = 2; i < ctx.argc(); i += 2) {
        if (auto err = config_set(trial, ctx.arg(i), ctx.arg(i + 1))) {
            std::string msg = "ERR CONFIG SET failed (possibly related to argument '";
            msg.append(ctx.arg(i));
            msg += "') - " + *err;
            ctx.error(msg);
            return;
        }
    }
    const bool aof_changed = trial.appendonly != ctx.server.config().appendonly;
    // requirepass is the default user's password: the ACL follows it when
    // the value changes (setting the same value again does nothing, as in
    // Redis 7.0, even if ACL SETUSER default changed the passwords since).
    const bool requirepass_changed = trial.requirepass != ctx.server.config().requirepass;
    const bool backlog_changed = trial.repl_backlog_size != ctx.server.config().repl_backlog_size;
    ctx.server.config() = trial;
    if (requirepass_changed) acl_requirepass_changed(ctx.server);
    if (backlog_changed) ctx.server.replication().resize_backlog();
    if (aof_changed) {
        std::string error;
        if (!ctx.server.apply_appendonly(error)) {
            ctx.server.config().appendonly = "no";
            ctx.error("ERR CONFIG SET failed (possibly related to argument 'appendonly') - " + error);
            return;
        }
    }
    ctx.reply.ok();
}

void config_resetstat_command(CommandContext& ctx) {
    ctx.server.stats() = ServerStats{};
    for (const Command* c : ctx.server.commands().all()) {
        c->stats = CommandStats{};
        for (size_t i = 0; i < c->subcommand_count; ++i) c->subcommands[i].stats = CommandStats{};
    }
    ctx.reply.ok();
}

void config_rewrite_command(CommandContext& ctx) {
    ctx.error("ERR The server is running without a config file");
}

void config_help_command(CommandContext& ctx) {
    static constexpr std::string_view kLines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };
    ctx.reply.array(std::size(kLines));
    for (auto l : kLines) ctx.reply.simple(l);
}

const Command kConfigSubcommands[] = {
    {"config|get", -3, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, config_get_command, 0, 0, 0,
     "@admin @slow @dangerous"},
    {"config|set", -4, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, config_set_command, 0, 0, 0,
     "@admin @slow @dangerous"},
    {"config|resetstat", 2, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, config_resetstat_command,
     0, 0, 0, "@admin @slow @dangerous"},
    {"config|rewrite", 2, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, config_rewrite_command, 0,
     0, 0, "@admin @slow @dangerous"},
    {"config|help", 2, kCmdLoading | kCmdStale, config_help_command, 0, 0, 0, "@slow"},
};

// COMMAND INFO's flag words, in Redis's order.
void reply_flags(CommandContext& ctx, uint32_t flags) {
    struct Name {
        uint32_t flag;
        std::string_view name;
    };
    static constexpr Name kNames[] = {
        {kCmdWrite, "write"},     {kCmdReadOnly, "readonly"}, {kCmdDenyOom, "denyoom"},
        {kCmdAdmin, "admin"},     {kCmdPubSub, "pubsub"},     {kCmdNoScript, "noscript"},
        {kCmdBlocking, "blocking"}, {kCmdLoading, "loading"}, {kCmdStale, "stale"},
        {kCmdNoAuth, "no_auth"},  {kCmdFast, "fast"},
    };
    int64_t n = 0;
    for (const Name& f : kNames) n += (flags & f.flag) ? 1 : 0;
    ctx.reply.set(n);
    for (const Name& f : kNames)
        if (flags & f.flag) ctx.reply.simple(f.name);
}

void reply_command_info(CommandContext& ctx, const Command& c) {
    ctx.reply.array(10);
    ctx.reply.bulk(c.name);
    ctx.reply.integer(c.arity);
    reply_flags(ctx, c.flags);
    ctx.reply.integer(c.first_key);
    ctx.reply.integer(c.last_key);
    ctx.reply.integer(c.key_step);
    std::string_view cats = c.acl_categories;
    int64_t n = cats.empty() ? 0 : 1 + std::count(cats.begin(), cats.end(), ' ');
    ctx.reply.set(n);
    size_t p = 0;
    while (p < cats.size()) {
        size_t sp = cats.find(' ', p);
        if (sp == std::string_view::npos) sp = cats.size();
        ctx.reply.simple(cats.substr(p, sp - p));
        p = sp + 1;
    }
    ctx.reply.set(0);    // tips
    ctx.reply.array(0);  // key specs
    ctx.reply.array(static_cast<int64_t>(c.subcommand_count));
    for (size_t i = 0; i < c.subcommand_count; ++i) reply_command_info(ctx, c.subcommands[i]);
}

void command_command(CommandContext& ctx) {
    const auto& all = ctx.server.commands().all();
    ctx.reply.array(static_cast<int64_t>(all.size()));
    for (const Command* c : all) reply_command_info(ctx, *c);
}

void command_count_command(CommandContext& ctx) {
    ctx.reply.integer(static_cast<int64_t>(ctx.server.commands().size()));
}

void command_info_command(CommandContext& ctx) {
    if (ctx.argc() == 2) return command_command(ctx);
    ctx.reply.array(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) {
        const Command* c = ctx.server.commands().find(ctx.arg(i));
        if (c) reply_command_info(ctx, *c);
        else ctx.reply.null_bulk();
    }
}

void command_list_command(CommandContext& ctx) {
    const auto& all = ctx.server.commands().all();
    ctx.reply.array(static_cast<int64_t>(all.size()));
    for (const Command* c : all) ctx.reply.bulk(c->name);
}

// Documentation is not carried; an empty map tells redis-cli to fall back
// to its built-in help.
void command_docs_command(CommandContext& ctx) { ctx.reply.map(0); }

const Command kCommandSubcommands[] = {
    {"command|count", 2, kCmdLoading | kCmdStale, command_count_command, 0, 0, 0, "@slow @connection"},
    {"command|info", -2, kCmdLoading | kCmdStale, command_info_command, 0, 0, 0, "@slow @connection"},
    {"command|docs", -2, kCmdLoading | kCmdStale, command_docs_command, 0, 0, 0, "@slow @connection"},
    {"command|list", -2, kCmdLoading | kCmdStale, command_list_command, 0, 0, 0, "@slow @connection"},
};

void shutdown_command(CommandContext& ctx) {
    bool save = false;
    bool nosave = false;
    bool abort = false;
    for (size_t i = 1; i < ctx.argc(); ++i) {
        std::string_view o = ctx.arg(i);
        if (equals_nocase(o, "nosave")) nosave = true;
        else if (equals_nocase(o, "save")) save = true;
        else if (equals_nocase(o, "abort")) abort = true;
        else if (!(equals_nocase(o, "now") || equals_nocase(o, "force"))) {
            ctx.error_raw(errors::kSyntax);
            return;
        }
    }
    if ((save && nosave) || (abort && ctx.argc() > 2)) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    if (abort) {
        ctx.error("ERR No shutdown in progress.");
        return;
    }
    bool force = false;
    for (size_t i = 1; i < ctx.argc(); ++i) force = force || equals_nocase(ctx.arg(i), "force");
    // No reply on success: the client sees the connection close.
    std::string error;
    if (!ctx.server.shutdown_with_save(save, nosave, force, error)) ctx.error(error);
}


void slowlog_get_command(CommandContext& ctx) {
    const auto& entries = ctx.server.slowlog().entries();
    int64_t count = 10;
    if (ctx.argc() == 3) {
        if (!arg_int64(ctx, ctx.arg(2), count)) return;
        if (count < -1) {
            ctx.error("ERR count should be greater than or equal to -1");
            return;
        }
        if (count == -1) count = static_cast<int64_t>(entries.size());
    } else if (ctx.argc() > 3) {
        reply_arity_error(ctx);
        return;
    }
    size_t n = std::min<size_t>(static_cast<size_t>(count), entries.size());
    ctx.reply.array(static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) {
        const SlowlogEntry& e = entries[i];
        ctx.reply.array(6);
        ctx.reply.integer(static_cast<int64_t>(e.id));
        ctx.reply.integer(e.time_s);
        ctx.reply.integer(static_cast<int64_t>(e.duration_us));
        ctx.reply.array(static_cast<int64_t>(e.argv.size()));
        for (const std::string& a : e.argv) ctx.reply.bulk(a);
        ctx.reply.bulk(e.peer);
        ctx.reply.bulk(e.name);
    }
}

void slowlog_len_command(CommandContext& ctx) {
    ctx.reply.integer(static_cast<int64_t>(ctx.server.slowlog().entries().size()));
}

void slowlog_reset_command(CommandContext& ctx) {
    ctx.server.slowlog().reset();
    ctx.reply.ok();
}

const Command kSlowlogSubcommands[] = {
    {"slowlog|get", -2, kCmdAdmin | kCmdLoading | kCmdStale, slowlog_get_command, 0, 0, 0,
     "@admin @slow @dangerous"},
    {"slowlog|len", 2, kCmdAdmin | kCmdLoading | kCmdStale, slowlog_len_command, 0, 0, 0,
     "@admin @slow @dangerous"},
    {"slowlog|reset", 2, kCmdAdmin | kCmdLoading | kCmdStale, slowlog_reset_command, 0, 0, 0,
     "@admin @slow @dangerous"},
};

const Command kServerCommands[] = {
    {"ping", -1, kCmdFast | kCmdStale | kCmdLoading | kCmdSubscribedContext, ping_command, 0, 0, 0, "@fast @connection"},
    {"echo", 2, kCmdFast | kCmdStale | kCmdLoading, echo_command, 0, 0, 0, "@fast @connection"},
    {"time", 1, kCmdFast | kCmdStale | kCmdLoading, time_command, 0, 0, 0, "@fast"},
    {"info", -1, kCmdLoading | kCmdStale, info_command, 0, 0, 0, "@slow @dangerous"},
    {"config", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kConfigSubcommands,
     std::size(kConfigSubcommands)},
    {"command", -1, kCmdLoading | kCmdStale, command_command, 0, 0, 0, "@slow @connection",
     kCommandSubcommands, std::size(kCommandSubcommands)},
    {"slowlog", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kSlowlogSubcommands,
     std::size(kSlowlogSubcommands)},
    {"shutdown", -1, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, shutdown_command, 0, 0, 0,
     "@admin @slow @dangerous"},
};

}  // namespace

std::span<const Command> server_commands() { return kServerCommands; }

}  // namespace server
