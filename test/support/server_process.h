// A server under test as a child process: ringdis (build/ringdis-server) or
// the oracle (Debian's redis-server), on a free ephemeral port of 127.0.0.1,
// in its own temporary directory, with its output in a log file there.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "test/support/run_process.h"

namespace testsupport {

struct ServerOptions {
    std::string binary;
    std::vector<std::string> args;  // besides --port, which start() adds
    // Before --port: a configuration file, which redis-sentinel takes
    // only as its first argument.
    std::vector<std::string> leading_args;
    // Add the oracle's flags: --bind 127.0.0.1 --save '' --appendonly no
    // --dir <temp dir>. Ringdis gets --bind 127.0.0.1 only.
    bool oracle = false;
    std::chrono::milliseconds ready_timeout{10000};
    // When not 0: the server's RLIMIT_NOFILE (soft and hard), set in the
    // child before exec, as `prlimit --nofile=N:N` would. It may only lower
    // the hard limit, or raise the soft one up to it.
    uint64_t open_files_limit = 0;
};

// The server under test (server_binary(), normally build/ringdis-server)
// with `args`. When $RINGDIS_SERVER points at redis-server, it gets the
// oracle's flags instead, so the tests can be checked against Redis itself.
ServerOptions ringdis_options(std::vector<std::string> args = {});
// The server under test with the oracle's persistence settings (no save
// schedule, no append-only file), for tests that compare the two.
ServerOptions ringdis_like_oracle_options(std::vector<std::string> args = {});
// The oracle, redis-server, with `args` after its own flags.
ServerOptions oracle_options(std::vector<std::string> args = {});

class ServerProcess {
public:
    ServerProcess() = default;
    // Kills (SIGKILL) whatever is still running and removes the directory.
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Starts the server and waits, with a deadline and without a fixed
    // sleep, until it listens on its port. A server that exits first (its
    // port was taken in the meantime) is retried on another port, a few
    // times. On failure returns false; error() says why, with the log.
    bool start(const ServerOptions& options);

    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& dir() const { return dir_; }
    std::string log_path() const { return dir_ + "/server.log"; }
    const std::string& error() const { return error_; }
    std::string read_log() const;
    // The last `max_bytes` of the log, for failure messages.
    std::string log_tail(size_t max_bytes = 4000) const;
    // The log's lines that report a sanitizer finding (AddressSanitizer,
    // LeakSanitizer, UBSan's "runtime error:"), which do not always stop
    // the server; empty when there are none.
    std::string sanitizer_findings() const;

    // True while the process has not exited (reaps it when it has; the exit
    // status is then available from exit_status()).
    bool running();
    const ExitStatus& exit_status() const { return exit_status_; }

    // Sends `sig` and waits for the exit until `timeout`; past it, SIGKILL
    // and timed_out in the result. Returns the recorded status when the
    // process had already exited.
    ExitStatus signal_and_wait(int sig, std::chrono::milliseconds timeout);
    // SIGTERM, wait up to `grace`, then SIGKILL.
    ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

private:
    bool spawn(const ServerOptions& options, int port);
    bool wait_listening(std::chrono::steady_clock::time_point deadline);

    std::string dir_;
    std::string error_;
    pid_t pid_ = -1;
    int port_ = 0;
    ExitStatus exit_status_;
};

// A port that was free on 127.0.0.1 a moment ago (bound to :0 and released).
int pick_free_port();

}  // namespace testsupport
