// ringdis-server: reads the flags and runs the server until shutdown.
#include <csignal>
#include <cstdio>

#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
    server::CommandLine cl = server::parse_command_line(argc, argv);
    if (!cl.config) {
        std::FILE* out = cl.exit_code == 0 ? stdout : stderr;
        std::fputs(cl.output.c_str(), out);
        return cl.exit_code;
    }
    // A peer that disappears mid-write is handled where the write fails.
    std::signal(SIGPIPE, SIG_IGN);
    server::Server srv(*cl.config);
    return srv.run();
}
