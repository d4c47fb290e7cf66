#include "server/zset_listpack.h"

#include <cassert>

#include "server/zset_range.h"

namespace server {

namespace {

// -0 and 0 compare equal, so only the stored bits change: Redis keeps a
// listpack score as text and writes -0 as "0".
double normalized(double score) { return score == 0 ? 0.0 : score; }

}  // namespace

size_t ZPack::find(std::string_view member) const {
    const char* data = buf_.data();
    const size_t end = buf_.size();
    for (size_t off = 0; off < end;) {
        size_t len = static_cast<uint8_t>(data[off + 8]);
        if (len == member.size() && std::memcmp(data + off + 9, member.data(), len) == 0) return off;
        off += len + kOverhead;
    }
    return kEnd;
}

size_t ZPack::at_rank(size_t rank) const {
    // Walk from the nearer end.
    if (rank > count_ / 2) {
        size_t off = last();
        for (size_t r = count_ - 1; r > rank; --r) off = prev(off);
        return off;
    }
    size_t off = 0;
    while (rank-- > 0) off = next_or_end(off);
    return off;
}

size_t ZPack::rank_of(size_t off) const {
    size_t rank = 0;
    for (size_t p = 0; p < off; p = next_or_end(p)) ++rank;
    return rank;
}

size_t ZPack::insert_point(double score, std::string_view member) const {
    const size_t end = buf_.size();
    size_t off = 0;
    while (off < end) {
        double s = this->score(off);
        if (s > score || (s == score && compare_members(this->member(off), member) > 0)) break;
        off = next_or_end(off);
    }
    return off;
}

void ZPack::write_entry(char* p, double score, std::string_view member) {
    const auto len = static_cast<char>(static_cast<uint8_t>(member.size()));
    score = normalized(score);
    std::memcpy(p, &score, sizeof score);
    p[8] = len;
    std::memcpy(p + 9, member.data(), member.size());
    p[9 + member.size()] = len;
}

size_t ZPack::insert(double score, std::string_view member) {
    assert(member.size() <= kMaxMember);
    size_t off = insert_point(score, member);
    buf_.insert(off, member.size() + kOverhead, '\0');
    write_entry(buf_.data() + off, score, member);
    ++count_;
    return off;
}

void ZPack::append(double score, std::string_view member) {
    assert(member.size() <= kMaxMember);
    size_t off = buf_.size();
    buf_.resize(off + member.size() + kOverhead);
    write_entry(buf_.data() + off, score, member);
    ++count_;
}

void ZPack::erase_span(size_t from, size_t to, size_t n) {
    buf_.erase(from, to - from);
    count_ -= static_cast<uint32_t>(n);
}

size_t ZPack::set_score(size_t off, double score) {
    // Stays in place when still between its neighbours (the common case of
    // a small change); otherwise the entry moves with one memmove.
    std::string_view m = member(off);
    size_t p = prev(off);
    size_t n = next(off);
    bool after_prev = p == kEnd || this->score(p) < score ||
                      (this->score(p) == score && compare_members(member(p), m) < 0);
    bool before_next = n == kEnd || score < this->score(n) ||
                       (score == this->score(n) && compare_members(m, member(n)) < 0);
    if (after_prev && before_next) {
        score = normalized(score);
        std::memcpy(buf_.data() + off, &score, sizeof score);
        return off;
    }
    char saved[kMaxMember + kOverhead];
    size_t size = entry_size(off);
    std::memcpy(saved, buf_.data() + off, size);
    std::string_view saved_member(saved + 9, size - kOverhead);
    erase_span(off, off + size, 1);
    return insert(score, saved_member);
}

}  // namespace server
