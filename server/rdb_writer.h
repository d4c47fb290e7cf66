// Writes the dataset as an RDB file that Redis 7.0 loads (RDB version 10):
//
//   "REDIS0010"
//   AUX redis-ver 7.0.15, redis-bits 64, ctime, used-mem, aof-base 0
//   for every database with keys: SELECTDB n, RESIZEDB size expires,
//     then per key [EXPIRETIME_MS t] type key value
//   EOF, CRC-64 (server/crc64.h) of every byte before it, little-endian
//
// Values are written in the encodings Redis 7.0 itself writes for them:
//   string            RDB string: integer-encoded when it is a canonical
//                     int32, LZF-compressed when longer than 20 bytes and
//                     compressible, raw otherwise
//   list              QUICKLIST_2: one packed (listpack) node per node
//   hash  compact     HASH_LISTPACK   | table     HASH
//   set   intset      SET_INTSET      | hashtable SET
//   zset  listpack    ZSET_LISTPACK   | skiplist  ZSET_2 (binary scores,
//                                                  greatest first)
// Keys already expired at now_ms are left out.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "server/database.h"

namespace server {

// AUX fields written after the standard ones (replication's repl-id...).
using RdbAuxFields = std::vector<std::pair<std::string, std::string>>;

// Writes the whole dataset to `path` (created or truncated; nothing else is
// done to it: no fsync, no rename). On failure returns false with a
// message naming the path and the cause (the partial file stays).
bool rdb_save(Databases& dbs, const std::string& path, int64_t now_ms, std::string& error,
              const RdbAuxFields& extra = {});

// rdb_save to "<path>.tmp-<pid>", fsync it, rename it over `path`, fsync
// the directory: a crash leaves either the old file or the new one.
bool rdb_save_atomic(Databases& dbs, const std::string& path, int64_t now_ms, std::string& error,
                     const RdbAuxFields& extra = {});

// The whole file's bytes, in memory (a full sync's child sends them).
std::string rdb_serialize(Databases& dbs, int64_t now_ms, const RdbAuxFields& extra = {});

// One value serialized as DUMP does: the type byte and the value as above,
// then the RDB version (2 bytes, little-endian) and the CRC-64 of all that
// (8 bytes, little-endian).
std::string rdb_dump_payload(const Entry& e);

}  // namespace server
