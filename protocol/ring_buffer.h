// A byte ring buffer for one connection's input. Capacity is a power of
// two. Data may wrap around the end; make_contiguous() straightens it so the
// parser can hand out views of whole frames. In the common request/response
// rhythm the buffer empties after every batch and both ends reset to 0, so
// wrapping (and straightening) is rare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace protocol {

class RingBuffer {
public:
    RingBuffer() = default;
    explicit RingBuffer(size_t capacity);  // rounded up to a power of two
    ~RingBuffer();
    RingBuffer(RingBuffer&& other) noexcept;
    RingBuffer& operator=(RingBuffer&& other) noexcept;
    RingBuffer(const RingBuffer&) = delete;
    RingBuffer& operator=(const RingBuffer&) = delete;

    size_t capacity() const { return cap_; }
    size_t size() const { return tail_ - head_; }
    bool empty() const { return head_ == tail_; }
    size_t free_space() const { return cap_ - size(); }

    // Largest contiguous free region after the data (where read() should
    // write). May be smaller than free_space() when the free space wraps.
    // Never empty: a full (or released) buffer grows first (to 1 KiB at
    // least, else doubling), since a zero-length read() would look like EOF.
    // Callers that bound their input check size() before reading.
    std::span<char> writable();
    // Marks n bytes of writable() as filled.
    void commit(size_t n);

    // Appends bytes, growing if needed (tests, and the copy path).
    void append(std::string_view bytes);

    // The first contiguous run of data (all of it unless it wraps).
    std::string_view readable() const;
    // Byte at logical offset i from the head (i < size()).
    char at(size_t i) const { return buf_[(head_ + i) & (cap_ - 1)]; }
    // Drops n bytes from the head. Resets to offset 0 when it empties.
    void consume(size_t n);

    // Makes all data contiguous from the head (rotating if wrapped); returns
    // a view of it. Views taken earlier are invalidated.
    std::string_view make_contiguous();
    // Grows to at least min_capacity, keeping data (contiguous afterwards).
    void reserve(size_t min_capacity);
    // Frees the storage (only when empty); capacity becomes 0.
    void release();
    // Swaps storage with another buffer (used to lend pooled buffers).
    void swap(RingBuffer& other) noexcept;

private:
    char* buf_ = nullptr;
    size_t cap_ = 0;
    // Logical positions; physical index is pos & (cap_ - 1). tail_ - head_
    // is the amount of data.
    size_t head_ = 0;
    size_t tail_ = 0;
};

}  // namespace protocol
