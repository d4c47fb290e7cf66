// Command lookup: CommandTable::find on the names clients really send, in
// the cases they send them (redis-benchmark sends upper case, redis-py lower
// case, people mixed), plus a miss. One lookup per command on the hot path.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>

#include "server/command_table.h"

namespace {

const server::CommandTable& table() {
    static const server::CommandTable t;
    return t;
}

void BM_CommandTable_Find(benchmark::State& state) {
    static constexpr std::array<std::string_view, 16> kNames = {
        "SET", "get", "Incr", "LPUSH", "hset", "ZAdd", "mset", "PING",
        "GET", "set", "expire", "Rpop", "SADD", "hGetAll", "client", "zrangebyscore"};
    const server::CommandTable& t = table();
    size_t i = 0;
    for (auto _ : state) {
        const server::Command* c = t.find(kNames[i++ & (kNames.size() - 1)]);
        benchmark::DoNotOptimize(c);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CommandTable_Find);

void BM_CommandTable_FindMiss(benchmark::State& state) {
    static constexpr std::array<std::string_view, 4> kNames = {"NOSUCH", "gett", "x", "SETXYZ"};
    const server::CommandTable& t = table();
    size_t i = 0;
    for (auto _ : state) {
        const server::Command* c = t.find(kNames[i++ & (kNames.size() - 1)]);
        benchmark::DoNotOptimize(c);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CommandTable_FindMiss);

}  // namespace
