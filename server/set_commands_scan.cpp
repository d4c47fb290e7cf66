// SSCAN: Redis's scanGenericCommand for a set. A hashtable is walked with
// the reverse-binary cursor; an intset, being small, is returned whole with
// cursor 0, as Redis does.
#include <cctype>
#include <vector>

#include "server/command_util.h"
#include "server/glob.h"
#include "server/set_commands.h"

namespace server {

namespace {

// Redis reads the cursor with strtoul, so it accepts what strtoul accepts:
// a sign ("-1" wraps around), leading zeros, and the empty string (0). It
// refuses a leading space, trailing bytes and overflow. The argument is a C
// string to strtoul, so a NUL ends it.
bool parse_scan_cursor(std::string_view s, uint64_t& cursor) {
    s = s.substr(0, s.find('\0'));
    cursor = 0;
    if (s.empty()) return true;
    if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
    size_t i = 0;
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == s.size()) return false;
    uint64_t v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        auto digit = static_cast<uint64_t>(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    cursor = negative ? 0 - v : v;
    return true;
}

struct ScanOptions {
    int64_t count = 10;
    std::string_view pattern;
    bool use_pattern = false;
};

bool parse_scan_options(CommandContext& ctx, ScanOptions& opts) {
    for (size_t i = 3; i < ctx.argc(); i += 2) {
        std::string_view opt = ctx.arg(i);
        bool has_value = i + 1 < ctx.argc();
        if (equals_nocase(opt, "count") && has_value) {
            if (!arg_int64(ctx, ctx.arg(i + 1), opts.count)) return false;
            if (opts.count < 1) {
                ctx.error_raw(errors::kSyntax);
                return false;
            }
        } else if (equals_nocase(opt, "match") && has_value) {
            opts.pattern = ctx.arg(i + 1);
            opts.use_pattern = opts.pattern != "*";
        } else {
            ctx.error_raw(errors::kSyntax);
            return false;
        }
    }
    return true;
}

// Collects members from `cursor` on; returns the next cursor.
uint64_t collect(const SetObject& set, uint64_t cursor, int64_t count, std::vector<SetMember>& out) {
    if (set.is_intset()) {
        set.for_each([&](const SetMember& m) { out.push_back(m); });
        return 0;
    }
    // At most ten buckets per wanted member, so a sparse table cannot make
    // one call walk it all.
    int64_t budget = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
    const auto wanted = static_cast<uint64_t>(count);
    do {
        cursor = set.scan(cursor, [&](std::string_view m) { out.push_back(SetMember::of_bytes(m)); });
    } while (cursor != 0 && budget-- > 0 && out.size() < wanted);
    return cursor;
}

}  // namespace

void sscan_command(CommandContext& ctx) {
    uint64_t cursor;
    if (!parse_scan_cursor(ctx.arg(2), cursor)) return ctx.error("ERR invalid cursor");
    Entry* e = lookup_read(ctx, ctx.arg(1));
    // Options are only read for a key that exists, as in Redis.
    if (e == nullptr) return ctx.reply.raw("*2\r\n$1\r\n0\r\n*0\r\n");
    if (!check_type(ctx, e, ValueType::kSet)) return;
    ScanOptions opts;
    if (!parse_scan_options(ctx, opts)) return;
    std::vector<SetMember> members;
    cursor = collect(*set_of(e), cursor, opts.count, members);
    if (opts.use_pattern) {
        std::erase_if(members, [&](const SetMember& m) {
            char buf[kMemberTextSize];
            return !glob_match(opts.pattern, member_text(m, buf));
        });
    }
    char buf[kMemberTextSize];
    ctx.reply.array(2);
    // Redis prints the cursor as a signed number.
    ctx.reply.bulk({buf, format_int64(static_cast<int64_t>(cursor), buf)});
    ctx.reply.array(static_cast<int64_t>(members.size()));
    for (const SetMember& m : members) reply_member(ctx, m);
}

}  // namespace server
