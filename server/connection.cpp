#include "server/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>

#include "server/acl.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/cycles.h"
#include "server/database.h"
#include "server/pubsub.h"
#include "server/replication.h"
#include "server/server.h"
#include "server/transaction.h"

namespace server {

namespace {

// Past this much unsent output a connection stops executing commands until
// the client reads (backpressure instead of unbounded growth).
constexpr size_t kOutputSoftLimit = 1 << 20;
// Large bulks grow the input buffer in steps of at most this, so a header
// announcing 512 MB does not reserve it before the bytes arrive.
constexpr size_t kMaxGrowStep = 64u << 20;
constexpr size_t kReadChunk = 16 * 1024;
// Input buffers grow to this for clients whose batches fill them (and the
// server's pool keeps buffers up to this size).
constexpr size_t kGreedyBufferMax = 64 * 1024;

std::string_view upto_nul(std::string_view s) {
    size_t nul = s.find('\0');
    return nul == std::string_view::npos ? s : s.substr(0, nul);
}

}  // namespace

std::string_view state_name(ConnState s) {
    switch (s) {
    case ConnState::kReading: return "reading";
    case ConnState::kWriting: return "writing";
    case ConnState::kBlocked: return "blocked";
    case ConnState::kPaused: return "paused";
    case ConnState::kClosing: return "closing";
    case ConnState::kClosed: return "closed";
    }
    return "unknown";
}

Connection::Connection(Server& server, int fd, uint64_t id, std::string peer, std::string local)
    : server_(server),
      fd_(fd),
      id_(id),
      parser_(protocol::ParserLimits{.max_bulk = server.config().proto_max_bulk_len}),
      writer_(out_, 2),
      peer_(std::move(peer)),
      local_(std::move(local)) {
    created_ms_ = last_active_ms_ = server_.loop().now_ms();
    set_default_auth();
}

Connection::~Connection() = default;

Databases& Connection::databases() {
    if (server_.config().storage == StorageMode::kShared) return server_.shared_databases();
    if (!own_databases_) own_databases_ = std::make_unique<Databases>(&server_);
    return *own_databases_;
}

Database& Connection::db() { return databases().at(db_index_); }

unsigned Connection::event_mask() const {
    unsigned mask = reactor::kNone;
    // A blocked or paused connection keeps reading so a disconnect is noticed.
    if (state_ == ConnState::kReading || state_ == ConnState::kBlocked || state_ == ConnState::kPaused)
        mask |= reactor::kReadable;
    if (write_armed_) mask |= reactor::kWritable;
    return mask;
}

void Connection::update_mask() {
    if (state_ != ConnState::kClosed) server_.loop().set_mask(fd_, event_mask());
}

void Connection::transition(ConnState next_state) {
    if (state_ == ConnState::kClosed || state_ == next_state) return;
    // Closing is final: only the close itself may follow it.
    if (state_ == ConnState::kClosing && next_state != ConnState::kClosed) return;
    state_ = next_state;
    update_mask();
}

void Connection::on_io(int, unsigned events) {
    if (events & reactor::kReadable) handle_readable();
    if (state_ != ConnState::kClosed && (events & reactor::kWritable)) handle_writable();
    if (state_ != ConnState::kClosed && (events & reactor::kHangup) && state_ != ConnState::kReading) {
        close_now();  // the peer is gone and we were not reading to notice
    }
}

void Connection::borrow_input() {
    if (in_.capacity() == 0) in_ = server_.take_input_buffer();
}

void Connection::return_idle_buffers() {
    if (in_.empty() && in_.capacity() != 0) server_.give_input_buffer(std::move(in_));
    if (out_.empty() && out_.capacity() != 0) server_.give_output_buffer(std::move(out_));
}

void Connection::handle_readable() {
    if (state_ != ConnState::kReading && state_ != ConnState::kBlocked && state_ != ConnState::kPaused) return;
    borrow_input();
    const auto query_limit = static_cast<size_t>(server_.config().client_query_buffer_limit);
    if (in_.free_space() == 0) {
        // Full at the limit: the next byte passes it (and the buffer need
        // not double first).
        if (in_.size() >= query_limit) {
            close_for_query_limit();
            return;
        }
        in_.reserve(in_.capacity() * 2);
    }
    std::span<char> room = in_.writable();
    // 16 KiB a read (Redis's PROTO_IOBUF_LEN) into a fresh buffer, unless a
    // larger bulk is on its way; into one that has grown, as much as fits,
    // as Redis reads once its query buffer has grown ("to save read(2)
    // system calls"). Limits are checked between reads, as Redis's are; an
    // inline line keeps to 16 KiB reads, so that one longer than 64 KiB is
    // refused (no newline yet) rather than read whole at once.
    size_t chunk = std::max(kReadChunk, parser_.bytes_wanted());
    if (in_.capacity() > kReadChunk && (in_.empty() || in_.at(0) == '*')) chunk = std::max(chunk, room.size());
    ssize_t n = ::read(fd_, room.data(), std::min(room.size(), chunk));
    ServerStats& stats = server_.stats();
    ++stats.read_syscalls;
    if (n > 0) {
        in_.commit(static_cast<size_t>(n));
        // A read that filled the buffer leaves the rest of the batch for
        // another read (and its replies for another write): a client whose
        // batches are that big gets a bigger buffer, which the pool keeps
        // (up to 64 KiB) for its next batch.
        if (in_.free_space() == 0 && in_.capacity() < kGreedyBufferMax) in_.reserve(in_.capacity() * 2);
        stats.net_input_bytes += static_cast<uint64_t>(n);
        last_active_ms_ = server_.loop().now_ms();
        // Checked before the input is run, as Redis does: unparsed input
        // (a frame in progress, or commands held while blocked or paused).
        if (in_.size() > query_limit) {
            close_for_query_limit();
            return;
        }
        if (state_ == ConnState::kReading) process_input();
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_now();
        return;
    }
    if (state_ != ConnState::kClosed) return_idle_buffers();
}

void Connection::handle_writable() { flush(); }

void Connection::park(std::unique_ptr<BlockState> state) {
    blocked_ = std::move(state);
    transition(ConnState::kBlocked);
}

void Connection::wake(bool timed_out, std::string_view error) {
    if (state_ != ConnState::kBlocked) return;
    std::unique_ptr<BlockState> st = std::move(blocked_);
    transition(ConnState::kReading);
    if (out_.capacity() == 0) out_ = server_.take_output_buffer();
    if (timed_out && !error.empty()) {
        writer_.error(error);
        ++server_.stats().total_error_replies;
    } else if (timed_out) {
        if (st->timeout_reply == TimeoutReply::kNullArray) writer_.null_array();
        else if (st->timeout_reply == TimeoutReply::kReplicaCount)
            writer_.integer(static_cast<int64_t>(server_.replication().replicas_acked(wait_offset_)));
        else writer_.null_bulk();
    } else {
        std::vector<std::string_view> argv(st->argv.begin(), st->argv.end());
        rerun_deadline_ = st->deadline_ms;
        execute(argv);
        rerun_deadline_ = -1;
    }
    if (enforce_output_limit(false) || state_ == ConnState::kClosed) return;
    if (!out_.empty()) server_.queue_write(this);
    // Commands pipelined behind the blocking one run now.
    if (state_ == ConnState::kReading && !in_.empty()) server_.queue_ready(this);
}

void Connection::unpause() {
    if (state_ != ConnState::kPaused) return;
    transition(ConnState::kReading);
    if (!in_.empty()) server_.queue_ready(this);
}

void Connection::resume_input() {
    if (state_ != ConnState::kReading) return;
    process_input();
    if (state_ != ConnState::kClosed) return_idle_buffers();
}

void Connection::process_input() {
    if (out_.capacity() == 0) out_ = server_.take_output_buffer();
    while (state_ == ConnState::kReading && !in_.empty()) {
        protocol::ParseStatus st = parser_.parse(in_);
        if (st == protocol::ParseStatus::kNeedMore) {
            size_t want = parser_.bytes_wanted();
            if (want > in_.free_space()) {
                size_t step = want < kMaxGrowStep ? want : kMaxGrowStep;
                in_.reserve(in_.size() + step);
            }
            break;
        }
        if (st == protocol::ParseStatus::kError) {
            reply_protocol_error();
            break;
        }
        const auto& argv = parser_.args();
        // CLIENT PAUSE: the command stays in the buffer until the pause ends.
        if (!argv.empty() && !master_link_ && server_.clients_paused() && server_.pause_holds(*this, argv)) {
            transition(ConnState::kPaused);
            server_.hold_paused(this);
            break;
        }
        if (!argv.empty()) execute(argv);
        if (enforce_output_limit(false) || state_ == ConnState::kClosed) return;
        if (master_link_) [[unlikely]] {
            // Our replication offset (and our replicas' stream) is the
            // master's bytes, counted once the command has run.
            const size_t n = parser_.frame_size();
            std::string_view raw = in_.readable();
            if (raw.size() >= n) {
                server_.replication().applied_from_master(raw.substr(0, n));
            } else {
                std::string copy(n, '\0');
                for (size_t i = 0; i < n; ++i) copy[i] = in_.at(i);
                server_.replication().applied_from_master(copy);
            }
        }
        in_.consume(parser_.frame_size());
        if (out_.size() > kOutputSoftLimit && state_ == ConnState::kReading) {
            transition(ConnState::kWriting);
        }
    }
    if (!out_.empty()) server_.queue_write(this);
}

void Connection::reply_protocol_error() {
    ++server_.stats().protocol_errors;
    std::string msg = "ERR " + parser_.error_message();
    writer_.error(msg);
    ++server_.stats().total_error_replies;
    in_.consume(in_.size());
    parser_.reset();
    close_after_reply();
}

void Connection::reject(std::string_view error, const Command* cmd) {
    ++server_.stats().total_error_replies;
    // A rejected EXEC names the reason and ends any transaction (Redis does
    // this even outside MULTI).
    if (cmd != nullptr && cmd->name == "exec") {
        if (error.starts_with("ERR ")) error.remove_prefix(4);
        std::string msg = "EXECABORT Transaction discarded because of: ";
        msg.append(error);
        writer_.error(msg);
        if (txn_) {
            txn_->reset_multi();
            server_.watched_keys().unwatch_all(*this);
        }
        return;
    }
    if (txn_ && txn_->in_multi) txn_->dirty_exec = true;
    writer_.error(error);
}

void Connection::execute(std::span<const std::string_view> argv) {
    if (master_link_) [[unlikely]] {
        // The master's commands answer nothing, but REPLCONF GETACK.
        const size_t mark = out_.size();
        dispatch(argv);
        if (!keep_reply_ && out_.size() >= mark) out_.truncate(mark);
        keep_reply_ = false;
        return;
    }
    if (!replies_off_ && !skip_this_) {
        dispatch(argv);
        if (skip_next_) {  // CLIENT REPLY SKIP: the next command is silent
            skip_this_ = true;
            skip_next_ = false;
        }
        return;
    }
    // CLIENT REPLY OFF / SKIP: the command runs, whatever it answers is
    // dropped, unless it is CLIENT REPLY ON itself.
    const size_t mark = out_.size();
    const bool suppressed = replies_off_ || skip_this_;
    dispatch(argv);
    if (suppressed && (replies_off_ || skip_this_) && out_.size() >= mark) out_.truncate(mark);
    skip_this_ = skip_next_;
    skip_next_ = false;
}

void Connection::dispatch(std::span<const std::string_view> argv) {
    if (server_.config().verbose) log_command(argv);
    const Command* cmd = server_.commands().find(argv[0]);
    if (cmd == nullptr) {
        std::string args;
        for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
            std::string_view a = upto_nul(argv[i]).substr(0, 128 - args.size());
            args += '\'';
            args.append(a);
            args += "' ";
        }
        std::string msg = "ERR unknown command '";
        msg.append(upto_nul(argv[0]).substr(0, 128));
        msg += "', with args beginning with: ";
        msg += args;
        ++server_.stats().unknown_commands;
        reject(msg);
        return;
    }
    if (cmd->subcommands != nullptr && argv.size() >= 2) {
        const Command* sub = CommandTable::find_subcommand(*cmd, argv[1]);
        if (sub == nullptr) {
            std::string upper(upto_nul(argv[0]));
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            std::string msg = "ERR unknown subcommand '";
            msg.append(upto_nul(argv[1]).substr(0, 128));
            msg += "'. Try " + upper + " HELP.";
            reject(msg);
            return;
        }
        cmd = sub;
    }
    const int argc = static_cast<int>(argv.size());
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        ++cmd->stats.rejected_calls;
        reject(arity_error_text(cmd->name), cmd);
        return;
    }
    // Authentication, then the ACL (server/acl.h), in Redis's order: after
    // the arity check, before the subscribed-context check and MULTI
    // queuing. One compare for a connection of the default user while it
    // has no password and every permission. The append-only file's replay
    // is trusted, as Redis's loading client.
    if (user_ != server_.acl().unrestricted() && !replaying_) [[unlikely]] {
        std::string denied = server_.acl().denial(*user_, authenticated_, *cmd, argv);
        if (!denied.empty()) {
            ++cmd->stats.rejected_calls;
            reject(denied, cmd);
            return;
        }
    }
    // maxmemory (server/eviction.h): evict if over the limit, and refuse
    // what may grow memory when nothing can go, in Redis's order: after the
    // ACL, before the subscribed context and MULTI queuing. Not for the
    // append-only file's replay, nor for a blocked command run again (Redis
    // serves those without this check).
    if (server_.config().maxmemory != 0) [[unlikely]] {
        if (!replaying_ && rerun_deadline_ < 0 && !server_.eviction().admit(*this, *cmd)) {
            ++cmd->stats.rejected_calls;
            reject(Eviction::kOomError, cmd);
            return;
        }
    }
    // A replica takes writes only from its master (replica-read-only).
    if ((cmd->flags & kCmdWrite) && !master_link_ && server_.replication().is_replica() &&
        server_.config().replica_read_only) [[unlikely]] {
        ++cmd->stats.rejected_calls;
        reject("READONLY You can't write against a read only replica.", cmd);
        return;
    }
    if (subs_ && writer_.proto() == 2 && subscribed() && !(cmd->flags & kCmdSubscribedContext)) {
        ++cmd->stats.rejected_calls;
        std::string msg = "ERR Can't execute '";
        msg.append(cmd->name);
        msg += "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
        reject(msg, cmd);
        return;
    }
    if (txn_ && txn_->in_multi && !(cmd->flags & kCmdTransactionControl)) {
        txn_->queue_command(cmd, argv);
        writer_.raw("+QUEUED\r\n");
        return;
    }
    call(*cmd, argv);
}

void Connection::run_queued(const Command& cmd, std::span<const std::string_view> argv) {
    // The ACL may have changed since the command was queued (Redis checks
    // again in EXEC).
    if (user_ != server_.acl().unrestricted() && !replaying_) [[unlikely]] {
        AclVerdict v = server_.acl().check(*user_, cmd, argv);
        if (v.denied != AclDenied::kNone) {
            std::string msg =
                "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
                "call. This command is no longer allowed for the following reason: ";
            msg += v.denied == AclDenied::kCommand ? "no permission to execute the command or subcommand"
                   : v.denied == AclDenied::kKey   ? "no permission to touch the specified keys"
                                                   : "no permission to access one of the channels used as arguments";
            writer_.error(msg);
            ++server_.stats().total_error_replies;
            return;
        }
    }
    in_exec_ = true;
    call(cmd, argv);
    in_exec_ = false;
}

void Connection::call(const Command& cmd, std::span<const std::string_view> argv) {
    ServerStats& stats = server_.stats();
    CommandContext ctx{server_, *this, db(), argv, writer_, cmd,
                       static_cast<int64_t>(server_.loop().now_ms())};
    const uint64_t dirty_before = server_.dirty();
    const uint64_t stream_before = server_.replication().offset();
    uint64_t started = cycles_now();
    cmd.handler(ctx);
    uint64_t took = cycles_now() - started;
    // A command that changed data is logged (append-only file) as it ran,
    // or as the handler asked.
    if (server_.dirty() != dirty_before && !(cmd.flags & kCmdNoPropagate)) server_.propagate(db_index_, argv);
    // WAIT counts replicas that have this client's writes, not everything
    // in the stream since: the GETACK a WAIT sends moves the offset, and a
    // replica's answer to it does not count the GETACK itself. (EXEC ends
    // here after its EXEC went out, so its offset covers the whole block.)
    if (server_.replication().offset() != stream_before) write_offset_ = server_.replication().offset();
    CommandStats& cs = cmd.stats;
    ++cs.calls;
    cs.cycles += took;
    const Config& cfg = server_.config();
    if (cfg.latency_tracking) {
        if (!cs.latency) cs.latency = std::make_unique<LatencyHistogram>();
        cs.latency->record(took);
    }
    if (cfg.slowlog_log_slower_than >= 0 &&
        took >= us_to_cycles(static_cast<uint64_t>(cfg.slowlog_log_slower_than))) {
        server_.slowlog().add(argv, cycles_to_us(took), static_cast<int64_t>(server_.loop().now_ms() / 1000),
                              peer_, name_, static_cast<size_t>(cfg.slowlog_max_len));
    }
    if (ctx.failed) {
        ++cmd.stats.failed_calls;
        ++stats.total_error_replies;
    }
    ++stats.total_commands_processed;
    last_command_ = cmd.name;
    // Inside EXEC nothing else may run until the transaction is done.
    if (!in_exec_ && !replaying_ && server_.blocking().has_ready()) server_.blocking().serve();
}

void Connection::log_command(std::span<const std::string_view> argv) const {
    std::string line = "GOT: Array([";
    for (size_t i = 0; i < argv.size(); ++i) {
        if (i) line += ", ";
        line += "Bulk(b\"";
        for (unsigned char c : argv[i]) {
            if (c == '"' || c == '\\') {
                line += '\\';
                line += static_cast<char>(c);
            } else if (c >= 0x20 && c < 0x7f) {
                line += static_cast<char>(c);
            } else {
                char hex[5];
                std::snprintf(hex, sizeof hex, "\\x%02x", c);
                line += hex;
            }
        }
        line += "\")";
    }
    line += "])\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

void Connection::flush() {
    // A full sync's child is writing to this socket.
    if (hold_output_) return;
    // Replies acknowledge writes: none leaves before the append-only file
    // has the writes (before_sleep writes it first, then flushes again).
    if (server_.aof().has_unwritten() && !out_.empty()) {
        server_.queue_write(this);
        return;
    }
    ServerStats& stats = server_.stats();
    while (!out_.empty()) {
        std::string_view p = out_.pending();
        ssize_t n = ::send(fd_, p.data(), p.size(), MSG_NOSIGNAL);
        ++stats.write_syscalls;
        if (n > 0) {
            out_.consume(static_cast<size_t>(n));
            stats.net_output_bytes += static_cast<uint64_t>(n);
            last_active_ms_ = server_.loop().now_ms();  // a write is interaction too (timeout)
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!write_armed_) {
                write_armed_ = true;
                update_mask();
            }
            return;
        }
        close_now();
        return;
    }
    if (state_ == ConnState::kClosing) {
        close_now();
        return;
    }
    if (write_armed_) {
        write_armed_ = false;
        update_mask();
    }
    if (state_ == ConnState::kWriting) {
        transition(ConnState::kReading);
        if (!in_.empty()) server_.queue_ready(this);
    }
    return_idle_buffers();
}

Subscriptions& Connection::subscriptions() {
    if (!subs_) subs_ = std::make_unique<Subscriptions>();
    return *subs_;
}

bool Connection::subscribed() const { return subs_ && subs_->total() > 0; }

protocol::ReplyWriter& Connection::push_writer() {
    if (out_.capacity() == 0) out_ = server_.take_output_buffer();
    return writer_;
}

void Connection::output_ready() {
    if (!out_.empty()) server_.queue_write(this);
}

int64_t Connection::now_ms() const { return static_cast<int64_t>(server_.loop().now_ms()); }

void Connection::drop_output_and_close() {
    out_.clear();
    close_now();
}

std::string Connection::describe() const {
    return "id=" + std::to_string(id_) + " addr=" + peer_ + " laddr=" + local_ + " fd=" + std::to_string(fd_) +
           " name=" + name_ + " qbuf=" + std::to_string(in_.size()) + " obl=" + std::to_string(out_.size()) +
           " cmd=" + std::string(last_command_);
}

void Connection::close_for_query_limit() {
    // Redis's line, with the first bytes of the buffer escaped as sdscatrepr.
    std::string head = "\"";
    const size_t shown = in_.size() < 64 ? in_.size() : 64;
    for (size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(in_.at(i));
        switch (c) {
        case '\\': head += "\\\\"; break;
        case '"': head += "\\\""; break;
        case '\n': head += "\\n"; break;
        case '\r': head += "\\r"; break;
        case '\t': head += "\\t"; break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                head += static_cast<char>(c);
            } else {
                char hex[5];
                std::snprintf(hex, sizeof hex, "\\x%02x", c);
                head += hex;
            }
        }
    }
    head += '"';
    std::fprintf(stderr, "ringdis: Closing client that reached max query buffer length: %s (qbuf initial bytes: %s)\n",
                 describe().c_str(), head.c_str());
    ++server_.stats().query_buffer_limit_disconnections;
    close_now();
}

bool Connection::over_output_limit(int64_t now) {
    const Config& cfg = server_.config();
    const OutputLimit& limit = replica_attached_ ? cfg.obuf_replica : subscribed() ? cfg.obuf_pubsub : cfg.obuf_normal;
    if (limit.hard == 0 && limit.soft == 0) return false;  // the normal class's default
    const auto used = static_cast<int64_t>(out_.size());
    if (limit.hard != 0 && used >= limit.hard) return true;
    if (limit.soft == 0 || used < limit.soft) {
        soft_limit_since_ = 0;
        return false;
    }
    if (soft_limit_since_ == 0) {
        soft_limit_since_ = now;
        return false;
    }
    return now - soft_limit_since_ > limit.soft_seconds * 1000;
}

bool Connection::enforce_output_limit(bool from_cron) {
    if (state_ == ConnState::kClosed || !over_output_limit(now_ms())) return false;
    std::fprintf(stderr, "ringdis: Client %s %s for overcoming of output buffer limits.\n", describe().c_str(),
                 from_cron ? "closed" : "scheduled to be closed ASAP");
    ++server_.stats().output_buffer_limit_disconnections;
    drop_output_and_close();
    return true;
}

bool Connection::cron_check(int64_t now) {
    if (state_ == ConnState::kClosing || state_ == ConnState::kClosed) return false;
    // Redis's clientsCronHandleTimeout: blocked (and paused) clients have
    // their own deadlines, and Pub/Sub clients are never idle.
    const int64_t timeout = server_.config().timeout;
    if (timeout > 0 && (state_ == ConnState::kReading || state_ == ConnState::kWriting) && !subscribed() &&
        !replica_attached_ && !master_link_ &&
        now - static_cast<int64_t>(last_active_ms_) > timeout * 1000) {
        close_now();
        return true;
    }
    // A client that does not read stays over its soft limit without adding
    // replies: only the cron sees the time pass.
    return enforce_output_limit(true);
}

ReplicaState& Connection::replica_info() {
    if (!replica_) replica_ = std::make_unique<ReplicaState>();
    return *replica_;
}

ReplicaState& Connection::make_replica() {
    replica_attached_ = true;
    return replica_info();
}

void Connection::hold_output(bool on) {
    hold_output_ = on;
    if (!on && !out_.empty()) server_.queue_write(this);
}

void Connection::append_stream(std::string_view bytes) {
    if (state_ == ConnState::kClosed || state_ == ConnState::kClosing) return;
    push_writer().raw(bytes);
    server_.stats().net_repl_output_bytes += bytes.size();
    if (!hold_output_) server_.queue_write(this);
}

void Connection::flush_now() {
    for (int tries = 0; tries < 100 && !out_.empty() && state_ != ConnState::kClosed; ++tries) {
        std::string_view p = out_.pending();
        ssize_t n = ::send(fd_, p.data(), p.size(), MSG_NOSIGNAL);
        if (n > 0) {
            out_.consume(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            ::usleep(1000);
            continue;
        }
        break;
    }
}

void Connection::make_master_link() {
    master_link_ = true;
    replaying_ = true;  // trusted: no ACL, no OOM refusal, never blocks
}

void Connection::inject_input(std::string_view bytes) {
    borrow_input();
    in_.append(bytes);
    if (state_ == ConnState::kReading) process_input();
}

void Connection::send_to_master(std::string_view bytes) {
    push_writer().raw(bytes);
    server_.queue_write(this);
}

TransactionState& Connection::transaction() {
    if (!txn_) txn_ = std::make_unique<TransactionState>();
    return *txn_;
}

bool Connection::in_multi() const { return txn_ && txn_->in_multi; }

void Connection::reset_state() {
    if (txn_) {
        txn_->reset_multi();
        server_.watched_keys().unwatch_all(*this);
    }
    server_.pubsub().forget(*this);
    reply_on();
    writer_.set_proto(2);
    db_index_ = 0;
    set_default_auth();
}

void Connection::set_user(const AclUser* user, bool authenticated) {
    user_ = user;
    authenticated_ = authenticated;
    refresh_auth_limits();
}

void Connection::set_default_auth() {
    const AclUser* d = server_.acl().default_user();
    set_user(d, d->nopass() && d->enabled());
}

void Connection::refresh_auth_limits() {
    // Redis's authRequired(): checked by its parser on every header.
    const bool required = server_.acl().auth_required() && !authenticated_;
    protocol::ParserLimits limits = parser_.limits();
    limits.max_unauthenticated_multibulk = required ? 10 : -1;
    limits.max_unauthenticated_bulk = required ? 16384 : -1;
    parser_.set_limits(limits);
}

void Connection::close_after_reply() {
    transition(ConnState::kClosing);
    if (out_.empty()) {
        close_now();
    } else {
        server_.queue_write(this);
    }
}

void Connection::close_now() {
    if (state_ == ConnState::kClosed) return;
    if (blocked_) {
        server_.blocking().forget(*this);
        blocked_.reset();
    }
    if (subs_) server_.pubsub().forget(*this);
    if (txn_) server_.watched_keys().unwatch_all(*this);
    if (state_ == ConnState::kPaused) server_.forget_paused(this);
    if (replica_attached_) server_.replication().forget_replica(*this);
    if (master_link_) server_.replication().master_closed(*this);
    server_.loop().unwatch(fd_);
    ::close(fd_);
    state_ = ConnState::kClosed;
    in_.release();
    out_.clear();
    out_.release();
    server_.retire(this);
}

}  // namespace server
