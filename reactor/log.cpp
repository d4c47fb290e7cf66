#include "reactor/log.h"

#include <cstdio>
#include <cstring>

namespace reactor {

void log_errno(const char* what, int fd, int err) {
    std::fprintf(stderr, "reactor: %s (fd %d): %s\n", what, fd, std::strerror(err));
}

}  // namespace reactor
