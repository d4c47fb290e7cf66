// RDB snapshots for the server: load at start, SAVE on the loop, BGSAVE in
// a fork()ed child while the loop keeps serving, the `save` schedule, and
// the figures INFO persistence shows. The file format is rdb_writer's and
// rdb_reader's; this class decides when and where.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace server {

class Server;

class Persistence {
public:
    explicit Persistence(Server& server) : server_(server) {}
    ~Persistence();

    // The snapshot's path: dbfilename in the working directory (--dir).
    std::string rdb_path() const;

    // At start: loads the snapshot if there is one. False (with a message
    // naming the file and offset) when it exists but cannot be loaded.
    bool load_at_start(std::string& error);

    // SAVE: writes the snapshot now, on the loop.
    bool save(std::string& error);
    // BGSAVE: forks a child that writes the snapshot.
    bool start_bgsave(std::string& error);
    bool bgsave_in_progress() const { return child_ > 0; }
    // Ends a running BGSAVE (shutdown, FLUSHALL as Redis does).
    void kill_bgsave();

    // FLUSHALL: drops a running BGSAVE and, with a schedule, saves the
    // now empty dataset.
    void after_flushall();

    // After loading: what was loaded counts as saved.
    void mark_clean();

    // From the server's cron: reaps a finished child, starts a BGSAVE when
    // a `save` point is due.
    void cron();

    // Whether shutdown should save: a schedule is configured.
    bool saving_configured() const;

    // INFO persistence.
    uint64_t changes_since_save() const;
    int64_t last_save_time() const { return last_save_s_; }
    bool last_bgsave_ok() const { return last_bgsave_ok_; }
    int64_t last_bgsave_seconds() const { return last_bgsave_seconds_; }
    int64_t current_bgsave_seconds() const;
    uint64_t saves() const { return saves_; }
    uint64_t keys_loaded() const { return keys_loaded_; }

private:
    void finish_bgsave(bool ok);

    Server& server_;
    pid_t child_ = -1;
    int64_t child_started_ms_ = 0;
    uint64_t dirty_at_child_start_ = 0;
    uint64_t dirty_at_save_ = 0;
    int64_t last_save_s_ = 0;
    int64_t last_try_s_ = 0;
    bool last_bgsave_ok_ = true;
    int64_t last_bgsave_seconds_ = -1;
    uint64_t saves_ = 0;
    uint64_t keys_loaded_ = 0;
};

}  // namespace server
