// The large sorted-set encoding (OBJECT ENCODING "skiplist"): a skiplist
// ordered by (score, member) whose links carry spans, so ranks are found in
// O(log n), plus a hash index from member to node for O(1) lookups.
//
// Each member costs one allocation holding the node, its levels, and an
// Entry that links it into the index (server/dict.h, the keyspace's table,
// which brings incremental rehashing and the SCAN cursor with it):
//
//   [ZNode][ZLevel x level][Entry header][member bytes]
//
// A search reads only the score and the levels, which come first so that
// one cache line usually holds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/dict.h"
#include "server/entry.h"
#include "server/zset_range.h"

namespace server {

struct ZNode;

struct ZLevel {
    ZNode* forward;
    // Nodes passed by following `forward` (for a null forward: the nodes
    // after this one).
    size_t span;
};

struct ZNode {
    double score;
    ZNode* backward;  // nullptr for the first node
    uint32_t level;
    uint32_t unused;

    ZLevel& lv(size_t i) { return reinterpret_cast<ZLevel*>(this + 1)[i]; }
    const ZLevel& lv(size_t i) const { return reinterpret_cast<const ZLevel*>(this + 1)[i]; }
    ZNode* next() const { return lv(0).forward; }
    ZNode* prev() const { return backward; }
    Entry* entry() { return reinterpret_cast<Entry*>(&lv(level)); }
    const Entry* entry() const { return reinterpret_cast<const Entry*>(&lv(level)); }
    std::string_view member() const { return entry()->key(); }
    // The node an index entry belongs to; the entry's value_len (unused by
    // the index) holds the node's level to find it.
    static ZNode* of(Entry* e) {
        return reinterpret_cast<ZNode*>(reinterpret_cast<char*>(e) - e->value_len * sizeof(ZLevel)) - 1;
    }
    static const ZNode* of(const Entry* e) { return of(const_cast<Entry*>(e)); }
};
static_assert(sizeof(ZNode) % alignof(ZLevel) == 0 && sizeof(ZLevel) % alignof(Entry) == 0,
              "levels and the Entry after a node must be aligned");

class ZSkipList {
public:
    static constexpr int kMaxLevel = 32;

    ZSkipList();
    ~ZSkipList();
    ZSkipList(const ZSkipList&) = delete;
    ZSkipList& operator=(const ZSkipList&) = delete;

    size_t size() const { return length_; }
    ZNode* first() const { return header_->lv(0).forward; }
    ZNode* last() const { return tail_; }

    // Non-const: an index lookup advances an incremental rehash.
    ZNode* find(std::string_view member) {
        Entry* e = index_.find(member);
        return e ? ZNode::of(e) : nullptr;
    }
    // Adds a member that is not present.
    ZNode* insert(double score, std::string_view member);
    // Adds members that sort after every present one, in O(1) amortized
    // each: begin_append() once, then append() in order, with no other
    // change to the list in between.
    struct Appender {
        ZNode* last[kMaxLevel];
        size_t rank[kMaxLevel];
    };
    void begin_append(Appender& a);
    void append(Appender& a, double score, std::string_view member);
    void erase(ZNode* x);
    // Changes x's score, moving it if its place in the order changes.
    void set_score(ZNode* x, double score);

    // 1-based rank of a node that is in the list.
    size_t rank_of(const ZNode* x) const;
    // The node of a 1-based rank, or nullptr.
    ZNode* at_rank(size_t rank) const;

    ZNode* first_in(const ScoreRange& r) const;
    ZNode* last_in(const ScoreRange& r) const;
    ZNode* first_in(const LexRange& r) const;
    ZNode* last_in(const LexRange& r) const;

    size_t erase_in(const ScoreRange& r);
    size_t erase_in(const LexRange& r);
    // Erases the 1-based ranks start..end (inclusive).
    size_t erase_ranks(size_t start, size_t end);

    Dict& index() { return index_; }
    const Dict& index() const { return index_; }

    // Verifies every invariant (strict order, spans, backward links, tail,
    // length, the index); slow, for tests.
    bool check() const;

    // Frees up to about `budget` nodes from the front, without keeping the
    // list or the index usable: only for a list on its way to destruction.
    // True once every node is freed.
    bool free_step(size_t budget);

private:
    template <typename Pass>
    ZNode* descend(Pass pass, ZNode** update, size_t* rank) const;
    int random_level();
    void link(ZNode* x, ZNode** update, size_t* rank);
    void unlink(ZNode* x, ZNode** update);
    void erase_from(ZNode* x, ZNode** update);
    void lower_level();

    ZNode* header_;
    ZNode* tail_ = nullptr;
    size_t length_ = 0;
    int level_ = 1;
    uint64_t rng_;
    Dict index_;
};

}  // namespace server
