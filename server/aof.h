// The append-only file: every command that changed data, as RESP, appended
// before the replies that acknowledge it leave the server. With
// appendfsync always the file is fdatasync()ed before those replies go out;
// with everysec a helper thread fdatasync()s once a second, off the loop;
// with no the kernel decides. BGREWRITEAOF compacts the file in a fork()ed
// child: the dataset as an RDB preamble, then the commands that arrived
// meanwhile. Loading replays the file; a truncated last command is trimmed
// with a warning, damage earlier refuses to start.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

namespace server {

class Server;
class Database;

class Aof {
public:
    explicit Aof(Server& server) : server_(server) {}
    ~Aof();
    Aof(const Aof&) = delete;
    Aof& operator=(const Aof&) = delete;

    std::string path() const;
    bool active() const { return fd_ >= 0; }
    // Whether feed() has anywhere to write (the file, or a rewrite's buffer).
    bool feeding() const { return fd_ >= 0 || child_ > 0; }

    // At start with appendonly yes: replays the file if there is one
    // (true with *loaded set), else leaves the dataset to the RDB.
    bool load(std::string& error, bool& loaded);
    // Opens the file for appending; if it does not exist it is created
    // from the current dataset. Starts the fsync thread for everysec.
    bool open(std::string& error);
    // appendonly no: flushes, fsyncs and closes.
    void close();

    // The effect of a command that changed data in database `db`.
    void feed(int db, std::span<const std::string_view> effect);
    // EXEC: its commands go into the log between MULTI and EXEC.
    void begin_transaction() { in_transaction_ = true; }
    void end_transaction();

    // Bytes fed but not yet written (and, with always, not yet synced):
    // replies must wait for them.
    bool has_unwritten() const { return !buf_.empty(); }
    // Before the loop sleeps, before any reply is sent: write, and fsync
    // with appendfsync always.
    void write_pending();
    // Once a second: asks the helper thread to fsync (everysec); reaps the
    // rewrite child.
    void cron();

    bool start_rewrite(std::string& error);
    bool rewrite_in_progress() const { return child_ > 0; }
    bool last_rewrite_ok() const { return last_rewrite_ok_; }
    bool last_write_ok() const { return last_write_ok_; }
    uint64_t rewrites() const { return rewrites_; }
    uint64_t current_size() const { return size_; }

private:
    void append_command(std::string& out, int& selected, int db, std::span<const std::string_view> argv);
    void finish_rewrite(bool ok);
    void start_fsync_thread();
    void stop_fsync_thread();
    void fsync_loop();

    Server& server_;
    int fd_ = -1;
    std::string buf_;
    int selected_db_ = -1;
    bool in_transaction_ = false;
    bool transaction_open_ = false;  // MULTI written for the current EXEC
    uint64_t size_ = 0;
    bool last_write_ok_ = true;

    // BGREWRITEAOF
    pid_t child_ = -1;
    std::string rewrite_buf_;  // commands fed while the child writes
    int rewrite_selected_db_ = -1;
    bool last_rewrite_ok_ = true;
    uint64_t rewrites_ = 0;

    // everysec: the helper thread that fsyncs.
    std::thread fsync_thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool fsync_wanted_ = false;
    bool stopping_ = false;
    bool written_since_sync_ = false;
    uint64_t last_fsync_request_ms_ = 0;
};

}  // namespace server
