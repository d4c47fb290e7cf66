#include "server/slowlog.h"

namespace server {

namespace {
// Redis keeps at most 32 arguments of at most 128 bytes each.
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;
}  // namespace

void Slowlog::add(std::span<const std::string_view> argv, uint64_t duration_us, int64_t now_s,
                  std::string_view peer, std::string_view name, size_t max_len) {
    if (max_len == 0) return;
    SlowlogEntry e{next_id_++, now_s, duration_us, {}, std::string(peer), std::string(name)};
    size_t n = argv.size() > kMaxArgs ? kMaxArgs : argv.size();
    for (size_t i = 0; i < n; ++i) {
        if (n < argv.size() && i == n - 1) {
            e.argv.push_back("... (" + std::to_string(argv.size() - n + 1) + " more arguments)");
            break;
        }
        std::string_view a = argv[i];
        if (a.size() > kMaxArgLen) {
            e.argv.push_back(std::string(a.substr(0, kMaxArgLen)) + "... (" +
                             std::to_string(a.size() - kMaxArgLen) + " more bytes)");
        } else {
            e.argv.emplace_back(a);
        }
    }
    entries_.push_front(std::move(e));
    trim(max_len);
}

}  // namespace server
