#include "server/cycles.h"

#include <chrono>
#include <thread>

namespace server {

double cycles_per_us() {
    static const double rate = [] {
        using clock = std::chrono::steady_clock;
        auto t0 = clock::now();
        uint64_t c0 = cycles_now();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        uint64_t c1 = cycles_now();
        auto t1 = clock::now();
        double us = static_cast<double>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) / 1000.0;
        double r = us > 0 ? static_cast<double>(c1 - c0) / us : 1.0;
        return r > 0 ? r : 1.0;
    }();
    return rate;
}

}  // namespace server
