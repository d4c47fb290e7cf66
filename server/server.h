// The server: owns the loop, the listener, the connections, the shared
// databases, the command table, buffer pools and counters; runs the cron
// (active expiry, table maintenance) and graceful shutdown.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/output_buffer.h"
#include "protocol/ring_buffer.h"
#include "reactor/event_loop.h"
#include "server/acl.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/config.h"
#include "server/database.h"
#include "server/aof.h"
#include "server/effects.h"
#include "server/eviction.h"
#include "server/keyspace_events.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/replication.h"
#include "server/watched_keys.h"
#include "server/slowlog.h"
#include "server/stats.h"

namespace server {

class Connection;
class Listener;

class Server final : public ExpiryListener {
public:
    explicit Server(Config cfg);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Listens and serves until shutdown; returns the process exit code.
    int run();

    reactor::EventLoop& loop() { return loop_; }
    Config& config() { return config_; }
    const CommandTable& commands() const { return commands_; }
    Acl& acl() { return acl_; }
    Databases& shared_databases() { return shared_; }
    ServerStats& stats() { return stats_; }
    Blocking& blocking() { return blocking_; }
    Slowlog& slowlog() { return slowlog_; }
    Persistence& persistence() { return persistence_; }
    Aof& aof() { return aof_; }
    PubSub& pubsub() { return pubsub_; }
    WatchedKeys& watched_keys() { return watched_; }
    KeyspaceEvents& keyspace_events() { return events_; }
    Eviction& eviction() { return eviction_; }
    Replication& replication() { return replication_; }
    // Changes to the data since start (Redis's server.dirty).
    uint64_t dirty() const { return dirty_; }
    void add_dirty(uint64_t n) { dirty_ += n; }
    // A write changed key of db (signalModifiedKey): WATCH sees it.
    void key_modified(Database& db, std::string_view key) {
        watched_.touch(db, key);
        ++dirty_;
    }
    void key_expired(Database& db, std::string_view key) override;
    // A command changed data in database `db`: its effect goes to the
    // append-only file and to the replicas.
    void propagate(int db, std::span<const std::string_view> argv);
    // What is logged and replicated as it is (an expired key's DEL).
    void propagate_effect(int db, std::span<const std::string_view> effect);
    // EXEC: the effects of its commands go out as one MULTI ... EXEC.
    void begin_transaction_propagation();
    void end_transaction_propagation();
    // CONFIG SET appendonly: opens (creating from the data) or closes the log.
    bool apply_appendonly(std::string& error);
    void set_propagation_override(std::vector<std::string> argv) {
        override_argv_ = std::move(argv);
        has_override_ = true;
    }
    uint64_t start_ms() const { return start_ms_; }
    uint64_t run_id_seed() const { return run_id_seed_; }
    const std::string& run_id() const { return run_id_; }

    // Connection lifecycle.
    void accept_connection(int fd);
    // The socket to our master, once its handshake is done (replication).
    Connection* adopt_master_connection(int fd);
    void retire(Connection* c);  // destroyed before the loop sleeps
    void queue_write(Connection* c);
    void queue_ready(Connection* c);  // has buffered input to run
    size_t connection_count() const { return connection_count_; }
    Connection* find_connection(uint64_t id);
    template <typename Fn>
    void for_each_connection(Fn&& fn) {
        for (Connection* c = first_; c != nullptr;) {
            Connection* next = c->next;
            fn(*c);
            c = next;
        }
    }
    // Each Databases set, shared or per connection (for the cron and INFO).
    void for_each_databases(const std::function<void(Databases&)>& fn);

    // Buffers lent to connections while they have bytes in flight.
    protocol::RingBuffer take_input_buffer();
    void give_input_buffer(protocol::RingBuffer&& b);
    protocol::OutputBuffer take_output_buffer();
    void give_output_buffer(protocol::OutputBuffer&& b);

    // CLIENT PAUSE: until `until_ms` (wall clock) no command runs, or with
    // writes_only no write. A later pause can only extend it.
    void pause_clients(int64_t until_ms, bool writes_only);
    void unpause_clients();
    bool clients_paused() const { return pause_until_ms_ != 0; }
    // Whether the pause holds this command of this connection.
    bool pause_holds(const Connection& c, std::span<const std::string_view> argv) const;
    void hold_paused(Connection* c) { paused_.push_back(c); }
    // A held connection that closes leaves the list before it is destroyed.
    void forget_paused(Connection* c) { std::erase(paused_, c); }

    // SHUTDOWN and SIGTERM: saves the snapshot when a schedule is set (or
    // `force_save`) unless `nosave`, then begins the shutdown. False, with
    // nothing stopped, when the save fails (unless `force`).
    bool shutdown_with_save(bool force_save, bool nosave, bool force, std::string& error);

    // Stop accepting, let connections flush, exit once they are gone.
    void begin_shutdown();
    bool shutting_down() const { return shutting_down_; }

    uint64_t random();

private:
    void before_sleep();
    void cron();
    // A slice of the clients per tick (each about once a second, as Redis's
    // clientsCron): idle timeout and output buffer limits.
    void clients_cron();
    void print_stats_line();
    void link(Connection* c);
    void unlink(Connection* c);

    Config config_;
    reactor::EventLoop loop_;
    CommandTable commands_;
    Acl acl_{commands_, config_.requirepass};  // users; after the command table it numbers
    Databases shared_{this};
    ServerStats stats_;
    Blocking blocking_{*this};
    Slowlog slowlog_;
    PubSub pubsub_{config_.obuf_pubsub};
    WatchedKeys watched_;
    KeyspaceEvents events_{pubsub_, config_.notify_keyspace_events};
    Eviction eviction_{*this};
    uint64_t dirty_ = 0;
    int64_t pause_until_ms_ = 0;
    bool pause_writes_only_ = false;
    reactor::TimerId pause_timer_ = 0;
    std::vector<Connection*> paused_;
    Persistence persistence_{*this};
    Aof aof_{*this};
    Replication replication_{*this};
    EffectScratch effect_scratch_;
    std::vector<std::string> override_argv_;
    bool has_override_ = false;
    std::unique_ptr<Listener> listener_;
    Connection* first_ = nullptr;
    Connection* last_ = nullptr;
    Connection* cron_cursor_ = nullptr;  // the next client clients_cron() visits
    size_t cron_slice_ = 0;              // clients it visits a tick in this pass
    size_t connection_count_ = 0;
    uint64_t next_client_id_ = 1;
    Connection* pending_writes_ = nullptr;
    Connection* ready_ = nullptr;
    std::vector<Connection*> graveyard_;
    std::vector<protocol::RingBuffer> input_pool_;
    std::vector<protocol::OutputBuffer> output_pool_;
    uint64_t start_ms_ = 0;
    uint64_t run_id_seed_ = 0;
    std::string run_id_;
    uint64_t rng_state_ = 0;
    bool shutting_down_ = false;
    int exit_code_ = 0;
    // Counters at the previous --stats-interval line, to print rates.
    ServerStats last_stats_;
    uint64_t last_stats_ms_ = 0;
    uint64_t last_busy_us_ = 0;
};

}  // namespace server
