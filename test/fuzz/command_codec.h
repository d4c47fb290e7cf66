// The byte format command_fuzz reads, shared with the seed generator
// (make_seeds.cpp) so that seeds decode to the commands they were made from.
//
// Input = one config byte, then records until the bytes run out:
//
//   config byte   bits 0-1 == 3: --storage per-connection; bit 2: all
//                 keyspace events on (KEA); bit 3: slowlog logs everything;
//                 bits 4-7: seed of the server's random generator.
//   record        header byte h: connection = h & 3 (four clients);
//                 argc = (h >> 2) & 7 arguments after the name(s), where 7
//                 means 7 + the next byte; mode = h >> 5:
//                   0-5  a command, run in-process (Connection::run_command)
//                        unless the connection has buffered input, is not
//                        reading, or a CLIENT PAUSE would hold it; then it
//                        goes through the socket like mode 6
//                   6    a command, encoded as RESP and written to the socket
//                        (read and parsed by the connection itself)
//                   7    a special step, chosen by the next byte s % 4:
//                        0 raw bytes to the socket (2-byte little-endian
//                        length, then the bytes), 1 time passes: the server
//                        cron's work (active expiry, table upkeep) and the
//                        end of a CLIENT PAUSE, 2 a full check of
//                        the keyspace through commands (DBSIZE/SCAN/TYPE),
//                        3 the client disconnects (its socket is shut down
//                        for writing; the slot reconnects when next used)
//   command       name byte: 0xFF = raw name (length byte, bytes); else the
//                 n % N-th top-level command of the table, sorted by name.
//                 A container command (CONFIG, CLIENT...) reads one more
//                 byte: 0xFF raw subcommand (length byte, bytes), 0xFE none,
//                 else its n % M-th subcommand in table order.
//   argument      byte a: 0x00-0x3F kKeys[a % |kKeys|], 0x40-0x7F kNumbers,
//                 0x80-0xDF kWords, 0xE0-0xFE raw bytes of length a & 0x1F
//                 (0-30) that follow, 0xFF raw bytes of length next byte.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"
#include "server/command_table.h"

namespace fuzzcodec {

// Few keys, so commands collide on them (and on their types).
inline constexpr std::string_view kKeys[] = {
    "k", "k1", "k2", "l", "h", "s", "z", "x", "{a}1", "{a}2", "", "dst", "ch", "k*", "0", "src",
};

inline constexpr std::string_view kNumbers[] = {
    "0", "1", "2", "3", "4", "5", "7", "10", "16", "64", "100", "128", "129", "513", "1000", "65536",
    "-1", "-2", "-3", "-10", "-100", "-1000", "1.5", "-0.5", "0.1", "3.0e2", "inf", "-inf", "+inf",
    "nan", "(1", "(2", "[a", "(a", "-", "+", "[k", "(inf", "9223372036854775807",
    "-9223372036854775808", "9223372036854775806", "-9223372036854775807", "2147483647",
    "-2147483648", "2147483648", "4294967296", "18446744073709551616", "1e308", "-1e308", "1e-320",
    "0x10", "01", " 1", "1 ", "+1", "-0", "0.0", "4611686018427387904", "-4611686018427387904",
    "1099511627776", "536870912", "536870911", "17", "1e400",
};

inline constexpr std::string_view kWords[] = {
    "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "NX", "XX", "GT", "LT", "GET", "CH", "INCR",
    "WITHSCORES", "WITHSCORE", "LIMIT", "BYSCORE", "BYLEX", "REV", "MATCH", "COUNT", "TYPE", "LEFT",
    "RIGHT", "BEFORE", "AFTER", "RANK", "MAXLEN", "WEIGHTS", "AGGREGATE", "SUM", "MIN", "MAX",
    "WITHVALUES", "ID", "KILL", "SETNAME", "LIST", "INFO", "PAUSE", "REPLY", "ON", "OFF", "SKIP",
    "WRITE", "ALL", "ASYNC", "SYNC", "TIMEOUT", "ERROR", "USER", "ADDR", "LADDR", "SKIPME", "yes",
    "no", "string", "list", "hash", "set", "zset", "*", "?", "[a-z]*", "h?llo", "k[^1]*", "\\",
    "AUTH", "default", "ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP", "DB", "REPLACE",
    "hz", "notify-keyspace-events", "KEA", "Kl$", "client-output-buffer-limit", "pubsub 1 1 0",
    "slowlog-log-slower-than", "slowlog-max-len", "latency-tracking", "timeout", "lib-name",
    "lib-ver", "NORMAL", "PUBSUB", "MASTER", "FILTERBY", "ACLCAT", "PATTERN", "everything",
};
static_assert(std::size(kKeys) <= 64 && std::size(kNumbers) <= 64 && std::size(kWords) <= 96);

// Commands never run: they would stop the server, write files or fork.
inline bool denied_name(std::string_view name) {
    static constexpr std::string_view kDenied[] = {
        "shutdown", "debug", "save", "bgsave", "bgrewriteaof", "monitor", "sync", "psync",
        "replicaof", "slaveof", "failover", "sleep",
    };
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return std::find(std::begin(kDenied), std::end(kDenied), lower) != std::end(kDenied);
}

// The command table as the format indexes it.
struct Names {
    std::vector<const server::Command*> top;  // sorted by name

    explicit Names(const server::CommandTable& table) {
        for (const server::Command* c : table.all())
            if (c->name.find('|') == std::string_view::npos) top.push_back(c);
        std::sort(top.begin(), top.end(),
                  [](const server::Command* a, const server::Command* b) { return a->name < b->name; });
        top.erase(std::unique(top.begin(), top.end()), top.end());
    }
    // The part after '|' of a subcommand's name.
    static std::string_view sub_name(const server::Command& sub) {
        size_t bar = sub.name.find('|');
        return bar == std::string_view::npos ? sub.name : sub.name.substr(bar + 1);
    }
};

struct Reader {
    const uint8_t* p;
    size_t n;
    size_t pos = 0;
    bool done() const { return pos >= n; }
    uint8_t byte() { return pos < n ? p[pos++] : 0; }
    std::string bytes(size_t len) {
        len = std::min(len, n - std::min(pos, n));
        std::string s(reinterpret_cast<const char*>(p + pos), len);
        pos += len;
        return s;
    }
};

struct Step {
    enum class Kind { kCommand, kRaw, kCron, kCheck, kDisconnect };
    Kind kind = Kind::kCommand;
    int conn = 0;
    bool via_socket = false;
    std::vector<std::string> argv;
    std::string raw;
};

inline std::string decode_arg(Reader& r) {
    const uint8_t a = r.byte();
    if (a < 0x40) return std::string(kKeys[a % std::size(kKeys)]);
    if (a < 0x80) return std::string(kNumbers[(a - 0x40) % std::size(kNumbers)]);
    if (a < 0xE0) return std::string(kWords[(a - 0x80) % std::size(kWords)]);
    if (a < 0xFF) return r.bytes(a & 0x1F);
    return r.bytes(r.byte());
}

inline Step decode_step(Reader& r, const Names& names) {
    Step st;
    const uint8_t h = r.byte();
    st.conn = h & 3;
    const int mode = h >> 5;
    if (mode == 7) {
        const uint8_t s = r.byte();
        switch (s % 4) {
            case 0: {
                st.kind = Step::Kind::kRaw;
                size_t len = r.byte();
                len |= static_cast<size_t>(r.byte()) << 8;
                st.raw = r.bytes(len);
                break;
            }
            case 1: st.kind = Step::Kind::kCron; break;
            case 2: st.kind = Step::Kind::kCheck; break;
            default: st.kind = Step::Kind::kDisconnect; break;
        }
        return st;
    }
    st.via_socket = mode == 6;
    size_t argc = (h >> 2) & 7;
    if (argc == 7) argc += r.byte();
    const uint8_t nb = r.byte();
    if (nb == 0xFF || names.top.empty()) {
        st.argv.push_back(r.bytes(r.byte()));
    } else {
        const server::Command* c = names.top[nb % names.top.size()];
        st.argv.emplace_back(c->name);
        if (c->subcommands != nullptr && c->subcommand_count > 0) {
            const uint8_t sb = r.byte();
            if (sb == 0xFF) st.argv.push_back(r.bytes(r.byte()));
            else if (sb != 0xFE)
                st.argv.emplace_back(Names::sub_name(c->subcommands[sb % c->subcommand_count]));
        }
    }
    for (size_t i = 0; i < argc && !r.done(); ++i) st.argv.push_back(decode_arg(r));
    return st;
}

// --- Encoding (the seed generator) ---

inline void encode_arg(std::string& out, std::string_view a) {
    for (size_t i = 0; i < std::size(kKeys); ++i)
        if (kKeys[i] == a) return out.push_back(static_cast<char>(i));
    for (size_t i = 0; i < std::size(kNumbers); ++i)
        if (kNumbers[i] == a) return out.push_back(static_cast<char>(0x40 + i));
    for (size_t i = 0; i < std::size(kWords); ++i)
        if (kWords[i] == a) return out.push_back(static_cast<char>(0x80 + i));
    a = a.substr(0, 255);
    if (a.size() <= 30) {
        out.push_back(static_cast<char>(0xE0 | a.size()));
    } else {
        out.push_back(static_cast<char>(0xFF));
        out.push_back(static_cast<char>(a.size()));
    }
    out.append(a);
}

inline bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
        if (x != y) return false;
    }
    return true;
}

// One command. By default its name is written as raw bytes, so that seeds
// and reproducers mean the same command whatever the table holds; with
// by_index the table's index is used (raw when the name is not there).
inline void encode_command(std::string& out, const Names& names, int conn, bool via_socket,
                           const std::vector<std::string>& argv, bool by_index = false) {
    if (argv.empty()) return;
    std::string body;
    size_t used = 1;  // argv entries the name bytes stand for
    size_t idx = names.top.size();
    if (by_index)
        for (size_t i = 0; i < names.top.size() && names.top.size() < 0xFF; ++i)
            if (iequal(names.top[i]->name, argv[0])) idx = i;
    if (idx == names.top.size()) {
        body.push_back(static_cast<char>(0xFF));
        std::string_view n = std::string_view(argv[0]).substr(0, 255);
        body.push_back(static_cast<char>(n.size()));
        body.append(n);
    } else {
        body.push_back(static_cast<char>(idx));
        const server::Command* c = names.top[idx];
        if (c->subcommands != nullptr && c->subcommand_count > 0) {
            if (argv.size() < 2) {
                body.push_back(static_cast<char>(0xFE));
            } else {
                size_t s = c->subcommand_count;
                for (size_t i = 0; i < c->subcommand_count && i < 0xFE; ++i)
                    if (iequal(Names::sub_name(c->subcommands[i]), argv[1])) s = i;
                if (s == c->subcommand_count) {
                    body.push_back(static_cast<char>(0xFF));
                    std::string_view n = std::string_view(argv[1]).substr(0, 255);
                    body.push_back(static_cast<char>(n.size()));
                    body.append(n);
                } else {
                    body.push_back(static_cast<char>(s));
                }
                used = 2;
            }
        }
    }
    size_t argc = std::min<size_t>(argv.size() - used, 7 + 255);
    uint8_t h = static_cast<uint8_t>((conn & 3) | (std::min<size_t>(argc, 7) << 2) |
                                     ((via_socket ? 6 : 0) << 5));
    out.push_back(static_cast<char>(h));
    if (argc >= 7) out.push_back(static_cast<char>(argc - 7));
    out.append(body);
    for (size_t i = 0; i < argc; ++i) encode_arg(out, argv[used + i]);
}

inline void encode_raw(std::string& out, int conn, std::string_view bytes) {
    bytes = bytes.substr(0, 0xFFFF);
    out.push_back(static_cast<char>((conn & 3) | (7 << 5)));
    out.push_back(0);
    out.push_back(static_cast<char>(bytes.size() & 0xFF));
    out.push_back(static_cast<char>(bytes.size() >> 8));
    out.append(bytes);
}

inline void encode_special(std::string& out, int conn, int which) {
    out.push_back(static_cast<char>((conn & 3) | (7 << 5)));
    out.push_back(static_cast<char>(which));
}

}  // namespace fuzzcodec
