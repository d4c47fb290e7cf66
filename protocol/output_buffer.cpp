#include "protocol/output_buffer.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <utility>

namespace protocol {

namespace {

// First allocation: enough for a typical batch of small replies in one go.
constexpr size_t kInitialCapacity = 16 * 1024;

}  // namespace

OutputBuffer::~OutputBuffer() { std::free(data_); }

OutputBuffer::OutputBuffer(OutputBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      cap_(std::exchange(other.cap_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

OutputBuffer& OutputBuffer::operator=(OutputBuffer&& other) noexcept {
    if (this != &other) {
        std::free(data_);
        data_ = std::exchange(other.data_, nullptr);
        cap_ = std::exchange(other.cap_, 0);
        begin_ = std::exchange(other.begin_, 0);
        end_ = std::exchange(other.end_, 0);
    }
    return *this;
}

void OutputBuffer::make_room(size_t n) {
    const size_t used = size();
    // Sliding the unsent bytes to the front pays for itself only when they
    // are no more than what was already sent: otherwise a slow reader that
    // takes a little at a time would make every append move everything.
    if (begin_ > 0 && cap_ - used >= n && used <= begin_) {
        std::memmove(data_, data_ + begin_, used);
        begin_ = 0;
        end_ = used;
        return;
    }
    const size_t cap = std::max({kInitialCapacity, cap_ * 2, used + n});
    char* fresh = static_cast<char*>(std::malloc(cap));
    if (fresh == nullptr) throw std::bad_alloc();
    if (used > 0) std::memcpy(fresh, data_ + begin_, used);
    std::free(data_);
    data_ = fresh;
    cap_ = cap;
    begin_ = 0;
    end_ = used;
}

void OutputBuffer::consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
}

void OutputBuffer::release() {
    if (!empty()) return;
    std::free(data_);
    data_ = nullptr;
    cap_ = begin_ = end_ = 0;
}

}  // namespace protocol
