#include "server/replication.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "protocol/reply_writer.h"
#include "server/command_util.h"
#include "server/connection.h"
#include "server/effects.h"
#include "server/master_link.h"
#include "server/rdb_writer.h"
#include "server/server.h"

namespace server {

namespace {

constexpr std::string_view kGetAck = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
constexpr std::string_view kPing = "*1\r\n$4\r\nPING\r\n";

// The full sync's child: everything goes into the replica's socket, which
// the parent leaves alone until the child has exited.
bool send_all(int fd, std::string_view bytes, int timeout_ms) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return false;
            continue;
        }
        return false;
    }
    return true;
}

}  // namespace

Replication::Replication(Server& server) : server_(server) {}

Replication::~Replication() {
    for (Connection* c : replicas_) {
        ReplicaState* st = c->replica_state();
        if (st != nullptr && st->child > 0) {
            ::kill(st->child, SIGKILL);
            ::waitpid(st->child, nullptr, 0);
        }
    }
}

void Replication::new_replid() {
    static constexpr char kHex[] = "0123456789abcdef";
    replid_.resize(40);
    for (char& c : replid_) c = kHex[server_.random() & 15];
}

void Replication::ensure_backlog() {
    if (!backlog_) backlog_ = std::make_unique<ReplBacklog>(static_cast<size_t>(server_.config().repl_backlog_size), offset_);
}

void Replication::resize_backlog() {
    if (backlog_) backlog_->resize(static_cast<size_t>(server_.config().repl_backlog_size));
}

// ---------------------------------------------------------------- stream

void Replication::feed_slow(int db, std::span<const std::string_view> effect) {
    scratch_.clear();
    if (selected_db_ != db) {
        std::string n = std::to_string(db);
        std::string_view sel[] = {"SELECT", n};
        append_resp_command(scratch_, sel);
        selected_db_ = db;
    }
    if (in_transaction_ && !transaction_open_) {
        std::string_view multi[] = {"MULTI"};
        append_resp_command(scratch_, multi);
        transaction_open_ = true;
    }
    append_resp_command(scratch_, effect);
    feed_bytes(scratch_);
}

void Replication::end_transaction() {
    if (transaction_open_ && backlog_ && !is_replica()) {
        scratch_.clear();
        std::string_view exec[] = {"EXEC"};
        append_resp_command(scratch_, exec);
        feed_bytes(scratch_);
    }
    in_transaction_ = false;
    transaction_open_ = false;
}

void Replication::feed_bytes(std::string_view bytes) {
    offset_ += bytes.size();
    ensure_backlog();
    backlog_->append(bytes);
    if (replicas_.empty()) return;
    std::vector<Connection*> over;
    for (Connection* c : replicas_) {
        c->append_stream(bytes);
        if (c->over_output_limit_now()) over.push_back(c);
    }
    for (Connection* c : over) c->close_for_output_limit();
}

void Replication::applied_from_master(std::string_view raw) { feed_bytes(raw); }

// ---------------------------------------------------------------- master side

bool Replication::psync(Connection& c, std::string_view replid, std::string_view offset_text, bool legacy_sync,
                        std::string& error) {
    if (c.is_replica()) return true;  // already a replica: ignored, as Redis
    if (is_replica() && master_conn_ == nullptr) {
        error = "NOMASTERLINK Can't SYNC while not connected with my master";
        return false;
    }
    if (server_.config().storage != StorageMode::kShared) {
        error = "ERR replication is not available with --storage per-connection";
        return false;
    }
    ServerStats& stats = server_.stats();
    if (!legacy_sync) {
        auto from = parse_int64(offset_text);
        const bool ours = replid == replid_ ||
                          (replid == replid2_ && from && second_offset_ >= 0 && *from <= second_offset_);
        if (ours && from && *from >= 0 && backlog_ && backlog_->holds(static_cast<uint64_t>(*from))) {
            ReplicaState& st = c.make_replica();
            st.phase = ReplicaState::Phase::kOnline;
            std::string out = st.capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : std::string("+CONTINUE\r\n");
            backlog_->copy_from(static_cast<uint64_t>(*from), out);
            c.append_stream(out);
            replicas_.push_back(&c);
            ++stats.sync_partial_ok;
            std::fprintf(stderr, "ringdis: Partial resynchronization request from %s accepted, sending %llu bytes\n",
                         c.peer().c_str(), static_cast<unsigned long long>(offset_ + 1 - static_cast<uint64_t>(*from)));
            return true;
        }
        if (replid != "?") ++stats.sync_partial_err;
    }
    ++stats.sync_full;
    ensure_backlog();
    start_full_sync(c, legacy_sync);
    return true;
}

void Replication::start_full_sync(Connection& c, bool legacy) {
    ReplicaState& st = c.make_replica();
    st.phase = ReplicaState::Phase::kSyncing;
    // What the connection owes (replies to REPLCONF) goes first; then the
    // child owns the socket until it exits.
    c.flush_now();
    c.hold_output(true);
    replicas_.push_back(&c);
    // The next command in the stream says which database it is for.
    selected_db_ = -1;
    // SYNC (redis-cli --rdb and --replica, pre-PSYNC replicas) expects the
    // snapshot's "$" line first: as Redis, it gets no +FULLRESYNC line,
    // which such a client would take for the snapshot's header.
    std::string header = legacy ? std::string() : "+FULLRESYNC " + replid_ + " " + std::to_string(offset_) + "\r\n";
    std::string mark;
    if (st.capa_eof) {
        static constexpr char kHex[] = "0123456789abcdef";
        mark.resize(40);
        for (char& ch : mark) ch = kHex[server_.random() & 15];
    }
    const int timeout_ms = static_cast<int>(server_.config().repl_timeout * 1000);
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = ::fork();
    if (pid < 0) {
        std::fprintf(stderr, "ringdis: full sync for %s: fork: %s\n", c.peer().c_str(), std::strerror(errno));
        c.close_now();
        return;
    }
    if (pid == 0) {
        // The child: the dataset as of the fork, as an RDB, into the socket.
        std::string rdb = rdb_serialize(server_.shared_databases(), static_cast<int64_t>(server_.loop().now_ms()));
        std::string head = header;
        if (mark.empty()) head += "$" + std::to_string(rdb.size()) + "\r\n";
        else head += "$EOF:" + mark + "\r\n";
        const bool ok = send_all(c.fd(), head, timeout_ms) && send_all(c.fd(), rdb, timeout_ms) &&
                        (mark.empty() || send_all(c.fd(), mark, timeout_ms));
        ::_exit(ok ? 0 : 1);
    }
    st.child = pid;
    std::fprintf(stderr, "ringdis: Starting full sync of replica %s (pid %d)\n", c.peer().c_str(), static_cast<int>(pid));
}

void Replication::reap_sync_children() {
    std::vector<Connection*> done;
    std::vector<Connection*> failed;
    for (Connection* c : replicas_) {
        ReplicaState* st = c->replica_state();
        if (st->child <= 0) continue;
        int status = 0;
        if (::waitpid(st->child, &status, WNOHANG) != st->child) continue;
        st->child = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) done.push_back(c);
        else failed.push_back(c);
    }
    for (Connection* c : done) {
        ReplicaState* st = c->replica_state();
        // With the EOF form the replica may read past the mark before it
        // loads: the stream waits for its first ACK (as Redis's does).
        if (st->capa_eof) st->phase = ReplicaState::Phase::kWaitFirstAck;
        else replica_online(*c);
    }
    for (Connection* c : failed) {
        std::fprintf(stderr, "ringdis: full sync of replica %s failed\n", c->peer().c_str());
        c->close_now();
    }
}

void Replication::replica_online(Connection& c) {
    c.replica_state()->phase = ReplicaState::Phase::kOnline;
    c.replica_state()->ack_ms = static_cast<int64_t>(server_.loop().now_ms());
    c.hold_output(false);
    std::fprintf(stderr, "ringdis: Synchronization with replica %s succeeded\n", c.peer().c_str());
}

void Replication::ack(Connection& c, uint64_t offset) {
    ReplicaState* st = c.replica_state();
    if (st == nullptr) return;
    // The replica may have loaded and acknowledged before the cron reaped
    // the child that sent its snapshot: reap it now, so that this first
    // ACK starts the stream instead of the next one a second later.
    if (st->child > 0) reap_sync_children();
    st->ack_offset = std::max(st->ack_offset, offset);
    st->ack_ms = static_cast<int64_t>(server_.loop().now_ms());
    if (st->phase == ReplicaState::Phase::kWaitFirstAck && st->child <= 0) replica_online(c);
    if (!waiting_ids_.empty()) wake_waiters();
}

void Replication::forget_replica(Connection& c) {
    ReplicaState* st = c.replica_state();
    if (st != nullptr && st->child > 0) {
        ::kill(st->child, SIGKILL);
        ::waitpid(st->child, nullptr, 0);
        st->child = -1;
    }
    std::erase(replicas_, &c);
}

size_t Replication::replicas_acked(uint64_t offset) const {
    size_t n = 0;
    for (const Connection* c : replicas_) {
        const ReplicaState* st = c->replica_state();
        if (st->phase == ReplicaState::Phase::kOnline && st->ack_offset >= offset) ++n;
    }
    return n;
}

void Replication::wait_started(Connection& c) {
    if (std::find(waiting_ids_.begin(), waiting_ids_.end(), c.id()) == waiting_ids_.end())
        waiting_ids_.push_back(c.id());
    getack_wanted_ = true;
}

void Replication::wake_waiters() {
    std::vector<uint64_t> ids;
    ids.swap(waiting_ids_);
    for (uint64_t id : ids) {
        Connection* c = server_.find_connection(id);
        if (c == nullptr || c->state() != ConnState::kBlocked || c->block_state() == nullptr ||
            c->block_state()->timeout_reply != TimeoutReply::kReplicaCount)
            continue;
        const auto want = parse_int64(c->block_state()->argv[1]).value_or(0);
        if (static_cast<int64_t>(replicas_acked(c->wait_offset())) >= want) {
            server_.blocking().forget(*c);
            c->wake(false);  // WAIT runs again and answers
        } else {
            waiting_ids_.push_back(id);
        }
    }
}

void Replication::disconnect_replicas() {
    std::vector<Connection*> all = replicas_;
    for (Connection* c : all) c->close_now();
}

void Replication::before_sleep() {
    if (getack_wanted_) {
        getack_wanted_ = false;
        if (!replicas_.empty() && !is_replica()) feed_bytes(kGetAck);
    }
}

// ---------------------------------------------------------------- replica side

std::string Replication::replicate_from(const std::string& host, int port, bool& already) {
    already = false;
    if (server_.config().storage != StorageMode::kShared)
        return "ERR replication is not available with --storage per-connection";
    if (is_replica() && master_host_ == host && master_port_ == port) {
        already = true;
        return "";
    }
    // A master offers its own history to the new master, so a demoted
    // master can continue from a promoted replica of its own (and a
    // restarted replica the history its snapshot recorded).
    if (!is_replica()) cached_ = true;
    drop_master_link();
    disconnect_replicas();
    master_host_ = host;
    master_port_ = port;
    link_down_since_ms_ = static_cast<int64_t>(server_.loop().now_ms());
    last_connect_ms_ = 0;
    std::fprintf(stderr, "ringdis: Connecting to MASTER %s:%d\n", host.c_str(), port);
    return "";
}

void Replication::become_master() {
    if (!is_replica()) return;
    drop_master_link();
    master_host_.clear();
    master_port_ = 0;
    // The history so far stays valid under the old id up to here.
    replid2_ = replid_;
    second_offset_ = static_cast<int64_t>(offset_ + 1);
    new_replid();
    ensure_backlog();
    cached_ = false;
    selected_db_ = -1;
    std::fprintf(stderr, "ringdis: MASTER MODE enabled (new replication id %s)\n", replid_.c_str());
}

void Replication::drop_master_link() {
    if (link_) {
        link_->abandon("the master changed");
        retired_links_.push_back(std::move(link_));
    }
    if (master_conn_ != nullptr) {
        Connection* c = master_conn_;
        master_conn_ = nullptr;
        c->close_now();
    }
}

void Replication::link_established(int fd, bool full_sync, const std::string& replid, uint64_t offset,
                                   std::string_view leftover) {
    if (link_) retired_links_.push_back(std::move(link_));
    if (full_sync) {
        replid_ = replid;
        offset_ = offset;
        replid2_.assign(40, '0');
        second_offset_ = -1;
        backlog_ = std::make_unique<ReplBacklog>(static_cast<size_t>(server_.config().repl_backlog_size), offset_);
        master_db_ = 0;
        // Our own replicas hold the old data: they sync again.
        disconnect_replicas();
    } else {
        if (!replid.empty() && replid != replid_) {
            replid2_ = replid_;
            second_offset_ = static_cast<int64_t>(offset_ + 1);
            replid_ = replid;
        }
        ensure_backlog();
    }
    cached_ = true;
    link_down_since_ms_ = 0;
    master_conn_ = server_.adopt_master_connection(fd);
    if (master_conn_ == nullptr) {
        link_down_since_ms_ = static_cast<int64_t>(server_.loop().now_ms());
        return;
    }
    master_conn_->select(master_db_);
    std::fprintf(stderr, "ringdis: MASTER <-> REPLICA sync: %s with %s:%d at offset %llu\n",
                 full_sync ? "Finished" : "Partial resynchronization succeeded", master_host_.c_str(),
                 master_port_, static_cast<unsigned long long>(offset_));
    // The master waits for this first ACK after a snapshot in the EOF form.
    send_ack();
    if (!leftover.empty()) master_conn_->inject_input(leftover);
}

void Replication::master_closed(Connection& c) {
    if (master_conn_ != &c) return;
    master_db_ = c.db_index();
    master_conn_ = nullptr;
    link_down_since_ms_ = static_cast<int64_t>(server_.loop().now_ms());
    std::fprintf(stderr, "ringdis: Connection with master lost\n");
}

void Replication::send_ack() {
    if (master_conn_ == nullptr) return;
    std::string n = std::to_string(offset_);
    std::string_view ack[] = {"REPLCONF", "ACK", n};
    std::string out;
    append_resp_command(out, ack);
    master_conn_->send_to_master(out);
    last_ack_sent_ms_ = static_cast<int64_t>(server_.loop().now_ms());
}

std::vector<std::pair<std::string, std::string>> Replication::rdb_aux() const {
    if (!is_replica() || !cached_) return {};
    const int db = master_conn_ != nullptr ? master_conn_->db_index() : master_db_;
    return {{"repl-stream-db", std::to_string(db)},
            {"repl-id", replid_},
            {"repl-offset", std::to_string(offset_)}};
}

void Replication::restore_from_aux(const std::vector<std::pair<std::string, std::string>>& aux) {
    // Only a server started as a replica continues where its snapshot was.
    if (server_.config().replicaof.empty()) return;
    std::string id;
    std::optional<int64_t> off;
    std::optional<int64_t> db;
    for (const auto& [k, v] : aux) {
        if (k == "repl-id") id = v;
        else if (k == "repl-offset") off = parse_int64(v);
        else if (k == "repl-stream-db") db = parse_int64(v);
    }
    if (id.size() != 40 || !off || *off < 0) return;
    replid_ = id;
    offset_ = static_cast<uint64_t>(*off);
    master_db_ = db && *db >= 0 && *db < 16 ? static_cast<int>(*db) : 0;
    cached_ = true;
}

// ---------------------------------------------------------------- both

void Replication::cron() {
    retired_links_.clear();
    reap_sync_children();
    const auto now = static_cast<int64_t>(server_.loop().now_ms());
    const Config& cfg = server_.config();
    if (is_replica()) {
        if (master_conn_ != nullptr) {
            if (now - last_ack_sent_ms_ >= 1000) send_ack();
            if (now - static_cast<int64_t>(master_conn_->last_active_ms()) > cfg.repl_timeout * 1000) {
                std::fprintf(stderr, "ringdis: MASTER timeout: no data nor PING received\n");
                master_conn_->close_now();  // master_closed() runs
            }
        } else if (link_ && !link_->finished()) {
            if (now - link_->last_io_ms() > cfg.repl_timeout * 1000) link_->abandon("timeout connecting to the MASTER");
        } else if (now - last_connect_ms_ >= 1000) {
            if (link_) retired_links_.push_back(std::move(link_));
            last_connect_ms_ = now;
            link_ = std::make_unique<MasterLink>(server_, master_host_, master_port_);
            link_->start();
        }
    } else if (!replicas_.empty() && now - last_ping_ms_ >= cfg.repl_ping_replica_period * 1000) {
        last_ping_ms_ = now;
        feed_bytes(kPing);
    }
}

void Replication::info(std::string& out) const {
    auto line = [&out](std::string_view k, const std::string& v) {
        out.append(k);
        out += ':';
        out += v;
        out += "\r\n";
    };
    const auto now = static_cast<int64_t>(server_.loop().now_ms());
    const Config& cfg = server_.config();
    if (is_replica()) {
        line("role", "slave");
        line("master_host", master_host_);
        line("master_port", std::to_string(master_port_));
        const bool up = master_conn_ != nullptr;
        line("master_link_status", up ? "up" : "down");
        const int64_t last_io = up ? (now - static_cast<int64_t>(master_conn_->last_active_ms())) / 1000 : -1;
        line("master_last_io_seconds_ago", std::to_string(last_io));
        const bool syncing = link_ && link_->transferring();
        line("master_sync_in_progress", syncing ? "1" : "0");
        line("slave_read_repl_offset", std::to_string(offset_));
        line("slave_repl_offset", std::to_string(offset_));
        if (syncing) {
            line("master_sync_total_bytes", std::to_string(link_->bulk_size()));
            line("master_sync_read_bytes", std::to_string(link_->bulk_read()));
            line("master_sync_left_bytes",
                 std::to_string(link_->bulk_size() < 0 ? -1 : link_->bulk_size() - static_cast<int64_t>(link_->bulk_read())));
            line("master_sync_perc", "0.00");
            line("master_sync_last_io_seconds_ago", std::to_string((now - link_->last_io_ms()) / 1000));
        }
        if (!up) line("master_link_down_since_seconds", std::to_string((now - link_down_since_ms_) / 1000));
        line("slave_priority", std::to_string(cfg.replica_priority));
        line("slave_read_only", cfg.replica_read_only ? "1" : "0");
        line("replica_announced", "1");
    } else {
        line("role", "master");
    }
    line("connected_slaves", std::to_string(replicas_.size()));
    size_t i = 0;
    for (const Connection* c : replicas_) {
        const ReplicaState* st = c->replica_state();
        std::string ip = st->announced_ip.empty() ? c->peer().substr(0, c->peer().rfind(':')) : st->announced_ip;
        const char* state = st->phase == ReplicaState::Phase::kSyncing ? "wait_bgsave"
                            : st->phase == ReplicaState::Phase::kWaitFirstAck ? "send_bulk"
                                                                              : "online";
        line("slave" + std::to_string(i++),
             "ip=" + ip + ",port=" + std::to_string(st->listening_port) + ",state=" + state +
                 ",offset=" + std::to_string(st->ack_offset) + ",lag=" + std::to_string((now - st->ack_ms) / 1000));
    }
    line("master_failover_state", "no-failover");
    line("master_replid", replid_);
    line("master_replid2", replid2_);
    line("master_repl_offset", std::to_string(offset_));
    line("second_repl_offset", std::to_string(second_offset_));
    line("repl_backlog_active", backlog_ ? "1" : "0");
    line("repl_backlog_size", std::to_string(cfg.repl_backlog_size));
    line("repl_backlog_first_byte_offset", std::to_string(backlog_ ? backlog_->first_offset() : 0));
    line("repl_backlog_histlen", std::to_string(backlog_ ? backlog_->histlen() : 0));
}

void Replication::role(protocol::ReplyWriter& w) const {
    if (is_replica()) {
        w.array(5);
        w.bulk("slave");
        w.bulk(master_host_);
        w.integer(master_port_);
        std::string_view state = master_conn_ != nullptr ? "connected" : link_ ? link_->role_state() : "connect";
        w.bulk(state);
        w.integer(master_conn_ != nullptr ? static_cast<int64_t>(offset_) : -1);
        return;
    }
    w.array(3);
    w.bulk("master");
    w.integer(static_cast<int64_t>(offset_));
    size_t online = 0;
    for (const Connection* c : replicas_)
        if (c->replica_state()->phase == ReplicaState::Phase::kOnline) ++online;
    w.array(static_cast<int64_t>(online));
    for (const Connection* c : replicas_) {
        const ReplicaState* st = c->replica_state();
        if (st->phase != ReplicaState::Phase::kOnline) continue;
        w.array(3);
        std::string ip = st->announced_ip.empty() ? c->peer().substr(0, c->peer().rfind(':')) : st->announced_ip;
        w.bulk(ip);
        w.bulk(std::to_string(st->listening_port));
        w.bulk(std::to_string(st->ack_offset));
    }
}

}  // namespace server
