// ringdis-check-rdb: loads an RDB file with the server's own loader and
// says whether it is good.
//
//   ringdis-check-rdb <file>    prints "OK <n> keys" and exits 0, or the
//                               error (with its byte offset) and exits 1
//
// Every key counts, whatever its TTL: the check loads as of time 0, so
// nothing is dropped as expired.
#include <cstdio>
#include <cstring>
#include <string>

#include "server/database.h"
#include "server/rdb_reader.h"

int main(int argc, char** argv) {
    if (argc != 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        std::fprintf(stderr, "usage: %s <file.rdb>\n", argv[0]);
        return argc == 2 ? 0 : 2;
    }
    server::Databases dbs;
    server::RdbLoadResult r = server::rdb_load(argv[1], dbs, 0);
    if (!r.ok) {
        std::printf("%s\n", r.error.c_str());
        return 1;
    }
    std::printf("OK %zu keys\n", r.keys);
    return 0;
}
