// The input ring buffer: the read/consume rhythm of a connection.
//  - WriteConsume: fill n bytes through writable()/commit() (as read() does),
//    then consume them all; the buffer empties every cycle and restarts at
//    offset 0, the common request/response case.
//  - Wrap: a partial frame of 100 bytes always stays behind, so the data
//    creeps around the ring and regularly straddles its end; writes go in
//    two pieces when the free space wraps.
//  - MakeContiguous: the Wrap rhythm plus a straightening each cycle (what
//    the parser does when a frame straddles the end). wrapped% says how
//    often there was something to straighten, allocs/op how often that took
//    a temporary copy (make_contiguous uses one when the two parts overlap).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "bench/alloc_counter.h"
#include "protocol/ring_buffer.h"

namespace {

constexpr size_t kCapacity = 16 * 1024;
constexpr size_t kLeftover = 100;

// Writes n bytes of src through writable()/commit(), in as many pieces as
// the free space needs.
void fill(protocol::RingBuffer& rb, const char* src, size_t n) {
    while (n > 0) {
        std::span<char> room = rb.writable();
        size_t k = std::min(n, room.size());
        std::memcpy(room.data(), src, k);
        rb.commit(k);
        src += k;
        n -= k;
    }
}

// Reads n bytes from the head, touching them as a parser would.
uint64_t take(protocol::RingBuffer& rb, size_t n) {
    uint64_t sum = 0;
    while (n > 0) {
        std::string_view r = rb.readable();
        size_t k = std::min(n, r.size());
        sum += static_cast<unsigned char>(r[0]) + static_cast<unsigned char>(r[k - 1]);
        rb.consume(k);
        n -= k;
    }
    return sum;
}

void BM_Ring_WriteConsume(benchmark::State& state) {
    const size_t n = static_cast<size_t>(state.range(0));
    const std::string data(n, 'a');
    protocol::RingBuffer rb(kCapacity);
    for (auto _ : state) {
        fill(rb, data.data(), n);
        benchmark::DoNotOptimize(take(rb, n));
    }
    state.SetBytesProcessed(static_cast<int64_t>(n) * state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ring_WriteConsume)->Arg(64)->Arg(1024)->Arg(8192);

void BM_Ring_Wrap(benchmark::State& state) {
    const size_t n = static_cast<size_t>(state.range(0));
    const std::string data(n, 'b');
    protocol::RingBuffer rb(kCapacity);
    fill(rb, data.data(), std::min(n, kLeftover));
    for (auto _ : state) {
        fill(rb, data.data(), n);
        benchmark::DoNotOptimize(take(rb, n));
    }
    if (rb.capacity() != kCapacity) state.SkipWithError("ring grew");
    state.SetBytesProcessed(static_cast<int64_t>(n) * state.iterations());
    state.SetItemsProcessed(state.iterations());
}
// Sizes that do not divide the capacity, so the wrap point moves.
BENCHMARK(BM_Ring_Wrap)->Arg(61)->Arg(1000)->Arg(7000);

void BM_Ring_MakeContiguous(benchmark::State& state) {
    const size_t n = static_cast<size_t>(state.range(0));
    const std::string data(n, 'c');
    protocol::RingBuffer rb(kCapacity);
    fill(rb, data.data(), kLeftover);
    uint64_t wrapped = 0;
    const uint64_t allocs_before = bench::allocation_count();
    for (auto _ : state) {
        fill(rb, data.data(), n);
        if (rb.readable().size() != rb.size()) ++wrapped;
        benchmark::DoNotOptimize(rb.make_contiguous().data());
        benchmark::DoNotOptimize(take(rb, n));
    }
    // Read before touching the counter map, which allocates.
    const uint64_t allocs = bench::allocation_count() - allocs_before;
    const double iters = static_cast<double>(state.iterations());
    state.counters["wrapped%"] = 100.0 * static_cast<double>(wrapped) / iters;
    state.counters["allocs/op"] = static_cast<double>(allocs) / iters;
    state.SetBytesProcessed(static_cast<int64_t>(n) * state.iterations());
}
BENCHMARK(BM_Ring_MakeContiguous)->Arg(1000)->Arg(7000);

}  // namespace
