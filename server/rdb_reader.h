// Loads an RDB file as Redis 7.0.15 writes it (and older ones, and the
// version-11 files of Redis 7.2 without streams or modules):
//
// - strings: raw, integer-encoded (int8/16/32), LZF-compressed;
// - values: STRING, LIST, SET, ZSET, ZSET_2, HASH, HASH_ZIPMAP,
//   LIST_ZIPLIST, SET_INTSET, ZSET_ZIPLIST, HASH_ZIPLIST, QUICKLIST
//   (ziplist nodes), HASH_LISTPACK, ZSET_LISTPACK, QUICKLIST_2 (plain and
//   packed nodes), SET_LISTPACK (7.2);
// - opcodes: AUX, RESIZEDB, SELECTDB, EXPIRETIME, EXPIRETIME_MS, IDLE and
//   FREQ (skipped), FUNCTION2 (skipped: there are no functions here), EOF
//   and the CRC-64 checksum (a stored 0 means "not computed", as in Redis).
//
// Refused with an error naming them: streams (types 15, 19, 21), module
// values (6, 7) and module aux data, the pre-release FUNCTION opcode.
// Keys whose TTL has passed at now_ms are dropped, as a Redis master does;
// empty values are skipped, as Redis does. A duplicate key, member or field
// is corruption.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

#include "server/database.h"

namespace server {

struct RdbLoadResult {
    bool ok = false;
    // "<file>: <what went wrong> at offset <n>" when !ok.
    std::string error;
    // The byte offset of the failure, or the bytes consumed on success.
    uint64_t offset = 0;
    // Keys loaded (expired and empty ones not counted).
    size_t keys = 0;
    // The file's AUX fields, in order.
    std::vector<std::pair<std::string, std::string>> aux;
};

// Loads the file into `dbs`, replacing what it held. The data is built
// aside and moved in only once the whole file (checksum included) is good;
// on any failure `dbs` is left empty, never half-loaded.
RdbLoadResult rdb_load(const std::string& path, Databases& dbs, int64_t now_ms);

// The same from bytes in memory; `name` stands for the file in messages.
RdbLoadResult rdb_load_bytes(std::string_view bytes, const std::string& name, Databases& dbs,
                             int64_t now_ms);

}  // namespace server
