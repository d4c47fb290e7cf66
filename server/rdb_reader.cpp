#include "server/rdb_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "server/crc64.h"
#include "server/hash_type.h"
#include "server/list_type.h"
#include "server/listpack.h"
#include "server/lzf.h"
#include "server/object.h"
#include "server/rdb_format.h"
#include "server/set_type.h"
#include "server/zset_type.h"

namespace server {

namespace {

constexpr size_t kChunk = 1 << 20;

// The bytes of the file, read ahead in chunks (or all in memory), with a
// running CRC-64 of what has been consumed.
class Input {
public:
    // From a file of `size` bytes.
    Input(int fd, uint64_t size) : fd_(fd), size_(size) {
        cap_ = kChunk;
        storage_.reset(new unsigned char[cap_]);
        data_ = storage_.get();
    }
    // From memory.
    explicit Input(std::string_view bytes)
        : data_(reinterpret_cast<const unsigned char*>(bytes.data())), end_(bytes.size()), size_(bytes.size()) {}

    uint64_t offset() const { return base_ + pos_; }
    uint64_t size() const { return size_; }
    int read_errno() const { return errno_; }

    // Makes n bytes available at ptr(); false when the input ends first.
    bool need(size_t n) {
        if (end_ - pos_ >= n) return true;
        if (fd_ < 0 || errno_ != 0 || n > size_ - offset()) return false;
        crc_ = crc64(crc_, data_ + crc_pos_, pos_ - crc_pos_);
        const size_t keep = end_ - pos_;
        if (n > cap_) {
            size_t cap = cap_ * 2 > n ? cap_ * 2 : n;
            std::unique_ptr<unsigned char[]> bigger(new unsigned char[cap]);
            std::memcpy(bigger.get(), data_ + pos_, keep);
            storage_ = std::move(bigger);
            cap_ = cap;
        } else {
            std::memmove(storage_.get(), data_ + pos_, keep);
        }
        data_ = storage_.get();
        base_ += pos_;
        pos_ = crc_pos_ = 0;
        end_ = keep;
        while (end_ < n) {
            ssize_t r = ::read(fd_, storage_.get() + end_, cap_ - end_);
            if (r < 0) {
                if (errno == EINTR) continue;
                errno_ = errno;
                return false;
            }
            if (r == 0) return false;
            end_ += static_cast<size_t>(r);
        }
        return true;
    }
    const unsigned char* ptr() const { return data_ + pos_; }
    void advance(size_t n) { pos_ += n; }

    // The CRC-64 of every byte consumed so far.
    uint64_t crc() {
        crc_ = crc64(crc_, data_ + crc_pos_, pos_ - crc_pos_);
        crc_pos_ = pos_;
        return crc_;
    }

private:
    int fd_ = -1;
    std::unique_ptr<unsigned char[]> storage_;
    const unsigned char* data_ = nullptr;
    size_t cap_ = 0;
    size_t pos_ = 0;
    size_t end_ = 0;
    size_t crc_pos_ = 0;
    uint64_t base_ = 0;  // file offset of data_[0]
    uint64_t size_ = 0;
    uint64_t crc_ = 0;
    int errno_ = 0;
};

// A value object under construction, freed unless handed to a database.
struct ObjectHolder {
    ValueType type = ValueType::kString;
    void* ptr = nullptr;
    ObjectHolder() = default;
    ObjectHolder(const ObjectHolder&) = delete;
    ObjectHolder& operator=(const ObjectHolder&) = delete;
    ~ObjectHolder() { reset(); }
    void reset() {
        if (ptr != nullptr) destroy_object(type, ptr);
        ptr = nullptr;
    }
    void hold(ValueType t, void* p) {
        reset();
        type = t;
        ptr = p;
    }
    void* release() {
        void* p = ptr;
        ptr = nullptr;
        return p;
    }
};

std::string type_label(uint8_t t) {
    switch (t) {
    case rdb::kTypeString: return "string";
    case rdb::kTypeList: return "list";
    case rdb::kTypeSet: return "set";
    case rdb::kTypeZSet: return "zset";
    case rdb::kTypeHash: return "hash";
    case rdb::kTypeZSet2: return "zset-2";
    case rdb::kTypeModule: return "module";
    case rdb::kTypeModule2: return "module-2";
    case rdb::kTypeHashZipmap: return "hash-zipmap";
    case rdb::kTypeListZiplist: return "list-ziplist";
    case rdb::kTypeSetIntset: return "set-intset";
    case rdb::kTypeZSetZiplist: return "zset-ziplist";
    case rdb::kTypeHashZiplist: return "hash-ziplist";
    case rdb::kTypeListQuicklist: return "list-quicklist";
    case rdb::kTypeStreamListpacks: return "stream-listpacks";
    case rdb::kTypeHashListpack: return "hash-listpack";
    case rdb::kTypeZSetListpack: return "zset-listpack";
    case rdb::kTypeListQuicklist2: return "list-quicklist-2";
    case rdb::kTypeStreamListpacks2: return "stream-listpacks-2";
    case rdb::kTypeSetListpack: return "set-listpack";
    case rdb::kTypeStreamListpacks3: return "stream-listpacks-3";
    }
    return "unknown";
}

// The name Redis gives a module from the 64-bit id in the file: 9
// characters of 6 bits each, then a 10-bit encoding version.
std::string module_name(uint64_t id) {
    static constexpr char kCharset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string name(9, ' ');
    const unsigned version = static_cast<unsigned>(id & 1023);
    id >>= 10;
    for (int j = 8; j >= 0; --j) {
        name[static_cast<size_t>(j)] = kCharset[id & 63];
        id >>= 6;
    }
    return "'" + name + "' (encoding version " + std::to_string(version) + ")";
}

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 64)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 32 && u < 127 && c != '\'' && c != '\\') {
            out.push_back(c);
        } else {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        }
    }
    if (s.size() > 64) out += "...";
    return out;
}

// strtod over exactly the bytes given; false for NaN or trailing junk.
bool parse_score(std::string_view s, double& out) {
    char buf[256];
    if (s.empty() || s.size() >= sizeof buf) return false;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    char* end = nullptr;
    const double v = std::strtod(buf, &end);
    if (end != buf + s.size() || std::isnan(v) || std::isspace(static_cast<unsigned char>(buf[0])))
        return false;
    out = v;
    return true;
}

// Completes an incremental rehash in progress.
void settle(Dict& dict) {
    while (dict.rehashing() && dict.rehash_step(1024)) {
    }
}

class Loader {
public:
    Loader(Input& in, Databases& dbs, int64_t now_ms) : in_(in), dbs_(dbs), now_ms_(now_ms) {}

    bool run();

    const std::string& error() const { return error_; }
    uint64_t error_offset() const { return error_offset_; }
    size_t keys() const { return keys_; }
    std::vector<std::pair<std::string, std::string>> take_aux() { return std::move(aux_); }

private:
    // Records the first failure (at the current offset unless given).
    bool fail(const std::string& what) { return fail_at(in_.offset(), what); }
    bool fail_at(uint64_t offset, const std::string& what) {
        if (error_.empty()) {
            error_ = what;
            error_offset_ = offset;
        }
        return false;
    }
    bool truncated(const char* reading) {
        if (in_.read_errno() != 0)
            return fail(std::string("read error (") + std::strerror(in_.read_errno()) + ") reading " + reading);
        return fail(std::string("unexpected end of file reading ") + reading);
    }
    // What the current key is, for messages about its value.
    std::string in_key() const {
        return " in the value of key '" + printable(key_) + "' (type " + type_label(type_) + ", db " +
               std::to_string(db_index_) + ")";
    }
    bool corrupt(const std::string& what) { return fail_at(record_offset_, what + in_key()); }

    bool read_u8(uint8_t& v, const char* what) {
        if (!in_.need(1)) return truncated(what);
        v = *in_.ptr();
        in_.advance(1);
        return true;
    }
    bool read_le(uint64_t& v, size_t n, const char* what) {
        if (!in_.need(n)) return truncated(what);
        v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t{in_.ptr()[i]} << (8 * i);
        in_.advance(n);
        return true;
    }
    bool read_len(uint64_t& len, bool& encoded, const char* what);
    bool read_len(uint64_t& len, const char* what) {
        bool encoded = false;
        if (!read_len(len, encoded, what)) return false;
        if (encoded) return fail(std::string("unexpected string encoding where a length was expected, reading ") + what);
        return true;
    }
    // A string: a view into the input (valid until the next read) or into
    // `store` (integer and LZF encodings).
    bool read_string(std::string_view& out, std::string& store, const char* what);
    // A string copied into `out`.
    bool read_string_owned(std::string& out, const char* what) {
        std::string_view v;
        if (!read_string(v, out, what)) return false;
        if (v.data() != out.data()) out.assign(v);
        else out.resize(v.size());
        return true;
    }
    bool read_binary_double(double& v);
    bool read_string_double(double& v);

    bool read_value(uint8_t type);
    bool read_list_blob(List& list, bool ziplist);
    bool read_pairs_blob(uint8_t type, std::vector<PackedItem>& items);
    bool fill_hash(HashObject& h, const std::vector<PackedItem>& items);
    bool fill_zset(ZSet& z, const std::vector<PackedItem>& items);
    bool store_key(int64_t expire_ms);

    Input& in_;
    Databases& dbs_;
    int64_t now_ms_;
    int version_ = 0;
    int db_index_ = 0;
    Database* db_ = nullptr;
    size_t keys_ = 0;
    std::string error_;
    uint64_t error_offset_ = 0;

    // The record being read.
    uint64_t record_offset_ = 0;
    uint8_t type_ = 0;
    std::string key_;
    std::string_view str_value_;  // a string value (into the input or value_store_)
    ObjectHolder object_;

    std::string value_store_;
    std::string field_;
    std::string blob_store_;
    std::string aux_store_[2];
    std::vector<std::pair<std::string, std::string>> aux_;
    std::vector<PackedItem> items_;
    std::vector<int64_t> ints_;
};

bool Loader::read_len(uint64_t& len, bool& encoded, const char* what) {
    uint8_t b = 0;
    if (!read_u8(b, what)) return false;
    encoded = false;
    switch (b >> 6) {
    case rdb::kLen6Bit:
        len = b & 0x3F;
        return true;
    case rdb::kLen14Bit: {
        uint8_t low = 0;
        if (!read_u8(low, what)) return false;
        len = (uint64_t{b & 0x3Fu} << 8) | low;
        return true;
    }
    case rdb::kLenEncoded:
        encoded = true;
        len = b & 0x3F;
        return true;
    default:
        break;
    }
    size_t n;
    if (b == rdb::kLen32Bit) n = 4;
    else if (b == rdb::kLen64Bit) n = 8;
    else return fail("invalid length encoding byte " + std::to_string(b) + " reading " + what);
    if (!in_.need(n)) return truncated(what);
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | in_.ptr()[i];
    in_.advance(n);
    return true;
}

bool Loader::read_string(std::string_view& out, std::string& store, const char* what) {
    uint64_t len = 0;
    bool encoded = false;
    const uint64_t start = in_.offset();
    if (!read_len(len, encoded, what)) return false;
    if (!encoded) {
        if (len > in_.size() - in_.offset()) {
            return fail("unexpected end of file: a string of " + std::to_string(len) + " bytes does not fit, reading " + what);
        }
        if (!in_.need(static_cast<size_t>(len))) return truncated(what);
        out = std::string_view(reinterpret_cast<const char*>(in_.ptr()), static_cast<size_t>(len));
        in_.advance(static_cast<size_t>(len));
        return true;
    }
    switch (len) {
    case rdb::kEncInt8:
    case rdb::kEncInt16:
    case rdb::kEncInt32: {
        const size_t n = size_t{1} << len;
        uint64_t raw = 0;
        if (!read_le(raw, n, what)) return false;
        PackedItem item;
        item.is_int = true;
        const unsigned bits = static_cast<unsigned>(n * 8);
        const uint64_t sign = uint64_t{1} << (bits - 1);
        item.value = static_cast<int64_t>((raw ^ sign) - sign);
        char buf[24];
        store.assign(item.text(buf));
        out = store;
        return true;
    }
    case rdb::kEncLzf: {
        uint64_t clen = 0, ulen = 0;
        if (!read_len(clen, what) || !read_len(ulen, what)) return false;
        if (clen > in_.size() - in_.offset())
            return fail("unexpected end of file: a compressed string of " + std::to_string(clen) + " bytes does not fit, reading " + what);
        // LZF expands at most 132 times (a 3-byte match of 264 bytes, a
        // 2-byte one of 8): a bigger claim is corruption, not a reason to
        // allocate.
        if (ulen == 0 || ulen > (clen + 1) * 132)
            return fail_at(start, "invalid LZF string lengths (" + std::to_string(clen) + " -> " +
                                      std::to_string(ulen) + ") reading " + what);
        if (!in_.need(static_cast<size_t>(clen))) return truncated(what);
        store.resize(static_cast<size_t>(ulen));
        const size_t got = lzf_decompress(in_.ptr(), static_cast<size_t>(clen), store.data(), store.size());
        if (got != ulen) return fail_at(start, std::string("invalid LZF compressed string reading ") + what);
        in_.advance(static_cast<size_t>(clen));
        out = store;
        return true;
    }
    default:
        return fail_at(start, "unknown string encoding " + std::to_string(len) + " reading " + what);
    }
}

bool Loader::read_binary_double(double& v) {
    uint64_t bits = 0;
    if (!read_le(bits, 8, "a score")) return false;
    std::memcpy(&v, &bits, sizeof v);
    return true;
}

bool Loader::read_string_double(double& v) {
    uint8_t len = 0;
    if (!read_u8(len, "a score")) return false;
    switch (len) {
    case 253: v = std::nan(""); return true;
    case 254: v = INFINITY; return true;
    case 255: v = -INFINITY; return true;
    default: break;
    }
    if (!in_.need(len)) return truncated("a score");
    std::string_view text(reinterpret_cast<const char*>(in_.ptr()), len);
    in_.advance(len);
    if (!parse_score(text, v)) return corrupt("invalid score '" + printable(text) + "'");
    return true;
}

// A ziplist or listpack of list elements.
bool Loader::read_list_blob(List& list, bool ziplist) {
    std::string_view blob;
    if (!read_string(blob, blob_store_, ziplist ? "a ziplist" : "a listpack")) return false;
    items_.clear();
    std::string why;
    if (!(ziplist ? ziplist_decode(blob, items_, why) : listpack_decode(blob, items_, why)))
        return corrupt("invalid " + std::string(ziplist ? "ziplist" : "listpack") + ": " + why);
    char buf[24];
    for (const PackedItem& it : items_) list.push_back(it.text(buf));
    return true;
}

// The field/value (member/score) pairs of a packed hash or sorted set.
bool Loader::read_pairs_blob(uint8_t type, std::vector<PackedItem>& items) {
    std::string_view blob;
    if (!read_string(blob, blob_store_, "a packed value")) return false;
    items.clear();
    std::string why;
    bool ok;
    const char* form;
    if (type == rdb::kTypeHashZipmap) {
        form = "zipmap";
        ok = zipmap_decode(blob, items, why);
    } else if (type == rdb::kTypeHashZiplist || type == rdb::kTypeZSetZiplist) {
        form = "ziplist";
        ok = ziplist_decode(blob, items, why);
    } else {
        form = "listpack";
        ok = listpack_decode(blob, items, why);
    }
    if (!ok) return corrupt(std::string("invalid ") + form + ": " + why);
    if (items.size() % 2 != 0) return corrupt(std::string(form) + " with an odd number of elements");
    return true;
}

bool Loader::fill_hash(HashObject& h, const std::vector<PackedItem>& items) {
    char fbuf[24], vbuf[24];
    for (size_t i = 0; i < items.size(); i += 2) {
        if (!h.set(items[i].text(fbuf), items[i + 1].text(vbuf)))
            return corrupt("duplicate hash field '" + printable(items[i].text(fbuf)) + "'");
    }
    return true;
}

bool Loader::fill_zset(ZSet& z, const std::vector<PackedItem>& items) {
    char mbuf[24];
    for (size_t i = 0; i < items.size(); i += 2) {
        const PackedItem& s = items[i + 1];
        double score = 0;
        if (s.is_int) score = static_cast<double>(s.value);
        else if (!parse_score(s.bytes, score)) return corrupt("invalid score '" + printable(s.bytes) + "'");
        double ignored = 0;
        if (z.add(items[i].text(mbuf), score, kZAddNX, ignored) != ZAddResult::kAdded)
            return corrupt("duplicate sorted set member '" + printable(items[i].text(mbuf)) + "'");
    }
    return true;
}

bool Loader::read_value(uint8_t type) {
    switch (type) {
    case rdb::kTypeString:
        return read_string(str_value_, value_store_, "a string value");

    case rdb::kTypeList: {
        uint64_t len = 0;
        if (!read_len(len, "a list length")) return false;
        auto* list = new List();
        object_.hold(ValueType::kList, list);
        for (uint64_t i = 0; i < len; ++i) {
            std::string_view v;
            if (!read_string(v, value_store_, "a list element")) return false;
            list->push_back(v);
        }
        return true;
    }

    case rdb::kTypeListZiplist:
    case rdb::kTypeListQuicklist:
    case rdb::kTypeListQuicklist2: {
        auto* list = new List();
        object_.hold(ValueType::kList, list);
        if (type == rdb::kTypeListZiplist) return read_list_blob(*list, true);
        uint64_t nodes = 0;
        if (!read_len(nodes, "a quicklist node count")) return false;
        for (uint64_t i = 0; i < nodes; ++i) {
            if (type == rdb::kTypeListQuicklist) {
                if (!read_list_blob(*list, true)) return false;
                continue;
            }
            uint64_t container = 0;
            if (!read_len(container, "a quicklist node container")) return false;
            if (container == rdb::kContainerPlain) {
                std::string_view v;
                if (!read_string(v, value_store_, "a plain quicklist node")) return false;
                list->push_back(v);
            } else if (container == rdb::kContainerPacked) {
                if (!read_list_blob(*list, false)) return false;
            } else {
                return corrupt("invalid quicklist node container " + std::to_string(container));
            }
        }
        return true;
    }

    case rdb::kTypeSet:
    case rdb::kTypeSetIntset:
    case rdb::kTypeSetListpack: {
        auto* set = new SetObject();
        object_.hold(ValueType::kSet, set);
        if (type == rdb::kTypeSetIntset) {
            std::string_view blob;
            if (!read_string(blob, blob_store_, "an intset")) return false;
            ints_.clear();
            std::string why;
            if (!intset_decode(blob, ints_, why)) return corrupt("invalid intset: " + why);
            for (int64_t v : ints_) set->add(SetMember::of_int(v));
            return true;
        }
        if (type == rdb::kTypeSetListpack) {
            std::string_view blob;
            if (!read_string(blob, blob_store_, "a listpack")) return false;
            items_.clear();
            std::string why;
            if (!listpack_decode(blob, items_, why)) return corrupt("invalid listpack: " + why);
            char buf[24];
            for (const PackedItem& it : items_)
                if (!set->add(it.text(buf))) return corrupt("duplicate set member '" + printable(it.text(buf)) + "'");
            return true;
        }
        uint64_t len = 0;
        if (!read_len(len, "a set length")) return false;
        for (uint64_t i = 0; i < len; ++i) {
            std::string_view v;
            if (!read_string(v, value_store_, "a set member")) return false;
            if (!set->add(v)) return corrupt("duplicate set member '" + printable(v) + "'");
        }
        return true;
    }

    case rdb::kTypeZSet:
    case rdb::kTypeZSet2: {
        uint64_t len = 0;
        if (!read_len(len, "a sorted set length")) return false;
        auto* zset = new ZSet(static_cast<size_t>(len), 0);
        object_.hold(ValueType::kZSet, zset);
        for (uint64_t i = 0; i < len; ++i) {
            if (!read_string_owned(field_, "a sorted set member")) return false;
            double score = 0;
            if (!(type == rdb::kTypeZSet2 ? read_binary_double(score) : read_string_double(score))) return false;
            if (std::isnan(score)) return corrupt("NaN score for member '" + printable(field_) + "'");
            double ignored = 0;
            if (zset->add(field_, score, kZAddNX, ignored) != ZAddResult::kAdded)
                return corrupt("duplicate sorted set member '" + printable(field_) + "'");
        }
        return true;
    }

    case rdb::kTypeZSetZiplist:
    case rdb::kTypeZSetListpack: {
        if (!read_pairs_blob(type, items_)) return false;
        auto* zset = new ZSet(items_.size() / 2, 0);
        object_.hold(ValueType::kZSet, zset);
        return fill_zset(*zset, items_);
    }

    case rdb::kTypeHash: {
        uint64_t len = 0;
        if (!read_len(len, "a hash length")) return false;
        auto* hash = new HashObject();
        object_.hold(ValueType::kHash, hash);
        for (uint64_t i = 0; i < len; ++i) {
            if (!read_string_owned(field_, "a hash field")) return false;
            std::string_view v;
            if (!read_string(v, value_store_, "a hash value")) return false;
            if (!hash->set(field_, v)) return corrupt("duplicate hash field '" + printable(field_) + "'");
        }
        return true;
    }

    case rdb::kTypeHashZipmap:
    case rdb::kTypeHashZiplist:
    case rdb::kTypeHashListpack: {
        if (!read_pairs_blob(type, items_)) return false;
        auto* hash = new HashObject();
        object_.hold(ValueType::kHash, hash);
        return fill_hash(*hash, items_);
    }

    case rdb::kTypeModule:
    case rdb::kTypeModule2: {
        uint64_t id = 0;
        if (!read_len(id, "a module id")) return false;
        return corrupt("module values are not supported: module " + module_name(id));
    }

    case rdb::kTypeStreamListpacks:
    case rdb::kTypeStreamListpacks2:
    case rdb::kTypeStreamListpacks3:
        return corrupt("streams are not supported (RDB type " + std::to_string(type) + ", " + type_label(type) + ")");

    default:
        return fail_at(record_offset_, "unknown value type " + std::to_string(type));
    }
}

bool Loader::store_key(int64_t expire_ms) {
    Database& db = *db_;
    const bool is_string = type_ == rdb::kTypeString;
    if (!is_string && object_length(object_.type, object_.ptr) == 0) {
        object_.reset();  // Redis skips empty values too
        return true;
    }
    if (expire_ms != -1 && expire_ms < now_ms_) {
        object_.reset();
        return true;
    }
    // No incremental rehash may be under way when an existing entry moves:
    // Database's reallocation (a duplicate key replaced below) and
    // set_expire copy the entry's chain link before a lookup that can
    // advance the rehash and move that very entry. Finishing each resize at
    // once costs the same total work during a bulk load.
    settle(db.dict());
    Entry* e;
    if (is_string) {
        const size_t before = db.size();
        e = db.set_string(key_, str_value_, false);
        if (db.size() == before) return fail_at(record_offset_, "duplicate key '" + printable(key_) + "' in db " + std::to_string(db_index_));
    } else {
        if (db.dict().find(key_) != nullptr)
            return fail_at(record_offset_, "duplicate key '" + printable(key_) + "' in db " + std::to_string(db_index_));
        const ValueType vt = object_.type;
        e = db.add_object(key_, vt, object_.release());
    }
    if (expire_ms != -1) {
        settle(db.dict());
        db.set_expire(e, expire_ms);
    }
    ++keys_;
    return true;
}

bool Loader::run() {
    if (!in_.need(9)) return truncated("the file signature");
    const unsigned char* magic = in_.ptr();
    if (std::memcmp(magic, "REDIS", 5) != 0) return fail_at(0, "not an RDB file (wrong signature)");
    version_ = 0;
    for (int i = 5; i < 9; ++i) {
        if (magic[i] < '0' || magic[i] > '9') return fail_at(5, "not an RDB file (bad version digits)");
        version_ = version_ * 10 + (magic[i] - '0');
    }
    if (version_ < 1 || version_ > rdb::kMaxVersion)
        return fail_at(5, "unsupported RDB format version " + std::to_string(version_));
    in_.advance(9);
    db_ = &dbs_.at(0);
    db_index_ = 0;

    int64_t expire_ms = -1;
    for (;;) {
        record_offset_ = in_.offset();
        uint8_t op = 0;
        if (!read_u8(op, "a record type")) return false;
        switch (op) {
        case rdb::kOpExpireTime: {
            uint64_t secs = 0;
            if (!read_le(secs, 4, "an expire time")) return false;
            expire_ms = static_cast<int64_t>(static_cast<int32_t>(secs)) * 1000;
            continue;
        }
        case rdb::kOpExpireTimeMs: {
            uint64_t ms = 0;
            if (!read_le(ms, 8, "an expire time")) return false;
            expire_ms = static_cast<int64_t>(ms);
            continue;
        }
        case rdb::kOpFreq: {
            uint8_t freq = 0;
            if (!read_u8(freq, "an LFU frequency")) return false;
            continue;
        }
        case rdb::kOpIdle: {
            uint64_t idle = 0;
            if (!read_len(idle, "an LRU idle time")) return false;
            continue;
        }
        case rdb::kOpSelectDb: {
            uint64_t id = 0;
            if (!read_len(id, "a database number")) return false;
            if (id >= static_cast<uint64_t>(Databases::kCount))
                return fail_at(record_offset_, "database number " + std::to_string(id) + " out of range (this server has " +
                                                   std::to_string(Databases::kCount) + " databases)");
            db_index_ = static_cast<int>(id);
            db_ = &dbs_.at(db_index_);
            continue;
        }
        case rdb::kOpResizeDb: {
            uint64_t size = 0, expires = 0;
            if (!read_len(size, "a RESIZEDB size") || !read_len(expires, "a RESIZEDB size")) return false;
            continue;
        }
        case rdb::kOpAux: {
            std::string_view k, v;
            // Kept for the caller (replication's repl-id and repl-offset).
            if (!read_string(k, aux_store_[0], "an AUX field name")) return false;
            if (!read_string(v, aux_store_[1], "an AUX field value")) return false;
            aux_.emplace_back(std::string(k), std::string(v));
            continue;
        }
        case rdb::kOpModuleAux: {
            uint64_t id = 0;
            if (!read_len(id, "a module id")) return false;
            return fail_at(record_offset_, "module aux data is not supported: module " + module_name(id));
        }
        case rdb::kOpFunction2: {
            // A library of functions: there is nothing here to run them.
            std::string_view code;
            if (!read_string(code, value_store_, "a function library")) return false;
            continue;
        }
        case rdb::kOpFunction:
            return fail_at(record_offset_, "the pre-release FUNCTION opcode (246) is not supported");
        case rdb::kOpEof: {
            if (version_ >= 5) {
                const uint64_t expected = in_.crc();
                uint64_t stored = 0;
                if (!read_le(stored, 8, "the checksum")) return false;
                if (stored != 0 && stored != expected) {
                    char buf[96];
                    std::snprintf(buf, sizeof buf, "wrong checksum (stored %016llx, computed %016llx)",
                                  static_cast<unsigned long long>(stored), static_cast<unsigned long long>(expected));
                    return fail_at(record_offset_ + 1, buf);
                }
            }
            return true;
        }
        default:
            break;
        }
        // A key and its value.
        type_ = op;
        key_.clear();
        if (!read_string_owned(key_, "a key")) return false;
        if (!read_value(op)) return false;
        if (!store_key(expire_ms)) return false;
        expire_ms = -1;
    }
}

RdbLoadResult finish_load(Input& in, const std::string& name, Databases& dbs, int64_t now_ms) {
    RdbLoadResult result;
    Databases loaded;
    Loader loader(in, loaded, now_ms);
    bool ok;
    try {
        ok = loader.run();
    } catch (const std::bad_alloc&) {
        ok = false;
    }
    dbs.clear_all();
    if (!ok) {
        result.offset = loader.error().empty() ? in.offset() : loader.error_offset();
        const std::string what = loader.error().empty() ? "out of memory" : loader.error();
        result.error = name + ": " + what + " at offset " + std::to_string(result.offset);
        return result;
    }
    for (int i = 0; i < Databases::kCount; ++i) dbs.at(i).swap(loaded.at(i));
    result.ok = true;
    result.offset = in.offset();
    result.keys = loader.keys();
    result.aux = loader.take_aux();
    return result;
}

}  // namespace

RdbLoadResult rdb_load(const std::string& path, Databases& dbs, int64_t now_ms) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        RdbLoadResult r;
        r.error = path + ": open: " + std::strerror(errno);
        dbs.clear_all();
        return r;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        RdbLoadResult r;
        r.error = path + ": fstat: " + std::strerror(errno);
        ::close(fd);
        dbs.clear_all();
        return r;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    Input in(fd, static_cast<uint64_t>(st.st_size));
    RdbLoadResult r = finish_load(in, path, dbs, now_ms);
    ::close(fd);
    return r;
}

RdbLoadResult rdb_load_bytes(std::string_view bytes, const std::string& name, Databases& dbs, int64_t now_ms) {
    Input in(bytes);
    return finish_load(in, name, dbs, now_ms);
}

}  // namespace server
