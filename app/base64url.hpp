#pragma once

// Base64url (RFC 4648 §5) without padding: the alphabet of URL-safe tokens, so that a token
// travels in a query string or a cookie unescaped.

#include <optional>
#include <string>
#include <string_view>

namespace herald::app {

/// Whether `c` is a character of the base64url alphabet.
bool is_base64url(char c) noexcept;

/// `bytes` in base64url, unpadded.
std::string base64url_encode(std::string_view bytes);

/// The bytes `text` encodes; nullopt for padding (`=`), a character outside the alphabet, a
/// length no encoding has (one character past a group of four), or stray bits in the last
/// character, so that every byte string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace herald::app
