#include "server/watched_keys.h"

#include <algorithm>

#include "server/connection.h"
#include "server/database.h"
#include "server/hash.h"
#include "server/transaction.h"

namespace server {

size_t WatchedKeys::KeyHash::operator()(const Key& k) const {
    return hash_bytes(k.name, reinterpret_cast<uintptr_t>(k.db));
}

void WatchedKeys::watch(Connection& c, Database& db, std::string_view key, bool expired_now) {
    TransactionState& txn = c.transaction();
    for (const WatchedKey& w : txn.watched)
        if (w.db == &db && w.key == key) return;
    txn.watched.push_back(WatchedKey{&db, std::string(key), expired_now});
    watchers_[Key{&db, std::string(key)}].push_back(&c);
}

void WatchedKeys::unwatch_all(Connection& c) {
    TransactionState* txn = c.transaction_if_any();
    if (txn == nullptr) return;
    for (const WatchedKey& w : txn->watched) {
        auto it = watchers_.find(Key{w.db, w.key});
        if (it == watchers_.end()) continue;
        auto& list = it->second;
        list.erase(std::remove(list.begin(), list.end(), &c), list.end());
        if (list.empty()) watchers_.erase(it);
    }
    txn->watched.clear();
    txn->dirty_cas = false;
}

void WatchedKeys::touch_slow(Database& db, std::string_view key) {
    scratch_.assign(key);
    auto it = watchers_.find(Key{&db, scratch_});
    if (it == watchers_.end()) return;
    for (Connection* c : it->second) {
        TransactionState& txn = c->transaction();
        for (WatchedKey& w : txn.watched) {
            if (w.db != &db || w.key != key) continue;
            // A key that had already expired when watched and is now gone
            // has not logically changed.
            if (w.expired_at_watch && db.dict().find(key) == nullptr) {
                w.expired_at_watch = false;
                break;
            }
            txn.dirty_cas = true;
            break;
        }
    }
}

void WatchedKeys::touch_existing(Database& db, Database* other) {
    for (auto& [k, conns] : watchers_) {
        if (k.db != &db) continue;
        bool exists = db.dict().find(k.name) != nullptr ||
                      (other != nullptr && other->dict().find(k.name) != nullptr);
        if (!exists) continue;
        for (Connection* c : conns) c->transaction().dirty_cas = true;
    }
}

bool WatchedKeys::any_expired_since_watch(Connection& c, int64_t now_ms) {
    TransactionState* txn = c.transaction_if_any();
    if (txn == nullptr) return false;
    for (const WatchedKey& w : txn->watched) {
        if (w.expired_at_watch) continue;
        Entry* e = w.db->dict().find(w.key);
        if (e != nullptr && e->has_expire && e->expire_ms() < now_ms) return true;
    }
    return false;
}

}  // namespace server
