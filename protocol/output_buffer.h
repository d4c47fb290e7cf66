// A growable contiguous byte buffer that replies are appended to and that is
// written to the socket from its front. Small replies are appended in place;
// the storage is released when the connection has nothing left to send.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace protocol {

class OutputBuffer {
public:
    OutputBuffer() = default;
    ~OutputBuffer();
    OutputBuffer(OutputBuffer&&) noexcept;
    OutputBuffer& operator=(OutputBuffer&&) noexcept;
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;

    // Unsent bytes.
    size_t size() const { return end_ - begin_; }
    bool empty() const { return end_ == begin_; }
    std::string_view pending() const { return {data_ + begin_, end_ - begin_}; }
    size_t capacity() const { return cap_; }

    void append(const char* p, size_t n) {
        if (cap_ - end_ < n) make_room(n);
        std::memcpy(data_ + end_, p, n);
        end_ += n;
    }
    void append(std::string_view s) { append(s.data(), s.size()); }
    void push_back(char c) {
        if (end_ == cap_) make_room(1);
        data_[end_++] = c;
    }
    // Reserves n bytes at the end and returns where to write them; the
    // caller then calls advance() with what it really wrote.
    char* tail_space(size_t n) {
        if (cap_ - end_ < n) make_room(n);
        return data_ + end_;
    }
    void advance(size_t n) { end_ += n; }

    // Drops n sent bytes from the front; resets to the start when empty.
    void consume(size_t n);
    // Drops everything from byte offset `size` on (used to undo a partial reply).
    void truncate(size_t size) { end_ = begin_ + size; }
    void clear() { begin_ = end_ = 0; }
    // Frees the storage when empty (idle connections hold no buffer).
    void release();

private:
    void make_room(size_t n);

    char* data_ = nullptr;
    size_t cap_ = 0;
    size_t begin_ = 0;
    size_t end_ = 0;
};

}  // namespace protocol
