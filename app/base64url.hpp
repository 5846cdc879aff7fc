#pragma once

// Base64url (RFC 4648 §5) without padding: the alphabet of URL-safe tokens, so that a token
// travels in a query string or a cookie unescaped. And standard base64 (RFC 4648 §4) with
// padding, for the formats that are written in it (Standard Webhooks secrets and signatures).

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

/// `bytes` in standard base64 (`+`, `/`), padded with `=` to a multiple of four characters.
std::string base64_encode(std::string_view bytes);

/// The bytes `text` encodes in standard base64; nullopt for a length that is not a multiple of
/// four, padding anywhere but at the end or more than two `=`, a character outside the alphabet
/// (white space and base64url's `-` and `_` included), or stray bits before the padding: as
/// strict as `base64url_decode`, one accepted encoding per byte string.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace herald::app
