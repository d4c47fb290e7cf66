#include "server/set_type.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "server/number.h"
#include "server/object.h"

namespace server {

namespace {

// A hashtable member: an Entry with the member as its key and no value, the
// shape the Dict links and compares.
Entry* make_node(std::string_view member) {
    void* p = std::malloc(Entry::alloc_size(false, member.size(), 0));
    if (p == nullptr) throw std::bad_alloc();
    auto* e = static_cast<Entry*>(p);
    e->next = nullptr;
    e->key_len = static_cast<uint32_t>(member.size());
    e->value_len = 0;
    e->type = ValueType::kString;
    e->has_expire = 0;
    if (!member.empty()) std::memcpy(e->body(), member.data(), member.size());
    return e;
}

}  // namespace

std::string_view member_text(const SetMember& m, char (&buf)[kMemberTextSize]) {
    if (!m.is_int) return m.bytes;
    return {buf, format_int64(m.value, buf)};
}

SetObject::~SetObject() {
    if (table_ == nullptr) return;
    table_->clear([](Entry* e) { std::free(e); });
    delete table_;
}

SetObject* SetObject::clone() const {
    if (table_ == nullptr) return new SetObject(ints_);
    auto* copy = new SetObject;
    copy->table_ = new Dict;
    table_->for_each([&](const Entry* e) { copy->table_->insert(make_node(e->key())); });
    return copy;
}

void SetObject::convert_to_hashtable() {
    if (table_ != nullptr) return;
    auto* table = new Dict;
    char buf[kMemberTextSize];
    for (size_t i = 0; i < ints_.size(); ++i) {
        table->insert(make_node(member_text(SetMember::of_int(ints_.at(i)), buf)));
    }
    ints_.release();
    table_ = table;
}

bool SetObject::add_int(int64_t v) {
    if (table_ == nullptr) {
        if (ints_.size() < kSetMaxIntsetEntries || ints_.contains(v)) return ints_.insert(v);
        convert_to_hashtable();
    }
    char buf[kMemberTextSize];
    return add_string(member_text(SetMember::of_int(v), buf));
}

bool SetObject::add_string(std::string_view member) {
    if (table_->find(member) != nullptr) return false;
    table_->insert(make_node(member));
    return true;
}

bool SetObject::add(std::string_view member) {
    if (table_ == nullptr) {
        if (auto v = parse_int64(member)) return add_int(*v);
        convert_to_hashtable();
    }
    return add_string(member);
}

bool SetObject::add(const SetMember& m) {
    if (m.is_int) return add_int(m.value);
    return add(m.bytes);
}

bool SetObject::remove(std::string_view member) {
    if (table_ == nullptr) {
        auto v = parse_int64(member);
        return v && ints_.erase(*v);
    }
    Entry* e = table_->remove(member);
    if (e == nullptr) return false;
    std::free(e);
    // A table left mostly empty would make random picks probe many empty
    // buckets; shrinking keeps them O(1).
    table_->maybe_shrink();
    return true;
}

bool SetObject::remove(const SetMember& m) {
    if (m.is_int && table_ == nullptr) return ints_.erase(m.value);
    char buf[kMemberTextSize];
    return remove(member_text(m, buf));
}

bool SetObject::contains(std::string_view member) {
    if (table_ == nullptr) {
        auto v = parse_int64(member);
        return v && ints_.contains(*v);
    }
    return table_->find(member) != nullptr;
}

bool SetObject::contains(const SetMember& m) {
    if (m.is_int && table_ == nullptr) return ints_.contains(m.value);
    char buf[kMemberTextSize];
    return contains(member_text(m, buf));
}

SetMember SetObject::random_member(uint64_t (*rng)()) {
    if (table_ == nullptr) return SetMember::of_int(ints_.at(rng() % ints_.size()));
    return SetMember::of_bytes(table_->random_entry(rng)->key());
}

bool SetObject::free_step(size_t budget) {
    if (table_ != nullptr) {
        // Collect a batch first: Dict::scan follows a node's link after
        // handing it over, so nodes are freed only once the call returns. A
        // cursor never visits a bucket twice while the table is unchanged,
        // and nothing changes it now, so freed nodes are never seen again.
        std::vector<Entry*> batch;
        uint64_t cursor = free_cursor_;
        do {
            cursor = table_->scan(cursor, [&](Entry* e) { batch.push_back(e); });
        } while (cursor != 0 && batch.size() < budget);
        for (Entry* e : batch) std::free(e);
        free_cursor_ = cursor;
        if (cursor != 0) return false;
        delete table_;  // only bucket arrays are left
        table_ = nullptr;
    }
    delete this;
    return true;
}

// The keyspace's hooks (server/object.h).

size_t set_length(const void* obj) { return static_cast<const SetObject*>(obj)->size(); }

void* set_clone(const void* obj) { return static_cast<const SetObject*>(obj)->clone(); }

std::string_view set_encoding(const void* obj) { return static_cast<const SetObject*>(obj)->encoding(); }

bool set_free_step(void* obj, size_t budget) { return static_cast<SetObject*>(obj)->free_step(budget); }

void set_destroy(void* obj) { delete static_cast<SetObject*>(obj); }

}  // namespace server
