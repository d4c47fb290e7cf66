// The reactor's only output: one line on stderr for an OS error it survived.
// It has no logger of its own to configure; the server may redirect stderr.
#pragma once

namespace reactor {

// "reactor: <what> (fd N): <strerror(err)>"
void log_errno(const char* what, int fd, int err);

}  // namespace reactor
