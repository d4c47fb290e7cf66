#include "server/list_type.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "server/object.h"

namespace server {

namespace {

using list_codec::Decoded;
using list_codec::decode_backward;
using list_codec::decode_forward;
using list_codec::kLongTag;
using list_codec::kMediumLen;
using list_codec::kShortLen;

size_t frame_size(size_t len) { return len < kShortLen ? 1 : len < kMediumLen ? 2 : 9; }
size_t entry_size(size_t len) { return len + 2 * frame_size(len); }

void write_entry(char* p, std::string_view v) {
    const size_t len = v.size();
    size_t f;
    if (len < kShortLen) {
        p[0] = static_cast<char>(len);
        p[len + 1] = static_cast<char>(len);
        f = 1;
    } else if (len < kMediumLen) {
        p[0] = static_cast<char>(0x80 | (len >> 8));
        p[1] = static_cast<char>(len & 0xFF);
        p[len + 2] = static_cast<char>(len & 0xFF);
        p[len + 3] = static_cast<char>(0x80 | (len >> 8));
        f = 2;
    } else {
        const uint64_t l = len;
        p[0] = static_cast<char>(kLongTag);
        std::memcpy(p + 1, &l, 8);
        std::memcpy(p + 9 + len, &l, 8);
        p[len + 17] = static_cast<char>(kLongTag);
        f = 9;
    }
    if (len != 0) std::memcpy(p + f, v.data(), len);
}

inline bool same(const Decoded& d, std::string_view v) {
    return d.len == v.size() && (d.len == 0 || std::memcmp(d.bytes, v.data(), d.len) == 0);
}

// A node of at least `cap` bytes of entries; its cap is what malloc really
// gave, so the allocator's rounding is room for later pushes.
ListNode* allocate(size_t cap) {
    void* p = std::malloc(sizeof(ListNode) + cap);
    if (p == nullptr) throw std::bad_alloc();
    auto* n = static_cast<ListNode*>(p);
    n->cap = malloc_usable_size(p) - sizeof(ListNode);
    return n;
}

// Nodes up to this many bytes grow to exactly what they hold (most lists
// are short, and copying a few bytes per push is cheap); past it they
// double, so a run of pushes copies each byte O(1) times.
constexpr size_t kTightBytes = 128;

// A first node holds just its element; later nodes exist because the one
// before filled up, so they start bigger.
size_t first_node_cap(size_t need) { return need; }
size_t next_node_cap(size_t need) { return std::max<size_t>(need, List::kNodeLimit / 8); }

// The capacity for a node that must hold `used` bytes: not past the node
// limit unless one element alone is bigger.
size_t grown_cap(size_t cap, size_t used) {
    if (used <= kTightBytes) return used;
    size_t want = std::max(cap * 2, used + used / 2);
    return std::min(want, std::max(List::kNodeLimit, used));
}

}  // namespace

List::~List() {
    for (ListNode* n = head_; n != nullptr;) {
        ListNode* next = n->next;
        std::free(n);
        n = next;
    }
}

size_t List::node_count() const {
    size_t n = 0;
    for (const ListNode* p = head_; p != nullptr; p = p->next) ++n;
    return n;
}

size_t List::allocated_bytes() const {
    size_t total = 0;
    for (const ListNode* n = head_; n != nullptr; n = n->next) total += sizeof(ListNode) + n->cap;
    return total;
}

List* List::clone() const {
    auto* copy = new List;
    for (const ListNode* n = head_; n != nullptr; n = n->next) {
        ListNode* m = copy->new_node(n->used(), copy->tail_, nullptr);
        m->begin = 0;
        m->end = n->used();
        m->count = n->count;
        std::memcpy(m->data(), n->data() + n->begin, n->used());
    }
    copy->count_ = count_;
    return copy;
}

// Links a fresh node of `cap` bytes between prev and next (either may be
// null at an end of the list). Its entries and count are the caller's.
ListNode* List::new_node(size_t cap, ListNode* prev, ListNode* next) {
    ListNode* n = allocate(cap);
    n->prev = prev;
    n->next = next;
    n->begin = n->end = 0;
    n->count = 0;
    if (prev) prev->next = n;
    else head_ = n;
    if (next) next->prev = n;
    else tail_ = n;
    return n;
}

void List::unlink_free(ListNode* n) {
    if (n->prev) n->prev->next = n->next;
    else head_ = n->next;
    if (n->next) n->next->prev = n->prev;
    else tail_ = n->prev;
    std::free(n);
}

// Points n's neighbours (or the ends) at n, which replaced a node.
void List::relink(ListNode* n) {
    if (n->prev) n->prev->next = n;
    else head_ = n;
    if (n->next) n->next->prev = n;
    else tail_ = n;
}

// Moves n's entries into a new allocation of at least new_cap bytes,
// leaving `kept` free bytes after them (keep_at_back) or before them; the
// rest of the room goes to the other end.
ListNode* List::relocate(ListNode* n, size_t new_cap, size_t kept, bool keep_at_back) {
    ListNode* m = allocate(new_cap);
    const size_t cap = m->cap;
    *m = *n;
    m->cap = cap;
    const size_t new_begin = keep_at_back ? cap - n->used() - kept : kept;
    m->begin = new_begin;
    m->end = new_begin + n->used();
    std::memcpy(m->data() + new_begin, n->data() + n->begin, n->used());
    relink(m);
    std::free(n);
    return m;
}

// Makes at least `need` free bytes before n's first entry. The room at the
// other end is kept (up to half the spare bytes) only where the list can
// grow there too; growing doubles the node, so a run of pushes moves each
// byte O(1) times.
size_t List::capacity_for(const ListNode* n, size_t need) {
    const size_t used = n->used();
    const size_t spare = n->cap - used;
    if (spare < need || (n->cap < kNodeLimit && spare - need < used / 2)) return grown_cap(n->cap, used + need);
    return n->cap;
}

ListNode* List::room_front(ListNode* n, size_t need) {
    const size_t used = n->used();
    const size_t cap = capacity_for(n, need);
    const size_t spare = cap - used;
    size_t keep_back = n == tail_ ? std::min(n->cap - n->end, (spare - need) / 2) : 0;
    if (cap != n->cap) return relocate(n, cap, keep_back, true);
    size_t new_begin = spare - keep_back;
    std::memmove(n->data() + new_begin, n->data() + n->begin, used);
    n->begin = new_begin;
    n->end = new_begin + used;
    return n;
}

ListNode* List::room_back(ListNode* n, size_t need) {
    const size_t used = n->used();
    const size_t cap = capacity_for(n, need);
    const size_t spare = cap - used;
    size_t new_begin = n == head_ ? std::min(n->begin, (spare - need) / 2) : 0;
    if (cap != n->cap) return relocate(n, cap, new_begin, false);
    std::memmove(n->data() + new_begin, n->data() + n->begin, used);
    n->begin = new_begin;
    n->end = new_begin + used;
    return n;
}

void List::prepend_to(ListNode* n, std::string_view v) {
    const size_t need = entry_size(v.size());
    if (n->begin < need) n = room_front(n, need);
    n->begin -= need;
    write_entry(n->data() + n->begin, v);
    ++n->count;
    ++count_;
}

void List::append_to(ListNode* n, std::string_view v) {
    const size_t need = entry_size(v.size());
    if (n->cap - n->end < need) n = room_back(n, need);
    write_entry(n->data() + n->end, v);
    n->end += need;
    ++n->count;
    ++count_;
}

void List::push_front(std::string_view v) {
    const size_t need = entry_size(v.size());
    ListNode* n = head_;
    if (n == nullptr || !fits(n, need)) {
        n = new_node(n == nullptr ? first_node_cap(need) : next_node_cap(need), nullptr, head_);
        n->begin = n->end = n->cap;  // room in front, where the next pushes go
    }
    prepend_to(n, v);
}

void List::push_back(std::string_view v) {
    const size_t need = entry_size(v.size());
    ListNode* n = tail_;
    if (n == nullptr || !fits(n, need)) {
        n = new_node(n == nullptr ? first_node_cap(need) : next_node_cap(need), tail_, nullptr);
    }
    append_to(n, v);
}

std::string_view List::front() const { return decode_forward(head_->data() + head_->begin).view(); }
std::string_view List::back() const { return decode_backward(tail_->data() + tail_->end).view(); }

// After deletions a node whose entries fill a small part of a large
// allocation gives the memory back.
void List::maybe_shrink(ListNode* n) {
    if (n->cap < 1024 || n->used() * 4 > n->cap) return;
    size_t cap = std::max<size_t>(n->used() * 2, 64);
    relocate(n, cap, (cap - n->used()) / 2, false);
}

void List::pop_front() {
    ListNode* n = head_;
    n->begin += decode_forward(n->data() + n->begin).size;
    --count_;
    if (--n->count == 0) unlink_free(n);
    else maybe_shrink(n);
}

void List::pop_back() {
    ListNode* n = tail_;
    n->end -= decode_backward(n->data() + n->end).size;
    --count_;
    if (--n->count == 0) unlink_free(n);
    else maybe_shrink(n);
}

void List::erase_front(size_t k) {
    while (k > 0 && head_ != nullptr) {
        ListNode* n = head_;
        if (n->count <= k) {
            k -= n->count;
            count_ -= n->count;
            unlink_free(n);
            continue;
        }
        for (size_t i = 0; i < k; ++i) n->begin += decode_forward(n->data() + n->begin).size;
        n->count -= static_cast<uint32_t>(k);
        count_ -= k;
        maybe_shrink(n);
        return;
    }
}

void List::erase_back(size_t k) {
    while (k > 0 && tail_ != nullptr) {
        ListNode* n = tail_;
        if (n->count <= k) {
            k -= n->count;
            count_ -= n->count;
            unlink_free(n);
            continue;
        }
        for (size_t i = 0; i < k; ++i) n->end -= decode_backward(n->data() + n->end).size;
        n->count -= static_cast<uint32_t>(k);
        count_ -= k;
        maybe_shrink(n);
        return;
    }
}

List::Cursor List::first() const { return head_ ? Cursor{head_, head_->begin} : Cursor{}; }

List::Cursor List::last() const {
    if (!tail_) return {};
    return {tail_, tail_->end - decode_backward(tail_->data() + tail_->end).size};
}

List::Cursor List::at(size_t index) const {
    ListNode* n;
    size_t local;  // index within n
    if (index < count_ / 2) {
        n = head_;
        while (index >= n->count) {
            index -= n->count;
            n = n->next;
        }
        local = index;
    } else {
        size_t from_end = count_ - 1 - index;
        n = tail_;
        while (from_end >= n->count) {
            from_end -= n->count;
            n = n->prev;
        }
        local = n->count - 1 - from_end;
    }
    const char* d = n->data();
    size_t off;
    if (local < n->count / 2) {
        off = n->begin;
        for (size_t i = 0; i < local; ++i) off += decode_forward(d + off).size;
    } else {
        off = n->end;
        for (size_t i = n->count - local; i > 0; --i) off -= decode_backward(d + off).size;
    }
    return {n, off};
}

bool List::prev(Cursor& c) const {
    ListNode* n = c.node;
    size_t end = c.off;
    if (end == n->begin) {
        if (n->prev == nullptr) return false;
        n = n->prev;
        end = n->end;
    }
    c.node = n;
    c.off = end - decode_backward(n->data() + end).size;
    return true;
}

// Replaces `remove` bytes at off with a hole of `add` bytes, moving the
// shorter side of the node; returns the hole. n may move.
char* List::splice(ListNode*& n, size_t off, size_t remove, size_t add) {
    char* d = n->data();
    const size_t front = off - n->begin;
    const size_t back = n->end - off - remove;
    if (add <= remove) {
        const size_t shrink = remove - add;
        if (front < back) {
            std::memmove(d + n->begin + shrink, d + n->begin, front);
            n->begin += shrink;
            return d + off + shrink;
        }
        std::memmove(d + off + add, d + off + remove, back);
        n->end -= shrink;
        return d + off;
    }
    const size_t grow = add - remove;
    const bool can_front = n->begin >= grow;
    const bool can_back = n->cap - n->end >= grow;
    if (can_front && (front <= back || !can_back)) {
        std::memmove(d + n->begin - grow, d + n->begin, front);
        n->begin -= grow;
        return d + off - grow;
    }
    if (can_back) {
        std::memmove(d + off + add, d + off + remove, back);
        n->end += grow;
        return d + off;
    }
    // No room on either side: a bigger allocation, spare split evenly.
    const size_t used = n->used() + grow;
    ListNode* m = allocate(grown_cap(n->cap, used));
    const size_t cap = m->cap;
    const size_t nb = (cap - used) / 2;
    *m = *n;
    m->cap = cap;
    m->begin = nb;
    m->end = nb + used;
    std::memcpy(m->data() + nb, d + n->begin, front);
    std::memcpy(m->data() + nb + front + add, d + off + remove, back);
    relink(m);
    std::free(n);
    n = m;
    return m->data() + nb + front;
}

// Cuts n at byte offset off: the entries from off on move to a new node
// linked after n, which is returned.
ListNode* List::split(ListNode* n, size_t off) {
    uint32_t moved = 0;
    for (size_t p = off; p < n->end; p += decode_forward(n->data() + p).size) ++moved;
    const size_t bytes = n->end - off;
    ListNode* right = new_node(bytes + bytes / 4 + 16, n, n->next);
    right->begin = (right->cap - bytes) / 2;
    right->end = right->begin + bytes;
    right->count = moved;
    std::memcpy(right->data() + right->begin, n->data() + off, bytes);
    n->end = off;
    n->count -= moved;
    return right;
}

void List::insert_at(ListNode* n, size_t off, std::string_view v) {
    const size_t need = entry_size(v.size());
    if (fits(n, need)) {
        write_entry(splice(n, off, 0, need), v);
        ++n->count;
        ++count_;
        return;
    }
    // A full node: the element goes to a neighbour with room, or a node of
    // its own, splitting n when the place is inside it.
    if (off == n->begin) {
        if (n->prev && fits(n->prev, need)) append_to(n->prev, v);
        else append_to(new_node(next_node_cap(need), n->prev, n), v);
        return;
    }
    if (off == n->end) {
        if (n->next && fits(n->next, need)) prepend_to(n->next, v);
        else append_to(new_node(next_node_cap(need), n, n->next), v);
        return;
    }
    ListNode* right = split(n, off);
    if (fits(n, need)) append_to(n, v);
    else if (fits(right, need)) prepend_to(right, v);
    else append_to(new_node(next_node_cap(need), n, right), v);
}

void List::insert_before(Cursor c, std::string_view v) { insert_at(c.node, c.off, v); }

void List::insert_after(Cursor c, std::string_view v) {
    insert_at(c.node, c.off + decode_forward(c.node->data() + c.off).size, v);
}

void List::replace(Cursor c, std::string_view v) {
    ListNode* n = c.node;
    const size_t old_size = decode_forward(n->data() + c.off).size;
    const size_t need = entry_size(v.size());
    if (need == old_size) {
        write_entry(n->data() + c.off, v);
        return;
    }
    if (need < old_size || n->count == 1 || fits(n, need - old_size)) {
        write_entry(splice(n, c.off, old_size, need), v);
        return;
    }
    // Too big for its node: isolate the element in a node of its own (which
    // may exceed the limit, as a single big element does).
    size_t off = c.off;
    if (off != n->begin) {
        n = split(n, off);
        off = n->begin;
    }
    if (n->count > 1) split(n, off + old_size);
    write_entry(splice(n, off, old_size, need), v);
}

size_t List::remove(std::string_view v, size_t limit, bool from_tail) {
    size_t removed = 0;
    auto more = [&] { return limit == 0 || removed < limit; };
    ListNode* n = from_tail ? tail_ : head_;
    while (n != nullptr && more()) {
        ListNode* following = from_tail ? n->prev : n->next;
        char* d = n->data();
        if (!from_tail) {
            size_t r = n->begin;
            size_t w = r;
            while (r < n->end) {
                if (!more()) {  // the rest is kept: one move
                    std::memmove(d + w, d + r, n->end - r);
                    w += n->end - r;
                    break;
                }
                Decoded e = decode_forward(d + r);
                if (same(e, v)) {
                    ++removed;
                    --n->count;
                } else {
                    if (w != r) std::memmove(d + w, d + r, e.size);
                    w += e.size;
                }
                r += e.size;
            }
            n->end = w;
        } else {
            size_t r = n->end;
            size_t w = r;
            while (r > n->begin) {
                if (!more()) {
                    const size_t rest = r - n->begin;
                    std::memmove(d + w - rest, d + n->begin, rest);
                    w -= rest;
                    break;
                }
                Decoded e = decode_backward(d + r);
                r -= e.size;
                if (same(e, v)) {
                    ++removed;
                    --n->count;
                } else {
                    w -= e.size;
                    if (w != r) std::memmove(d + w, d + r, e.size);
                }
            }
            n->begin = w;
        }
        if (n->count == 0) unlink_free(n);
        else maybe_shrink(n);
        n = following;
    }
    count_ -= removed;
    return removed;
}

bool List::free_some(size_t budget) {
    size_t freed = 0;
    while (head_ != nullptr && freed < budget) {
        freed += head_->count;
        count_ -= head_->count;
        unlink_free(head_);
    }
    return head_ == nullptr;
}

std::string List::check() const {
    size_t total = 0;
    size_t nodes = 0;
    const ListNode* prev = nullptr;
    for (const ListNode* n = head_; n != nullptr; prev = n, n = n->next) {
        std::string where = "node " + std::to_string(nodes) + ": ";
        ++nodes;
        if (n->prev != prev) return where + "bad prev link";
        if (n->count == 0) return where + "empty node";
        if (n->begin > n->end || n->end > n->cap) return where + "bad bounds";
        if (n->count > 1 && n->used() > kNodeLimit) return where + "over the node limit";
        size_t entries = 0;
        size_t off = n->begin;
        while (off < n->end) {
            const Decoded fwd = decode_forward(n->data() + off);
            if (off + fwd.size > n->end) return where + "entry past the end";
            const Decoded back = decode_backward(n->data() + off + fwd.size);
            if (back.len != fwd.len || back.bytes != fwd.bytes) return where + "mirrored length differs";
            off += fwd.size;
            ++entries;
        }
        if (entries != n->count) return where + "count " + std::to_string(n->count) + " but " +
                                        std::to_string(entries) + " entries";
        total += entries;
    }
    if (prev != tail_) return "tail is not the last node";
    if (total != count_) return "element count differs";
    return "";
}

// The keyspace's hooks for list values.

size_t list_length(const void* obj) { return static_cast<const List*>(obj)->size(); }
void* list_clone(const void* obj) { return static_cast<const List*>(obj)->clone(); }
// Redis 7.0 reports every list as a quicklist, even a one-node one.
std::string_view list_encoding(const void*) { return "quicklist"; }
bool list_free_step(void* obj, size_t budget) {
    auto* list = static_cast<List*>(obj);
    if (!list->free_some(budget)) return false;
    delete list;
    return true;
}
void list_destroy(void* obj) { delete static_cast<List*>(obj); }

}  // namespace server
