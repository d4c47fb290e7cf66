#include "server/eviction.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include "server/command.h"
#include "server/connection.h"
#include "server/database.h"
#include "server/keyspace_events.h"
#include "server/memory_usage.h"
#include "server/server.h"
#include "server/transaction.h"
#include "server/watched_keys.h"

namespace server {

namespace {

uint64_t steady_us() {
    using namespace std::chrono;
    return static_cast<uint64_t>(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

// xorshift64*: sampling and the LFU coin need speed, not quality.
uint64_t g_rng_state = 0;

uint64_t rng() {
    if (g_rng_state == 0) {
        std::random_device rd;
        g_rng_state = ((static_cast<uint64_t>(rd()) << 32) ^ rd()) | 1;
    }
    g_rng_state ^= g_rng_state >> 12;
    g_rng_state ^= g_rng_state << 25;
    g_rng_state ^= g_rng_state >> 27;
    return g_rng_state * 0x2545F4914F6CDD1DULL;
}

double random_unit() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// How long one call may evict (Redis's evictionTimeLimitUs): 50 us per
// step of maxmemory-eviction-tenacity up to 10 (500 us, the default), then
// 15% more per step, and no limit at 100.
uint64_t time_limit_us(int64_t tenacity) {
    if (tenacity <= 10) return 50 * static_cast<uint64_t>(tenacity < 0 ? 0 : tenacity);
    if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, static_cast<double>(tenacity) - 10.0));
    return std::numeric_limits<uint64_t>::max();
}

bool policy_all_keys(MaxmemoryPolicy p) {
    return p == MaxmemoryPolicy::kAllKeysLru || p == MaxmemoryPolicy::kAllKeysLfu ||
           p == MaxmemoryPolicy::kAllKeysRandom;
}

}  // namespace

namespace lru {

uint8_t lfu_decayed(uint32_t stamp, uint32_t now_clock, int64_t decay_minutes) {
    uint8_t counter = counter_of(stamp);
    if (decay_minutes <= 0 || counter == 0) return counter;
    uint32_t then = clock_of(stamp);
    uint64_t secs = now_clock >= then ? now_clock - then : now_clock + (kClockMax + 1 - then);
    // Minute boundaries crossed, as Redis's minute clock counts them.
    uint64_t minutes = (then % 60 + secs) / 60;
    uint64_t periods = minutes / static_cast<uint64_t>(decay_minutes);
    return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

uint8_t lfu_log_incr(uint8_t counter, int64_t log_factor, double r) {
    if (counter == 255) return 255;
    double base = static_cast<double>(counter) - kLfuInitVal;
    if (base < 0) base = 0;
    double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
    return r < p ? static_cast<uint8_t>(counter + 1) : counter;
}

uint32_t touched_lfu(uint32_t stamp, uint32_t now_clock, int64_t log_factor, int64_t decay_minutes) {
    uint8_t counter = lfu_decayed(stamp, now_clock, decay_minutes);
    counter = lfu_log_incr(counter, log_factor, random_unit());
    return make_stamp(now_clock, counter);
}

}  // namespace lru

// ---------------------------------------------------------------------------
// EvictionPool

EvictionPool::EvictionPool() {
    // Room for typical keys up front, so filling the pool does not allocate.
    for (Candidate& c : pool_) c.key.reserve(64);
}

void EvictionPool::offer(uint64_t score, Database* db, std::string_view key) {
    // Candidates are packed from the left in ascending score order.
    size_t k = 0;
    while (k < kSize && pool_[k].used && pool_[k].score < score) ++k;
    if (k == 0 && pool_[kSize - 1].used) return;  // worse than all, and full
    if (k < kSize && !pool_[k].used) {
        // An empty slot right where it belongs.
    } else if (!pool_[kSize - 1].used) {
        // Room on the right: shift k.. one step right (the empty last slot,
        // with its string's room, comes to k).
        std::rotate(pool_.begin() + static_cast<ptrdiff_t>(k), pool_.end() - 1, pool_.end());
    } else {
        // Full: drop the worst (slot 0), shift 1..k-1 left, insert at k-1.
        --k;
        std::rotate(pool_.begin(), pool_.begin() + 1, pool_.begin() + static_cast<ptrdiff_t>(k) + 1);
    }
    Candidate& c = pool_[k];
    c.score = score;
    c.db = db;
    c.key.assign(key);
    c.used = true;
}

bool EvictionPool::take_best(std::string& key, Database*& db) {
    for (size_t k = kSize; k-- > 0;) {
        Candidate& c = pool_[k];
        if (!c.used) continue;
        key.assign(c.key);
        db = c.db;
        c.used = false;
        c.db = nullptr;
        return true;
    }
    return false;
}

void EvictionPool::clear() {
    for (Candidate& c : pool_) {
        c.used = false;
        c.db = nullptr;
    }
}

size_t EvictionPool::size() const {
    size_t n = 0;
    for (const Candidate& c : pool_) n += c.used ? 1 : 0;
    return n;
}

// ---------------------------------------------------------------------------
// Eviction

Eviction::Eviction(Server& server) : server_(server) {
    using namespace std::chrono;
    lru::g_clock = lru::clock_at(static_cast<uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()));
    memory::mark_startup();
}

uint32_t Eviction::touched(uint32_t stamp) const {
    const Config& cfg = server_.config();
    if (policy_is_lfu(cfg.maxmemory_policy))
        return lru::touched_lfu(stamp, lru::g_clock, cfg.lfu_log_factor, cfg.lfu_decay_time);
    return lru::touched_lru(stamp, lru::g_clock);
}

void Eviction::collect_databases() {
    sets_.clear();
    server_.for_each_databases([this](Databases& d) { sets_.push_back(&d); });
}

Database& Eviction::database(size_t flat_index) {
    return sets_[flat_index / Databases::kCount]->at(static_cast<int>(flat_index % Databases::kCount));
}

void Eviction::populate(Database& db, bool all_keys) {
    const Config& cfg = server_.config();
    const size_t want = static_cast<size_t>(cfg.maxmemory_samples);
    if (samples_.size() < want) samples_.resize(want);
    size_t n = 0;
    if (all_keys) {
        n = db.dict().sample(samples_.data(), want, rng);
    } else {
        const size_t count = db.volatile_count();
        n = std::min(want, count);
        if (n == count) {
            for (size_t j = 0; j < n; ++j) samples_[j] = db.volatile_entry(j);
        } else {
            for (size_t j = 0; j < n; ++j) samples_[j] = db.volatile_entry(rng() % count);
        }
    }
    const uint32_t now = lru::g_clock;
    for (size_t j = 0; j < n; ++j) {
        const Entry* e = samples_[j];
        uint64_t score = 0;
        switch (cfg.maxmemory_policy) {
        case MaxmemoryPolicy::kAllKeysLru:
        case MaxmemoryPolicy::kVolatileLru:
            score = lru::idle_ms(e->stamp(), now);
            break;
        case MaxmemoryPolicy::kAllKeysLfu:
        case MaxmemoryPolicy::kVolatileLfu:
            score = 255 - lru::lfu_decayed(e->stamp(), now, cfg.lfu_decay_time);
            break;
        case MaxmemoryPolicy::kVolatileTtl:
            // The sooner the deadline, the better the candidate.
            score = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(e->expire_ms());
            break;
        default:
            return;
        }
        pool_.offer(score, &db, e->key());
    }
}

bool Eviction::pick_from_pool(bool all_keys, Database*& db, Entry*& e) {
    const size_t dbs = sets_.size() * Databases::kCount;
    for (;;) {
        size_t total = 0;
        for (size_t i = 0; i < dbs; ++i) {
            Database& d = database(i);
            size_t n = all_keys ? d.size() : d.volatile_count();
            if (n == 0) continue;
            populate(d, all_keys);
            total += n;
        }
        if (total == 0) return false;
        // Best first; a candidate deleted (or no longer volatile) since it
        // was sampled is a ghost and skipped.
        Database* cand = nullptr;
        while (pool_.take_best(key_, cand)) {
            Entry* found = cand->dict().find(key_);
            if (found != nullptr && (all_keys || found->has_expire)) {
                db = cand;
                e = found;
                return true;
            }
        }
    }
}

bool Eviction::pick_random(bool all_keys, Database*& db, Entry*& e) {
    const size_t dbs = sets_.size() * Databases::kCount;
    for (size_t i = 0; i < dbs; ++i) {
        Database& d = database(++next_db_ % dbs);
        if (all_keys ? d.size() == 0 : d.volatile_count() == 0) continue;
        Entry* found = all_keys ? d.dict().random_entry(rng) : d.volatile_entry(rng() % d.volatile_count());
        if (found == nullptr) continue;
        db = &d;
        e = found;
        return true;
    }
    return false;
}

bool Eviction::pick(Database*& db, Entry*& e) {
    const MaxmemoryPolicy p = server_.config().maxmemory_policy;
    switch (p) {
    case MaxmemoryPolicy::kAllKeysLru:
    case MaxmemoryPolicy::kAllKeysLfu:
    case MaxmemoryPolicy::kVolatileLru:
    case MaxmemoryPolicy::kVolatileLfu:
    case MaxmemoryPolicy::kVolatileTtl:
        return pick_from_pool(policy_all_keys(p), db, e);
    case MaxmemoryPolicy::kAllKeysRandom:
    case MaxmemoryPolicy::kVolatileRandom:
        return pick_random(policy_all_keys(p), db, e);
    case MaxmemoryPolicy::kNoEviction:
        break;
    }
    return false;
}

size_t Eviction::evict(Database& db, Entry* e) {
    key_.assign(e->key());
    // Only the deletion counts as freed, as Redis measures it: not what the
    // notifications below allocate.
    const size_t before = memory::used();
    db.evict(e);
    const size_t after = memory::used();
    // The append-only file and WATCH see a DEL; subscribers an "evicted".
    std::string_view argv[] = {"DEL", key_};
    server_.propagate(db.id(), argv);
    ++server_.stats().evicted_keys;
    server_.watched_keys().touch(db, key_);
    server_.keyspace_events().notify(notify::kEvicted, "evicted", key_, db.id());
    return before > after ? before - after : 0;
}

Eviction::Result Eviction::perform() {
    const Config& cfg = server_.config();
    if (cfg.maxmemory <= 0) return Result::kOk;
    // While clients are paused the dataset stays as it is (Redis too).
    if (server_.clients_paused()) return Result::kOk;
    const size_t used = memory::used();
    const size_t limit = static_cast<size_t>(cfg.maxmemory);
    if (used <= limit) return Result::kOk;
    if (cfg.maxmemory_policy == MaxmemoryPolicy::kNoEviction) return Result::kFail;

    const size_t to_free = used - limit;
    const uint64_t started = steady_us();
    const uint64_t budget = time_limit_us(cfg.maxmemory_eviction_tenacity);
    collect_databases();
    Result result = Result::kOk;
    size_t freed = 0;
    size_t keys = 0;
    while (freed < to_free) {
        Database* db = nullptr;
        Entry* e = nullptr;
        if (!pick(db, e)) {
            result = Result::kFail;
            break;
        }
        freed += evict(*db, e);
        if (++keys % 16 == 0 && steady_us() - started > budget) {
            // Enough for this command; a timer carries on right after.
            if (!timer_pending_) {
                timer_pending_ = true;
                server_.loop().add_timer(0, 0, [this] {
                    timer_pending_ = false;
                    perform();
                });
            }
            result = Result::kRunning;
            break;
        }
    }
    // Per-connection keyspaces come and go with their connections: their
    // candidates must not outlive this call.
    if (cfg.storage != StorageMode::kShared) pool_.clear();
    return result;
}

bool Eviction::admit(const Connection& c, const Command& cmd) {
    if (perform() != Result::kFail) return true;
    const std::string_view name = cmd.name;
    bool refuse = (cmd.flags & kCmdDenyOom) != 0;
    if (name == "exec") {
        if (const TransactionState* t = c.transaction_if_any()) {
            for (const QueuedCommand& q : t->queue)
                if (q.cmd->flags & kCmdDenyOom) refuse = true;
        }
    }
    // Queuing takes memory too: inside MULTI everything but the commands
    // that end it is refused.
    if (c.in_multi() && name != "exec" && name != "discard" && name != "quit" && name != "reset") refuse = true;
    return !refuse;
}

void Eviction::cron() {
    lru::g_clock = lru::clock_at(server_.loop().now_ms());
    memory::note_peak();
    if (server_.config().maxmemory > 0 && !timer_pending_) perform();
}

}  // namespace server
