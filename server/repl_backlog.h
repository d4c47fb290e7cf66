// The replication backlog: the newest `size` bytes of the replication
// stream, kept so that a replica that lost its link briefly can continue
// from where it was (PSYNC +CONTINUE) instead of a full sync. Offsets are
// stream offsets: the first byte of the stream is offset 1, as Redis's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace server {

class ReplBacklog {
public:
    // Empty, to hold the bytes that follow stream offset `offset`.
    ReplBacklog(size_t size, uint64_t offset);

    size_t size() const { return buf_.size(); }
    // Bytes held, and the stream offsets of the first and last of them.
    size_t histlen() const { return histlen_; }
    uint64_t first_offset() const { return end_offset_ - histlen_ + 1; }
    uint64_t end_offset() const { return end_offset_; }

    void append(std::string_view bytes);
    // Whether the bytes from stream offset `from` to the end are all held
    // (from == end + 1 asks for nothing, and is held).
    bool holds(uint64_t from) const { return from >= first_offset() && from <= end_offset_ + 1; }
    // Appends the bytes from `from` (holds(from) must be true) to `out`.
    void copy_from(uint64_t from, std::string& out) const;
    // A new size keeps the newest bytes that fit.
    void resize(size_t size);

private:
    std::vector<char> buf_;
    size_t next_ = 0;  // where the next byte goes
    size_t histlen_ = 0;
    uint64_t end_offset_ = 0;
};

}  // namespace server
