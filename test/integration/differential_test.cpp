// Differential tests: every case of the corpus is sent to ringdis and to a
// real redis-server (the oracle, started beside it on its own port with
// --save '' --appendonly no), and the reply bytes must be identical.
//
// The corpus: test/corpus/*.txt, one gtest per file.
//
//   # A comment line (the first non-blank character is '#').
//   # A case is a run of non-blank lines; a blank line ends it. Each case
//   # runs on a fresh connection to each server, after FLUSHALL, so cases
//   # do not depend on each other (a case opens in RESP2, database 0).
//   SET key "two words"         a command: arguments as redis-cli splits
//   GET key                     them ("..." with \" \\ \n \r \t \xHH, and
//   SET "" ''                   '...'); sent as a multibulk; one reply read
//   HEAD HELLO 3                a command whose reply is compared by its
//                               first line only ("%7\r\n" for the HELLO
//                               map, whose id and version differ)
//   RAW PING\r\n                raw bytes (C escapes: \r \n \t \0 \\ \"
//                               \xHH ...; a space at either end of the line
//                               must be written \x20), one reply read
//   RAW:2 PING\r\nPING\r\n      raw bytes, then exactly 2 replies (0 is
//                               allowed: a partial frame finished later)
//   RAW:EOF *xyz\r\n            raw bytes, then everything until the server
//                               closes, compared as one block (with the
//                               fact that it closed); with no bytes after
//                               RAW:EOF it only waits for the close. It
//                               must be the last line of its case.
//
// Directives are the exact upper-case words RAW, RAW:<n>, RAW:EOF and HEAD;
// to send a command named like one, quote it ("RAW"); a line whose first
// character is '#' is a comment, so quote such a command too. After the last
// step of a case, unless the connection was closed, a final ECHO checks that
// neither server sent more replies than the other.
//
// Only deterministic replies belong in the corpus: no TIME, INFO, CLIENT
// ID/LIST, no TTLs that can tick (TTL right after EX 100 is safe; PTTL is
// only for -1 and -2), nothing that differs between Redis versions.
//
// On a mismatch the test prints file:line, the line, and both replies
// escaped, and goes on (up to 5 differences a case; a missing reply or a
// close ends the case). To check the harness itself, run it with
// RINGDIS_SERVER=/usr/bin/redis-server (oracle against oracle). With
// RINGDIS_CORPUS_DUMP=1 every step is printed with the oracle's reply,
// which is how to review what a new corpus case really asserts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/corpus.h"
#include "test/support/paths.h"
#include "test/support/resp_client.h"
#include "test/support/server_process.h"

namespace testsupport {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kReplyTimeout(3000);
constexpr int kMaxDifferencesPerCase = 5;

std::string corpus_dir() { return repo_root() + "/test/corpus"; }

std::vector<std::string> corpus_files() {
    std::vector<std::string> files;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(corpus_dir(), ec)) {
        if (entry.path().extension() == ".txt") files.push_back(entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string first_line(const std::string& reply) {
    size_t eol = reply.find("\r\n");
    return eol == std::string::npos ? reply : reply.substr(0, eol + 2);
}

class DifferentialTest : public ::testing::TestWithParam<std::string> {
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
        // A crash (or a stop) shows up in the file that caused it; the next
        // file gets a fresh server. A server still running may be on its
        // way out, so it must also answer a PING on a new connection.
        std::string findings = ringdis_->sanitizer_findings();
        if (findings != reported_findings_) {
            ADD_FAILURE() << "sanitizer findings in ringdis's log:\n" << findings;
            reported_findings_ = findings;
        }
        if (restart_if_unwell(ringdis_, "ringdis", ringdis_like_oracle_options())) reported_findings_.clear();
        restart_if_unwell(oracle_, "the oracle", oracle_options());
    }

    static bool answers_ping(ServerProcess& server) {
        if (!server.running()) return false;
        RespClient client(server.port(), milliseconds(2000));
        return client.ok() && client.command({"PING"}) == "+PONG\r\n";
    }

    // Returns true when it had to start a new server.
    static bool restart_if_unwell(std::unique_ptr<ServerProcess>& server, const char* name,
                                  const ServerOptions& options) {
        if (answers_ping(*server)) return false;
        ExitStatus status = server->stop(milliseconds(3000));
        ADD_FAILURE() << name << " stopped serving (" << status.describe() << "); log:\n"
                      << server->log_tail();
        server = std::make_unique<ServerProcess>();
        if (!server->start(options)) setup_error_ += std::string(name) + ": " + server->error();
        return true;
    }

    // Runs one case, reporting each difference; returns how many there were.
    int run_case(const std::string& file, const CorpusCase& c);

    static std::unique_ptr<ServerProcess> oracle_;
    static std::unique_ptr<ServerProcess> ringdis_;
    static std::string setup_error_;
    static std::string reported_findings_;
    const bool dump_ = std::getenv("RINGDIS_CORPUS_DUMP") != nullptr;
};

std::unique_ptr<ServerProcess> DifferentialTest::oracle_;
std::unique_ptr<ServerProcess> DifferentialTest::ringdis_;
std::string DifferentialTest::setup_error_;
std::string DifferentialTest::reported_findings_;

int DifferentialTest::run_case(const std::string& file, const CorpusCase& c) {
    RespClient want(oracle_->port(), kReplyTimeout);
    RespClient got(ringdis_->port(), kReplyTimeout);
    std::string where = file + ":" + std::to_string(c.line);
    if (!want.ok() || !got.ok()) {
        ADD_FAILURE() << where << ": cannot connect: " << want.error() << " " << got.error();
        return 1;
    }
    std::string w = want.command({"FLUSHALL"});
    std::string g = got.command({"FLUSHALL"});
    if (w != "+OK\r\n" || g != "+OK\r\n") {
        ADD_FAILURE() << where << ": FLUSHALL before the case\n  redis-server: \"" << escape_bytes(w)
                      << "\"\n  ringdis:      \"" << escape_bytes(g) << "\"";
        return 1;
    }
    int differences = 0;
    auto differ = [&](const CorpusStep& step, const std::string& a, const std::string& b,
                      const std::string& what) {
        ADD_FAILURE() << file << ":" << step.line << ": " << step.text << "\n  " << what
                      << "\n  redis-server: \"" << escape_bytes(a) << "\"\n  ringdis:      \""
                      << escape_bytes(b) << "\"";
        ++differences;
    };
    auto dump = [&](const CorpusStep& step, const std::string& reply, const char* suffix) {
        if (!dump_) return;
        std::printf("%s:%d: %s\n    -> \"%s\"%s\n", file.c_str(), step.line, step.text.c_str(),
                    escape_bytes(reply, 300).c_str(), suffix);
    };
    for (const CorpusStep& step : c.steps) {
        // A send can fail when the server closed: the reads say what happened.
        want.send_raw(step.bytes);
        got.send_raw(step.bytes);
        if (step.replies == CorpusStep::kUntilClosed) {
            RespClient::Drained a = want.read_until_closed(kReplyTimeout);
            RespClient::Drained b = got.read_until_closed(kReplyTimeout);
            dump(step, a.bytes, a.closed ? " then closed" : " (not closed!)");
            if (!a.closed) differ(step, a.bytes, b.bytes, "corpus error: the oracle did not close");
            else if (!b.closed) differ(step, a.bytes, b.bytes, "ringdis did not close the connection");
            else if (a.bytes != b.bytes) differ(step, a.bytes, b.bytes, "replies before the close differ");
            return differences;  // the connection is over
        }
        for (int i = 0; i < step.replies; ++i) {
            std::string a = want.read_reply();
            std::string b = got.read_reply();
            dump(step, a, "");
            if (a.starts_with('<')) {
                differ(step, a, b, "corpus error: the oracle gave no reply");
                return differences;
            }
            bool same = step.head_only ? first_line(a) == first_line(b) : a == b;
            if (same) continue;
            differ(step, a, b, step.replies > 1 ? "reply " + std::to_string(i + 1) + " differs" : "replies differ");
            // One reply each keeps the streams in step, so the case goes on
            // (later differences may follow from this one); a missing reply
            // or too many differences end it.
            if (b.starts_with('<') || differences >= kMaxDifferencesPerCase) return differences;
        }
    }
    CorpusStep sync;
    sync.line = c.steps.back().line;
    sync.text = "(after the case: ECHO, to catch extra replies)";
    std::string a = want.command({"ECHO", "corpus-sync"});
    std::string b = got.command({"ECHO", "corpus-sync"});
    if (a != b) differ(sync, a, b, "stream out of step after the case");
    return differences;
}

TEST_P(DifferentialTest, SameRepliesAsRedis) {
    std::string file = "test/corpus/" + GetParam();
    std::ifstream in(repo_root() + "/" + file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << file;
    std::stringstream text;
    text << in.rdbuf();
    std::vector<CorpusCase> cases;
    std::string error;
    ASSERT_TRUE(parse_corpus(text.str(), cases, error)) << file << ": " << error;
    ASSERT_FALSE(cases.empty()) << file << " has no cases";
    int failed = 0;
    for (const CorpusCase& c : cases) {
        if (run_case(file, c) > 0) ++failed;
    }
    EXPECT_EQ(failed, 0) << failed << " of " << cases.size() << " cases in " << file << " differ";
}

TEST(DifferentialCorpus, IsNotEmpty) {
    EXPECT_FALSE(corpus_files().empty()) << "no *.txt in " << corpus_dir();
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = fs::path(info.param).stem().string();
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, DifferentialTest, ::testing::ValuesIn(corpus_files()), test_name);

}  // namespace
}  // namespace testsupport
