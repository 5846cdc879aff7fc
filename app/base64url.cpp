#include "app/base64url.hpp"

#include <array>
#include <cstdint>

namespace herald::app {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Each byte's 6-bit value, or 64 when it is not in the alphabet.
constexpr std::array<std::uint8_t, 256> values = [] {
  std::array<std::uint8_t, 256> out{};
  out.fill(64);
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    out[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  return out;
}();

constexpr std::string_view standard_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Each byte's 6-bit value in the standard alphabet, or 64 when it is not in it (`=` neither).
constexpr std::array<std::uint8_t, 256> standard_values = [] {
  std::array<std::uint8_t, 256> out{};
  out.fill(64);
  for (std::size_t i = 0; i < standard_alphabet.size(); ++i)
    out[static_cast<unsigned char>(standard_alphabet[i])] = static_cast<std::uint8_t>(i);
  return out;
}();

/// `bytes` in `letters`; with `padded`, the last group filled up with `=`.
std::string encode(std::string_view bytes, std::string_view letters, bool padded) {
  // Written in place: every output character is known before the loop starts.
  auto size = padded ? (bytes.size() + 2) / 3 * 4 : (bytes.size() * 4 + 2) / 3;
  std::string out(size, '=');
  auto at = [&bytes](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    auto group = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    *o++ = letters[group >> 18 & 63];
    *o++ = letters[group >> 12 & 63];
    *o++ = letters[group >> 6 & 63];
    *o++ = letters[group & 63];
  }
  // Padded, the last group's missing characters are the `=` the string was filled with.
  if (auto rest = bytes.size() - i; rest > 0) {
    auto group = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    *o++ = letters[group >> 18 & 63];
    *o++ = letters[group >> 12 & 63];
    if (rest == 2)
      *o++ = letters[group >> 6 & 63];
  }
  return out;
}

/// The bytes `text` (unpadded) encodes in the alphabet whose values are `table`; nullopt for
/// a character outside it or stray bits in the last character.
std::optional<std::string> decode(std::string_view text,
                                  const std::array<std::uint8_t, 256>& table) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int held = 0;
  for (char c : text) {
    auto v = table[static_cast<unsigned char>(c)];
    if (v == 64)
      return std::nullopt;
    bits = bits << 6 | v;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out += static_cast<char>(bits >> held & 0xff);
    }
  }
  // What is left over must be the zero padding bits of the last character.
  if ((bits & ((1u << held) - 1)) != 0)
    return std::nullopt;
  return out;
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
  return encode(bytes, alphabet, false);
}

bool is_base64url(char c) noexcept {
  return values[static_cast<unsigned char>(c)] != 64;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  return decode(text, values);
}

std::string base64_encode(std::string_view bytes) {
  return encode(bytes, standard_alphabet, true);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  // At most two `=`, and only at the end; an `=` anywhere else fails the alphabet below.
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
    ++padding;
  text.remove_suffix(padding);
  return decode(text, standard_values);
}

} // namespace herald::app
