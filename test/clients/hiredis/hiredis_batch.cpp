// A real C client, hiredis (Debian libhiredis-dev), against a server on
// 127.0.0.1:<port>. Run by test/integration/clients_hiredis_test.cpp.
//
//   hiredis-batch PORT [COUNT]
//
// Pipelines COUNT (default 1000) SETs of binary keys and values (every byte
// value, including NUL, CR and LF, sent with %b), then COUNT GETs of the
// same keys, then a few commands whose replies have other types (array with
// a nil, integer, nil, error, status), all through redisAppendCommand before
// the first redisGetReply. Every reply is checked for its type and content.
// Then one 1 MiB value goes through redisCommandArgv and back.
//
// On success prints, and exits 0:
//   hiredis-batch: sets=N gets=N bytes=B checksum=<16 hex digits> mget=ok incrby=N nil=ok ping=PONG big=1048576
//   error reply: <the text of the error reply to the unknown command>
// where checksum is FNV-1a 64 over the values read back, in order. Any
// mismatch prints a line saying which reply and what came back, and exits 1.
//
// The keys and values are made by key_of/value_of below; the test computes
// the same ones to check the checksum and to read some keys back itself.
#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Keys carry a NUL, CR and LF too, so the key side is binary-safe as well.
std::string key_of(int i) {
    std::string key = "hiredis:" + std::to_string(i);
    key.append("\0\r\n", 3);
    return key;
}

// 0 to 600 bytes, cycling through every byte value.
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

const char* type_name(int type) {
    switch (type) {
        case REDIS_REPLY_STRING: return "string";
        case REDIS_REPLY_ARRAY: return "array";
        case REDIS_REPLY_INTEGER: return "integer";
        case REDIS_REPLY_NIL: return "nil";
        case REDIS_REPLY_STATUS: return "status";
        case REDIS_REPLY_ERROR: return "error";
        default: return "other";
    }
}

std::string text_of(const redisReply* reply) {
    if (reply->type == REDIS_REPLY_INTEGER) return std::to_string(reply->integer);
    if (reply->str == nullptr) return {};
    return std::string(reply->str, static_cast<size_t>(reply->len));
}

// Describes a reply for a failure message: its type and, cut short, its text.
std::string describe(const redisReply* reply) {
    std::string out = type_name(reply->type);
    std::string text = text_of(reply);
    if (!text.empty()) {
        if (text.size() > 80) text = text.substr(0, 80) + "...";
        for (char& c : text)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '.';
        out += " '" + text + "'";
    }
    if (reply->type == REDIS_REPLY_ARRAY) out += " of " + std::to_string(reply->elements);
    return out;
}

class Checker {
public:
    explicit Checker(redisContext* context) : c_(context) {}

    // The next pipelined reply; nullptr (after a message) when the
    // connection failed.
    redisReply* next(const std::string& what) {
        void* raw = nullptr;
        if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) {
            std::printf("hiredis-batch: no reply for %s: %s\n", what.c_str(), c_->errstr);
            ok_ = false;
            return nullptr;
        }
        return static_cast<redisReply*>(raw);
    }

    void fail(const std::string& what, const std::string& expected, const redisReply* got) {
        // The first few mismatches are enough to see what went wrong.
        if (++failures_ <= 5)
            std::printf("hiredis-batch: %s: expected %s, got %s\n", what.c_str(), expected.c_str(),
                        describe(got).c_str());
        ok_ = false;
    }

    bool expect_status(const redisReply* reply, const std::string& what, const char* status) {
        if (reply->type == REDIS_REPLY_STATUS && text_of(reply) == status) return true;
        fail(what, std::string("status '") + status + "'", reply);
        return false;
    }

    bool expect_string(const redisReply* reply, const std::string& what, const std::string& value) {
        if (reply->type == REDIS_REPLY_STRING && text_of(reply) == value) return true;
        fail(what, "a string of " + std::to_string(value.size()) + " bytes equal to the value set", reply);
        return false;
    }

    bool ok() const { return ok_; }

private:
    redisContext* c_;
    bool ok_ = true;
    int failures_ = 0;
};

struct ReplyDeleter {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s PORT [COUNT]\n", argv[0]);
        return 2;
    }
    int port = std::atoi(argv[1]);
    int count = argc == 3 ? std::atoi(argv[2]) : 1000;
    if (port <= 0 || port > 65535 || count <= 0) {
        std::fprintf(stderr, "hiredis-batch: bad port or count\n");
        return 2;
    }

    timeval connect_timeout{2, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port, connect_timeout);
    if (c == nullptr || c->err) {
        std::printf("hiredis-batch: cannot connect: %s\n", c != nullptr ? c->errstr : "out of memory");
        if (c != nullptr) redisFree(c);
        return 1;
    }
    // Every later read and write has a deadline too.
    timeval io_timeout{5, 0};
    redisSetTimeout(c, io_timeout);

    // The whole batch goes into hiredis's output buffer first; the first
    // redisGetReply writes it all, then reads the replies in order.
    bool appended = true;
    for (int i = 0; i < count; ++i) {
        std::string key = key_of(i);
        std::string value = value_of(i);
        appended &= redisAppendCommand(c, "SET %b %b", key.data(), key.size(), value.data(), value.size()) ==
                    REDIS_OK;
    }
    for (int i = 0; i < count; ++i) {
        std::string key = key_of(i);
        appended &= redisAppendCommand(c, "GET %b", key.data(), key.size()) == REDIS_OK;
    }
    std::string key0 = key_of(0);
    std::string key_last = key_of(count - 1);
    appended &= redisAppendCommand(c, "MGET %b %s %b", key0.data(), key0.size(), "hiredis:missing",
                                   key_last.data(), key_last.size()) == REDIS_OK;
    appended &= redisAppendCommand(c, "INCRBY hiredis:counter %d", count) == REDIS_OK;
    appended &= redisAppendCommand(c, "GET hiredis:missing") == REDIS_OK;
    appended &= redisAppendCommand(c, "NOSUCHCOMMAND %s", "arg") == REDIS_OK;
    appended &= redisAppendCommand(c, "PING") == REDIS_OK;
    if (!appended) {
        std::printf("hiredis-batch: redisAppendCommand failed: %s\n", c->errstr);
        redisFree(c);
        return 1;
    }

    Checker check(c);
    int sets = 0;
    int gets = 0;
    size_t bytes = 0;
    uint64_t checksum = 14695981039346656037ULL;
    bool mget_ok = false;
    long long incrby = -1;
    bool nil_ok = false;
    std::string error_text;
    std::string ping;
    size_t big_size = 0;

    auto reply_for = [&](const std::string& what) {
        return std::unique_ptr<redisReply, ReplyDeleter>(check.next(what));
    };

    bool connected = true;
    for (int i = 0; i < count && connected; ++i) {
        auto reply = reply_for("SET #" + std::to_string(i));
        if (!reply) connected = false;
        else if (check.expect_status(reply.get(), "SET #" + std::to_string(i), "OK")) ++sets;
    }
    for (int i = 0; i < count && connected; ++i) {
        auto reply = reply_for("GET #" + std::to_string(i));
        if (!reply) {
            connected = false;
            break;
        }
        if (reply->type == REDIS_REPLY_STRING) {
            std::string_view got(reply->str, static_cast<size_t>(reply->len));
            checksum = fnv1a(checksum, got);
            bytes += got.size();
        }
        if (check.expect_string(reply.get(), "GET #" + std::to_string(i), value_of(i))) ++gets;
    }
    if (connected) {
        auto reply = reply_for("MGET");
        if (!reply) connected = false;
        else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) check.fail("MGET", "an array of 3", reply.get());
        else {
            mget_ok = check.expect_string(reply->element[0], "MGET [0]", value_of(0));
            if (reply->element[1]->type != REDIS_REPLY_NIL) {
                check.fail("MGET [1]", "nil", reply->element[1]);
                mget_ok = false;
            }
            mget_ok &= check.expect_string(reply->element[2], "MGET [2]", value_of(count - 1));
        }
    }
    if (connected) {
        auto reply = reply_for("INCRBY");
        if (!reply) connected = false;
        else if (reply->type == REDIS_REPLY_INTEGER) incrby = reply->integer;
        else check.fail("INCRBY", "an integer", reply.get());
    }
    if (connected) {
        auto reply = reply_for("GET missing");
        if (!reply) connected = false;
        else if (reply->type == REDIS_REPLY_NIL) nil_ok = true;
        else check.fail("GET missing", "nil", reply.get());
    }
    if (connected) {
        auto reply = reply_for("NOSUCHCOMMAND");
        if (!reply) connected = false;
        else if (reply->type == REDIS_REPLY_ERROR) error_text = text_of(reply.get());
        else check.fail("NOSUCHCOMMAND", "an error", reply.get());
    }
    if (connected) {
        auto reply = reply_for("PING");
        if (!reply) connected = false;
        else if (check.expect_status(reply.get(), "PING", "PONG")) ping = "PONG";
    }

    // One large binary value, argv-style, after the pipeline.
    if (connected) {
        std::string big(1 << 20, '\0');
        for (size_t j = 0; j < big.size(); ++j) big[j] = static_cast<char>((j * 2654435761U) >> 13);
        const char* set_argv[] = {"SET", "hiredis:big", big.data()};
        size_t set_lens[] = {3, 11, big.size()};
        auto set = std::unique_ptr<redisReply, ReplyDeleter>(
            static_cast<redisReply*>(redisCommandArgv(c, 3, set_argv, set_lens)));
        auto get = std::unique_ptr<redisReply, ReplyDeleter>(
            static_cast<redisReply*>(redisCommand(c, "GET %s", "hiredis:big")));
        if (!set || !get) {
            std::printf("hiredis-batch: big value: %s\n", c->errstr);
            connected = false;
        } else if (check.expect_status(set.get(), "SET big", "OK") &&
                   check.expect_string(get.get(), "GET big", big)) {
            big_size = big.size();
        }
    }
    redisFree(c);

    if (!connected || !check.ok()) {
        std::printf("hiredis-batch: FAILED (sets=%d gets=%d of %d)\n", sets, gets, count);
        return 1;
    }
    std::printf("hiredis-batch: sets=%d gets=%d bytes=%zu checksum=%016llx mget=%s incrby=%lld nil=%s ping=%s big=%zu\n",
                sets, gets, bytes, static_cast<unsigned long long>(checksum), mget_ok ? "ok" : "bad", incrby,
                nil_ok ? "ok" : "bad", ping.c_str(), big_size);
    std::printf("error reply: %s\n", error_text.c_str());
    return 0;
}
