#pragma once

// UTF-8 as the node's writers need it: decoding that never trusts its input, and the checks
// and repairs built on it. Client bytes (a group name, a task id) reach JSON bodies, headers,
// YAML, XML and Prometheus labels; names are validated where they enter (`valid_name`), and
// each writer also repairs what its format forbids on its own, so that a value that slipped
// past validation (or came from the application) can never break its output.

#include <cstddef>
#include <string>
#include <string_view>

namespace herald::net {

/// One decoded UTF-8 sequence; `valid` false for a byte that starts no well-formed sequence
/// (stray continuation, overlong form, surrogate, beyond U+10FFFF, truncated): it is then one
/// byte long and stands for U+FFFD.
struct code_point {
  char32_t value;
  std::size_t length;
  bool valid;
};

/// The sequence that starts at `s[i]` (`i < s.size()`).
code_point decode_utf8(std::string_view s, std::size_t i) noexcept;

/// Whether `cp` is a control character: C0, DEL or C1.
constexpr bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/// Appends `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, char32_t cp);

/// U+FFFD REPLACEMENT CHARACTER, what every writer puts for what it cannot carry.
inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

/// Appends the sequence that starts at `s[i]` (`i < s.size()`) as it is when well-formed,
/// else U+FFFD; returns how many bytes of `s` it took.
std::size_t append_repaired(std::string& out, std::string_view s, std::size_t i);

/// Whether `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s) noexcept;

/// `s` with each byte of ill-formed UTF-8 replaced by U+FFFD.
std::string repaired_utf8(std::string_view s);

/// Whether `s` can be a client-supplied name or id: well-formed UTF-8 without C0 control
/// characters (0x00-0x1F) or DEL (0x7F). Length limits are the caller's.
bool valid_name(std::string_view s) noexcept;

/// Appends `s` as an HTTP field value (RFC 9110 §5.5: field-vchar, SP, HTAB, with no
/// whitespace at either end): control characters, DEL and leading or trailing spaces and
/// tabs are percent-encoded (`%0A`), so nothing a handler copies from a request can end the
/// field, add one, or reach a client as a raw control byte. Bytes from 0x80 (obs-text, which
/// the grammar allows) pass as they are, so a value read from a request echoes unchanged.
void append_field_value(std::string& out, std::string_view s);

/// `s` as `append_field_value` writes it.
std::string field_value(std::string_view s);

} // namespace herald::net
