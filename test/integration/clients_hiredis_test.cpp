// hiredis (Debian libhiredis-dev) against the server, through
// build/hiredis-batch (test/clients/hiredis/hiredis_batch.cpp): a pipelined
// batch of binary SETs and GETs, replies of every RESP2 type, and a 1 MiB
// value. The test checks the summary the program prints against values it
// computes itself, and reads some of the keys back on its own connection.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "test/support/bytes_text.h"
#include "test/support/resp_client.h"
#include "test/support/run_process.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

// The same keys and values as key_of/value_of in hiredis_batch.cpp.
std::string key_of(int i) {
    std::string key = "hiredis:" + std::to_string(i);
    key.append("\0\r\n", 3);
    return key;
}

std::string value_of(int i) {
    size_t length = static_cast<size_t>(i) * 37 % 601;
    std::string value(length, '\0');
    for (size_t j = 0; j < length; ++j)
        value[j] = static_cast<char>((static_cast<size_t>(i) * 131 + j * 7 + (j >> 3)) & 0xff);
    return value;
}

uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::string bulk(std::string_view bytes) {
    return "$" + std::to_string(bytes.size()) + "\r\n" + std::string(bytes) + "\r\n";
}

class ClientsHiredisTest : public ServerTest {};

TEST_F(ClientsHiredisTest, PipelinedBinaryBatch) {
    std::string program = build_dir() + "/hiredis-batch";
    ASSERT_EQ(::access(program.c_str(), X_OK), 0)
        << program << " is not built (make " << program << "; needs libhiredis-dev)";
    ASSERT_NO_FATAL_FAILURE(start());
    const int count = 1000;
    RunResult r = run_process({program, std::to_string(server_.port()), std::to_string(count)},
                              milliseconds(20000));
    EXPECT_TRUE(r.status.success()) << r.status.describe() << "\n" << r.output;

    size_t bytes = 0;
    uint64_t checksum = 14695981039346656037ULL;
    for (int i = 0; i < count; ++i) {
        std::string value = value_of(i);
        bytes += value.size();
        checksum = fnv1a(checksum, value);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(checksum));
    std::string summary = "hiredis-batch: sets=1000 gets=1000 bytes=" + std::to_string(bytes) +
                          " checksum=" + hex + " mget=ok incrby=1000 nil=ok ping=PONG big=1048576\n";
    EXPECT_NE(r.output.find(summary), std::string::npos) << "expected:\n" << summary << "got:\n" << r.output;
    EXPECT_NE(r.output.find("error reply: ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'arg' \n"),
              std::string::npos)
        << r.output;

    // What hiredis wrote is in the server, byte for byte.
    RespClient client = connect();
    EXPECT_EQ(client.command({"DBSIZE"}), ":1002\r\n");  // the batch, the counter, the big value
    for (int i : {0, 1, 17, 500, 601, 999}) {
        std::string reply = client.command({"GET", key_of(i)});
        EXPECT_EQ(reply, bulk(value_of(i))) << "key " << escape_bytes(key_of(i)) << ": " << escape_bytes(reply, 200);
    }
    EXPECT_EQ(client.command({"STRLEN", "hiredis:big"}), ":1048576\r\n");
    EXPECT_EQ(client.command({"GET", "hiredis:counter"}), "$4\r\n1000\r\n");
}

}  // namespace
}  // namespace testsupport
