// Persistence commands: SAVE, BGSAVE, LASTSAVE (the work is Persistence's).
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/server.h"

namespace server {

namespace {

bool shared_storage(CommandContext& ctx) {
    if (ctx.server.config().storage == StorageMode::kShared) return true;
    ctx.error("ERR persistence is not available with --storage per-connection");
    return false;
}

void save_command(CommandContext& ctx) {
    if (!shared_storage(ctx)) return;
    std::string error;
    if (ctx.server.persistence().save(error)) ctx.reply.ok();
    else ctx.error(error);
}

void bgsave_command(CommandContext& ctx) {
    if (!shared_storage(ctx)) return;
    if (ctx.argc() > 2 || (ctx.argc() == 2 && !equals_nocase(ctx.arg(1), "schedule"))) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    Persistence& p = ctx.server.persistence();
    if (p.bgsave_in_progress()) {
        // SCHEDULE asks for a save once the running one is over; the next
        // cron with pending changes does it, so it is simply accepted.
        if (ctx.argc() == 2) ctx.reply.simple("Background saving scheduled");
        else ctx.error("ERR Background save already in progress");
        return;
    }
    std::string error;
    if (p.start_bgsave(error)) ctx.reply.simple("Background saving started");
    else ctx.error(error);
}

void bgrewriteaof_command(CommandContext& ctx) {
    if (!shared_storage(ctx)) return;
    std::string error;
    if (ctx.server.aof().start_rewrite(error)) ctx.reply.simple("Background append only file rewriting started");
    else ctx.error(error);
}

void lastsave_command(CommandContext& ctx) { ctx.reply.integer(ctx.server.persistence().last_save_time()); }

constexpr uint32_t kAdmin = kCmdAdmin | kCmdNoScript;

const Command kPersistenceCommands[] = {
    {"save", 1, kAdmin, save_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"bgsave", -1, kAdmin, bgsave_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"bgrewriteaof", 1, kAdmin, bgrewriteaof_command, 0, 0, 0, "@admin @slow @dangerous"},
    {"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, lastsave_command, 0, 0, 0,
     "@admin @fast @dangerous"},
};

}  // namespace

std::span<const Command> persistence_commands() { return kPersistenceCommands; }

}  // namespace server
