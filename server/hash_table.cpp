#include "server/hash_table.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "server/hash.h"

namespace server {

namespace {

constexpr size_t kInitialBuckets = 4;
// Empty buckets one rehash step may skip, so a step on a sparse table stays
// cheap (Redis's empty_visits).
constexpr int kEmptyVisitsPerStep = 10;
// Shrink once fewer than 1 bucket in this many holds a field, as Redis's
// hashes do after HDEL.
constexpr size_t kMinFillRatio = 10;

FieldNode* make_node(std::string_view field, std::string_view value) {
    void* p = std::malloc(sizeof(FieldNode) + field.size() + value.size());
    if (p == nullptr) throw std::bad_alloc();
    auto* node = static_cast<FieldNode*>(p);
    node->next = nullptr;
    node->field_len = static_cast<uint32_t>(field.size());
    node->value_len = static_cast<uint32_t>(value.size());
    std::memcpy(node->bytes(), field.data(), field.size());
    std::memcpy(node->bytes() + field.size(), value.data(), value.size());
    return node;
}

// Reusing a block much bigger than needed would pin memory for a value that
// shrank for good.
bool fits_in_place(const FieldNode* node, size_t needed) {
    size_t usable = malloc_usable_size(const_cast<FieldNode*>(node));
    return needed <= usable && usable <= needed * 2 + 32;
}

size_t power_of_two_at_least(size_t n) {
    size_t buckets = kInitialBuckets;
    while (buckets < n) buckets *= 2;
    return buckets;
}

}  // namespace

uint64_t FieldTable::hash(std::string_view field) { return hash_bytes(field, hash_seed()); }

FieldTable::FieldTable(const FieldTable& other) {
    reserve(other.size());
    other.for_each([this](const FieldNode& n) { insert_new(n.field(), n.value()); });
}

FieldTable::~FieldTable() { release(); }

void FieldTable::release() {
    for (int t = 0; t < 2; ++t) {
        for (size_t i = 0; i < size_[t]; ++i) {
            FieldNode* n = table_[t][i];
            while (n != nullptr) {
                FieldNode* next = n->next;
                std::free(n);
                n = next;
            }
        }
        std::free(table_[t]);
        table_[t] = nullptr;
        size_[t] = used_[t] = 0;
    }
    rehash_idx_ = kNotRehashing;
}

FieldNode** FieldTable::locate(std::string_view field, uint64_t h, int* table) const {
    for (int t = 0; t < 2; ++t) {
        if (size_[t] == 0) continue;
        FieldNode** link = &table_[t][h & (size_[t] - 1)];
        for (; *link != nullptr; link = &(*link)->next) {
            const FieldNode* n = *link;
            if (n->field_len == field.size() && std::memcmp(n->bytes(), field.data(), field.size()) == 0) {
                *table = t;
                return link;
            }
        }
        if (!rehashing()) break;
    }
    return nullptr;
}

const FieldNode* FieldTable::find(std::string_view field) const {
    if (size() == 0) return nullptr;
    int table;
    FieldNode** link = locate(field, hash(field), &table);
    return link ? *link : nullptr;
}

void FieldTable::link(FieldNode* node, uint64_t h) {
    expand_if_needed();
    // While rehashing, new fields go to the new table so the old one only
    // drains.
    int t = rehashing() ? 1 : 0;
    FieldNode*& head = table_[t][h & (size_[t] - 1)];
    node->next = head;
    head = node;
    ++used_[t];
}

void FieldTable::replace_value(FieldNode** link, std::string_view value) {
    FieldNode* node = *link;
    size_t needed = sizeof(FieldNode) + node->field_len + value.size();
    if (value.size() == node->value_len || fits_in_place(node, needed)) {
        node->value_len = static_cast<uint32_t>(value.size());
        std::memcpy(node->bytes() + node->field_len, value.data(), value.size());
        return;
    }
    FieldNode* fresh = make_node(node->field(), value);
    fresh->next = node->next;
    *link = fresh;
    std::free(node);
}

bool FieldTable::set(std::string_view field, std::string_view value) {
    if (rehashing()) rehash_step();
    uint64_t h = hash(field);
    int table;
    if (FieldNode** link = locate(field, h, &table)) {
        replace_value(link, value);
        return false;
    }
    link(make_node(field, value), h);
    return true;
}

void FieldTable::insert_new(std::string_view field, std::string_view value) {
    if (rehashing()) rehash_step();
    link(make_node(field, value), hash(field));
}

bool FieldTable::remove(std::string_view field) {
    if (size() == 0) return false;
    if (rehashing()) rehash_step();
    int table;
    FieldNode** link = locate(field, hash(field), &table);
    if (link == nullptr) return false;
    FieldNode* node = *link;
    *link = node->next;
    std::free(node);
    --used_[table];
    shrink_if_sparse();
    return true;
}

void FieldTable::reserve(size_t n) {
    if (table_[0] != nullptr) return;
    start_resize(power_of_two_at_least(n));
}

void FieldTable::expand_if_needed() {
    if (rehashing()) return;
    if (size_[0] == 0) start_resize(kInitialBuckets);
    else if (used_[0] >= size_[0]) start_resize(size_[0] * 2);
}

void FieldTable::shrink_if_sparse() {
    if (rehashing() || size_[0] <= kInitialBuckets) return;
    if (used_[0] * kMinFillRatio >= size_[0]) return;
    start_resize(power_of_two_at_least(used_[0]));
}

void FieldTable::start_resize(size_t buckets) {
    auto* table = static_cast<FieldNode**>(std::calloc(buckets, sizeof(FieldNode*)));
    if (table == nullptr) {
        if (size_[0] == 0) throw std::bad_alloc();
        return;  // keep the current table: longer chains are not fatal
    }
    if (size_[0] == 0) {
        std::free(table_[0]);
        table_[0] = table;
        size_[0] = buckets;
        return;
    }
    table_[1] = table;
    size_[1] = buckets;
    used_[1] = 0;
    rehash_idx_ = 0;
}

void FieldTable::rehash_step() {
    if (used_[0] == 0) {
        finish_rehash();
        return;
    }
    int empty_visits = kEmptyVisitsPerStep;
    while (table_[0][rehash_idx_] == nullptr) {
        ++rehash_idx_;
        if (rehash_idx_ == size_[0]) {
            finish_rehash();
            return;
        }
        if (--empty_visits == 0) return;
    }
    const size_t mask = size_[1] - 1;
    FieldNode* n = table_[0][rehash_idx_];
    while (n != nullptr) {
        FieldNode* next = n->next;
        FieldNode*& head = table_[1][hash(n->field()) & mask];
        n->next = head;
        head = n;
        --used_[0];
        ++used_[1];
        n = next;
    }
    table_[0][rehash_idx_++] = nullptr;
    if (used_[0] == 0 || rehash_idx_ == size_[0]) finish_rehash();
}

void FieldTable::finish_rehash() {
    std::free(table_[0]);
    table_[0] = table_[1];
    size_[0] = size_[1];
    used_[0] = used_[1];
    table_[1] = nullptr;
    size_[1] = used_[1] = 0;
    rehash_idx_ = kNotRehashing;
}

bool FieldTable::free_some(size_t budget) {
    size_t work = 0;
    for (; sweep_table_ < 2; ++sweep_table_, sweep_idx_ = 0) {
        const int t = sweep_table_;
        for (; sweep_idx_ < size_[t]; ++sweep_idx_) {
            if (work >= budget) return false;
            FieldNode*& head = table_[t][sweep_idx_];
            ++work;  // an empty bucket costs a little too
            while (head != nullptr) {
                FieldNode* next = head->next;
                std::free(head);
                head = next;
                --used_[t];
                ++work;
            }
        }
    }
    release();
    return true;
}

}  // namespace server
