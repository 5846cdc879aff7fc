#pragma once

// The URL of a completion callback (SPEC §4.7), checked before anything is sent to it. It comes
// from a request body, so the parser is strict: only what an HTTP client needs to connect and
// to write the request line and the Host header, nothing a log line could leak or a resolver
// could read in an unexpected way.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::net {

/// An absolute `http` or `https` URL, split into what a client needs.
struct http_url {
  bool tls = false;
  /// Lower case; an IPv6 literal without its brackets (`::1`), in its shortest form.
  std::string host;
  /// The URL's port, or 80 / 443 when it has none.
  std::uint16_t port = 80;
  /// Path and query as they are encoded in the URL; at least `/`.
  std::string target;
  /// The URL as given.
  std::string text;
};

/// The longest callback URL accepted.
inline constexpr std::size_t max_http_url_size = 2048;

/// `text` as an `http_url`; nullopt with `error` set for anything else: a URL longer than
/// `max_http_url_size`, with white space or control characters, not absolute, of a scheme other
/// than `http` and `https`, without a host, with user information (`user:pass@` would end up in
/// logs and in `CallbackInfo`), with a fragment, with a port outside 1 to 65535, or whose host
/// is neither an IP address nor a host name (`host_name_problem`).
std::optional<http_url> parse_http_url(std::string_view text, std::string& error);

/// The `Host` header for `url`: IPv6 literals in brackets, the port only when it is not the
/// scheme's default.
std::string host_header(const http_url& url);

/// Why `name` is not a DNS host name; empty when it is one: dot-separated labels of 1 to 63
/// letters, digits, `-` and `_`, not starting or ending with `-`, at most 253 characters, one
/// trailing dot allowed. A name whose last label is a number (`127.1`, `2130706433`,
/// `0x7f.1`) is refused too: the C resolver reads those as IPv4 addresses.
std::string_view host_name_problem(std::string_view name) noexcept;

} // namespace herald::net
