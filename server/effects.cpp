#include "server/effects.h"

#include "server/command_util.h"
#include "server/database.h"
#include "server/entry.h"

namespace server {

std::span<const std::string_view> effect_of(std::span<const std::string_view> argv, Database& where,
                                            EffectScratch& scratch) {
    if (argv.size() < 2) return argv;
    const std::string_view name = argv[0];
    const char first = static_cast<char>(name[0] | 0x20);
    // Only these families are rewritten; the first letter keeps the common
    // case (GET-free writes such as LPUSH, HSET) to one compare.
    if (first != 'e' && first != 'p' && first != 's' && first != 'g' && first != 'i') return argv;
    const bool expire_family = equals_nocase(name, "expire") || equals_nocase(name, "pexpire") ||
                               equals_nocase(name, "expireat") || equals_nocase(name, "pexpireat");
    const bool set_family = equals_nocase(name, "set") || equals_nocase(name, "setex") || equals_nocase(name, "psetex");
    const bool getex = equals_nocase(name, "getex");
    const bool incrbyfloat = equals_nocase(name, "incrbyfloat");
    if (!expire_family && !set_family && !getex && !incrbyfloat) return argv;

    Entry* e = where.dict().find(argv[1]);
    auto deadline = [&]() -> std::string_view {
        scratch.text = std::to_string(e->expire_ms());
        return scratch.text;
    };
    std::vector<std::string_view>& out = scratch.argv;
    out.clear();
    if (expire_family || getex) {
        if (e == nullptr) out = {"DEL", argv[1]};
        else if (e->has_expire) out = {"PEXPIREAT", argv[1], deadline()};
        else if (getex) out = {"PERSIST", argv[1]};
    } else if (set_family) {
        std::string_view value = equals_nocase(name, "set") ? argv[2] : argv[3];
        if (e != nullptr && e->has_expire) out = {"SET", argv[1], value, "PXAT", deadline()};
        else out = {"SET", argv[1], value};
    } else if (incrbyfloat && e != nullptr && e->type == ValueType::kString) {
        // The result as stored, so every replica rounds alike.
        scratch.text = std::string(e->str());
        out = {"SET", argv[1], scratch.text, "KEEPTTL"};
    }
    if (out.empty()) return argv;
    return out;
}

void append_resp_command(std::string& out, std::span<const std::string_view> argv) {
    out += '*';
    out += std::to_string(argv.size());
    out += "\r\n";
    for (std::string_view a : argv) {
        out += '$';
        out += std::to_string(a.size());
        out += "\r\n";
        out.append(a);
        out += "\r\n";
    }
}

}  // namespace server
