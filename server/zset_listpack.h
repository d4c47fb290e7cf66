// The compact sorted-set encoding (OBJECT ENCODING says "listpack", as
// Redis 7.0 does): every (score, member) pair in one buffer, sorted by score
// then member bytes. Lookups and rank queries walk it, which is cheap while
// it stays small (at most kZSetMaxListpackEntries members of at most
// kZSetMaxListpackValue bytes, see zset_type.h), and nothing is allocated
// per member.
//
// One entry: [score: 8 bytes][len: 1 byte][member: len bytes][len: 1 byte].
// The trailing length lets a position step backwards. Positions are byte
// offsets, valid until the next change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace server {

class ZPack {
public:
    static constexpr size_t kEnd = SIZE_MAX;
    static constexpr size_t kMaxMember = 255;
    static constexpr size_t kOverhead = 10;  // bytes of an entry besides the member

    size_t size() const { return count_; }
    size_t bytes() const { return buf_.size(); }

    size_t first() const { return buf_.empty() ? kEnd : 0; }
    size_t last() const { return buf_.empty() ? kEnd : prev(buf_.size()); }
    size_t next(size_t off) const {
        size_t n = off + entry_size(off);
        return n < buf_.size() ? n : kEnd;
    }
    size_t prev(size_t off) const {
        if (off == 0) return kEnd;
        return off - (static_cast<uint8_t>(buf_[off - 1]) + kOverhead);
    }

    double score(size_t off) const {
        double s;
        std::memcpy(&s, buf_.data() + off, sizeof s);
        return s;
    }
    std::string_view member(size_t off) const {
        return {buf_.data() + off + 9, static_cast<uint8_t>(buf_[off + 8])};
    }

    // The member's position, or kEnd.
    size_t find(std::string_view member) const;
    // The position of the 0-based rank (rank < size()).
    size_t at_rank(size_t rank) const;
    // The 0-based rank of a position.
    size_t rank_of(size_t off) const;

    // Inserts a member that is not present (at most kMaxMember bytes) at its
    // place in the order; returns its position. A score of -0 is stored as
    // 0, as Redis's listpack (which keeps scores as text) does.
    size_t insert(double score, std::string_view member);
    // Appends a member that sorts after every present one.
    void append(double score, std::string_view member);
    // Removes the entry at off.
    void erase(size_t off) { erase_span(off, next_or_end(off), 1); }
    // Removes the n entries in the byte span [from, to).
    void erase_span(size_t from, size_t to, size_t n);
    // Changes the score of the entry at off, moving it to its new place;
    // returns its new position.
    size_t set_score(size_t off, double score);

    void swap(ZPack& other) noexcept {
        buf_.swap(other.buf_);
        std::swap(count_, other.count_);
    }

private:
    size_t entry_size(size_t off) const { return static_cast<uint8_t>(buf_[off + 8]) + kOverhead; }
    size_t next_or_end(size_t off) const { return off + entry_size(off); }
    // The first position whose entry sorts after (score, member), or the
    // buffer's end.
    size_t insert_point(double score, std::string_view member) const;
    void write_entry(char* p, double score, std::string_view member);

    std::string buf_;
    uint32_t count_ = 0;
};

}  // namespace server
