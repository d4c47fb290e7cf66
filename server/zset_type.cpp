#include "server/zset_type.h"

#include <cmath>

#include "server/object.h"

namespace server {

namespace {

bool fits_listpack(size_t count, size_t max_len) {
    return count <= kZSetMaxListpackEntries && max_len <= kZSetMaxListpackValue;
}

// GT/LT refuse an update that does not move the score their way.
bool refused_by_gt_lt(unsigned flags, double score, double current) {
    return ((flags & kZAddLT) && score >= current) || ((flags & kZAddGT) && score <= current);
}

}  // namespace

ZSet::ZSet(size_t size_hint, size_t max_len) {
    if (!fits_listpack(size_hint, max_len)) list_ = std::make_unique<ZSkipList>();
}

ZSet::~ZSet() = default;

ZSet* ZSet::clone() const {
    auto* copy = new ZSet();
    if (!list_) {
        copy->pack_ = pack_;
        return copy;
    }
    copy->list_ = std::make_unique<ZSkipList>();
    ZSkipList::Appender a;
    copy->list_->begin_append(a);
    for_each([&](std::string_view m, double s) { copy->list_->append(a, s, m); });
    return copy;
}

void ZSet::convert_to_skiplist() {
    if (list_) return;
    auto list = std::make_unique<ZSkipList>();
    ZSkipList::Appender a;
    list->begin_append(a);
    for_each([&](std::string_view m, double s) { list->append(a, s, m); });
    list_ = std::move(list);
    ZPack().swap(pack_);
}

std::optional<double> ZSet::score(std::string_view member) {
    if (list_) {
        ZNode* n = list_->find(member);
        if (n == nullptr) return std::nullopt;
        return n->score;
    }
    size_t off = pack_.find(member);
    if (off == ZPack::kEnd) return std::nullopt;
    return pack_.score(off);
}

ZAddResult ZSet::add(std::string_view member, double score, unsigned flags, double& newscore) {
    if (list_) return add_skiplist(member, score, flags, newscore);
    return add_listpack(member, score, flags, newscore);
}

ZAddResult ZSet::add_listpack(std::string_view member, double score, unsigned flags, double& newscore) {
    size_t off = pack_.find(member);
    if (off == ZPack::kEnd) {
        if (flags & kZAddXX) return ZAddResult::kNop;
        if (!fits_listpack(pack_.size() + 1, member.size())) {
            convert_to_skiplist();
            return add_skiplist(member, score, flags, newscore);
        }
        pack_.insert(score, member);
        newscore = score;
        return ZAddResult::kAdded;
    }
    if (flags & kZAddNX) return ZAddResult::kNop;
    const double current = pack_.score(off);
    if (flags & kZAddIncr) {
        score += current;
        if (std::isnan(score)) return ZAddResult::kNaN;
    }
    if (refused_by_gt_lt(flags, score, current)) return ZAddResult::kNop;
    newscore = score;
    if (score == current) return ZAddResult::kUnchanged;
    pack_.set_score(off, score);
    return ZAddResult::kUpdated;
}

ZAddResult ZSet::add_skiplist(std::string_view member, double score, unsigned flags, double& newscore) {
    ZNode* n = list_->find(member);
    if (n == nullptr) {
        if (flags & kZAddXX) return ZAddResult::kNop;
        list_->insert(score, member);
        newscore = score;
        return ZAddResult::kAdded;
    }
    if (flags & kZAddNX) return ZAddResult::kNop;
    const double current = n->score;
    if (flags & kZAddIncr) {
        score += current;
        if (std::isnan(score)) return ZAddResult::kNaN;
    }
    if (refused_by_gt_lt(flags, score, current)) return ZAddResult::kNop;
    newscore = score;
    if (score == current) return ZAddResult::kUnchanged;
    list_->set_score(n, score);
    return ZAddResult::kUpdated;
}

bool ZSet::remove(std::string_view member) {
    if (list_) {
        ZNode* n = list_->find(member);
        if (n == nullptr) return false;
        list_->erase(n);
        return true;
    }
    size_t off = pack_.find(member);
    if (off == ZPack::kEnd) return false;
    pack_.erase(off);
    return true;
}

std::optional<size_t> ZSet::rank(std::string_view member) {
    if (list_) {
        ZNode* n = list_->find(member);
        if (n == nullptr) return std::nullopt;
        return list_->rank_of(n) - 1;
    }
    size_t off = pack_.find(member);
    if (off == ZPack::kEnd) return std::nullopt;
    return pack_.rank_of(off);
}

ZCursor ZSet::at_rank(size_t rank) const {
    ZCursor c;
    if (list_) {
        c.node_ = list_->at_rank(rank + 1);
    } else {
        c.pack_ = &pack_;
        c.off_ = rank < pack_.size() ? pack_.at_rank(rank) : ZPack::kEnd;
    }
    return c;
}

namespace {

// The span of a listpack's members that `in_range` accepts, found in one
// walk (the members in range are consecutive).
template <typename InRange>
ZSet::Span pack_span(const ZPack& pack, InRange in_range) {
    ZSet::Span span;
    size_t rank = 0;
    size_t off = pack.first();
    while (off != ZPack::kEnd && !in_range(pack, off)) {
        off = pack.next(off);
        ++rank;
    }
    span.first = rank;
    while (off != ZPack::kEnd && in_range(pack, off)) {
        off = pack.next(off);
        ++span.count;
    }
    return span;
}

ZSet::Span node_span(const ZSkipList& list, const ZNode* first, const ZNode* last) {
    if (first == nullptr || last == nullptr) return {};
    size_t a = list.rank_of(first);
    size_t b = list.rank_of(last);
    return {a - 1, b - a + 1};
}

}  // namespace

ZSet::Span ZSet::span_of(const ScoreRange& r) const {
    if (list_) return node_span(*list_, list_->first_in(r), list_->last_in(r));
    if (r.empty()) return {};
    return pack_span(pack_, [&](const ZPack& p, size_t off) { return r.contains(p.score(off)); });
}

ZSet::Span ZSet::span_of(const LexRange& r) const {
    if (list_) return node_span(*list_, list_->first_in(r), list_->last_in(r));
    auto start = lex_start(r, false);
    if (!start) return {};
    Span span{*start, 0};
    for (size_t off = pack_.at_rank(*start); off != ZPack::kEnd && r.below_max(pack_.member(off));
         off = pack_.next(off))
        ++span.count;
    return span;
}

std::optional<size_t> ZSet::lex_start(const LexRange& r, bool reverse) const {
    if (list_) {
        const ZNode* n = reverse ? list_->last_in(r) : list_->first_in(r);
        if (n == nullptr) return std::nullopt;
        return list_->rank_of(n) - 1;
    }
    if (r.empty() || pack_.size() == 0 || !r.above_min(pack_.member(pack_.last())) ||
        !r.below_max(pack_.member(pack_.first())))
        return std::nullopt;
    if (reverse) {
        size_t rank = pack_.size() - 1;
        for (size_t off = pack_.last(); off != ZPack::kEnd; off = pack_.prev(off), --rank) {
            if (r.below_max(pack_.member(off))) {
                if (r.above_min(pack_.member(off))) return rank;
                return std::nullopt;
            }
        }
        return std::nullopt;
    }
    size_t rank = 0;
    for (size_t off = pack_.first(); off != ZPack::kEnd; off = pack_.next(off), ++rank) {
        if (r.above_min(pack_.member(off))) {
            if (r.below_max(pack_.member(off))) return rank;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

size_t ZSet::remove_ranks(size_t start, size_t end) {
    if (list_) return list_->erase_ranks(start + 1, end + 1);
    size_t from = pack_.at_rank(start);
    size_t to = from;
    for (size_t i = start; i <= end; ++i) to = to + ZPack::kOverhead + pack_.member(to).size();
    pack_.erase_span(from, to, end - start + 1);
    return end - start + 1;
}

size_t ZSet::remove_in(const ScoreRange& r) {
    if (list_) return list_->erase_in(r);
    Span s = span_of(r);
    return s.count == 0 ? 0 : remove_ranks(s.first, s.first + s.count - 1);
}

size_t ZSet::remove_in(const LexRange& r) {
    if (list_) return list_->erase_in(r);
    Span s = span_of(r);
    return s.count == 0 ? 0 : remove_ranks(s.first, s.first + s.count - 1);
}

bool ZSet::check() const {
    if (list_) return list_->check();
    if (pack_.size() > kZSetMaxListpackEntries) return false;
    size_t n = 0;
    size_t prev = ZPack::kEnd;
    for (size_t off = pack_.first(); off != ZPack::kEnd; prev = off, off = pack_.next(off), ++n) {
        const double s = pack_.score(off);
        if (std::isnan(s) || (s == 0 && std::signbit(s))) return false;
        if (pack_.member(off).size() > kZSetMaxListpackValue) return false;
        if (pack_.prev(off) != prev) return false;
        if (prev != ZPack::kEnd) {
            const double p = pack_.score(prev);
            if (p > s || (p == s && compare_members(pack_.member(prev), pack_.member(off)) >= 0)) return false;
        }
    }
    return n == pack_.size();
}

bool ZSet::free_step(size_t budget) { return list_ == nullptr || list_->free_step(budget); }

ZSetBuilder::ZSetBuilder(size_t count, size_t max_len) : set_(std::make_unique<ZSet>(count, max_len)) {
    if (set_->list_) set_->list_->begin_append(appender_);
}

void ZSetBuilder::to_skiplist() {
    set_->convert_to_skiplist();
    set_->list_->begin_append(appender_);
}

void ZSetBuilder::append(double score, std::string_view member) {
    if (!set_->list_) {
        if (fits_listpack(set_->pack_.size() + 1, member.size())) {
            set_->pack_.append(score, member);
            return;
        }
        to_skiplist();
    }
    set_->list_->append(appender_, score, member);
}

// The object hooks of server/object.h.

size_t zset_length(const void* obj) { return static_cast<const ZSet*>(obj)->size(); }

void* zset_clone(const void* obj) { return static_cast<const ZSet*>(obj)->clone(); }

std::string_view zset_encoding(const void* obj) { return static_cast<const ZSet*>(obj)->encoding(); }

bool zset_free_step(void* obj, size_t budget) {
    auto* z = static_cast<ZSet*>(obj);
    if (!z->free_step(budget)) return false;
    delete z;
    return true;
}

void zset_destroy(void* obj) { delete static_cast<ZSet*>(obj); }

}  // namespace server
