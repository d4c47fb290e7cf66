#include "test/support/corpus.h"

#include <cctype>
#include <charconv>

#include "test/support/bytes_text.h"
#include "test/support/resp_client.h"

namespace testsupport {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// One `RAW`, `RAW:<n>` or `RAW:EOF` line (the directive already matched as
// `word`); `rest` is everything after the single space that follows it.
bool parse_raw(std::string_view word, std::string_view rest, CorpusStep& step,
               std::string& error) {
    step.replies = 1;
    if (word.size() > 3) {
        std::string_view count = word.substr(4);
        if (count == "EOF") {
            step.replies = CorpusStep::kUntilClosed;
        } else {
            int n = 0;
            auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
            if (ec != std::errc() || end != count.data() + count.size() || n < 0) {
                error = "bad reply count in '" + std::string(word) + "'";
                return false;
            }
            step.replies = n;
        }
    }
    if (!unescape_c(rest, step.bytes, error)) return false;
    if (step.bytes.empty() && step.replies != CorpusStep::kUntilClosed) {
        error = "RAW with nothing to send";
        return false;
    }
    return true;
}

bool parse_step(std::string_view line, CorpusStep& step, std::string& error) {
    size_t space = line.find(' ');
    std::string_view word = line.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (word == "RAW" || word.starts_with("RAW:")) return parse_raw(word, rest, step, error);
    std::vector<std::string> args;
    if (word == "HEAD") {
        step.head_only = true;
        line = rest;
    }
    if (!split_args(line, args, error)) return false;
    if (args.empty()) {
        error = "no command";
        return false;
    }
    step.bytes = encode_command(args);
    return true;
}

}  // namespace

bool split_args(std::string_view line, std::vector<std::string>& args, std::string& error) {
    args.clear();
    size_t i = 0;
    while (true) {
        while (i < line.size() && is_space(line[i])) ++i;
        if (i == line.size()) return true;
        std::string arg;
        bool in_double = false;
        bool in_single = false;
        for (;; ++i) {
            if (i == line.size()) {
                if (in_double || in_single) {
                    error = "unbalanced quotes";
                    return false;
                }
                break;
            }
            char c = line[i];
            if (in_double) {
                if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' &&
                    hex_value(line[i + 2]) >= 0 && hex_value(line[i + 3]) >= 0) {
                    arg += static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
                    i += 3;
                } else if (c == '\\' && i + 1 < line.size()) {
                    char e = line[++i];
                    switch (e) {
                        case 'n': arg += '\n'; break;
                        case 'r': arg += '\r'; break;
                        case 't': arg += '\t'; break;
                        case 'b': arg += '\b'; break;
                        case 'a': arg += '\a'; break;
                        default: arg += e; break;
                    }
                } else if (c == '"') {
                    if (i + 1 < line.size() && !is_space(line[i + 1])) {
                        error = "closing quote must be followed by a space";
                        return false;
                    }
                    ++i;
                    break;
                } else {
                    arg += c;
                }
            } else if (in_single) {
                if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
                    arg += '\'';
                    ++i;
                } else if (c == '\'') {
                    if (i + 1 < line.size() && !is_space(line[i + 1])) {
                        error = "closing quote must be followed by a space";
                        return false;
                    }
                    ++i;
                    break;
                } else {
                    arg += c;
                }
            } else if (is_space(c)) {
                break;
            } else if (c == '"') {
                in_double = true;
            } else if (c == '\'') {
                in_single = true;
            } else {
                arg += c;
            }
        }
        args.push_back(std::move(arg));
    }
}

bool parse_corpus(std::string_view text, std::vector<CorpusCase>& cases, std::string& error) {
    cases.clear();
    bool in_case = false;
    int line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw_line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!raw_line.empty() && raw_line.back() == '\r') raw_line.remove_suffix(1);
        std::string_view content = trim(raw_line);
        if (content.empty()) {
            in_case = false;  // a blank line ends the case
            continue;
        }
        if (content.front() == '#') continue;
        CorpusStep step;
        step.line = line_no;
        step.text = std::string(content);
        // Whitespace at either end of a line is not part of it (editors
        // strip it); a RAW payload that ends in a space writes it \x20.
        if (!parse_step(content, step, error)) {
            error = "line " + std::to_string(line_no) + ": " + error + ": " + step.text;
            return false;
        }
        if (!in_case) {
            cases.push_back(CorpusCase{line_no, {}});
            in_case = true;
        }
        std::vector<CorpusStep>& steps = cases.back().steps;
        if (!steps.empty() && steps.back().replies == CorpusStep::kUntilClosed) {
            error = "line " + std::to_string(line_no) + ": after RAW:EOF the connection is closed; "
                    "end the case with a blank line first";
            return false;
        }
        steps.push_back(std::move(step));
    }
    return true;
}

}  // namespace testsupport
