#pragma once

// Header lines a load client adds to every request it sends: mostly a credential, so that the
// same client measures a node with authentication on (`--bearer`, `--api-key`) and off. Built
// from the flags `--header "Name: value"` (repeatable), `--bearer TOKEN` and `--api-key KEY`.

#include <array>
#include <string>
#include <string_view>

namespace herald::bench {

/// The flags `extra_headers::take` understands, without their dashes, for `read_flags`.
inline constexpr std::array<std::string_view, 3> header_flags = {"header", "bearer", "api-key"};

/// The header lines, in command-line order, ready to go into a request head.
class extra_headers {
 public:
  /// Adds the line `flag` (with its dashes) with `value` stands for. Returns an empty string,
  /// or the usage error when the value cannot go into a request head as it stands (no name, a
  /// control character, a token with a space): nothing is added then.
  std::string take(std::string_view flag, std::string_view value);

  /// "Name: value\r\n" for each flag taken; empty without any.
  const std::string& lines() const noexcept { return lines_; }

  /// Whether a credential was given (`--bearer`, `--api-key`, or an `Authorization` or
  /// `X-API-Key` header).
  bool has_credential() const noexcept { return credential_; }

 private:
  std::string lines_;
  bool credential_ = false;
};

} // namespace herald::bench
