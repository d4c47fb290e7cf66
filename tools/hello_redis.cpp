// hello-redis: the tutorial's example client on our own protocol layer.
// Connects, sends SET hello world, then GET hello, and prints the value.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cxxopts.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include "protocol/reply_reader.h"

namespace {

int connect_to(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string service = std::to_string(port);
    if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0) return -1;
    int fd = -1;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

// Sends one command and reads its whole reply.
bool round_trip(int fd, const std::vector<std::string_view>& args, protocol::RespValue& reply) {
    std::string req = protocol::encode_command(args);
    for (size_t off = 0; off < req.size();) {
        ssize_t n = ::write(fd, req.data() + off, req.size() - off);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    std::string buf;
    char chunk[4096];
    for (;;) {
        long used = protocol::decode_reply(buf, reply);
        if (used > 0) return true;
        if (used < 0) return false;
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) return false;
        buf.append(chunk, static_cast<size_t>(n));
    }
}

std::string rust_bytes(const std::string& s) {
    std::string out = "b\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
    cxxopts::Options options("hello-redis", "SET hello world, then GET hello");
    options.add_options()("host", "server host", cxxopts::value<std::string>()->default_value("127.0.0.1"))(
        "port", "server port", cxxopts::value<int>()->default_value("6379"))("h,help", "print help");
    std::string host;
    int port = 0;
    try {
        auto parsed = options.parse(argc, argv);
        if (parsed.count("help")) {
            std::fputs(options.help().c_str(), stdout);
            return 0;
        }
        host = parsed["host"].as<std::string>();
        port = parsed["port"].as<int>();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hello-redis: %s\n", e.what());
        return 2;
    }
    int fd = connect_to(host, port);
    if (fd < 0) {
        std::fprintf(stderr, "hello-redis: cannot connect to %s:%d: %s\n", host.c_str(), port,
                     std::strerror(errno));
        return 1;
    }
    protocol::RespValue reply;
    if (!round_trip(fd, {"SET", "hello", "world"}, reply) ||
        reply.kind == protocol::RespValue::Kind::kError) {
        std::fprintf(stderr, "hello-redis: SET failed: %s\n", reply.str.c_str());
        return 1;
    }
    if (!round_trip(fd, {"GET", "hello"}, reply) || reply.kind == protocol::RespValue::Kind::kError) {
        std::fprintf(stderr, "hello-redis: GET failed: %s\n", reply.str.c_str());
        return 1;
    }
    ::close(fd);
    if (reply.kind == protocol::RespValue::Kind::kNull) {
        std::printf("got value from the server; result=None\n");
    } else {
        std::printf("got value from the server; result=Some(%s)\n", rust_bytes(reply.str).c_str());
    }
    return 0;
}
