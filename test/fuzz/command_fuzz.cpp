// libFuzzer target: sequences of commands from four clients against one
// in-process server (no listener, no event loop running). The input format
// is described in command_codec.h.
//
// The harness plays the event loop's part by hand: clients are accepted
// through Server::accept_connection over socketpairs; bytes a client sends
// are read by calling Connection::on_io as epoll would; after every step the
// server's before_sleep() runs (serving woken clients, flushing output,
// destroying closed connections) and each client's socket is drained. The
// clock does not move (the loop never refreshes it), so runs repeat.
//
// Checked after every step (a failure aborts, which libFuzzer reports):
//  - everything a client receives is a sequence of valid RESP replies
//    (protocol::decode_reply consumes it exactly), with no CR/LF inside a
//    simple string or error and an upper-case error code;
//  - a command run in-process gets at least one reply (unless it blocked or
//    closed the connection, or the client ever sent CLIENT REPLY), in RESP2
//    no RESP3 type;
//  - for every database: the key count of a full walk, of a full SCAN-cursor
//    walk and Dict::size() agree; no key twice; every value type is known;
//    the TTL count matches the volatile index; no aggregate is empty; each
//    aggregate's walk matches its size (lists and sorted sets also pass
//    their own check()); sorted sets are ordered, sets and hashes unique.
//  - on special steps and at the end, through commands: DBSIZE equals the
//    table size, a SCAN loop returns every live key (and nothing else), and
//    TYPE of each names the value's type.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/reply_reader.h"
#include "server/config.h"
#include "server/connection.h"
#include "server/database.h"
#include "server/entry.h"
#include "server/hash_type.h"
#include "server/list_type.h"
#include "server/server.h"
#include "server/set_type.h"
#include "server/zset_type.h"
#include "test/fuzz/command_codec.h"

namespace {

// Private members of Server reached without editing it: an explicit
// instantiation may name them (the standard's access-check exemption).
template <typename Tag, typename Tag::type M>
struct Rob {
    friend typename Tag::type get(Tag) { return M; }
};
struct RngTag {
    using type = uint64_t server::Server::*;
    friend type get(RngTag);
};
struct BeforeSleepTag {
    using type = void (server::Server::*)();
    friend type get(BeforeSleepTag);
};
struct CronTag {
    using type = void (server::Server::*)();
    friend type get(CronTag);
};
template struct Rob<RngTag, &server::Server::rng_state_>;
template struct Rob<BeforeSleepTag, &server::Server::before_sleep>;
template struct Rob<CronTag, &server::Server::cron>;

using protocol::RespValue;
using server::ConnState;
using server::Connection;

constexpr int kSlots = 4;
constexpr size_t kMaxSteps = 4000;
constexpr int kReopenBudget = 32;

std::string escape(std::string_view s, size_t max = 2000) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\\') out += "\\\\";
        else if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
        else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
    return out;
}

std::string last_command;  // for failure messages

bool env_on(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && v[0] != '\0' && v[0] != '0';
}
// COMMAND_FUZZ_TRACE=1 prints every step and what each client received.
const bool trace = env_on("COMMAND_FUZZ_TRACE");
// COMMAND_FUZZ_SKIP_KEYSPACE_CHECKS=1 skips the in-process keyspace checks
// (triage: to see what a corruption they catch leads to under ASan).
const bool skip_keyspace_checks = env_on("COMMAND_FUZZ_SKIP_KEYSPACE_CHECKS");

[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
    std::fprintf(stderr, "\n==command_fuzz== INVARIANT VIOLATED: %.*s\n", static_cast<int>(what.size()),
                 what.data());
    if (!detail.empty())
        std::fprintf(stderr, "==command_fuzz== detail: %s\n", escape(detail).c_str());
    std::fprintf(stderr, "==command_fuzz== last step: %s\n", last_command.c_str());
    std::abort();
}

std::string describe(const std::vector<std::string>& argv) {
    std::string s;
    for (const std::string& a : argv) {
        if (!s.empty()) s += ' ';
        s += '"' + escape(a, 200) + '"';
    }
    return s;
}

bool iequal(std::string_view a, std::string_view b) { return fuzzcodec::iequal(a, b); }

bool parse_i64(std::string_view s, int64_t& v) {
    if (s.empty() || s.size() > 20) return false;
    char* end = nullptr;
    std::string t(s);
    errno = 0;
    long long x = std::strtoll(t.c_str(), &end, 10);
    if (errno != 0 || end != t.c_str() + t.size() || !(std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '-'))
        return false;
    v = x;
    return true;
}

// Keeps the fuzzer away from work that is slow or huge by design rather
// than by bug (Redis does the same): false drops the command.
bool sanitize(std::vector<std::string>& argv) {
    if (argv.empty()) return false;
    if (fuzzcodec::denied_name(argv[0])) return false;
    if (iequal(argv[0], "config") && argv.size() >= 2 && iequal(argv[1], "set")) {
        static constexpr std::string_view kDeniedParams[] = {
            "dir", "dbfilename", "appendonly", "appendfilename", "appenddirname", "save",
            "proto-max-bulk-len", "port", "bind", "unixsocket", "io-threads", "logfile",
        };
        for (size_t i = 2; i < argv.size(); i += 2)
            for (std::string_view p : kDeniedParams)
                if (iequal(argv[i], p)) return false;
    }
    int64_t v;
    // SETRANGE pads the string up to the offset: keep offsets small unless
    // they are past the 512 MB limit (an error, no allocation).
    if (iequal(argv[0], "setrange") && argv.size() >= 3 && parse_i64(argv[2], v) && v > 65536 &&
        v <= 512LL * 1024 * 1024)
        argv[2] = std::to_string(v % 65536);
    // A negative count makes these reply |count| elements.
    if ((iequal(argv[0], "srandmember") || iequal(argv[0], "hrandfield") ||
         iequal(argv[0], "zrandmember")) &&
        argv.size() >= 3 && parse_i64(argv[2], v) && v < -1000) {
        const bool error_path =
            v == INT64_MIN || (!iequal(argv[0], "srandmember") && v < -(INT64_MAX / 2));
        if (!error_path) argv[2] = "-1000";
    }
    return true;
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
    std::string lower(hay);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find(needle) != std::string::npos;
}

// Raw bytes cannot be sanitized command by command: drop those that name a
// command sanitize() would have to look at.
bool raw_allowed(std::string_view bytes) {
    static constexpr std::string_view kWords[] = {
        "shutdown", "debug", "save", "rewriteaof", "monitor", "sync", "replicaof", "slaveof",
        "failover", "config", "setrange", "randmember", "randfield", "sleep",
    };
    std::string lower(bytes);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view w : kWords)
        if (lower.find(w) != std::string::npos) return false;
    return true;
}

void check_value(const RespValue& v, int proto_strict2) {
    using K = RespValue::Kind;
    if (v.kind == K::kSimple || v.kind == K::kError) {
        if (v.str.find_first_of("\r\n") != std::string::npos) fail("CR or LF inside a status/error line", v.str);
    }
    if (v.kind == K::kError) {
        if (v.str.empty() || !(v.str[0] >= 'A' && v.str[0] <= 'Z'))
            fail("error reply without an upper-case code", v.str);
    }
    if (proto_strict2) {
        switch (v.kind) {
            case K::kMap: case K::kSet: case K::kPush: case K::kDouble: case K::kBoolean:
            case K::kVerbatim: case K::kBigNumber:
                fail("RESP3 type in a RESP2 reply");
            default: break;
        }
    }
    if (v.kind == K::kMap && v.elems.size() % 2 != 0) fail("map with an odd element count");
    for (const RespValue& e : v.elems) check_value(e, proto_strict2);
}

// Decodes all replies in `bytes`; every byte must belong to a whole reply.
size_t check_replies(std::string_view bytes, bool strict2, const char* where) {
    size_t pos = 0, n = 0;
    while (pos < bytes.size()) {
        RespValue v;
        long k = protocol::decode_reply(bytes.substr(pos), v);
        if (k <= 0)
            fail(std::string(where) + (k == 0 ? ": incomplete reply" : ": invalid RESP"), bytes.substr(pos));
        check_value(v, strict2);
        pos += static_cast<size_t>(k);
        ++n;
    }
    return n;
}

// --- In-process invariants of the keyspace ---

void check_object(server::Entry* e) {
    using server::ValueType;
    const std::string key(e->key());
    switch (e->type) {
        case ValueType::kString: break;
        case ValueType::kList: {
            auto* l = static_cast<server::List*>(e->object());
            if (l->size() == 0) fail("empty list stored", key);
            std::string err = l->check();
            if (!err.empty()) fail("list check(): " + err, key);
            size_t n = 0;
            l->for_each(l->first(), l->size(), [&](std::string_view) { ++n; });
            if (n != l->size()) fail("list walk != size", key);
            break;
        }
        case ValueType::kHash: {
            auto* h = static_cast<server::HashObject*>(e->object());
            if (h->size() == 0) fail("empty hash stored", key);
            std::unordered_set<std::string_view> fields;
            size_t n = 0;
            h->for_each([&](std::string_view f, std::string_view) {
                ++n;
                if (!fields.insert(f).second) fail("hash field twice", key + "/" + std::string(f));
            });
            if (n != h->size()) fail("hash walk != size", key);
            break;
        }
        case ValueType::kSet: {
            auto* s = static_cast<server::SetObject*>(e->object());
            if (s->size() == 0) fail("empty set stored", key);
            std::unordered_set<std::string> members;
            size_t n = 0;
            bool have_prev = false;
            int64_t prev = 0;
            s->for_each([&](const server::SetMember& m) {
                ++n;
                char buf[server::kMemberTextSize];
                std::string t(server::member_text(m, buf));
                if (!members.insert(t).second) fail("set member twice", key + "/" + t);
                if (s->is_intset()) {
                    if (!m.is_int) fail("intset member not an integer", key);
                    if (have_prev && m.value <= prev) fail("intset not ascending", key);
                    prev = m.value;
                    have_prev = true;
                }
            });
            if (n != s->size()) fail("set walk != size", key);
            break;
        }
        case ValueType::kZSet: {
            auto* z = static_cast<server::ZSet*>(e->object());
            if (z->size() == 0) fail("empty zset stored", key);
            if (!z->check()) fail("zset check() failed", key);
            std::unordered_set<std::string> members;
            size_t n = 0;
            bool first = true;
            double ps = 0;
            std::string pm;
            z->for_each([&](std::string_view m, double sc) {
                ++n;
                if (std::isnan(sc)) fail("zset NaN score", key);
                if (!members.insert(std::string(m)).second) fail("zset member twice", key);
                if (!first && (sc < ps || (sc == ps && std::string_view(pm) >= m)))
                    fail("zset out of order", key + "/" + std::string(m));
                first = false;
                ps = sc;
                pm.assign(m);
            });
            if (n != z->size()) fail("zset walk != size", key);
            break;
        }
        default: fail("unknown value type", key);
    }
}

void check_database(server::Database& db) {
    server::Dict& d = db.dict();
    if (d.size() == 0 && db.volatile_count() == 0) return;  // the common case, kept cheap
    size_t n = 0, vol = 0;
    std::unordered_set<std::string_view> keys;
    d.for_each([&](server::Entry* e) {
        ++n;
        if (static_cast<uint8_t>(e->type) > static_cast<uint8_t>(server::ValueType::kZSet))
            fail("entry of unknown type", e->key());
        if (e->has_expire) ++vol;
        if (!keys.insert(e->key()).second) fail("key twice in the table", e->key());
        check_object(e);
    });
    if (n != d.size()) fail("table walk count != Dict::size()", std::to_string(n) + " vs " + std::to_string(d.size()));
    if (vol != db.volatile_count())
        fail("keys with a TTL != volatile index size", std::to_string(vol) + " vs " + std::to_string(db.volatile_count()));
    std::unordered_set<std::string_view> scanned;
    uint64_t cursor = 0;
    size_t guard = 0;
    do {
        cursor = d.scan(cursor, [&](const server::Entry* e) { scanned.insert(e->key()); });
        if (++guard > (size_t{1} << 24)) fail("Dict::scan does not terminate");
    } while (cursor != 0);
    if (scanned.size() != n) fail("Dict::scan saw a different key count", std::to_string(scanned.size()) + " vs " + std::to_string(n));
    for (std::string_view k : scanned)
        if (!keys.count(k)) fail("Dict::scan returned a key not in the table", k);
}

// --- The harness ---

class Harness {
public:
    Harness(const server::Config& cfg, uint64_t seed) : srv_(std::make_unique<server::Server>(cfg)) {
        srv_.get()->*get(RngTag{}) = 0x9E3779B97F4A7C15ULL ^ (seed * 0x100000001B3ULL) ^ 1;
        shared_ = cfg.storage == server::StorageMode::kShared;
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) std::abort();
        checker_fd_ = fds[0];
        checker_peer_ = fds[1];
        checker_ = std::make_unique<Connection>(*srv_, checker_fd_, 1u << 30, "checker:1", "checker:2");
        // The checker is trusted, as the append-only file's replay is: the
        // fuzzed clients may take the default user's permissions away (ACL
        // SETUSER default -dbsize, resetkeys, off) or set a password, and
        // its DBSIZE/SCAN/TYPE must still answer. It is not in the server's
        // client list, so CLIENT KILL cannot reach it either.
        checker_->set_replaying(true);
    }

    ~Harness() {
        checker_.reset();
        ::close(checker_fd_);
        ::close(checker_peer_);
        srv_.reset();  // closes the live connections' ends
        for (Slot& s : slots_)
            if (s.peer >= 0) ::close(s.peer);
    }

    void run(fuzzcodec::Step& st) {
        using K = fuzzcodec::Step::Kind;
        switch (st.kind) {
            case K::kCommand: last_command = "@" + std::to_string(st.conn) + (st.via_socket ? " socket " : " ") + describe(st.argv); break;
            case K::kRaw: last_command = "@" + std::to_string(st.conn) + " RAW " + escape(st.raw, 300); break;
            case K::kCron: last_command = "CRON"; break;
            case K::kCheck: last_command = "CHECK"; break;
            case K::kDisconnect: last_command = "@" + std::to_string(st.conn) + " DISCONNECT"; break;
        }
        if (trace) std::fprintf(stderr, "%s\n", last_command.c_str());
        switch (st.kind) {
            case K::kCommand: {
                if (!sanitize(st.argv)) return;
                Slot* s = usable_slot(st.conn);
                if (s == nullptr) return;
                if (iequal(st.argv[0], "client") && st.argv.size() >= 2 && iequal(st.argv[1], "reply"))
                    s->reply_changed = true;
                command(*s, st.argv, st.via_socket);
                break;
            }
            case K::kRaw: {
                if (st.raw.empty()) return;
                Slot* s = usable_slot(st.conn);
                if (s == nullptr) return;
                if (!raw_allowed(s->raw_tail + st.raw)) return;
                if (contains_nocase(s->raw_tail + st.raw, "reply")) s->reply_changed = true;
                s->raw_tail = st.raw.size() > 16 ? st.raw.substr(st.raw.size() - 16) : s->raw_tail + st.raw;
                if (s->raw_tail.size() > 16) s->raw_tail.erase(0, s->raw_tail.size() - 16);
                send(*s, st.raw);
                break;
            }
            case K::kCron:
                // Time passes: the cron's work, and a CLIENT PAUSE ends as
                // its timer would end it (the clock itself stays frozen).
                (srv_.get()->*get(CronTag{}))();
                if (srv_->clients_paused()) srv_->unpause_clients();
                break;
            case K::kCheck: check_through_commands(); break;
            case K::kDisconnect: {
                Slot& s = slots_[st.conn];
                Connection* c = conn(s);
                if (c == nullptr) return;
                ::shutdown(s.peer, SHUT_WR);
                s.shut = s.to_read = true;
                pump(s);
                break;
            }
        }
        settle();
        if (!skip_keyspace_checks) check_keyspace();
    }

    void finish() {
        last_command = "END";
        settle();
        for (Slot& s : slots_) {
            Connection* c = conn(s);
            if (c != nullptr && c->output_pending() == 0 && s.pos != s.stream.size())
                fail("client left with part of a reply", std::string_view(s.stream).substr(s.pos));
        }
        if (!skip_keyspace_checks) check_keyspace();
        check_through_commands();
        settle();
    }

private:
    struct Slot {
        bool open = false;
        uint64_t id = 0;
        int fd = -1;
        int peer = -1;
        std::string stream;  // received, from `pos` on not yet decoded
        size_t pos = 0;
        std::string raw_tail;
        bool to_read = false;  // bytes written that the server may not have read
        bool reply_changed = false;  // CLIENT REPLY was sent: replies may be off
        bool shut = false;     // the client shut its side down
    };

    Connection* conn(Slot& s) {
        if (!s.open) return nullptr;
        Connection* c = srv_->find_connection(s.id);
        if (c == nullptr || c->state() == ConnState::kClosed) return nullptr;
        return c;
    }

    bool open_slot(Slot& s) {
        if (reopen_budget_-- <= 0) return false;
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) return false;
        srv_->accept_connection(fds[0]);
        Connection* found = nullptr;
        srv_->for_each_connection([&](Connection& c) {
            if (c.fd() == fds[0] && c.state() != ConnState::kClosed) found = &c;
        });
        if (found == nullptr) {  // refused (maxclients): the server closed its end
            ::close(fds[1]);
            return false;
        }
        s = Slot{};
        s.open = true;
        s.id = found->id();
        s.fd = fds[0];
        s.peer = fds[1];
        return true;
    }

    // Notices connections the server closed: takes what is left of their
    // output (a cut-off client may end mid-reply) and frees the slot.
    void reap() {
        for (Slot& s : slots_) {
            if (!s.open || conn(s) != nullptr) continue;
            drain(s);
            s.open = false;
            ::close(s.peer);
            s.peer = -1;
        }
    }

    Slot* usable_slot(int i) {
        Slot& s = slots_[i];
        if (conn(s) == nullptr) {
            reap();
            if (!open_slot(s)) return nullptr;
        }
        return &s;
    }

    static size_t readable_bytes(int fd) {
        int n = 0;
        if (::ioctl(fd, FIONREAD, &n) != 0) return 0;
        return static_cast<size_t>(n);
    }

    // Reads what the server sent to this client and checks the replies.
    bool drain(Slot& s) {
        bool got = false;
        char buf[1 << 16];
        for (;;) {
            ssize_t n = ::read(s.peer, buf, sizeof buf);
            if (n > 0) {
                s.stream.append(buf, static_cast<size_t>(n));
                got = true;
                continue;
            }
            break;
        }
        std::string_view all(s.stream);
        while (s.pos < all.size()) {
            RespValue v;
            long k = protocol::decode_reply(all.substr(s.pos), v);
            if (k < 0) fail("client received invalid RESP", all.substr(s.pos));
            if (k == 0) break;
            check_value(v, false);
            if (trace)
                std::fprintf(stderr, "  client %llu <- %s\n", static_cast<unsigned long long>(s.id),
                             escape(all.substr(s.pos, static_cast<size_t>(k)), 300).c_str());
            s.pos += static_cast<size_t>(k);
        }
        if (s.pos > (1u << 16)) {
            s.stream.erase(0, s.pos);
            s.pos = 0;
        }
        return got;
    }

    // What epoll would report for the connection's socket. Only the harness
    // writes to it, so it is polled only after a write (or a shutdown).
    void pump(Slot& s) {
        for (int i = 0; i < 256; ++i) {
            Connection* c = conn(s);
            if (c == nullptr) return;
            const unsigned mask = c->event_mask();
            if (s.to_read && (mask & reactor::kReadable)) {
                size_t avail = readable_bytes(s.fd);
                char probe;
                bool eof = avail == 0 && s.shut && ::recv(s.fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
                if (avail > 0 || eof) {
                    c->on_io(s.fd, reactor::kReadable | (eof ? reactor::kHangup : 0u));
                    continue;
                }
                s.to_read = false;
            }
            if (mask & reactor::kWritable) {
                drain(s);
                const uint64_t sent = srv_->stats().net_output_bytes;
                c->on_io(s.fd, reactor::kWritable);
                if (srv_->stats().net_output_bytes == sent) return;  // nothing moved
                continue;
            }
            return;
        }
    }

    void send(Slot& s, std::string_view bytes) {
        for (int tries = 0; !bytes.empty() && tries < 64; ++tries) {
            ssize_t n = ::write(s.peer, bytes.data(), bytes.size());
            if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
            s.to_read = true;
            pump(s);
            if (conn(s) == nullptr) return;
            if (!bytes.empty()) settle();  // the socket is full: let the loop turn
        }
    }

    void command(Slot& s, const std::vector<std::string>& argv, bool via_socket) {
        Connection* c = conn(s);
        std::vector<std::string_view> views(argv.begin(), argv.end());
        const bool direct = !via_socket && c->state() == ConnState::kReading && c->input_buffered() == 0 &&
                            readable_bytes(s.fd) == 0 &&
                            !(srv_->clients_paused() && srv_->pause_holds(*c, views));
        if (!direct) {
            s.raw_tail.clear();
            std::vector<std::string_view> args(views.begin(), views.end());
            send(s, protocol::encode_command(args));
            return;
        }
        const size_t mark = c->pending_output().size();
        const int proto = c->proto();
        c->run_command(views);
        // close_now() only parks the object in the graveyard: still valid.
        if (c->state() == ConnState::kClosed) return;
        std::string_view out = c->pending_output();
        if (out.size() < mark) fail("a command shrank the pending output");
        const size_t n = check_replies(out.substr(mark), proto == 2 && c->proto() == 2, "in-process reply");
        if (n == 0 && !s.reply_changed && c->state() != ConnState::kBlocked) fail("command produced no reply");
        if (!out.empty()) srv_->queue_write(c);  // as process_input() does
    }

    // One turn of the event loop, repeated while anything moves.
    void settle() {
        for (int round = 0; round < 64; ++round) {
            for (Slot& s : slots_) pump(s);
            const uint64_t sent = srv_->stats().net_output_bytes;
            (srv_.get()->*get(BeforeSleepTag{}))();
            bool moved = false;
            const bool output = srv_->stats().net_output_bytes != sent;
            for (Slot& s : slots_) {
                if (!s.open) continue;
                if (output && drain(s)) moved = true;
                Connection* c = conn(s);
                if (c == nullptr) continue;
                if (s.to_read && (c->event_mask() & reactor::kReadable)) moved = true;
                if (c->event_mask() & reactor::kWritable) moved = true;
            }
            reap();
            if (!moved) return;
        }
    }

    void check_keyspace() {
        srv_->for_each_databases([](server::Databases& dbs) {
            for (int i = 0; i < server::Databases::kCount; ++i) check_database(dbs.at(i));
        });
    }

    std::string ask(std::initializer_list<std::string_view> args) {
        std::vector<std::string_view> argv(args);
        checker_->discard_output();
        checker_->run_command(argv);
        std::string out(checker_->pending_output());
        checker_->discard_output();
        return out;
    }

    // DBSIZE, a SCAN loop and TYPE, as a client would see them.
    void check_through_commands() {
        if (!shared_) return;
        const int64_t now = static_cast<int64_t>(srv_->loop().now_ms());
        for (int i = 0; i < server::Databases::kCount; ++i) {
            server::Database& db = srv_->shared_databases().at(i);
            if (db.size() == 0) continue;
            std::string idx = std::to_string(i);
            std::string selected = ask({"SELECT", idx});
            if (selected != "+OK\r\n") fail("the checker's SELECT was refused", selected);
            std::unordered_map<std::string, server::ValueType> all;
            std::set<std::string> live;
            db.dict().for_each([&](server::Entry* e) {
                all.emplace(std::string(e->key()), e->type);
                if (!(e->has_expire && e->expire_ms() < now)) live.insert(std::string(e->key()));
            });
            RespValue v;
            std::string r = ask({"DBSIZE"});
            if (protocol::decode_reply(r, v) <= 0 || v.kind != RespValue::Kind::kInteger)
                fail("DBSIZE did not answer an integer", r);
            if (static_cast<size_t>(v.integer) != all.size())
                fail("DBSIZE != keys in the table", std::to_string(v.integer) + " vs " + std::to_string(all.size()));
            std::set<std::string> scanned;
            std::string cursor = "0";
            for (int guard = 0;; ++guard) {
                if (guard > 1000000) fail("SCAN does not terminate");
                r = ask({"SCAN", cursor, "COUNT", "7"});
                if (protocol::decode_reply(r, v) <= 0 || v.kind != RespValue::Kind::kArray || v.elems.size() != 2 ||
                    v.elems[0].kind != RespValue::Kind::kBulk || v.elems[1].kind != RespValue::Kind::kArray)
                    fail("SCAN reply malformed", r);
                for (const RespValue& k : v.elems[1].elems) {
                    if (k.kind != RespValue::Kind::kBulk) fail("SCAN returned a non-bulk key", r);
                    scanned.insert(k.str);
                }
                cursor = v.elems[0].str;
                if (cursor == "0") break;
            }
            for (const std::string& k : live)
                if (!scanned.count(k)) fail("SCAN missed a live key", k);
            for (const std::string& k : scanned)
                if (!all.count(k)) fail("SCAN returned a key that is not in the table", k);
            for (const std::string& k : scanned) {
                if (!live.count(k)) continue;
                r = ask({"TYPE", k});
                if (protocol::decode_reply(r, v) <= 0 || v.kind != RespValue::Kind::kSimple)
                    fail("TYPE did not answer a status", r);
                static const std::set<std::string> kTypes = {"string", "list", "hash", "set", "zset"};
                if (!kTypes.count(v.str)) fail("TYPE names an unknown type", v.str);
                if (v.str != server::type_name(all[k])) fail("TYPE disagrees with the stored type", k + ": " + v.str);
            }
        }
    }

    std::unique_ptr<server::Server> srv_;
    bool shared_ = true;
    Slot slots_[kSlots];
    int reopen_budget_ = kReopenBudget;
    int checker_fd_ = -1;
    int checker_peer_ = -1;
    std::unique_ptr<Connection> checker_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const server::CommandTable table;
    static const fuzzcodec::Names names(table);
    if (size < 1) return 0;
    fuzzcodec::Reader r{data, size};
    const uint8_t cfg_byte = r.byte();
    server::Config cfg;
    // The clients' sockets are not on the loopback interface: protected mode
    // (where the server has it) would turn them away.
    (void)server::config_set(cfg, "protected-mode", "no");
    if ((cfg_byte & 3) == 3) cfg.storage = server::StorageMode::kPerConnection;
    if (cfg_byte & 4) (void)server::config_set(cfg, "notify-keyspace-events", "KEA");
    if (cfg_byte & 8) cfg.slowlog_log_slower_than = 0;
    Harness h(cfg, cfg_byte >> 4);
    for (size_t steps = 0; !r.done() && steps < kMaxSteps; ++steps) {
        fuzzcodec::Step st = fuzzcodec::decode_step(r, names);
        h.run(st);
    }
    h.finish();
    return 0;
}
