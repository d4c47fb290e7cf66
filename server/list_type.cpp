// Placeholder until the list type lands: no list values exist yet.
#include "server/object.h"

namespace server {

size_t list_length(const void*) { return 0; }
void* list_clone(const void*) { return nullptr; }
std::string_view list_encoding(const void*) { return "none"; }
bool list_free_step(void*, size_t) { return true; }
void list_destroy(void*) {}

}  // namespace server
