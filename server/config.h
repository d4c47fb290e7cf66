// Server settings: filled from the command line at start, read and changed
// at run time through CONFIG GET/SET under Redis's parameter names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace server {

inline constexpr std::string_view kRingdisVersion = "0.1.0";
// The Redis version whose behaviour we reproduce; clients read it from INFO
// and HELLO to decide which commands they may use.
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

enum class StorageMode { kShared, kPerConnection };

// One class of client-output-buffer-limit: past `hard` bytes of unsent
// output a client is cut off, and past `soft` for `soft_seconds` too
// (0 = no limit).
struct OutputLimit {
    int64_t hard = 0;
    int64_t soft = 0;
    int64_t soft_seconds = 0;
};

// maxmemory-policy: which keys eviction may delete (all, or those with a
// TTL) and how it ranks them.
enum class MaxmemoryPolicy : uint8_t {
    kNoEviction,
    kAllKeysLru,
    kAllKeysLfu,
    kAllKeysRandom,
    kVolatileLru,
    kVolatileLfu,
    kVolatileRandom,
    kVolatileTtl,
};
std::string_view maxmemory_policy_name(MaxmemoryPolicy p);
std::optional<MaxmemoryPolicy> parse_maxmemory_policy(std::string_view name);
inline bool policy_is_lfu(MaxmemoryPolicy p) {
    return p == MaxmemoryPolicy::kAllKeysLfu || p == MaxmemoryPolicy::kVolatileLfu;
}
// Whether eviction ranks keys by their access stamps (LRU or LFU), so that
// lookups must keep them up to date.
inline bool policy_tracks_access(MaxmemoryPolicy p) {
    constexpr unsigned kTracking = 1u << static_cast<unsigned>(MaxmemoryPolicy::kAllKeysLru) |
                                   1u << static_cast<unsigned>(MaxmemoryPolicy::kAllKeysLfu) |
                                   1u << static_cast<unsigned>(MaxmemoryPolicy::kVolatileLru) |
                                   1u << static_cast<unsigned>(MaxmemoryPolicy::kVolatileLfu);
    return (kTracking >> static_cast<unsigned>(p)) & 1u;
}

struct Config {
    int port = 6379;
    std::string bind = "127.0.0.1";
    StorageMode storage = StorageMode::kShared;
    int64_t maxclients = 10000;
    bool verbose = false;
    int databases = 16;
    int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
    int64_t timeout = 0;
    int hz = 10;
    int64_t slowlog_log_slower_than = 10000;  // microseconds; negative disables
    int64_t slowlog_max_len = 128;
    bool latency_tracking = true;
    int64_t stats_interval = 0;  // seconds between stats lines; 0 = off
    // Persistence, under Redis's names and with its defaults (dir is the
    // working directory: --dir changes into it at start, as Redis does).
    std::string dir;
    std::string dbfilename = "dump.rdb";
    std::string save = "3600 1 300 100 60 10000";
    std::string appendonly = "no";
    std::string appendfsync = "everysec";
    std::string appendfilename = "appendonly.aof";
    uint32_t notify_keyspace_events = 0;  // notify:: class flags
    // Memory limit and eviction (eviction.h), Redis's defaults; 0 = no limit.
    int64_t maxmemory = 0;
    MaxmemoryPolicy maxmemory_policy = MaxmemoryPolicy::kNoEviction;
    int64_t maxmemory_samples = 5;
    int64_t maxmemory_eviction_tenacity = 10;
    int64_t lfu_log_factor = 10;
    int64_t lfu_decay_time = 1;  // minutes per step of LFU counter decay
    // The default user's password (server/acl.h holds the users): CONFIG
    // GET shows the one last set, as Redis does, whatever ACL SETUSER did
    // since. Empty: the default user needs none.
    std::string requirepass;
    // Without a password on the default user, refuse clients that are not
    // on the loopback interface (server/acl.h).
    bool protected_mode = true;
    // client-query-buffer-limit: a client whose unparsed input passes this
    // many bytes is closed (Redis's default 1gb; at least 1mb).
    int64_t client_query_buffer_limit = 1LL << 30;
    // tcp-keepalive: seconds of silence before an accepted socket sends
    // keepalive probes (SO_KEEPALIVE, as Redis's anetKeepAlive); 0 = off.
    int64_t tcp_keepalive = 300;
    // client-output-buffer-limit, Redis's defaults.
    OutputLimit obuf_normal{};
    OutputLimit obuf_replica{256LL << 20, 64LL << 20, 60};
    OutputLimit obuf_pubsub{32LL << 20, 8LL << 20, 60};
    // Replication (server/replication.h), Redis's names and defaults.
    // replicaof: "host port" of our master, empty when we are one.
    std::string replicaof;
    std::string masterauth;
    std::string masteruser;
    bool replica_read_only = true;
    int64_t repl_backlog_size = 1LL << 20;
    int64_t repl_ping_replica_period = 10;
    int64_t repl_timeout = 60;
    int64_t replica_priority = 100;
    std::string replica_announce_ip;
};

// Result of reading argv: a config to run with, or an exit (help/version
// printed, or an error line for a bad flag).
struct CommandLine {
    std::optional<Config> config;
    int exit_code = 0;
    std::string output;  // what to print before exiting (stdout if code 0, else stderr)
};
CommandLine parse_command_line(int argc, char** argv);

// CONFIG GET: (name, value) pairs of every parameter matching the glob.
std::vector<std::pair<std::string, std::string>> config_get(const Config& cfg,
                                                             std::string_view pattern);
// CONFIG SET of one parameter: nullopt on success, else the error text.
std::optional<std::string> config_set(Config& cfg, std::string_view name, std::string_view value);
bool config_known(std::string_view name);

// A save schedule: pairs "seconds changes"; empty when saving is off.
// nullopt for a malformed schedule.
struct SavePoint {
    int64_t seconds;
    int64_t changes;
};
std::optional<std::vector<SavePoint>> parse_save_points(std::string_view text);

// "host port" of --replicaof.
std::optional<std::pair<std::string, int>> parse_replicaof(std::string_view text);

}  // namespace server
