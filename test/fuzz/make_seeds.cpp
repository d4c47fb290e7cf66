// Writes the fuzzers' seed corpora from the differential-test corpus
// (test/corpus/*.txt) plus a few multi-client scenarios written here.
//   build-fuzz/make-seeds test/corpus test/fuzz/corpus      (make fuzz-seeds)
// Also encodes one scenario file (lines as in scenario() below; '#'
// comments) into a command_fuzz input, for writing reproducers by hand:
//   build-fuzz/make-seeds --encode SCENARIO.txt OUT [CONFIG_BYTE]
// Replaces the seed-* files of test/fuzz/corpus/{resp_parser,command}; other
// files there (reproducers added by hand) are left alone.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/resp_parser.h"
#include "protocol/ring_buffer.h"
#include "server/command_table.h"
#include "test/fuzz/command_codec.h"
#include "test/support/bytes_text.h"
#include "test/support/corpus.h"

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxSeedBytes = 1500;
constexpr size_t kMaxSeedsPerFile = 3;
constexpr size_t kMaxFileBytes = 4096;  // run-fuzzer's -max_len

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The arguments of one encoded command (RespParser reads them back).
std::vector<std::string> args_of(const std::string& bytes) {
    protocol::RingBuffer in;
    in.append(bytes);
    protocol::RespParser p;
    std::vector<std::string> out;
    if (p.parse(in) == protocol::ParseStatus::kComplete)
        for (std::string_view a : p.args()) out.emplace_back(a);
    return out;
}

struct Seeds {
    const fuzzcodec::Names& names;
    fs::path parser_dir, command_dir;
    int parser_count = 0, command_count = 0;

    void parser_seed(const std::string& name, const std::string& stream, int variant) {
        // Vary limits, ring shapes and chunking across seeds.
        static const uint8_t kLimits[] = {0x00, 0x80, 0x01, 0x00, 0x22, 0x80, 0x0D, 0x00, 0x43, 0x10};
        static const uint8_t kRing[] = {0x00, 0x3B, 0x05, 0x13, 0x02, 0x77, 0x06, 0x1C};
        static const std::vector<std::vector<uint8_t>> kChunks = {
            {}, {0x07}, {0x01, 0x05, 0x3F}, {0x03, 0x40 | 0x02}, {0x80 | 0x10, 0x01}, {0x0D, 0x02, 0x20, 0x00}};
        std::string bytes;
        bytes.push_back(static_cast<char>(kLimits[variant % std::size(kLimits)]));
        bytes.push_back(static_cast<char>(kRing[variant % std::size(kRing)]));
        const auto& ch = kChunks[variant % kChunks.size()];
        bytes.push_back(static_cast<char>(ch.size()));
        for (uint8_t c : ch) bytes.push_back(static_cast<char>(c));
        bytes += stream.substr(0, kMaxFileBytes - bytes.size());
        write_file(parser_dir / ("seed-" + name), bytes);
        ++parser_count;
    }

    void command_seed(const std::string& name, const std::string& records, uint8_t config = 0) {
        // Past the fuzzers' -max_len the tail would be cut anyway.
        if (records.size() + 1 > kMaxFileBytes) return;
        write_file(command_dir / ("seed-" + name), std::string(1, static_cast<char>(config)) + records);
        ++command_count;
    }
};

// One test corpus file: its cases in a few seeds of each kind.
void from_corpus_file(Seeds& seeds, const fs::path& file, const std::string& stem) {
    std::vector<testsupport::CorpusCase> cases;
    std::string error;
    if (!testsupport::parse_corpus(read_file(file), cases, error)) {
        std::cerr << file << ": " << error << "\n";
        return;
    }
    const bool events = stem.starts_with("events-");
    std::string records, multibulk, inline_text;
    size_t n_cmd = 0, n_parser = 0;
    int variant = static_cast<int>(stem.size());
    auto flush = [&](bool last) {
        if (!records.empty() && n_cmd < kMaxSeedsPerFile) {
            std::string pre;
            // Keyspace-event cases: a subscriber on another client sees them.
            if (events) fuzzcodec::encode_command(pre, seeds.names, 1, false, {"PSUBSCRIBE", "__key*__:*"});
            seeds.command_seed(stem + "-" + std::to_string(n_cmd++), pre + records, events ? 0x04 : 0x00);
        }
        if (!multibulk.empty() && n_parser < kMaxSeedsPerFile) {
            seeds.parser_seed(stem + "-" + std::to_string(n_parser++), multibulk, variant++);
            if (!inline_text.empty() && n_parser < kMaxSeedsPerFile)
                seeds.parser_seed(stem + "-inline-" + std::to_string(n_parser++), inline_text, variant++);
        }
        records.clear();
        multibulk.clear();
        inline_text.clear();
        (void)last;
    };
    for (const testsupport::CorpusCase& c : cases) {
        for (const testsupport::CorpusStep& s : c.steps) {
            const bool raw = s.text.starts_with("RAW");
            if (raw) {
                fuzzcodec::encode_raw(records, 0, s.bytes);
            } else {
                std::vector<std::string> args = args_of(s.bytes);
                if (args.empty() || fuzzcodec::denied_name(args[0])) continue;
                fuzzcodec::encode_command(records, seeds.names, 0, false, args);
                // The line as an inline command too, where it has no newline.
                std::string_view t = s.text;
                if (t.starts_with("HEAD ")) t.remove_prefix(5);
                if (t.find_first_of("\r\n") == std::string_view::npos) inline_text += std::string(t) + "\r\n";
            }
            multibulk += s.bytes;
        }
        if (records.size() > kMaxSeedBytes || multibulk.size() > kMaxSeedBytes) flush(false);
    }
    flush(true);
}

// Hand-written scenarios: "@N command args..." runs on client N (the
// socket path with "@N> "), "@N RAW bytes" (C escapes), "!cron", "!check",
// "!disconnect N"; '#' starts a comment line.
std::string encode_scenario(const fuzzcodec::Names& names, const std::string& name,
                            const std::vector<std::string>& lines) {
    std::string records;
    for (const std::string& line : lines) {
        if (line.size() < 3 || line[0] == '#') continue;
        if (line == "!cron") {
            fuzzcodec::encode_special(records, 0, 1);
            continue;
        }
        if (line == "!check") {
            fuzzcodec::encode_special(records, 0, 2);
            continue;
        }
        if (line.starts_with("!disconnect ")) {
            fuzzcodec::encode_special(records, line[12] - '0', 3);
            continue;
        }
        int conn = line[1] - '0';
        bool socket = line[2] == '>';
        std::string rest = line.substr(socket ? 4 : 3);
        if (rest.starts_with("RAW ")) {
            std::string bytes, error;
            if (!testsupport::unescape_c(rest.substr(4), bytes, error)) {
                std::cerr << name << ": " << error << "\n";
                continue;
            }
            fuzzcodec::encode_raw(records, conn, bytes);
            continue;
        }
        std::vector<std::string> args;
        std::string error;
        if (!testsupport::split_args(rest, args, error)) {
            std::cerr << name << ": " << error << ": " << line << "\n";
            continue;
        }
        fuzzcodec::encode_command(records, names, conn, socket, args);
    }
    return records;
}

void scenario(Seeds& s, const std::string& name, const std::vector<std::string>& lines,
              uint8_t config = 0) {
    s.command_seed("multi-" + name, encode_scenario(s.names, name, lines), config);
}

void scenarios(Seeds& s) {
    scenario(s, "blpop", {"@1 BLPOP l 0", "@0 RPUSH l a b", "@1 LLEN l", "@2 BRPOP l k 0", "@0 LPUSH k x"});
    scenario(s, "blmove-chain", {"@1 BLMOVE src dst LEFT RIGHT 0", "@2 BRPOP dst 0", "@3 BLMPOP 0 2 dst src LEFT COUNT 2",
                                 "@0 LPUSH src x y z", "@0 LRANGE dst 0 -1"});
    scenario(s, "bzpop", {"@1 BZPOPMIN z 0", "@2 BZPOPMAX z 0", "@0 ZADD z 1 a 2 b 3 c", "@0 ZRANGE z 0 -1 WITHSCORES"});
    scenario(s, "blocked-pipeline", {"@1 RAW *3\\r\\n$5\\r\\nBLPOP\\r\\n$1\\r\\nl\\r\\n$1\\r\\n0\\r\\n*1\\r\\n$4\\r\\nPING\\r\\n",
                                     "@1> GET k", "@0 LPUSH l x", "@1 PING"});
    scenario(s, "blocked-type-change", {"@1 BLPOP l 0", "@0 SET l str", "@0 DEL l", "@0 MULTI", "@0 LPUSH l a",
                                        "@0 LPUSH l b", "@0 EXEC", "@1 LRANGE l 0 -1"});
    scenario(s, "unblock", {"@1 BLPOP l 0", "@2 BZPOPMIN z 0", "@0 CLIENT LIST", "@0 CLIENT UNBLOCK 2 ERROR",
                            "@0 CLIENT UNBLOCK 3 TIMEOUT", "@0 CLIENT UNBLOCK 1"});
    scenario(s, "pubsub", {"@1 SUBSCRIBE ch k", "@2 PSUBSCRIBE c* ?", "@3 SSUBSCRIBE ch", "@0 PUBLISH ch hello",
                           "@0 SPUBLISH ch x", "@0 PUBSUB CHANNELS", "@0 PUBSUB NUMSUB ch k", "@0 PUBSUB NUMPAT",
                           "@1 PING", "@1 GET k", "@1 UNSUBSCRIBE", "@2 PUNSUBSCRIBE c*", "@3 SUNSUBSCRIBE",
                           "@0 PUBLISH ch bye"});
    scenario(s, "pubsub-resp3", {"@1 HELLO 3", "@1 SUBSCRIBE ch", "@1 GET k", "@0 PUBLISH ch m", "@1 HELLO 2",
                                 "@1 PING", "@1 RESET", "@1 PING"});
    scenario(s, "pubsub-limit", {"@0 CONFIG SET client-output-buffer-limit \"pubsub 1 1 0\"", "@1 SUBSCRIBE ch",
                                 "@0 PUBLISH ch hello", "@0 PUBSUB NUMSUB ch", "@1 PING"});
    scenario(s, "keyspace-events", {"@0 CONFIG SET notify-keyspace-events KEA", "@1 PSUBSCRIBE *", "@0 SET k v EX 100",
                                    "@0 LPUSH l a", "@0 RENAME l h", "@0 EXPIRE k 0", "@0 FLUSHALL"});
    scenario(s, "watch", {"@0 WATCH k", "@1 SET k v", "@0 MULTI", "@0 INCR k", "@0 EXEC", "@0 WATCH k l",
                          "@0 MULTI", "@0 SET k 1", "@0 LPUSH k a", "@0 EXEC", "@2 WATCH x", "@1 FLUSHDB",
                          "@2 MULTI", "@2 GET x", "@2 EXEC"});
    scenario(s, "watch-swapdb", {"@0 SET k v", "@1 WATCH k", "@0 SWAPDB 0 1", "@1 MULTI", "@1 PING", "@1 EXEC",
                                 "@0 SELECT 1", "@0 MOVE k 0", "@0 COPY k k1 DB 2", "@0 SELECT 2", "@0 KEYS *"});
    scenario(s, "multi-errors", {"@0 MULTI", "@0 NOSUCH", "@0 SET", "@0 EXEC", "@0 MULTI", "@0 MULTI",
                                 "@0 BLPOP l 0", "@0 SUBSCRIBE c", "@0 WATCH k", "@0 DISCARD", "@0 EXEC"});
    scenario(s, "pause", {"@0 CLIENT PAUSE 100000 WRITE", "@1 SET k v", "@1> GET k", "@2 GET k",
                          "@0 CLIENT UNPAUSE", "@1 GET k"});
    scenario(s, "pause-disconnect", {"@0 CLIENT PAUSE 100000 WRITE", "@1 SET k v", "!disconnect 1", "@2 PING",
                                     "@0 CLIENT UNPAUSE", "@2 GET k"});
    scenario(s, "blocked-disconnect", {"@1 BLPOP l 0", "@2 BLPOP l 0", "!disconnect 1", "@0 RPUSH l a b",
                                       "@2 PING"});
    scenario(s, "kill", {"@1 CLIENT SETNAME one", "@2 SUBSCRIBE ch", "@3 BLPOP l 0", "@0 CLIENT LIST",
                         "@0 CLIENT KILL ID 2", "@0 CLIENT KILL ID 3", "@0 CLIENT KILL SKIPME yes TYPE PUBSUB",
                         "@0 CLIENT KILL ID 1", "@0 PUBLISH ch x", "@1 PING"});
    scenario(s, "quit-reset", {"@1 MULTI", "@1 SET a b", "@1 RESET", "@1 SELECT 3", "@1 QUIT", "@1 PING", "@1> QUIT"});
    scenario(s, "client-reply", {"@0 CLIENT REPLY OFF", "@0 SET k v", "@0 CLIENT REPLY SKIP", "@0 GET k",
                                 "@0 CLIENT REPLY ON", "@0 CLIENT REPLY SKIP", "@0 GET k", "@0 GET k"});
    scenario(s, "partial-frames", {"@1 RAW *2\\r\\n$4\\r\\nECHO\\r\\n$3\\r\\nab", "@0 PING", "@1 RAW c\\r\\n",
                                   "@1 RAW PING\\r\\nECHO \"a b\"\\r\\n", "@1 RAW *1\\r\\n$1000000\\r\\nxx"});
    scenario(s, "protocol-error", {"@1 RAW *x\\r\\n", "@1 PING", "@2 RAW \"unbalanced\\r\\n", "@3 RAW *1\\r\\n!4\\r\\n"});
    scenario(s, "expiry", {"@0 SET k v PXAT 1", "@0 SET k1 v PX 100000", "@0 PEXPIREAT k1 1", "@0 SET k2 v EX 1",
                           "@0 HSET h f v", "@0 EXPIRE h 1", "!cron", "@0 DBSIZE", "!check", "@0 SCAN 0",
                           "@0 TTL k2", "@0 PERSIST k2", "@0 EXPIRETIME k2"});
    scenario(s, "growth", {"@0 RPUSH l 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
                           "@0 SADD s 1 2 3 4 5 6 7 8 9 10 a b c", "@0 ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
                           "@0 HSET h a 1 b 2 c 3 d 4", "@0 SUNIONSTORE dst s s", "@0 ZUNIONSTORE dst 2 z z",
                           "@0 FLUSHALL ASYNC", "!cron", "!check"});
    scenario(s, "per-connection", {"@0 SET k v", "@1 GET k", "@1 SET k w", "@0 GET k", "@1 SWAPDB 0 1",
                                   "@1 WATCH k", "@0 SET k x", "@1 MULTI", "@1 EXEC"},
             0x03);
    // The fuzzed clients change the default user's permissions and the
    // password; the checks (!check) must still run in full.
    scenario(s, "acl-checker", {"@0 SET k v", "@0 ACL SETUSER default -dbsize -type", "!check",
                                "@0 CONFIG SET requirepass pw", "@1 GET k", "@1 AUTH pw", "@1 SET k2 v", "!check",
                                "@0 ACL SETUSER default resetkeys -select", "@2 SCAN 0", "!check"});
    scenario(s, "events-blocked", {"@2 PSUBSCRIBE *", "@1 BLMOVE l l2 LEFT LEFT 0", "@0 RPUSH l a", "@0 LMOVE l2 l RIGHT LEFT"},
             0x04);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 4 && std::string_view(argv[1]) == "--encode") {
        server::CommandTable table;
        fuzzcodec::Names names(table);
        std::vector<std::string> lines;
        std::istringstream in(read_file(argv[2]));
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        const uint8_t config = argc >= 5 ? static_cast<uint8_t>(std::stoi(argv[4], nullptr, 0)) : 0;
        write_file(argv[3], std::string(1, static_cast<char>(config)) + encode_scenario(names, argv[2], lines));
        return 0;
    }
    if (argc != 3) {
        std::cerr << "usage: make-seeds TEST_CORPUS_DIR OUT_DIR\n";
        return 2;
    }
    const fs::path in_dir = argv[1], out_dir = argv[2];
    server::CommandTable table;
    fuzzcodec::Names names(table);
    Seeds seeds{names, out_dir / "resp_parser", out_dir / "command"};
    for (const fs::path& d : {seeds.parser_dir, seeds.command_dir}) {
        fs::create_directories(d);
        for (const auto& e : fs::directory_iterator(d))
            if (e.path().filename().string().starts_with("seed-")) fs::remove(e.path());
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(in_dir))
        if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
        std::string stem = fs::relative(f, in_dir).replace_extension().string();
        for (char& c : stem)
            if (c == '/') c = '-';
        from_corpus_file(seeds, f, stem);
    }
    scenarios(seeds);
    std::printf("wrote %d resp_parser seeds, %d command seeds\n", seeds.parser_count, seeds.command_count);
    return 0;
}
