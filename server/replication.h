// Replication as Redis 7.0 speaks it, both roles.
//
// Master: a connection that sends PSYNC (or SYNC) becomes a replica. A full
// sync forks a child that writes "+FULLRESYNC <replid> <offset>" and the
// dataset as an RDB straight into the socket ("$EOF:<mark>"... "<mark>"
// when the replica announced `capa eof`, else "$<length>"); meanwhile the
// write stream collects in the replica's output buffer and is sent once
// the child is done (after the replica's first ACK for the EOF form, as
// Redis: the replica may read past the mark before it loads). Every write
// command's effect (server/effects.h) goes to the backlog and to every
// replica; a replica that returns within the backlog continues
// (+CONTINUE). Replicas ACK their offset every second; WAIT counts them.
//
// Replica: REPLICAOF host port starts a MasterLink (server/master_link.h)
// that does the handshake and the transfer; then the master's socket
// becomes a Connection whose commands run without replies and whose bytes
// go, verbatim, to this server's own backlog and offset, so its offsets
// stay the master's (a promoted replica can continue its peers).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/repl_backlog.h"

namespace protocol {
class ReplyWriter;
}

namespace server {

class Server;
class Connection;
class MasterLink;

// The master's view of one replica (Connection::replica_state()).
struct ReplicaState {
    enum class Phase : uint8_t { kSyncing, kWaitFirstAck, kOnline };
    Phase phase = Phase::kSyncing;
    int listening_port = 0;
    std::string announced_ip;
    bool capa_eof = false;
    bool capa_psync2 = false;
    uint64_t ack_offset = 0;
    int64_t ack_ms = 0;
    pid_t child = -1;  // the full sync's writer
};

class Replication {
public:
    explicit Replication(Server& server);
    ~Replication();
    Replication(const Replication&) = delete;
    Replication& operator=(const Replication&) = delete;

    // Identity of the stream (INFO replication, ROLE, PSYNC).
    const std::string& replid() const { return replid_; }
    const std::string& replid2() const { return replid2_; }
    uint64_t offset() const { return offset_; }
    int64_t second_offset() const { return second_offset_; }
    bool is_replica() const { return !master_host_.empty(); }

    // ---- Master side ----
    // The effect of a write command on database `db`, for every replica.
    void feed(int db, std::span<const std::string_view> effect) {
        if (feeding()) feed_slow(db, effect);
    }
    // A master with a backlog (it had a replica once) streams every write.
    bool feeding() const { return backlog_ && !is_replica(); }
    // EXEC: its effects go out inside MULTI ... EXEC.
    void begin_transaction() { in_transaction_ = true; }
    void end_transaction();
    // PSYNC replid offset / SYNC from `c`: answers +CONTINUE or starts a
    // full sync. False with `error` when it cannot.
    bool psync(Connection& c, std::string_view replid, std::string_view offset, bool legacy_sync,
               std::string& error);
    // REPLCONF ACK from a replica.
    void ack(Connection& c, uint64_t offset);
    // A replica's connection is closing.
    void forget_replica(Connection& c);
    // Replicas that acknowledged at least `offset`.
    size_t replicas_acked(uint64_t offset) const;
    // WAIT: a client waits for acks; GETACK goes out before the loop sleeps.
    void wait_started(Connection& c);
    size_t replica_count() const { return replicas_.size(); }

    // ---- Replica side ----
    // REPLICAOF host port: "" on success (`already` when it was that master).
    std::string replicate_from(const std::string& host, int port, bool& already);
    // REPLICAOF NO ONE: becomes a master, continuing the stream under a
    // new replication id (peers of the old master may continue with us).
    void become_master();
    // The master link's handshake ended: a full sync loaded (new replid and
    // offset) or the stream continues; `fd` now carries the stream and
    // `leftover` is what was read past the handshake.
    void link_established(int fd, bool full_sync, const std::string& replid, uint64_t offset,
                          std::string_view leftover);
    // The connection to our master closed.
    void master_closed(Connection& c);
    // The master's bytes, verbatim, after a command of them ran.
    void applied_from_master(std::string_view raw);
    Connection* master_connection() const { return master_conn_; }
    const std::string& master_host() const { return master_host_; }
    int master_port() const { return master_port_; }
    // What PSYNC asks the master for: cached replid and offset, or "?" -1.
    std::string psync_replid() const { return cached_ ? replid_ : "?"; }
    int64_t psync_offset() const { return cached_ ? static_cast<int64_t>(offset_ + 1) : -1; }

    // A replica's snapshot records where in the master's stream its data
    // is (repl-id, repl-offset, as Redis's), so that after a restart it
    // can continue (+CONTINUE) instead of syncing in full.
    std::vector<std::pair<std::string, std::string>> rdb_aux() const;
    void restore_from_aux(const std::vector<std::pair<std::string, std::string>>& aux);

    // A fresh replication id (at start, and when history is cut).
    void new_replid();

    // ---- Both ----
    void cron();          // from the server's cron (every tick)
    void before_sleep();  // GETACK for WAIT
    void info(std::string& out) const;
    void role(protocol::ReplyWriter& w) const;
    // repl-backlog-size changed.
    void resize_backlog();

private:
    void feed_slow(int db, std::span<const std::string_view> effect);
    void feed_bytes(std::string_view bytes);
    void ensure_backlog();
    // `legacy`: the replica asked with SYNC, which gets no +FULLRESYNC line.
    void start_full_sync(Connection& c, bool legacy);
    void reap_sync_children();
    void replica_online(Connection& c);
    void wake_waiters();
    void drop_master_link();
    void disconnect_replicas();
    void send_ack();

    Server& server_;
    std::string replid_;
    std::string replid2_ = std::string(40, '0');
    uint64_t offset_ = 0;
    int64_t second_offset_ = -1;
    std::unique_ptr<ReplBacklog> backlog_;
    int selected_db_ = -1;  // the database the stream last SELECTed
    bool in_transaction_ = false;
    bool transaction_open_ = false;
    std::string scratch_;
    std::vector<Connection*> replicas_;
    std::vector<uint64_t> waiting_ids_;  // clients in WAIT
    bool getack_wanted_ = false;
    int64_t last_ping_ms_ = 0;
    int64_t last_ack_sent_ms_ = 0;

    // Replica side.
    std::string master_host_;
    int master_port_ = 0;
    bool cached_ = false;  // replid_/offset_ can be offered to a master
    std::unique_ptr<MasterLink> link_;
    // Links that finished or failed, destroyed by the next cron (never
    // from inside their own handlers).
    std::vector<std::unique_ptr<MasterLink>> retired_links_;
    Connection* master_conn_ = nullptr;
    int master_db_ = 0;  // the stream's database when the link dropped
    int64_t link_down_since_ms_ = 0;
    int64_t last_connect_ms_ = 0;
};

}  // namespace server
