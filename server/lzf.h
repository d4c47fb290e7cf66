// LZF, the compression Redis applies to RDB strings (its rdbcompression
// option), written from the format description. A compressed stream is a
// sequence of
//
//   literal run:   000LLLLL  then L+1 bytes copied as they are (1..32)
//   short match:   LLLooooo  oooooooo          (L = 1..6)
//   long match:    111ooooo  LLLLLLLL oooooooo
//
// where a match copies (L + 2) bytes, L being the 3-bit field or 7 plus the
// extra byte, from `offset + 1` bytes back in the output (offset is the 13
// bits o...o, so at most 8 KiB back; a match may overlap its own output).
#pragma once

#include <cstddef>

namespace server {

// Compresses in[0, in_len) into out, writing at most out_len bytes. Returns
// the compressed size, or 0 when the result would not fit in out_len (the
// data does not compress well enough) or in_len is 0.
size_t lzf_compress(const void* in, size_t in_len, void* out, size_t out_len);

// Decompresses in[0, in_len) into out. Returns the number of bytes written,
// or 0 when the input is corrupt or would write past out_len.
size_t lzf_decompress(const void* in, size_t in_len, void* out, size_t out_len);

}  // namespace server
