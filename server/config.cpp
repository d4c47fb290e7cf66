#include "server/config.h"
#include "server/keyspace_events.h"

#include <cxxopts.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "server/glob.h"
#include "server/number.h"

namespace server {

namespace {

std::optional<int64_t> parse_ranged(std::string_view s, int64_t lo, int64_t hi) {
    auto v = parse_int64(s);
    if (!v || *v < lo || *v > hi) return std::nullopt;
    return v;
}

// Redis memory units: 1k = 1000, 1kb = 1024, and so on; plain bytes too.
std::optional<int64_t> parse_memory(std::string_view s) {
    struct Unit {
        std::string_view suffix;
        int64_t mul;
    };
    static constexpr Unit kUnits[] = {{"kb", 1024},       {"mb", 1024 * 1024},
                                      {"gb", 1LL << 30},  {"k", 1000},
                                      {"m", 1000 * 1000}, {"g", 1000LL * 1000 * 1000},
                                      {"b", 1}};
    std::string lower(s);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const Unit& u : kUnits) {
        if (lower.size() > u.suffix.size() && lower.ends_with(u.suffix)) {
            auto v = parse_int64(std::string_view(lower).substr(0, lower.size() - u.suffix.size()));
            if (!v || *v < 0 || *v > INT64_MAX / u.mul) return std::nullopt;
            return *v * u.mul;
        }
    }
    auto v = parse_int64(lower);
    if (!v || *v < 0) return std::nullopt;
    return v;
}

std::string format_output_limits(const Config& c) {
    auto one = [](std::string_view cls, const OutputLimit& l) {
        return std::string(cls) + " " + std::to_string(l.hard) + " " + std::to_string(l.soft) + " " +
               std::to_string(l.soft_seconds);
    };
    return one("normal", c.obuf_normal) + " " + one("slave", c.obuf_replica) + " " +
           one("pubsub", c.obuf_pubsub);
}

// "class hard soft seconds [class hard soft seconds ...]", all or nothing.
std::optional<std::string> set_output_limits(Config& c, std::string_view v) {
    std::vector<std::string> words;
    for (size_t i = 0; i < v.size();) {
        while (i < v.size() && v[i] == ' ') ++i;
        size_t j = i;
        while (j < v.size() && v[j] != ' ') ++j;
        if (j > i) words.emplace_back(v.substr(i, j - i));
        i = j;
    }
    if (words.size() % 4 != 0) return std::string("Wrong number of arguments in buffer limit configuration.");
    Config next = c;
    for (size_t i = 0; i < words.size(); i += 4) {
        std::string cls = words[i];
        for (char& ch : cls) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        OutputLimit* target = cls == "normal"                      ? &next.obuf_normal
                              : cls == "slave" || cls == "replica" ? &next.obuf_replica
                              : cls == "pubsub"                    ? &next.obuf_pubsub
                                                                   : nullptr;
        if (target == nullptr) return std::string("Invalid client class specified in buffer limit configuration.");
        auto hard = parse_memory(words[i + 1]);
        auto soft = parse_memory(words[i + 2]);
        auto secs = parse_int64(words[i + 3]);
        if (!hard || !soft || !secs || *secs < 0)
            return std::string("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
        *target = OutputLimit{*hard, *soft, *secs};
    }
    c.obuf_normal = next.obuf_normal;
    c.obuf_replica = next.obuf_replica;
    c.obuf_pubsub = next.obuf_pubsub;
    return std::nullopt;
}

struct Param {
    std::string_view name;
    std::function<std::string(const Config&)> get;
    // Returns an error reason, or nullopt when applied. Null: read-only.
    std::function<std::optional<std::string>(Config&, std::string_view)> set;
};

std::optional<std::string> set_int(int64_t& field, std::string_view v, int64_t lo, int64_t hi) {
    auto n = parse_int64(v);
    if (!n) return std::string("argument couldn't be parsed into an integer");
    if (*n < lo || *n > hi)
        return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " inclusive";
    field = *n;
    return std::nullopt;
}

// Parameters Redis clients ask about that we accept but that do not change
// our behaviour (yet); reported with Redis's defaults.
struct FixedParam {
    std::string_view name;
    std::string_view value;
};
constexpr FixedParam kFixed[] = {
    {"loglevel", "notice"},
    {"io-threads", "1"},
    {"cluster-enabled", "no"},
    {"lua-time-limit", "5000"},
    {"tcp-backlog", "511"},
    {"unixsocket", ""},
};

const std::vector<Param>& params() {
    static const std::vector<Param> kParams = {
        {"port", [](const Config& c) { return std::to_string(c.port); }, nullptr},
        {"bind", [](const Config& c) { return c.bind; }, nullptr},
        {"databases", [](const Config& c) { return std::to_string(c.databases); }, nullptr},
        // ringdis's own flags, under their flag names.
        {"storage",
         [](const Config& c) {
             return std::string(c.storage == StorageMode::kShared ? "shared" : "per-connection");
         },
         nullptr},
        {"verbose", [](const Config& c) { return std::string(c.verbose ? "yes" : "no"); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
             c.verbose = v == "yes";
             return std::nullopt;
         }},
        {"maxclients", [](const Config& c) { return std::to_string(c.maxclients); },
         [](Config& c, std::string_view v) { return set_int(c.maxclients, v, 1, UINT32_MAX); }},
        {"timeout", [](const Config& c) { return std::to_string(c.timeout); },
         [](Config& c, std::string_view v) { return set_int(c.timeout, v, 0, INT_MAX); }},
        {"hz", [](const Config& c) { return std::to_string(c.hz); },
         [](Config& c, std::string_view v) {
             int64_t hz = c.hz;
             auto err = set_int(hz, v, 0, INT_MAX);
             if (!err) c.hz = static_cast<int>(std::clamp<int64_t>(hz, 1, 500));
             return err;
         }},
        {"proto-max-bulk-len", [](const Config& c) { return std::to_string(c.proto_max_bulk_len); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             auto n = parse_memory(v);
             if (!n || *n < 1024 * 1024) return "argument must be a memory value";
             c.proto_max_bulk_len = *n;
             return std::nullopt;
         }},
        {"slowlog-log-slower-than", [](const Config& c) { return std::to_string(c.slowlog_log_slower_than); },
         [](Config& c, std::string_view v) { return set_int(c.slowlog_log_slower_than, v, -1, LLONG_MAX); }},
        {"slowlog-max-len", [](const Config& c) { return std::to_string(c.slowlog_max_len); },
         [](Config& c, std::string_view v) { return set_int(c.slowlog_max_len, v, 0, LONG_MAX); }},
        {"latency-tracking", [](const Config& c) { return std::string(c.latency_tracking ? "yes" : "no"); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
             c.latency_tracking = v == "yes";
             return std::nullopt;
         }},
        {"notify-keyspace-events", [](const Config& c) { return notify_flags_string(c.notify_keyspace_events); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             auto flags = parse_notify_flags(v);
             if (!flags) return std::string("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
             c.notify_keyspace_events = *flags;
             return std::nullopt;
         }},
        {"stats-interval", [](const Config& c) { return std::to_string(c.stats_interval); }, nullptr},
        {"maxmemory", [](const Config& c) { return std::to_string(c.maxmemory); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             auto n = parse_memory(v);
             if (!n) return std::string("argument must be a memory value");
             c.maxmemory = *n;
             return std::nullopt;
         }},
        {"maxmemory-policy", [](const Config& c) { return std::string(maxmemory_policy_name(c.maxmemory_policy)); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             auto p = parse_maxmemory_policy(v);
             if (!p)
                 return std::string(
                     "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
                     "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
             c.maxmemory_policy = *p;
             return std::nullopt;
         }},
        {"maxmemory-samples", [](const Config& c) { return std::to_string(c.maxmemory_samples); },
         [](Config& c, std::string_view v) { return set_int(c.maxmemory_samples, v, 1, INT_MAX); }},
        {"maxmemory-eviction-tenacity", [](const Config& c) { return std::to_string(c.maxmemory_eviction_tenacity); },
         [](Config& c, std::string_view v) { return set_int(c.maxmemory_eviction_tenacity, v, 0, 100); }},
        {"lfu-log-factor", [](const Config& c) { return std::to_string(c.lfu_log_factor); },
         [](Config& c, std::string_view v) { return set_int(c.lfu_log_factor, v, 0, INT_MAX); }},
        {"lfu-decay-time", [](const Config& c) { return std::to_string(c.lfu_decay_time); },
         [](Config& c, std::string_view v) { return set_int(c.lfu_decay_time, v, 0, INT_MAX); }},
        {"client-output-buffer-limit", format_output_limits, set_output_limits},
        {"client-query-buffer-limit", [](const Config& c) { return std::to_string(c.client_query_buffer_limit); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             auto n = parse_memory(v);
             if (!n) return std::string("argument must be a memory value");
             if (*n < 1024 * 1024)
                 return std::string("argument must be between 1048576 and 9223372036854775807 inclusive");
             c.client_query_buffer_limit = *n;
             return std::nullopt;
         }},
        {"tcp-keepalive", [](const Config& c) { return std::to_string(c.tcp_keepalive); },
         [](Config& c, std::string_view v) { return set_int(c.tcp_keepalive, v, 0, INT_MAX); }},
        {"save", [](const Config& c) { return c.save; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (!parse_save_points(v)) return std::string("Invalid save parameters");
             c.save = std::string(v);
             return std::nullopt;
         }},
        {"dir",
         [](const Config&) {
             char buf[4096];
             return std::string(::getcwd(buf, sizeof buf) ? buf : ".");
         },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             std::string d(v);
             if (::chdir(d.c_str()) != 0) return std::string(std::strerror(errno));
             c.dir = d;
             return std::nullopt;
         }},
        {"dbfilename", [](const Config& c) { return c.dbfilename; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (v.find('/') != std::string_view::npos) return std::string("dbfilename can't be a path, just a filename");
             c.dbfilename = std::string(v);
             return std::nullopt;
         }},
        {"appendonly", [](const Config& c) { return c.appendonly; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
             c.appendonly = std::string(v);
             return std::nullopt;
         }},
        {"appendfsync", [](const Config& c) { return c.appendfsync; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (v != "always" && v != "everysec" && v != "no") return "argument(s) must be one of the following: always, everysec, no";
             c.appendfsync = std::string(v);
             return std::nullopt;
         }},
        {"appendfilename", [](const Config& c) { return c.appendfilename; }, nullptr},
        // The default user follows (acl_requirepass_changed, after CONFIG SET).
        {"requirepass", [](const Config& c) { return c.requirepass; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             c.requirepass = std::string(v);
             return std::nullopt;
         }},
        {"masterauth", [](const Config& c) { return c.masterauth; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             c.masterauth = std::string(v);
             return std::nullopt;
         }},
        {"masteruser", [](const Config& c) { return c.masteruser; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             c.masteruser = std::string(v);
             return std::nullopt;
         }},
        {"replica-read-only", [](const Config& c) { return std::string(c.replica_read_only ? "yes" : "no"); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
             c.replica_read_only = v == "yes";
             return std::nullopt;
         }},
        {"repl-backlog-size", [](const Config& c) { return std::to_string(c.repl_backlog_size); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             auto n = parse_memory(v);
             if (!n || *n < 1) return std::string("argument must be a memory value");
             c.repl_backlog_size = std::max<int64_t>(*n, 16 * 1024);
             return std::nullopt;
         }},
        {"repl-ping-replica-period", [](const Config& c) { return std::to_string(c.repl_ping_replica_period); },
         [](Config& c, std::string_view v) { return set_int(c.repl_ping_replica_period, v, 1, INT_MAX); }},
        {"repl-timeout", [](const Config& c) { return std::to_string(c.repl_timeout); },
         [](Config& c, std::string_view v) { return set_int(c.repl_timeout, v, 1, INT_MAX); }},
        {"replica-priority", [](const Config& c) { return std::to_string(c.replica_priority); },
         [](Config& c, std::string_view v) { return set_int(c.replica_priority, v, 0, INT_MAX); }},
        {"replica-announce-ip", [](const Config& c) { return c.replica_announce_ip; },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             c.replica_announce_ip = std::string(v);
             return std::nullopt;
         }},
        {"protected-mode", [](const Config& c) { return std::string(c.protected_mode ? "yes" : "no"); },
         [](Config& c, std::string_view v) -> std::optional<std::string> {
             std::string b(v);
             for (char& ch : b) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
             if (b != "yes" && b != "no") return "argument must be 'yes' or 'no'";
             c.protected_mode = b == "yes";
             return std::nullopt;
         }},
    };
    return kParams;
}

constexpr std::pair<std::string_view, MaxmemoryPolicy> kPolicies[] = {
    {"volatile-lru", MaxmemoryPolicy::kVolatileLru},       {"volatile-lfu", MaxmemoryPolicy::kVolatileLfu},
    {"volatile-random", MaxmemoryPolicy::kVolatileRandom}, {"volatile-ttl", MaxmemoryPolicy::kVolatileTtl},
    {"allkeys-lru", MaxmemoryPolicy::kAllKeysLru},         {"allkeys-lfu", MaxmemoryPolicy::kAllKeysLfu},
    {"allkeys-random", MaxmemoryPolicy::kAllKeysRandom},   {"noeviction", MaxmemoryPolicy::kNoEviction},
};

}  // namespace

std::string_view maxmemory_policy_name(MaxmemoryPolicy p) {
    for (const auto& [name, policy] : kPolicies)
        if (policy == p) return name;
    return "noeviction";
}

std::optional<MaxmemoryPolicy> parse_maxmemory_policy(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [n, policy] : kPolicies)
        if (n == lower) return policy;
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> config_get(const Config& cfg,
                                                             std::string_view pattern) {
    std::vector<std::pair<std::string, std::string>> out;
    // A plain name (no glob characters) is answered under the name as the
    // client typed it, as Redis does.
    if (pattern.find_first_of("*?[\\") == std::string_view::npos) {
        for (const Param& p : params())
            if (glob_match(pattern, p.name, true)) out.emplace_back(std::string(pattern), p.get(cfg));
        for (const FixedParam& p : kFixed)
            if (glob_match(pattern, p.name, true))
                out.emplace_back(std::string(pattern), std::string(p.value));
        return out;
    }
    for (const Param& p : params())
        if (glob_match(pattern, p.name, true)) out.emplace_back(std::string(p.name), p.get(cfg));
    for (const FixedParam& p : kFixed)
        if (glob_match(pattern, p.name, true))
            out.emplace_back(std::string(p.name), std::string(p.value));
    return out;
}

std::optional<std::pair<std::string, int>> parse_replicaof(std::string_view text) {
    size_t sp = text.find(' ');
    if (sp == std::string_view::npos || sp == 0) return std::nullopt;
    auto port = parse_int64(text.substr(sp + 1));
    if (!port || *port < 1 || *port > 65535) return std::nullopt;
    return std::make_pair(std::string(text.substr(0, sp)), static_cast<int>(*port));
}

std::optional<std::vector<SavePoint>> parse_save_points(std::string_view text) {
    std::vector<std::string_view> words;
    for (size_t i = 0; i < text.size();) {
        while (i < text.size() && text[i] == ' ') ++i;
        size_t j = i;
        while (j < text.size() && text[j] != ' ') ++j;
        if (j > i) words.push_back(text.substr(i, j - i));
        i = j;
    }
    if (words.size() % 2 != 0) return std::nullopt;
    std::vector<SavePoint> points;
    for (size_t i = 0; i < words.size(); i += 2) {
        auto secs = parse_int64(words[i]);
        auto changes = parse_int64(words[i + 1]);
        if (!secs || !changes || *secs < 1 || *changes < 0) return std::nullopt;
        points.push_back(SavePoint{*secs, *changes});
    }
    return points;
}

bool config_known(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const Param& p : params())
        if (p.name == lower) return true;
    for (const FixedParam& p : kFixed)
        if (p.name == lower) return true;
    return false;
}

std::optional<std::string> config_set(Config& cfg, std::string_view name, std::string_view value) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const Param& p : params()) {
        if (p.name != lower) continue;
        if (!p.set) return std::string("can't set immutable config");
        return p.set(cfg, value);
    }
    for (const FixedParam& p : kFixed) {
        if (p.name != lower) continue;
        if (value == p.value) return std::nullopt;
        return std::string("setting this parameter is not supported");
    }
    return std::string("unknown");
}

CommandLine parse_command_line(int argc, char** argv) {
    CommandLine out;
    cxxopts::Options options("ringdis-server",
                             "ringdis: a single-threaded Redis-compatible server");
    options.add_options()
        ("port", "TCP port to listen on", cxxopts::value<std::string>()->default_value("6379"))
        ("bind", "address to listen on", cxxopts::value<std::string>()->default_value("127.0.0.1"))
        ("storage", "keyspace: shared by all connections, or one per connection (shared|per-connection)",
         cxxopts::value<std::string>()->default_value("shared"))
        ("maxclients", "maximum number of connected clients",
         cxxopts::value<std::string>()->default_value("10000"))
        ("hz", "background task frequency (expiry, rehash), 1-500",
         cxxopts::value<std::string>()->default_value("10"))
        ("slowlog-log-slower-than", "log commands slower than this many microseconds in SLOWLOG (-1: never)",
         cxxopts::value<std::string>()->default_value("10000"))
        ("slowlog-max-len", "entries kept by SLOWLOG", cxxopts::value<std::string>()->default_value("128"))
        ("stats-interval", "print a line of rates every N seconds while serving (0: off)",
         cxxopts::value<std::string>()->default_value("0"))
        ("verbose", "log every received command")
        ("version", "print the version and exit")
        ("h,help", "print this help and exit");

    // Any other CONFIG parameter may be given as --name value, as Redis
    // accepts them (--dir, --save, --appendonly, ...); set once the flags
    // above are read.
    static constexpr std::string_view kOwnFlags[] = {"port", "bind", "storage", "maxclients", "hz",
                                                     "slowlog-log-slower-than", "slowlog-max-len",
                                                     "stats-interval", "verbose", "version", "help"};
    std::vector<std::pair<std::string, std::string>> redis_params;
    std::vector<char*> own_args = {argv[0]};
    std::string replicaof;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        std::string_view name = a.starts_with("--") ? a.substr(2) : std::string_view{};
        // --replicaof host port (two words, as redis-server takes it) or
        // --replicaof "host port".
        if (name == "replicaof" || name == "slaveof") {
            if (i + 1 < argc) replicaof = argv[++i];
            if (i + 1 < argc && !std::string_view(argv[i + 1]).starts_with("--") &&
                replicaof.find(' ') == std::string::npos)
                replicaof += std::string(" ") + argv[++i];
            if (!parse_replicaof(replicaof)) {
                out.exit_code = 2;
                out.output = "ringdis-server: --replicaof needs \"host port\"\n";
                return out;
            }
            continue;
        }
        bool own = std::find(std::begin(kOwnFlags), std::end(kOwnFlags), name) != std::end(kOwnFlags);
        if (name.empty() || own || !config_known(name)) {
            own_args.push_back(argv[i]);
            continue;
        }
        if (i + 1 >= argc) {
            out.exit_code = 2;
            out.output = "ringdis-server: --" + std::string(name) + " needs a value\n";
            return out;
        }
        redis_params.emplace_back(std::string(name), std::string(argv[i + 1]));
        ++i;
    }

    cxxopts::ParseResult parsed;
    try {
        parsed = options.parse(static_cast<int>(own_args.size()), own_args.data());
    } catch (const std::exception& e) {
        out.exit_code = 2;
        out.output = std::string("ringdis-server: ") + e.what() + "\n";
        return out;
    }
    if (!parsed.unmatched().empty()) {
        out.exit_code = 2;
        out.output = "ringdis-server: unexpected argument '" + parsed.unmatched().front() + "'\n";
        return out;
    }
    if (parsed.count("help")) {
        out.output = options.help() +
                     "\n  Any parameter CONFIG SET accepts may also be given as --name value, as with\n"
                     "  redis-server: --dir, --dbfilename, --save, --appendonly, --appendfsync,\n"
                     "  --notify-keyspace-events, --client-output-buffer-limit, ...\n";
        return out;
    }
    if (parsed.count("version")) {
        out.output = std::string("ringdis-server v=") + std::string(kRingdisVersion) +
                     " (redis compatibility " + std::string(kRedisCompatVersion) + ")\n";
        return out;
    }

    Config cfg;
    cfg.replicaof = replicaof;
    auto fail = [&](std::string_view flag, const std::string& value, std::string_view why) {
        out.exit_code = 2;
        out.output = "ringdis-server: invalid value '" + value + "' for --" + std::string(flag) +
                     ": " + std::string(why) + "\n";
        return out;
    };
    std::string port = parsed["port"].as<std::string>();
    auto p = parse_ranged(port, 0, 65535);
    if (!p) return fail("port", port, "expected a number from 0 to 65535");
    cfg.port = static_cast<int>(*p);

    cfg.bind = parsed["bind"].as<std::string>();
    if (cfg.bind.empty()) return fail("bind", cfg.bind, "expected an IPv4 address");

    std::string storage = parsed["storage"].as<std::string>();
    if (storage == "shared") {
        cfg.storage = StorageMode::kShared;
    } else if (storage == "per-connection") {
        cfg.storage = StorageMode::kPerConnection;
    } else {
        return fail("storage", storage, "expected 'shared' or 'per-connection'");
    }

    std::string maxclients = parsed["maxclients"].as<std::string>();
    auto m = parse_ranged(maxclients, 1, 1000000);
    if (!m) return fail("maxclients", maxclients, "expected a number from 1 to 1000000");
    cfg.maxclients = *m;

    std::string hz = parsed["hz"].as<std::string>();
    auto h = parse_ranged(hz, 1, 500);
    if (!h) return fail("hz", hz, "expected a number from 1 to 500");
    cfg.hz = static_cast<int>(*h);

    struct Ranged {
        const char* flag;
        int64_t lo;
        int64_t hi;
        int64_t* field;
    };
    const Ranged ranged[] = {
        {"slowlog-log-slower-than", -1, INT64_MAX, &cfg.slowlog_log_slower_than},
        {"slowlog-max-len", 0, INT64_MAX, &cfg.slowlog_max_len},
        {"stats-interval", 0, 86400, &cfg.stats_interval},
    };
    for (const Ranged& r : ranged) {
        std::string text = parsed[r.flag].as<std::string>();
        auto v = parse_ranged(text, r.lo, r.hi);
        if (!v) {
            return fail(r.flag, text,
                        "expected a number from " + std::to_string(r.lo) + " to " + std::to_string(r.hi));
        }
        *r.field = *v;
    }

    cfg.verbose = parsed.count("verbose") > 0;
    for (const auto& [name, value] : redis_params) {
        if (auto err = config_set(cfg, name, value)) return fail(name, value, *err);
    }
    out.config = cfg;
    return out;
}

}  // namespace server
