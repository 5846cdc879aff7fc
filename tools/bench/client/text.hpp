#pragma once

// Text helpers of the load clients' messages and HTTP parsing (net/text.hpp has the rest).

#include <string>
#include <string_view>

namespace herald::bench {

/// Seconds for messages: "1.5", not std::to_string's "1.500000".
std::string seconds_text(double s);

/// strerror(err) as a string.
std::string errno_text(int err);

/// Whether `haystack` holds `needle`, ignoring ASCII case (header values like `Keep-Alive`).
bool icontains(std::string_view haystack, std::string_view needle) noexcept;

/// The first 200 bytes of a body for an error message, on one line.
std::string snippet(std::string_view text);

} // namespace herald::bench
