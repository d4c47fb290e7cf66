// Clients that vanish at awkward moments (mid-frame, mid-reply, while
// blocked, subscribed or watching keys; with a FIN or a reset) leave
// nothing behind: INFO's connected_clients and blocked_clients return to
// their baseline, nobody is left waiting on a key, and the sanitizer build
// finds nothing (the fixture checks the server's log).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "test/support/hostile.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

using std::chrono::milliseconds;

class HostileDisconnectTest : public ServerTest {};

constexpr int kEach = 40;

void close_either_way(int fd, int i) {
    if (i % 2) close_with_reset(fd);
    else ::close(fd);
}

TEST_F(HostileDisconnectTest, VanishingClientsLeaveNoState) {
    raise_open_files_limit(8 * kEach + 256);
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    ASSERT_EQ(info_number(admin, "clients", "connected_clients"), 1);
    std::string big(1 << 20, 'b');
    ASSERT_EQ(admin.command({"SET", "big", big}), "+OK\r\n");

    std::vector<int> fds;
    auto open = [&](int receive_buffer = 0) {
        int fd = connect_raw(server_.port(), receive_buffer);
        EXPECT_GE(fd, 0);
        fds.push_back(fd);
        return fd;
    };
    std::vector<int> mid_frame, mid_bulk, mid_reply, pipelined, blocked, subscribed, watching;
    for (int i = 0; i < kEach; ++i) {
        // Cut inside a header, inside a small bulk, inside an inline line.
        mid_frame.push_back(open());
        const char* partial[] = {"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc", "*2\r\n$3\r\nGE", "SET k ab"};
        ASSERT_TRUE(send_all(mid_frame.back(), partial[i % 3]));
        // Cut inside a large bulk (the input buffer has grown for it).
        mid_bulk.push_back(open());
        ASSERT_TRUE(send_all(mid_bulk.back(), "*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$1000000\r\n" + std::string(300000, 'q')));
        // A large reply not read (the server is mid-write); and one stopped
        // by backpressure with more commands waiting behind. (Fewer of
        // these: each holds a few MiB in the server until it goes.)
        if (i < kEach / 4) {
            mid_reply.push_back(open(4096));
            ASSERT_TRUE(send_all(mid_reply.back(), encode_command({"GET", "big"})));
            pipelined.push_back(open(4096));
            std::string gets;
            for (int k = 0; k < 8; ++k) gets += encode_command({"GET", "big"});
            ASSERT_TRUE(send_all(pipelined.back(), gets));
        }
        // Blocked on lists and sorted sets, some with a pipeline behind.
        blocked.push_back(open());
        const std::vector<std::string> block_cmds[] = {
            {"BLPOP", "list:a", "list:b", "0"},
            {"BLMOVE", "list:c", "list:d", "LEFT", "RIGHT", "0"},
            {"BZPOPMIN", "zset:a", "100"},
        };
        std::string cmd = encode_command(block_cmds[i % 3]);
        if (i % 4 == 0) cmd += encode_command({"SET", "after", "1"});
        ASSERT_TRUE(send_all(blocked.back(), cmd));
        subscribed.push_back(open());
        ASSERT_TRUE(send_all(subscribed.back(), encode_command({"SUBSCRIBE", "news"}) +
                                                    encode_command({"PSUBSCRIBE", "n*"})));
        watching.push_back(open());
        ASSERT_TRUE(send_all(watching.back(), encode_command({"WATCH", "w"}) + encode_command({"MULTI"}) +
                                                  encode_command({"INCR", "w"})));
    }
    int64_t last = -1;
    ASSERT_TRUE(wait_for_info(admin, "clients", "blocked_clients", kEach, milliseconds(10000), &last))
        << "blocked_clients " << last;
    ASSERT_TRUE(wait_for_info(admin, "clients", "connected_clients", static_cast<int64_t>(fds.size()) + 1,
                              milliseconds(10000), &last))
        << "connected_clients " << last;
    EXPECT_EQ(admin.command({"PUBSUB", "NUMSUB", "news"}), "*2\r\n$4\r\nnews\r\n:" + std::to_string(kEach) + "\r\n");

    // Everyone vanishes, half with a reset.
    for (size_t i = 0; i < fds.size(); ++i) close_either_way(fds[i], static_cast<int>(i));

    EXPECT_TRUE(wait_for_info(admin, "clients", "connected_clients", 1, milliseconds(10000), &last))
        << "connected_clients " << last;
    EXPECT_TRUE(wait_for_info(admin, "clients", "blocked_clients", 0, milliseconds(10000), &last))
        << "blocked_clients " << last;
    // Nobody is still waiting on the keys, subscribed, or half-way through
    // a write.
    EXPECT_EQ(admin.command({"RPUSH", "list:a", "x"}), ":1\r\n");
    EXPECT_EQ(admin.command({"RPUSH", "list:c", "y"}), ":1\r\n");
    EXPECT_EQ(admin.command({"ZADD", "zset:a", "1", "m"}), ":1\r\n");
    EXPECT_EQ(admin.command({"LLEN", "list:a"}), ":1\r\n");
    EXPECT_EQ(admin.command({"EXISTS", "list:d", "after", "q", "k", "w"}), ":0\r\n");
    EXPECT_EQ(admin.command({"PUBLISH", "news", "hello"}), ":0\r\n");
    EXPECT_EQ(admin.command({"PUBSUB", "NUMPAT"}), ":0\r\n");
    // The server is whole: new clients are served, the big value intact.
    RespClient fresh = connect();
    EXPECT_EQ(fresh.command({"STRLEN", "big"}), ":" + std::to_string(big.size()) + "\r\n");
    EXPECT_EQ(fresh.command({"CLIENT", "LIST"}).find("cmd=blpop"), std::string::npos);
}

// The same, many times over in quick succession: connections that come,
// block or start a reply, and go, interleaved.
TEST_F(HostileDisconnectTest, ChurnReturnsToBaseline) {
    ASSERT_NO_FATAL_FAILURE(start());
    RespClient admin = connect();
    ASSERT_EQ(admin.command({"SET", "val", std::string(256 * 1024, 'v')}), "+OK\r\n");
    for (int round = 0; round < 20; ++round) {
        std::vector<int> fds;
        for (int i = 0; i < 25; ++i) {
            int fd = connect_raw(server_.port(), i % 5 == 1 ? 4096 : 0);
            ASSERT_GE(fd, 0);
            std::string bytes;
            switch (i % 5) {
                case 0: bytes = encode_command({"BLPOP", "l" + std::to_string(i), "0"}); break;
                case 1: bytes = encode_command({"GET", "val"}) + encode_command({"GET", "val"}); break;
                case 2: bytes = "*2\r\n$4\r\nECHO\r\n$100\r\nxy"; break;
                case 3: bytes = encode_command({"SUBSCRIBE", "c" + std::to_string(i)}); break;
                default: bytes = encode_command({"INCR", "n"}); break;
            }
            ASSERT_TRUE(send_all(fd, bytes));
            fds.push_back(fd);
        }
        for (size_t i = 0; i < fds.size(); ++i) close_either_way(fds[i], static_cast<int>(i + round));
    }
    int64_t last = -1;
    EXPECT_TRUE(wait_for_info(admin, "clients", "connected_clients", 1, milliseconds(10000), &last))
        << "connected_clients " << last;
    EXPECT_TRUE(wait_for_info(admin, "clients", "blocked_clients", 0, milliseconds(10000), &last))
        << "blocked_clients " << last;
    EXPECT_EQ(admin.command({"PUBSUB", "NUMSUB", "c3"}), "*2\r\n$2\r\nc3\r\n:0\r\n");
}

}  // namespace
}  // namespace testsupport
