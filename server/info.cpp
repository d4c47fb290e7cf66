#include "server/info.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "server/command_util.h"
#include "server/cycles.h"
#include "server/memory_usage.h"
#include "server/server.h"

namespace server {

namespace {

struct Line {
    std::string& out;
    template <typename T>
    Line& operator()(std::string_view key, const T& value) {
        out.append(key);
        out += ':';
        if constexpr (std::is_arithmetic_v<T>) out += std::to_string(value);
        else out.append(value);
        out += "\r\n";
        return *this;
    }
};

uint64_t resident_bytes() {
    std::ifstream f("/proc/self/statm");
    uint64_t pages = 0;
    uint64_t resident = 0;
    f >> pages >> resident;
    return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string human_bytes(uint64_t n) {
    char buf[32];
    double d = static_cast<double>(n);
    if (n < 1024) std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(n));
    else if (n < (1ULL << 20)) std::snprintf(buf, sizeof buf, "%.2fK", d / 1024);
    else if (n < (1ULL << 30)) std::snprintf(buf, sizeof buf, "%.2fM", d / (1 << 20));
    else std::snprintf(buf, sizeof buf, "%.2fG", d / (1 << 30));
    return buf;
}

void server_section(Server& s, std::string& out) {
    utsname u{};
    uname(&u);
    uint64_t now = s.loop().now_ms();
    uint64_t up = (now - s.start_ms()) / 1000;
    out += "# Server\r\n";
    Line{out}("redis_version", kRedisCompatVersion)("ringdis_version", kRingdisVersion)(
        "redis_mode", "standalone")("os", std::string(u.sysname) + " " + u.release + " " + u.machine)(
        "arch_bits", 64)("multiplexing_api", "epoll")("process_id", static_cast<int64_t>(getpid()))(
        "run_id", s.run_id())("tcp_port", s.config().port)("server_time_usec", s.loop().now_us())(
        "uptime_in_seconds", up)("uptime_in_days", up / 86400)("hz", s.config().hz)(
        "executable", "ringdis-server")("config_file", "");
}

void clients_section(Server& s, std::string& out) {
    out += "# Clients\r\n";
    Line{out}("connected_clients", s.connection_count())("maxclients", s.config().maxclients)(
        "blocked_clients", s.blocking().blocked_clients())("tracking_clients", 0);
}

// Redis's fields (server/memory_usage.h): used_memory counts live heap
// blocks; the dataset is an estimate, what is above the memory at start and
// the clients' buffers.
void memory_section(Server& s, std::string& out) {
    memory::note_peak();
    uint64_t used = memory::used();
    uint64_t rss = resident_bytes();
    uint64_t peak = std::max<uint64_t>(memory::peak(), used);
    uint64_t startup = memory::startup();
    uint64_t clients = 0;
    s.for_each_connection([&](Connection& c) { clients += c.input_capacity() + c.output_capacity(); });
    uint64_t overhead = std::min<uint64_t>(used, startup + clients);
    uint64_t dataset = used - overhead;
    uint64_t net = used > startup ? used - startup : 1;
    auto percent = [](double part, double whole) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f%%", whole > 0 ? part * 100 / whole : 0.0);
        return std::string(buf);
    };
    const Config& cfg = s.config();
    const uint64_t maxmemory = static_cast<uint64_t>(cfg.maxmemory);
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", used ? static_cast<double>(rss) / static_cast<double>(used) : 0.0);
    out += "# Memory\r\n";
    Line{out}("used_memory", used)("used_memory_human", human_bytes(used))("used_memory_rss", rss)(
        "used_memory_rss_human", human_bytes(rss))("used_memory_peak", peak)(
        "used_memory_peak_human", human_bytes(peak))(
        "used_memory_peak_perc", percent(static_cast<double>(used), static_cast<double>(peak)))(
        "used_memory_overhead", overhead)("used_memory_startup", startup)("used_memory_dataset", dataset)(
        "used_memory_dataset_perc", percent(static_cast<double>(dataset), static_cast<double>(net)))(
        "maxmemory", maxmemory)("maxmemory_human", human_bytes(maxmemory))(
        "maxmemory_policy", maxmemory_policy_name(cfg.maxmemory_policy))(
        "mem_fragmentation_ratio", std::string(ratio))("mem_allocator", memory::allocator_name());
}

void persistence_section(Server& s, std::string& out) {
    const Persistence& p = s.persistence();
    out += "# Persistence\r\n";
    Line{out}("loading", 0)("async_loading", 0)("rdb_changes_since_last_save", p.changes_since_save())(
        "rdb_bgsave_in_progress", p.bgsave_in_progress() ? 1 : 0)("rdb_last_save_time", p.last_save_time())(
        "rdb_last_bgsave_status", p.last_bgsave_ok() ? "ok" : "err")(
        "rdb_last_bgsave_time_sec", p.last_bgsave_seconds())(
        "rdb_current_bgsave_time_sec", p.current_bgsave_seconds())("rdb_saves", p.saves())(
        "rdb_last_load_keys_loaded", p.keys_loaded())("aof_enabled", s.aof().active() ? 1 : 0)(
        "aof_rewrite_in_progress", s.aof().rewrite_in_progress() ? 1 : 0)(
        "aof_last_bgrewrite_status", s.aof().last_rewrite_ok() ? "ok" : "err")("aof_rewrites", s.aof().rewrites())(
        "aof_last_write_status", s.aof().last_write_ok() ? "ok" : "err");
    if (s.aof().active()) Line{out}("aof_current_size", s.aof().current_size());
}

void stats_section(Server& s, std::string& out) {
    const ServerStats& st = s.stats();
    out += "# Stats\r\n";
    Line{out}("total_connections_received", st.total_connections_received)(
        "total_commands_processed", st.total_commands_processed)(
        "total_net_input_bytes", st.net_input_bytes)("total_net_output_bytes", st.net_output_bytes)(
        "total_net_repl_input_bytes", st.net_repl_input_bytes)(
        "total_net_repl_output_bytes", st.net_repl_output_bytes)("rejected_connections", st.rejected_connections)(
        // Replication counts these (server/replication.cpp); Redis reports
        // them here, and tests and tools read them to tell a partial sync
        // from a full one.
        "sync_full", st.sync_full)("sync_partial_ok", st.sync_partial_ok)("sync_partial_err", st.sync_partial_err)(
        "accept_pauses", st.accept_pauses)("expired_keys", st.expired_keys)(
        "evicted_keys", st.evicted_keys)("keyspace_hits", st.keyspace_hits)("keyspace_misses", st.keyspace_misses)(
        "pubsub_channels", s.pubsub().channel_count())("pubsub_patterns", s.pubsub().pattern_count())(
        "pubsubshard_channels", s.pubsub().shard_channel_count())("total_error_replies", st.total_error_replies)(
        "unexpected_error_replies", 0)("total_reads_processed", st.read_syscalls)(
        "total_writes_processed", st.write_syscalls)("protocol_errors", st.protocol_errors)(
        // Redis 7.2's counters (7.0 has none): clients closed for
        // client-query-buffer-limit and client-output-buffer-limit.
        "client_query_buffer_limit_disconnections", st.query_buffer_limit_disconnections)(
        "client_output_buffer_limit_disconnections",
        st.output_buffer_limit_disconnections + s.pubsub().clients_cut_off());
}

void replication_section(Server& s, std::string& out) {
    out += "# Replication\r\n";
    s.replication().info(out);
}

void cpu_section(Server&, std::string& out) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    char sys[32];
    char user[32];
    std::snprintf(sys, sizeof sys, "%ld.%06ld", static_cast<long>(ru.ru_stime.tv_sec),
                  static_cast<long>(ru.ru_stime.tv_usec));
    std::snprintf(user, sizeof user, "%ld.%06ld", static_cast<long>(ru.ru_utime.tv_sec),
                  static_cast<long>(ru.ru_utime.tv_usec));
    out += "# CPU\r\n";
    Line{out}("used_cpu_sys", std::string(sys))("used_cpu_user", std::string(user));
}

void reactor_section(Server& s, std::string& out) {
    const reactor::LoopStats& ls = s.loop().stats();
    out += "# Reactor\r\n";
    char per_wake[32];
    std::snprintf(per_wake, sizeof per_wake, "%.2f",
                  ls.iterations ? static_cast<double>(ls.events) / static_cast<double>(ls.iterations) : 0.0);
    Line{out}("loop_iterations", ls.iterations)("loop_events", ls.events)(
        "loop_events_per_wakeup", std::string(per_wake))("loop_max_events_per_wakeup", ls.max_events_per_wake)(
        "loop_timers_fired", ls.timers_fired)("loop_busy_usec", ls.busy_us)("loop_sleep_usec", ls.sleep_us)(
        "read_syscalls", s.stats().read_syscalls)("write_syscalls", s.stats().write_syscalls);
}

void commandstats_section(Server& s, std::string& out) {
    out += "# Commandstats\r\n";
    auto emit = [&](const Command& c) {
        if (c.stats.calls == 0 && c.stats.rejected_calls == 0 && c.stats.failed_calls == 0) return;
        char line[256];
        double usec = static_cast<double>(c.stats.cycles) / cycles_per_us();
        double per = c.stats.calls ? usec / static_cast<double>(c.stats.calls) : 0;
        std::snprintf(line, sizeof line,
                      "cmdstat_%.*s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu\r\n",
                      static_cast<int>(c.name.size()), c.name.data(),
                      static_cast<unsigned long long>(c.stats.calls),
                      static_cast<unsigned long long>(usec), per,
                      static_cast<unsigned long long>(c.stats.rejected_calls),
                      static_cast<unsigned long long>(c.stats.failed_calls));
        out += line;
    };
    for (const Command* c : s.commands().all()) {
        emit(*c);
        for (size_t i = 0; i < c->subcommand_count; ++i) emit(c->subcommands[i]);
    }
}

void latencystats_section(Server& s, std::string& out) {
    out += "# Latencystats\r\n";
    auto emit = [&](const Command& c) {
        if (!c.stats.latency || c.stats.latency->total() == 0) return;
        const LatencyHistogram& h = *c.stats.latency;
        auto us = [](uint64_t cycles) { return static_cast<double>(cycles) / cycles_per_us(); };
        char line[256];
        std::snprintf(line, sizeof line, "latency_percentiles_usec_%.*s:p50=%.3f,p99=%.3f,p99.9=%.3f\r\n",
                      static_cast<int>(c.name.size()), c.name.data(), us(h.percentile(0.50)),
                      us(h.percentile(0.99)), us(h.percentile(0.999)));
        out += line;
    };
    for (const Command* c : s.commands().all()) {
        emit(*c);
        for (size_t i = 0; i < c->subcommand_count; ++i) emit(c->subcommands[i]);
    }
}

void keyspace_section(Server& s, std::string& out) {
    out += "# Keyspace\r\n";
    Databases& dbs = s.shared_databases();
    for (int i = 0; i < Databases::kCount; ++i) {
        Database& db = dbs.at(i);
        if (db.size() == 0) continue;
        out += "db" + std::to_string(i) + ":keys=" + std::to_string(db.size()) +
               ",expires=" + std::to_string(db.volatile_count()) + ",avg_ttl=0\r\n";
    }
}

struct Section {
    std::string_view name;
    void (*fn)(Server&, std::string&);
    bool in_default;
};

constexpr Section kSections[] = {
    {"server", server_section, true},           {"clients", clients_section, true},
    {"memory", memory_section, true},           {"persistence", persistence_section, true},
    {"stats", stats_section, true},             {"replication", replication_section, true},
    {"cpu", cpu_section, true},                 {"reactor", reactor_section, true},
    {"commandstats", commandstats_section, false}, {"latencystats", latencystats_section, false},
    {"keyspace", keyspace_section, true},
};

}  // namespace

std::string build_info(Server& server, std::span<const std::string_view> sections) {
    bool all = false;
    bool everything = false;
    bool defaults = sections.empty();
    for (auto s : sections) {
        if (equals_nocase(s, "all")) all = true;
        if (equals_nocase(s, "everything")) everything = true;
        if (equals_nocase(s, "default")) defaults = true;
    }
    std::string out;
    for (const Section& sec : kSections) {
        bool want = all || everything || (defaults && sec.in_default);
        for (auto s : sections) want = want || equals_nocase(s, sec.name);
        if (!want) continue;
        if (!out.empty()) out += "\r\n";
        sec.fn(server, out);
    }
    return out;
}

}  // namespace server
