// The reply writer appending into an output buffer: a bulk string (GET's
// reply, 3 bytes and 1 KiB), an integer (INCR's), an array of bulks (MGET's
// or LRANGE's), and the constant +OK. The buffer is emptied whenever it
// passes 64 KiB, as a flush would, so once warm it never grows: allocs/op
// is expected to be 0.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "protocol/output_buffer.h"
#include "protocol/reply_writer.h"

namespace {

constexpr size_t kFlushAt = 64 * 1024;

template <typename Write>
void run(benchmark::State& state, Write write) {
    protocol::OutputBuffer out;
    protocol::ReplyWriter w(out);
    size_t bytes = 0;
    // Warm: grow the buffer to the size it will have, then empty it.
    while (out.size() < kFlushAt) write(w);
    out.clear();
    const uint64_t allocs_before = bench::allocation_count();
    for (auto _ : state) {
        write(w);
        if (out.size() >= kFlushAt) {
            bytes += out.size();
            out.clear();
        }
    }
    // Read before SetItemsProcessed, which inserts into the counter map.
    const uint64_t allocs = bench::allocation_count() - allocs_before;
    bytes += out.size();
    benchmark::DoNotOptimize(out.pending().data());
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.SetItemsProcessed(state.iterations());
    state.counters["allocs/op"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
}

void BM_Reply_Bulk(benchmark::State& state) {
    const std::string value(static_cast<size_t>(state.range(0)), 'v');
    run(state, [&](protocol::ReplyWriter& w) { w.bulk(value); });
}
BENCHMARK(BM_Reply_Bulk)->Arg(3)->Arg(1024);

void BM_Reply_Integer(benchmark::State& state) {
    int64_t v = 1;
    run(state, [&](protocol::ReplyWriter& w) { w.integer(v += 12345); });
}
BENCHMARK(BM_Reply_Integer);

void BM_Reply_Ok(benchmark::State& state) {
    run(state, [](protocol::ReplyWriter& w) { w.ok(); });
}
BENCHMARK(BM_Reply_Ok);

// range(0) bulks of 10 bytes each, under one array header.
void BM_Reply_ArrayOfBulks(benchmark::State& state) {
    const auto n = static_cast<size_t>(state.range(0));
    const std::vector<std::string> items(n, std::string(10, 'e'));
    run(state, [&](protocol::ReplyWriter& w) {
        w.array(static_cast<int64_t>(n));
        for (const std::string& s : items) w.bulk(s);
    });
}
BENCHMARK(BM_Reply_ArrayOfBulks)->Arg(10)->Arg(100);

}  // namespace
