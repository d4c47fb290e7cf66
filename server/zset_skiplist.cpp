#include "server/zset_skiplist.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_map>

namespace server {

namespace {

ZNode* alloc_node(int level, double score, std::string_view member) {
    const size_t levels = static_cast<size_t>(level) * sizeof(ZLevel);
    // An Entry object spans sizeof(Entry) bytes even when its key is shorter
    // than the struct's tail padding.
    const size_t entry = std::max(Entry::alloc_size(false, member.size(), 0), sizeof(Entry));
    auto* mem = static_cast<char*>(std::malloc(sizeof(ZNode) + levels + entry));
    if (mem == nullptr) throw std::bad_alloc();
    auto* x = new (mem) ZNode{score, nullptr, static_cast<uint32_t>(level), 0};
    for (int i = 0; i < level; ++i) new (&x->lv(static_cast<size_t>(i))) ZLevel{nullptr, 0};
    auto* e = new (x->entry()) Entry{};
    e->key_len = static_cast<uint32_t>(member.size());
    e->value_len = static_cast<uint32_t>(level);
    e->type = ValueType::kZSet;
    if (!member.empty()) std::memcpy(e->body(), member.data(), member.size());
    return x;
}

void free_node(ZNode* x) { std::free(x); }

// Whether node f sorts strictly before (score, member).
inline bool before(const ZNode* f, double score, std::string_view member) {
    return f->score < score || (f->score == score && compare_members(f->member(), member) < 0);
}

}  // namespace

ZSkipList::ZSkipList()
    : header_(alloc_node(kMaxLevel, 0, {})),
      rng_(reinterpret_cast<uintptr_t>(this) * 0x9E3779B97F4A7C15ULL | 1) {}

ZSkipList::~ZSkipList() {
    ZNode* x = header_->lv(0).forward;
    while (x != nullptr) {
        ZNode* next = x->lv(0).forward;
        free_node(x);
        x = next;
    }
    free_node(header_);
}

int ZSkipList::random_level() {
    // xorshift64; each pair of bits is a 1-in-4 chance to go one level up.
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    uint64_t r = rng_;
    int level = 1;
    while ((r & 3) == 0 && level < kMaxLevel) {
        ++level;
        r >>= 2;
    }
    return level;
}

// Walks down from the top level, moving forward while pass(next) holds;
// fills update[i] with the last node passed on level i (and rank[i] with
// its rank when rank is given). Returns the last node passed on level 0.
template <typename Pass>
ZNode* ZSkipList::descend(Pass pass, ZNode** update, size_t* rank) const {
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        size_t r = (rank == nullptr || i == level_ - 1) ? 0 : rank[i + 1];
        for (;;) {
            ZNode* f = x->lv(static_cast<size_t>(i)).forward;
            if (f == nullptr || !pass(f)) break;
            r += x->lv(static_cast<size_t>(i)).span;
            x = f;
        }
        if (update != nullptr) update[i] = x;
        if (rank != nullptr) rank[i] = r;
    }
    return x;
}

void ZSkipList::link(ZNode* x, ZNode** update, size_t* rank) {
    const int lvl = static_cast<int>(x->level);
    if (lvl > level_) {
        for (int i = level_; i < lvl; ++i) {
            rank[i] = 0;
            update[i] = header_;
            header_->lv(static_cast<size_t>(i)).span = length_;
        }
        level_ = lvl;
    }
    for (int i = 0; i < lvl; ++i) {
        ZLevel& up = update[i]->lv(static_cast<size_t>(i));
        ZLevel& own = x->lv(static_cast<size_t>(i));
        own.forward = up.forward;
        up.forward = x;
        own.span = up.span - (rank[0] - rank[i]);
        up.span = rank[0] - rank[i] + 1;
    }
    for (int i = lvl; i < level_; ++i) ++update[i]->lv(static_cast<size_t>(i)).span;
    x->backward = update[0] == header_ ? nullptr : update[0];
    if (x->lv(0).forward != nullptr) x->lv(0).forward->backward = x;
    else tail_ = x;
    ++length_;
}

void ZSkipList::unlink(ZNode* x, ZNode** update) {
    for (int i = 0; i < level_; ++i) {
        ZLevel& up = update[i]->lv(static_cast<size_t>(i));
        if (up.forward == x) {
            up.span += x->lv(static_cast<size_t>(i)).span - 1;
            up.forward = x->lv(static_cast<size_t>(i)).forward;
        } else {
            up.span -= 1;
        }
    }
    if (x->lv(0).forward != nullptr) x->lv(0).forward->backward = x->backward;
    else tail_ = x->backward;
    lower_level();
    --length_;
}

void ZSkipList::lower_level() {
    while (level_ > 1 && header_->lv(static_cast<size_t>(level_ - 1)).forward == nullptr) --level_;
}

ZNode* ZSkipList::insert(double score, std::string_view member) {
    ZNode* update[kMaxLevel];
    size_t rank[kMaxLevel];
    descend([&](const ZNode* f) { return before(f, score, member); }, update, rank);
    ZNode* x = alloc_node(random_level(), score, member);
    link(x, update, rank);
    index_.insert(x->entry());
    return x;
}

void ZSkipList::begin_append(Appender& a) {
    for (int i = 0; i < kMaxLevel; ++i) {
        a.last[i] = header_;
        a.rank[i] = 0;
    }
    descend([](const ZNode*) { return true; }, a.last, a.rank);
}

void ZSkipList::append(Appender& a, double score, std::string_view member) {
    const int lvl = random_level();
    ZNode* x = alloc_node(lvl, score, member);
    if (lvl > level_) {
        for (int i = level_; i < lvl; ++i) header_->lv(static_cast<size_t>(i)).span = length_;
        level_ = lvl;
    }
    const size_t pos = length_ + 1;
    for (int i = 0; i < lvl; ++i) {
        ZLevel& up = a.last[i]->lv(static_cast<size_t>(i));
        up.forward = x;
        up.span = pos - a.rank[i];
        a.last[i] = x;
        a.rank[i] = pos;
    }
    for (int i = lvl; i < level_; ++i) ++a.last[i]->lv(static_cast<size_t>(i)).span;
    x->backward = tail_;
    tail_ = x;
    ++length_;
    index_.insert(x->entry());
}

void ZSkipList::erase_from(ZNode* x, ZNode** update) {
    unlink(x, update);
    index_.remove(x->member());
    free_node(x);
}

void ZSkipList::erase(ZNode* x) {
    ZNode* update[kMaxLevel];
    const double score = x->score;
    const std::string_view member = x->member();
    descend([&](const ZNode* f) { return before(f, score, member); }, update, nullptr);
    erase_from(x, update);
    index_.maybe_shrink();
}

void ZSkipList::set_score(ZNode* x, double score) {
    const std::string_view member = x->member();
    const ZNode* b = x->backward;
    const ZNode* f = x->lv(0).forward;
    const bool after_prev = b == nullptr || before(b, score, member);
    const bool before_next =
        f == nullptr || score < f->score || (score == f->score && compare_members(member, f->member()) < 0);
    if (after_prev && before_next) {
        x->score = score;
        return;
    }
    ZNode* update[kMaxLevel];
    size_t rank[kMaxLevel];
    const double old = x->score;
    descend([&](const ZNode* n) { return before(n, old, member); }, update, nullptr);
    unlink(x, update);
    x->score = score;
    descend([&](const ZNode* n) { return before(n, score, member); }, update, rank);
    link(x, update, rank);
}

size_t ZSkipList::rank_of(const ZNode* x) const {
    const double score = x->score;
    const std::string_view member = x->member();
    size_t rank = 0;
    const ZNode* n = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        for (;;) {
            const ZNode* f = n->lv(static_cast<size_t>(i)).forward;
            if (f == nullptr) break;
            if (!(f->score < score || (f->score == score && compare_members(f->member(), member) <= 0))) break;
            rank += n->lv(static_cast<size_t>(i)).span;
            n = f;
        }
        if (n == x) return rank;
    }
    return 0;
}

ZNode* ZSkipList::at_rank(size_t rank) const {
    if (rank == 0 || rank > length_) return nullptr;
    size_t traversed = 0;
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        for (;;) {
            const ZLevel& l = x->lv(static_cast<size_t>(i));
            if (l.forward == nullptr || traversed + l.span > rank) break;
            traversed += l.span;
            x = l.forward;
        }
        if (traversed == rank) return x;
    }
    return nullptr;
}

ZNode* ZSkipList::first_in(const ScoreRange& r) const {
    if (r.empty() || tail_ == nullptr || !r.above_min(tail_->score) || !r.below_max(first()->score))
        return nullptr;
    ZNode* x = descend([&](const ZNode* f) { return !r.above_min(f->score); }, nullptr, nullptr);
    x = x->lv(0).forward;
    return r.below_max(x->score) ? x : nullptr;
}

ZNode* ZSkipList::last_in(const ScoreRange& r) const {
    if (r.empty() || tail_ == nullptr || !r.above_min(tail_->score) || !r.below_max(first()->score))
        return nullptr;
    ZNode* x = descend([&](const ZNode* f) { return r.below_max(f->score); }, nullptr, nullptr);
    return r.above_min(x->score) ? x : nullptr;
}

ZNode* ZSkipList::first_in(const LexRange& r) const {
    if (r.empty() || tail_ == nullptr || !r.above_min(tail_->member()) || !r.below_max(first()->member()))
        return nullptr;
    ZNode* x = descend([&](const ZNode* f) { return !r.above_min(f->member()); }, nullptr, nullptr);
    x = x->lv(0).forward;
    return r.below_max(x->member()) ? x : nullptr;
}

ZNode* ZSkipList::last_in(const LexRange& r) const {
    if (r.empty() || tail_ == nullptr || !r.above_min(tail_->member()) || !r.below_max(first()->member()))
        return nullptr;
    ZNode* x = descend([&](const ZNode* f) { return r.below_max(f->member()); }, nullptr, nullptr);
    return r.above_min(x->member()) ? x : nullptr;
}

size_t ZSkipList::erase_in(const ScoreRange& r) {
    ZNode* update[kMaxLevel];
    ZNode* x = descend([&](const ZNode* f) { return !r.above_min(f->score); }, update, nullptr);
    x = x->lv(0).forward;
    size_t removed = 0;
    while (x != nullptr && r.below_max(x->score)) {
        ZNode* next = x->lv(0).forward;
        erase_from(x, update);
        ++removed;
        x = next;
    }
    index_.maybe_shrink();
    return removed;
}

size_t ZSkipList::erase_in(const LexRange& r) {
    ZNode* update[kMaxLevel];
    ZNode* x = descend([&](const ZNode* f) { return !r.above_min(f->member()); }, update, nullptr);
    x = x->lv(0).forward;
    size_t removed = 0;
    while (x != nullptr && r.below_max(x->member())) {
        ZNode* next = x->lv(0).forward;
        erase_from(x, update);
        ++removed;
        x = next;
    }
    index_.maybe_shrink();
    return removed;
}

size_t ZSkipList::erase_ranks(size_t start, size_t end) {
    ZNode* update[kMaxLevel];
    size_t seen = 0;
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        for (;;) {
            const ZLevel& l = x->lv(static_cast<size_t>(i));
            if (l.forward == nullptr || seen + l.span >= start) break;
            seen += l.span;
            x = l.forward;
        }
        update[i] = x;
    }
    size_t traversed = seen + 1;
    x = x->lv(0).forward;
    size_t removed = 0;
    while (x != nullptr && traversed <= end) {
        ZNode* next = x->lv(0).forward;
        erase_from(x, update);
        ++removed;
        ++traversed;
        x = next;
    }
    index_.maybe_shrink();
    return removed;
}

bool ZSkipList::check() const {
    std::unordered_map<const ZNode*, size_t> rank_of_node;
    rank_of_node[header_] = 0;
    size_t n = 0;
    const ZNode* prev = nullptr;
    auto& index = const_cast<Dict&>(index_);
    for (const ZNode* x = first(); x != nullptr; x = x->next()) {
        if (x->backward != prev) return false;
        if (prev != nullptr && !before(prev, x->score, x->member())) return false;
        if (x->level < 1 || x->level > static_cast<uint32_t>(kMaxLevel)) return false;
        if (index.find(x->member()) != x->entry()) return false;
        rank_of_node[x] = ++n;
        prev = x;
    }
    if (n != length_ || tail_ != prev || index_.size() != length_) return false;
    for (int i = 0; i < level_; ++i) {
        for (const ZNode* x = header_; x != nullptr; x = x->lv(static_cast<size_t>(i)).forward) {
            const ZLevel& l = x->lv(static_cast<size_t>(i));
            auto it = rank_of_node.find(x);
            if (it == rank_of_node.end()) return false;
            size_t want = l.forward ? rank_of_node.at(l.forward) - it->second : length_ - it->second;
            if (l.span != want) return false;
        }
    }
    return level_ == 1 || header_->lv(static_cast<size_t>(level_ - 1)).forward != nullptr;
}

bool ZSkipList::free_step(size_t budget) {
    ZNode* x = header_->lv(0).forward;
    while (x != nullptr && budget > 0) {
        ZNode* next = x->lv(0).forward;
        free_node(x);
        x = next;
        --budget;
    }
    header_->lv(0).forward = x;
    return x == nullptr;
}

}  // namespace server
