#include "test/support/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace testsupport {
namespace {

namespace fs = std::filesystem;

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

// Absolute but with symlinks kept: /usr/bin/redis-server is a link to
// redis-check-rdb, which picks its personality by the name it runs under.
std::string absolute(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec).lexically_normal();
    return ec ? path : p.string();
}

bool is_executable(const fs::path& path) {
    return ::access(path.c_str(), X_OK) == 0 && !fs::is_directory(path);
}

}  // namespace

std::string build_dir() {
    std::string from_env = env_or_empty("RINGDIS_BUILD");
    if (!from_env.empty()) return absolute(from_env);
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return absolute("build");
    return exe.parent_path().string();
}

std::string repo_root() {
    std::string from_env = env_or_empty("RINGDIS_ROOT");
    if (!from_env.empty()) return absolute(from_env);
    // Walk up from the build directory; fall back to the working directory,
    // which is the checkout when the tests run from `make test`.
    for (fs::path start : {fs::path(build_dir()), fs::current_path()}) {
        for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
            std::error_code ec;
            if (fs::is_directory(dir / "test" / "corpus", ec)) return dir.string();
            if (dir == dir.parent_path()) break;
        }
    }
    return fs::current_path().string();
}

std::string server_binary() {
    std::string from_env = env_or_empty("RINGDIS_SERVER");
    if (!from_env.empty()) return from_env.find('/') == std::string::npos ? find_program(from_env)
                                                                        : absolute(from_env);
    return (fs::path(build_dir()) / "ringdis-server").string();
}

bool server_is_oracle() {
    return fs::path(server_binary()).filename() == "redis-server";
}

std::string oracle_binary() {
    std::string from_env = env_or_empty("RINGDIS_ORACLE");
    if (!from_env.empty()) return from_env;
    return find_program("redis-server");
}

std::string find_program(const std::string& name) {
    std::string path = env_or_empty("PATH");
    path += ":/usr/bin:/usr/sbin:/usr/local/bin";
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string_view dir(path.data() + start, end - start);
        if (!dir.empty()) {
            fs::path candidate = fs::path(std::string(dir)) / name;
            if (is_executable(candidate)) return candidate.string();
        }
        start = end + 1;
    }
    return {};
}

}  // namespace testsupport
