// Child processes for the tests: run a program to completion with a
// deadline and capture what it prints, and the exit status type shared with
// server_process.h.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace testsupport {

// How a child ended, as waitpid reported it, or that it did not end in time
// (it was then killed with SIGKILL).
struct ExitStatus {
    int wait_status = 0;
    bool timed_out = false;

    bool exited() const;
    int code() const;  // the exit code; -1 unless exited()
    bool signaled() const;
    int signal() const;  // the terminating signal; 0 unless signaled()
    bool success() const { return exited() && code() == 0; }
    // "exit 0", "exit 1", "killed by signal 9", "timed out (killed)".
    std::string describe() const;
};

struct RunResult {
    ExitStatus status;
    std::string output;  // stdout and stderr interleaved, as a terminal shows them
};

// Runs argv (argv[0] is looked up in $PATH when it has no '/'), writes
// `stdin_data` to its standard input and closes it, and collects its output
// until it exits. Past `timeout` the child is killed and the result says so.
RunResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      std::string_view stdin_data = {});

// Waits for `pid` to exit until `deadline`; on time-out sends SIGKILL, reaps
// it and reports timed_out.
ExitStatus wait_for_exit(pid_t pid, std::chrono::steady_clock::time_point deadline);

// In a freshly forked child: closes every descriptor above 2, so that the
// child holds none of the test's sockets (which would keep connections open
// after the test closes them). Async-signal-safe.
void close_inherited_fds();

}  // namespace testsupport
