#include "server/rdb_writer.h"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "server/crc64.h"
#include "server/hash_type.h"
#include "server/list_type.h"
#include "server/listpack.h"
#include "server/lzf.h"
#include "server/rdb_format.h"
#include "server/set_type.h"
#include "server/zset_type.h"

namespace server {

namespace {

constexpr size_t kFlushAt = 1 << 20;

// Buffered output with a running CRC-64: to a file descriptor, or (fd < 0)
// kept whole in memory.
class Sink {
public:
    explicit Sink(int fd) : fd_(fd) {
        if (fd_ >= 0) buf_.reserve(kFlushAt + 4096);
    }

    void put(const void* p, size_t n) {
        if (fd_ >= 0 && n >= kFlushAt) {
            flush();
            crc_ = crc64(crc_, p, n);
            write_all(p, n);
            return;
        }
        buf_.append(static_cast<const char*>(p), n);
        if (fd_ >= 0 && buf_.size() >= kFlushAt) flush();
    }
    void put(std::string_view s) { put(s.data(), s.size()); }
    void byte(uint8_t b) {
        buf_.push_back(static_cast<char>(b));
        if (fd_ >= 0 && buf_.size() >= kFlushAt) flush();
    }

    // Writes out what is buffered (to a file) and folds it into the CRC.
    void flush() {
        if (fd_ < 0) {
            crc();
            return;
        }
        crc_ = crc64(crc_, buf_.data(), buf_.size());
        write_all(buf_.data(), buf_.size());
        buf_.clear();
    }
    // The CRC of everything put so far.
    uint64_t crc() {
        if (fd_ >= 0) {
            flush();
            return crc_;
        }
        crc_ = crc64(crc_, buf_.data() + crc_done_, buf_.size() - crc_done_);
        crc_done_ = buf_.size();
        return crc_;
    }

    bool failed() const { return err_ != 0; }
    int error_number() const { return err_; }
    std::string& buffer() { return buf_; }

private:
    void write_all(const void* p, size_t n) {
        const char* c = static_cast<const char*>(p);
        while (n > 0 && err_ == 0) {
            ssize_t w = ::write(fd_, c, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                err_ = errno;
                return;
            }
            c += w;
            n -= static_cast<size_t>(w);
        }
    }

    int fd_;
    std::string buf_;
    uint64_t crc_ = 0;
    size_t crc_done_ = 0;  // memory mode: bytes of buf_ already in crc_
    int err_ = 0;
};

// Redis's d2string: integers (below 2^52) in plain decimal, the rest as
// "%.17g"; "inf", "-inf", "-0" spelled out.
std::string_view score_text(double v, char* buf, size_t size) {
    int n;
    if (std::isinf(v)) {
        n = std::snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    } else if (v == 0) {
        n = std::snprintf(buf, size, "%s", std::signbit(v) ? "-0" : "0");
    } else if (v > -4503599627370495.0 && v < 4503599627370496.0 &&
               v == static_cast<double>(static_cast<long long>(v))) {
        n = std::snprintf(buf, size, "%lld", static_cast<long long>(v));
    } else {
        n = std::snprintf(buf, size, "%.17g", v);
    }
    return {buf, static_cast<size_t>(n)};
}

class Encoder {
public:
    explicit Encoder(Sink& out) : out_(out) {}

    void length(uint64_t len) {
        unsigned char b[9];
        if (len < (1u << 6)) {
            out_.byte(static_cast<uint8_t>(len));
        } else if (len < (1u << 14)) {
            b[0] = static_cast<unsigned char>((rdb::kLen14Bit << 6) | (len >> 8));
            b[1] = static_cast<unsigned char>(len & 0xff);
            out_.put(b, 2);
        } else if (len <= UINT32_MAX) {
            b[0] = rdb::kLen32Bit;
            for (int i = 0; i < 4; ++i) b[1 + i] = static_cast<unsigned char>(len >> (24 - 8 * i));
            out_.put(b, 5);
        } else {
            b[0] = rdb::kLen64Bit;
            for (int i = 0; i < 8; ++i) b[1 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
            out_.put(b, 9);
        }
    }

    // Redis's rdbSaveRawString.
    void string(std::string_view s) {
        const size_t n = s.size();
        int64_t v;
        if (n <= 11 && canonical_int64(s, v) && v >= INT32_MIN && v <= INT32_MAX) {
            integer(v);
            return;
        }
        if (n > 20) {
            lzf_.resize(n - 4);
            const size_t c = lzf_compress(s.data(), n, lzf_.data(), n - 4);
            if (c > 0) {
                out_.byte(static_cast<uint8_t>((rdb::kLenEncoded << 6) | rdb::kEncLzf));
                length(c);
                length(n);
                out_.put(lzf_.data(), c);
                return;
            }
        }
        length(n);
        out_.put(s);
    }

    void int_string(int64_t v) {
        char buf[24];
        int len = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
        string(std::string_view(buf, static_cast<size_t>(len)));
    }

    void le64(uint64_t v) {
        unsigned char b[8];
        for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
        out_.put(b, 8);
    }

    void aux(std::string_view key, std::string_view value) {
        out_.byte(rdb::kOpAux);
        string(key);
        string(value);
    }
    void aux(std::string_view key, int64_t value) {
        out_.byte(rdb::kOpAux);
        string(key);
        int_string(value);
    }

    // The type byte, then the key (when not empty), then the value.
    void entry(const Entry& e, bool with_key) {
        switch (e.type) {
        case ValueType::kString:
            out_.byte(rdb::kTypeString);
            if (with_key) string(e.key());
            string(e.str());
            return;
        case ValueType::kList:
            out_.byte(rdb::kTypeListQuicklist2);
            if (with_key) string(e.key());
            list(*static_cast<const List*>(e.object()));
            return;
        case ValueType::kHash: {
            const auto& h = *static_cast<const HashObject*>(e.object());
            const bool compact = h.encoding() == HashObject::Encoding::kCompact;
            out_.byte(compact ? rdb::kTypeHashListpack : rdb::kTypeHash);
            if (with_key) string(e.key());
            hash(h, compact);
            return;
        }
        case ValueType::kSet: {
            const auto& s = *static_cast<const SetObject*>(e.object());
            out_.byte(s.is_intset() ? rdb::kTypeSetIntset : rdb::kTypeSet);
            if (with_key) string(e.key());
            set(s);
            return;
        }
        case ValueType::kZSet: {
            const auto& z = *static_cast<const ZSet*>(e.object());
            out_.byte(z.is_listpack() ? rdb::kTypeZSetListpack : rdb::kTypeZSet2);
            if (with_key) string(e.key());
            zset(z);
            return;
        }
        }
    }

private:
    void integer(int64_t v) {
        unsigned char b[5];
        size_t n;
        if (v >= INT8_MIN && v <= INT8_MAX) {
            b[0] = (rdb::kLenEncoded << 6) | rdb::kEncInt8;
            n = 1;
        } else if (v >= INT16_MIN && v <= INT16_MAX) {
            b[0] = (rdb::kLenEncoded << 6) | rdb::kEncInt16;
            n = 2;
        } else {
            b[0] = (rdb::kLenEncoded << 6) | rdb::kEncInt32;
            n = 4;
        }
        const auto u = static_cast<uint64_t>(v);
        for (size_t i = 0; i < n; ++i) b[1 + i] = static_cast<unsigned char>(u >> (8 * i));
        out_.put(b, 1 + n);
    }

    // QUICKLIST_2: the node count, then per node its container (packed) and
    // its elements as a listpack blob.
    void list(const List& l) {
        size_t nodes = 0;
        for (const ListNode* n = l.first().node; n != nullptr; n = n->next)
            if (n->count > 0) ++nodes;
        length(nodes);
        for (const ListNode* n = l.first().node; n != nullptr; n = n->next) {
            if (n->count == 0) continue;
            lp_.reset();
            const char* p = n->data() + n->begin;
            const char* end = n->data() + n->end;
            while (p < end) {
                const list_codec::Decoded d = list_codec::decode_forward(p);
                lp_.add(d.view());
                p += d.size;
            }
            length(rdb::kContainerPacked);
            string(lp_.finish());
        }
    }

    void hash(const HashObject& h, bool compact) {
        if (compact) {
            lp_.reset();
            h.for_each([&](std::string_view f, std::string_view v) {
                lp_.add(f);
                lp_.add(v);
            });
            string(lp_.finish());
            return;
        }
        length(h.size());
        h.for_each([&](std::string_view f, std::string_view v) {
            string(f);
            string(v);
        });
    }

    void set(const SetObject& s) {
        if (s.is_intset()) {
            const IntSet& ints = s.ints();
            const unsigned width = ints.width();
            std::string& blob = scratch_;
            blob.clear();
            auto le = [&](uint64_t v, unsigned n) {
                for (unsigned i = 0; i < n; ++i) blob.push_back(static_cast<char>(v >> (8 * i)));
            };
            le(width, 4);
            le(ints.size(), 4);
            for (size_t i = 0; i < ints.size(); ++i) le(static_cast<uint64_t>(ints.at(i)), width);
            string(blob);
            return;
        }
        length(s.size());
        s.for_each([&](const SetMember& m) {
            char buf[kMemberTextSize];
            string(member_text(m, buf));
        });
    }

    void zset(const ZSet& z) {
        if (z.is_listpack()) {
            lp_.reset();
            z.for_each([&](std::string_view m, double score) {
                char buf[64];
                lp_.add(m);
                lp_.add(score_text(score, buf, sizeof buf));
            });
            string(lp_.finish());
            return;
        }
        // Greatest first, as Redis writes it (so its loader inserts at the
        // head of the skiplist).
        length(z.size());
        if (z.size() == 0) return;
        for (ZCursor c = z.at_rank(z.size() - 1); c.valid(); c.prev()) {
            string(c.member());
            double score = c.score();
            uint64_t bits;
            std::memcpy(&bits, &score, sizeof bits);
            le64(bits);
        }
    }

    Sink& out_;
    std::string lzf_;
    std::string scratch_;
    ListpackBuilder lp_;
};

int64_t used_memory() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
#else
    return 0;
#endif
}

void write_dataset(Sink& out, Databases& dbs, int64_t now_ms, const RdbAuxFields& extra) {
    Encoder enc(out);
    char magic[10];
    std::snprintf(magic, sizeof magic, "REDIS%04d", rdb::kVersion);
    out.put(magic, 9);
    enc.aux("redis-ver", "7.0.15");
    enc.aux("redis-bits", int64_t{64});
    enc.aux("ctime", now_ms / 1000);
    enc.aux("used-mem", used_memory());
    enc.aux("aof-base", int64_t{0});
    for (const auto& [k, v] : extra) enc.aux(k, v);
    for (int i = 0; i < Databases::kCount; ++i) {
        Database& db = dbs.at(i);
        if (db.size() == 0) continue;
        out.byte(rdb::kOpSelectDb);
        enc.length(static_cast<uint64_t>(i));
        out.byte(rdb::kOpResizeDb);
        enc.length(db.size());
        enc.length(db.volatile_count());
        db.dict().for_each([&](const Entry* e) {
            if (e->has_expire) {
                const int64_t when = e->expire_ms();
                if (when < now_ms) return;
                out.byte(rdb::kOpExpireTimeMs);
                enc.le64(static_cast<uint64_t>(when));
            }
            enc.entry(*e, true);
        });
    }
    out.byte(rdb::kOpEof);
    enc.le64(out.crc());
}

std::string describe_errno(const std::string& path, const char* what, int err) {
    return path + ": " + what + ": " + std::strerror(err);
}

// Writes the dataset to an open file; fsyncs it when asked.
bool save_to_fd(int fd, Databases& dbs, const std::string& path, int64_t now_ms, bool sync,
                const RdbAuxFields& extra, std::string& error) {
    Sink out(fd);
    write_dataset(out, dbs, now_ms, extra);
    out.flush();
    if (out.failed()) {
        error = describe_errno(path, "write", out.error_number());
        return false;
    }
    if (sync && ::fsync(fd) != 0) {
        error = describe_errno(path, "fsync", errno);
        return false;
    }
    return true;
}

// A temporary file of ours is removed when writing it fails; a path given
// by the caller is left alone.
bool save_file(Databases& dbs, const std::string& path, int64_t now_ms, bool temporary, const RdbAuxFields& extra,
               std::string& error) {
    const bool sync = temporary;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = describe_errno(path, "open", errno);
        return false;
    }
    bool ok = save_to_fd(fd, dbs, path, now_ms, sync, extra, error);
    if (::close(fd) != 0 && ok) {
        error = describe_errno(path, "close", errno);
        ok = false;
    }
    if (!ok && temporary) ::unlink(path.c_str());
    return ok;
}

}  // namespace

bool rdb_save(Databases& dbs, const std::string& path, int64_t now_ms, std::string& error,
              const RdbAuxFields& extra) {
    return save_file(dbs, path, now_ms, false, extra, error);
}

bool rdb_save_atomic(Databases& dbs, const std::string& path, int64_t now_ms, std::string& error,
                     const RdbAuxFields& extra) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    if (!save_file(dbs, tmp, now_ms, true, extra, error)) return false;
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = path + ": rename from " + tmp + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        error = describe_errno(dir, "open directory", errno);
        return false;
    }
    bool ok = ::fsync(dfd) == 0;
    if (!ok) error = describe_errno(dir, "fsync directory", errno);
    ::close(dfd);
    return ok;
}

std::string rdb_serialize(Databases& dbs, int64_t now_ms, const RdbAuxFields& extra) {
    Sink out(-1);
    write_dataset(out, dbs, now_ms, extra);
    out.flush();
    return std::move(out.buffer());
}

std::string rdb_dump_payload(const Entry& e) {
    Sink out(-1);
    Encoder enc(out);
    enc.entry(e, false);
    const unsigned char version[2] = {static_cast<unsigned char>(rdb::kVersion), 0};
    out.put(version, 2);
    enc.le64(out.crc());
    return std::move(out.buffer());
}

}  // namespace server
