// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queuing happens in
// Connection::execute; these handlers open, run, drop and guard the queue.
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/database.h"
#include "server/server.h"
#include "server/transaction.h"

namespace server {

namespace {

void multi_command(CommandContext& ctx) {
    TransactionState& txn = ctx.conn.transaction();
    if (txn.in_multi) {
        ctx.error("ERR MULTI calls can not be nested");
        return;
    }
    txn.in_multi = true;
    ctx.reply.ok();
}

void discard_command(CommandContext& ctx) {
    if (!ctx.conn.in_multi()) {
        ctx.error("ERR DISCARD without MULTI");
        return;
    }
    ctx.conn.transaction().reset_multi();
    ctx.server.watched_keys().unwatch_all(ctx.conn);
    ctx.reply.ok();
}

void exec_command(CommandContext& ctx) {
    if (!ctx.conn.in_multi()) {
        ctx.error("ERR EXEC without MULTI");
        return;
    }
    TransactionState& txn = ctx.conn.transaction();
    WatchedKeys& watched = ctx.server.watched_keys();
    if (watched.any_expired_since_watch(ctx.conn, ctx.now_ms)) txn.dirty_cas = true;
    if (txn.dirty_exec || txn.dirty_cas) {
        if (txn.dirty_exec) ctx.error("EXECABORT Transaction discarded because of previous errors.");
        else ctx.reply.null_array();
        txn.reset_multi();
        watched.unwatch_all(ctx.conn);
        return;
    }
    watched.unwatch_all(ctx.conn);
    // The queue is taken out first: a queued command may touch the state.
    std::vector<QueuedCommand> queue;
    queue.swap(txn.queue);
    txn.reset_multi();
    ctx.reply.array(static_cast<int64_t>(queue.size()));
    // The commands that change data reach the log as one MULTI/EXEC.
    ctx.server.begin_transaction_propagation();
    for (const QueuedCommand& q : queue) {
        std::vector<std::string_view> argv = queued_argv(q);
        ctx.conn.run_queued(*q.cmd, argv);
        if (ctx.conn.state() == ConnState::kClosed) break;
    }
    ctx.server.end_transaction_propagation();
}

void watch_command(CommandContext& ctx) {
    if (ctx.conn.in_multi()) {
        ctx.error("ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (size_t i = 1; i < ctx.argc(); ++i) {
        Entry* e = ctx.db.dict().find(ctx.arg(i));
        bool expired = e != nullptr && e->has_expire && e->expire_ms() < ctx.now_ms;
        ctx.server.watched_keys().watch(ctx.conn, ctx.db, ctx.arg(i), expired);
    }
    ctx.reply.ok();
}

void unwatch_command(CommandContext& ctx) {
    ctx.server.watched_keys().unwatch_all(ctx.conn);
    ctx.reply.ok();
}

constexpr uint32_t kTxn = kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast;

const Command kTransactionCommands[] = {
    {"multi", 1, kTxn | kCmdTransactionControl, multi_command, 0, 0, 0, "@fast @transaction"},
    {"exec", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdTransactionControl | kCmdNoPropagate, exec_command, 0, 0, 0,
     "@slow @transaction"},
    {"discard", 1, kTxn | kCmdTransactionControl, discard_command, 0, 0, 0, "@fast @transaction"},
    {"watch", -2, kTxn | kCmdTransactionControl, watch_command, 1, -1, 1, "@fast @transaction"},
    {"unwatch", 1, kTxn, unwatch_command, 0, 0, 0, "@fast @transaction"},
};

}  // namespace

std::span<const Command> transaction_commands() { return kTransactionCommands; }

}  // namespace server
