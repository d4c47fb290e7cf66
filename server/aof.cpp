#include "server/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "protocol/resp_parser.h"
#include "protocol/ring_buffer.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/database.h"
#include "server/effects.h"
#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/server.h"

namespace server {

namespace {

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = std::move(ss).str();
    return true;
}

}  // namespace

Aof::~Aof() {
    if (child_ > 0) {
        ::kill(child_, SIGUSR1);
        ::waitpid(child_, nullptr, 0);
    }
    close();
}

std::string Aof::path() const { return server_.config().appendfilename; }

void Aof::append_command(std::string& out, int& selected, int db, std::span<const std::string_view> argv) {
    if (selected != db) {
        std::string n = std::to_string(db);
        std::string_view sel[] = {"SELECT", n};
        append_resp_command(out, sel);
        selected = db;
    }
    append_resp_command(out, argv);
}

// `logged` is already the command's effect (server/effects.h).
void Aof::feed(int db, std::span<const std::string_view> logged) {
    if (fd_ < 0 && child_ <= 0) return;
    if (in_transaction_ && !transaction_open_) {
        std::string_view multi[] = {"MULTI"};
        if (fd_ >= 0) append_command(buf_, selected_db_, db, multi);
        if (child_ > 0) append_command(rewrite_buf_, rewrite_selected_db_, db, multi);
        transaction_open_ = true;
    }
    if (fd_ >= 0) append_command(buf_, selected_db_, db, logged);
    if (child_ > 0) append_command(rewrite_buf_, rewrite_selected_db_, db, logged);
}

void Aof::end_transaction() {
    if (transaction_open_) {
        std::string_view exec[] = {"EXEC"};
        if (fd_ >= 0) append_resp_command(buf_, exec);
        if (child_ > 0) append_resp_command(rewrite_buf_, exec);
    }
    in_transaction_ = false;
    transaction_open_ = false;
}

void Aof::write_pending() {
    if (buf_.empty() || fd_ < 0) return;
    if (!write_all(fd_, buf_)) {
        // Redis refuses writes after a failed AOF write; we keep the bytes
        // and retry on the next pass, and the replies wait for them.
        if (last_write_ok_) std::fprintf(stderr, "ringdis: writing %s: %s\n", path().c_str(), std::strerror(errno));
        last_write_ok_ = false;
        return;
    }
    last_write_ok_ = true;
    size_ += buf_.size();
    buf_.clear();
    const std::string& mode = server_.config().appendfsync;
    if (mode == "always") {
        ::fdatasync(fd_);
    } else if (mode == "everysec") {
        std::lock_guard<std::mutex> lock(mu_);
        written_since_sync_ = true;
    }
}

void Aof::cron() {
    const uint64_t now = server_.loop().now_ms();
    if (fd_ >= 0 && server_.config().appendfsync == "everysec" && now - last_fsync_request_ms_ >= 1000) {
        last_fsync_request_ms_ = now;
        std::lock_guard<std::mutex> lock(mu_);
        if (written_since_sync_) {
            written_since_sync_ = false;
            fsync_wanted_ = true;
            cv_.notify_one();
        }
    }
    if (child_ > 0) {
        int status = 0;
        if (::waitpid(child_, &status, WNOHANG) == child_) finish_rewrite(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

void Aof::start_fsync_thread() {
    if (fsync_thread_.joinable()) return;
    stopping_ = false;
    fsync_thread_ = std::thread([this] { fsync_loop(); });
}

void Aof::stop_fsync_thread() {
    if (!fsync_thread_.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        cv_.notify_one();
    }
    fsync_thread_.join();
}

void Aof::fsync_loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return fsync_wanted_ || stopping_; });
        if (stopping_) return;
        fsync_wanted_ = false;
        int fd = fd_;
        lock.unlock();
        if (fd >= 0) ::fdatasync(fd);
        lock.lock();
    }
}

bool Aof::open(std::string& error) {
    if (fd_ >= 0) return true;
    struct stat st {};
    const std::string p = path();
    if (::stat(p.c_str(), &st) != 0) {
        // A new log starts from the data already here (loaded from the RDB
        // or written before appendonly was turned on), as an RDB preamble.
        std::string why;
        if (!rdb_save_atomic(server_.shared_databases(), p, static_cast<int64_t>(server_.loop().now_ms()), why)) {
            error = "creating " + p + ": " + why;
            return false;
        }
        ::stat(p.c_str(), &st);
    }
    fd_ = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        error = "opening " + p + ": " + std::strerror(errno);
        return false;
    }
    size_ = static_cast<uint64_t>(st.st_size);
    selected_db_ = -1;
    start_fsync_thread();
    return true;
}

void Aof::close() {
    if (fd_ < 0) return;
    write_pending();
    stop_fsync_thread();
    ::fsync(fd_);
    ::close(fd_);
    fd_ = -1;
}

bool Aof::load(std::string& error, bool& loaded) {
    loaded = false;
    const std::string p = path();
    std::string data;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return true;
    if (!read_file(p, data)) {
        error = "reading " + p + ": " + std::strerror(errno);
        return false;
    }
    loaded = true;
    const int64_t now = static_cast<int64_t>(server_.loop().now_ms());
    size_t pos = 0;
    if (data.starts_with("REDIS")) {
        RdbLoadResult r = rdb_load_bytes(data, p, server_.shared_databases(), now);
        if (!r.ok) {
            error = "Bad file format reading the append only file: " + r.error;
            return false;
        }
        pos = static_cast<size_t>(r.offset);
    }
    // Replayed through a connection of its own that never blocks and whose
    // replies are dropped.
    Connection replay(server_, -1, 0, "aof", "");
    replay.set_replaying(true);
    protocol::RespParser parser;
    protocol::RingBuffer ring(1 << 16);
    size_t consumed = pos;      // bytes of whole commands run so far
    size_t multi_start = pos;   // where an unfinished MULTI began
    size_t commands = 0;
    size_t fed = pos;
    bool truncated = false;
    while (consumed < data.size() || fed < data.size()) {
        if (fed < data.size() && ring.free_space() > 0) {
            std::span<char> room = ring.writable();
            size_t n = std::min(room.size(), data.size() - fed);
            std::memcpy(room.data(), data.data() + fed, n);
            ring.commit(n);
            fed += n;
        }
        protocol::ParseStatus s = parser.parse(ring);
        if (s == protocol::ParseStatus::kNeedMore) {
            if (fed >= data.size()) {
                truncated = true;
                break;
            }
            if (ring.free_space() == 0) ring.reserve(ring.capacity() * 2);
            continue;
        }
        if (s == protocol::ParseStatus::kError) {
            error = "Bad file format reading the append only file " + p + " at offset " + std::to_string(consumed) +
                    ": " + parser.error_message();
            server_.shared_databases().clear_all();
            return false;
        }
        const auto& argv = parser.args();
        if (!argv.empty()) {
            if (!replay.in_multi() && equals_nocase(argv[0], "multi")) multi_start = consumed;
            replay.run_command(argv);
            replay.discard_output();
            ++commands;
        }
        consumed += parser.frame_size();
        ring.consume(parser.frame_size());
    }
    size_t good = consumed;
    if (replay.in_multi()) {
        // A transaction cut short by a crash never happened.
        good = multi_start;
        truncated = true;
    }
    if (truncated && good < data.size()) {
        std::fprintf(stderr,
                     "ringdis: !!! Warning: short read while loading the AOF file %s: truncating it from %zu "
                     "to %zu bytes (the last command was incomplete)\n",
                     p.c_str(), data.size(), good);
        if (::truncate(p.c_str(), static_cast<off_t>(good)) != 0) {
            error = "truncating " + p + ": " + std::strerror(errno);
            return false;
        }
    }
    std::fprintf(stderr, "ringdis: DB loaded from append only file %s: %zu commands\n", p.c_str(), commands);
    return true;
}

bool Aof::start_rewrite(std::string& error) {
    if (child_ > 0) {
        error = "ERR Background append only file rewriting already in progress";
        return false;
    }
    write_pending();
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("ERR Can't rewrite append only file in background: fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        std::string tmp = "temp-rewriteaof-bg-" + std::to_string(::getpid()) + ".aof";
        std::string why;
        bool ok = rdb_save(server_.shared_databases(), tmp, static_cast<int64_t>(server_.loop().now_ms()), why);
        if (!ok) std::fprintf(stderr, "ringdis: AOF rewrite failed: %s\n", why.c_str());
        ::_exit(ok ? 0 : 1);
    }
    child_ = pid;
    rewrite_buf_.clear();
    rewrite_selected_db_ = -1;
    std::fprintf(stderr, "ringdis: background append only file rewriting started by pid %d\n", static_cast<int>(pid));
    return true;
}

void Aof::finish_rewrite(bool ok) {
    std::string tmp = "temp-rewriteaof-bg-" + std::to_string(static_cast<int>(child_)) + ".aof";
    child_ = -1;
    if (ok) {
        int fd = ::open(tmp.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        ok = fd >= 0 && write_all(fd, rewrite_buf_) && ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        if (ok && fd_ >= 0) {
            // Everything fed so far is in the new file: switch to it.
            buf_.clear();
            stop_fsync_thread();
            ::close(fd_);
            fd_ = -1;
            ok = ::rename(tmp.c_str(), path().c_str()) == 0;
            std::string error;
            if (!open(error)) {
                std::fprintf(stderr, "ringdis: reopening the AOF after a rewrite: %s\n", error.c_str());
                ok = false;
            }
        } else if (ok) {
            ok = ::rename(tmp.c_str(), path().c_str()) == 0;
        }
    }
    if (!ok) ::unlink(tmp.c_str());
    rewrite_buf_.clear();
    rewrite_buf_.shrink_to_fit();
    last_rewrite_ok_ = ok;
    if (ok) ++rewrites_;
    std::fprintf(stderr, "ringdis: background AOF rewrite %s\n", ok ? "finished successfully" : "failed");
}

}  // namespace server
