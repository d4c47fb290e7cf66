// A GoogleTest fixture for tests that run one server under test: start it
// with flags, open clients to it, and see its log when a test fails.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/support/paths.h"
#include "test/support/resp_client.h"
#include "test/support/server_process.h"

// Tests of ringdis's own flags have nothing to check against Redis when
// $RINGDIS_SERVER points the suite at redis-server.
#define RINGDIS_SKIP_UNDER_ORACLE()                                              \
    do {                                                                         \
        if (::testsupport::server_is_oracle())                                   \
            GTEST_SKIP() << "ringdis-only behaviour; RINGDIS_SERVER is redis-server"; \
    } while (0)

namespace testsupport {

class ServerTest : public ::testing::Test {
protected:
    // Starts the server under test; use as ASSERT_NO_FATAL_FAILURE(start()).
    void start(std::vector<std::string> args = {}) {
        ASSERT_TRUE(server_.start(ringdis_options(std::move(args)))) << server_.error();
    }

    // A connected client; a failed connection fails the test.
    RespClient connect() {
        RespClient client(server_.port());
        EXPECT_TRUE(client.ok()) << client.error();
        return client;
    }

    void TearDown() override {
        if (!server_.dir().empty()) {
            EXPECT_EQ(server_.sanitizer_findings(), "") << "the server's log:\n" << server_.log_tail();
        }
        if (HasFailure() && !server_.dir().empty()) {
            std::printf("--- server log (%s):\n%s\n---\n", server_.log_path().c_str(),
                        server_.log_tail().c_str());
        }
    }

    ServerProcess server_;
};

}  // namespace testsupport
