#include "server/acl.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>

#include "server/acl_redis_commands.h"
#include "server/command.h"
#include "server/command_table.h"
#include "server/command_util.h"
#include "server/config.h"
#include "server/glob.h"
#include "server/number.h"

namespace server {

namespace {

// Redis's ACLSetUser errors (ACLSetUserStringError), by the errno it sets.
constexpr std::string_view kErrUnknown = "Unknown command or category name in ACL";
constexpr std::string_view kErrSyntax = "Syntax error";
constexpr std::string_view kErrKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
    "effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have "
    "any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kErrNoSuchPassword = "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
constexpr std::string_view kErrSubcommandFirstArg = "Allowing first-arg of a subcommand is not supported";


bool valid_hash(std::string_view h) {
    if (h.size() != 64) return false;
    for (char c : h)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

void add_unique(std::vector<std::string>& list, std::string value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

std::string pattern_string(const AclKeyPattern& p) {
    std::string s = p.perms == AclKeyPattern::kAll    ? "~"
                    : p.perms == AclKeyPattern::kRead ? "%R~"
                                                      : "%W~";
    s += p.pattern;
    return s;
}

// Commands whose keys follow a count argument (Redis's KSPEC_FK_KEYNUM):
// the count's position, and a key before it (the destination) if any.
struct NumKeys {
    std::string_view name;
    int8_t count_at;
    int8_t fixed_key;
};
constexpr NumKeys kNumKeys[] = {
    {"zunionstore", 2, 1}, {"zinterstore", 2, 1}, {"zdiffstore", 2, 1}, {"zunion", 1, 0},
    {"zinter", 1, 0},      {"zdiff", 1, 0},       {"zintercard", 1, 0}, {"sintercard", 1, 0},
    {"lmpop", 1, 0},       {"zmpop", 1, 0},       {"blmpop", 2, 0},     {"bzmpop", 2, 0},
    {"eval", 2, 0},        {"evalsha", 2, 0},     {"eval_ro", 2, 0},    {"evalsha_ro", 2, 0},
    {"fcall", 2, 0},       {"fcall_ro", 2, 0},
};

// Calls f(position) for every key argument of the command, as Redis's key
// specs find them: the first_key..last_key range by key_step, or for the
// commands with a key count, the keys it counts (none at all when the
// count is not valid: the command then fails on its own).
template <typename F>
bool for_each_key(const Command& cmd, std::span<const std::string_view> argv, F&& f) {
    const int argc = static_cast<int>(argv.size());
    for (const NumKeys& nk : kNumKeys) {
        if (cmd.name != nk.name) continue;
        if (nk.count_at >= argc) return true;
        auto n = parse_int64(argv[static_cast<size_t>(nk.count_at)]);
        if (!n || *n < 1 || *n > argc - nk.count_at - 1) return true;
        if (nk.fixed_key > 0 && !f(static_cast<size_t>(nk.fixed_key))) return false;
        for (int64_t i = 0; i < *n; ++i)
            if (!f(static_cast<size_t>(nk.count_at + 1 + i))) return false;
        return true;
    }
    if (cmd.first_key <= 0) return true;
    int last = cmd.last_key < 0 ? argc + cmd.last_key : cmd.last_key;
    if (last >= argc) last = argc - 1;
    const int step = cmd.key_step > 0 ? cmd.key_step : 1;
    for (int i = cmd.first_key; i <= last; i += step)
        if (!f(static_cast<size_t>(i))) return false;
    return true;
}

// Channel arguments (Redis's CMD_CHANNEL_PUBLISH / SUBSCRIBE): from
// position 1, all of them or only the first; patterns of PSUBSCRIBE are
// matched literally against the user's patterns.
struct ChannelArgs {
    bool any = false;
    bool all = false;
    bool patterns = false;
};
ChannelArgs channel_args(const Command& cmd) {
    if (cmd.name == "publish" || cmd.name == "spublish") return {true, false, false};
    if (cmd.name == "subscribe" || cmd.name == "ssubscribe") return {true, true, false};
    if (cmd.name == "psubscribe") return {true, true, true};
    return {};
}

// --- SHA-256 (FIPS 180-4) ---------------------------------------------------

constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void sha256_block(std::array<uint32_t, 8>& h, const unsigned char* p) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) | (uint32_t{p[4 * i + 2]} << 8) |
               uint32_t{p[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; ++i) {
        uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + s1 + ch + kSha256K[static_cast<size_t>(i)] + w[i];
        uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = s0 + maj;
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    size_t n = data.size();
    size_t full = n / 64 * 64;
    for (size_t i = 0; i < full; i += 64) sha256_block(h, p + i);
    unsigned char tail[128] = {};
    size_t rest = n - full;
    if (rest > 0) std::memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = static_cast<uint64_t>(n) * 8;
    for (int i = 0; i < 8; ++i) tail[tail_len - 1 - static_cast<size_t>(i)] = static_cast<unsigned char>(bits >> (8 * i));
    for (size_t i = 0; i < tail_len; i += 64) sha256_block(h, tail + i);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (uint32_t v : h)
        for (int s = 28; s >= 0; s -= 4) out += kHex[(v >> s) & 15];
    return out;
}

bool time_independent_equal(std::string_view a, std::string_view b) {
    // Hashes are compared, always 64 bytes; the length check leaks nothing.
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

uint32_t acl_category_bit(std::string_view name) {
    for (size_t i = 0; i < kAclCategoryCount; ++i)
        if (equals_nocase(name, kAclCategories[i])) return 1u << i;
    return 0;
}

uint32_t acl_category_mask(std::string_view categories) {
    uint32_t mask = 0;
    size_t p = 0;
    while (p < categories.size()) {
        size_t sp = categories.find(' ', p);
        if (sp == std::string_view::npos) sp = categories.size();
        std::string_view word = categories.substr(p, sp - p);
        if (word.starts_with('@')) mask |= acl_category_bit(word.substr(1));
        p = sp + 1;
    }
    return mask;
}

bool protected_mode_denies(const Config& cfg, bool default_user_nopass, std::string_view peer_ip) {
    if (!cfg.protected_mode || !default_user_nopass) return false;
    return peer_ip != "127.0.0.1" && peer_ip != "::1";
}

// --- Acl ---------------------------------------------------------------------

uint32_t Acl::add_entry(std::string_view name, const Command* cmd, std::string_view categories, bool top) {
    const uint32_t id = static_cast<uint32_t>(entries_.size());
    entries_.push_back(Entry{name, cmd, acl_category_mask(categories), top, false, {}});
    by_name_.emplace(name, id);
    if (cmd != nullptr) cmd->acl_id = id;
    return id;
}

Acl::Acl(const CommandTable& table, std::string_view requirepass) {
    // Ours, each container followed by its subcommands, then the Redis
    // subcommands of it we lack.
    const std::span<const RedisAclCommand> redis(kRedisAclCommands);
    for (const Command* c : table.all()) {
        const uint32_t id = add_entry(c->name, c, c->acl_categories, true);
        for (size_t i = 0; i < c->subcommand_count; ++i) {
            const Command& sub = c->subcommands[i];
            entries_[id].subs.push_back(add_entry(sub.name, &sub, sub.acl_categories, false));
        }
        for (const RedisAclCommand& r : redis) {
            if (r.name.size() <= c->name.size() || !r.name.starts_with(c->name) || r.name[c->name.size()] != '|' ||
                by_name_.contains(r.name))
                continue;
            entries_[id].subs.push_back(add_entry(r.name, nullptr, r.categories, false));
        }
        entries_[id].container = !entries_[id].subs.empty();
    }
    // Then the Redis commands we lack altogether (each container is listed
    // before its subcommands).
    for (const RedisAclCommand& r : redis) {
        if (by_name_.contains(r.name)) continue;
        const size_t bar = r.name.find('|');
        if (bar == std::string_view::npos) {
            add_entry(r.name, nullptr, r.categories, true);
            continue;
        }
        auto parent = by_name_.find(r.name.substr(0, bar));
        if (parent == by_name_.end()) continue;
        const uint32_t id = add_entry(r.name, nullptr, r.categories, false);
        entries_[parent->second].subs.push_back(id);
        entries_[parent->second].container = true;
    }
    words_ = (entries_.size() + 63) / 64;
    auto u = std::make_unique<AclUser>(new_user("default"));
    for (std::string_view op : {"+@all", "~*", "&*", "on", "nopass"}) apply(*u, op);
    default_ = u.get();
    users_.emplace("default", std::move(u));
    refresh();
    if (!requirepass.empty()) set_requirepass(requirepass);
}

Acl::~Acl() = default;

void Acl::refresh() {
    const bool open = default_->enabled() && default_->nopass();
    auth_required_ = !open;
    unrestricted_ = open && default_->unrestricted() ? default_ : nullptr;
}

const AclUser* Acl::find(std::string_view name) const {
    auto it = users_.find(name);
    return it == users_.end() ? nullptr : it->second.get();
}

const AclUser* Acl::authenticate(std::string_view name, std::string_view password) const {
    const AclUser* u = find(name);
    if (u == nullptr || !u->enabled()) return nullptr;
    if (u->nopass()) return u;
    const std::string hash = sha256_hex(password);
    bool match = false;
    for (const std::string& p : u->passwords) match |= time_independent_equal(hash, p);
    return match ? u : nullptr;
}

int64_t Acl::lookup(std::string_view name) const {
    std::string lower(name);
    for (char& ch : lower)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    auto it = by_name_.find(lower);
    return it == by_name_.end() ? -1 : static_cast<int64_t>(it->second);
}

AclUser Acl::new_user(std::string_view name) const {
    AclUser u;
    u.name = std::string(name);
    u.allowed.assign(words_, 0);
    // Redis 7.0: off, no keys, no channels (acl-pubsub-default
    // resetchannels), -@all.
    return u;
}

void Acl::set_bit(AclUser& u, uint32_t id, bool on) const {
    uint64_t bit = uint64_t{1} << (id % 64);
    if (on) {
        u.allowed[id / 64] |= bit;
    } else {
        u.allowed[id / 64] &= ~bit;
        u.all_commands = false;
    }
}

void Acl::change_perm(AclUser& u, uint32_t id, bool on) const {
    set_bit(u, id, on);
    std::erase_if(u.first_args, [id](const auto& fa) { return fa.first == id; });
    for (uint32_t sub : entries_[id].subs) set_bit(u, sub, on);
}

void Acl::set_category(AclUser& u, uint32_t bit, bool on) const {
    for (uint32_t id = 0; id < entries_.size(); ++id)
        if (entries_[id].categories & bit) change_perm(u, id, on);
}

void Acl::set_all(AclUser& u, bool on) const {
    u.allowed.assign(words_, on ? ~uint64_t{0} : 0);
    u.all_commands = on;
    u.future_commands = on;
    u.first_args.clear();
}

void Acl::count_category(const AclUser& u, uint32_t bit, size_t& on, size_t& off) const {
    on = off = 0;
    for (uint32_t id = 0; id < entries_.size(); ++id) {
        if (!(entries_[id].categories & bit)) continue;
        if (u.allows(id)) ++on;
        else ++off;
    }
}

std::optional<std::string> Acl::apply_command_rule(AclUser& u, std::string_view op) const {
    const bool allow = op[0] == '+';
    std::string_view name = op.substr(1);
    size_t bar = name.rfind('|');
    if (!allow || bar == std::string_view::npos) {
        int64_t id = lookup(name);
        if (id < 0) return std::string(kErrUnknown);
        change_perm(u, static_cast<uint32_t>(id), allow);
        return std::nullopt;
    }
    // +cmd|sub: a subcommand, or a first argument of a command without
    // subcommands.
    const int64_t base = lookup(name.substr(0, bar));
    if (base < 0) return std::string(kErrUnknown);
    const uint32_t cid = static_cast<uint32_t>(base);
    if (!entries_[cid].top) return std::string(kErrSubcommandFirstArg);
    std::string_view arg = name.substr(bar + 1);
    if (arg.empty()) return std::string(kErrSyntax);
    if (entries_[cid].container) {
        int64_t sub = lookup(name);
        if (sub < 0) return std::string(kErrUnknown);
        change_perm(u, static_cast<uint32_t>(sub), true);
        return std::nullopt;
    }
    auto it = std::find_if(u.first_args.begin(), u.first_args.end(),
                           [&](const auto& fa) { return fa.first == cid; });
    if (it == u.first_args.end()) {
        u.first_args.emplace_back(cid, std::vector<std::string>{});
        it = u.first_args.end() - 1;
    }
    for (const std::string& a : it->second)
        if (equals_nocase(a, arg)) return std::nullopt;
    it->second.emplace_back(arg);
    return std::nullopt;
}

std::optional<std::string> Acl::apply(AclUser& u, std::string_view op) const {
    if (op.empty()) return std::nullopt;  // Redis: an empty op does nothing
    // The user's own attributes.
    if (equals_nocase(op, "on")) {
        u.flags |= AclUser::kEnabled;
    } else if (equals_nocase(op, "off")) {
        u.flags &= static_cast<uint8_t>(~AclUser::kEnabled);
    } else if (equals_nocase(op, "skip-sanitize-payload")) {
        u.flags = static_cast<uint8_t>((u.flags & ~AclUser::kSanitizePayload) | AclUser::kSkipSanitizePayload);
    } else if (equals_nocase(op, "sanitize-payload")) {
        u.flags = static_cast<uint8_t>((u.flags & ~AclUser::kSkipSanitizePayload) | AclUser::kSanitizePayload);
    } else if (equals_nocase(op, "nopass")) {
        u.flags |= AclUser::kNoPass;
        u.passwords.clear();
    } else if (equals_nocase(op, "resetpass")) {
        u.flags &= static_cast<uint8_t>(~AclUser::kNoPass);
        u.passwords.clear();
    } else if (op[0] == '>' || op[0] == '#') {
        std::string hash;
        if (op[0] == '>') {
            hash = sha256_hex(op.substr(1));
        } else {
            if (!valid_hash(op.substr(1))) return std::string(kErrBadHash);
            hash = std::string(op.substr(1));
        }
        add_unique(u.passwords, std::move(hash));
        u.flags &= static_cast<uint8_t>(~AclUser::kNoPass);
    } else if (op[0] == '<' || op[0] == '!') {
        std::string hash;
        if (op[0] == '<') {
            hash = sha256_hex(op.substr(1));
        } else {
            if (!valid_hash(op.substr(1))) return std::string(kErrBadHash);
            hash = std::string(op.substr(1));
        }
        auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
        if (it == u.passwords.end()) return std::string(kErrNoSuchPassword);
        u.passwords.erase(it);
    } else if (equals_nocase(op, "clearselectors")) {
        // There are no selectors besides the root one.
    } else if (equals_nocase(op, "reset")) {
        for (std::string_view o : {"resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload",
                                   "clearselectors", "-@all"})
            apply(u, o);
    }
    // The root selector: keys, channels, commands.
    else if (equals_nocase(op, "allkeys") || op == "~*") {
        u.all_keys = true;
        u.keys.clear();
    } else if (equals_nocase(op, "resetkeys")) {
        u.all_keys = false;
        u.keys.clear();
    } else if (equals_nocase(op, "allchannels") || op == "&*") {
        u.all_channels = true;
        u.channels.clear();
    } else if (equals_nocase(op, "resetchannels")) {
        u.all_channels = false;
        u.channels.clear();
    } else if (equals_nocase(op, "allcommands") || equals_nocase(op, "+@all")) {
        set_all(u, true);
    } else if (equals_nocase(op, "nocommands") || equals_nocase(op, "-@all")) {
        set_all(u, false);
    } else if (op[0] == '~' || op[0] == '%') {
        if (u.all_keys) return std::string(kErrKeysAfterAll);
        uint8_t perms = 0;
        size_t at = 1;
        if (op[0] == '%') {
            for (; at < op.size(); ++at) {
                char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[at])));
                if (c == 'R' && !(perms & AclKeyPattern::kRead)) {
                    perms |= AclKeyPattern::kRead;
                } else if (c == 'W' && !(perms & AclKeyPattern::kWrite)) {
                    perms |= AclKeyPattern::kWrite;
                } else if (op[at] == '~') {
                    ++at;
                    break;
                } else {
                    return std::string(kErrSyntax);
                }
            }
        } else {
            perms = AclKeyPattern::kAll;
        }
        if (perms == 0) return std::string(kErrSyntax);
        std::string_view pattern = op.substr(std::min(at, op.size()));
        auto it = std::find_if(u.keys.begin(), u.keys.end(), [&](const AclKeyPattern& k) { return k.pattern == pattern; });
        if (it != u.keys.end()) it->perms |= perms;
        else u.keys.push_back(AclKeyPattern{std::string(pattern), perms});
    } else if (op[0] == '&') {
        if (u.all_channels) return std::string(kErrChannelsAfterAll);
        add_unique(u.channels, std::string(op.substr(1)));
    } else if ((op[0] == '+' || op[0] == '-') && (op.size() < 2 || op[1] != '@')) {
        return apply_command_rule(u, op);
    } else if (op[0] == '+' || op[0] == '-') {
        uint32_t bit = acl_category_bit(op.substr(2));
        if (bit == 0) return std::string(kErrUnknown);
        set_category(u, bit, op[0] == '+');
    } else {
        // Selectors "(...)" are not supported; Redis calls anything else a
        // syntax error too.
        return std::string(kErrSyntax);
    }
    return std::nullopt;
}

std::optional<std::string> Acl::set_user(std::string_view name, std::span<const std::string_view> ops) {
    for (char c : name) {
        if (c == '\0' || c == ' ' || (c >= '\t' && c <= '\r'))
            return std::string("Usernames can't contain spaces or null characters");
    }
    auto it = users_.find(name);
    AclUser staged = it != users_.end() ? *it->second : new_user(name);
    for (std::string_view op : ops) {
        if (auto err = apply(staged, op)) {
            std::string msg = "Error in ACL SETUSER modifier '";
            msg.append(op.substr(0, op.find('\0')));
            msg += "': " + *err;
            return msg;
        }
    }
    // Connections hold pointers to the user: it is changed in place.
    if (it != users_.end()) *it->second = std::move(staged);
    else users_.emplace(std::string(name), std::make_unique<AclUser>(std::move(staged)));
    refresh();
    return std::nullopt;
}

bool Acl::remove_user(std::string_view name) {
    auto it = users_.find(name);
    if (it == users_.end() || it->second.get() == default_) return false;
    users_.erase(it);
    refresh();
    return true;
}

void Acl::set_requirepass(std::string_view password) {
    apply(*default_, "resetpass");
    if (password.empty()) {
        apply(*default_, "nopass");
    } else {
        std::string op = ">";
        op.append(password);
        apply(*default_, op);
    }
    refresh();
}

AclVerdict Acl::check(const AclUser& u, const Command& cmd, std::span<const std::string_view> argv) const {
    if (!u.all_commands && !(cmd.flags & kCmdNoAuth) && !u.allows(cmd.acl_id)) {
        bool by_first_arg = false;
        if (argv.size() >= 2) {
            for (const auto& [id, args] : u.first_args) {
                if (id != cmd.acl_id) continue;
                for (const std::string& a : args) by_first_arg = by_first_arg || equals_nocase(a, argv[1]);
            }
        }
        if (!by_first_arg) return {AclDenied::kCommand, 0};
    }
    AclVerdict verdict;
    if (!u.all_keys) {
        const uint8_t needed = (cmd.flags & kCmdWrite) ? AclKeyPattern::kAll : AclKeyPattern::kRead;
        for_each_key(cmd, argv, [&](size_t pos) {
            for (const AclKeyPattern& k : u.keys) {
                if ((k.perms & needed) == needed && glob_match(k.pattern, argv[pos])) return true;
            }
            verdict = {AclDenied::kKey, pos};
            return false;
        });
        if (verdict.denied != AclDenied::kNone) return verdict;
    }
    if (!u.all_channels) {
        ChannelArgs ch = channel_args(cmd);
        if (ch.any) {
            size_t end = ch.all ? argv.size() : std::min<size_t>(argv.size(), 2);
            for (size_t i = 1; i < end; ++i) {
                bool ok = false;
                for (const std::string& p : u.channels)
                    ok = ok || (ch.patterns ? p == argv[i] : glob_match(p, argv[i]));
                if (!ok) return {AclDenied::kChannel, i};
            }
        }
    }
    return verdict;
}

std::string Acl::denial(const AclUser& user, bool authenticated, const Command& cmd,
                        std::span<const std::string_view> argv) const {
    if (auth_required_ && !authenticated && !(cmd.flags & kCmdNoAuth)) return "NOAUTH Authentication required.";
    switch (check(user, cmd, argv).denied) {
    case AclDenied::kNone: return {};
    case AclDenied::kCommand: {
        std::string msg = "NOPERM this user has no permissions to run the '";
        msg.append(cmd.name);
        msg += "' command";
        return msg;
    }
    case AclDenied::kKey: return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case AclDenied::kChannel:
        return "NOPERM this user has no permissions to access one of the channels used as arguments";
    }
    return {};
}

std::string Acl::describe_commands(const AclUser& u) const {
    // Redis's ACLDescribeSelectorCommandRules: start from +@all or -@all,
    // add the categories that fit best while they fit, then fix single
    // commands until the bits are the user's.
    std::string rules = u.future_commands ? "+@all " : "-@all ";
    const bool additive = !u.future_commands;
    AclUser fake = new_user("");
    set_all(fake, u.future_commands);
    AclUser temp = new_user("");
    temp.allowed = u.allowed;
    bool applied[kAclCategoryCount] = {};
    for (;;) {
        int best = -1;
        size_t mindiff = INT_MAX;
        size_t maxsame = 0;
        for (size_t j = 0; j < kAclCategoryCount; ++j) {
            if (applied[j]) continue;
            size_t on = 0;
            size_t off = 0;
            count_category(temp, 1u << j, on, off);
            size_t diff = additive ? off : on;
            size_t same = additive ? on : off;
            if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
                best = static_cast<int>(j);
                mindiff = diff;
                maxsame = same;
            }
        }
        if (best < 0) break;
        const uint32_t bit = 1u << best;
        set_category(fake, bit, additive);
        set_category(temp, bit, !additive);
        rules += additive ? "+@" : "-@";
        rules.append(kAclCategories[static_cast<size_t>(best)]);
        rules += ' ';
        applied[best] = true;
    }
    for (uint32_t id = 0; id < entries_.size(); ++id) {
        const bool userbit = u.allows(id);
        if (userbit != fake.allows(id)) {
            rules += userbit ? '+' : '-';
            rules.append(entries_[id].name);
            rules += ' ';
            change_perm(fake, id, userbit);
        }
        if (userbit) continue;
        for (const auto& [fid, args] : u.first_args) {
            if (fid != id) continue;
            for (const std::string& a : args) {
                rules += '+';
                rules.append(entries_[id].name);
                rules += '|';
                rules += a;
                rules += ' ';
            }
        }
    }
    rules.pop_back();
    return rules;
}

std::string Acl::describe_keys(const AclUser& u) const {
    if (u.all_keys) return "~*";
    std::string s;
    for (const AclKeyPattern& k : u.keys) {
        if (!s.empty()) s += ' ';
        s += pattern_string(k);
    }
    return s;
}

std::string Acl::describe_channels(const AclUser& u) const {
    if (u.all_channels) return "&*";
    std::string s;
    for (const std::string& c : u.channels) {
        if (!s.empty()) s += ' ';
        s += '&';
        s += c;
    }
    return s;
}

std::string Acl::describe(const AclUser& u) const {
    std::string s = "user " + u.name + " ";
    s += u.enabled() ? "on " : "off ";
    if (u.nopass()) s += "nopass ";
    if (u.flags & AclUser::kSkipSanitizePayload) s += "skip-sanitize-payload ";
    if (u.flags & AclUser::kSanitizePayload) s += "sanitize-payload ";
    for (const std::string& p : u.passwords) s += "#" + p + " ";
    if (u.all_keys) {
        s += "~* ";
    } else {
        for (const AclKeyPattern& k : u.keys) s += pattern_string(k) + " ";
    }
    if (u.all_channels) {
        s += "&* ";
    } else {
        s += "resetchannels ";
        for (const std::string& c : u.channels) s += "&" + c + " ";
    }
    s += describe_commands(u);
    return s;
}

std::vector<std::string_view> Acl::commands_in_category(uint32_t bit) const {
    std::vector<std::string_view> out;
    for (const Entry& e : entries_)
        if (e.categories & bit) out.push_back(e.name);
    return out;
}

}  // namespace server
