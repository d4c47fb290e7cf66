#include "server/repl_backlog.h"

#include <algorithm>
#include <cstring>

namespace server {

ReplBacklog::ReplBacklog(size_t size, uint64_t offset) : buf_(std::max<size_t>(size, 16)), end_offset_(offset) {}

void ReplBacklog::append(std::string_view bytes) {
    end_offset_ += bytes.size();
    const size_t cap = buf_.size();
    if (bytes.size() >= cap) bytes.remove_prefix(bytes.size() - cap);
    while (!bytes.empty()) {
        const size_t n = std::min(bytes.size(), cap - next_);
        std::memcpy(buf_.data() + next_, bytes.data(), n);
        next_ = (next_ + n) % cap;
        histlen_ = std::min(cap, histlen_ + n);
        bytes.remove_prefix(n);
    }
}

void ReplBacklog::copy_from(uint64_t from, std::string& out) const {
    size_t want = static_cast<size_t>(end_offset_ + 1 - from);
    const size_t cap = buf_.size();
    size_t pos = (next_ + cap - want % cap) % cap;
    while (want > 0) {
        const size_t n = std::min(want, cap - pos);
        out.append(buf_.data() + pos, n);
        pos = (pos + n) % cap;
        want -= n;
    }
}

void ReplBacklog::resize(size_t size) {
    size = std::max<size_t>(size, 16);
    if (size == buf_.size()) return;
    std::string kept;
    const size_t keep = std::min(histlen_, size);
    copy_from(end_offset_ + 1 - keep, kept);
    buf_.assign(size, 0);
    next_ = 0;
    histlen_ = 0;
    const uint64_t end = end_offset_;
    end_offset_ = end - keep;
    append(kept);
}

}  // namespace server
