// The list value: a doubly linked list of compact nodes, as Redis 7.0's
// quicklist of listpacks (and reported as "quicklist", which is what 7.0
// answers for every list). Each node is one allocation holding up to
// kNodeLimit bytes of entries with free room kept at both ends, so pushes and
// pops at either end of the list are O(1) and touch no other memory. An entry
// is its bytes framed by their length before and after (so a node can be
// walked in both directions):
//
//   [len][bytes][len mirrored]      len: 1 byte below 128, 2 below 16384, else 9
//
// Elements are handed out as string_views into the node: valid until the
// list is next modified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace server {

// Entry framing, inline because iteration is the hot path of LRANGE.
namespace list_codec {

inline constexpr size_t kShortLen = 128;          // one byte: 0xxxxxxx
inline constexpr size_t kMediumLen = 16384;       // two bytes: 10xxxxxx xxxxxxxx
inline constexpr unsigned char kLongTag = 0xC0;   // then 8 bytes of length

struct Decoded {
    const char* bytes;
    size_t len;
    size_t size;  // the whole entry, framing included
    std::string_view view() const { return {bytes, len}; }
};

// The entry starting at p.
inline Decoded decode_forward(const char* p) {
    const auto tag = static_cast<unsigned char>(p[0]);
    if (tag < 0x80) return {p + 1, tag, size_t{tag} + 2};
    if (tag < kLongTag) {
        size_t len = (size_t{tag & 0x3Fu} << 8) | static_cast<unsigned char>(p[1]);
        return {p + 2, len, len + 4};
    }
    uint64_t len;
    std::memcpy(&len, p + 1, 8);
    return {p + 9, static_cast<size_t>(len), static_cast<size_t>(len) + 18};
}

// The entry ending just before e.
inline Decoded decode_backward(const char* e) {
    const auto tag = static_cast<unsigned char>(e[-1]);
    if (tag < 0x80) return {e - 1 - tag, tag, size_t{tag} + 2};
    if (tag < kLongTag) {
        size_t len = (size_t{tag & 0x3Fu} << 8) | static_cast<unsigned char>(e[-2]);
        return {e - 2 - len, len, len + 4};
    }
    uint64_t len;
    std::memcpy(&len, e - 9, 8);
    return {e - 9 - len, static_cast<size_t>(len), static_cast<size_t>(len) + 18};
}

}  // namespace list_codec

struct ListNode {
    ListNode* prev;
    ListNode* next;
    size_t begin;  // offset of the first entry byte in data()
    size_t end;    // one past the last entry byte
    size_t cap;    // bytes of data()
    uint32_t count;

    char* data() { return reinterpret_cast<char*>(this + 1); }
    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    size_t used() const { return end - begin; }
};

class List {
public:
    // Redis's list-max-listpack-size -2: nodes of at most 8 KiB of entries
    // (a single larger element gets a node of its own).
    static constexpr size_t kNodeLimit = 8192;

    // A position: the node and the byte offset of an entry in it.
    struct Cursor {
        ListNode* node = nullptr;
        size_t off = 0;
        explicit operator bool() const { return node != nullptr; }
    };

    List() = default;
    ~List();
    List(const List&) = delete;
    List& operator=(const List&) = delete;

    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    size_t node_count() const;
    // Bytes held by the nodes (headers and capacity), for tests and memory
    // accounting.
    size_t allocated_bytes() const;
    List* clone() const;

    void push_front(std::string_view v);
    void push_back(std::string_view v);

    std::string_view front() const;
    std::string_view back() const;
    void pop_front();
    void pop_back();
    // Removes n elements (at most size()) from one end.
    void erase_front(size_t n);
    void erase_back(size_t n);

    // The element at index (0-based from the head; must be < size()), found
    // from the nearer end of the list, then of its node.
    Cursor at(size_t index) const;
    Cursor first() const;
    Cursor last() const;
    std::string_view value(Cursor c) const {
        return list_codec::decode_forward(c.node->data() + c.off).view();
    }
    // Steps to the following (preceding) element; false past the end.
    bool next(Cursor& c) const {
        const size_t off = c.off + list_codec::decode_forward(c.node->data() + c.off).size;
        if (off < c.node->end) {
            c.off = off;
            return true;
        }
        if (c.node->next == nullptr) return false;
        c.node = c.node->next;
        c.off = c.node->begin;
        return true;
    }
    bool prev(Cursor& c) const;
    // Calls fn(element) for n elements from c on (there must be as many),
    // decoding each once.
    template <typename Fn>
    void for_each(Cursor c, size_t n, Fn&& fn) const {
        for (const ListNode* node = c.node; n > 0; node = node->next) {
            const char* p = node->data() + (node == c.node ? c.off : node->begin);
            const char* end = node->data() + node->end;
            for (; n > 0 && p < end; --n) {
                const list_codec::Decoded d = list_codec::decode_forward(p);
                fn(d.view());
                p += d.size;
            }
        }
    }

    // Inserts v before (after) the element at c. Invalidates cursors.
    void insert_before(Cursor c, std::string_view v);
    void insert_after(Cursor c, std::string_view v);
    // Replaces the element at c with v. Invalidates cursors.
    void replace(Cursor c, std::string_view v);
    // Removes up to `limit` elements equal to v (0 = all), scanning from the
    // head, or from the tail when from_tail. Returns how many were removed.
    size_t remove(std::string_view v, size_t limit, bool from_tail);

    // Frees whole nodes from the head until about `budget` elements are
    // gone; true once the list is empty.
    bool free_some(size_t budget);

    // Walks every node and entry; "" when the structure is consistent,
    // otherwise what is wrong (for tests).
    std::string check() const;

private:
    ListNode* new_node(size_t cap, ListNode* after, ListNode* before);
    void unlink_free(ListNode* n);
    ListNode* relocate(ListNode* n, size_t new_cap, size_t kept, bool keep_at_back);
    void relink(ListNode* n);
    void prepend_to(ListNode* n, std::string_view v);
    void append_to(ListNode* n, std::string_view v);
    // The capacity n needs to take `need` more bytes (its own, or grown).
    static size_t capacity_for(const ListNode* n, size_t need);
    ListNode* room_front(ListNode* n, size_t need);
    ListNode* room_back(ListNode* n, size_t need);
    char* splice(ListNode*& n, size_t off, size_t remove, size_t add);
    void insert_at(ListNode* n, size_t off, std::string_view v);
    void erase_at(ListNode* n, size_t off);
    ListNode* split(ListNode* n, size_t off);
    void maybe_shrink(ListNode* n);
    bool fits(const ListNode* n, size_t extra) const { return n->used() + extra <= kNodeLimit; }

    ListNode* head_ = nullptr;
    ListNode* tail_ = nullptr;
    size_t count_ = 0;
};

}  // namespace server
