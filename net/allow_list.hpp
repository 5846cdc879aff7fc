#pragma once

// Where completion callbacks may go (SPEC §4.7, config `callbacks.allow`). A callback URL comes
// from a request body, so without this check anyone who may create a task could make the node
// call its own loopback, the cloud metadata address or the private network behind it (SSRF).
// The sender resolves the URL's host, asks `allow_list::refusal` about every address, and
// connects to one of those very addresses only when none is refused (so a second DNS answer
// cannot change where it goes). No Asio here: addresses cross this API as text or as bytes.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::net {

/// An IPv4 or IPv6 address as its bytes in network order, without a zone index: what
/// `boost::asio::ip::address_v4::to_bytes()` and `address_v6::to_bytes()` give.
struct ip_address {
  /// IPv4 uses the first four bytes; the other twelve stay zero.
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;

  static ip_address from_v4(const std::array<std::uint8_t, 4>& b) noexcept;
  static ip_address from_v6(const std::array<std::uint8_t, 16>& b) noexcept;

  /// The address `text` writes (`10.0.0.1`, `::1`, `fe80::1%eth0` without its zone); nullopt
  /// for anything else, host names and CIDR ranges included.
  static std::optional<ip_address> parse(std::string_view text);

  /// The conventional text form (`10.0.0.1`, `::ffff:127.0.0.1`, `2001:db8::1`).
  std::string text() const;

  /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for; any other
  /// address as it is. Sockets reach the same host either way, so both the allow-list and
  /// `classify` look through the mapping.
  ip_address unmapped() const noexcept;

  friend bool operator==(const ip_address&, const ip_address&) = default;
};

/// What an address is, for deciding whether a callback may reach it unlisted (IANA's
/// special-purpose registries, OWASP's SSRF cheat sheet). Only `global` is reachable by name.
enum class address_kind {
  global,        ///< none of the below: a public address
  unspecified,   ///< 0.0.0.0/8, `::` (Linux connects 0.0.0.0 to the local host)
  loopback,      ///< 127.0.0.0/8, `::1`
  private_use,   ///< 10/8, 172.16/12, 192.168/16; site-local fec0::/10; NAT64 64:ff9b:1::/48
  shared,        ///< 100.64.0.0/10, carrier-grade NAT
  link_local,    ///< 169.254/16 (cloud metadata at 169.254.169.254), fe80::/10
  unique_local,  ///< fc00::/7
  multicast,     ///< 224/4, ff00::/8
  broadcast,     ///< 255.255.255.255
  documentation, ///< 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  benchmarking,  ///< 198.18/15, 2001:2::/48
  reserved,      ///< 192.0.0/24, 192.88.99/24, 240/4; IPv6 outside 2000::/3, 2001::/23, ...
};

/// The kind of `address`. IPv6 addresses that carry an IPv4 address a packet may end up at
/// (`::ffff:a.b.c.d`, NAT64's 64:ff9b::/96, 6to4's 2002::/16) have the kind of that IPv4
/// address, so that `64:ff9b::7f00:1` is loopback.
address_kind classify(const ip_address& address) noexcept;

/// `kind` in a few words for a refusal or a log line: `public`, `loopback`, `link-local`...
std::string_view describe(address_kind kind) noexcept;

/// The operator's list of callback destinations: host names (`hooks.example.com`, exact and
/// case-insensitive; `*.example.com` for every subdomain but not `example.com` itself) and IP
/// ranges (`10.0.0.0/8`, `fd00::/8`, or one address: `127.0.0.1`, `::1`).
///
/// A connection to `address` for a URL whose host is `host` is allowed iff `address` lies in a
/// listed range, or `host` is a listed name and `address` is public (`address_kind::global`):
/// naming a host trusts its DNS to pick a public address, never to lead into the private
/// network; reaching a private or loopback address takes listing that address. An empty list
/// allows nothing. Immutable after `parse`, so it may be shared between threads.
class allow_list {
 public:
  /// The list `entries` writes; nullopt with `error` set (`'10.0.0.0/33': ...`, naming the
  /// entry, for the caller to put after the configuration key) for an entry that is empty, an
  /// address or a prefix length that does not parse, or a host name with characters no host
  /// name has. Host bits past a prefix are dropped (`10.1.2.3/8` is `10.0.0.0/8`).
  static std::optional<allow_list> parse(const std::vector<std::string>& entries,
                                         std::string& error);

  /// Why a connection to `address` (IP text, as a resolver prints it) for the URL host `host`
  /// is refused; nullopt when it is allowed. `host` is compared without case, a trailing dot
  /// or IPv6 brackets. An `address` that is not an IP address is refused.
  std::optional<std::string> refusal(std::string_view host, std::string_view address) const;
  std::optional<std::string> refusal(std::string_view host, const ip_address& address) const;

  /// False when no address of `host` could be allowed (it is not a listed name and the list
  /// has no IP ranges): the sender refuses it without asking DNS, which would tell an
  /// outside name server what a caller asked for.
  bool could_allow(std::string_view host) const;

  bool empty() const noexcept { return ranges_.empty() && names_.empty() && suffixes_.empty(); }

  /// The entries in normal form (lower case, host bits cleared, `/32` and `/128` dropped, no
  /// duplicates): ranges first, then names, for logs and the admin API.
  std::vector<std::string> entries() const;

 private:
  struct range {
    ip_address base;
    int prefix = 0;
  };

  bool in_ranges(const ip_address& address) const noexcept;
  bool names(std::string_view host) const;

  std::vector<range> ranges_;
  /// Exact host names, lower case, without a trailing dot.
  std::vector<std::string> names_;
  /// From `*.example.com`: `.example.com`, which a matching host ends with.
  std::vector<std::string> suffixes_;
};

} // namespace herald::net
