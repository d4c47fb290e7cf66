// Proof that GET and SET allocate nothing per command once warm (DESIGN.md,
// "The path of one command", step 4). Each benchmark counts heap
// allocations (malloc, calloc, realloc, and so operator new: see
// alloc_counter.cpp) over its timed loop and reports them per command as
// the counter allocs/op, expected 0 for:
//  - Cmd_*: server::Connection::run_command, the dispatch from an argument
//    vector (lookup, arity, handler, keyspace, reply, per-command stats).
//  - Wire_*: the whole path of a pipelined batch of 16 commands: the bytes
//    are written to a socketpair, the connection reads them into its ring
//    buffer, parses, executes, and sends the replies, which are read back.
// Every benchmark runs its command a few times before counting: the first
// call allocates what is then reused (the output buffer, the command's
// latency histogram, the key's entry).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/alloc_counter.h"
#include "server/connection.h"
#include "server/server.h"

namespace {

constexpr int kWarmUp = 100;

server::Config bench_config() {
    server::Config cfg;
    // A benchmark thread descheduled for 10 ms would add a SLOWLOG entry (an
    // allocation that is not the command's); the slow log is off the hot path.
    cfg.slowlog_log_slower_than = -1;
    return cfg;
}

// A server, a connected socketpair and a connection on one end of it.
struct Rig {
    server::Server srv{bench_config()};
    int fds[2] = {-1, -1};
    std::unique_ptr<server::Connection> conn;

    Rig() {
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
        ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
        conn = std::make_unique<server::Connection>(srv, fds[0], 1, "a:1", "b:2");
    }
    ~Rig() {
        conn.reset();
        ::close(fds[0]);
        ::close(fds[1]);
    }

    void run(std::span<const std::string_view> argv) {
        conn->run_command(argv);
        conn->discard_output();
    }
};

// Runs argv through run_command; reports allocations per command.
void run_commands(benchmark::State& state, Rig& rig, std::span<const std::string_view> argv) {
    for (int i = 0; i < kWarmUp; ++i) rig.run(argv);
    const uint64_t before = bench::allocation_count();
    for (auto _ : state) rig.run(argv);
    const uint64_t allocs = bench::allocation_count() - before;
    state.SetItemsProcessed(state.iterations());
    state.counters["allocs/op"] =
        static_cast<double>(allocs) / static_cast<double>(state.iterations());
}

// The counter's own check: one allocation per iteration must read 1.
void BM_AllocCounter_SelfCheck(benchmark::State& state) {
    const uint64_t before = bench::allocation_count();
    for (auto _ : state) {
        auto p = std::make_unique<char[]>(64);
        benchmark::DoNotOptimize(p.get());
    }
    state.counters["allocs/op"] = static_cast<double>(bench::allocation_count() - before) /
                                  static_cast<double>(state.iterations());
}
BENCHMARK(BM_AllocCounter_SelfCheck);

void BM_Cmd_GetExisting(benchmark::State& state) {
    Rig rig;
    const std::array<std::string_view, 3> set = {"SET", "key:000000000001", "xyz"};
    rig.run(set);
    const std::array<std::string_view, 2> get = {"GET", "key:000000000001"};
    run_commands(state, rig, get);
}
BENCHMARK(BM_Cmd_GetExisting);

void BM_Cmd_GetMissing(benchmark::State& state) {
    Rig rig;
    const std::array<std::string_view, 2> get = {"GET", "nosuchkey"};
    run_commands(state, rig, get);
}
BENCHMARK(BM_Cmd_GetMissing);

// SET of an existing key with a value of the same size (redis-benchmark's
// SET: the same keys again and again).
void BM_Cmd_SetExisting(benchmark::State& state) {
    Rig rig;
    const std::string value(static_cast<size_t>(state.range(0)), 'v');
    const std::array<std::string_view, 3> set = {"SET", "key:000000000001", value};
    run_commands(state, rig, set);
}
BENCHMARK(BM_Cmd_SetExisting)->Arg(3)->Arg(1024);

void BM_Cmd_Incr(benchmark::State& state) {
    Rig rig;
    const std::array<std::string_view, 2> incr = {"INCR", "counter:1"};
    run_commands(state, rig, incr);
}
BENCHMARK(BM_Cmd_Incr);

// The wire path: 16 pipelined commands per iteration.
constexpr int kPipeline = 16;

std::string encode(std::span<const std::string_view> argv) {
    std::string out = "*" + std::to_string(argv.size()) + "\r\n";
    for (std::string_view a : argv) {
        out += "$" + std::to_string(a.size()) + "\r\n";
        out.append(a);
        out += "\r\n";
    }
    return out;
}

// Writes `batch`, lets the connection read and answer it, reads the
// `reply_bytes` of replies back.
bool round_trip(Rig& rig, const std::string& batch, size_t reply_bytes, std::vector<char>& sink) {
    if (::write(rig.fds[1], batch.data(), batch.size()) != static_cast<ssize_t>(batch.size())) return false;
    rig.conn->on_io(rig.fds[0], reactor::kReadable);
    rig.conn->flush();
    size_t got = 0;
    while (got < reply_bytes) {
        ssize_t n = ::read(rig.fds[1], sink.data(), sink.size());
        if (n <= 0) return false;
        got += static_cast<size_t>(n);
    }
    return got == reply_bytes;
}

// `setup` runs once through run_command (e.g. to create the key GET reads).
void run_wire(benchmark::State& state, std::span<const std::string_view> setup,
              std::span<const std::string_view> argv, std::string_view reply) {
    Rig rig;
    if (!setup.empty()) rig.run(setup);
    std::string batch;
    for (int i = 0; i < kPipeline; ++i) batch += encode(argv);
    const size_t reply_bytes = reply.size() * kPipeline;
    std::vector<char> sink(64 * 1024);
    for (int i = 0; i < kWarmUp; ++i) {
        if (!round_trip(rig, batch, reply_bytes, sink)) {
            state.SkipWithError("round trip failed");
            return;
        }
    }
    if (std::string_view(sink.data(), reply.size()) != reply) {
        state.SkipWithError("unexpected reply");
        return;
    }
    const uint64_t before = bench::allocation_count();
    for (auto _ : state) {
        if (!round_trip(rig, batch, reply_bytes, sink)) {
            state.SkipWithError("round trip failed");
            break;
        }
    }
    const uint64_t allocs = bench::allocation_count() - before;
    const double commands = static_cast<double>(state.iterations()) * kPipeline;
    state.SetItemsProcessed(static_cast<int64_t>(commands));
    state.counters["allocs/op"] = static_cast<double>(allocs) / commands;
}

const std::array<std::string_view, 3> kSetKey = {"SET", "key:000000000001", "xyz"};

void BM_Wire_SetP16(benchmark::State& state) {
    run_wire(state, {}, kSetKey, "+OK\r\n");
}
BENCHMARK(BM_Wire_SetP16);

void BM_Wire_GetP16(benchmark::State& state) {
    const std::array<std::string_view, 2> get = {"GET", "key:000000000001"};
    run_wire(state, kSetKey, get, "$3\r\nxyz\r\n");
}
BENCHMARK(BM_Wire_GetP16);

}  // namespace
