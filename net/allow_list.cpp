#include "net/allow_list.hpp"

#include "net/http_url.hpp"
#include "net/text.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

namespace herald::net {

namespace {

using bytes16 = std::array<std::uint8_t, 16>;

constexpr std::string_view on_list = "callbacks.allow";

/// An IPv6 prefix from its eight 16-bit groups, as written.
constexpr bytes16 v6(std::uint16_t g0, std::uint16_t g1 = 0, std::uint16_t g2 = 0,
                     std::uint16_t g3 = 0) noexcept {
  bytes16 b{};
  const std::uint16_t groups[] = {g0, g1, g2, g3};
  for (int i = 0; i < 4; ++i) {
    b[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    b[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
  }
  return b;
}

/// Whether the first `prefix` bits of `a` and `b` are equal.
bool same_prefix(const std::uint8_t* a, const std::uint8_t* b, int prefix) noexcept {
  int whole = prefix / 8;
  if (!std::equal(a, a + whole, b))
    return false;
  if (int rest = prefix % 8; rest != 0) {
    auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
  }
  return true;
}

/// `bytes` with every bit past the first `prefix` cleared.
void clear_host_bits(bytes16& bytes, int prefix) noexcept {
  for (int bit = prefix; bit < 128; ++bit)
    bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
}

struct v4_block {
  std::uint8_t a, b, c, d;
  int prefix;
  address_kind kind;
};

/// IANA's IPv4 special-purpose registry, as far as a callback is concerned; the more specific
/// block first where two overlap. The few special blocks IANA marks globally reachable (AS112,
/// AMT, ...) are nowhere a webhook receiver lives, so they stay refused with their neighbours.
constexpr v4_block v4_blocks[] = {
    {0, 0, 0, 0, 8, address_kind::unspecified},
    {10, 0, 0, 0, 8, address_kind::private_use},
    {100, 64, 0, 0, 10, address_kind::shared},
    {127, 0, 0, 0, 8, address_kind::loopback},
    {169, 254, 0, 0, 16, address_kind::link_local},
    {172, 16, 0, 0, 12, address_kind::private_use},
    {192, 0, 0, 0, 24, address_kind::reserved},
    {192, 0, 2, 0, 24, address_kind::documentation},
    {192, 88, 99, 0, 24, address_kind::reserved},
    {192, 168, 0, 0, 16, address_kind::private_use},
    {198, 18, 0, 0, 15, address_kind::benchmarking},
    {198, 51, 100, 0, 24, address_kind::documentation},
    {203, 0, 113, 0, 24, address_kind::documentation},
    {224, 0, 0, 0, 4, address_kind::multicast},
    {255, 255, 255, 255, 32, address_kind::broadcast},
    {240, 0, 0, 0, 4, address_kind::reserved},
};

address_kind classify_v4(const std::uint8_t* a) noexcept {
  for (const auto& block : v4_blocks) {
    const std::uint8_t base[] = {block.a, block.b, block.c, block.d};
    if (same_prefix(a, base, block.prefix))
      return block.kind;
  }
  return address_kind::global;
}

struct v6_block {
  bytes16 base;
  int prefix;
  address_kind kind;
};

/// IANA's IPv6 special-purpose registry, after `::`, `::1` and the blocks that embed an IPv4
/// address; the more specific block first where two overlap.
const v6_block v6_blocks[] = {
    {v6(0x64, 0xff9b, 1), 48, address_kind::private_use}, // NAT64 for local use (RFC 8215)
    {v6(0x2001, 0xdb8), 32, address_kind::documentation},
    {v6(0x3fff), 20, address_kind::documentation},
    {v6(0x2001, 2), 48, address_kind::benchmarking},
    {v6(0x2001), 23, address_kind::reserved}, // IETF protocol assignments, Teredo among them
    {v6(0xfc00), 7, address_kind::unique_local},
    {v6(0xfe80), 10, address_kind::link_local},
    {v6(0xfec0), 10, address_kind::private_use}, // site-local, deprecated but still routed so
    {v6(0xff00), 8, address_kind::multicast},
    {v6(0x2000), 3, address_kind::global}, // global unicast; anything outside is reserved
};

/// `text` without IPv6 brackets and one trailing dot, as URL hosts compare.
std::string_view bare_host(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  return host;
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

std::string quoted(std::string_view entry) {
  return "'" + std::string{entry} + "'";
}

/// The prefix length `digits` writes, at most `max`; -1 for anything else.
int prefix_length(std::string_view digits, int max) noexcept {
  if (digits.empty() || digits.size() > 3)
    return -1;
  int n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return -1;
    n = n * 10 + (c - '0');
  }
  return n <= max ? n : -1;
}

} // namespace

// -- ip_address ---------------------------------------------------------------------------

ip_address ip_address::from_v4(const std::array<std::uint8_t, 4>& b) noexcept {
  ip_address out;
  std::copy(b.begin(), b.end(), out.bytes.begin());
  return out;
}

ip_address ip_address::from_v6(const std::array<std::uint8_t, 16>& b) noexcept {
  ip_address out;
  out.bytes = b;
  out.v6 = true;
  return out;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
  // Asio parses with inet_pton: dotted quads only (no `127.1`, no octal), IPv6 with a zone.
  if (text.empty() || text.size() > 64)
    return std::nullopt;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string{text}, ec);
  if (ec)
    return std::nullopt;
  if (address.is_v4())
    return from_v4(address.to_v4().to_bytes());
  return from_v6(address.to_v6().to_bytes());
}

std::string ip_address::text() const {
  if (!v6) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy_n(bytes.begin(), 4, b.begin());
    return boost::asio::ip::address_v4{b}.to_string();
  }
  return boost::asio::ip::address_v6{bytes}.to_string();
}

ip_address ip_address::unmapped() const noexcept {
  static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || !std::equal(mapped, mapped + 12, bytes.begin()))
    return *this;
  ip_address out;
  std::copy_n(bytes.begin() + 12, 4, out.bytes.begin());
  return out;
}

// -- classification -----------------------------------------------------------------------

address_kind classify(const ip_address& address) noexcept {
  if (!address.v6)
    return classify_v4(address.bytes.data());
  const auto& b = address.bytes;
  static const bytes16 mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const bytes16 nat64 = v6(0x64, 0xff9b);
  static const bytes16 six_to_four = v6(0x2002);
  // The IPv6 forms of an IPv4 address lead to it: they are what it is.
  if (same_prefix(b.data(), mapped.data(), 96) || same_prefix(b.data(), nat64.data(), 96))
    return classify_v4(b.data() + 12);
  if (same_prefix(b.data(), six_to_four.data(), 16))
    return classify_v4(b.data() + 2);
  if (std::all_of(b.begin(), b.end() - 1, [](std::uint8_t x) { return x == 0; })) {
    if (b[15] == 0)
      return address_kind::unspecified;
    if (b[15] == 1)
      return address_kind::loopback;
  }
  for (const auto& block : v6_blocks)
    if (same_prefix(b.data(), block.base.data(), block.prefix))
      return block.kind;
  return address_kind::reserved;
}

std::string_view describe(address_kind kind) noexcept {
  switch (kind) {
  case address_kind::global:
    return "public";
  case address_kind::unspecified:
    return "unspecified";
  case address_kind::loopback:
    return "loopback";
  case address_kind::private_use:
    return "private";
  case address_kind::shared:
    return "shared (carrier-grade NAT)";
  case address_kind::link_local:
    return "link-local";
  case address_kind::unique_local:
    return "unique local";
  case address_kind::multicast:
    return "multicast";
  case address_kind::broadcast:
    return "broadcast";
  case address_kind::documentation:
    return "documentation-only";
  case address_kind::benchmarking:
    return "benchmarking-only";
  case address_kind::reserved:
    break;
  }
  return "reserved";
}

// -- allow_list ---------------------------------------------------------------------------

std::optional<allow_list> allow_list::parse(const std::vector<std::string>& entries,
                                            std::string& error) {
  allow_list out;
  auto add_range = [&out](ip_address base, int prefix) {
    // Kept in the form `refusal` compares: an IPv4-mapped range is the IPv4 range it maps.
    if (base.v6 && prefix >= 96 && base.unmapped() != base) {
      base = base.unmapped();
      prefix -= 96;
    }
    clear_host_bits(base.bytes, prefix);
    auto same = [&](const range& r) {
      return r.base == base && r.prefix == prefix;
    };
    if (std::none_of(out.ranges_.begin(), out.ranges_.end(), same))
      out.ranges_.push_back({base, prefix});
  };
  auto add_name = [](std::vector<std::string>& to, std::string name) {
    if (std::find(to.begin(), to.end(), name) == to.end())
      to.push_back(std::move(name));
  };
  for (const auto& entry : entries) {
    if (entry.empty()) {
      error = "an entry is empty";
      return std::nullopt;
    }
    if (entry.find('%') != std::string::npos) {
      error = quoted(entry) + ": a zone index ('%') has no place in an entry";
      return std::nullopt;
    }
    if (auto slash = entry.find('/'); slash != std::string::npos) {
      auto text = std::string_view{entry}.substr(0, slash);
      auto base = ip_address::parse(text);
      if (!base) {
        error = quoted(entry) + ": " + quoted(text) + " is not an IP address";
        return std::nullopt;
      }
      int max = base->v6 ? 128 : 32;
      int prefix = prefix_length(std::string_view{entry}.substr(slash + 1), max);
      if (prefix < 0) {
        error = quoted(entry) + ": the prefix length must be 0 to " + std::to_string(max);
        return std::nullopt;
      }
      add_range(*base, prefix);
      continue;
    }
    if (auto address = ip_address::parse(entry)) {
      add_range(*address, address->v6 ? 128 : 32);
      continue;
    }
    if (entry.find(':') != std::string::npos) {
      error = quoted(entry) + ": not an IP address, and a host name has no ':' (nor a port)";
      return std::nullopt;
    }
    std::string_view name = entry;
    bool wildcard = name.starts_with("*.");
    if (wildcard)
      name.remove_prefix(2);
    if (name.find('*') != std::string_view::npos) {
      error = quoted(entry) + ": a wildcard is only '*.' before a domain, as in *.example.com";
      return std::nullopt;
    }
    if (auto problem = host_name_problem(name); !problem.empty()) {
      error = quoted(entry) + ": " + std::string{problem};
      return std::nullopt;
    }
    auto normal = lower(bare_host(name));
    if (wildcard)
      add_name(out.suffixes_, "." + normal);
    else
      add_name(out.names_, std::move(normal));
  }
  return out;
}

bool allow_list::in_ranges(const ip_address& address) const noexcept {
  // A range matches addresses of its own family only: `::/0` is every IPv6 address, not
  // every IPv4 address too (IPv4-mapped addresses were made IPv4 before this).
  return std::any_of(ranges_.begin(), ranges_.end(), [&address](const range& r) {
    return r.base.v6 == address.v6 &&
           same_prefix(r.base.bytes.data(), address.bytes.data(), r.prefix);
  });
}

bool allow_list::names(std::string_view host) const {
  auto h = lower(bare_host(host));
  if (std::find(names_.begin(), names_.end(), h) != names_.end())
    return true;
  // `.example.com` matches `a.example.com` and `a.b.example.com`; `example.com` is shorter.
  return std::any_of(suffixes_.begin(), suffixes_.end(), [&h](const std::string& suffix) {
    return h.size() > suffix.size() && h.ends_with(suffix);
  });
}

std::optional<std::string> allow_list::refusal(std::string_view host,
                                               std::string_view address) const {
  auto parsed = ip_address::parse(address);
  if (!parsed)
    return quoted(address) + " is not an IP address";
  return refusal(host, *parsed);
}

std::optional<std::string> allow_list::refusal(std::string_view host,
                                               const ip_address& address) const {
  auto target = address.unmapped();
  if (in_ranges(target))
    return std::nullopt;
  auto kind = classify(target);
  bool named = names(host);
  if (named && kind == address_kind::global)
    return std::nullopt;

  if (empty())
    return std::string{on_list} + " is empty, so no callback may be sent";
  auto text = address.text();
  auto what = std::string{describe(kind)};
  if (ip_address::parse(bare_host(host))) {
    if (kind == address_kind::global)
      return text + " is not on " + std::string{on_list};
    return text + " is " + what + " and not on " + std::string{on_list};
  }
  auto name = std::string{bare_host(host)};
  if (named)
    return name + " resolves to " + text + ", " + what + ", not on " + std::string{on_list};
  if (kind == address_kind::global)
    return "host " + name + " is not on " + std::string{on_list};
  return "host " + name + " is not on " + std::string{on_list} + " and resolves to " + text + ", " +
         what;
}

bool allow_list::could_allow(std::string_view host) const {
  return !ranges_.empty() || names(host);
}

std::vector<std::string> allow_list::entries() const {
  std::vector<std::string> out;
  out.reserve(ranges_.size() + names_.size() + suffixes_.size());
  for (const auto& r : ranges_) {
    auto text = r.base.text();
    if (r.prefix != (r.base.v6 ? 128 : 32))
      text += "/" + std::to_string(r.prefix);
    out.push_back(std::move(text));
  }
  out.insert(out.end(), names_.begin(), names_.end());
  for (const auto& suffix : suffixes_)
    out.push_back("*" + suffix);
  return out;
}

} // namespace herald::net
