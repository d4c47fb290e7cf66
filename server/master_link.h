// A replica's way to its master, from connect to the first byte of the
// live stream: the handshake Redis 7.0's replicas do (PING, AUTH when
// masterauth is set, REPLCONF listening-port, REPLCONF capa eof capa
// psync2, PSYNC replid offset), then for +FULLRESYNC the snapshot, in
// either form ("$<length>" or "$EOF:<40-byte mark>"...mark, after any bare
// "\n" keepalives), read without blocking the loop and loaded when whole.
// Then it hands the socket to Replication::link_established and is done.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reactor/event_loop.h"

namespace server {

class Server;

class MasterLink final : public reactor::IoHandler {
public:
    enum class State : uint8_t { kConnecting, kPong, kReplies, kPsync, kBulkHeader, kBulk, kDone, kFailed };

    MasterLink(Server& server, std::string host, int port);
    ~MasterLink();
    MasterLink(const MasterLink&) = delete;
    MasterLink& operator=(const MasterLink&) = delete;

    // Starts the non-blocking connect. False (and failed()) on an error.
    bool start();
    void on_io(int fd, unsigned events) override;

    State state() const { return state_; }
    bool finished() const { return state_ == State::kDone || state_ == State::kFailed; }
    // ROLE's word for where the link is.
    std::string_view role_state() const;
    bool transferring() const { return state_ == State::kBulkHeader || state_ == State::kBulk; }
    int64_t bulk_size() const { return bulk_size_; }
    size_t bulk_read() const { return payload_.size(); }
    int64_t started_ms() const { return started_ms_; }
    int64_t last_io_ms() const { return last_io_ms_; }
    // Gives up (repl-timeout, REPLICAOF elsewhere): closes the socket.
    void abandon(std::string_view why);

private:
    void fail(std::string_view why);
    void send_text(std::string_view bytes);
    // Reads what is there; false when the socket failed or closed.
    bool read_available();
    // The next reply line without its "\r\n", skipping bare "\n"
    // keepalives; false when no whole line is buffered yet.
    bool next_line(std::string& line);
    void after_pong();
    void send_next();
    void on_psync_reply(const std::string& line);
    void on_bulk_header(const std::string& line);
    void take_payload();
    void finish_full_sync();

    Server& server_;
    std::string host_;
    int port_;
    int fd_ = -1;
    State state_ = State::kConnecting;
    std::string in_;
    std::vector<std::string> handshake_;  // commands still to send, in order
    std::string replid_;
    uint64_t offset_ = 0;
    int64_t bulk_size_ = -1;  // -1: EOF-marked
    std::string eof_mark_;
    std::string payload_;
    int64_t started_ms_ = 0;
    int64_t last_io_ms_ = 0;
};

}  // namespace server
