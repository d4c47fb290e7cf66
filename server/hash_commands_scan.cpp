// HSCAN: the compact form answers whole with cursor 0 (as Redis does for
// listpacks); the table is walked with a reverse-binary cursor.
#include <cctype>
#include <charconv>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/command_util.h"
#include "server/glob.h"
#include "server/hash_commands.h"

namespace server {

namespace {

constexpr std::string_view kEmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n";

// Redis parses cursors with strtoul: a leading sign is accepted (and "-1"
// wraps), leading space and trailing bytes are not; parsing stops at a NUL.
bool parse_cursor(CommandContext& ctx, std::string_view arg, uint64_t& cursor) {
    std::string text(arg);
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (std::isspace(static_cast<unsigned char>(text[0])) || *end != '\0' || errno == ERANGE) {
        ctx.error("ERR invalid cursor");
        return false;
    }
    cursor = v;
    return true;
}

struct ScanOptions {
    std::string_view pattern;
    bool use_pattern = false;
    size_t count = 10;
};

bool parse_scan_options(CommandContext& ctx, size_t first, ScanOptions& opts) {
    for (size_t i = first; i < ctx.argc(); i += 2) {
        bool has_value = ctx.argc() - i >= 2;
        std::string_view name = ctx.arg(i);
        if (has_value && equals_nocase(name, "count")) {
            int64_t count;
            if (!arg_int64(ctx, ctx.arg(i + 1), count)) return false;
            if (count < 1) {
                ctx.error_raw(errors::kSyntax);
                return false;
            }
            opts.count = static_cast<size_t>(count);
        } else if (has_value && equals_nocase(name, "match")) {
            opts.pattern = ctx.arg(i + 1);
            opts.use_pattern = opts.pattern != "*";
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    return true;
}

}  // namespace

void hscan_command(CommandContext& ctx) {
    uint64_t cursor;
    if (!parse_cursor(ctx, ctx.arg(2), cursor)) return;
    Entry* e = lookup_read(ctx, ctx.arg(1));
    if (e == nullptr) {
        ctx.reply.raw(kEmptyScan);
        return;
    }
    if (!check_type(ctx, e, ValueType::kHash)) return;
    ScanOptions opts;
    if (!parse_scan_options(ctx, 3, opts)) return;
    std::vector<HashPair> found;
    uint64_t next = as_hash(e)->scan(cursor, opts.count, [&](std::string_view f, std::string_view v) {
        if (!opts.use_pattern || glob_match(opts.pattern, f)) found.push_back({f, v});
    });
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, next);
    ctx.reply.array(2);
    ctx.reply.bulk({buf, static_cast<size_t>(end - buf)});
    ctx.reply.array(static_cast<int64_t>(found.size() * 2));
    for (const HashPair& p : found) {
        ctx.reply.bulk(p.field);
        ctx.reply.bulk(p.value);
    }
}

}  // namespace server
