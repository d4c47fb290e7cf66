// The sorted-set value, in Redis 7.0's two encodings:
//
// - "listpack" (ZPack, zset_listpack.h) while it holds at most
//   kZSetMaxListpackEntries members of at most kZSetMaxListpackValue bytes
//   each: one sorted buffer, no allocation per member;
// - "skiplist" (ZSkipList, zset_skiplist.h) after that: ranks in O(log n),
//   member lookups in O(1). A set converts once, when an addition would
//   break a limit; a result built by a command (ZUNIONSTORE, ZRANGESTORE...)
//   starts in whichever encoding fits it.
//
// Order is by score, then by member bytes; scores are never NaN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "server/zset_listpack.h"
#include "server/zset_range.h"
#include "server/zset_skiplist.h"

namespace server {

// Redis's zset-max-listpack-entries and zset-max-listpack-value defaults.
inline constexpr size_t kZSetMaxListpackEntries = 128;
inline constexpr size_t kZSetMaxListpackValue = 64;

// ZADD's options.
enum ZAddFlag : unsigned {
    kZAddNX = 1u << 0,
    kZAddXX = 1u << 1,
    kZAddGT = 1u << 2,
    kZAddLT = 1u << 3,
    kZAddIncr = 1u << 4,
};

enum class ZAddResult : uint8_t {
    kAdded,      // a new member
    kUpdated,    // its score changed
    kUnchanged,  // present with that score already (still "processed")
    kNop,        // NX, XX, GT or LT said no
    kNaN,        // INCR would make the score NaN; nothing changed
};

// A position in a sorted set that moves in score order; invalid once it
// steps past either end. Valid until the set changes.
class ZCursor {
public:
    bool valid() const { return pack_ != nullptr ? off_ != ZPack::kEnd : node_ != nullptr; }
    std::string_view member() const { return pack_ != nullptr ? pack_->member(off_) : node_->member(); }
    double score() const { return pack_ != nullptr ? pack_->score(off_) : node_->score; }
    void next() {
        if (pack_ != nullptr) off_ = pack_->next(off_);
        else node_ = node_->next();
    }
    void prev() {
        if (pack_ != nullptr) off_ = pack_->prev(off_);
        else node_ = node_->prev();
    }
    // One step towards the end (forward) or the start (backward).
    void step(bool backward) {
        if (backward) prev();
        else next();
    }

private:
    friend class ZSet;
    const ZPack* pack_ = nullptr;
    size_t off_ = ZPack::kEnd;
    const ZNode* node_ = nullptr;
};

class ZSet {
public:
    // An empty set in the encoding Redis picks for about `size_hint` members
    // of up to `max_len` bytes.
    explicit ZSet(size_t size_hint = 0, size_t max_len = 0);
    ~ZSet();
    ZSet(const ZSet&) = delete;
    ZSet& operator=(const ZSet&) = delete;

    // A deep copy in the same encoding.
    ZSet* clone() const;

    size_t size() const { return list_ ? list_->size() : pack_.size(); }
    bool is_listpack() const { return list_ == nullptr; }
    std::string_view encoding() const { return list_ ? "skiplist" : "listpack"; }

    // Non-const: a skiplist lookup advances its index's incremental rehash.
    std::optional<double> score(std::string_view member);
    // ZADD's core (Redis's zsetAdd): adds, updates or increments `member`
    // under `flags` (ZAddFlag); newscore is the resulting score when the
    // result is kAdded, kUpdated or kUnchanged.
    ZAddResult add(std::string_view member, double score, unsigned flags, double& newscore);
    bool remove(std::string_view member);
    // 0-based rank in ascending order.
    std::optional<size_t> rank(std::string_view member);

    // The member at a 0-based rank (rank < size()).
    ZCursor at_rank(size_t rank) const;

    // The members within a range: the rank of the first and how many.
    struct Span {
        size_t first = 0;
        size_t count = 0;
    };
    Span span_of(const ScoreRange& r) const;
    // For a lex range, "the members within" is only well defined when all
    // scores are equal; otherwise Redis walks from the first member at or
    // above min while members stay at or below max, and so do we.
    Span span_of(const LexRange& r) const;
    // Where Redis starts walking a lex range: the rank of the first member
    // at or above min (or, in reverse, the last at or below max), provided
    // it is also within the other bound.
    std::optional<size_t> lex_start(const LexRange& r, bool reverse) const;

    // Removes the 0-based ranks start..end, inclusive (end < size()).
    size_t remove_ranks(size_t start, size_t end);
    size_t remove_in(const ScoreRange& r);
    size_t remove_in(const LexRange& r);

    // Calls fn(member, score) for every member in ascending order.
    template <typename Fn>
    void for_each(Fn&& fn) const;

    // One SCAN step over a skiplist set's index (Dict::scan's cursor
    // contract): calls fn(member, score) for one bucket's members.
    template <typename Fn>
    uint64_t scan(uint64_t cursor, Fn&& fn) const;

    // Frees up to about `budget` members; true once all are freed (the
    // object itself is then the caller's to delete).
    bool free_step(size_t budget);

    // Moves a listpack set to the skiplist encoding (public for tests).
    void convert_to_skiplist();
    // Verifies the encoding's invariants; slow, for tests.
    bool check() const;

private:
    friend class ZSetBuilder;
    ZAddResult add_listpack(std::string_view member, double score, unsigned flags, double& newscore);
    ZAddResult add_skiplist(std::string_view member, double score, unsigned flags, double& newscore);

    ZPack pack_;
    std::unique_ptr<ZSkipList> list_;
};

// Builds a set from members given in ascending order, in the encoding that
// fits the result (the count and longest member may be estimates: the set
// converts if a member breaks the listpack limits).
class ZSetBuilder {
public:
    ZSetBuilder(size_t count, size_t max_len);
    void append(double score, std::string_view member);
    size_t size() const { return set_->size(); }
    // The set built (the builder is then spent).
    ZSet* release() { return set_.release(); }

private:
    void to_skiplist();
    std::unique_ptr<ZSet> set_;
    ZSkipList::Appender appender_;
};

template <typename Fn>
void ZSet::for_each(Fn&& fn) const {
    if (list_) {
        for (const ZNode* n = list_->first(); n != nullptr; n = n->next()) fn(n->member(), n->score);
        return;
    }
    for (size_t off = pack_.first(); off != ZPack::kEnd; off = pack_.next(off))
        fn(pack_.member(off), pack_.score(off));
}

template <typename Fn>
uint64_t ZSet::scan(uint64_t cursor, Fn&& fn) const {
    return list_->index().scan(cursor, [&](const Entry* e) {
        const ZNode* n = ZNode::of(e);
        fn(n->member(), n->score);
    });
}

}  // namespace server
