#include "net/http_url.hpp"

#include "net/text.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace herald::net {

namespace {

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f');
}

/// Whether `label` is a number as `inet_aton` reads one (decimal, octal or `0x` hexadecimal):
/// WHATWG's "ends in a number" check.
bool numeric_label(std::string_view label) noexcept {
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X'))
    return std::all_of(label.begin() + 2, label.end(), is_hex);
  return !label.empty() &&
         std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

/// Parses the digits of a URL's port; 0 for none of 1 to 65535.
std::uint16_t port_number(std::string_view digits) noexcept {
  std::uint32_t n = 0;
  for (char c : digits) {
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
    if (n > 65535)
      return 0;
  }
  return static_cast<std::uint16_t>(n);
}

} // namespace

std::string_view host_name_problem(std::string_view name) noexcept {
  if (!name.empty() && name.back() == '.')
    name.remove_suffix(1);
  if (name.empty())
    return "a host name must not be empty";
  if (name.size() > 253)
    return "a host name must be at most 253 characters";
  std::string_view last;
  for (std::string_view rest = name;;) {
    auto dot = rest.find('.');
    auto label = rest.substr(0, dot);
    if (label.empty())
      return "a host name must not have an empty label";
    if (label.size() > 63)
      return "a host name label must be at most 63 characters";
    if (!std::all_of(label.begin(), label.end(), host_char))
      return "a host name is letters, digits, '-' and '_' between dots";
    if (label.front() == '-' || label.back() == '-')
      return "a host name label must not start or end with '-'";
    last = label;
    if (dot == std::string_view::npos)
      break;
    rest.remove_prefix(dot + 1);
  }
  if (numeric_label(last))
    return "a numeric host must be an IPv4 address in dotted-quad form";
  return {};
}

std::optional<http_url> parse_http_url(std::string_view text, std::string& error) {
  if (text.size() > max_http_url_size) {
    error = "a callback URL must be at most " + std::to_string(max_http_url_size) + " bytes";
    return std::nullopt;
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    error = "a callback URL must not contain white space or control characters";
    return std::nullopt;
  }
  // An absolute URI has no fragment, so Boost.URL would only say "invalid"; a '#' cannot
  // appear unescaped anywhere else, so finding one is exact and gives the clearer message.
  if (text.find('#') != std::string_view::npos) {
    error = "a callback URL must not have a fragment ('#')";
    return std::nullopt;
  }
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    error = "a callback URL must be an absolute http or https URL";
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  http_url out;
  if (iequals(u.scheme(), "https")) {
    out.tls = true;
  } else if (!iequals(u.scheme(), "http")) {
    error = "a callback URL must be http or https, not '" + lower(u.scheme()) + "'";
    return std::nullopt;
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    error = "a callback URL must have a host";
    return std::nullopt;
  }
  // Boost.URL 1.81 ends the authority at the first character a port cannot have and reads
  // the rest as the path (`http://h:8o/` has port 8 and path `o/`); a path after an authority
  // starts with '/' (RFC 3986 §3.3), so anything else is a malformed authority.
  if (auto path = u.encoded_path(); !path.empty() && path.front() != '/') {
    error = "a callback URL's host and port are not valid";
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    error = "a callback URL must not carry user information ('user:password@')";
    return std::nullopt;
  }
  switch (u.host_type()) {
  case boost::urls::host_type::ipv4:
    out.host = u.host_ipv4_address().to_string();
    break;
  case boost::urls::host_type::ipv6:
    out.host = u.host_ipv6_address().to_string();
    break;
  case boost::urls::host_type::name: {
    out.host = lower(u.host_name());
    if (auto problem = host_name_problem(out.host); !problem.empty()) {
      error = "a callback URL's host is not valid: " + std::string{problem};
      return std::nullopt;
    }
    break;
  }
  default:
    error = "a callback URL's host must be a host name or an IPv4 or IPv6 address";
    return std::nullopt;
  }
  out.port = out.tls ? 443 : 80;
  // `http://host:/` has an empty port, which RFC 3986 §3.2.3 reads as the default.
  if (u.has_port() && !u.port().empty()) {
    out.port = port_number(u.port());
    if (out.port == 0) {
      error = "a callback URL's port must be 1 to 65535";
      return std::nullopt;
    }
  }
  out.target = u.encoded_target();
  if (out.target.empty() || out.target.front() != '/')
    out.target.insert(0, 1, '/');
  out.text = text;
  return out;
}

std::string host_header(const http_url& url) {
  std::string out;
  // Only an IPv6 literal has a ':' in `host`.
  if (url.host.find(':') != std::string::npos)
    out.append("[").append(url.host).append("]");
  else
    out = url.host;
  if (url.port != (url.tls ? 443 : 80)) {
    out += ':';
    append_decimal(out, url.port);
  }
  return out;
}

} // namespace herald::net
