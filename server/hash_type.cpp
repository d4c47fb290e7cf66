// Placeholder until the hash type lands: no hash values exist yet.
#include "server/object.h"

namespace server {

size_t hash_length(const void*) { return 0; }
void* hash_clone(const void*) { return nullptr; }
std::string_view hash_encoding(const void*) { return "none"; }
bool hash_free_step(void*, size_t) { return true; }
void hash_destroy(void*) {}

}  // namespace server
