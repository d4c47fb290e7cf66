// A connection's MULTI/WATCH state: the commands queued since MULTI, whether
// a queuing error or a touched watched key dooms EXEC, and the keys it
// watches. Allocated on the first MULTI or WATCH; most connections never
// have one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace server {

struct Command;
class Database;

struct QueuedCommand {
    const Command* cmd;
    // The arguments packed in one string, with each one's length.
    std::string bytes;
    std::vector<uint32_t> lengths;
};

struct WatchedKey {
    Database* db;
    std::string key;
    bool expired_at_watch;  // already logically expired when WATCHed
};

struct TransactionState {
    bool in_multi = false;
    bool dirty_exec = false;  // a command was rejected while queuing
    bool dirty_cas = false;   // a watched key was touched
    std::vector<QueuedCommand> queue;
    std::vector<WatchedKey> watched;

    void queue_command(const Command* cmd, std::span<const std::string_view> argv) {
        QueuedCommand& q = queue.emplace_back();
        q.cmd = cmd;
        for (std::string_view a : argv) {
            q.bytes.append(a);
            q.lengths.push_back(static_cast<uint32_t>(a.size()));
        }
    }
    void reset_multi() {
        in_multi = false;
        dirty_exec = false;
        queue.clear();
    }
};

// The argument vector of a queued command, as views into its bytes.
inline std::vector<std::string_view> queued_argv(const QueuedCommand& q) {
    std::vector<std::string_view> argv;
    argv.reserve(q.lengths.size());
    size_t pos = 0;
    for (uint32_t len : q.lengths) {
        argv.emplace_back(q.bytes.data() + pos, len);
        pos += len;
    }
    return argv;
}

}  // namespace server
