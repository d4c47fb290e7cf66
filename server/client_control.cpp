#include "server/client_control.h"

#include "server/command_util.h"
#include "server/connection.h"
#include "server/server.h"

namespace server {

void client_pause_command(CommandContext& ctx) {
    if (ctx.argc() > 4) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    int64_t timeout = 0;
    if (!arg_timeout_ms(ctx, ctx.arg(2), timeout)) return;
    bool writes_only = false;
    if (ctx.argc() == 4) {
        if (equals_nocase(ctx.arg(3), "write")) {
            writes_only = true;
        } else if (!equals_nocase(ctx.arg(3), "all")) {
            ctx.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    int64_t until = timeout > INT64_MAX - ctx.now_ms ? INT64_MAX : ctx.now_ms + timeout;
    ctx.server.pause_clients(until, writes_only);
    ctx.reply.ok();
}

void client_unpause_command(CommandContext& ctx) {
    ctx.server.unpause_clients();
    ctx.reply.ok();
}

// ON replies +OK; OFF and SKIP reply nothing (Connection::execute drops the
// replies of the commands that follow).
void client_reply_command(CommandContext& ctx) {
    std::string_view mode = ctx.arg(2);
    if (equals_nocase(mode, "on")) {
        ctx.conn.reply_on();
        ctx.reply.ok();
    } else if (equals_nocase(mode, "off")) {
        ctx.conn.reply_off();
    } else if (equals_nocase(mode, "skip")) {
        ctx.conn.reply_skip_next();
    } else {
        ctx.error_raw(errors::kSyntax);
    }
}

void reset_command(CommandContext& ctx) {
    ctx.conn.reset_state();
    ctx.reply.raw("+RESET\r\n");
}

}  // namespace server
