#include "server/blocking.h"

#include <algorithm>
#include <memory>

#include "server/command_util.h"
#include "server/connection.h"
#include "server/database.h"
#include "server/hash.h"
#include "server/server.h"

namespace server {

size_t Blocking::KeyHash::operator()(const Key& k) const {
    return hash_bytes(k.name, reinterpret_cast<uintptr_t>(k.db));
}

void Blocking::block(Connection& c, Database& db, std::span<const std::string_view> keys,
                     int64_t deadline_ms, std::span<const std::string_view> argv,
                     TimeoutReply timeout_reply) {
    // Inside EXEC nothing can wait: the command answers at once with a
    // null, which for the moves (BLMOVE, BRPOPLPUSH) is a null bulk even
    // though their time-out is a null array, as in Redis.
    if (c.cannot_block()) {
        protocol::ReplyWriter& w = c.push_writer();
        bool move = equals_nocase(argv[0], "blmove") || equals_nocase(argv[0], "brpoplpush");
        if (timeout_reply == TimeoutReply::kNullArray && !move) w.null_array();
        else w.null_bulk();
        return;
    }
    // A command woken up that has to wait again keeps its first deadline.
    if (c.rerun_deadline() >= 0) deadline_ms = c.rerun_deadline();
    auto st = std::make_unique<BlockState>();
    st->deadline_ms = deadline_ms;
    st->argv.assign(argv.begin(), argv.end());
    st->db = &db;
    st->timeout_reply = timeout_reply;
    for (std::string_view k : keys) {
        if (std::find(st->keys.begin(), st->keys.end(), k) != st->keys.end()) continue;
        st->keys.emplace_back(k);
        waiting_[Key{&db, std::string(k)}].push_back(&c);
    }
    if (deadline_ms > 0) {
        int64_t now = static_cast<int64_t>(server_.loop().now_ms());
        uint64_t delay = deadline_ms > now ? static_cast<uint64_t>(deadline_ms - now) : 0;
        Connection* target = &c;
        st->timer = server_.loop().add_timer(delay, 0, [this, target] { on_timeout(*target); });
    }
    ++blocked_count_;
    c.park(std::move(st));
}

void Blocking::forget(Connection& c) {
    BlockState* st = c.block_state();
    if (st == nullptr) return;
    for (const std::string& k : st->keys) {
        auto it = waiting_.find(Key{st->db, k});
        if (it == waiting_.end()) continue;
        auto& q = it->second;
        q.erase(std::remove(q.begin(), q.end(), &c), q.end());
        if (q.empty()) waiting_.erase(it);
    }
    if (st->timer != 0) server_.loop().cancel_timer(st->timer);
    st->timer = 0;
    --blocked_count_;
}

void Blocking::on_timeout(Connection& c) {
    BlockState* st = c.block_state();
    if (st == nullptr) return;
    st->timer = 0;  // this one-shot timer has fired
    forget(c);
    c.wake(true);
}

void Blocking::signal_slow(Database& db, std::string_view key) {
    Key k{&db, std::string(key)};
    if (waiting_.find(k) == waiting_.end()) return;
    if (std::find(ready_.begin(), ready_.end(), k) == ready_.end()) ready_.push_back(std::move(k));
    server_.loop().request_no_sleep();
}

void Blocking::signal_all(Database& db) {
    for (auto& [k, q] : waiting_)
        if (k.db == &db && std::find(ready_.begin(), ready_.end(), k) == ready_.end()) ready_.push_back(k);
    if (!ready_.empty()) server_.loop().request_no_sleep();
}

void Blocking::serve() {
    // A woken command may itself make keys ready (BLMOVE pushes to its
    // destination); the outer call handles those, not a nested one.
    if (serving_) return;
    serving_ = true;
    while (!ready_.empty()) {
        std::vector<Key> batch;
        batch.swap(ready_);
        for (const Key& k : batch) serve_key(k);
    }
    serving_ = false;
}

void Blocking::serve_key(const Key& k) {
    auto it = waiting_.find(k);
    if (it == waiting_.end()) return;
    // Each waiter present now gets one try, in the order they blocked; one
    // that must wait again (the value went to an earlier client, or is of
    // a type it does not pop) does not stop the ones behind it.
    std::vector<Connection*> queue(it->second.begin(), it->second.end());
    for (Connection* c : queue) {
        if (!k.db->exists(k.name, static_cast<int64_t>(server_.loop().now_ms()))) return;
        BlockState* st = c->block_state();
        if (st == nullptr || st->db != k.db) continue;  // already served through another key
        forget(*c);
        c->wake(false);
    }
}

}  // namespace server
