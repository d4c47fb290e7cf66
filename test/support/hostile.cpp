#include "test/support/hostile.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <sstream>
#include <thread>

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t status_kib(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) == 0) return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10);
    }
    return 0;
}

}  // namespace

uint64_t resident_bytes(pid_t pid) { return status_kib(pid, "VmRSS") * 1024; }

uint64_t peak_resident_bytes(pid_t pid) { return status_kib(pid, "VmHWM") * 1024; }

double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name (field 2) may hold spaces; count fields after it.
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return 0;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // Fields 3..13 come first; utime is field 14, stime field 15.
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

size_t open_fd_count(pid_t pid) {
    std::error_code ec;
    size_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec)) {
        ++n;
    }
    return n;
}

uint64_t raise_open_files_limit(uint64_t want) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
    if (lim.rlim_cur < want) {
        rlimit raised = lim;
        raised.rlim_cur = want < lim.rlim_max ? want : lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    return lim.rlim_cur;
}

int64_t info_number(RespClient& client, const std::string& section, const std::string& field) {
    std::string info = client.command({"INFO", section});
    std::string key = "\r\n" + field + ":";
    size_t at = info.find(key);
    if (at == std::string::npos) return -1;
    return std::strtoll(info.c_str() + at + key.size(), nullptr, 10);
}

bool wait_for_info(RespClient& client, const std::string& section, const std::string& field, int64_t want,
                   std::chrono::milliseconds timeout, int64_t* last) {
    const auto deadline = Clock::now() + timeout;
    auto nap = std::chrono::milliseconds(1);
    for (;;) {
        int64_t v = info_number(client, section, field);
        if (last) *last = v;
        if (v == want) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(nap);
        if (nap < std::chrono::milliseconds(50)) nap *= 2;
    }
}

int connect_raw(int port, int receive_buffer) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int rc;
    do {
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void close_with_reset(int fd) {
    linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
}

std::vector<Gathered> gather(const std::vector<int>& fds, std::chrono::milliseconds quiet,
                             std::chrono::milliseconds limit) {
    std::vector<Gathered> out(fds.size());
    std::vector<bool> done(fds.size(), false);
    for (int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const auto end = Clock::now() + limit;
    auto last_news = Clock::now();
    size_t open = fds.size();
    char buf[65536];
    while (open > 0) {
        const auto now = Clock::now();
        if (now >= end || now - last_news >= quiet) break;
        std::vector<pollfd> pfds;
        std::vector<size_t> which;
        for (size_t i = 0; i < fds.size(); ++i) {
            if (done[i]) continue;
            pfds.push_back({fds[i], POLLIN, 0});
            which.push_back(i);
        }
        int rc = ::poll(pfds.data(), pfds.size(), 20);
        if (rc < 0 && errno != EINTR) break;
        for (size_t k = 0; rc > 0 && k < pfds.size(); ++k) {
            if (pfds[k].revents == 0) continue;
            const size_t i = which[k];
            for (;;) {
                ssize_t n = ::recv(fds[i], buf, sizeof buf, 0);
                if (n > 0) {
                    out[i].bytes.append(buf, static_cast<size_t>(n));
                    last_news = Clock::now();
                    continue;
                }
                if (n < 0 && errno == EINTR) continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                out[i].closed = true;  // EOF or reset
                done[i] = true;
                --open;
                last_news = Clock::now();
                break;
            }
        }
    }
    return out;
}

}  // namespace testsupport
