// GoogleTest main for every test binary: prints one machine-readable line
// with the counts that test/run-all adds up into the final summary.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

namespace {

class CountingListener : public testing::EmptyTestEventListener {
public:
    void OnTestProgramEnd(const testing::UnitTest& unit) override {
        std::printf("RINGDIS-RESULT passed=%d failed=%d\n", unit.successful_test_count(),
                    unit.failed_test_count());
        std::fflush(stdout);
    }
};

}  // namespace

int main(int argc, char** argv) {
    // Tests write to sockets whose peer may be gone; an EPIPE is a result,
    // not a reason to die.
    std::signal(SIGPIPE, SIG_IGN);
    testing::InitGoogleTest(&argc, argv);
    testing::UnitTest::GetInstance()->listeners().Append(new CountingListener);
    return RUN_ALL_TESTS();
}
