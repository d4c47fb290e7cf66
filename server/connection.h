// One client connection: a task stepped by the reactor. Its lifecycle is an
// explicit state (printed by CLIENT LIST); its I/O buffers are borrowed from
// the server's pools while it has bytes in flight and returned when it goes
// idle, so an idle connection holds no buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/output_buffer.h"
#include "protocol/reply_writer.h"
#include "protocol/resp_parser.h"
#include "protocol/ring_buffer.h"
#include "reactor/event_loop.h"

namespace server {

struct AclUser;
struct BlockState;
struct ReplicaState;
struct Subscriptions;
struct TransactionState;
struct Command;
class Server;
class Database;
class Databases;

enum class ConnState : uint8_t {
    kReading,  // reading and executing commands
    kWriting,  // output over the soft limit: not reading until it drains
    kBlocked,  // waiting on keys (BLPOP...): input is buffered, not run
    kPaused,   // held by CLIENT PAUSE: input is buffered, not run
    kClosing,  // close once the pending output is written
    kClosed,   // socket closed; destroyed by the server before the loop sleeps
};
std::string_view state_name(ConnState s);

class Connection final : public reactor::IoHandler {
public:
    Connection(Server& server, int fd, uint64_t id, std::string peer, std::string local);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void on_io(int fd, unsigned events) override;

    // Runs one command as if it had been read from the socket; its reply is
    // appended to the output buffer (tests drive commands this way).
    void run_command(std::span<const std::string_view> argv) { execute(argv); }
    // The unsent output, and a way to drop it (tests).
    std::string_view pending_output() const { return out_.pending(); }
    void discard_output() { out_.clear(); }

    // Parks the connection on keys (see Blocking); wake() ends it, either
    // running the command again or answering the timeout's null reply.
    void park(std::unique_ptr<BlockState> state);
    // A non-empty `error` answers that instead of the time-out's null
    // (CLIENT UNBLOCK ... ERROR).
    void wake(bool timed_out, std::string_view error = {});
    BlockState* block_state() const { return blocked_.get(); }
    // While a woken command runs again: its original deadline (else -1).
    int64_t rerun_deadline() const { return rerun_deadline_; }

    // Pub/Sub: the connection's subscriptions (allocated on first use), the
    // writer for messages pushed to it, and queuing what was pushed.
    Subscriptions& subscriptions();
    Subscriptions* subscriptions_if_any() const { return subs_.get(); }
    // Subscribed to anything (a RESP2 connection then accepts only
    // subscription commands, PING, QUIT and RESET).
    bool subscribed() const;
    protocol::ReplyWriter& push_writer();
    void output_ready();
    int64_t soft_limit_since() const { return soft_limit_since_; }
    void set_soft_limit_since(int64_t ms) { soft_limit_since_ = ms; }
    int64_t now_ms() const;
    // Cut off (output limit, CLIENT KILL): pending output is dropped.
    void drop_output_and_close();
    // The cron's visit (a slice of the clients per tick): closes a client
    // idle for longer than `timeout` (not blocked, paused or subscribed, as
    // Redis), or over its output buffer limit. True when it closed it.
    bool cron_check(int64_t now);

    // MULTI/WATCH state, allocated on first use.
    TransactionState& transaction();
    TransactionState* transaction_if_any() const { return txn_.get(); }
    bool in_multi() const;
    // True while EXEC runs queued commands: blocking commands answer at once.
    bool in_exec() const { return in_exec_; }
    // The append-only file's replay: commands never block, replies are
    // dropped, blocked clients are not served in between.
    void set_replaying(bool on) { replaying_ = on; }
    bool cannot_block() const { return in_exec_ || replaying_; }
    // Runs the queued commands of EXEC (the array header is already written).
    void run_queued(const Command& cmd, std::span<const std::string_view> argv);

    // CLIENT REPLY, as Redis's flags: OFF drops every reply until ON; SKIP
    // drops the reply of the command after it.
    void reply_on() { replies_off_ = skip_this_ = skip_next_ = false; }
    void reply_off() { replies_off_ = true; }
    void reply_skip_next() {
        if (!replies_off_) skip_next_ = true;
    }

    // Authentication (server/acl.h), Redis's c->user and c->authenticated:
    // the user whose permissions apply, and whether the connection has
    // authenticated (it must before anything but AUTH, HELLO... while the
    // default user has a password).
    const AclUser* user() const { return user_; }
    bool authenticated() const { return authenticated_; }
    void set_user(const AclUser* user, bool authenticated);
    // The default user, authenticated only if it needs no password (new
    // connections and RESET; Redis's clientSetDefaultAuth).
    void set_default_auth();
    // The parser applies Redis's unauthenticated limits (10 arguments,
    // 16 KiB bulks) exactly while the connection must still authenticate.
    void refresh_auth_limits();

    // Replication (server/replication.h). A connection that sent PSYNC is a
    // replica: the write stream is appended to its output, which is held
    // while a full sync's child owns the socket. The connection to our own
    // master runs the master's commands without replying (but to GETACK).
    ReplicaState& make_replica();
    // What REPLCONF announced before PSYNC (port, capabilities).
    ReplicaState& replica_info();
    ReplicaState* replica_state() const { return replica_.get(); }
    bool is_replica() const { return replica_attached_; }
    void hold_output(bool on);
    void append_stream(std::string_view bytes);
    bool over_output_limit_now() { return over_output_limit(now_ms()); }
    void close_for_output_limit() { enforce_output_limit(false); }
    // Writes what is pending now, waiting (briefly) for the socket.
    void flush_now();
    void make_master_link();
    bool is_master_link() const { return master_link_; }
    // Bytes read by someone else before this connection took the socket.
    void inject_input(std::string_view bytes);
    void send_to_master(std::string_view bytes);
    // The master's REPLCONF GETACK: this reply is the one not dropped.
    void keep_reply() { keep_reply_ = true; }
    // WAIT: the stream offset the replicas must acknowledge.
    uint64_t wait_offset() const { return wait_offset_; }
    void set_wait_offset(uint64_t o) { wait_offset_ = o; }
    // The stream offset right after this client's last command that fed
    // the replication stream (Redis's c->woff): what WAIT waits for.
    uint64_t write_offset() const { return write_offset_; }

    // RESET: back to a fresh connection's state (keeps the socket and name).
    void reset_state();

    // Writes pending output (called before the loop sleeps and on EPOLLOUT).
    void flush();
    // Runs commands already buffered (after backpressure lifts).
    void resume_input();
    // CLIENT PAUSE ended: run what was held.
    void unpause();
    // Stops reading; closes once the output already produced is written.
    void close_after_reply();
    // Closes the socket now and hands the object to the server to destroy.
    void close_now();

    ConnState state() const { return state_; }
    uint64_t id() const { return id_; }
    int fd() const { return fd_; }
    const std::string& peer() const { return peer_; }
    const std::string& local() const { return local_; }
    const std::string& name() const { return name_; }
    void set_name(std::string_view n) { name_ = std::string(n); }
    int db_index() const { return db_index_; }
    void select(int index) { db_index_ = index; }
    Database& db();
    Databases& databases();
    int proto() const { return writer_.proto(); }
    void set_proto(int p) { writer_.set_proto(p); }
    uint64_t created_ms() const { return created_ms_; }
    uint64_t last_active_ms() const { return last_active_ms_; }
    std::string_view last_command() const { return last_command_; }
    size_t input_buffered() const { return in_.size(); }
    size_t input_capacity() const { return in_.capacity(); }
    size_t output_pending() const { return out_.size(); }
    size_t output_capacity() const { return out_.capacity(); }
    unsigned event_mask() const;

    // Intrusive links owned by Server (connection list, write queue).
    Connection* prev = nullptr;
    Connection* next = nullptr;
    Connection* next_pending = nullptr;
    bool write_queued = false;
    Connection* next_ready = nullptr;
    bool ready_queued = false;

private:
    void transition(ConnState next_state);
    void update_mask();
    void handle_readable();
    void handle_writable();
    void process_input();
    void execute(std::span<const std::string_view> argv);
    void dispatch(std::span<const std::string_view> argv);
    // Runs a command whose name, arity and context were checked.
    void call(const Command& cmd, std::span<const std::string_view> argv);
    // Rejects a command (unknown, arity...): counts it and, inside MULTI,
    // dooms the transaction.
    void reject(std::string_view error, const Command* cmd = nullptr);
    void reply_protocol_error();
    // client-output-buffer-limit of the connection's class (normal, or
    // pubsub while subscribed): true when past the hard limit, or past the
    // soft one for longer than its seconds (which starts the soft clock).
    bool over_output_limit(int64_t now);
    // Closes the connection, dropping its output, when over_output_limit();
    // true when it did.
    bool enforce_output_limit(bool from_cron);
    // "id=.. addr=.. laddr=.. name=.." for log lines.
    std::string describe() const;
    // client-query-buffer-limit passed: logs it as Redis does and closes.
    void close_for_query_limit();
    void log_command(std::span<const std::string_view> argv) const;
    void borrow_input();
    void return_idle_buffers();

    Server& server_;
    int fd_;
    uint64_t id_;
    ConnState state_ = ConnState::kReading;
    bool write_armed_ = false;  // EPOLLOUT wanted after a short write
    int db_index_ = 0;
    uint64_t created_ms_ = 0;
    uint64_t last_active_ms_ = 0;
    protocol::RingBuffer in_;
    protocol::RespParser parser_;
    protocol::OutputBuffer out_;
    protocol::ReplyWriter writer_;
    std::unique_ptr<Databases> own_databases_;  // --storage per-connection
    const AclUser* user_ = nullptr;             // never null once constructed
    bool authenticated_ = false;
    std::unique_ptr<BlockState> blocked_;       // only while kBlocked
    int64_t rerun_deadline_ = -1;
    std::unique_ptr<Subscriptions> subs_;
    std::unique_ptr<TransactionState> txn_;
    int64_t soft_limit_since_ = 0;
    bool in_exec_ = false;
    bool replaying_ = false;
    bool master_link_ = false;
    bool hold_output_ = false;
    bool keep_reply_ = false;
    bool replica_attached_ = false;
    std::unique_ptr<ReplicaState> replica_;
    uint64_t wait_offset_ = 0;
    uint64_t write_offset_ = 0;
    bool replies_off_ = false;
    bool skip_this_ = false;
    bool skip_next_ = false;
    std::string peer_;
    std::string local_;
    std::string name_;
    std::string_view last_command_ = "NULL";
};

}  // namespace server
