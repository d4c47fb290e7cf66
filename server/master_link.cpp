#include "server/master_link.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/command_util.h"
#include "server/effects.h"
#include "server/rdb_reader.h"
#include "server/replication.h"
#include "server/server.h"

namespace server {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kEofMarkLen = 40;

}  // namespace

MasterLink::MasterLink(Server& server, std::string host, int port)
    : server_(server), host_(std::move(host)), port_(port) {
    started_ms_ = last_io_ms_ = static_cast<int64_t>(server_.loop().now_ms());
}

MasterLink::~MasterLink() {
    if (fd_ >= 0) {
        server_.loop().unwatch(fd_);
        ::close(fd_);
    }
}

std::string_view MasterLink::role_state() const {
    switch (state_) {
    case State::kConnecting: return "connecting";
    case State::kPong:
    case State::kReplies:
    case State::kPsync: return "handshake";
    case State::kBulkHeader:
    case State::kBulk: return "sync";
    case State::kDone: return "connected";
    case State::kFailed: return "connect";
    }
    return "connect";
}

bool MasterLink::start() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(port_);
    if (::getaddrinfo(host_.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
        fail("cannot resolve the master's address");
        return false;
    }
    fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        ::freeaddrinfo(res);
        fail(std::strerror(errno));
        return false;
    }
    int rc = ::connect(fd_, res->ai_addr, res->ai_addrlen);
    ::freeaddrinfo(res);
    if (rc != 0 && errno != EINPROGRESS) {
        fail(std::strerror(errno));
        return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    server_.loop().watch(fd_, reactor::kWritable, this);
    return true;
}

void MasterLink::fail(std::string_view why) {
    if (state_ != State::kFailed)
        std::fprintf(stderr, "ringdis: replication link to %s:%d failed: %.*s\n", host_.c_str(), port_,
                     static_cast<int>(why.size()), why.data());
    state_ = State::kFailed;
    if (fd_ >= 0) {
        server_.loop().unwatch(fd_);
        ::close(fd_);
        fd_ = -1;
    }
    payload_.clear();
    payload_.shrink_to_fit();
}

void MasterLink::abandon(std::string_view why) { fail(why); }

void MasterLink::send_text(std::string_view bytes) {
    // The handshake's commands are a few hundred bytes on a fresh socket:
    // they fit in its send buffer.
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fail("writing to the master failed");
            return;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

bool MasterLink::read_available() {
    char buf[kReadChunk];
    // A bounded number of reads a wake-up: a snapshot arriving fast must not
    // keep the loop from its other clients.
    for (int reads = 0; reads < 16; ++reads) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n > 0) {
            last_io_ms_ = static_cast<int64_t>(server_.loop().now_ms());
            server_.stats().net_repl_input_bytes += static_cast<uint64_t>(n);
            if (state_ == State::kBulk) payload_.append(buf, static_cast<size_t>(n));
            else in_.append(buf, static_cast<size_t>(n));
            if (state_ == State::kBulk) take_payload();
            if (finished()) return state_ != State::kFailed;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        fail(n == 0 ? "the master closed the connection" : std::strerror(errno));
        return false;
    }
    return true;
}

bool MasterLink::next_line(std::string& line) {
    for (;;) {
        size_t nl = in_.find('\n');
        if (nl == std::string::npos) return false;
        line.assign(in_, 0, nl);
        in_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) return true;  // a bare "\n" is the master's keepalive
    }
}

void MasterLink::on_io(int, unsigned events) {
    if (state_ == State::kConnecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & reactor::kHangup)) {
            fail(err != 0 ? std::strerror(err) : "connection refused");
            return;
        }
        server_.loop().set_mask(fd_, reactor::kReadable);
        state_ = State::kPong;
        send_text("*1\r\n$4\r\nPING\r\n");
        return;
    }
    if (!(events & (reactor::kReadable | reactor::kHangup))) return;
    if (!read_available()) return;
    std::string line;
    while (state_ != State::kFailed && state_ != State::kDone) {
        if (state_ == State::kBulk) {
            take_payload();
            break;
        }
        if (!next_line(line)) break;
        switch (state_) {
        case State::kPong:
            // Redis accepts an authentication error here too: AUTH follows.
            if (line[0] == '-' && !line.starts_with("-NOAUTH") && !line.starts_with("-NOPERM") &&
                !line.starts_with("-ERR operation not permitted")) {
                fail("error reply to PING: " + line);
                break;
            }
            after_pong();
            break;
        case State::kReplies:
            // An old master may not know a REPLCONF option; only AUTH's
            // error is fatal, and it comes first.
            if (line[0] == '-' && line.find("AUTH") != std::string::npos) {
                fail("unable to AUTH to MASTER: " + line);
                break;
            }
            if (line.starts_with("-WRONGPASS") || line.starts_with("-ERR invalid password")) {
                fail("unable to AUTH to MASTER: " + line);
                break;
            }
            send_next();
            break;
        case State::kPsync: on_psync_reply(line); break;
        case State::kBulkHeader: on_bulk_header(line); break;
        default: break;
        }
    }
}

void MasterLink::after_pong() {
    // One command at a time, each after the reply to the one before: Redis
    // refuses PSYNC from a connection that still has replies to send.
    const Config& cfg = server_.config();
    handshake_.clear();
    auto add = [this](std::span<const std::string_view> argv) {
        std::string cmd;
        append_resp_command(cmd, argv);
        handshake_.push_back(std::move(cmd));
    };
    if (!cfg.masterauth.empty()) {
        if (cfg.masteruser.empty()) {
            std::string_view a[] = {"AUTH", cfg.masterauth};
            add(a);
        } else {
            std::string_view a[] = {"AUTH", cfg.masteruser, cfg.masterauth};
            add(a);
        }
    }
    std::string port = std::to_string(cfg.port);
    std::string_view lp[] = {"REPLCONF", "listening-port", port};
    add(lp);
    if (!cfg.replica_announce_ip.empty()) {
        std::string_view ip[] = {"REPLCONF", "ip-address", cfg.replica_announce_ip};
        add(ip);
    }
    std::string_view capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
    add(capa);
    const Replication& repl = server_.replication();
    std::string id = repl.psync_replid();
    std::string off = std::to_string(repl.psync_offset());
    std::string_view psync[] = {"PSYNC", id, off};
    add(psync);
    state_ = State::kReplies;
    send_next();
}

void MasterLink::send_next() {
    if (handshake_.size() == 1) state_ = State::kPsync;
    send_text(handshake_.front());
    handshake_.erase(handshake_.begin());
}

void MasterLink::on_psync_reply(const std::string& line) {
    if (line.starts_with("+FULLRESYNC")) {
        // "+FULLRESYNC <replid> <offset>"
        size_t a = line.find(' ');
        size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
        auto off = b == std::string::npos ? std::nullopt : parse_int64(std::string_view(line).substr(b + 1));
        if (b == std::string::npos || b - a - 1 != 40 || !off || *off < 0) {
            fail("bad +FULLRESYNC reply: " + line);
            return;
        }
        replid_ = line.substr(a + 1, 40);
        offset_ = static_cast<uint64_t>(*off);
        state_ = State::kBulkHeader;
        return;
    }
    if (line.starts_with("+CONTINUE")) {
        std::string id = line.size() > 10 ? line.substr(10) : std::string();
        while (!id.empty() && id.back() == ' ') id.pop_back();
        state_ = State::kDone;
        int fd = fd_;
        fd_ = -1;
        server_.loop().unwatch(fd);
        std::string rest;
        rest.swap(in_);
        server_.replication().link_established(fd, false, id, 0, rest);
        return;
    }
    fail("the master refused PSYNC: " + line);
}

void MasterLink::on_bulk_header(const std::string& line) {
    if (line[0] != '$') {
        fail("unexpected reply before the snapshot: " + line);
        return;
    }
    if (line.starts_with("$EOF:")) {
        eof_mark_ = line.substr(5);
        if (eof_mark_.size() != kEofMarkLen) {
            fail("bad EOF mark");
            return;
        }
        bulk_size_ = -1;
    } else {
        auto n = parse_int64(std::string_view(line).substr(1));
        if (!n || *n < 0) {
            fail("bad snapshot length: " + line);
            return;
        }
        bulk_size_ = *n;
        payload_.reserve(static_cast<size_t>(*n));
    }
    state_ = State::kBulk;
    payload_.swap(in_);
    in_.clear();
    take_payload();
}

void MasterLink::take_payload() {
    if (bulk_size_ >= 0) {
        if (payload_.size() < static_cast<size_t>(bulk_size_)) return;
        in_.assign(payload_, static_cast<size_t>(bulk_size_), std::string::npos);
        payload_.resize(static_cast<size_t>(bulk_size_));
    } else {
        if (payload_.size() < kEofMarkLen) return;
        // The mark ends the snapshot; the master sends nothing after it
        // until our first ACK, but anything that did come is kept.
        size_t from = payload_.size() >= kReadChunk + kEofMarkLen ? payload_.size() - kReadChunk - kEofMarkLen : 0;
        size_t at = payload_.find(eof_mark_, from);
        if (at == std::string::npos) return;
        in_.assign(payload_, at + kEofMarkLen, std::string::npos);
        payload_.resize(at);
    }
    finish_full_sync();
}

void MasterLink::finish_full_sync() {
    RdbLoadResult r = rdb_load_bytes(payload_, "the master's snapshot", server_.shared_databases(),
                                     static_cast<int64_t>(server_.loop().now_ms()));
    payload_.clear();
    payload_.shrink_to_fit();
    if (!r.ok) {
        fail("loading the master's snapshot: " + r.error);
        return;
    }
    std::fprintf(stderr, "ringdis: MASTER <-> REPLICA sync: loaded %zu keys from %s:%d\n", r.keys, host_.c_str(),
                 port_);
    state_ = State::kDone;
    int fd = fd_;
    fd_ = -1;
    server_.loop().unwatch(fd);
    std::string rest;
    rest.swap(in_);
    server_.replication().link_established(fd, true, replid_, offset_, rest);
}

}  // namespace server
