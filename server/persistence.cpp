#include "server/persistence.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/server.h"

namespace server {

namespace {

int64_t wall_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

Persistence::~Persistence() { kill_bgsave(); }

std::string Persistence::rdb_path() const { return server_.config().dbfilename; }

bool Persistence::saving_configured() const {
    auto points = parse_save_points(server_.config().save);
    return points && !points->empty();
}

uint64_t Persistence::changes_since_save() const { return server_.dirty() - dirty_at_save_; }

int64_t Persistence::current_bgsave_seconds() const {
    if (child_ <= 0) return -1;
    return (static_cast<int64_t>(server_.loop().now_ms()) - child_started_ms_) / 1000;
}

bool Persistence::load_at_start(std::string& error) {
    last_save_s_ = wall_seconds();
    std::string path = rdb_path();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return true;  // nothing saved yet
    RdbLoadResult r = rdb_load(path, server_.shared_databases(), static_cast<int64_t>(server_.loop().now_ms()));
    if (!r.ok) {
        error = r.error;
        return false;
    }
    keys_loaded_ = r.keys;
    server_.replication().restore_from_aux(r.aux);
    std::fprintf(stderr, "ringdis: loaded %zu keys from %s\n", r.keys, path.c_str());
    return true;
}

bool Persistence::save(std::string& error) {
    if (child_ > 0) {
        error = "ERR Background save already in progress";
        return false;
    }
    std::string why;
    if (!rdb_save_atomic(server_.shared_databases(), rdb_path(), static_cast<int64_t>(server_.loop().now_ms()),
                         why, server_.replication().rdb_aux())) {
        std::fprintf(stderr, "ringdis: SAVE to %s failed: %s\n", rdb_path().c_str(), why.c_str());
        error = "ERR";
        return false;
    }
    dirty_at_save_ = server_.dirty();
    last_save_s_ = wall_seconds();
    last_bgsave_ok_ = true;
    ++saves_;
    return true;
}

bool Persistence::start_bgsave(std::string& error) {
    if (child_ > 0) {
        error = "ERR Background save already in progress";
        return false;
    }
    last_try_s_ = wall_seconds();
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("ERR Can't BGSAVE: fork: ") + std::strerror(errno);
        last_bgsave_ok_ = false;
        return false;
    }
    if (pid == 0) {
        // The child owns a copy of the data as of the fork; it writes it and
        // leaves without running any destructor of the parent's objects.
        std::string why;
        bool ok = rdb_save_atomic(server_.shared_databases(), rdb_path(),
                                  static_cast<int64_t>(server_.loop().now_ms()), why, server_.replication().rdb_aux());
        if (!ok) std::fprintf(stderr, "ringdis: background save failed: %s\n", why.c_str());
        std::fflush(stderr);
        ::_exit(ok ? 0 : 1);
    }
    child_ = pid;
    child_started_ms_ = static_cast<int64_t>(server_.loop().now_ms());
    dirty_at_child_start_ = server_.dirty();
    std::fprintf(stderr, "ringdis: background saving started by pid %d\n", static_cast<int>(pid));
    return true;
}

void Persistence::kill_bgsave() {
    if (child_ <= 0) return;
    ::kill(child_, SIGUSR1);
    int status = 0;
    ::waitpid(child_, &status, 0);
    // The unfinished temporary file is the child's; remove it.
    std::string tmp = rdb_path() + ".tmp-" + std::to_string(static_cast<int>(child_));
    ::unlink(tmp.c_str());
    child_ = -1;
}

void Persistence::mark_clean() { dirty_at_save_ = server_.dirty(); }

void Persistence::after_flushall() {
    kill_bgsave();
    if (!saving_configured()) return;
    std::string error;
    save(error);
}

void Persistence::finish_bgsave(bool ok) {
    last_bgsave_seconds_ = (static_cast<int64_t>(server_.loop().now_ms()) - child_started_ms_) / 1000;
    last_bgsave_ok_ = ok;
    if (ok) {
        dirty_at_save_ = dirty_at_child_start_;
        last_save_s_ = wall_seconds();
        ++saves_;
        std::fprintf(stderr, "ringdis: background saving terminated with success\n");
    } else {
        std::fprintf(stderr, "ringdis: background saving error\n");
    }
    child_ = -1;
}

void Persistence::cron() {
    if (child_ > 0) {
        int status = 0;
        pid_t r = ::waitpid(child_, &status, WNOHANG);
        if (r == child_) finish_bgsave(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return;
    }
    auto points = parse_save_points(server_.config().save);
    if (!points || points->empty()) return;
    int64_t now = wall_seconds();
    uint64_t changes = changes_since_save();
    for (const SavePoint& p : *points) {
        // After a failed BGSAVE, retry only every 5 seconds, as Redis does.
        if (changes >= static_cast<uint64_t>(p.changes) && now - last_save_s_ > p.seconds &&
            (last_bgsave_ok_ || now - last_try_s_ > 5)) {
            std::fprintf(stderr, "ringdis: %lld changes in %lld seconds. Saving...\n",
                         static_cast<long long>(p.changes), static_cast<long long>(p.seconds));
            std::string error;
            start_bgsave(error);
            break;
        }
    }
}

}  // namespace server
