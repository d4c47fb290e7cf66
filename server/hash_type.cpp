#include "server/hash_type.h"

#include "server/object.h"

namespace server {

namespace {

bool fits_compact(std::string_view field, std::string_view value) {
    return field.size() <= HashObject::kMaxCompactItemLen && value.size() <= HashObject::kMaxCompactItemLen;
}

}  // namespace

HashObject::HashObject(const HashObject& other) : compact_(other.compact_) {
    if (other.table_) table_ = std::make_unique<FieldTable>(*other.table_);
}

HashObject::~HashObject() = default;

std::string_view HashObject::encoding_name() const { return table_ ? "hashtable" : "listpack"; }

std::optional<std::string_view> HashObject::get(std::string_view field) const {
    if (!table_) return compact_.get(field);
    const FieldNode* n = table_->find(field);
    if (n == nullptr) return std::nullopt;
    return n->value();
}

void HashObject::convert_to_table() {
    auto table = std::make_unique<FieldTable>();
    // Room for one more: the conversion is usually caused by an insertion.
    table->reserve(compact_.size() + 1);
    compact_.for_each([&](std::string_view f, std::string_view v) { table->insert_new(f, v); });
    compact_.clear();
    table_ = std::move(table);
}

bool HashObject::set(std::string_view field, std::string_view value) {
    if (!table_) {
        if (!fits_compact(field, value)) {
            convert_to_table();
        } else {
            bool added = compact_.set(field, value);
            if (compact_.size() > kMaxCompactEntries) convert_to_table();
            return added;
        }
    }
    return table_->set(field, value);
}

bool HashObject::remove(std::string_view field) {
    return table_ ? table_->remove(field) : compact_.remove(field);
}

std::vector<HashPair> HashObject::pairs() const {
    std::vector<HashPair> out;
    out.reserve(size());
    for_each([&](std::string_view f, std::string_view v) { out.push_back({f, v}); });
    return out;
}

bool HashObject::free_some(size_t budget) {
    if (table_) {
        if (!table_->free_some(budget)) return false;
        table_.reset();
    }
    compact_.clear();
    return true;
}

// The keyspace's hooks (server/object.h).

size_t hash_length(const void* obj) { return static_cast<const HashObject*>(obj)->size(); }

void* hash_clone(const void* obj) { return new HashObject(*static_cast<const HashObject*>(obj)); }

std::string_view hash_encoding(const void* obj) {
    return static_cast<const HashObject*>(obj)->encoding_name();
}

bool hash_free_step(void* obj, size_t budget) {
    auto* hash = static_cast<HashObject*>(obj);
    if (!hash->free_some(budget)) return false;
    delete hash;
    return true;
}

void hash_destroy(void* obj) { delete static_cast<HashObject*>(obj); }

}  // namespace server
