// Parses the differential-test corpus (test/corpus/*.txt). The format is
// described at the top of test/integration/differential_test.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace testsupport {

struct CorpusStep {
    int line = 0;           // 1-based line in the file
    std::string text;       // the line as written, for messages
    std::string bytes;      // what is sent
    int replies = 1;        // replies to read; kUntilClosed: read to EOF
    bool head_only = false; // compare only the first line of the reply

    static constexpr int kUntilClosed = -1;
};

struct CorpusCase {
    int line = 0;  // where the case starts
    std::vector<CorpusStep> steps;
};

// Splits a command line into arguments as redis-cli does: whitespace
// separates; "..." takes \" \\ \n \r \t \b \a and \xHH escapes; '...' takes
// \' only. A closing quote must be followed by whitespace or the end.
bool split_args(std::string_view line, std::vector<std::string>& args, std::string& error);

// Parses a whole corpus file. On a syntax error returns false with `error`
// naming the line.
bool parse_corpus(std::string_view text, std::vector<CorpusCase>& cases, std::string& error);

}  // namespace testsupport
