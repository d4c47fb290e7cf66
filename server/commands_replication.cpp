// Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC/SYNC, WAIT, ROLE
// (the work is Replication's).
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/server.h"

namespace server {

namespace {

void replicaof_command(CommandContext& ctx) {
    Replication& repl = ctx.server.replication();
    if (equals_nocase(ctx.arg(1), "no") && equals_nocase(ctx.arg(2), "one")) {
        repl.become_master();
        ctx.server.config().replicaof.clear();
        ctx.reply.ok();
        return;
    }
    auto port = parse_int64(ctx.arg(2));
    if (!port) {
        ctx.error_raw(errors::kNotInteger);
        return;
    }
    if (*port < 0 || *port > 65535) {
        ctx.error("ERR Invalid master port");
        return;
    }
    bool already = false;
    std::string error = repl.replicate_from(std::string(ctx.arg(1)), static_cast<int>(*port), already);
    if (!error.empty()) {
        ctx.error(error);
        return;
    }
    if (already) {
        ctx.reply.simple("OK Already connected to specified master");
        return;
    }
    ctx.server.config().replicaof = std::string(ctx.arg(1)) + " " + std::to_string(*port);
    ctx.reply.ok();
}

void replconf_command(CommandContext& ctx) {
    if (ctx.argc() % 2 == 0) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    Replication& repl = ctx.server.replication();
    for (size_t i = 1; i < ctx.argc(); i += 2) {
        std::string_view opt = ctx.arg(i);
        std::string_view val = ctx.arg(i + 1);
        if (equals_nocase(opt, "listening-port")) {
            auto port = parse_int64(val);
            if (!port) {
                ctx.error_raw(errors::kNotInteger);
                return;
            }
            ctx.conn.replica_info().listening_port = static_cast<int>(*port);
        } else if (equals_nocase(opt, "ip-address")) {
            ctx.conn.replica_info().announced_ip = std::string(val);
        } else if (equals_nocase(opt, "capa")) {
            if (equals_nocase(val, "eof")) ctx.conn.replica_info().capa_eof = true;
            else if (equals_nocase(val, "psync2")) ctx.conn.replica_info().capa_psync2 = true;
        } else if (equals_nocase(opt, "ack")) {
            // A replica's acknowledgement: never answered.
            auto off = parse_int64(val);
            if (off && *off >= 0 && ctx.conn.is_replica()) repl.ack(ctx.conn, static_cast<uint64_t>(*off));
            return;
        } else if (equals_nocase(opt, "getack")) {
            // Our master asks where we are: the only reply it gets.
            if (ctx.conn.is_master_link()) {
                std::string n = std::to_string(repl.offset());
                ctx.reply.array(3);
                ctx.reply.bulk("REPLCONF");
                ctx.reply.bulk("ACK");
                ctx.reply.bulk(n);
                ctx.conn.keep_reply();
            }
            return;
        } else if (equals_nocase(opt, "rdb-only") || equals_nocase(opt, "rdb-filter-only")) {
            // Accepted as Redis does; full syncs always carry the data.
        } else {
            std::string msg = "ERR Unrecognized REPLCONF option: ";
            msg.append(opt);
            ctx.error(msg);
            return;
        }
    }
    ctx.reply.ok();
}

void sync_common(CommandContext& ctx, bool legacy) {
    if (ctx.conn.in_multi()) {
        ctx.error("ERR Command not allowed inside a transaction");
        return;
    }
    std::string error;
    std::string_view id = legacy ? std::string_view("?") : ctx.arg(1);
    std::string_view off = legacy ? std::string_view("-1") : ctx.arg(2);
    if (!ctx.server.replication().psync(ctx.conn, id, off, legacy, error)) ctx.error(error);
}

void psync_command(CommandContext& ctx) { sync_common(ctx, false); }
void sync_command(CommandContext& ctx) { sync_common(ctx, true); }

void wait_command(CommandContext& ctx) {
    Replication& repl = ctx.server.replication();
    if (repl.is_replica()) {
        ctx.error(
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica "
            "is configured to be writable (which is not the default) writes to replicas are just local and are not "
            "propagated.");
        return;
    }
    int64_t want = 0;
    int64_t timeout = 0;
    if (!arg_int64(ctx, ctx.arg(1), want) || !arg_timeout_ms(ctx, ctx.arg(2), timeout)) return;
    // The first run fixes the offset to reach (where this client's last
    // write ended, as Redis's WAIT); a run after a wake-up keeps it.
    if (ctx.conn.rerun_deadline() < 0) ctx.conn.set_wait_offset(ctx.conn.write_offset());
    const auto acked = static_cast<int64_t>(repl.replicas_acked(ctx.conn.wait_offset()));
    if (acked >= want || ctx.conn.cannot_block()) {
        ctx.reply.integer(acked);
        return;
    }
    const int64_t deadline = timeout == 0 ? 0 : ctx.now_ms + timeout;
    ctx.server.blocking().block(ctx.conn, ctx.db, {}, deadline, ctx.argv, TimeoutReply::kReplicaCount);
    repl.wait_started(ctx.conn);
}

void role_command(CommandContext& ctx) { ctx.server.replication().role(ctx.reply); }

constexpr uint32_t kAdminNoScript = kCmdAdmin | kCmdNoScript;

const Command kReplicationCommands[] = {
    {"replicaof", 3, kAdminNoScript | kCmdStale, replicaof_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"slaveof", 3, kAdminNoScript | kCmdStale, replicaof_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"replconf", -1, kAdminNoScript | kCmdLoading | kCmdStale, replconf_command, 0, 0, 0,
     "@admin @slow @dangerous"},
    {"psync", -3, kAdminNoScript, psync_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"sync", 1, kAdminNoScript, sync_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"wait", 3, kCmdNoScript, wait_command, 0, 0, 0, "@slow @connection"},
    {"role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, role_command, 0, 0, 0,
     "@admin @fast @dangerous"},
};

}  // namespace

std::span<const Command> replication_commands() { return kReplicationCommands; }

}  // namespace server
