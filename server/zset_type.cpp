// Placeholder until the zset type lands: no zset values exist yet.
#include "server/object.h"

namespace server {

size_t zset_length(const void*) { return 0; }
void* zset_clone(const void*) { return nullptr; }
std::string_view zset_encoding(const void*) { return "none"; }
bool zset_free_step(void*, size_t) { return true; }
void zset_destroy(void*) {}

}  // namespace server
