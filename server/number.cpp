#include "server/number.h"

#include "protocol/resp_number.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace server {

std::optional<int64_t> parse_int64(std::string_view s) {
    int64_t v;
    if (!protocol::parse_int64_strict(s.data(), s.size(), v)) return std::nullopt;
    return v;
}

std::optional<long double> parse_long_double(std::string_view s) {
    if (s.empty() || s.size() >= 5 * 1024) return std::nullopt;
    char buf[5 * 1024];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    char* end = nullptr;
    errno = 0;
    long double v = std::strtold(buf, &end);
    if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
        static_cast<size_t>(end - buf) != s.size() ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
        std::isnan(v)) {
        return std::nullopt;
    }
    return v;
}

std::optional<double> parse_double(std::string_view s) {
    if (s.empty() || s.size() >= 5 * 1024) return std::nullopt;
    char buf[5 * 1024];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(buf, &end);
    if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
        static_cast<size_t>(end - buf) != s.size() ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
        std::isnan(v)) {
        return std::nullopt;
    }
    return v;
}

size_t format_int64(int64_t v, char* buf) {
    size_t len = protocol::format_int64(buf, v);
    buf[len] = '\0';
    return len;
}

size_t format_long_double_human(long double v, char* buf, size_t size) {
    if (std::isinf(v)) {
        const char* t = v > 0 ? "inf" : "-inf";
        size_t n = std::strlen(t);
        std::memcpy(buf, t, n + 1);
        return n;
    }
    int len = std::snprintf(buf, size, "%.17Lf", v);
    if (len < 0 || static_cast<size_t>(len) >= size) return 0;
    // Trim trailing zeros after a decimal point, then the point itself.
    if (std::strchr(buf, '.') != nullptr) {
        char* p = buf + len - 1;
        while (*p == '0') {
            --p;
            --len;
        }
        if (*p == '.') --len;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {  // "-0" prints as "0"
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return static_cast<size_t>(len);
}

size_t format_double(double v, char* buf, size_t size) {
    if (std::isinf(v)) {
        const char* t = v > 0 ? "inf" : "-inf";
        size_t n = std::strlen(t);
        std::memcpy(buf, t, n + 1);
        return n;
    }
    int len = std::snprintf(buf, size, "%.17g", v);
    return len < 0 ? 0 : static_cast<size_t>(len);
}

}  // namespace server
