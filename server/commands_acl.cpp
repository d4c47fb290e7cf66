// ACL: users, their passwords and permissions (server/acl.h holds them).
#include <random>
#include <string>
#include <vector>

#include "server/acl.h"
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"

namespace server {

void acl_users_changed(Server& server) {
    server.for_each_connection([](Connection& c) { c.refresh_auth_limits(); });
}

void acl_requirepass_changed(Server& server) {
    server.acl().set_requirepass(server.config().requirepass);
    acl_users_changed(server);
}

namespace {

// "ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL
// HELP." (Redis's addReplySubcommandSyntaxError).
void subcommand_syntax_error(CommandContext& ctx) {
    std::string_view sub = ctx.arg(1);
    std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
    msg.append(sub.substr(0, std::min<size_t>(sub.find('\0'), 128)));
    msg += "'. Try ACL HELP.";
    ctx.error(msg);
}

void acl_setuser_command(CommandContext& ctx) {
    std::vector<std::string_view> ops(ctx.argv.begin() + 3, ctx.argv.end());
    if (auto err = ctx.server.acl().set_user(ctx.arg(2), ops)) {
        ctx.error("ERR " + *err);
        return;
    }
    acl_users_changed(ctx.server);
    ctx.reply.ok();
}

void acl_deluser_command(CommandContext& ctx) {
    for (size_t i = 2; i < ctx.argc(); ++i) {
        if (ctx.arg(i) == "default") {
            ctx.error("ERR The 'default' user cannot be removed");
            return;
        }
    }
    Acl& acl = ctx.server.acl();
    int64_t deleted = 0;
    bool close_self = false;
    for (size_t i = 2; i < ctx.argc(); ++i) {
        const AclUser* u = acl.find(ctx.arg(i));
        if (u == nullptr) continue;
        // As Redis's ACLFreeUserAndKillClients: the user's connections go
        // back to the default user, unauthenticated, and are closed (this
        // one once it has its reply).
        ctx.server.for_each_connection([&](Connection& c) {
            if (c.user() != u) return;
            c.set_user(acl.default_user(), false);
            if (&c == &ctx.conn) close_self = true;
            else if (c.state() != ConnState::kClosed) c.drop_output_and_close();
        });
        acl.remove_user(ctx.arg(i));
        ++deleted;
    }
    acl_users_changed(ctx.server);
    ctx.reply.integer(deleted);
    if (close_self) ctx.conn.close_after_reply();
}

void acl_getuser_command(CommandContext& ctx) {
    const Acl& acl = ctx.server.acl();
    const AclUser* u = acl.find(ctx.arg(2));
    if (u == nullptr) {
        ctx.reply.null_bulk();
        return;
    }
    ctx.reply.map(6);
    ctx.reply.bulk("flags");
    std::vector<std::string_view> flags = {u->enabled() ? "on" : "off"};
    if (u->nopass()) flags.push_back("nopass");
    if (u->flags & AclUser::kSkipSanitizePayload) flags.push_back("skip-sanitize-payload");
    if (u->flags & AclUser::kSanitizePayload) flags.push_back("sanitize-payload");
    ctx.reply.set(static_cast<int64_t>(flags.size()));
    for (std::string_view f : flags) ctx.reply.bulk(f);
    ctx.reply.bulk("passwords");
    ctx.reply.array(static_cast<int64_t>(u->passwords.size()));
    for (const std::string& p : u->passwords) ctx.reply.bulk(p);
    ctx.reply.bulk("commands");
    ctx.reply.bulk(acl.describe_commands(*u));
    ctx.reply.bulk("keys");
    ctx.reply.bulk(acl.describe_keys(*u));
    ctx.reply.bulk("channels");
    ctx.reply.bulk(acl.describe_channels(*u));
    ctx.reply.bulk("selectors");
    ctx.reply.array(0);
}

void acl_list_command(CommandContext& ctx) {
    const Acl& acl = ctx.server.acl();
    ctx.reply.array(static_cast<int64_t>(acl.users().size()));
    for (const auto& [name, u] : acl.users()) ctx.reply.bulk(acl.describe(*u));
}

void acl_users_command(CommandContext& ctx) {
    const Acl& acl = ctx.server.acl();
    ctx.reply.array(static_cast<int64_t>(acl.users().size()));
    for (const auto& [name, u] : acl.users()) ctx.reply.bulk(name);
}

void acl_whoami_command(CommandContext& ctx) { ctx.reply.bulk(ctx.conn.user()->name); }

void acl_cat_command(CommandContext& ctx) {
    if (ctx.argc() > 3) {
        subcommand_syntax_error(ctx);
        return;
    }
    if (ctx.argc() == 2) {
        ctx.reply.array(static_cast<int64_t>(kAclCategoryCount));
        for (std::string_view c : kAclCategories) ctx.reply.bulk(c);
        return;
    }
    uint32_t bit = acl_category_bit(ctx.arg(2));
    if (bit == 0) {
        std::string_view name = ctx.arg(2);
        std::string msg = "ERR Unknown category '";
        msg.append(name.substr(0, std::min<size_t>(name.find('\0'), 128)));
        msg += "'";
        ctx.error(msg);
        return;
    }
    std::vector<std::string_view> names = ctx.server.acl().commands_in_category(bit);
    ctx.reply.array(static_cast<int64_t>(names.size()));
    for (std::string_view n : names) ctx.reply.bulk(n);
}

void acl_genpass_command(CommandContext& ctx) {
    if (ctx.argc() > 3) {
        subcommand_syntax_error(ctx);
        return;
    }
    int64_t bits = 256;
    if (ctx.argc() == 3) {
        if (!arg_int64(ctx, ctx.arg(2), bits)) return;
        if (bits <= 0 || bits > 4096) {
            ctx.error(
                "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
                "number up to 4096");
            return;
        }
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::random_device rd;
    std::string pass(static_cast<size_t>((bits + 3) / 4), '0');
    for (size_t i = 0; i < pass.size(); i += 8) {
        uint32_t r = rd();
        for (size_t j = i; j < pass.size() && j < i + 8; ++j, r >>= 4) pass[j] = kHex[r & 15];
    }
    ctx.reply.bulk(pass);
}

void acl_dryrun_command(CommandContext& ctx) {
    const Acl& acl = ctx.server.acl();
    const AclUser* u = acl.find(ctx.arg(2));
    if (u == nullptr) {
        ctx.error("ERR User '" + std::string(ctx.arg(2)) + "' not found");
        return;
    }
    std::span<const std::string_view> argv = ctx.argv.subspan(3);
    const Command* cmd = ctx.server.commands().find(argv[0]);
    if (cmd != nullptr && cmd->subcommands != nullptr && argv.size() >= 2)
        cmd = CommandTable::find_subcommand(*cmd, argv[1]);
    if (cmd == nullptr) {
        ctx.error("ERR Command '" + std::string(argv[0]) + "' not found");
        return;
    }
    const int argc = static_cast<int>(argv.size());
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        ctx.error(arity_error_text(cmd->name));
        return;
    }
    AclVerdict v = acl.check(*u, *cmd, argv);
    std::string msg;
    switch (v.denied) {
    case AclDenied::kNone: ctx.reply.ok(); return;
    case AclDenied::kCommand:
        msg = "This user has no permissions to run the '" + std::string(cmd->name) + "' command";
        break;
    case AclDenied::kKey:
        msg = "This user has no permissions to access the '" + std::string(argv[v.arg]) + "' key";
        break;
    case AclDenied::kChannel:
        msg = "This user has no permissions to access the '" + std::string(argv[v.arg]) + "' channel";
        break;
    }
    ctx.reply.bulk(msg);
}

void acl_no_file_command(CommandContext& ctx) {
    ctx.error(
        "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via "
        "the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration "
        "file set) in order to store users in the Redis configuration.");
}

void acl_help_command(CommandContext& ctx) {
    static constexpr std::string_view kLines[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    };
    ctx.reply.array(std::size(kLines));
    for (auto l : kLines) ctx.reply.simple(l);
}

constexpr uint32_t kAdmin = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
constexpr uint32_t kPlain = kCmdNoScript | kCmdLoading | kCmdStale;
constexpr std::string_view kAdminCats = "@admin @slow @dangerous";

// ACL LOG is not implemented (no denial log is kept).
const Command kAclSubcommands[] = {
    {"acl|users", 2, kAdmin, acl_users_command, 0, 0, 0, kAdminCats},
    {"acl|dryrun", -4, kAdmin, acl_dryrun_command, 0, 0, 0, kAdminCats},
    {"acl|cat", -2, kPlain, acl_cat_command, 0, 0, 0, "@slow"},
    {"acl|setuser", -3, kAdmin, acl_setuser_command, 0, 0, 0, kAdminCats},
    {"acl|genpass", -2, kPlain, acl_genpass_command, 0, 0, 0, "@slow"},
    {"acl|getuser", 3, kAdmin, acl_getuser_command, 0, 0, 0, kAdminCats},
    {"acl|help", 2, kCmdLoading | kCmdStale, acl_help_command, 0, 0, 0, "@slow"},
    {"acl|list", 2, kAdmin, acl_list_command, 0, 0, 0, kAdminCats},
    {"acl|load", 2, kAdmin, acl_no_file_command, 0, 0, 0, kAdminCats},
    {"acl|save", 2, kAdmin, acl_no_file_command, 0, 0, 0, kAdminCats},
    {"acl|deluser", -3, kAdmin, acl_deluser_command, 0, 0, 0, kAdminCats},
    {"acl|whoami", 2, kPlain, acl_whoami_command, 0, 0, 0, "@slow"},
};

const Command kAclCommands[] = {
    {"acl", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kAclSubcommands, std::size(kAclSubcommands)},
};

}  // namespace

std::span<const Command> acl_commands() { return kAclCommands; }

}  // namespace server
