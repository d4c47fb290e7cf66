#include "test/support/run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) return 0;
    return static_cast<int>(left.count());
}

std::vector<char*> to_c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    out.reserve(argv.size() + 1);
    for (const std::string& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

bool ExitStatus::exited() const { return !timed_out && WIFEXITED(wait_status); }
int ExitStatus::code() const { return exited() ? WEXITSTATUS(wait_status) : -1; }
bool ExitStatus::signaled() const { return !timed_out && WIFSIGNALED(wait_status); }
int ExitStatus::signal() const { return signaled() ? WTERMSIG(wait_status) : 0; }

std::string ExitStatus::describe() const {
    if (timed_out) return "timed out (killed)";
    if (exited()) return "exit " + std::to_string(code());
    if (signaled()) return "killed by signal " + std::to_string(signal()) + " (" + strsignal(signal()) + ")";
    return "wait status " + std::to_string(wait_status);
}

void close_inherited_fds() {
    // close_range is in every kernel these tests run on; the loop is the
    // fallback for an old one.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
    for (int fd = 3; fd < 4096; ++fd) ::close(fd);
}

ExitStatus wait_for_exit(pid_t pid, Clock::time_point deadline) {
    ExitStatus status;
    // Polling with a short, growing interval: a child has no fd to wait on.
    auto nap = std::chrono::microseconds(200);
    for (;;) {
        pid_t got = ::waitpid(pid, &status.wait_status, WNOHANG);
        if (got == pid) return status;
        if (got < 0 && errno != EINTR) {
            status.timed_out = true;  // not our child any more: nothing to reap
            return status;
        }
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(nap);
        if (nap < std::chrono::milliseconds(10)) nap *= 2;
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status.wait_status, 0) < 0 && errno == EINTR) {
    }
    status.timed_out = true;
    return status;
}

RunResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      std::string_view stdin_data) {
    RunResult result;
    Clock::time_point deadline = Clock::now() + timeout;
    int out_pipe[2];
    int in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        result.output = std::string("pipe: ") + std::strerror(errno);
        result.status.timed_out = true;
        return result;
    }
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        result.output = std::string("pipe: ") + std::strerror(errno);
        result.status.timed_out = true;
        return result;
    }
    std::vector<char*> c_argv = to_c_argv(argv);
    // Formatted before fork: the child may only make async-signal-safe calls.
    std::string exec_failed = "cannot execute " + (argv.empty() ? std::string() : argv[0]) + "\n";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(out_pipe[1], 2);
        close_inherited_fds();
        ::execvp(c_argv[0], c_argv.data());
        ssize_t ignored = ::write(2, exec_failed.data(), exec_failed.size());
        (void)ignored;
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    if (pid < 0) {
        ::close(in_pipe[1]);
        ::close(out_pipe[0]);
        result.output = std::string("fork: ") + std::strerror(errno);
        result.status.timed_out = true;
        return result;
    }

    // Feed stdin and drain stdout together, so neither pipe can fill up and
    // stall the child.
    int in_fd = in_pipe[1];
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    size_t written = 0;
    if (stdin_data.empty()) {
        ::close(in_fd);
        in_fd = -1;
    }
    int out_fd = out_pipe[0];
    char chunk[16384];
    while (out_fd >= 0 && Clock::now() < deadline) {
        pollfd fds[2];
        nfds_t count = 0;
        fds[count++] = {out_fd, POLLIN, 0};
        if (in_fd >= 0) fds[count++] = {in_fd, POLLOUT, 0};
        int ready = ::poll(fds, count, ms_until(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        if (in_fd >= 0 && fds[1].revents != 0) {
            ssize_t n = ::write(in_fd, stdin_data.data() + written, stdin_data.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_data.size()) {
                ::close(in_fd);
                in_fd = -1;
            }
        }
        if (fds[0].revents != 0) {
            ssize_t n = ::read(out_fd, chunk, sizeof chunk);
            if (n > 0) {
                result.output.append(chunk, static_cast<size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                ::close(out_fd);
                out_fd = -1;
            }
        }
    }
    if (in_fd >= 0) ::close(in_fd);
    if (out_fd >= 0) ::close(out_fd);
    result.status = wait_for_exit(pid, deadline);
    return result;
}

}  // namespace testsupport
