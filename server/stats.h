// Server-wide counters shown by INFO stats.
#pragma once

#include <cstdint>

namespace server {

struct ServerStats {
    uint64_t total_connections_received = 0;
    uint64_t rejected_connections = 0;
    // Times the listener stopped accepting for a moment because accept()
    // failed for lack of descriptors or memory (ringdis's own counter).
    uint64_t accept_pauses = 0;
    uint64_t total_commands_processed = 0;
    uint64_t unknown_commands = 0;
    uint64_t net_input_bytes = 0;
    uint64_t net_output_bytes = 0;
    uint64_t read_syscalls = 0;
    uint64_t write_syscalls = 0;
    uint64_t keyspace_hits = 0;
    uint64_t keyspace_misses = 0;
    uint64_t expired_keys = 0;
    uint64_t evicted_keys = 0;
    uint64_t protocol_errors = 0;
    uint64_t total_error_replies = 0;
    // Clients closed for client-query-buffer-limit, and for the normal class
    // of client-output-buffer-limit (Pub/Sub counts its own cut-offs).
    uint64_t query_buffer_limit_disconnections = 0;
    uint64_t output_buffer_limit_disconnections = 0;
    // Replication: bytes from our master, full and partial syncs served.
    uint64_t net_repl_input_bytes = 0;
    uint64_t net_repl_output_bytes = 0;
    uint64_t sync_full = 0;
    uint64_t sync_partial_ok = 0;
    uint64_t sync_partial_err = 0;
};

}  // namespace server
