// The micro-benchmarks' entry point (the Makefile links -lbenchmark, not
// -lbenchmark_main). Run everything with `make bench`, or pick with
// `build/micro-bench --benchmark_filter=Parser`.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
