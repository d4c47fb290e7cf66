// Finds where one complete RESP reply ends, without decoding it: the tests
// compare raw reply bytes, so all they need is the frame's extent. Covers
// RESP2 and RESP3 (simple, error, integer, bulk, null, array, map, set,
// push, attribute, double, boolean, big number, verbatim, blob error),
// nested to any depth.
#pragma once

#include <string_view>

namespace testsupport {

// The length of the reply at the start of `bytes`: > 0 when complete, 0 when
// more bytes are needed, -1 when the bytes are not RESP. An attribute (`|`)
// belongs to the reply that follows it, so it is counted with that reply.
long resp_reply_length(std::string_view bytes);

}  // namespace testsupport
