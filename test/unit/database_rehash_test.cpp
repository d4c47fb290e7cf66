// Entries that move to a new allocation (a TTL added or removed, a value
// outgrowing its block) while the key table is rehashing must keep every
// key reachable exactly once. Found by the command fuzzer: the new entry
// copied e->next before the lookup that stepped the rehash rewrote it.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "server/database.h"

namespace server {
namespace {

// Every key reachable through the table, counting duplicates.
size_t reachable(Database& db, std::multiset<std::string>& seen) {
    db.dict().for_each([&](const Entry* e) { seen.insert(std::string(e->key())); });
    return seen.size();
}

// Grows the table until an incremental rehash is in progress.
void start_rehash(Database& db, int& next_key) {
    while (!db.dict().rehashing()) {
        std::string k = "k" + std::to_string(next_key++);
        db.set_string(k, "v", false);
    }
}

TEST(DatabaseRehash, MovingEntriesDuringRehashKeepsEveryKeyOnce) {
    for (int round = 0; round < 20; ++round) {
        Database db;
        int n = 0;
        start_rehash(db, n);
        // Move every entry while the rehash is stepped by the lookups.
        for (int i = 0; i < n; ++i) {
            std::string k = "k" + std::to_string(i);
            Entry* e = db.lookup(k, 0);
            ASSERT_NE(e, nullptr) << k;
            e = db.set_expire(e, 1'000'000'000'000 + i);
            if (i % 3 == 0) e = db.persist(e);
            if (i % 5 == 0) db.replace_string(e, std::string(200 + round, 'x'));
        }
        std::multiset<std::string> seen;
        reachable(db, seen);
        EXPECT_EQ(seen.size(), db.size());
        EXPECT_EQ(db.size(), static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) EXPECT_EQ(seen.count("k" + std::to_string(i)), 1u) << i;
    }
}

}  // namespace
}  // namespace server
