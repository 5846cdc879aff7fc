#pragma once

// What a benchmark program says when it stops early, and its command line. Flags are read with
// Boost.Program_options, every flag taking one value; they are handed back in command-line
// order, so a flag given twice takes its last value (the bench scripts append overrides to a
// common set), and each program checks its values as it always has.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::bench {

/// Names the program in its messages and gives the usage text `--help` and usage errors print.
void identify(std::string_view name, std::string_view usage);

/// `<name>: error: <message>` on stderr, exit status 1 (the run failed).
[[noreturn]] void fail(const std::string& message);

/// `<name>: <message>` and the usage text on stderr, exit status 2 (a bad command line).
[[noreturn]] void usage_error(const std::string& message);

/// Reads `--flag value` (or `--flag=value`) pairs for the long names in `flags` (without the
/// leading dashes). `-h` and `--help` print the usage text and exit 0; anything else is a
/// usage error. Returns (flag with its dashes, value) in command-line order.
std::vector<std::pair<std::string, std::string>>
read_flags(int argc, char** argv, const std::vector<std::string_view>& flags);

/// A whole number from `min` to `max`, or a usage error naming `flag`.
template <typename T> T whole_number(std::string_view flag, std::string_view text, T min, T max);

/// A finite decimal number from `min` to `max`, or a usage error naming `flag`; `unit` is how
/// the message names it ("a number", "a number of seconds").
double decimal(std::string_view flag, std::string_view text, double min, double max,
               std::string_view unit = "a number");

} // namespace herald::bench
