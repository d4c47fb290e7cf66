// The building blocks of the RDB format: CRC-64 (Redis's Jones variant),
// LZF, and the packed encodings (listpack, ziplist, zipmap, intset), checked
// against known vectors and bytes produced by a real Redis 7.0.15.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "server/crc64.h"
#include "server/listpack.h"
#include "server/lzf.h"

namespace server {
namespace {

std::string unhex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

std::string hex(std::string_view s) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
    }
    return out;
}

// The textbook bit-at-a-time reflected CRC, as a reference.
uint64_t crc64_bitwise(uint64_t crc, std::string_view s) {
    uint64_t poly = 0;
    for (int i = 0; i < 64; ++i)
        if (0xad93d23594c935a9ULL & (uint64_t{1} << i)) poly |= uint64_t{1} << (63 - i);
    for (unsigned char c : s) {
        crc ^= c;
        for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
    }
    return crc;
}

std::string random_bytes(std::mt19937_64& rng, size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

// Text-like data that compresses: words from a small vocabulary.
std::string compressible(std::mt19937_64& rng, size_t n) {
    static const char* kWords[] = {"redis ", "ringdis ", "listpack ", "quicklist ", "a", "bb", "ccc ", "\n", "0123456789"};
    std::string s;
    while (s.size() < n) s += kWords[rng() % 9];
    s.resize(n);
    return s;
}

// --- CRC-64 ------------------------------------------------------------------

TEST(Crc64, RedisTestVector) {
    EXPECT_EQ(crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
    EXPECT_EQ(crc64_bitwise(0, "123456789"), 0xe9c6d914c4b8d9caULL);
    EXPECT_EQ(crc64(0, "", 0), 0u);
}

TEST(Crc64, MatchesBitwiseReferenceAtEveryLengthAndAlignment) {
    std::mt19937_64 rng(7);
    const std::string data = random_bytes(rng, 300);
    for (size_t start = 0; start < 9; ++start)
        for (size_t len = 0; start + len <= data.size(); len += 1 + len / 8)
            ASSERT_EQ(crc64(0, data.data() + start, len), crc64_bitwise(0, std::string_view(data).substr(start, len)))
                << start << " " << len;
}

TEST(Crc64, ContinuesAcrossSplits) {
    std::mt19937_64 rng(8);
    const std::string data = random_bytes(rng, 5000);
    const uint64_t whole = crc64(0, data.data(), data.size());
    for (size_t split : {0ul, 1ul, 7ul, 8ul, 9ul, 2500ul, 4999ul, 5000ul}) {
        uint64_t c = crc64(0, data.data(), split);
        c = crc64(c, data.data() + split, data.size() - split);
        EXPECT_EQ(c, whole) << split;
    }
}

TEST(Crc64, ChecksRedisDumpPayloads) {
    // DUMP of a 5-element list from redis-server 7.0.15: the last 8 bytes are
    // the CRC-64 of the rest, little-endian.
    const std::string dump = unhex("120102161600000005008161028162020101c12c02f178ec03ff0a0099795ac1e863e579");
    uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= uint64_t{static_cast<unsigned char>(dump[dump.size() - 8 + static_cast<size_t>(i)])} << (8 * i);
    EXPECT_EQ(crc64(0, dump.data(), dump.size() - 8), stored);
}

// --- LZF ---------------------------------------------------------------------

std::string lzf_round_trip(const std::string& in, size_t* compressed_size = nullptr) {
    std::string c(in.size() + in.size() / 16 + 64, '\0');
    size_t n = lzf_compress(in.data(), in.size(), c.data(), c.size());
    if (compressed_size) *compressed_size = n;
    if (n == 0) return "<incompressible>";
    std::string out(in.size(), '\0');
    size_t m = lzf_decompress(c.data(), n, out.data(), out.size());
    out.resize(m);
    return out;
}

TEST(Lzf, RoundTripsCompressibleDataOfManySizes) {
    std::mt19937_64 rng(1);
    for (size_t n : {1ul, 2ul, 3ul, 4ul, 20ul, 21ul, 33ul, 64ul, 100ul, 263ul, 264ul, 265ul, 1000ul, 8191ul, 8192ul,
                     8193ul, 20000ul, 100000ul, 1000000ul}) {
        const std::string in = compressible(rng, n);
        EXPECT_EQ(lzf_round_trip(in), in) << n;
    }
}

TEST(Lzf, RoundTripsRandomAndRunData) {
    std::mt19937_64 rng(2);
    for (size_t n : {1ul, 31ul, 32ul, 33ul, 1000ul, 70000ul}) {
        const std::string in = random_bytes(rng, n);
        EXPECT_EQ(lzf_round_trip(in), in) << n;
    }
    // Long runs: overlapping matches of the maximum length.
    for (size_t n : {3ul, 4ul, 300ul, 5000ul, 100000ul}) {
        const std::string in(n, 'x');
        size_t c = 0;
        EXPECT_EQ(lzf_round_trip(in, &c), in) << n;
        if (n >= 300) {
            EXPECT_LT(c, n / 20) << n;
        }
    }
    std::string mixed;
    for (int i = 0; i < 2000; ++i) mixed += (i % 3 == 0) ? random_bytes(rng, 5) : std::string(static_cast<size_t>(i % 40), 'a' + static_cast<char>(i % 7));
    EXPECT_EQ(lzf_round_trip(mixed), mixed);
}

TEST(Lzf, CompressRefusesWhenTheOutputDoesNotFit) {
    std::mt19937_64 rng(3);
    const std::string in = random_bytes(rng, 1000);
    std::string out(in.size() - 4, '\0');
    EXPECT_EQ(lzf_compress(in.data(), in.size(), out.data(), out.size()), 0u);
    EXPECT_EQ(lzf_compress(in.data(), 0, out.data(), out.size()), 0u);
}

TEST(Lzf, CompressIsDeterministic) {
    std::mt19937_64 rng(4);
    const std::string a = compressible(rng, 5000);
    const std::string b = compressible(rng, 300);
    std::string c1(6000, '\0'), c2(6000, '\0'), scratch(6000, '\0');
    size_t n1 = lzf_compress(a.data(), a.size(), c1.data(), c1.size());
    lzf_compress(b.data(), b.size(), scratch.data(), scratch.size());
    size_t n2 = lzf_compress(a.data(), a.size(), c2.data(), c2.size());
    ASSERT_GT(n1, 0u);
    EXPECT_EQ(c1.substr(0, n1), c2.substr(0, n2));
}

TEST(Lzf, DecompressesWhatRedisCompressed) {
    // DUMP payloads from redis-server 7.0.15 of two long strings: type 0,
    // then 0xC3 (LZF), compressed length, original length, the data.
    struct Sample {
        const char* dump_hex;
        std::string expected;
    };
    std::string abc;
    for (int i = 0; i < 50; ++i) abc += "abc";
    const Sample samples[] = {
        {"00c30b40960361626361e087020162630a00cc4ffc25a4143aeb", abc},
        {"00c33c405f1f54686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e0a6c617a7920646f672e2054200de01e2c0620616761696e2e0a0091379eff641960ee",
         "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again."},
    };
    for (const Sample& s : samples) {
        const std::string dump = unhex(s.dump_hex);
        ASSERT_EQ(static_cast<unsigned char>(dump[1]), 0xC3);
        // Lengths below 64 and below 16384 here: 1 or 2 bytes each.
        size_t pos = 2;
        auto read_len = [&]() {
            unsigned char b = static_cast<unsigned char>(dump[pos]);
            if ((b >> 6) == 0) {
                pos += 1;
                return size_t{b};
            }
            size_t v = (size_t{b & 0x3Fu} << 8) | static_cast<unsigned char>(dump[pos + 1]);
            pos += 2;
            return v;
        };
        size_t clen = read_len();
        size_t ulen = read_len();
        ASSERT_EQ(ulen, s.expected.size());
        std::string out(ulen, '\0');
        EXPECT_EQ(lzf_decompress(dump.data() + pos, clen, out.data(), out.size()), ulen);
        EXPECT_EQ(out, s.expected);
        // And our compressor's output of the same text decompresses to it.
        EXPECT_EQ(lzf_round_trip(s.expected), s.expected);
    }
}

TEST(Lzf, DecompressRejectsCorruptInput) {
    char out[64];
    // A back reference before the start of the output.
    const unsigned char back_too_far[] = {0x01, 'a', 'b', 0x20, 0x05};
    EXPECT_EQ(lzf_decompress(back_too_far, sizeof back_too_far, out, sizeof out), 0u);
    // A literal run longer than the input left.
    const unsigned char short_literal[] = {0x05, 'a', 'b'};
    EXPECT_EQ(lzf_decompress(short_literal, sizeof short_literal, out, sizeof out), 0u);
    // Output that would overflow the buffer.
    const unsigned char runs[] = {0x00, 'a', 0xE0, 0xFF, 0x00};
    EXPECT_EQ(lzf_decompress(runs, sizeof runs, out, sizeof out), 0u);
    // A match cut short (no offset byte).
    const unsigned char cut[] = {0x00, 'a', 0x20};
    EXPECT_EQ(lzf_decompress(cut, sizeof cut, out, sizeof out), 0u);
    // And the valid form of the overflow case, given room: 1 + 264 bytes.
    std::string big(265, '\0');
    EXPECT_EQ(lzf_decompress(runs, sizeof runs, big.data(), big.size()), 265u);
    EXPECT_EQ(big, std::string(265, 'a'));
}

// --- listpack ----------------------------------------------------------------

std::vector<std::string> texts(const std::vector<PackedItem>& items) {
    std::vector<std::string> out;
    char buf[24];
    for (const PackedItem& it : items) out.emplace_back(it.text(buf));
    return out;
}

TEST(Listpack, CanonicalIntegersFollowRedisRules) {
    int64_t v = 0;
    EXPECT_TRUE(canonical_int64("0", v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(canonical_int64("-1", v));
    EXPECT_EQ(v, -1);
    EXPECT_TRUE(canonical_int64("9223372036854775807", v));
    EXPECT_EQ(v, INT64_MAX);
    EXPECT_TRUE(canonical_int64("-9223372036854775808", v));
    EXPECT_EQ(v, INT64_MIN);
    for (const char* s : {"", "-", "-0", "00", "012", "+1", " 1", "1 ", "1a", "9223372036854775808",
                          "-9223372036854775809", "99999999999999999999", "1.0"})
        EXPECT_FALSE(canonical_int64(s, v)) << s;
}

TEST(Listpack, EncodesAsRedisDoes) {
    // The listpacks inside DUMPs from redis-server 7.0.15: RPUSH l a b 1 300
    // -5000, and HSET h f1 v1 f2 22.
    ListpackBuilder lp;
    for (const char* s : {"a", "b", "1", "300", "-5000"}) lp.add(s);
    EXPECT_EQ(hex(lp.finish()), "16000000050081610281620201" "01c12c02f178ec03ff");
    lp.reset();
    for (const char* s : {"f1", "v1", "f2", "22"}) lp.add(s);
    EXPECT_EQ(hex(lp.finish()), "1500000004008266310382763103826632031601ff");
    lp.reset();
    // ZADD z 1 a 2.5 b -3 c: member, score, in score order.
    for (const char* s : {"c", "-3", "a", "1", "b", "2.5"}) lp.add(s);
    EXPECT_EQ(hex(lp.finish()), "1a0000000600816302dffd02816102010181620283322e3504ff");
}

TEST(Listpack, RoundTripsEveryEncodingSize) {
    std::vector<std::string> in = {"0", "127", "128", "-1", "4095", "-4096", "4096", "-4097", "32767", "-32768",
                                   "32768", "8388607", "-8388608", "8388608", "2147483647", "-2147483648",
                                   "2147483648", "9223372036854775807", "-9223372036854775808", "", "x",
                                   std::string(63, 'a'), std::string(64, 'b'), std::string(127, 'c'),
                                   std::string(128, 'd'), std::string(4095, 'e'), std::string(4096, 'f'),
                                   std::string(16382, 'g'), std::string(16383, 'h'), std::string(70000, 'i'),
                                   "007", "-0", "+5", std::string("\0\xff", 2)};
    ListpackBuilder lp;
    for (const auto& s : in) lp.add(s);
    std::string blob(lp.finish());
    std::vector<PackedItem> items;
    std::string why;
    ASSERT_TRUE(listpack_decode(blob, items, why)) << why;
    EXPECT_EQ(texts(items), in);
    EXPECT_TRUE(items[0].is_int);
    EXPECT_FALSE(items[items.size() - 3].is_int);  // "-0" stays a string
}

TEST(Listpack, ManyElementsSetTheUnknownCount) {
    ListpackBuilder lp;
    for (int i = 0; i < 70000; ++i) lp.add_int(i % 3);
    std::string blob(lp.finish());
    EXPECT_EQ(static_cast<unsigned char>(blob[4]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>(blob[5]), 0xFF);
    std::vector<PackedItem> items;
    std::string why;
    ASSERT_TRUE(listpack_decode(blob, items, why)) << why;
    EXPECT_EQ(items.size(), 70000u);
}

TEST(Listpack, RejectsCorruptBlobs) {
    ListpackBuilder lp;
    for (const char* s : {"a", "hello", "300", "-5000"}) lp.add(s);
    const std::string good(lp.finish());
    std::vector<PackedItem> items;
    std::string why;
    ASSERT_TRUE(listpack_decode(good, items, why));

    auto rejects = [&](std::string bad) {
        items.clear();
        return !listpack_decode(bad, items, why);
    };
    EXPECT_TRUE(rejects(good.substr(0, good.size() - 1)));  // size field wrong
    std::string no_end = good;
    no_end.back() = 0x00;
    EXPECT_TRUE(rejects(no_end));
    std::string bad_count = good;
    bad_count[4] = 5;
    EXPECT_TRUE(rejects(bad_count));
    std::string bad_backlen = good;
    bad_backlen[6 + 2] = 7;  // "a"'s backlen is 2
    EXPECT_TRUE(rejects(bad_backlen));
    std::string long_string = good;
    long_string[6] = static_cast<char>(0x80 | 60);  // "a" claims 60 bytes
    EXPECT_TRUE(rejects(long_string));
    std::string bad_encoding = good;
    bad_encoding[6] = static_cast<char>(0xF8);
    EXPECT_TRUE(rejects(bad_encoding));
    EXPECT_TRUE(rejects(""));
    EXPECT_TRUE(rejects(std::string("\x07\0\0\0\0\0\xff", 6)));
    // Every truncation fails (the size field no longer matches), and so does
    // every truncation with the size field patched.
    for (size_t n = 0; n < good.size(); ++n) {
        std::string cut = good.substr(0, n);
        EXPECT_TRUE(rejects(cut)) << n;
        if (n >= 4) {
            cut[0] = static_cast<char>(n);
            if (n > 0) cut.back() = static_cast<char>(0xFF);
            EXPECT_TRUE(rejects(cut)) << "patched " << n;
        }
    }
}

// --- ziplist, zipmap, intset -------------------------------------------------

// A test-side ziplist encoder, from the format description.
struct ZlItem {
    bool is_int;
    int64_t v;
    std::string s;
};

std::string ziplist(const std::vector<ZlItem>& items) {
    std::string body;
    size_t prev = 0;
    size_t tail = 10;
    for (const ZlItem& it : items) {
        std::string e;
        if (prev < 254) {
            e.push_back(static_cast<char>(prev));
        } else {
            e.push_back(static_cast<char>(0xFE));
            for (int i = 0; i < 4; ++i) e.push_back(static_cast<char>(prev >> (8 * i)));
        }
        if (it.is_int) {
            auto le = [&](uint64_t u, int n) {
                for (int i = 0; i < n; ++i) e.push_back(static_cast<char>(u >> (8 * i)));
            };
            const int64_t v = it.v;
            if (v >= 0 && v <= 12) e.push_back(static_cast<char>(0xF1 + v));
            else if (v >= INT8_MIN && v <= INT8_MAX) { e.push_back(static_cast<char>(0xFE)); le(static_cast<uint64_t>(v), 1); }
            else if (v >= INT16_MIN && v <= INT16_MAX) { e.push_back(static_cast<char>(0xC0)); le(static_cast<uint64_t>(v), 2); }
            else if (v >= -(1 << 23) && v < (1 << 23)) { e.push_back(static_cast<char>(0xF0)); le(static_cast<uint64_t>(v), 3); }
            else if (v >= INT32_MIN && v <= INT32_MAX) { e.push_back(static_cast<char>(0xD0)); le(static_cast<uint64_t>(v), 4); }
            else { e.push_back(static_cast<char>(0xE0)); le(static_cast<uint64_t>(v), 8); }
        } else {
            const size_t n = it.s.size();
            if (n < 64) {
                e.push_back(static_cast<char>(n));
            } else if (n < 16384) {
                e.push_back(static_cast<char>(0x40 | (n >> 8)));
                e.push_back(static_cast<char>(n & 0xff));
            } else {
                e.push_back(static_cast<char>(0x80));
                for (int i = 3; i >= 0; --i) e.push_back(static_cast<char>(n >> (8 * i)));
            }
            e += it.s;
        }
        tail = 10 + body.size();
        body += e;
        prev = e.size();
    }
    std::string zl(10, '\0');
    const size_t total = 10 + body.size() + 1;
    for (int i = 0; i < 4; ++i) zl[static_cast<size_t>(i)] = static_cast<char>(total >> (8 * i));
    for (int i = 0; i < 4; ++i) zl[4 + static_cast<size_t>(i)] = static_cast<char>(tail >> (8 * i));
    zl[8] = static_cast<char>(items.size() & 0xff);
    zl[9] = static_cast<char>(items.size() >> 8);
    return zl + body + '\xff';
}

TEST(Ziplist, DecodesEveryEncoding) {
    std::vector<ZlItem> in = {{true, 0, ""},  {true, 12, ""},          {true, 13, ""},       {true, -128, ""},
                              {true, 300, ""}, {true, -8000000, ""},   {true, 2000000000, ""}, {true, INT64_MIN, ""},
                              {false, 0, ""}, {false, 0, "hello"},     {false, 0, std::string(300, 'x')},
                              {false, 0, std::string(20000, 'y')}, {false, 0, "after a big one"}};
    const std::string zl = ziplist(in);
    std::vector<PackedItem> items;
    std::string why;
    ASSERT_TRUE(ziplist_decode(zl, items, why)) << why;
    ASSERT_EQ(items.size(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        EXPECT_EQ(items[i].is_int, in[i].is_int) << i;
        if (in[i].is_int) EXPECT_EQ(items[i].value, in[i].v) << i;
        else EXPECT_EQ(items[i].bytes, in[i].s) << i;
    }
    items.clear();
    ASSERT_TRUE(ziplist_decode(ziplist({}), items, why)) << why;
    EXPECT_TRUE(items.empty());
}

TEST(Ziplist, RejectsCorruptBlobs) {
    const std::string good = ziplist({{false, 0, "a"}, {true, 300, ""}, {false, 0, "bcd"}});
    std::vector<PackedItem> items;
    std::string why;
    ASSERT_TRUE(ziplist_decode(good, items, why)) << why;
    auto rejects = [&](const std::string& bad) {
        items.clear();
        return !ziplist_decode(bad, items, why);
    };
    std::string bad_prev = good;
    bad_prev[10 + 3] = 9;  // the second entry's prevlen
    EXPECT_TRUE(rejects(bad_prev));
    std::string bad_tail = good;
    bad_tail[4] = 10;
    EXPECT_TRUE(rejects(bad_tail));
    std::string bad_count = good;
    bad_count[8] = 2;
    EXPECT_TRUE(rejects(bad_count));
    for (size_t n = 0; n < good.size(); ++n) EXPECT_TRUE(rejects(good.substr(0, n))) << n;
}

TEST(Zipmap, DecodesPairs) {
    // zmlen 2, "foo" => "bar" with 2 free bytes, "k" => 300 bytes.
    std::string zm;
    zm.push_back(2);
    zm += std::string("\x03" "foo" "\x03\x02" "bar" "..", 11);
    zm += "\x01k";
    zm += std::string("\xfe\x2c\x01\x00\x00\x00", 6);
    zm += std::string(300, 'v');
    zm.push_back(static_cast<char>(0xFF));
    std::vector<PackedItem> items;
    std::string why;
    ASSERT_TRUE(zipmap_decode(zm, items, why)) << why;
    ASSERT_EQ(texts(items), (std::vector<std::string>{"foo", "bar", "k", std::string(300, 'v')}));
    for (size_t n = 0; n < zm.size(); ++n) {
        items.clear();
        EXPECT_FALSE(zipmap_decode(zm.substr(0, n), items, why)) << n;
    }
}

TEST(Intset, DecodesRedisBlobsAndRejectsBadOnes) {
    // From DUMPs of redis-server 7.0.15: SADD si 1 2 -100000 (4-byte
    // width) and SADD s64 1 -9000000000 5 (8-byte width).
    std::vector<int64_t> v;
    std::string why;
    ASSERT_TRUE(intset_decode(unhex("04000000030000006079feff0100000002000000"), v, why)) << why;
    EXPECT_EQ(v, (std::vector<int64_t>{-100000, 1, 2}));
    v.clear();
    ASSERT_TRUE(intset_decode(unhex("080000000300000000e68ee7fdffffff01000000000000000500000000000000"), v, why)) << why;
    EXPECT_EQ(v, (std::vector<int64_t>{-9000000000, 1, 5}));
    v.clear();
    ASSERT_TRUE(intset_decode(unhex("020000000200000001000200"), v, why)) << why;
    EXPECT_EQ(v, (std::vector<int64_t>{1, 2}));
    for (const char* bad : {"03000000010000000100", "020000000200000002000100", "020000000200000001000100",
                            "0200000003000000010002", "04000000"}) {
        v.clear();
        EXPECT_FALSE(intset_decode(unhex(bad), v, why)) << bad;
    }
}

}  // namespace
}  // namespace server
