// Where the integration tests find the binaries and files they use.
#pragma once

#include <string>

namespace testsupport {

// The build directory: $RINGDIS_BUILD when set, else the directory of the
// running test binary (build/integration-tests lives in build/, and
// build-asan/integration-tests in build-asan/, so each tree tests its own
// server).
std::string build_dir();

// The checkout: $RINGDIS_ROOT when set, else the nearest ancestor of
// build_dir() that holds test/corpus.
std::string repo_root();

// The server under test: $RINGDIS_SERVER when set (point it at
// /usr/bin/redis-server to check the tests themselves against the oracle),
// else build_dir()/ringdis-server.
std::string server_binary();

// True when server_binary() is a real redis-server, whose flags differ.
bool server_is_oracle();

// The oracle: $RINGDIS_ORACLE when set, else redis-server from $PATH.
std::string oracle_binary();

// `name` looked up in $PATH (with /usr/bin and /usr/sbin as a fallback);
// empty when it is not there.
std::string find_program(const std::string& name);

}  // namespace testsupport
