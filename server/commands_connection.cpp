// Connection commands: HELLO, AUTH, QUIT, CLIENT.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "server/acl.h"
#include "server/client_control.h"
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/pubsub.h"
#include "server/transaction.h"

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
    // Redis 7.0 applies each option as it reads it, left to right: AUTH
    // authenticates at once, SETNAME names the connection at once (even
    // one that has not authenticated, and even if a later option fails).
    for (size_t j = next; j < ctx.argc(); ++j) {
        size_t more = ctx.argc() - 1 - j;
        std::string_view opt = ctx.arg(j);
        if (equals_nocase(opt, "auth") && more >= 2) {
            const AclUser* u = ctx.server.acl().authenticate(ctx.arg(j + 1), ctx.arg(j + 2));
            if (u == nullptr) {
                ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            ctx.conn.set_user(u, true);
            j += 2;
        } else if (equals_nocase(opt, "setname") && more >= 1) {
            if (!valid_client_name(ctx.arg(j + 1))) {
                ctx.error("ERR Client names cannot contain spaces, newlines or special characters.");
                return;
            }
            ctx.conn.set_name(ctx.arg(j + 1));
            ++j;
        } else {
            std::string msg = "ERR Syntax error in HELLO option '";
            msg.append(opt);
            msg += "'";
            ctx.error(msg);
            return;
        }
    }
    if (!ctx.conn.authenticated()) {
        ctx.error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
            "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
            "version at the same time");
        return;
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
    ctx.reply.bulk(ctx.server.replication().is_replica() ? "replica" : "master");
    ctx.reply.bulk("modules");
    ctx.reply.array(0);
}

void auth_command(CommandContext& ctx) {
    if (ctx.argc() > 3) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    const Acl& acl = ctx.server.acl();
    std::string_view user = "default";
    std::string_view password;
    if (ctx.argc() == 2) {
        if (acl.default_user()->nopass()) {
            ctx.error(
                "ERR AUTH <password> called without any password configured for the default user. "
                "Are you sure your configuration is correct?");
            return;
        }
        password = ctx.arg(1);
    } else {
        user = ctx.arg(1);
        password = ctx.arg(2);
    }
    const AclUser* u = acl.authenticate(user, password);
    if (u == nullptr) {
        ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
        return;
    }
    ctx.conn.set_user(u, true);
    ctx.reply.ok();
}

void quit_command(CommandContext& ctx) {
    ctx.reply.ok();
    ctx.conn.close_after_reply();
}

// CLIENT KILL's and CLIENT LIST's client types. Replication does not exist
// here, so no client is a master or a replica.
enum class ClientType : uint8_t { kNormal, kMaster, kReplica, kPubsub };

std::optional<ClientType> parse_client_type(std::string_view t) {
    if (equals_nocase(t, "normal")) return ClientType::kNormal;
    if (equals_nocase(t, "master")) return ClientType::kMaster;
    if (equals_nocase(t, "replica") || equals_nocase(t, "slave")) return ClientType::kReplica;
    if (equals_nocase(t, "pubsub")) return ClientType::kPubsub;
    return std::nullopt;
}

ClientType client_type(const Connection& c) {
    if (c.is_replica()) return ClientType::kReplica;
    if (c.is_master_link()) return ClientType::kMaster;
    return c.subscribed() ? ClientType::kPubsub : ClientType::kNormal;
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
    // Flag letters in Redis's order; N when none applies.
    const Subscriptions* subs = c.subscriptions_if_any();
    const TransactionState* txn = c.transaction_if_any();
    std::string flags;
    if (c.is_replica()) flags += 'S';
    if (c.is_master_link()) flags += 'M';
    if (c.subscribed()) flags += 'P';
    if (c.in_multi()) flags += 'x';
    if (c.state() == ConnState::kBlocked) flags += 'b';
    if (txn != nullptr && txn->dirty_cas) flags += 'd';
    if (c.state() == ConnState::kClosing) flags += 'c';
    if (flags.empty()) flags = "N";
    line += " flags=" + flags + " db=" + std::to_string(c.db_index());
    line += " sub=" + std::to_string(subs ? subs->channels.size() : 0);
    line += " psub=" + std::to_string(subs ? subs->patterns.size() : 0);
    line += " ssub=" + std::to_string(subs ? subs->shard_channels.size() : 0);
    line += " multi=" + std::to_string(c.in_multi() ? static_cast<int64_t>(txn->queue.size()) : -1);
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
    line += " user=" + c.user()->name + " redir=-1 resp=" + std::to_string(c.proto());
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
    std::optional<ClientType> type;
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
            type = parse_client_type(t);
            if (!type) {
                std::string msg = "ERR Unknown client type '";
                msg.append(t);
                msg += "'";
                ctx.error(msg);
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
        if (type && client_type(c) != *type) return;
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
    // CLIENT KILL ip:port (the old form: OK or an error, and it may kill
    // the caller), or CLIENT KILL <filter> <value> ... (the number killed).
    std::optional<std::string_view> addr;
    std::optional<std::string_view> laddr;
    std::optional<ClientType> type;
    uint64_t id = 0;
    const AclUser* user = nullptr;
    bool skipme = true;
    const bool old_form = ctx.argc() == 3;
    if (old_form) {
        addr = ctx.arg(2);
        skipme = false;
    }
    for (size_t i = 2; !old_form && i < ctx.argc(); i += 2) {
        std::string_view k = ctx.arg(i);
        bool more = i + 1 < ctx.argc();
        std::string_view v = more ? ctx.arg(i + 1) : std::string_view();
        if (more && equals_nocase(k, "id")) {
            auto n = parse_int64(v);
            if (!n || *n < 1) {
                ctx.error("ERR client-id should be greater than 0");
                return;
            }
            id = static_cast<uint64_t>(*n);
        } else if (more && equals_nocase(k, "type")) {
            type = parse_client_type(v);
            if (!type) {
                std::string msg = "ERR Unknown client type '";
                msg.append(v.substr(0, v.find('\0')));
                msg += "'";
                ctx.error(msg);
                return;
            }
        } else if (more && equals_nocase(k, "addr")) {
            addr = v;
        } else if (more && equals_nocase(k, "laddr")) {
            laddr = v;
        } else if (more && equals_nocase(k, "user")) {
            user = ctx.server.acl().find(v);
            if (user == nullptr) {
                std::string msg = "ERR No such user '";
                msg.append(v.substr(0, v.find('\0')));
                msg += "'";
                ctx.error(msg);
                return;
            }
        } else if (more && equals_nocase(k, "skipme")) {
            if (equals_nocase(v, "yes")) {
                skipme = true;
            } else if (equals_nocase(v, "no")) {
                skipme = false;
            } else {
                ctx.error_raw(errors::kSyntax);
                return;
            }
        } else {
            ctx.error_raw(errors::kSyntax);
            return;
        }
    }
    int64_t killed = 0;
    bool kill_self = false;
    ctx.server.for_each_connection([&](Connection& c) {
        if (c.state() == ConnState::kClosed) return;
        if (addr && c.peer() != *addr) return;
        if (laddr && c.local() != *laddr) return;
        if (type && client_type(c) != *type) return;
        if (id != 0 && c.id() != id) return;
        if (user != nullptr && c.user() != user) return;
        if (&c == &ctx.conn) {
            if (skipme) return;
            kill_self = true;  // after the reply
        } else {
            c.drop_output_and_close();  // as Redis frees it: unsent output is lost
        }
        ++killed;
    });
    if (old_form) {
        if (killed == 0) {
            ctx.error("ERR No such client");
            return;
        }
        ctx.reply.ok();
    } else {
        ctx.reply.integer(killed);
    }
    if (kill_self) ctx.conn.close_after_reply();
}

void client_no_evict_command(CommandContext& ctx) {
    // Nothing is evicted here (no maxmemory-clients); the flag is accepted.
    std::string_view v = ctx.arg(2);
    if (equals_nocase(v, "on") || equals_nocase(v, "off")) {
        ctx.reply.ok();
        return;
    }
    ctx.error_raw(errors::kSyntax);
}

// CLIENT TRACKING: the options are checked as Redis checks them, so a
// mistake gets Redis's error; OFF is answered OK (tracking is never on),
// and a valid ON gets an error saying that tracking is not supported.
void client_tracking_command(CommandContext& ctx) {
    bool redirect = false;
    bool bcast = false;
    bool optin = false;
    bool optout = false;
    std::vector<std::string_view> prefixes;
    for (size_t j = 3; j < ctx.argc(); ++j) {
        std::string_view o = ctx.arg(j);
        bool more = j + 1 < ctx.argc();
        if (more && equals_nocase(o, "redirect")) {
            ++j;
            if (redirect) {
                ctx.error("ERR A client can only redirect to a single other client");
                return;
            }
            int64_t target = 0;
            if (!arg_int64(ctx, ctx.arg(j), target)) return;
            if (target <= 0 || ctx.server.find_connection(static_cast<uint64_t>(target)) == nullptr) {
                ctx.error("ERR The client ID you want redirect to does not exist");
                return;
            }
            redirect = true;
        } else if (equals_nocase(o, "bcast")) {
            bcast = true;
        } else if (equals_nocase(o, "optin")) {
            optin = true;
        } else if (equals_nocase(o, "optout")) {
            optout = true;
        } else if (equals_nocase(o, "noloop")) {
        } else if (more && equals_nocase(o, "prefix")) {
            prefixes.push_back(ctx.arg(++j));
        } else {
            ctx.error_raw(errors::kSyntax);
            return;
        }
    }
    std::string_view mode = ctx.arg(2);
    if (equals_nocase(mode, "off")) {
        ctx.reply.ok();
        return;
    }
    if (!equals_nocase(mode, "on")) {
        ctx.error_raw(errors::kSyntax);
        return;
    }
    if (!bcast && !prefixes.empty()) {
        ctx.error("ERR PREFIX option requires BCAST mode to be enabled");
        return;
    }
    if (bcast && (optin || optout)) {
        ctx.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
        return;
    }
    if (optin && optout) {
        ctx.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
        return;
    }
    for (size_t i = 0; i < prefixes.size(); ++i) {
        for (size_t j = i + 1; j < prefixes.size(); ++j) {
            size_t n = std::min(prefixes[i].size(), prefixes[j].size());
            if (prefixes[i].substr(0, n) != prefixes[j].substr(0, n)) continue;
            std::string msg = "ERR Prefix '";
            msg.append(prefixes[i]);
            msg += "' overlaps with another provided prefix '";
            msg.append(prefixes[j]);
            msg += "'. Prefixes for a single client must not overlap.";
            ctx.error(msg);
            return;
        }
    }
    ctx.error("ERR CLIENT TRACKING is not supported by this server (no client-side caching)");
}

void client_trackinginfo_command(CommandContext& ctx) {
    ctx.reply.map(3);
    ctx.reply.bulk("flags");
    ctx.reply.set(1);
    ctx.reply.bulk("off");
    ctx.reply.bulk("redirect");
    ctx.reply.integer(-1);
    ctx.reply.bulk("prefixes");
    ctx.reply.array(0);
}

void client_getredir_command(CommandContext& ctx) { ctx.reply.integer(-1); }

void client_caching_command(CommandContext& ctx) {
    ctx.error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
}

void client_unblock_command(CommandContext& ctx) {
    if (ctx.argc() > 4) {
        std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
        std::string_view sub = ctx.arg(1);
        msg.append(sub.substr(0, std::min<size_t>(sub.find('\0'), 128)));
        msg += "'. Try CLIENT HELP.";
        ctx.error(msg);
        return;
    }
    bool as_error = false;
    if (ctx.argc() == 4) {
        if (equals_nocase(ctx.arg(3), "error")) {
            as_error = true;
        } else if (!equals_nocase(ctx.arg(3), "timeout")) {
            ctx.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    int64_t id = 0;
    if (!arg_int64(ctx, ctx.arg(2), id)) return;
    Connection* target = id > 0 ? ctx.server.find_connection(static_cast<uint64_t>(id)) : nullptr;
    if (target == nullptr || target->state() != ConnState::kBlocked || target->block_state() == nullptr) {
        ctx.reply.integer(0);
        return;
    }
    ctx.server.blocking().forget(*target);
    target->wake(true, as_error ? "UNBLOCKED client unblocked via CLIENT UNBLOCK" : "");
    ctx.reply.integer(1);
}

void client_help_command(CommandContext& ctx) {
    static constexpr std::string_view kLines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Prints this help.",
    };
    ctx.reply.array(std::size(kLines));
    for (auto l : kLines) ctx.reply.simple(l);
}

constexpr uint32_t kClientFlags = kCmdNoScript | kCmdLoading | kCmdStale;
constexpr uint32_t kClientAdminFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
constexpr std::string_view kClientCats = "@slow @connection";
constexpr std::string_view kClientAdminCats = "@admin @slow @dangerous @connection";

const Command kClientSubcommands[] = {
    {"client|id", 2, kClientFlags, client_id_command, 0, 0, 0, kClientCats},
    {"client|setname", 3, kClientFlags, client_setname_command, 0, 0, 0, kClientCats},
    {"client|getname", 2, kClientFlags, client_getname_command, 0, 0, 0, kClientCats},
    {"client|list", -2, kClientAdminFlags, client_list_command, 0, 0, 0, kClientAdminCats},
    {"client|info", 2, kClientFlags, client_info_command, 0, 0, 0, kClientCats},
    {"client|setinfo", 4, kClientFlags, client_setinfo_command, 0, 0, 0, kClientCats},
    {"client|kill", -3, kClientAdminFlags, client_kill_command, 0, 0, 0, kClientAdminCats},
    {"client|no-evict", 3, kClientAdminFlags, client_no_evict_command, 0, 0, 0, kClientAdminCats},
    {"client|tracking", -3, kClientFlags, client_tracking_command, 0, 0, 0, kClientCats},
    {"client|trackinginfo", 2, kClientFlags, client_trackinginfo_command, 0, 0, 0, kClientCats},
    {"client|getredir", 2, kClientFlags, client_getredir_command, 0, 0, 0, kClientCats},
    {"client|caching", 3, kClientFlags, client_caching_command, 0, 0, 0, kClientCats},
    {"client|unblock", -3, kClientAdminFlags, client_unblock_command, 0, 0, 0, kClientAdminCats},
    {"client|help", 2, kCmdLoading | kCmdStale, client_help_command, 0, 0, 0, kClientCats},
    {"client|pause", -3, kClientAdminFlags, client_pause_command, 0, 0, 0, kClientAdminCats},
    {"client|unpause", 2, kClientAdminFlags, client_unpause_command, 0, 0, 0, kClientAdminCats},
    {"client|reply", 3, kClientFlags, client_reply_command, 0, 0, 0, kClientCats},
};


const Command kConnectionCommands[] = {
    {"hello", -1, kCmdNoAuth | kCmdFast | kCmdLoading | kCmdStale, hello_command, 0, 0, 0,
     "@fast @connection"},
    {"auth", -2, kCmdNoAuth | kCmdFast | kCmdLoading | kCmdStale, auth_command, 0, 0, 0,
     "@fast @connection"},
    {"quit", -1, kCmdNoAuth | kCmdFast | kCmdLoading | kCmdStale | kCmdSubscribedContext | kCmdTransactionControl, quit_command, 0, 0, 0,
     "@fast @connection"},
    {"reset", 1,
     kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdSubscribedContext |
         kCmdTransactionControl,
     reset_command, 0, 0, 0, "@fast @connection"},
    {"client", -2, 0, reply_arity_error, 0, 0, 0, "@slow", kClientSubcommands,
     std::size(kClientSubcommands)},
};

}  // namespace

std::span<const Command> connection_commands() { return kConnectionCommands; }

}  // namespace server
