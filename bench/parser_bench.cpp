// The RESP parser on the stream redis-benchmark sends for `-t set -P N`:
// pipelined "SET key:<12 digits> <value>" multibulks. Fed whole (the whole
// stream is in the buffer, as after one big read) and in small pieces (every
// chunk appended, then every complete command parsed, as when a slow or
// fragmenting peer delivers a few bytes per read). Reports bytes/s,
// commands/s and heap allocations per command (expected 0: arguments are
// views into the ring buffer).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "bench/alloc_counter.h"
#include "protocol/resp_parser.h"
#include "protocol/ring_buffer.h"

namespace {

constexpr int kCommands = 1000;

std::string set_stream(int commands, size_t value_size) {
    const std::string value(value_size, 'x');
    std::string out;
    char key[32];
    for (int i = 0; i < commands; ++i) {
        int n = std::snprintf(key, sizeof key, "key:%012d", i * 7919 % 100000);
        out += "*3\r\n$3\r\nSET\r\n$" + std::to_string(n) + "\r\n";
        out.append(key, static_cast<size_t>(n));
        out += "\r\n$" + std::to_string(value_size) + "\r\n" + value + "\r\n";
    }
    return out;
}

// Parses every complete command in `in`; returns how many.
int drain(protocol::RespParser& parser, protocol::RingBuffer& in) {
    int parsed = 0;
    while (!in.empty()) {
        protocol::ParseStatus st = parser.parse(in);
        if (st != protocol::ParseStatus::kComplete) break;
        benchmark::DoNotOptimize(parser.args().data());
        in.consume(parser.frame_size());
        ++parsed;
    }
    return parsed;
}

// range(0): chunk size in bytes, 0 = the whole stream at once.
// range(1): value size of each SET.
void BM_Parser_SetStream(benchmark::State& state) {
    const size_t chunk = static_cast<size_t>(state.range(0));
    const std::string stream = set_stream(kCommands, static_cast<size_t>(state.range(1)));
    protocol::RingBuffer in(chunk == 0 ? stream.size() : 4096);
    protocol::RespParser parser;
    int total = 0;
    // One pass to size the parser's vectors before counting.
    in.append(stream);
    drain(parser, in);
    const uint64_t allocs_before = bench::allocation_count();
    for (auto _ : state) {
        if (chunk == 0) {
            in.append(stream);
            total += drain(parser, in);
        } else {
            for (size_t off = 0; off < stream.size(); off += chunk) {
                in.append(std::string_view(stream).substr(off, chunk));
                total += drain(parser, in);
            }
        }
    }
    const uint64_t allocs = bench::allocation_count() - allocs_before;
    if (total != kCommands * static_cast<int>(state.iterations())) state.SkipWithError("lost commands");
    state.SetBytesProcessed(static_cast<int64_t>(stream.size()) * state.iterations());
    state.SetItemsProcessed(static_cast<int64_t>(total));
    state.counters["allocs/cmd"] = static_cast<double>(allocs) / (total > 0 ? total : 1);
}
BENCHMARK(BM_Parser_SetStream)
    ->ArgNames({"chunk", "value"})
    ->Args({0, 3})
    ->Args({16, 3})
    ->Args({1, 3})
    ->Args({0, 1024})
    ->Args({16, 1024});

// Inline commands (what redis-cli sends when typed by hand, and
// redis-benchmark's PING_INLINE).
void BM_Parser_InlinePing(benchmark::State& state) {
    std::string stream;
    for (int i = 0; i < kCommands; ++i) stream += "PING\r\n";
    protocol::RingBuffer in(stream.size());
    protocol::RespParser parser;
    int total = 0;
    for (auto _ : state) {
        in.append(stream);
        total += drain(parser, in);
    }
    state.SetBytesProcessed(static_cast<int64_t>(stream.size()) * state.iterations());
    state.SetItemsProcessed(total);
}
BENCHMARK(BM_Parser_InlinePing);

}  // namespace
