#include "protocol/ring_buffer.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

namespace protocol {

namespace {

// The smallest storage append() or writable() will allocate: a read of less
// than this costs more in system calls than the memory it saves.
constexpr size_t kMinGrowth = 1024;

char* allocate(size_t capacity) {
    auto* p = static_cast<char*>(std::malloc(capacity));
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace

RingBuffer::RingBuffer(size_t capacity) {
    if (capacity == 0) return;
    cap_ = std::bit_ceil(capacity);
    buf_ = allocate(cap_);
}

RingBuffer::~RingBuffer() { std::free(buf_); }

RingBuffer::RingBuffer(RingBuffer&& other) noexcept { swap(other); }

RingBuffer& RingBuffer::operator=(RingBuffer&& other) noexcept {
    if (this != &other) {
        RingBuffer gone(std::move(*this));
        swap(other);
    }
    return *this;
}

std::span<char> RingBuffer::writable() {
    // Handing out an empty span would make read() return 0, which the caller
    // would take for end of file; a full (or released) buffer grows instead.
    if (free_space() == 0) reserve(std::max(kMinGrowth, cap_ * 2));
    if (empty()) head_ = tail_ = 0;
    const size_t t = tail_ & (cap_ - 1);
    const size_t h = head_ & (cap_ - 1);
    // The free space after the data runs to the end of storage, unless the
    // data already wraps (or ends exactly at the end): then up to the head.
    const size_t end = (empty() || t > h) ? cap_ : h;
    return {buf_ + t, end - t};
}

void RingBuffer::commit(size_t n) { tail_ += n; }

void RingBuffer::append(std::string_view bytes) {
    if (bytes.empty()) return;
    if (free_space() < bytes.size())
        reserve(std::max(kMinGrowth, std::bit_ceil(size() + bytes.size())));
    const size_t t = tail_ & (cap_ - 1);
    const size_t first = std::min(bytes.size(), cap_ - t);
    std::memcpy(buf_ + t, bytes.data(), first);
    std::memcpy(buf_, bytes.data() + first, bytes.size() - first);
    tail_ += bytes.size();
}

std::string_view RingBuffer::readable() const {
    if (empty()) return {};
    const size_t h = head_ & (cap_ - 1);
    return {buf_ + h, std::min(size(), cap_ - h)};
}

void RingBuffer::consume(size_t n) {
    head_ += n;
    // Restarting at offset 0 keeps the common request/response rhythm from
    // ever reaching the wrap point.
    if (head_ == tail_) head_ = tail_ = 0;
}

std::string_view RingBuffer::make_contiguous() {
    std::string_view first = readable();
    if (first.size() == size()) return first;
    // Wrapped: A = [h, cap) is the older part, B = [0, t) the newer one; the
    // result is A followed by B at offset 0.
    const size_t h = head_ & (cap_ - 1);
    const size_t a = cap_ - h;
    const size_t b = size() - a;
    if (a + b <= h) {
        // B can slide up past where A will land without touching A.
        std::memmove(buf_ + a, buf_, b);
        std::memcpy(buf_, buf_ + h, a);
    } else if (b <= a) {
        std::unique_ptr<char[]> keep(new char[b]);
        std::memcpy(keep.get(), buf_, b);
        std::memmove(buf_, buf_ + h, a);
        std::memcpy(buf_ + a, keep.get(), b);
    } else {
        std::unique_ptr<char[]> keep(new char[a]);
        std::memcpy(keep.get(), buf_ + h, a);
        std::memmove(buf_ + a, buf_, b);
        std::memcpy(buf_, keep.get(), a);
    }
    tail_ = size();
    head_ = 0;
    return {buf_, tail_};
}

void RingBuffer::reserve(size_t min_capacity) {
    if (min_capacity <= cap_) {
        make_contiguous();
        return;
    }
    const size_t cap = std::bit_ceil(min_capacity);
    char* fresh = allocate(cap);
    const size_t n = size();
    if (n > 0) {
        const std::string_view first = readable();
        std::memcpy(fresh, first.data(), first.size());
        std::memcpy(fresh + first.size(), buf_, n - first.size());
    }
    std::free(buf_);
    buf_ = fresh;
    cap_ = cap;
    head_ = 0;
    tail_ = n;
}

void RingBuffer::release() {
    if (!empty()) return;
    std::free(buf_);
    buf_ = nullptr;
    cap_ = 0;
    head_ = tail_ = 0;
}

void RingBuffer::swap(RingBuffer& other) noexcept {
    std::swap(buf_, other.buf_);
    std::swap(cap_, other.cap_);
    std::swap(head_, other.head_);
    std::swap(tail_, other.tail_);
}

}  // namespace protocol
