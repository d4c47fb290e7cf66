#include "server/listpack.h"

#include <cstring>

namespace server {

namespace {

constexpr size_t kLpHeader = 6;
constexpr unsigned char kLpEnd = 0xFF;
constexpr size_t kZlHeader = 10;
constexpr uint16_t kCountUnknown = 65535;

uint64_t load_le(const unsigned char* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
    return v;
}

// Sign-extends the low `bits` bits of v.
int64_t sign_extend(uint64_t v, unsigned bits) {
    if (bits == 64) return static_cast<int64_t>(v);
    const uint64_t sign = uint64_t{1} << (bits - 1);
    v &= (sign << 1) - 1;
    return static_cast<int64_t>((v ^ sign) - sign);
}

void store_le(std::string& out, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

size_t backlen_size(size_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

}  // namespace

std::string_view PackedItem::text(char (&buf)[24]) const {
    if (!is_int) return bytes;
    // Written by hand: std::to_chars would do, this avoids <charconv>'s cost
    // in every includer of the header.
    char tmp[24];
    size_t n = 0;
    uint64_t u = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    do {
        tmp[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    size_t len = 0;
    if (value < 0) buf[len++] = '-';
    while (n > 0) buf[len++] = tmp[--n];
    return {buf, len};
}

bool canonical_int64(std::string_view s, int64_t& v) {
    if (s.empty() || s.size() > 20) return false;
    if (s.size() == 1 && s[0] == '0') {
        v = 0;
        return true;
    }
    size_t i = 0;
    bool negative = false;
    if (s[0] == '-') {
        negative = true;
        i = 1;
        if (s.size() == 1) return false;
    }
    if (s[i] < '1' || s[i] > '9') return false;
    uint64_t u = 0;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return false;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (u > (UINT64_MAX - d) / 10) return false;
        u = u * 10 + d;
    }
    if (negative) {
        if (u > uint64_t{1} << 63) return false;
        v = static_cast<int64_t>(0 - u);
    } else {
        if (u > static_cast<uint64_t>(INT64_MAX)) return false;
        v = static_cast<int64_t>(u);
    }
    return true;
}

// --- listpack writer -------------------------------------------------------

void ListpackBuilder::reset() {
    buf_.assign(kLpHeader, '\0');
    count_ = 0;
}

void ListpackBuilder::put_backlen(size_t l) {
    switch (backlen_size(l)) {
    case 1:
        buf_.push_back(static_cast<char>(l));
        break;
    case 2:
        buf_.push_back(static_cast<char>(l >> 7));
        buf_.push_back(static_cast<char>((l & 127) | 128));
        break;
    case 3:
        buf_.push_back(static_cast<char>(l >> 14));
        buf_.push_back(static_cast<char>(((l >> 7) & 127) | 128));
        buf_.push_back(static_cast<char>((l & 127) | 128));
        break;
    case 4:
        buf_.push_back(static_cast<char>(l >> 21));
        buf_.push_back(static_cast<char>(((l >> 14) & 127) | 128));
        buf_.push_back(static_cast<char>(((l >> 7) & 127) | 128));
        buf_.push_back(static_cast<char>((l & 127) | 128));
        break;
    default:
        buf_.push_back(static_cast<char>(l >> 28));
        buf_.push_back(static_cast<char>(((l >> 21) & 127) | 128));
        buf_.push_back(static_cast<char>(((l >> 14) & 127) | 128));
        buf_.push_back(static_cast<char>(((l >> 7) & 127) | 128));
        buf_.push_back(static_cast<char>((l & 127) | 128));
        break;
    }
}

void ListpackBuilder::add(std::string_view s) {
    int64_t v;
    if (canonical_int64(s, v)) add_int(v);
    else add_string(s);
}

void ListpackBuilder::add_int(int64_t v) {
    const size_t start = buf_.size();
    if (v >= 0 && v <= 127) {
        buf_.push_back(static_cast<char>(v));
    } else if (v >= -4096 && v <= 4095) {
        const uint64_t u = static_cast<uint64_t>(v) & 0x1fff;
        buf_.push_back(static_cast<char>(0xC0 | (u >> 8)));
        buf_.push_back(static_cast<char>(u & 0xff));
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        buf_.push_back(static_cast<char>(0xF1));
        store_le(buf_, static_cast<uint64_t>(v), 2);
    } else if (v >= -(1 << 23) && v < (1 << 23)) {
        buf_.push_back(static_cast<char>(0xF2));
        store_le(buf_, static_cast<uint64_t>(v), 3);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        buf_.push_back(static_cast<char>(0xF3));
        store_le(buf_, static_cast<uint64_t>(v), 4);
    } else {
        buf_.push_back(static_cast<char>(0xF4));
        store_le(buf_, static_cast<uint64_t>(v), 8);
    }
    put_backlen(buf_.size() - start);
    ++count_;
}

void ListpackBuilder::add_string(std::string_view s) {
    const size_t start = buf_.size();
    const size_t n = s.size();
    if (n < 64) {
        buf_.push_back(static_cast<char>(0x80 | n));
    } else if (n < 4096) {
        buf_.push_back(static_cast<char>(0xE0 | (n >> 8)));
        buf_.push_back(static_cast<char>(n & 0xff));
    } else {
        buf_.push_back(static_cast<char>(0xF0));
        store_le(buf_, n, 4);
    }
    buf_.append(s);
    put_backlen(buf_.size() - start);
    ++count_;
}

std::string_view ListpackBuilder::finish() {
    buf_.push_back(static_cast<char>(kLpEnd));
    const uint64_t total = buf_.size();
    const uint64_t count = count_ < kCountUnknown ? count_ : kCountUnknown;
    for (size_t i = 0; i < 4; ++i) buf_[i] = static_cast<char>((total >> (8 * i)) & 0xff);
    buf_[4] = static_cast<char>(count & 0xff);
    buf_[5] = static_cast<char>(count >> 8);
    return buf_;
}

// --- listpack reader -------------------------------------------------------

bool listpack_decode(std::string_view blob, std::vector<PackedItem>& out, std::string& error) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    const size_t size = blob.size();
    if (size < kLpHeader + 1) {
        error = "listpack shorter than its header";
        return false;
    }
    if (load_le(p, 4) != size) {
        error = "listpack size field " + std::to_string(load_le(p, 4)) + " != blob size " +
                std::to_string(size);
        return false;
    }
    if (p[size - 1] != kLpEnd) {
        error = "listpack without its end mark";
        return false;
    }
    const size_t declared = load_le(p + 4, 2);
    size_t count = 0;
    size_t pos = kLpHeader;
    const size_t limit = size - 1;  // the end mark
    while (pos < limit) {
        const unsigned char b = p[pos];
        PackedItem item;
        size_t head;      // encoding bytes
        size_t data = 0;  // data bytes after them
        if (b < 0x80) {
            head = 1;
            item.is_int = true;
            item.value = b;
        } else if ((b & 0xC0) == 0x80) {
            head = 1;
            data = b & 0x3F;
        } else if ((b & 0xE0) == 0xC0) {
            head = 2;
            if (pos + 2 > limit) break;
            item.is_int = true;
            item.value = sign_extend((uint64_t{b & 0x1Fu} << 8) | p[pos + 1], 13);
        } else if ((b & 0xF0) == 0xE0) {
            head = 2;
            if (pos + 2 > limit) break;
            data = (size_t{b & 0x0Fu} << 8) | p[pos + 1];
        } else if (b == 0xF0) {
            head = 5;
            if (pos + 5 > limit) break;
            data = load_le(p + pos + 1, 4);
        } else if (b >= 0xF1 && b <= 0xF4) {
            static constexpr size_t kWidths[] = {2, 3, 4, 8};
            const size_t w = kWidths[b - 0xF1];
            head = 1 + w;
            if (pos + head > limit) break;
            item.is_int = true;
            item.value = sign_extend(load_le(p + pos + 1, w), static_cast<unsigned>(w * 8));
        } else {
            error = "listpack entry with invalid encoding byte " + std::to_string(b) + " at " +
                    std::to_string(pos);
            return false;
        }
        const size_t entry_len = head + data;
        if (data > limit || pos + entry_len > limit) break;
        const size_t blen = backlen_size(entry_len);
        if (pos + entry_len + blen > limit) break;
        // The backlen, read backwards as Redis does, must give entry_len.
        const unsigned char* q = p + pos + entry_len + blen - 1;
        uint64_t back = 0;
        unsigned shift = 0;
        for (size_t i = 0; i < blen; ++i, --q) {
            back |= uint64_t{static_cast<unsigned char>(*q & 127)} << shift;
            shift += 7;
            const bool more = (*q & 128) != 0;
            if (more != (i + 1 < blen)) {
                back = ~uint64_t{0};
                break;
            }
        }
        if (back != entry_len) {
            error = "listpack entry at " + std::to_string(pos) + " with a wrong back length";
            return false;
        }
        if (!item.is_int)
            item.bytes = std::string_view(reinterpret_cast<const char*>(p + pos + head), data);
        out.push_back(item);
        ++count;
        pos += entry_len + blen;
    }
    if (pos != limit) {
        error = "listpack entry at " + std::to_string(pos) + " runs past the end";
        return false;
    }
    if (declared != kCountUnknown && declared != count) {
        error = "listpack header counts " + std::to_string(declared) + " elements, found " +
                std::to_string(count);
        return false;
    }
    return true;
}

// --- ziplist reader --------------------------------------------------------

bool ziplist_decode(std::string_view blob, std::vector<PackedItem>& out, std::string& error) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    const size_t size = blob.size();
    if (size < kZlHeader + 1) {
        error = "ziplist shorter than its header";
        return false;
    }
    if (load_le(p, 4) != size) {
        error = "ziplist size field != blob size";
        return false;
    }
    if (p[size - 1] != 0xFF) {
        error = "ziplist without its end mark";
        return false;
    }
    const size_t tail = load_le(p + 4, 4);
    const size_t declared = load_le(p + 8, 2);
    const size_t limit = size - 1;
    size_t pos = kZlHeader;
    size_t prev_len = 0;
    size_t last = kZlHeader;
    size_t count = 0;
    while (pos < limit) {
        const size_t start = pos;
        size_t prevlen;
        if (p[pos] < 254) {
            prevlen = p[pos];
            pos += 1;
        } else if (p[pos] == 254) {
            if (pos + 5 > limit) break;
            prevlen = load_le(p + pos + 1, 4);
            pos += 5;
        } else {
            error = "ziplist entry at " + std::to_string(start) + " with an invalid prevlen";
            return false;
        }
        if (prevlen != prev_len) {
            error = "ziplist entry at " + std::to_string(start) + " with a wrong prevlen";
            return false;
        }
        if (pos >= limit) break;
        const unsigned char b = p[pos];
        PackedItem item;
        size_t head;
        size_t data = 0;
        switch (b >> 6) {
        case 0:
            head = 1;
            data = b & 0x3F;
            break;
        case 1:
            head = 2;
            if (pos + 2 > limit) goto truncated;
            data = (size_t{b & 0x3Fu} << 8) | p[pos + 1];
            break;
        case 2:
            if (b != 0x80) {
                error = "ziplist entry with invalid encoding byte " + std::to_string(b);
                return false;
            }
            head = 5;
            if (pos + 5 > limit) goto truncated;
            data = (size_t{p[pos + 1]} << 24) | (size_t{p[pos + 2]} << 16) | (size_t{p[pos + 3]} << 8) |
                   p[pos + 4];
            break;
        default: {
            item.is_int = true;
            size_t w;
            if (b == 0xC0) w = 2;
            else if (b == 0xD0) w = 4;
            else if (b == 0xE0) w = 8;
            else if (b == 0xF0) w = 3;
            else if (b == 0xFE) w = 1;
            else if (b >= 0xF1 && b <= 0xFD) w = 0;
            else {
                error = "ziplist entry with invalid encoding byte " + std::to_string(b);
                return false;
            }
            head = 1 + w;
            if (pos + head > limit) goto truncated;
            item.value = w == 0 ? (b & 0x0F) - 1
                                : sign_extend(load_le(p + pos + 1, w), static_cast<unsigned>(w * 8));
            break;
        }
        }
        if (data > limit || pos + head + data > limit) goto truncated;
        if (!item.is_int)
            item.bytes = std::string_view(reinterpret_cast<const char*>(p + pos + head), data);
        out.push_back(item);
        ++count;
        pos += head + data;
        prev_len = pos - start;
        last = start;
    }
    if (pos != limit) {
    truncated:
        error = "ziplist entry at " + std::to_string(pos) + " runs past the end";
        return false;
    }
    if (tail != last) {
        error = "ziplist tail offset " + std::to_string(tail) + " does not point at the last entry";
        return false;
    }
    if (declared != kCountUnknown && declared != count) {
        error = "ziplist header counts " + std::to_string(declared) + " elements, found " +
                std::to_string(count);
        return false;
    }
    return true;
}

// --- zipmap reader ---------------------------------------------------------

bool zipmap_decode(std::string_view blob, std::vector<PackedItem>& out, std::string& error) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    const size_t size = blob.size();
    if (size < 2) {
        error = "zipmap shorter than its header";
        return false;
    }
    size_t pos = 1;  // zmlen: a count below 254, only a hint
    size_t count = 0;
    auto read_len = [&](size_t& len) {
        if (pos >= size) return false;
        if (p[pos] < 254) {
            len = p[pos++];
            return true;
        }
        if (p[pos] != 254 || pos + 5 > size) return false;
        len = load_le(p + pos + 1, 4);
        pos += 5;
        return true;
    };
    while (pos < size && p[pos] != 0xFF) {
        size_t flen, vlen;
        if (!read_len(flen) || flen > size || pos + flen > size) goto bad;
        out.push_back({false, 0, std::string_view(reinterpret_cast<const char*>(p + pos), flen)});
        pos += flen;
        if (!read_len(vlen) || pos >= size) goto bad;
        {
            const size_t free_bytes = p[pos++];
            if (vlen > size || pos + vlen + free_bytes > size) goto bad;
            out.push_back({false, 0, std::string_view(reinterpret_cast<const char*>(p + pos), vlen)});
            pos += vlen + free_bytes;
        }
        ++count;
    }
    if (pos + 1 != size) goto bad;
    if (p[0] < 254 && p[0] != count) {
        error = "zipmap header count does not match its entries";
        return false;
    }
    return true;
bad:
    error = "zipmap entry at " + std::to_string(pos) + " runs past the end";
    return false;
}

// --- intset reader ---------------------------------------------------------

bool intset_decode(std::string_view blob, std::vector<int64_t>& out, std::string& error) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    if (blob.size() < 8) {
        error = "intset shorter than its header";
        return false;
    }
    const size_t width = load_le(p, 4);
    const size_t count = load_le(p + 4, 4);
    if (width != 2 && width != 4 && width != 8) {
        error = "intset with invalid width " + std::to_string(width);
        return false;
    }
    if (count > (blob.size() - 8) / width || 8 + count * width != blob.size()) {
        error = "intset size does not match its count";
        return false;
    }
    for (size_t i = 0; i < count; ++i) {
        const int64_t v = sign_extend(load_le(p + 8 + i * width, width), static_cast<unsigned>(width * 8));
        if (i > 0 && v <= out.back()) {
            error = "intset values not strictly ascending";
            return false;
        }
        out.push_back(v);
    }
    return true;
}

}  // namespace server
