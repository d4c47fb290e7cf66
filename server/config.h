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
    std::string save;
    std::string appendonly = "no";
    uint32_t notify_keyspace_events = 0;  // notify:: class flags
    // client-output-buffer-limit, Redis's defaults.
    OutputLimit obuf_normal{};
    OutputLimit obuf_replica{256LL << 20, 64LL << 20, 60};
    OutputLimit obuf_pubsub{32LL << 20, 8LL << 20, 60};
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

}  // namespace server
