// Keyspace notifications and WATCH, compared with a real redis-server.
//
// Corpus: test/corpus/events/*.txt, in the format of the differential
// corpus (see differential_test.cpp; commands and RAW lines). For every
// case, on each server:
//
//  1. Events. An observer connection, subscribed to __keyspace@*__:* and
//     __keyevent@*__:* with notify-keyspace-events "KEA", collects every
//     notification the case's commands cause (up to a PUBLISH on a marker
//     channel sent after the case). The messages, in order, and the
//     commands' replies must be the same bytes on both servers.
//  2. WATCH. The case runs again from an empty keyspace, but a second
//     connection WATCHes the keys of the case's last command (as the
//     oracle's COMMAND GETKEYS names them) just before it runs; then
//     MULTI / PING / EXEC on the watcher must give the same reply on both
//     (an aborted transaction is a null array). Cases whose last command
//     has no keys skip this half.
//
// Expiry is not in the corpus (its timing is not deterministic); the
// `expired` event and WATCH on expiring keys are tested on ringdis alone
// in transactions_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/reply_reader.h"
#include "test/support/bytes_text.h"
#include "test/support/corpus.h"
#include "test/support/paths.h"
#include "test/support/resp_client.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kTimeout(3000);
const std::string kMarker = "__ringdis_test_marker__";

std::string events_dir() { return repo_root() + "/test/corpus/events"; }

std::vector<std::string> event_files() {
    std::vector<std::string> files;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(events_dir(), ec))
        if (e.path().extension() == ".txt") files.push_back(e.path().filename().string());
    std::sort(files.begin(), files.end());
    return files;
}

// What one server did for one case.
struct Outcome {
    std::vector<std::string> replies;  // of the case's commands
    std::vector<std::string> events;   // the observer's messages, in order
    std::string watch;                 // EXEC's reply on the watcher, if any
    std::string error;                 // harness trouble (timeouts...)
};

class Side {
public:
    explicit Side(const ServerProcess& server) : port_(server.port()) {}

    bool connect(std::string& error) {
        cmd_ = std::make_unique<RespClient>(port_, kTimeout);
        observer_ = std::make_unique<RespClient>(port_, kTimeout);
        if (!cmd_->ok() || !observer_->ok()) {
            error = "cannot connect: " + cmd_->error() + observer_->error();
            return false;
        }
        std::string r = cmd_->command({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
        if (r != "+OK\r\n") {
            error = "CONFIG SET notify-keyspace-events: " + escape_bytes(r);
            return false;
        }
        observer_->send_raw(encode_command({"PSUBSCRIBE", "__keyspace@*__:*", "__keyevent@*__:*"}));
        observer_->send_raw(encode_command({"SUBSCRIBE", kMarker}));
        for (int i = 0; i < 3; ++i) {
            std::string ack = observer_->read_reply();
            if (ack.starts_with('<')) {
                error = "subscribing: " + ack;
                return false;
            }
        }
        return true;
    }

    // Part 1: the replies and the events of the whole case.
    void run_events(const CorpusCase& c, Outcome& out) {
        if (!reset(out)) return;
        for (const CorpusStep& step : c.steps) run_step(step, out.replies);
        collect_events(out);
    }

    // Part 2: the last command runs under a WATCH of `keys`.
    void run_watch(const CorpusCase& c, const std::vector<std::string>& keys, Outcome& out) {
        if (!reset(out)) return;
        std::vector<std::string> ignored;
        for (size_t i = 0; i + 1 < c.steps.size(); ++i) run_step(c.steps[i], ignored);
        RespClient watcher(port_, kTimeout);
        std::vector<std::string> watch = {"WATCH"};
        watch.insert(watch.end(), keys.begin(), keys.end());
        std::string r = watcher.command(watch);
        if (r != "+OK\r\n") {
            out.error = "WATCH: " + escape_bytes(r);
            return;
        }
        run_step(c.steps.back(), ignored);
        watcher.command({"MULTI"});
        watcher.command({"PING"});
        out.watch = watcher.command({"EXEC"});
        collect_events(out);  // drained so the next case starts clean
        out.events.clear();
    }

private:
    bool reset(Outcome& out) {
        // FLUSHALL raises no keyspace event, so the observer sees nothing.
        std::string r = cmd_->command({"FLUSHALL"});
        if (r != "+OK\r\n") {
            out.error = "FLUSHALL: " + escape_bytes(r);
            return false;
        }
        return true;
    }

    void run_step(const CorpusStep& step, std::vector<std::string>& replies) {
        cmd_->send_raw(step.bytes);
        int n = step.replies == CorpusStep::kUntilClosed ? 1 : step.replies;
        for (int i = 0; i < n; ++i) replies.push_back(cmd_->read_reply());
    }

    void collect_events(Outcome& out) {
        std::string marker = std::to_string(++marker_seq_);
        cmd_->command({"PUBLISH", kMarker, marker});
        for (;;) {
            std::string m = observer_->read_reply();
            if (m.starts_with('<')) {
                out.error = "waiting for events: " + m;
                return;
            }
            if (m.find(kMarker) != std::string::npos && m.find(marker) != std::string::npos) return;
            out.events.push_back(m);
        }
    }

    int port_;
    std::unique_ptr<RespClient> cmd_;
    std::unique_ptr<RespClient> observer_;
    int marker_seq_ = 0;
};

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += "    " + escape_bytes(x, 400) + "\n";
    return s;
}

// The keys of a command as the oracle sees them; empty for none or error.
std::vector<std::string> oracle_keys(int oracle_port, const CorpusStep& step) {
    std::vector<std::string> args;
    std::string err;
    if (step.bytes.empty() || step.bytes[0] != '*') return {};
    if (!split_args(step.text, args, err) || args.empty()) return {};
    RespClient c(oracle_port, kTimeout);
    std::vector<std::string> getkeys = {"COMMAND", "GETKEYS"};
    getkeys.insert(getkeys.end(), args.begin(), args.end());
    std::string r = c.command(getkeys);
    protocol::RespValue reply;
    if (protocol::decode_reply(r, reply) <= 0 || reply.kind != protocol::RespValue::Kind::kArray) return {};
    std::vector<std::string> keys;
    for (const protocol::RespValue& k : reply.elems) keys.push_back(k.str);
    return keys;
}

class KeyspaceEventsTest : public ::testing::TestWithParam<std::string> {
protected:
    static void SetUpTestSuite() {
        oracle_ = std::make_unique<ServerProcess>();
        ringdis_ = std::make_unique<ServerProcess>();
        if (!oracle_->start(oracle_options())) setup_error_ = "oracle: " + oracle_->error();
        if (!ringdis_->start(ringdis_like_oracle_options())) setup_error_ += "ringdis: " + ringdis_->error();
    }
    static void TearDownTestSuite() {
        oracle_.reset();
        ringdis_.reset();
    }
    void SetUp() override { ASSERT_EQ(setup_error_, ""); }
    void TearDown() override {
        EXPECT_EQ(ringdis_->sanitizer_findings(), "");
        EXPECT_TRUE(ringdis_->running()) << ringdis_->log_tail();
    }

    static std::unique_ptr<ServerProcess> oracle_;
    static std::unique_ptr<ServerProcess> ringdis_;
    static std::string setup_error_;
};

std::unique_ptr<ServerProcess> KeyspaceEventsTest::oracle_;
std::unique_ptr<ServerProcess> KeyspaceEventsTest::ringdis_;
std::string KeyspaceEventsTest::setup_error_;

TEST_P(KeyspaceEventsTest, SameEventsAndWatchOutcomes) {
    const std::string file = GetParam();
    std::ifstream in(events_dir() + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<CorpusCase> cases;
    std::string error;
    ASSERT_TRUE(parse_corpus(text.str(), cases, error)) << file << ": " << error;
    ASSERT_FALSE(cases.empty()) << file << " has no cases";

    Side want(*oracle_);
    Side got(*ringdis_);
    ASSERT_TRUE(want.connect(error)) << "oracle: " << error;
    ASSERT_TRUE(got.connect(error)) << "ringdis: " << error;
    int failures = 0;
    for (const CorpusCase& c : cases) {
        if (failures >= 10) break;
        std::string where = file + ":" + std::to_string(c.line);
        Outcome a, b;
        want.run_events(c, a);
        got.run_events(c, b);
        ASSERT_EQ(a.error, "") << where << ": oracle: " << a.error;
        if (!b.error.empty() || a.replies != b.replies || a.events != b.events) {
            ++failures;
            ADD_FAILURE() << where << ": " << c.steps.back().text << "\n  " << b.error
                          << "\n  redis-server replies:\n" << join(a.replies) << "  ringdis replies:\n"
                          << join(b.replies) << "  redis-server events:\n" << join(a.events)
                          << "  ringdis events:\n" << join(b.events);
            continue;
        }
        std::vector<std::string> keys = oracle_keys(oracle_->port(), c.steps.back());
        if (keys.empty()) continue;
        Outcome wa, wb;
        want.run_watch(c, keys, wa);
        got.run_watch(c, keys, wb);
        ASSERT_EQ(wa.error, "") << where << ": oracle: " << wa.error;
        if (!wb.error.empty() || wa.watch != wb.watch) {
            ++failures;
            ADD_FAILURE() << where << ": WATCH of the keys of: " << c.steps.back().text << "\n  "
                          << wb.error << "\n  redis-server EXEC: " << escape_bytes(wa.watch)
                          << "\n  ringdis EXEC:      " << escape_bytes(wb.watch);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Corpus, KeyspaceEventsTest, ::testing::ValuesIn(event_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = param.param.substr(0, param.param.rfind('.'));
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

}  // namespace
}  // namespace testsupport
