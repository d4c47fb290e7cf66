// Placeholder until the set type lands: no set values exist yet.
#include "server/object.h"

namespace server {

size_t set_length(const void*) { return 0; }
void* set_clone(const void*) { return nullptr; }
std::string_view set_encoding(const void*) { return "none"; }
bool set_free_step(void*, size_t) { return true; }
void set_destroy(void*) {}

}  // namespace server
