#include "test/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test/support/paths.h"

namespace testsupport {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string make_temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "ringdis-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return {};
    return tmpl;
}

// The inodes of the sockets listening on `port` according to one of the
// /proc/net/tcp tables (IPv4 or IPv6). Reading these tells us that the
// server listens without opening a connection to it, which would count as a
// client (and break --maxclients tests).
std::vector<std::string> listening_inodes(const char* table, int port) {
    std::vector<std::string> inodes;
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode;
        if (state != "0A") continue;  // TCP_LISTEN
        size_t colon = local.rfind(':');
        if (colon == std::string::npos) continue;
        if (std::strtol(local.c_str() + colon + 1, nullptr, 16) != port) continue;
        inodes.push_back(inode);
    }
    return inodes;
}

bool process_owns_socket(pid_t pid, const std::vector<std::string>& inodes) {
    std::error_code ec;
    fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
    if (ec) return false;
    for (const fs::directory_entry& entry : it) {
        fs::path target = fs::read_symlink(entry.path(), ec);
        if (ec) continue;
        for (const std::string& inode : inodes) {
            if (target.string() == "socket:[" + inode + "]") return true;
        }
    }
    return false;
}

}  // namespace

ServerOptions ringdis_options(std::vector<std::string> args) {
    ServerOptions options;
    options.binary = server_binary();
    options.args = std::move(args);
    options.oracle = server_is_oracle();
    return options;
}

ServerOptions ringdis_like_oracle_options(std::vector<std::string> args) {
    args.insert(args.begin(), {"--save", "", "--appendonly", "no"});
    return ringdis_options(std::move(args));
}

ServerOptions oracle_options(std::vector<std::string> args) {
    ServerOptions options;
    options.binary = oracle_binary();
    options.args = std::move(args);
    options.oracle = true;
    return options;
}

int pick_free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    int port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (!dir_.empty()) {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
}

bool ServerProcess::start(const ServerOptions& options) {
    error_.clear();
    if (options.binary.empty() || ::access(options.binary.c_str(), X_OK) != 0) {
        error_ = "server binary not found or not executable: '" + options.binary + "'";
        return false;
    }
    if (dir_.empty()) dir_ = make_temp_dir();
    if (dir_.empty()) {
        error_ = std::string("mkdtemp: ") + std::strerror(errno);
        return false;
    }
    constexpr int kAttempts = 4;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        int port = pick_free_port();
        if (port == 0) {
            error_ = "no free port on 127.0.0.1";
            return false;
        }
        if (!spawn(options, port)) return false;
        if (wait_listening(Clock::now() + options.ready_timeout)) return true;
        if (running()) {  // alive but not listening in time: give up
            stop(std::chrono::milliseconds(1000));
            error_ = "server did not listen on port " + std::to_string(port) + " within " +
                     std::to_string(options.ready_timeout.count()) + " ms; log:\n" + log_tail();
            return false;
        }
        error_ = "server exited (" + exit_status_.describe() + ") before listening on port " +
                 std::to_string(port) + "; log:\n" + log_tail();
    }
    return false;
}

bool ServerProcess::spawn(const ServerOptions& options, int port) {
    std::vector<std::string> argv = {options.binary};
    argv.insert(argv.end(), options.leading_args.begin(), options.leading_args.end());
    argv.insert(argv.end(), {"--port", std::to_string(port), "--bind", "127.0.0.1"});
    if (options.oracle) {
        argv.insert(argv.end(), {"--save", "", "--appendonly", "no", "--dir", dir_});
    }
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    std::vector<char*> c_argv;
    for (std::string& arg : argv) c_argv.push_back(arg.data());
    c_argv.push_back(nullptr);

    // Everything the child needs is opened before fork: after it, only
    // async-signal-safe calls.
    int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) {
        error_ = "open " + log_path() + ": " + std::strerror(errno);
        if (log_fd >= 0) ::close(log_fd);
        if (null_fd >= 0) ::close(null_fd);
        return false;
    }
    std::string banner = "=== start: port " + std::to_string(port) + "\n";
    ssize_t ignored = ::write(log_fd, banner.data(), banner.size());
    (void)ignored;
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    if (options.open_files_limit != 0) {
        const auto want = static_cast<rlim_t>(options.open_files_limit);
        nofile.rlim_cur = want < nofile.rlim_max ? want : nofile.rlim_max;
        nofile.rlim_max = nofile.rlim_cur;
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
        // The server dies with the test process (more exactly, with the
        // thread that started it, which is the test's main thread), so a
        // crashed test leaves no server behind.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(126);
        if (::chdir(dir_.c_str()) != 0) ::_exit(125);
        ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        close_inherited_fds();
        if (options.open_files_limit != 0 && ::setrlimit(RLIMIT_NOFILE, &nofile) != 0) ::_exit(124);
        ::execv(c_argv[0], c_argv.data());
        ::_exit(127);
    }
    ::close(log_fd);
    ::close(null_fd);
    if (pid < 0) {
        error_ = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    pid_ = pid;
    port_ = port;
    exit_status_ = ExitStatus{};
    return true;
}

bool ServerProcess::wait_listening(Clock::time_point deadline) {
    auto nap = std::chrono::microseconds(200);
    while (Clock::now() < deadline) {
        if (!running()) return false;
        std::vector<std::string> inodes = listening_inodes("/proc/net/tcp", port_);
        std::vector<std::string> v6 = listening_inodes("/proc/net/tcp6", port_);
        inodes.insert(inodes.end(), v6.begin(), v6.end());
        if (!inodes.empty() && process_owns_socket(pid_, inodes)) return true;
        std::this_thread::sleep_for(nap);
        if (nap < std::chrono::milliseconds(5)) nap *= 2;
    }
    return false;
}

bool ServerProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == 0) return true;
    if (got == pid_) {
        exit_status_ = ExitStatus{status, false};
    } else {
        exit_status_ = ExitStatus{0, true};  // lost track of it
    }
    pid_ = -1;
    return false;
}

ExitStatus ServerProcess::signal_and_wait(int sig, std::chrono::milliseconds timeout) {
    if (!running()) return exit_status_;
    ::kill(pid_, sig);
    exit_status_ = wait_for_exit(pid_, Clock::now() + timeout);
    pid_ = -1;
    return exit_status_;
}

ExitStatus ServerProcess::stop(std::chrono::milliseconds grace) {
    return signal_and_wait(SIGTERM, grace);
}

std::string ServerProcess::read_log() const {
    std::ifstream in(log_path(), std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string ServerProcess::log_tail(size_t max_bytes) const {
    std::string log = read_log();
    if (log.size() <= max_bytes) return log;
    return "..." + log.substr(log.size() - max_bytes);
}

std::string ServerProcess::sanitizer_findings() const {
    std::istringstream log(read_log());
    std::string line;
    std::string findings;
    while (std::getline(log, line)) {
        if (line.find("runtime error:") != std::string::npos ||
            line.find("Sanitizer") != std::string::npos) {
            findings += line + "\n";
        }
    }
    return findings;
}

}  // namespace testsupport
