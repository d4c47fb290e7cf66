#include "server/database.h"

#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

#include "server/eviction.h"
#include "server/object.h"

namespace server {

namespace {

uint64_t steady_us() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

// Room for the header, expiry, key, value and the access stamp.
Entry* allocate_entry(bool expire, size_t key_len, size_t value_len) {
    void* p = std::malloc(Entry::keyspace_alloc_size(expire, key_len, value_len));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<Entry*>(p);
}

// Reusing a block that is more than twice what is needed would waste memory
// on keys whose values shrink for good.
bool fits_in_place(const Entry* e, size_t needed) {
    size_t usable = malloc_usable_size(const_cast<Entry*>(e));
    return needed <= usable && usable <= needed * 2 + 32;
}

}  // namespace

Database::~Database() {
    clear();
    for (auto [type, obj] : lazy_free_) destroy_object(type, obj);
}

void Database::free_entry(Entry* e) {
    if (e->type != ValueType::kString) {
        void* obj = e->object();
        // A huge value is freed a slice at a time by maintain(), so deleting
        // it does not stall every other client.
        if (object_length(e->type, obj) > kLazyFreeThreshold) lazy_free_.push_back({e->type, obj});
        else destroy_object(e->type, obj);
    }
    std::free(e);
}

void Database::clear() {
    dict_.clear([this](Entry* e) { free_entry(e); });
    volatile_.clear();
    volatile_.shrink_to_fit();
}

Entry* Database::lookup(std::string_view key, int64_t now_ms) {
    Entry* e = dict_.find(key);
    if (e == nullptr) return nullptr;
    // Redis counts a key as expired only once the clock is past its deadline.
    if (e->has_expire && e->expire_ms() < now_ms) {
        expire_entry(e);
        return nullptr;
    }
    return e;
}

void Database::expire_entry(Entry* e) {
    if (listener_ != nullptr) expired_key_.assign(e->key());
    delete_entry(e);
    ++expired_keys_;
    if (listener_ != nullptr) listener_->key_expired(*this, expired_key_);
}

bool Database::exists(std::string_view key, int64_t now_ms) {
    Entry* e = dict_.find(key);
    return e != nullptr && !(e->has_expire && e->expire_ms() < now_ms);
}

void Database::delete_entry(Entry* e) {
    if (e->has_expire) unindex_volatile(e);
    dict_.remove(e->key());
    free_entry(e);
}

void Database::evict(Entry* e) {
    detach(e);
    // Freed now, even a huge value: eviction measures what it frees.
    if (e->type != ValueType::kString) destroy_object(e->type, e->object());
    std::free(e);
}

bool Database::remove(std::string_view key) {
    Entry* e = dict_.remove(key);
    if (e == nullptr) return false;
    if (e->has_expire) unindex_volatile(e);
    free_entry(e);
    return true;
}

void Database::unindex_volatile(Entry* e) {
    uint32_t slot = e->volatile_slot();
    Entry* last = volatile_.back();
    volatile_[slot] = last;
    last->set_volatile_slot(slot);
    volatile_.pop_back();
}

Entry* Database::reallocate(Entry* e, bool expire, size_t value_len, size_t keep_value) {
    size_t needed = Entry::keyspace_alloc_size(expire, e->key_len, value_len);
    // The stamp follows the value, so it moves when the length changes.
    if (expire == static_cast<bool>(e->has_expire) && fits_in_place(e, needed)) {
        if (value_len != e->value_len) {
            const uint32_t stamp = e->stamp();
            e->value_len = static_cast<uint32_t>(value_len);
            e->set_stamp(stamp);
        }
        return e;
    }
    const uint32_t stamp = e->stamp();
    // Find e's link first: the lookup may move e's bucket to the new table
    // (incremental rehash) and rewrite e->next, which n must copy after.
    Entry** link = dict_.find_link(e->key());
    Entry* n = allocate_entry(expire, e->key_len, value_len);
    n->next = e->next;
    n->key_len = e->key_len;
    n->value_len = static_cast<uint32_t>(value_len);
    n->type = e->type;
    n->has_expire = expire;
    if (expire && e->has_expire) {
        std::memcpy(n->body(), e->body(), kExpiryBytes);
    }
    std::memcpy(const_cast<char*>(n->key().data()), e->key().data(), e->key_len);
    size_t copy = keep_value < e->value_len ? keep_value : e->value_len;
    if (e->type != ValueType::kString) copy = sizeof(void*);
    if (copy > 0) std::memcpy(n->value_ptr(), e->value_ptr(), copy);
    n->set_stamp(stamp);
    *link = n;
    if (expire && e->has_expire) volatile_[n->volatile_slot()] = n;
    std::free(e);
    return n;
}

Entry* Database::set_string(std::string_view key, std::string_view value, bool keep_ttl) {
    Entry** link = dict_.find_link(key);
    if (link == nullptr) {
        Entry* e = allocate_entry(false, key.size(), value.size());
        e->next = nullptr;
        e->key_len = static_cast<uint32_t>(key.size());
        e->value_len = static_cast<uint32_t>(value.size());
        e->type = ValueType::kString;
        e->has_expire = 0;
        std::memcpy(e->body(), key.data(), key.size());
        std::memcpy(e->value_ptr(), value.data(), value.size());
        e->set_stamp(lru::fresh_stamp());
        dict_.insert(e);
        return e;
    }
    Entry* e = *link;
    if (e->type != ValueType::kString) {
        // The pointer's 8 bytes become the string's, so the stamp stays put.
        destroy_object(e->type, e->object());
        e->type = ValueType::kString;
        e->value_len = sizeof(void*);
    }
    if (e->has_expire && !keep_ttl) e = persist(e);
    return replace_string(e, value);
}

Entry* Database::replace_string(Entry* e, std::string_view value) {
    e = reallocate(e, e->has_expire, value.size(), 0);
    std::memcpy(e->value_ptr(), value.data(), value.size());
    return e;
}

Entry* Database::resize_string(Entry* e, size_t new_len, size_t keep) {
    return reallocate(e, e->has_expire, new_len, keep);
}

Entry* Database::add_object(std::string_view key, ValueType type, void* obj) {
    Entry* e = allocate_entry(false, key.size(), sizeof(void*));
    e->next = nullptr;
    e->key_len = static_cast<uint32_t>(key.size());
    e->value_len = 0;
    e->type = type;
    e->has_expire = 0;
    std::memcpy(e->body(), key.data(), key.size());
    e->set_object(obj);
    e->set_stamp(lru::fresh_stamp());
    dict_.insert(e);
    return e;
}

void Database::detach(Entry* e) {
    if (e->has_expire) unindex_volatile(e);
    dict_.remove(e->key());
}

void Database::attach(Entry* e) {
    if (e->has_expire) {
        e->set_volatile_slot(static_cast<uint32_t>(volatile_.size()));
        volatile_.push_back(e);
    }
    dict_.insert(e);
}

namespace {

// A new entry named key holding what src holds (the string bytes, or the
// object pointer itself when clone_object is null), with src's TTL and the
// given access stamp.
Entry* rebuild(const Entry* src, std::string_view key, void* object, uint32_t stamp) {
    bool expire = src->has_expire;
    size_t value_len = src->type == ValueType::kString ? src->value_len : sizeof(void*);
    Entry* n = allocate_entry(expire, key.size(), value_len);
    n->next = nullptr;
    n->key_len = static_cast<uint32_t>(key.size());
    n->value_len = src->value_len;
    n->type = src->type;
    n->has_expire = expire;
    if (expire) n->set_expire_ms(src->expire_ms());
    std::memcpy(const_cast<char*>(n->key().data()), key.data(), key.size());
    if (src->type == ValueType::kString) std::memcpy(n->value_ptr(), src->value_ptr(), value_len);
    else n->set_object(object);
    n->set_stamp(stamp);
    return n;
}

}  // namespace

Entry* Database::rename(Entry* e, std::string_view new_key) {
    // Redis's RENAME moves the value object, access time included.
    Entry* n = rebuild(e, new_key, e->type == ValueType::kString ? nullptr : e->object(), e->stamp());
    detach(e);
    std::free(e);  // the value now belongs to n
    remove(new_key);
    attach(n);
    return n;
}

void Database::move_to(Entry* e, Database& dst) {
    detach(e);
    dst.attach(e);
}

Entry* Database::add_copy(const Entry* src, std::string_view key) {
    void* obj = src->type == ValueType::kString ? nullptr : object_clone(src->type, src->object());
    Entry* n = rebuild(src, key, obj, lru::fresh_stamp());
    remove(key);
    attach(n);
    return n;
}

void Database::swap(Database& other) noexcept {
    dict_.swap(other.dict_);
    volatile_.swap(other.volatile_);
    lazy_free_.swap(other.lazy_free_);
    std::swap(expired_keys_, other.expired_keys_);
}

Entry* Database::random_entry(int64_t now_ms, uint64_t (*rng)()) {
    // Expired keys met on the way are deleted; give up on a table that is
    // all expired after a bounded number of tries, as Redis does.
    for (int tries = 0; tries < 100 && dict_.size() > 0; ++tries) {
        Entry* e = dict_.random_entry(rng);
        if (e == nullptr) return nullptr;
        if (!(e->has_expire && e->expire_ms() < now_ms)) return e;
        expire_entry(e);
    }
    return nullptr;
}

Entry* Database::set_expire(Entry* e, int64_t when_ms) {
    if (!e->has_expire) {
        size_t value_len = e->type == ValueType::kString ? e->value_len : sizeof(void*);
        // The layout shifts by the expiry block, so always move.
        Entry** link = dict_.find_link(e->key());  // first: it may rehash e's bucket
        Entry* n = allocate_entry(true, e->key_len, value_len);
        n->next = e->next;
        n->key_len = e->key_len;
        n->value_len = e->value_len;
        n->type = e->type;
        n->has_expire = 1;
        std::memcpy(const_cast<char*>(n->key().data()), e->key().data(), e->key_len);
        std::memcpy(n->value_ptr(), e->value_ptr(), value_len);
        n->set_stamp(e->stamp());
        *link = n;
        std::free(e);
        n->set_volatile_slot(static_cast<uint32_t>(volatile_.size()));
        volatile_.push_back(n);
        e = n;
    }
    e->set_expire_ms(when_ms);
    return e;
}

Entry* Database::persist(Entry* e) {
    if (!e->has_expire) return e;
    unindex_volatile(e);
    size_t value_len = e->type == ValueType::kString ? e->value_len : sizeof(void*);
    Entry** link = dict_.find_link(e->key());  // first: it may rehash e's bucket
    Entry* n = allocate_entry(false, e->key_len, value_len);
    n->next = e->next;
    n->key_len = e->key_len;
    n->value_len = e->value_len;
    n->type = e->type;
    n->has_expire = 0;
    std::memcpy(n->body(), e->key().data(), e->key_len);
    std::memcpy(n->value_ptr(), e->value_ptr(), value_len);
    n->set_stamp(e->stamp());
    *link = n;
    std::free(e);
    return n;
}

size_t Database::expire_cycle(int64_t now_ms, uint64_t deadline_us, uint64_t (*rng)()) {
    constexpr int kSample = 20;
    size_t deleted = 0;
    while (!volatile_.empty()) {
        int sampled = 0;
        int expired = 0;
        for (; sampled < kSample && !volatile_.empty(); ++sampled) {
            Entry* e = volatile_[rng() % volatile_.size()];
            if (e->expire_ms() < now_ms) {
                expire_entry(e);
                ++expired;
            }
        }
        deleted += static_cast<size_t>(expired);
        // Stop once at most a quarter of the sample had expired, as Redis does.
        if (expired * 4 <= sampled || steady_us() >= deadline_us) break;
    }
    return deleted;
}

void Database::maintain(uint64_t budget_us) {
    uint64_t deadline = steady_us() + budget_us;
    while (!lazy_free_.empty() && steady_us() < deadline) {
        auto [type, obj] = lazy_free_.back();
        if (object_free_step(type, obj, 4096)) lazy_free_.pop_back();
    }
    dict_.maybe_shrink();
    dict_.rehash_for_us(budget_us);
}

}  // namespace server
