// The server's command line: --help, --version, and bad flag values, which
// must fail fast with one line that names the flag.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

RunResult run_server(std::vector<std::string> args) {
    args.insert(args.begin(), server_binary());
    return run_process(args, milliseconds(5000));
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    size_t start = s.find_first_not_of(" \r\n");
    return start == std::string::npos ? std::string() : s.substr(start);
}

TEST(FlagsTest, HelpListsEveryFlag) {
    RINGDIS_SKIP_UNDER_ORACLE();
    RunResult r = run_server({"--help"});
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    for (const char* flag : {"--port", "--bind", "--storage", "--maxclients", "--verbose", "--version",
                             "--help"}) {
        EXPECT_NE(r.output.find(flag), std::string::npos) << flag << " missing from:\n" << r.output;
    }
    // The defaults are part of the documentation.
    EXPECT_NE(r.output.find("6379"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("127.0.0.1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("per-connection"), std::string::npos) << r.output;
}

TEST(FlagsTest, VersionPrintsAVersion) {
    RINGDIS_SKIP_UNDER_ORACLE();
    RunResult r = run_server({"--version"});
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;
    std::string out = trim(r.output);
    EXPECT_EQ(out.find('\n'), std::string::npos) << "more than one line:\n" << out;
    EXPECT_NE(out.find_first_of("0123456789"), std::string::npos) << out;
}

struct BadFlag {
    const char* name;
    std::vector<std::string> args;
    const char* flag;  // the error line must name it
};

void PrintTo(const BadFlag& f, std::ostream* os) { *os << f.name; }

class BadFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(BadFlagTest, ExitsNonZeroWithOneLineNamingTheFlag) {
    RINGDIS_SKIP_UNDER_ORACLE();
    RunResult r = run_server(GetParam().args);
    ASSERT_FALSE(r.status.timed_out) << "the server started instead of failing:\n" << r.output;
    EXPECT_TRUE(r.status.exited()) << r.status.describe();
    EXPECT_NE(r.status.code(), 0);
    std::string out = trim(r.output);
    EXPECT_FALSE(out.empty());
    EXPECT_EQ(out.find('\n'), std::string::npos) << "more than one line:\n" << out;
    EXPECT_NE(out.find(GetParam().flag), std::string::npos) << "does not name " << GetParam().flag
                                                            << ": " << out;
}

INSTANTIATE_TEST_SUITE_P(
    Flags, BadFlagTest,
    ::testing::Values(BadFlag{"PortNotANumber", {"--port", "abc"}, "port"},
                      BadFlag{"PortTooBig", {"--port", "70000"}, "port"},
                      BadFlag{"PortNegative", {"--port=-1"}, "port"},
                      BadFlag{"StorageUnknown", {"--storage", "foo"}, "storage"},
                      BadFlag{"MaxclientsNotANumber", {"--maxclients", "lots"}, "maxclients"},
                      BadFlag{"MaxclientsZero", {"--maxclients", "0"}, "maxclients"},
                      BadFlag{"UnknownFlag", {"--no-such-flag"}, "no-such-flag"}),
    [](const ::testing::TestParamInfo<BadFlag>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace testsupport
