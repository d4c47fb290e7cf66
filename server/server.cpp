#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <random>

#include "server/listener.h"
#include "server/transaction.h"

namespace server {

namespace {

constexpr size_t kPooledBufferSize = 16 * 1024;
constexpr size_t kMaxPooledBuffers = 64;
// After SIGTERM, connections get this long to take their replies.
constexpr uint64_t kShutdownGraceMs = 3000;
constexpr std::string_view kMaxClientsReply = "-ERR max number of clients reached\r\n";

uint64_t steady_us() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

std::string format_address(const sockaddr_storage& ss) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    return std::string(host) + ":" + std::to_string(port);
}

std::string socket_address(int fd, bool peer) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                  : ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return rc == 0 ? format_address(ss) : std::string("?:0");
}

}  // namespace

Server::Server(Config cfg) : config_(std::move(cfg)) {
    std::random_device rd;
    rng_state_ = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ 0x9E3779B97F4A7C15ULL;
    static constexpr char kHex[] = "0123456789abcdef";
    run_id_.resize(40);
    for (char& c : run_id_) c = kHex[random() & 15];
    replication_.new_replid();
    start_ms_ = loop_.refresh_clock() / 1000;
}

Server::~Server() {
    for_each_connection([](Connection& c) { c.close_now(); });
    for (Connection* c : graveyard_) delete c;
}

void Server::key_expired(Database& db, std::string_view key) {
    events_.notify(notify::kExpired, "expired", key, db.id());
    watched_.touch(db, key);
    // An expiry is a deletion the log and the replicas are told of, as a
    // DEL: Redis replicas never expire keys themselves, they hide them from
    // reads and keep them (in DBSIZE, INFO keyspace, memory) until their
    // master's DEL arrives. (On a replica, replication's feed ignores it.)
    if (config_.storage == StorageMode::kShared && &shared_.at(db.id()) == &db) {
        const std::string_view del[] = {"DEL", key};
        propagate_effect(db.id(), del);
    }
}

void Server::pause_clients(int64_t until_ms, bool writes_only) {
    if (clients_paused()) {
        // An ALL pause is not weakened to WRITE by a later call, and the end
        // only moves later.
        writes_only = writes_only && pause_writes_only_;
        until_ms = std::max(until_ms, pause_until_ms_);
        loop_.cancel_timer(pause_timer_);
    }
    pause_until_ms_ = until_ms;
    pause_writes_only_ = writes_only;
    int64_t now = static_cast<int64_t>(loop_.now_ms());
    uint64_t delay = until_ms > now ? static_cast<uint64_t>(until_ms - now) : 0;
    pause_timer_ = loop_.add_timer(delay, 0, [this] {
        pause_timer_ = 0;
        unpause_clients();
    });
}

void Server::unpause_clients() {
    if (pause_timer_ != 0) loop_.cancel_timer(pause_timer_);
    pause_timer_ = 0;
    pause_until_ms_ = 0;
    pause_writes_only_ = false;
    std::vector<Connection*> held;
    held.swap(paused_);
    for (Connection* c : held)
        if (c->state() == ConnState::kPaused) c->unpause();
}

bool Server::pause_holds(const Connection& c, std::span<const std::string_view> argv) const {
    if (!pause_writes_only_) return true;
    const Command* cmd = commands_.find(argv[0]);
    if (cmd == nullptr) return false;
    if (cmd->subcommands != nullptr && argv.size() >= 2) {
        const Command* sub = CommandTable::find_subcommand(*cmd, argv[1]);
        if (sub != nullptr) cmd = sub;
    }
    // Writes, PUBLISH (it would reach replicas) and an EXEC of writes wait.
    if (cmd->flags & kCmdWrite) return true;
    if (cmd->name == "publish" || cmd->name == "spublish") return true;
    if (cmd->name == "exec" && c.transaction_if_any() != nullptr) {
        for (const QueuedCommand& q : c.transaction_if_any()->queue)
            if (q.cmd->flags & kCmdWrite) return true;
    }
    return false;
}

void Server::propagate(int db, std::span<const std::string_view> argv) {
    // Nobody listening (no log, no replica, no backlog): no work, not even
    // the lookup that working out the effect may need.
    if (config_.storage != StorageMode::kShared || (!aof_.feeding() && !replication_.feeding())) {
        has_override_ = false;
        return;
    }
    std::vector<std::string_view> views;
    std::span<const std::string_view> effect;
    if (has_override_) {
        has_override_ = false;
        views.assign(override_argv_.begin(), override_argv_.end());
        effect = views;
    } else {
        effect = effect_of(argv, shared_.at(db), effect_scratch_);
    }
    propagate_effect(db, effect);
}

void Server::propagate_effect(int db, std::span<const std::string_view> effect) {
    if (config_.storage != StorageMode::kShared) return;
    aof_.feed(db, effect);
    replication_.feed(db, effect);
}

void Server::begin_transaction_propagation() {
    aof_.begin_transaction();
    replication_.begin_transaction();
}

void Server::end_transaction_propagation() {
    aof_.end_transaction();
    replication_.end_transaction();
}

bool Server::apply_appendonly(std::string& error) {
    if (config_.storage != StorageMode::kShared) return true;
    if (config_.appendonly == "yes") return aof_.open(error);
    aof_.close();
    return true;
}

uint64_t Server::random() {
    // xorshift64*: fast, good enough for sampling keys.
    rng_state_ ^= rng_state_ >> 12;
    rng_state_ ^= rng_state_ << 25;
    rng_state_ ^= rng_state_ >> 27;
    return rng_state_ * 0x2545F4914F6CDD1DULL;
}

int Server::run() {
    listener_ = std::make_unique<Listener>(*this);
    std::string err = listener_->open(config_.bind, config_.port);
    if (!err.empty()) {
        std::fprintf(stderr, "ringdis: %s\n", err.c_str());
        return 1;
    }
    config_.port = listener_->port();
    if (config_.storage == StorageMode::kShared) {
        // With appendonly the log is the truth when it exists; otherwise
        // the snapshot. Either refuses to start half-loaded.
        std::string load_error;
        bool from_aof = false;
        if (config_.appendonly == "yes" && !aof_.load(load_error, from_aof)) {
            std::fprintf(stderr, "ringdis: %s\n", load_error.c_str());
            return 1;
        }
        if (!from_aof && !persistence_.load_at_start(load_error)) {
            std::fprintf(stderr, "ringdis: %s\n", load_error.c_str());
            return 1;
        }
        persistence_.mark_clean();
        if (config_.appendonly == "yes" && !aof_.open(load_error)) {
            std::fprintf(stderr, "ringdis: %s\n", load_error.c_str());
            return 1;
        }
    }
    if (auto master = parse_replicaof(config_.replicaof)) {
        bool already = false;
        std::string why = replication_.replicate_from(master->first, master->second, already);
        if (!why.empty()) std::fprintf(stderr, "ringdis: --replicaof: %s\n", why.c_str());
    }
    loop_.set_before_sleep([this] { before_sleep(); });
    loop_.on_signals({SIGINT, SIGTERM}, [this](int sig) {
        std::fprintf(stderr, "ringdis: received %s, shutting down\n",
                     sig == SIGINT ? "SIGINT" : "SIGTERM");
        std::string error;
        if (!shutdown_with_save(false, false, false, error))
            std::fprintf(stderr, "ringdis: SIGTERM received but errors trying to shut down the server\n");
    });
    uint64_t period = static_cast<uint64_t>(1000 / (config_.hz > 0 ? config_.hz : 10));
    loop_.add_timer(period, period, [this] { cron(); });
    if (config_.stats_interval > 0) {
        uint64_t every = static_cast<uint64_t>(config_.stats_interval) * 1000;
        last_stats_ms_ = loop_.now_ms();
        loop_.add_timer(every, every, [this] { print_stats_line(); });
    }
    std::printf("ringdis %s listening on %s:%d (storage %s)\n", std::string(kRingdisVersion).c_str(),
                config_.bind.c_str(), config_.port,
                config_.storage == StorageMode::kShared ? "shared" : "per-connection");
    std::fflush(stdout);
    loop_.run();
    return exit_code_;
}

void Server::accept_connection(int fd) {
    ++stats_.total_connections_received;
    if (shutting_down_ || connection_count_ >= static_cast<size_t>(config_.maxclients)) {
        ++stats_.rejected_connections;
        // Best effort, as Redis: the socket is new so the write will fit.
        (void)!::send(fd, kMaxClientsReply.data(), kMaxClientsReply.size(), MSG_NOSIGNAL);
        ::close(fd);
        return;
    }
    std::string peer = socket_address(fd, true);
    // Protected mode (server/acl.h): while the default user has no
    // password, a client not on the loopback interface gets Redis's DENIED
    // and is closed.
    if (protected_mode_denies(config_, acl_.default_user()->nopass(), peer.substr(0, peer.rfind(':')))) {
        ++stats_.rejected_connections;
        (void)!::send(fd, kProtectedModeDenied.data(), kProtectedModeDenied.size(), MSG_NOSIGNAL);
        ::close(fd);
        return;
    }
    auto* c = new Connection(*this, fd, next_client_id_++, std::move(peer), socket_address(fd, false));
    if (!loop_.watch(fd, reactor::kReadable, c)) {
        ::close(fd);
        delete c;
        return;
    }
    link(c);
}

Connection* Server::adopt_master_connection(int fd) {
    auto* c = new Connection(*this, fd, next_client_id_++, socket_address(fd, true), socket_address(fd, false));
    if (!loop_.watch(fd, reactor::kReadable, c)) {
        ::close(fd);
        delete c;
        return nullptr;
    }
    c->make_master_link();
    link(c);
    return c;
}

void Server::link(Connection* c) {
    c->prev = last_;
    c->next = nullptr;
    if (last_) last_->next = c;
    else first_ = c;
    last_ = c;
    ++connection_count_;
}

void Server::unlink(Connection* c) {
    if (cron_cursor_ == c) cron_cursor_ = c->next;
    if (c->prev) c->prev->next = c->next;
    else first_ = c->next;
    if (c->next) c->next->prev = c->prev;
    else last_ = c->prev;
    c->prev = c->next = nullptr;
    --connection_count_;
}

void Server::retire(Connection* c) {
    unlink(c);
    graveyard_.push_back(c);
}

Connection* Server::find_connection(uint64_t id) {
    for (Connection* c = first_; c != nullptr; c = c->next)
        if (c->id() == id) return c;
    return nullptr;
}

void Server::queue_write(Connection* c) {
    if (c->write_queued) return;
    c->write_queued = true;
    c->next_pending = pending_writes_;
    pending_writes_ = c;
}

void Server::queue_ready(Connection* c) {
    if (c->ready_queued) return;
    c->ready_queued = true;
    c->next_ready = ready_;
    ready_ = c;
    loop_.request_no_sleep();
}

void Server::before_sleep() {
    blocking_.serve();
    // Input left over from backpressure runs first so its replies go out in
    // the same flush.
    while (Connection* c = ready_) {
        ready_ = c->next_ready;
        c->ready_queued = false;
        if (c->state() != ConnState::kClosed) c->resume_input();
    }
    replication_.before_sleep();
    // The log before the replies that acknowledge what it holds.
    aof_.write_pending();
    while (Connection* c = pending_writes_) {
        pending_writes_ = c->next_pending;
        c->write_queued = false;
        if (c->state() != ConnState::kClosed) c->flush();
    }
    for (Connection* c : graveyard_) delete c;
    graveyard_.clear();
    if (shutting_down_ && connection_count_ == 0) loop_.stop();
}

void Server::for_each_databases(const std::function<void(Databases&)>& fn) {
    fn(shared_);
    if (config_.storage == StorageMode::kPerConnection)
        for_each_connection([&](Connection& c) { fn(c.databases()); });
}

void Server::cron() {
    eviction_.cron();
    if (config_.storage == StorageMode::kShared) {
        persistence_.cron();
        aof_.cron();
        replication_.cron();
    }
    clients_cron();
    // Active expiry and table upkeep, each with a small time budget so the
    // loop never pauses for long.
    constexpr uint64_t kExpireBudgetUs = 1000;
    constexpr uint64_t kRehashBudgetUs = 1000;
    auto rng = +[]() -> uint64_t {
        static thread_local std::mt19937_64 gen{std::random_device{}()};
        return gen();
    };
    int64_t now = static_cast<int64_t>(loop_.now_ms());
    uint64_t deadline = steady_us() + kExpireBudgetUs;
    for_each_databases([&](Databases& dbs) {
        for (int i = 0; i < Databases::kCount; ++i) {
            Database& db = dbs.at(i);
            if (db.volatile_count() > 0 && steady_us() < deadline) {
                stats_.expired_keys += db.expire_cycle(now, deadline, rng);
            }
            if (db.needs_maintenance()) db.maintain(kRehashBudgetUs / 4);
        }
    });
}

void Server::clients_cron() {
    // Bounded work per tick however many clients there are: about count/hz
    // of them (at least 5), resuming where the last tick stopped, so that a
    // pass over all of them takes about a second. The slice is fixed when a
    // pass starts: clients closed during the pass do not slow the rest of
    // it down (Redis's count/hz shrinks as they go); clients arriving do
    // speed it up.
    constexpr size_t kMinPerTick = 5;
    const size_t hz = static_cast<size_t>(config_.hz > 0 ? config_.hz : 10);
    size_t visits = std::max({kMinPerTick, cron_slice_, connection_count_ / hz});
    const auto now = static_cast<int64_t>(loop_.now_ms());
    bool wrapped = false;
    while (visits-- > 0) {
        if (cron_cursor_ == nullptr) {
            if (wrapped) break;  // each client at most once a tick
            wrapped = true;
            cron_cursor_ = first_;
            cron_slice_ = connection_count_ / hz;
            if (cron_cursor_ == nullptr) break;
        }
        Connection* c = cron_cursor_;
        cron_cursor_ = c->next;
        c->cron_check(now);  // may close it (unlink moves the cursor on)
    }
}

void Server::print_stats_line() {
    uint64_t now = loop_.now_ms();
    double secs = static_cast<double>(now - last_stats_ms_) / 1000.0;
    if (secs <= 0) return;
    const ServerStats& s = stats_;
    const reactor::LoopStats& ls = loop_.stats();
    auto rate = [&](uint64_t cur, uint64_t prev) { return static_cast<double>(cur - prev) / secs; };
    double busy = static_cast<double>(ls.busy_us - last_busy_us_) / (secs * 1e6) * 100.0;
    std::printf("stats: clients=%zu cmd/s=%.0f in=%.1fKB/s out=%.1fKB/s reads/s=%.0f writes/s=%.0f "
                "loop_busy=%.1f%% keys=%zu\n",
                connection_count_, rate(s.total_commands_processed, last_stats_.total_commands_processed),
                rate(s.net_input_bytes, last_stats_.net_input_bytes) / 1024,
                rate(s.net_output_bytes, last_stats_.net_output_bytes) / 1024,
                rate(s.read_syscalls, last_stats_.read_syscalls),
                rate(s.write_syscalls, last_stats_.write_syscalls), busy, shared_.at(0).size());
    std::fflush(stdout);
    last_stats_ = stats_;
    last_stats_ms_ = now;
    last_busy_us_ = ls.busy_us;
}

bool Server::shutdown_with_save(bool force_save, bool nosave, bool force, std::string& error) {
    if (shutting_down_) return true;
    persistence_.kill_bgsave();
    aof_.close();
    if (config_.storage == StorageMode::kShared && !nosave && (force_save || persistence_.saving_configured())) {
        std::string why;
        if (!persistence_.save(why) && !force) {
            error = "ERR Errors trying to SHUTDOWN. Check logs.";
            return false;
        }
    }
    begin_shutdown();
    return true;
}

void Server::begin_shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    if (listener_) listener_->close();
    for_each_connection([](Connection& c) { c.close_after_reply(); });
    loop_.add_timer(kShutdownGraceMs, 0, [this] { loop_.stop(); });
    loop_.request_no_sleep();
}

protocol::RingBuffer Server::take_input_buffer() {
    if (input_pool_.empty()) return protocol::RingBuffer(kPooledBufferSize);
    protocol::RingBuffer b = std::move(input_pool_.back());
    input_pool_.pop_back();
    return b;
}

void Server::give_input_buffer(protocol::RingBuffer&& b) {
    // A buffer that grew a little (a pipeline of 1 KiB values is more than
    // 16 KiB a batch) is kept too: freeing it would make every batch of
    // such a client pay a grow-and-copy and a free.
    if (b.capacity() >= kPooledBufferSize && b.capacity() <= 4 * kPooledBufferSize &&
        input_pool_.size() < kMaxPooledBuffers) {
        input_pool_.push_back(std::move(b));
    } else {
        b.release();
    }
}

protocol::OutputBuffer Server::take_output_buffer() {
    if (output_pool_.empty()) {
        protocol::OutputBuffer b;
        b.tail_space(kPooledBufferSize);
        return b;
    }
    protocol::OutputBuffer b = std::move(output_pool_.back());
    output_pool_.pop_back();
    return b;
}

void Server::give_output_buffer(protocol::OutputBuffer&& b) {
    b.clear();
    if (b.capacity() >= kPooledBufferSize && b.capacity() <= 4 * kPooledBufferSize &&
        output_pool_.size() < kMaxPooledBuffers) {
        output_pool_.push_back(std::move(b));
    } else {
        b.release();
    }
}

}  // namespace server
