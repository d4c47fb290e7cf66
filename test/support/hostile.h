// Helpers for the hostile-load tests (test/integration/hostile_*_test.cpp):
// a server's resident memory and CPU time read from /proc, this process's
// descriptor limit, INFO fields polled with a deadline, and many raw
// connections read at once with poll().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "test/support/resp_client.h"

namespace testsupport {

// VmRSS and VmHWM (peak) of `pid` in bytes, from /proc/PID/status; 0 when
// unreadable.
uint64_t resident_bytes(pid_t pid);
uint64_t peak_resident_bytes(pid_t pid);
// CPU time (user + system) `pid` has used, in seconds, from /proc/PID/stat
// (clock-tick resolution, 10 ms on Linux).
double cpu_seconds(pid_t pid);
// Descriptors `pid` has open.
size_t open_fd_count(pid_t pid);

// Raises this process's RLIMIT_NOFILE soft limit toward `want` (never past
// the hard limit); returns the soft limit now in force.
uint64_t raise_open_files_limit(uint64_t want);

// True when the tests run under AddressSanitizer (the ASan build), where
// memory figures and speed are not the normal build's.
constexpr bool kUnderAsan =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

// INFO `section`'s numeric `field` (-1 when missing or the reply is bad).
int64_t info_number(RespClient& client, const std::string& section, const std::string& field);
// Polls INFO until `field` equals `want`; false (with the last value in
// `last` when given) once `timeout` passes.
bool wait_for_info(RespClient& client, const std::string& section, const std::string& field, int64_t want,
                   std::chrono::milliseconds timeout, int64_t* last = nullptr);

// A blocking TCP connection to 127.0.0.1:port (SO_RCVBUF fixed first when
// receive_buffer > 0); -1 on failure.
int connect_raw(int port, int receive_buffer = 0);
// Closes with a reset (SO_LINGER 0) instead of a FIN.
void close_with_reset(int fd);

// What one connection received, and whether the server closed it.
struct Gathered {
    std::string bytes;
    bool closed = false;
};
// Reads every fd (made non-blocking) until each is closed by the peer, or
// nothing has arrived on any of them for `quiet`, or `limit` has passed.
std::vector<Gathered> gather(const std::vector<int>& fds, std::chrono::milliseconds quiet,
                             std::chrono::milliseconds limit);

}  // namespace testsupport
