// Connection commands: HELLO, AUTH, QUIT, CLIENT.
#include <string>

#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"

namespace server {

namespace {

// Redis allows client names of printable, space-free ASCII only.
bool valid_client_name(std::string_view name) {
    for (char c : name)
        if (c < '!' || c > '~') return false;
    return true;
}

void hello_command(CommandContext& ctx) {
    int64_t ver = 0;
    size_t next = 1;
    if (ctx.argc() >= 2) {
        auto v = parse_int64(ctx.arg(1));
        if (!v) {
            ctx.error("ERR Protocol version is not an integer or out of range");
            return;
        }
        ver = *v;
        next = 2;
        if (ver < 2 || ver > 3) {
            ctx.error("NOPROTO unsupported protocol version");
            return;
        }
    }
    std::string_view name;
    bool set_name = false;
    for (size_t j = next; j < ctx.argc(); ++j) {
        size_t more = ctx.argc() - 1 - j;
        std::string_view opt = ctx.arg(j);
        if (equals_nocase(opt, "auth") && more >= 2) {
            // Without requirepass the default user takes any password, as
            // Redis's nopass default user does.
            if (ctx.arg(j + 1) != "default") {
                ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            j += 2;
        } else if (equals_nocase(opt, "setname") && more >= 1) {
            name = ctx.arg(j + 1);
            set_name = true;
            ++j;
        } else {
            std::string msg = "ERR Syntax error in HELLO option '";
            msg.append(opt);
            msg += "'";
            ctx.error(msg);
            return;
        }
    }
    if (set_name) {
        if (!valid_client_name(name)) {
            ctx.error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        ctx.conn.set_name(name);
    }
    if (ver) ctx.conn.set_proto(static_cast<int>(ver));
    ctx.reply.map(7);
    ctx.reply.bulk("server");
    ctx.reply.bulk("redis");
    ctx.reply.bulk("version");
    ctx.reply.bulk(kRedisCompatVersion);
    ctx.reply.bulk("proto");
    ctx.reply.integer(ctx.conn.proto());
    ctx.reply.bulk("id");
    ctx.reply.integer(static_cast<int64_t>(ctx.conn.id()));
    ctx.reply.bulk("mode");
    ctx.reply.bulk("standalone");
    ctx.reply.bulk("role");
    ctx.reply.bulk("master");
    ctx.reply.bulk("modules");
    ctx.reply.array(0);
}

void auth_command(CommandContext& ctx) {
    if (ctx.argc() > 3) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    if (ctx.argc() == 2) {
        ctx.error(
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?");
        return;
    }
    if (ctx.arg(1) != "default") {
        ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
        return;
    }
    ctx.reply.ok();
}

void quit_command(CommandContext& ctx) {
    ctx.reply.ok();
    ctx.conn.close_after_reply();
}

std::string client_line(Server& server, Connection& c) {
    uint64_t now = server.loop().now_ms();
    std::string cmd(c.last_command());
    std::string line;
    line.reserve(320);
    line += "id=" + std::to_string(c.id());
    line += " addr=" + c.peer();
    line += " laddr=" + c.local();
    line += " fd=" + std::to_string(c.fd());
    line += " name=" + c.name();
    line += " age=" + std::to_string((now - c.created_ms()) / 1000);
    line += " idle=" + std::to_string((now - c.last_active_ms()) / 1000);
    line += " flags=N db=" + std::to_string(c.db_index());
    line += " sub=0 psub=0 ssub=0 multi=-1";
    line += " qbuf=" + std::to_string(c.input_buffered());
    line += " qbuf-free=" + std::to_string(c.input_capacity() - c.input_buffered());
    line += " argv-mem=0 multi-mem=0";
    line += " rbs=" + std::to_string(c.input_capacity()) + " rbp=0";
    line += " obl=" + std::to_string(c.output_pending()) + " oll=0";
    line += " omem=" + std::to_string(c.output_capacity());
    line += " tot-mem=" + std::to_string(sizeof(Connection) + c.input_capacity() + c.output_capacity());
    unsigned mask = c.event_mask();
    line += " events=";
    if (mask & reactor::kReadable) line += 'r';
    if (mask & reactor::kWritable) line += 'w';
    line += " cmd=" + cmd;
    line += " user=default redir=-1 resp=" + std::to_string(c.proto());
    line += " state=";
    line.append(state_name(c.state()));
    line += '\n';
    return line;
}

void client_id_command(CommandContext& ctx) { ctx.reply.integer(static_cast<int64_t>(ctx.conn.id())); }

void client_setname_command(CommandContext& ctx) {
    if (!valid_client_name(ctx.arg(2))) {
        ctx.error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    ctx.conn.set_name(ctx.arg(2));
    ctx.reply.ok();
}

void client_getname_command(CommandContext& ctx) {
    if (ctx.conn.name().empty()) ctx.reply.null_bulk();
    else ctx.reply.bulk(ctx.conn.name());
}

void client_list_command(CommandContext& ctx) {
    std::string text;
    std::vector<uint64_t> ids;
    bool filter_ids = false;
    for (size_t i = 2; i < ctx.argc(); ++i) {
        if (equals_nocase(ctx.arg(i), "id") && i + 1 < ctx.argc()) {
            filter_ids = true;
            for (size_t j = i + 1; j < ctx.argc(); ++j) {
                auto v = parse_int64(ctx.arg(j));
                if (!v || *v <= 0) {
                    ctx.error("ERR Invalid client ID");
                    return;
                }
                ids.push_back(static_cast<uint64_t>(*v));
            }
            break;
        }
        if (equals_nocase(ctx.arg(i), "type") && i + 1 < ctx.argc()) {
            std::string_view t = ctx.arg(i + 1);
            if (!(equals_nocase(t, "normal") || equals_nocase(t, "master") || equals_nocase(t, "replica") ||
                  equals_nocase(t, "slave") || equals_nocase(t, "pubsub"))) {
                std::string msg = "ERR Unknown client type '";
                msg.append(t);
                msg += "'";
                ctx.error(msg);
                return;
            }
            if (!equals_nocase(t, "normal")) {
                ctx.reply.verbatim("");
                return;
            }
            ++i;
            continue;
        }
        ctx.error_raw(errors::kSyntax);
        return;
    }
    ctx.server.for_each_connection([&](Connection& c) {
        if (filter_ids && std::find(ids.begin(), ids.end(), c.id()) == ids.end()) return;
        text += client_line(ctx.server, c);
    });
    ctx.reply.verbatim(text);
}

void client_info_command(CommandContext& ctx) { ctx.reply.verbatim(client_line(ctx.server, ctx.conn)); }

void client_setinfo_command(CommandContext& ctx) {
    std::string_view attr = ctx.arg(2);
    if (!(equals_nocase(attr, "lib-name") || equals_nocase(attr, "lib-ver"))) {
        std::string msg = "ERR Unrecognized option '";
        msg.append(attr);
        msg += "'";
        ctx.error(msg);
        return;
    }
    ctx.reply.ok();
}

void client_kill_command(CommandContext& ctx) {
    // CLIENT KILL addr | CLIENT KILL ID id | CLIENT KILL ADDR addr ...
    if (ctx.argc() == 3) {
        Connection* target = nullptr;
        ctx.server.for_each_connection([&](Connection& c) {
            if (c.peer() == ctx.arg(2)) target = &c;
        });
        if (target == nullptr) {
            ctx.error("ERR No such client");
            return;
        }
        ctx.reply.ok();
        target->close_after_reply();
        return;
    }
    if (ctx.argc() % 2 != 0) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    uint64_t id = 0;
    std::string_view addr;
    std::string_view laddr;
    bool skipme = true;
    for (size_t i = 2; i < ctx.argc(); i += 2) {
        std::string_view k = ctx.arg(i);
        std::string_view v = ctx.arg(i + 1);
        if (equals_nocase(k, "id")) {
            auto n = parse_int64(v);
            if (!n || *n <= 0) {
                ctx.error("ERR client-id should be greater than 0");
                return;
            }
            id = static_cast<uint64_t>(*n);
        } else if (equals_nocase(k, "addr")) {
            addr = v;
        } else if (equals_nocase(k, "laddr")) {
            laddr = v;
        } else if (equals_nocase(k, "skipme")) {
            if (equals_nocase(v, "yes")) skipme = true;
            else if (equals_nocase(v, "no")) skipme = false;
            else {
                ctx.error_raw(errors::kSyntax);
                return;
            }
        } else if (equals_nocase(k, "type") || equals_nocase(k, "user") || equals_nocase(k, "maxage")) {
            // Accepted filters that match nothing beyond normal clients yet.
        } else {
            ctx.error_raw(errors::kSyntax);
            return;
        }
    }
    int64_t killed = 0;
    ctx.server.for_each_connection([&](Connection& c) {
        if (id && c.id() != id) return;
        if (!addr.empty() && c.peer() != addr) return;
        if (!laddr.empty() && c.local() != laddr) return;
        if (skipme && &c == &ctx.conn) return;
        c.close_after_reply();
        ++killed;
    });
    ctx.reply.integer(killed);
}

const Command kClientSubcommands[] = {
    {"client|id", 2, kCmdLoading | kCmdStale, client_id_command, 0, 0, 0, "@slow @connection"},
    {"client|setname", 3, kCmdLoading | kCmdStale, client_setname_command, 0, 0, 0, "@slow @connection"},
    {"client|getname", 2, kCmdLoading | kCmdStale, client_getname_command, 0, 0, 0, "@slow @connection"},
    {"client|list", -2, kCmdAdmin | kCmdLoading | kCmdStale, client_list_command, 0, 0, 0,
     "@admin @slow @dangerous @connection"},
    {"client|info", 2, kCmdLoading | kCmdStale, client_info_command, 0, 0, 0, "@slow @connection"},
    {"client|setinfo", 4, kCmdLoading | kCmdStale, client_setinfo_command, 0, 0, 0, "@slow @connection"},
    {"client|kill", -3, kCmdAdmin | kCmdLoading | kCmdStale, client_kill_command, 0, 0, 0,
     "@admin @slow @dangerous @connection"},
};


const Command kConnectionCommands[] = {
    {"hello", -1, kCmdNoAuth | kCmdFast | kCmdLoading | kCmdStale, hello_command, 0, 0, 0,
     "@fast @connection"},
    {"auth", -2, kCmdNoAuth | kCmdFast | kCmdLoading | kCmdStale, auth_command, 0, 0, 0,
     "@fast @connection"},
    {"quit", -1, kCmdNoAuth | kCmdFast | kCmdLoading | kCmdStale, quit_command, 0, 0, 0,
     "@fast @connection"},
    {"client", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kClientSubcommands,
     std::size(kClientSubcommands)},
};

}  // namespace

std::span<const Command> connection_commands() { return kConnectionCommands; }

}  // namespace server
