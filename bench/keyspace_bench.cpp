// The keyspace at a realistic size: one server::Database holding 1,000,000
// string keys ("key:" + 12 digits, as redis-benchmark -r makes them) with
// 16-byte values, the table finished rehashing. Keys are visited in a
// shuffled order so each lookup pays the cache misses a real one pays.
// Time per iteration is ns per operation.
//  - Lookup / LookupMiss: GET's work.
//  - SetExisting: SET of an existing key with a same-size value (in place).
//  - Insert: SET of new keys, the table growing from empty to 1M (the
//    incremental rehash cost is spread over the inserts), then cleared
//    (untimed) and grown again.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "server/database.h"

namespace {

constexpr size_t kKeys = 1'000'000;
constexpr int64_t kNowMs = 1'700'000'000'000;

struct Keys {
    std::vector<std::string> names;  // key:000000000000 ... in insertion order
    std::vector<uint32_t> order;     // a shuffled permutation of indices
    std::vector<std::string> misses; // keys that are not there
};

const Keys& keys() {
    static const Keys k = [] {
        Keys out;
        out.names.reserve(kKeys);
        char buf[32];
        for (size_t i = 0; i < kKeys; ++i) {
            int n = std::snprintf(buf, sizeof buf, "key:%012zu", i);
            out.names.emplace_back(buf, static_cast<size_t>(n));
        }
        out.order.resize(kKeys);
        for (size_t i = 0; i < kKeys; ++i) out.order[i] = static_cast<uint32_t>(i);
        std::mt19937_64 rng(42);
        std::shuffle(out.order.begin(), out.order.end(), rng);
        for (size_t i = 0; i < 4096; ++i) {
            int n = std::snprintf(buf, sizeof buf, "miss:%011zu", i * 7919);
            out.misses.emplace_back(buf, static_cast<size_t>(n));
        }
        return out;
    }();
    return k;
}

const std::string kValue(16, 'v');
const std::string kOther(16, 'w');

// The database every read benchmark shares: filled once, rehash finished,
// then every key touched once (warm-up: page faults and TLB done before any
// timing).
server::Database& full_db() {
    static server::Database* db = [] {
        const Keys& k = keys();
        auto* d = new server::Database();
        for (const std::string& name : k.names) d->set_string(name, kValue, false);
        while (d->dict().rehash_step(1000)) {
        }
        uint64_t found = 0;
        for (uint32_t i : k.order) found += d->lookup(k.names[i], kNowMs) != nullptr;
        if (found != kKeys) std::fprintf(stderr, "keyspace warm-up found %zu keys\n", size_t(found));
        return d;
    }();
    return *db;
}

void BM_Keyspace_Lookup(benchmark::State& state) {
    server::Database& db = full_db();
    const Keys& k = keys();
    size_t i = 0;
    uint64_t hits = 0;
    for (auto _ : state) {
        server::Entry* e = db.lookup(k.names[k.order[i]], kNowMs);
        hits += e != nullptr;
        benchmark::DoNotOptimize(e);
        if (++i == kKeys) i = 0;
    }
    if (hits != static_cast<uint64_t>(state.iterations())) state.SkipWithError("missing keys");
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Keyspace_Lookup)->MinWarmUpTime(0.2);

void BM_Keyspace_LookupMiss(benchmark::State& state) {
    server::Database& db = full_db();
    const Keys& k = keys();
    size_t i = 0;
    for (auto _ : state) {
        server::Entry* e = db.lookup(k.misses[i++ & 4095], kNowMs);
        benchmark::DoNotOptimize(e);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Keyspace_LookupMiss)->MinWarmUpTime(0.2);

void BM_Keyspace_SetExisting(benchmark::State& state) {
    server::Database& db = full_db();
    const Keys& k = keys();
    size_t i = 0;
    bool flip = false;
    const uint64_t allocs_before = bench::allocation_count();
    for (auto _ : state) {
        server::Entry* e = db.set_string(k.names[k.order[i]], flip ? kOther : kValue, false);
        benchmark::DoNotOptimize(e);
        if (++i == kKeys) {
            i = 0;
            flip = !flip;
        }
    }
    // Read before SetItemsProcessed, which inserts into the counter map.
    const uint64_t allocs = bench::allocation_count() - allocs_before;
    state.SetItemsProcessed(state.iterations());
    state.counters["allocs/op"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Keyspace_SetExisting)->MinWarmUpTime(0.2);

void BM_Keyspace_Insert(benchmark::State& state) {
    const Keys& k = keys();
    auto db = std::make_unique<server::Database>();
    size_t i = 0;
    for (auto _ : state) {
        server::Entry* e = db->set_string(k.names[k.order[i]], kValue, false);
        benchmark::DoNotOptimize(e);
        if (++i == kKeys) {
            state.PauseTiming();
            db = std::make_unique<server::Database>();
            i = 0;
            state.ResumeTiming();
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["keys_at_end"] = static_cast<double>(db->size());
}
// At least one full growth to 1M keys.
BENCHMARK(BM_Keyspace_Insert)->MinTime(1.5);

}  // namespace
