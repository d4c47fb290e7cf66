// server/glob.h against Redis's stringmatchlen (util.c). The table below was
// produced by asking redis-server 7.0.15 `KEYS <pattern>` with only <text> in
// the keyspace (KEYS special-cases only the pattern "*" itself).
#include "server/glob.h"

#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace server {
namespace {

struct Case {
    std::string_view pattern;
    std::string_view text;
    bool match;
};

// Case-sensitive cases, each checked against redis-server 7.0.15.
constexpr Case kRedisCases[] = {
    {"", "", true},
    {"", "a", false},
    {"*?", "", false},
    {"?", "", false},
    {"a*", "a", true},
    {"*a", "a", true},
    {"a*b", "ab", true},
    {"a*b", "axxb", true},
    {"a*b", "axxbc", false},
    {"a*b*c", "abbbc", true},
    {"*", "abc", true},
    {"**", "abc", true},
    {"a**b", "ab", true},
    {"a?c", "abc", true},
    {"a?c", "ac", false},
    {"[abc]", "b", true},
    {"[abc]", "d", false},
    {"[^abc]", "d", true},
    {"[^abc]", "a", false},
    {"[a-c]", "b", true},
    {"[c-a]", "b", true},  // reversed ranges are swapped
    {"[a-c]", "d", false},
    {"[^a-c]", "d", true},
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"a\\?", "a?", true},
    {"a\\?", "ab", false},
    {"[\\]]", "]", true},
    {"[\\-]", "-", true},
    {"[a\\-z]", "b", false},  // escaped '-' is a literal, not a range
    {"[a\\-z]", "-", true},
    {"[a-]", "-", false},  // "a-]" is the range a..']'; the class is unterminated
    {"[]", "a", false},
    {"[", "a", false},
    {"[a", "a", true},  // an unterminated class ends at the pattern's end
    {"[ab", "b", true},
    {"a[", "a", false},
    {"a\\", "a\\", true},  // a trailing backslash matches itself
    {"\\", "\\", true},
    {"\\\\", "\\", true},
    {"h[^e]llo", "hallo", true},
    {"h[^e]llo", "hello", false},
    {"h[!e]llo", "hallo", false},  // '!' is not negation
    {"*[", "a", false},
    {"[*]", "*", true},
    {"[*]", "a", false},
    {"[?]", "?", true},
    {"abc", "ABC", false},
    {"[a-c-e]", "d", false},
    {"[a-c-e]", "-", true},
    {"[^]", "a", true},
    {"[^]]", "a", false},
    {"[^]]", "]", false},
};

TEST(Glob, MatchesRedisTable) {
    for (const Case& c : kRedisCases) {
        EXPECT_EQ(glob_match(c.pattern, c.text), c.match)
            << "pattern '" << c.pattern << "' text '" << c.text << "'";
    }
}

TEST(Glob, StarMatchesAnyRun) {
    EXPECT_TRUE(glob_match("*", "x"));
    EXPECT_TRUE(glob_match("user:*", "user:"));
    EXPECT_TRUE(glob_match("user:*", "user:1000"));
    EXPECT_FALSE(glob_match("user:*", "user"));
    EXPECT_TRUE(glob_match("*:*:*", "a:b:c"));
    EXPECT_FALSE(glob_match("*:*:*", "a:b"));
    EXPECT_TRUE(glob_match("*suffix", "the suffix"));
    EXPECT_FALSE(glob_match("*suffix", "suffix!"));
    EXPECT_TRUE(glob_match("*a*a*a*", "banana and"));
}

TEST(Glob, QuestionMarkIsExactlyOneByte) {
    EXPECT_TRUE(glob_match("h?llo", "hello"));
    EXPECT_TRUE(glob_match("h?llo", "hallo"));
    EXPECT_FALSE(glob_match("h?llo", "hllo"));
    EXPECT_FALSE(glob_match("h?llo", "heello"));
    EXPECT_TRUE(glob_match("???", "abc"));
    EXPECT_FALSE(glob_match("???", "ab"));
}

TEST(Glob, ClassesAndRanges) {
    EXPECT_TRUE(glob_match("h[ae]llo", "hello"));
    EXPECT_TRUE(glob_match("h[ae]llo", "hallo"));
    EXPECT_FALSE(glob_match("h[ae]llo", "hillo"));
    EXPECT_TRUE(glob_match("h[a-b]llo", "hbllo"));
    EXPECT_FALSE(glob_match("h[a-b]llo", "hcllo"));
    EXPECT_TRUE(glob_match("[0-9][0-9]", "42"));
    EXPECT_FALSE(glob_match("[0-9][0-9]", "4x"));
    EXPECT_TRUE(glob_match("[^0-9]x", "ax"));
    EXPECT_FALSE(glob_match("[^0-9]x", "5x"));
    EXPECT_FALSE(glob_match("[abc]", ""));
}

TEST(Glob, BackslashEscapesSpecials) {
    EXPECT_TRUE(glob_match("a\\*b", "a*b"));
    EXPECT_FALSE(glob_match("a\\*b", "axxb"));
    EXPECT_TRUE(glob_match("\\[x\\]", "[x]"));
    EXPECT_FALSE(glob_match("\\[x\\]", "x"));
    EXPECT_TRUE(glob_match("\\a", "a"));  // escaping an ordinary char is harmless
    EXPECT_TRUE(glob_match("\\?", "?"));
    EXPECT_FALSE(glob_match("\\?", "x"));
}

TEST(Glob, NoCase) {
    EXPECT_FALSE(glob_match("abc", "ABC"));
    EXPECT_TRUE(glob_match("abc", "ABC", true));
    EXPECT_TRUE(glob_match("MAXCLIENT?", "maxclients", true));
    EXPECT_TRUE(glob_match("[L-N]AXCLIENTS", "maxclients", true));  // as CONFIG GET in Redis
    EXPECT_TRUE(glob_match("[^a-l]axclients", "Maxclients", true));
    EXPECT_FALSE(glob_match("[^a-m]axclients", "Maxclients", true));
    EXPECT_TRUE(glob_match("max*", "MAXMEMORY", true));
    EXPECT_TRUE(glob_match("[M]ax", "max", true));
    EXPECT_FALSE(glob_match("[M]ax", "max", false));
}

TEST(Glob, EmbeddedNulBytesAreOrdinary) {
    std::string_view text("a\0b", 3);
    EXPECT_TRUE(glob_match("a?b", text));
    EXPECT_TRUE(glob_match("a*", text));
    EXPECT_TRUE(glob_match(std::string_view("a\0b", 3), text));
    EXPECT_FALSE(glob_match("a", text));
}

// Redis stops retrying a '*' at longer offsets once the rest of the pattern
// failed to match anywhere (skipLongerMatches, the fix for CVE-2022-36021),
// so `KEYS a*a*...a*b` (30 stars) over a 60-byte key answers in
// microseconds on redis-server 7.0.15. The match runs in a child process
// with an alarm, so exponential backtracking fails the test in 300 ms
// instead of hanging the suite.
TEST(Glob, BacktrackingIsBounded_MatchesRedis) {
    std::string text(60, 'a');
    std::string pattern;
    for (int i = 0; i < 30; ++i) pattern += "a*";
    pattern += "b";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        itimerval limit{};
        limit.it_value.tv_usec = 300000;
        setitimer(ITIMER_REAL, &limit, nullptr);
        _exit(glob_match(pattern, text) ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_FALSE(WIFSIGNALED(status)) << "glob_match took over 300 ms (signal " << WTERMSIG(status) << ")";
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "pattern should not match";
}

// Redis's stringmatchlen only enters its loop while both pattern and text
// are non-empty, so a pattern of stars never matches an empty string:
// `SET "" 1` then `KEYS **` answers an empty array on redis-server 7.0.15.
TEST(Glob, StarsAgainstEmptyText_MatchesRedis) {
    EXPECT_FALSE(glob_match("**", ""));
    EXPECT_FALSE(glob_match("*", ""));
}

}  // namespace
}  // namespace server
