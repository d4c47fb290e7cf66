#include "server/object.h"

namespace server {

size_t object_length(ValueType type, const void* obj) {
    switch (type) {
    case ValueType::kList: return list_length(obj);
    case ValueType::kHash: return hash_length(obj);
    case ValueType::kSet: return set_length(obj);
    case ValueType::kZSet: return zset_length(obj);
    case ValueType::kString: break;
    }
    return 0;
}

void* object_clone(ValueType type, const void* obj) {
    switch (type) {
    case ValueType::kList: return list_clone(obj);
    case ValueType::kHash: return hash_clone(obj);
    case ValueType::kSet: return set_clone(obj);
    case ValueType::kZSet: return zset_clone(obj);
    case ValueType::kString: break;
    }
    return nullptr;
}

std::string_view object_encoding(ValueType type, const void* obj) {
    switch (type) {
    case ValueType::kList: return list_encoding(obj);
    case ValueType::kHash: return hash_encoding(obj);
    case ValueType::kSet: return set_encoding(obj);
    case ValueType::kZSet: return zset_encoding(obj);
    case ValueType::kString: break;
    }
    return "raw";
}

bool object_free_step(ValueType type, void* obj, size_t budget) {
    switch (type) {
    case ValueType::kList: return list_free_step(obj, budget);
    case ValueType::kHash: return hash_free_step(obj, budget);
    case ValueType::kSet: return set_free_step(obj, budget);
    case ValueType::kZSet: return zset_free_step(obj, budget);
    case ValueType::kString: break;
    }
    return true;
}

void destroy_object(ValueType type, void* obj) {
    switch (type) {
    case ValueType::kList: return list_destroy(obj);
    case ValueType::kHash: return hash_destroy(obj);
    case ValueType::kSet: return set_destroy(obj);
    case ValueType::kZSet: return zset_destroy(obj);
    case ValueType::kString: break;
    }
}

}  // namespace server
