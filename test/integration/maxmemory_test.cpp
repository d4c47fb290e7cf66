// maxmemory and eviction (server/eviction.h), on the server under test; the
// same file passes against redis-server 7.0 (RINGDIS_SERVER=/usr/bin/redis-server),
// which is how its expectations were checked.
//
// Limits are set relative to the empty server's used_memory, so they hold
// for any allocator. Eviction is approximated (sampling), so the checks of
// who survives compare groups with wide margins; the only wait is in the
// LRU case, whose clock (Redis's too) counts whole seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test/support/bytes_text.h"
#include "test/support/server_test.h"

namespace testsupport {
namespace {

const std::string kOom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
const std::string kOk = "+OK\r\n";
const std::string kValue(1000, 'v');

class MaxmemoryTest : public ServerTest {
protected:
    void start_server(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--save", "", "--appendonly", "no"};
        args.insert(args.end(), extra.begin(), extra.end());
        ASSERT_NO_FATAL_FAILURE(start(args));
    }

    // One field of INFO <section>, as text ("" when absent).
    static std::string info_field(RespClient& c, const std::string& section, std::string_view name) {
        std::string reply = c.command({"INFO", section});
        std::string needle = "\r\n" + std::string(name) + ":";
        size_t at = reply.find(needle);
        if (at == std::string::npos) return "";
        at += needle.size();
        return reply.substr(at, reply.find("\r\n", at) - at);
    }
    static int64_t info_int(RespClient& c, const std::string& section, std::string_view name) {
        return std::strtoll(info_field(c, section, name).c_str(), nullptr, 10);
    }
    static int64_t used_memory(RespClient& c) { return info_int(c, "memory", "used_memory"); }

    // Sends the commands pipelined, in batches, and returns every reply.
    static std::vector<std::string> pipeline(RespClient& c, const std::vector<std::vector<std::string>>& cmds) {
        std::vector<std::string> replies;
        constexpr size_t kBatch = 200;
        for (size_t i = 0; i < cmds.size(); i += kBatch) {
            std::string bytes;
            size_t n = std::min(kBatch, cmds.size() - i);
            for (size_t j = 0; j < n; ++j) bytes += encode_command(cmds[i + j]);
            if (!c.send_raw(bytes)) break;
            for (std::string& r : c.read_replies(n)) replies.push_back(std::move(r));
        }
        return replies;
    }

    static std::vector<std::vector<std::string>> sets(const std::string& prefix, int from, int to,
                                                      std::vector<std::string> extra = {}) {
        std::vector<std::vector<std::string>> cmds;
        for (int i = from; i < to; ++i) {
            std::vector<std::string> cmd = {"SET", prefix + std::to_string(i), kValue};
            cmd.insert(cmd.end(), extra.begin(), extra.end());
            cmds.push_back(std::move(cmd));
        }
        return cmds;
    }

    // How many of prefix<from>..prefix<to-1> exist (EXISTS does not count
    // as an access).
    static int surviving(RespClient& c, const std::string& prefix, int from, int to) {
        std::vector<std::vector<std::string>> cmds;
        for (int i = from; i < to; ++i) cmds.push_back({"EXISTS", prefix + std::to_string(i)});
        int n = 0;
        for (const std::string& r : pipeline(c, cmds)) n += r == ":1\r\n" ? 1 : 0;
        return n;
    }

    // Writes keys until the first refusal; returns how many were accepted
    // (-1 if none was refused within `max`).
    static int fill_until_oom(RespClient& c, const std::string& prefix, int max) {
        constexpr int kStep = 100;
        for (int done = 0; done < max; done += kStep) {
            std::vector<std::string> replies = pipeline(c, sets(prefix, done, done + kStep));
            for (size_t j = 0; j < replies.size(); ++j) {
                if (replies[j] == kOk) continue;
                EXPECT_EQ(escape_bytes(replies[j]), escape_bytes(kOom));
                return done + static_cast<int>(j);
            }
        }
        return -1;
    }

    void set_limit(RespClient& c, int64_t bytes) {
        ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory", std::to_string(bytes)}), kOk);
    }
};

TEST_F(MaxmemoryTest, ParametersFromTheCommandLineAndConfigSet) {
    ASSERT_NO_FATAL_FAILURE(start_server(
        {"--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru", "--maxmemory-samples", "10"}));
    RespClient c = connect();
    EXPECT_EQ(c.command({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n");
    EXPECT_EQ(c.command({"CONFIG", "GET", "maxmemory-policy"}),
              "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n");
    EXPECT_EQ(c.command({"CONFIG", "GET", "maxmemory-samples"}), "*2\r\n$17\r\nmaxmemory-samples\r\n$2\r\n10\r\n");
    EXPECT_EQ(info_field(c, "memory", "maxmemory"), "104857600");
    EXPECT_EQ(info_field(c, "memory", "maxmemory_human"), "100.00M");
    EXPECT_EQ(info_field(c, "memory", "maxmemory_policy"), "allkeys-lru");
    for (const char* field : {"used_memory_human", "used_memory_rss", "used_memory_peak", "used_memory_peak_human",
                              "used_memory_dataset", "mem_fragmentation_ratio", "mem_allocator"})
        EXPECT_NE(info_field(c, "memory", field), "") << field;
    EXPECT_GE(info_int(c, "memory", "used_memory_peak"), info_int(c, "memory", "used_memory") / 2);
    EXPECT_EQ(info_field(c, "stats", "evicted_keys"), "0");

    EXPECT_EQ(c.command({"CONFIG", "SET", "maxmemory", "1gb"}), kOk);
    EXPECT_EQ(c.command({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n");
    EXPECT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "VOLATILE-TTL"}), kOk);
    EXPECT_EQ(info_field(c, "memory", "maxmemory_policy"), "volatile-ttl");
    EXPECT_EQ(c.command({"CONFIG", "SET", "maxmemory", "-1"}),
              "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory "
              "value\r\n");
    EXPECT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "lru"}),
              "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one "
              "of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
              "allkeys-lfu, allkeys-random, noeviction\r\n");
    EXPECT_EQ(c.command({"CONFIG", "SET", "maxmemory-samples", "0"}),
              "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be "
              "between 1 and 2147483647 inclusive\r\n");
}

TEST_F(MaxmemoryTest, ObjectIdletimeAndFreqFollowThePolicy) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    const std::string lfu_only =
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    const std::string lru_only =
        "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
        "between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    ASSERT_EQ(c.command({"SET", "k", "hello"}), kOk);
    EXPECT_EQ(c.command({"OBJECT", "IDLETIME", "k"}), ":0\r\n");
    EXPECT_EQ(c.command({"OBJECT", "FREQ", "k"}), lfu_only);
    EXPECT_EQ(c.command({"OBJECT", "FREQ", "nokey"}), "$-1\r\n");

    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}), kOk);
    ASSERT_EQ(c.command({"CONFIG", "SET", "lfu-log-factor", "0"}), kOk);  // every access counts
    ASSERT_EQ(c.command({"SET", "f", "hello"}), kOk);
    EXPECT_EQ(c.command({"OBJECT", "FREQ", "f"}), ":5\r\n");  // a new key's counter
    for (int i = 0; i < 3; ++i) ASSERT_EQ(c.command({"GET", "f"}), "$5\r\nhello\r\n");
    EXPECT_EQ(c.command({"OBJECT", "FREQ", "f"}), ":8\r\n");
    EXPECT_EQ(c.command({"OBJECT", "FREQ", "f"}), ":8\r\n");  // OBJECT is not an access
    EXPECT_EQ(c.command({"OBJECT", "IDLETIME", "f"}), lru_only);
}

TEST_F(MaxmemoryTest, NoevictionRefusesWritesButServesReadsAndDeletes) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    const int64_t limit = used_memory(c) + (2 << 20);
    ASSERT_NO_FATAL_FAILURE(set_limit(c, limit));

    const int accepted = fill_until_oom(c, "key:", 20000);
    ASSERT_GT(accepted, 500) << "the limit leaves room for about 2 MB of keys";
    EXPECT_GE(used_memory(c), limit * 95 / 100);

    // Reads and deletes still work; deny-oom writes do not.
    EXPECT_EQ(c.command({"GET", "key:0"}), "$1000\r\n" + kValue + "\r\n");
    EXPECT_EQ(c.command({"EXISTS", "key:1"}), ":1\r\n");
    EXPECT_EQ(escape_bytes(c.command({"SET", "another", "v"})), escape_bytes(kOom));
    EXPECT_EQ(escape_bytes(c.command({"APPEND", "key:0", "x"})), escape_bytes(kOom));
    EXPECT_EQ(escape_bytes(c.command({"LPUSH", "list", "x"})), escape_bytes(kOom));
    EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");

    // Inside MULTI every command but EXEC/DISCARD is refused while over the
    // limit, and the refusal dooms the transaction.
    EXPECT_EQ(c.command({"MULTI"}), kOk);
    EXPECT_EQ(escape_bytes(c.command({"GET", "key:0"})), escape_bytes(kOom));
    EXPECT_EQ(c.command({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");

    EXPECT_EQ(info_field(c, "stats", "evicted_keys"), "0");
    EXPECT_EQ(info_field(c, "memory", "maxmemory_policy"), "noeviction");

    // Deleting makes room again.
    std::vector<std::vector<std::string>> dels;
    for (int i = 0; i < 500; ++i) dels.push_back({"DEL", "key:" + std::to_string(i)});
    for (const std::string& r : pipeline(c, dels)) ASSERT_EQ(r, ":1\r\n");
    EXPECT_LT(used_memory(c), limit);
    EXPECT_EQ(c.command({"SET", "another", "v"}), kOk);
}

TEST_F(MaxmemoryTest, ExecOfQueuedWritesIsRefusedOnceOverTheLimit) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    RespClient admin = connect();
    ASSERT_EQ(c.command({"SET", "k", "v"}), kOk);
    ASSERT_EQ(c.command({"MULTI"}), kOk);
    ASSERT_EQ(c.command({"SET", "x", "1"}), "+QUEUED\r\n");
    ASSERT_EQ(c.command({"GET", "k"}), "+QUEUED\r\n");
    ASSERT_NO_FATAL_FAILURE(set_limit(admin, 1));
    EXPECT_EQ(escape_bytes(c.command({"EXEC"})),
              escape_bytes("-EXECABORT Transaction discarded because of: OOM command not allowed when used "
                           "memory > 'maxmemory'.\r\n"));
    // A transaction of reads queued before still runs.
    ASSERT_NO_FATAL_FAILURE(set_limit(admin, 0));
    ASSERT_EQ(c.command({"MULTI"}), kOk);
    ASSERT_EQ(c.command({"GET", "k"}), "+QUEUED\r\n");
    ASSERT_NO_FATAL_FAILURE(set_limit(admin, 1));
    EXPECT_EQ(c.command({"EXEC"}), "*1\r\n$1\r\nv\r\n");
    ASSERT_NO_FATAL_FAILURE(set_limit(admin, 0));
}

TEST_F(MaxmemoryTest, AllkeysLruKeepsUsedMemoryNearTheLimit) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    const int64_t limit = used_memory(c) + (4 << 20);
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), kOk);
    ASSERT_NO_FATAL_FAILURE(set_limit(c, limit));

    // About ten times the limit: every write is accepted, old keys make room.
    constexpr int kKeys = 40000;
    std::vector<std::string> replies = pipeline(c, sets("key:", 0, kKeys));
    ASSERT_EQ(replies.size(), static_cast<size_t>(kKeys));
    int ok = 0;
    for (const std::string& r : replies) ok += r == kOk ? 1 : 0;
    EXPECT_EQ(ok, kKeys);

    const int64_t used = used_memory(c);
    EXPECT_LE(used, limit + limit / 20) << "limit " << limit;
    EXPECT_GE(used, limit - limit / 4) << "limit " << limit;
    const int64_t evicted = info_int(c, "stats", "evicted_keys");
    const int64_t keys = std::strtoll(c.command({"DBSIZE"}).c_str() + 1, nullptr, 10);
    EXPECT_GT(evicted, kKeys / 2);
    EXPECT_EQ(evicted + keys, kKeys);
    EXPECT_GT(keys, 1000);
}

TEST_F(MaxmemoryTest, AllkeysLruKeepsRecentlyUsedKeys) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    const int64_t limit = used_memory(c) + (3 << 20);
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), kOk);
    ASSERT_NO_FATAL_FAILURE(set_limit(c, limit));

    constexpr int kGroup = 1000;
    for (const std::string& r : pipeline(c, sets("cold:", 0, kGroup))) ASSERT_EQ(r, kOk);
    for (const std::string& r : pipeline(c, sets("hot:", 0, kGroup))) ASSERT_EQ(r, kOk);
    ASSERT_EQ(info_field(c, "stats", "evicted_keys"), "0") << "both groups must fit";
    // The LRU clock counts seconds: let it move on before reading the hot half.
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    std::vector<std::vector<std::string>> gets;
    for (int i = 0; i < kGroup; ++i) gets.push_back({"GET", "hot:" + std::to_string(i)});
    for (const std::string& r : pipeline(c, gets)) ASSERT_EQ(r.substr(0, 7), "$1000\r\n");

    // New keys push about half a group out.
    for (const std::string& r : pipeline(c, sets("new:", 0, 1500))) ASSERT_EQ(r, kOk);
    ASSERT_GT(info_int(c, "stats", "evicted_keys"), kGroup / 4);
    // Random eviction would take from both groups alike.
    const int cold_evicted = kGroup - surviving(c, "cold:", 0, kGroup);
    const int hot_evicted = kGroup - surviving(c, "hot:", 0, kGroup);
    EXPECT_GT(cold_evicted, kGroup / 5) << "hot evicted: " << hot_evicted;
    EXPECT_GT(cold_evicted, 4 * hot_evicted) << "hot evicted: " << hot_evicted;
}

TEST_F(MaxmemoryTest, AllkeysLfuKeepsFrequentlyUsedKeys) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    const int64_t limit = used_memory(c) + (3 << 20);
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}), kOk);
    ASSERT_EQ(c.command({"CONFIG", "SET", "lfu-log-factor", "0"}), kOk);  // each access counts
    ASSERT_NO_FATAL_FAILURE(set_limit(c, limit));

    constexpr int kGroup = 1000;
    for (const std::string& r : pipeline(c, sets("rare:", 0, kGroup))) ASSERT_EQ(r, kOk);
    for (const std::string& r : pipeline(c, sets("often:", 0, kGroup))) ASSERT_EQ(r, kOk);
    ASSERT_EQ(info_field(c, "stats", "evicted_keys"), "0") << "both groups must fit";
    std::vector<std::vector<std::string>> gets;
    for (int round = 0; round < 5; ++round)
        for (int i = 0; i < kGroup; ++i) gets.push_back({"GET", "often:" + std::to_string(i)});
    for (const std::string& r : pipeline(c, gets)) ASSERT_EQ(r.substr(0, 7), "$1000\r\n");

    for (const std::string& r : pipeline(c, sets("new:", 0, 1500))) ASSERT_EQ(r, kOk);
    ASSERT_GT(info_int(c, "stats", "evicted_keys"), kGroup / 4);
    const int rare_evicted = kGroup - surviving(c, "rare:", 0, kGroup);
    const int often_evicted = kGroup - surviving(c, "often:", 0, kGroup);
    EXPECT_GT(rare_evicted, kGroup / 10) << "often evicted: " << often_evicted;
    EXPECT_GT(rare_evicted, 4 * often_evicted) << "often evicted: " << often_evicted;
}

TEST_F(MaxmemoryTest, EvictionPublishesEventsAndTouchesWatchedKeys) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    RespClient watcher = connect();
    RespClient sub = connect();
    ASSERT_EQ(c.command({"CONFIG", "SET", "notify-keyspace-events", "Ee"}), kOk);
    ASSERT_EQ(sub.command({"PSUBSCRIBE", "__keyevent@*__:evicted"}),
              "*3\r\n$10\r\npsubscribe\r\n$22\r\n__keyevent@*__:evicted\r\n:1\r\n");
    for (const char* k : {"a", "b", "c"}) ASSERT_EQ(c.command({"SET", k, "value"}), kOk);
    ASSERT_EQ(watcher.command({"WATCH", "b"}), kOk);
    ASSERT_EQ(watcher.command({"MULTI"}), kOk);
    ASSERT_EQ(watcher.command({"PING"}), "+QUEUED\r\n");

    // A limit nothing fits under: every key goes, then writes are refused.
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), kOk);
    ASSERT_NO_FATAL_FAILURE(set_limit(c, 1));
    EXPECT_EQ(escape_bytes(c.command({"SET", "d", "v"})), escape_bytes(kOom));
    EXPECT_EQ(c.command({"DBSIZE"}), ":0\r\n");
    EXPECT_EQ(info_field(c, "stats", "evicted_keys"), "3");

    std::vector<std::string> events = sub.read_replies(3);
    std::vector<std::string> keys;
    for (const std::string& e : events) {
        const std::string head =
            "*4\r\n$8\r\npmessage\r\n$22\r\n__keyevent@*__:evicted\r\n$22\r\n__keyevent@0__:evicted\r\n$1\r\n";
        ASSERT_EQ(escape_bytes(e.substr(0, head.size())), escape_bytes(head));
        keys.push_back(e.substr(head.size(), 1));
    }
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c"}));

    // EXEC (of a PING) still runs over the limit, but the watched key was
    // evicted.
    EXPECT_EQ(watcher.command({"EXEC"}), "*-1\r\n");
    ASSERT_NO_FATAL_FAILURE(set_limit(c, 0));
}

TEST_F(MaxmemoryTest, VolatileTtlEvictsTheNearestExpiryFirst) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    constexpr int kVolatile = 1000;
    for (const std::string& r : pipeline(c, sets("keep:", 0, 200))) ASSERT_EQ(r, kOk);
    std::vector<std::vector<std::string>> cmds;
    for (int i = 0; i < kVolatile; ++i)
        cmds.push_back({"SET", "vol:" + std::to_string(i), kValue, "EX", std::to_string(100000 + 10 * i)});
    for (const std::string& r : pipeline(c, cmds)) ASSERT_EQ(r, kOk);

    // About 300 keys' worth over the new limit.
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"}), kOk);
    const int64_t used = used_memory(c);
    ASSERT_NO_FATAL_FAILURE(set_limit(c, used - 300 * 1100));
    EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
    const int64_t evicted = info_int(c, "stats", "evicted_keys");
    EXPECT_GT(evicted, 200);
    EXPECT_LT(evicted, 500);

    EXPECT_EQ(surviving(c, "keep:", 0, 200), 200);  // no TTL: never a candidate
    const int nearest = surviving(c, "vol:", 0, 150);
    const int farthest = surviving(c, "vol:", 700, 1000);
    EXPECT_LT(nearest, 75) << "of the 150 nearest expiries";
    EXPECT_GT(farthest, 270) << "of the 300 farthest";
}

TEST_F(MaxmemoryTest, VolatilePoliciesWithoutVolatileKeysRefuseLikeNoeviction) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    RespClient c = connect();
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}), kOk);
    ASSERT_NO_FATAL_FAILURE(set_limit(c, used_memory(c) + (2 << 20)));
    ASSERT_GT(fill_until_oom(c, "key:", 20000), 500);
    for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
        ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", policy}), kOk);
        EXPECT_EQ(escape_bytes(c.command({"SET", "another", kValue})), escape_bytes(kOom)) << policy;
        EXPECT_EQ(c.command({"GET", "key:0"}).substr(0, 7), "$1000\r\n") << policy;
    }
    EXPECT_EQ(info_field(c, "stats", "evicted_keys"), "0");

    // A key with a TTL is a candidate: it goes first, then the refusals
    // come back.
    ASSERT_EQ(c.command({"EXPIRE", "key:7", "1000"}), ":1\r\n");
    ASSERT_EQ(c.command({"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}), kOk);
    c.command({"SET", "another", kValue});
    EXPECT_EQ(c.command({"EXISTS", "key:7"}), ":0\r\n");
    EXPECT_EQ(info_field(c, "stats", "evicted_keys"), "1");
    EXPECT_GE(fill_until_oom(c, "more:", 1000), 0);
    EXPECT_EQ(info_field(c, "stats", "evicted_keys"), "1");
}

}  // namespace
}  // namespace testsupport
