// ZSCAN: a listpack set answers everything at once with cursor 0, as
// Redis's does; a skiplist set is walked through its member index with the
// reverse-binary cursor (Dict::scan), so a full iteration returns every
// member present throughout, even while the index resizes.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "server/command_util.h"
#include "server/glob.h"
#include "server/zset_commands.h"

namespace server {

namespace {

// Redis's parseScanCursorOrReply: strtoul over the C string (so "" is 0
// and "-1" wraps around), but no leading blank and no overflow.
bool parse_cursor(std::string_view s, uint64_t& cursor) {
    std::string text(s.substr(0, s.find('\0')));
    if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) return false;
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE) return false;
    cursor = v;
    return true;
}

struct ScanOptions {
    int64_t count = 10;
    std::string_view pattern;
    bool use_pattern = false;
};

bool parse_scan_options(CommandContext& ctx, ScanOptions& o) {
    for (size_t i = 3; i < ctx.argc(); i += 2) {
        std::string_view opt = ctx.arg(i);
        const bool has_value = i + 1 < ctx.argc();
        if (equals_nocase(opt, "count") && has_value) {
            if (!arg_int64(ctx, ctx.arg(i + 1), o.count)) return false;
            if (o.count < 1) {
                ctx.error_raw(errors::kSyntax);
                return false;
            }
        } else if (equals_nocase(opt, "match") && has_value) {
            o.pattern = ctx.arg(i + 1);
            o.use_pattern = o.pattern != "*";
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    return true;
}

}  // namespace

void zscan_command(CommandContext& ctx) {
    uint64_t cursor;
    if (!parse_cursor(ctx.arg(2), cursor)) {
        ctx.error("ERR invalid cursor");
        return;
    }
    bool ok;
    ZSet* z = read_zset(ctx, ctx.arg(1), ok);
    if (!ok) return;
    if (z == nullptr) {
        ctx.reply.raw("*2\r\n$1\r\n0\r\n*0\r\n");
        return;
    }
    ScanOptions o;
    if (!parse_scan_options(ctx, o)) return;

    std::vector<std::pair<std::string_view, double>> found;
    auto collect = [&](std::string_view m, double s) {
        if (!o.use_pattern || glob_match(o.pattern, m)) found.emplace_back(m, s);
    };
    if (z->is_listpack()) {
        z->for_each(collect);
        cursor = 0;
    } else {
        // Redis counts members before the pattern filters them, and gives
        // up after count * 10 buckets.
        int64_t budget = o.count * 10;
        size_t seen = 0;
        do {
            cursor = z->scan(cursor, [&](std::string_view m, double s) {
                ++seen;
                collect(m, s);
            });
        } while (cursor != 0 && budget-- > 0 && seen < static_cast<size_t>(o.count));
    }

    char buf[64];
    ctx.reply.array(2);
    ctx.reply.bulk({buf, format_int64(static_cast<int64_t>(cursor), buf)});
    ctx.reply.array(static_cast<int64_t>(found.size() * 2));
    for (const auto& [m, s] : found) {
        ctx.reply.bulk(m);
        ctx.reply.bulk({buf, format_double(s, buf, sizeof buf)});
    }
}

}  // namespace server
