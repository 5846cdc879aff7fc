// Completion callbacks (SPEC §4.7), the parts without I/O: the allow-list and address
// classification that keep callbacks off the node's own network (SSRF), the callback URL
// parser, Standard Webhooks signatures with standard base64, and the retry policy.

#include "app/base64url.hpp"
#include "app/callback_retry.hpp"
#include "app/webhook_signature.hpp"
#include "net/allow_list.hpp"
#include "net/http_url.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using herald::app::base64_decode;
using herald::app::base64_encode;
using herald::app::delivery_verdict;
using herald::app::judge;
using herald::app::parse_retry_after;
using herald::app::retry_delay;
using herald::app::retry_policy;
using herald::app::webhook_signer;
using herald::net::address_kind;
using herald::net::allow_list;
using herald::net::host_header;
using herald::net::http_url;
using herald::net::ip_address;
using herald::net::parse_http_url;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// The kind of the address `text` writes; a test failure when it does not parse.
address_kind kind(std::string_view text) {
  auto address = ip_address::parse(text);
  BOOST_REQUIRE_MESSAGE(address.has_value(), std::string{text} + " does not parse");
  return classify(*address);
}

bool global(std::string_view text) {
  return kind(text) == address_kind::global;
}

/// The allow-list `entries` writes; a test failure when it does not parse.
allow_list list(const std::vector<std::string>& entries) {
  std::string error;
  auto parsed = allow_list::parse(entries, error);
  BOOST_REQUIRE_MESSAGE(parsed.has_value(), error);
  return std::move(*parsed);
}

/// Why `entries` does not parse; "(accepted)" when it does.
std::string list_error(const std::vector<std::string>& entries) {
  std::string error;
  return allow_list::parse(entries, error) ? "(accepted)" : error;
}

/// What `l` says about `address` for `host`: the refusal, or "(allowed)".
std::string verdict(const allow_list& l, std::string_view host, std::string_view address) {
  return l.refusal(host, address).value_or("(allowed)");
}

bool allowed(const allow_list& l, std::string_view host, std::string_view address) {
  return !l.refusal(host, address).has_value();
}

/// `text` as a URL; a test failure when it does not parse.
http_url url(std::string_view text) {
  std::string error;
  auto parsed = parse_http_url(text, error);
  BOOST_REQUIRE_MESSAGE(parsed.has_value(), std::string{text} + ": " + error);
  return std::move(*parsed);
}

/// Why `text` is not a callback URL; "(accepted)" when it is.
std::string url_error(std::string_view text) {
  std::string error;
  return parse_http_url(text, error) ? "(accepted)" : error;
}

webhook_signer signer(const std::vector<std::string>& secrets) {
  std::string error;
  auto made = webhook_signer::make(secrets, error);
  BOOST_REQUIRE_MESSAGE(made.has_value(), error);
  return std::move(*made);
}

std::string signer_error(const std::vector<std::string>& secrets) {
  std::string error;
  return webhook_signer::make(secrets, error) ? "(accepted)" : error;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// The Standard Webhooks reference libraries' signing test: their key, message and result.
const std::string spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t spec_timestamp = 1614265330;
const std::string spec_body = R"({"test": 2432232314})";
const std::string spec_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/// Sun, 06 Nov 1994 08:49:00 GMT, half a millisecond in.
const std::chrono::system_clock::time_point rfc_now =
    std::chrono::sys_days{std::chrono::November / 6 / 1994} + 8h + 49min + 500us;

} // namespace

BOOST_AUTO_TEST_SUITE(callback_pure)

// -- address classification ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(loopback_covers_all_of_127_0_0_0_slash_8_and_ipv6_colon_colon_1) {
  BOOST_TEST((kind("127.0.0.1") == address_kind::loopback));
  BOOST_TEST((kind("127.255.255.254") == address_kind::loopback));
  BOOST_TEST((kind("127.1.2.3") == address_kind::loopback));
  BOOST_TEST((kind("::1") == address_kind::loopback));
  BOOST_TEST(global("126.255.255.255"));
  BOOST_TEST(global("128.0.0.0"));
}

BOOST_AUTO_TEST_CASE(the_this_network_block_and_the_unspecified_addresses_are_unspecified) {
  BOOST_TEST((kind("0.0.0.0") == address_kind::unspecified));
  BOOST_TEST((kind("0.1.2.3") == address_kind::unspecified));
  BOOST_TEST((kind("0.255.255.255") == address_kind::unspecified));
  BOOST_TEST((kind("::") == address_kind::unspecified));
  BOOST_TEST(global("1.0.0.0"));
}

BOOST_AUTO_TEST_CASE(the_rfc_1918_ranges_are_private_up_to_their_exact_edges) {
  BOOST_TEST((kind("10.0.0.0") == address_kind::private_use));
  BOOST_TEST((kind("10.255.255.255") == address_kind::private_use));
  BOOST_TEST(global("9.255.255.255"));
  BOOST_TEST(global("11.0.0.0"));
  BOOST_TEST((kind("172.16.0.0") == address_kind::private_use));
  BOOST_TEST((kind("172.31.255.255") == address_kind::private_use));
  BOOST_TEST(global("172.15.255.255"));
  BOOST_TEST(global("172.32.0.0"));
  BOOST_TEST((kind("192.168.0.1") == address_kind::private_use));
  BOOST_TEST((kind("192.168.255.255") == address_kind::private_use));
  BOOST_TEST(global("192.167.255.255"));
  BOOST_TEST(global("192.169.0.0"));
}

BOOST_AUTO_TEST_CASE(link_local_includes_the_cloud_metadata_address) {
  BOOST_TEST((kind("169.254.169.254") == address_kind::link_local));
  BOOST_TEST((kind("169.254.0.0") == address_kind::link_local));
  BOOST_TEST((kind("169.254.255.255") == address_kind::link_local));
  BOOST_TEST(global("169.253.255.255"));
  BOOST_TEST(global("169.255.0.0"));
  BOOST_TEST((kind("fe80::1") == address_kind::link_local));
  BOOST_TEST((kind("febf:ffff::1") == address_kind::link_local));
  BOOST_TEST((kind("fe80::1%1") == address_kind::link_local));
}

BOOST_AUTO_TEST_CASE(the_carrier_grade_nat_range_is_shared_and_not_public) {
  BOOST_TEST((kind("100.64.0.0") == address_kind::shared));
  BOOST_TEST((kind("100.127.255.255") == address_kind::shared));
  BOOST_TEST(global("100.63.255.255"));
  BOOST_TEST(global("100.128.0.0"));
}

BOOST_AUTO_TEST_CASE(documentation_benchmarking_multicast_broadcast_and_reserved_are_not_public) {
  BOOST_TEST((kind("192.0.2.1") == address_kind::documentation));
  BOOST_TEST((kind("198.51.100.7") == address_kind::documentation));
  BOOST_TEST((kind("203.0.113.255") == address_kind::documentation));
  BOOST_TEST((kind("198.18.0.1") == address_kind::benchmarking));
  BOOST_TEST((kind("198.19.255.255") == address_kind::benchmarking));
  BOOST_TEST(global("198.20.0.0"));
  BOOST_TEST((kind("224.0.0.1") == address_kind::multicast));
  BOOST_TEST((kind("239.255.255.255") == address_kind::multicast));
  BOOST_TEST((kind("255.255.255.255") == address_kind::broadcast));
  BOOST_TEST((kind("240.0.0.1") == address_kind::reserved));
  BOOST_TEST((kind("255.255.255.254") == address_kind::reserved));
  BOOST_TEST((kind("192.0.0.170") == address_kind::reserved));
  BOOST_TEST((kind("192.88.99.1") == address_kind::reserved));
  BOOST_TEST((kind("2001:db8::1") == address_kind::documentation));
  BOOST_TEST((kind("3fff::1") == address_kind::documentation));
  BOOST_TEST((kind("2001:2::1") == address_kind::benchmarking));
  BOOST_TEST((kind("ff02::1") == address_kind::multicast));
}

BOOST_AUTO_TEST_CASE(ipv6_unique_local_is_all_of_fc00_slash_7) {
  BOOST_TEST((kind("fc00::1") == address_kind::unique_local));
  BOOST_TEST((kind("fd12:3456::1") == address_kind::unique_local));
  BOOST_TEST((kind("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == address_kind::unique_local));
  BOOST_TEST((kind("fe00::1") == address_kind::reserved));
  BOOST_TEST((kind("fec0::1") == address_kind::private_use));
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_ipv6_addresses_are_what_their_ipv4_address_is) {
  BOOST_TEST((kind("::ffff:127.0.0.1") == address_kind::loopback));
  BOOST_TEST((kind("::ffff:7f00:1") == address_kind::loopback));
  BOOST_TEST((kind("::ffff:169.254.169.254") == address_kind::link_local));
  BOOST_TEST((kind("::ffff:10.1.2.3") == address_kind::private_use));
  BOOST_TEST(global("::ffff:8.8.8.8"));
}

BOOST_AUTO_TEST_CASE(nat64_and_6to4_addresses_are_what_their_embedded_ipv4_address_is) {
  BOOST_TEST((kind("64:ff9b::7f00:1") == address_kind::loopback));
  BOOST_TEST((kind("64:ff9b::a9fe:a9fe") == address_kind::link_local));
  BOOST_TEST(global("64:ff9b::808:808"));
  BOOST_TEST((kind("64:ff9b:1::1") == address_kind::private_use));
  BOOST_TEST((kind("2002:7f00:1::1") == address_kind::loopback));
  BOOST_TEST((kind("2002:c0a8:101::1") == address_kind::private_use));
  BOOST_TEST(global("2002:808:808::1"));
}

BOOST_AUTO_TEST_CASE(ipv6_outside_global_unicast_and_the_protocol_blocks_are_reserved) {
  BOOST_TEST((kind("::2") == address_kind::reserved));
  BOOST_TEST((kind("::127.0.0.1") == address_kind::reserved)); // IPv4-compatible, deprecated
  BOOST_TEST((kind("100::1") == address_kind::reserved));      // discard-only
  BOOST_TEST((kind("2001::1") == address_kind::reserved));     // Teredo
  BOOST_TEST((kind("5f00::1") == address_kind::reserved));
  BOOST_TEST((kind("4000::1") == address_kind::reserved));
  BOOST_TEST(global("2a00:1450:4001:81c::200e"));
  BOOST_TEST(global("2606:4700::1111"));
  BOOST_TEST(global("8.8.8.8"));
  BOOST_TEST(global("1.1.1.1"));
}

BOOST_AUTO_TEST_CASE(kinds_read_as_words_in_refusals) {
  BOOST_TEST(herald::net::describe(address_kind::global) == "public");
  BOOST_TEST(herald::net::describe(address_kind::link_local) == "link-local");
  BOOST_TEST(herald::net::describe(address_kind::private_use) == "private");
  BOOST_TEST(herald::net::describe(address_kind::reserved) == "reserved");
}

BOOST_AUTO_TEST_CASE(only_strict_ip_text_parses_as_an_address) {
  BOOST_TEST(ip_address::parse("192.0.2.1").value().text() == "192.0.2.1");
  BOOST_TEST(ip_address::parse("2001:DB8:0:0::1").value().text() == "2001:db8::1");
  BOOST_TEST(ip_address::parse("fe80::1%1").value().text() == "fe80::1");
  BOOST_TEST(!ip_address::parse("").has_value());
  BOOST_TEST(!ip_address::parse("127.1").has_value());
  BOOST_TEST(!ip_address::parse("010.0.0.1").has_value());
  BOOST_TEST(!ip_address::parse("0x7f.0.0.1").has_value());
  BOOST_TEST(!ip_address::parse("2130706433").has_value());
  BOOST_TEST(!ip_address::parse("256.0.0.1").has_value());
  BOOST_TEST(!ip_address::parse("10.0.0.0/8").has_value());
  BOOST_TEST(!ip_address::parse("[::1]").has_value());
  BOOST_TEST(!ip_address::parse(" 127.0.0.1").has_value());
  BOOST_TEST(!ip_address::parse("localhost").has_value());
  BOOST_TEST(!ip_address::parse("::g").has_value());
}

BOOST_AUTO_TEST_CASE(bytes_and_text_give_the_same_address) {
  auto v4 = ip_address::from_v4({169, 254, 169, 254});
  BOOST_TEST((v4 == ip_address::parse("169.254.169.254").value()));
  BOOST_TEST(v4.text() == "169.254.169.254");
  auto v6 = ip_address::from_v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1});
  BOOST_TEST(v6.text() == "::ffff:127.0.0.1");
  BOOST_TEST((v6.unmapped() == ip_address::from_v4({127, 0, 0, 1})));
  BOOST_TEST((ip_address::parse("::1").value().unmapped() == ip_address::parse("::1").value()));
}

// -- the allow-list ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_empty_list_allows_nothing_not_even_public_addresses) {
  auto l = list({});
  BOOST_TEST(l.empty());
  BOOST_TEST(l.entries().empty());
  BOOST_TEST(verdict(l, "hooks.example.com", "8.8.8.8") ==
             "callbacks.allow is empty, so no callback may be sent");
  BOOST_TEST(!allowed(l, "127.0.0.1", "127.0.0.1"));
  BOOST_TEST(!l.could_allow("hooks.example.com"));
}

BOOST_AUTO_TEST_CASE(a_listed_host_is_allowed_at_its_public_addresses) {
  auto l = list({"hooks.example.com"});
  BOOST_TEST(!l.empty());
  BOOST_TEST(allowed(l, "hooks.example.com", "93.184.216.34"));
  BOOST_TEST(allowed(l, "HOOKS.Example.COM", "93.184.216.34"));
  BOOST_TEST(allowed(l, "hooks.example.com.", "93.184.216.34"));
  BOOST_TEST(allowed(l, "hooks.example.com", "2606:2800:220:1:248:1893:25c8:1946"));
  BOOST_TEST(allowed(l, "hooks.example.com", "::ffff:93.184.216.34"));
}

BOOST_AUTO_TEST_CASE(a_listed_host_that_resolves_to_a_private_address_is_refused) {
  auto l = list({"hooks.example.com", "localhost"});
  BOOST_TEST(verdict(l, "localhost", "127.0.0.1") ==
             "localhost resolves to 127.0.0.1, loopback, not on callbacks.allow");
  BOOST_TEST(verdict(l, "hooks.example.com", "169.254.169.254") ==
             "hooks.example.com resolves to 169.254.169.254, link-local, not on callbacks.allow");
  BOOST_TEST(!allowed(l, "hooks.example.com", "10.0.0.5"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "100.64.1.1"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "::1"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "fd00::1"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "fe80::1%1"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "0.0.0.0"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "::"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "::ffff:127.0.0.1"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "64:ff9b::a9fe:a9fe"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "224.0.0.1"));
  BOOST_TEST(!allowed(l, "hooks.example.com", "255.255.255.255"));
}

BOOST_AUTO_TEST_CASE(a_host_that_is_not_listed_is_refused_at_any_address) {
  auto l = list({"hooks.example.com"});
  BOOST_TEST(verdict(l, "evil.example", "93.184.216.34") ==
             "host evil.example is not on callbacks.allow");
  BOOST_TEST(verdict(l, "evil.example", "127.0.0.1") ==
             "host evil.example is not on callbacks.allow and resolves to 127.0.0.1, loopback");
  BOOST_TEST(!allowed(l, "example.com", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "a.hooks.example.com", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "hooks.example.com.evil.example", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "hooks-example.com", "93.184.216.34"));
  BOOST_TEST(!l.could_allow("evil.example"));
  BOOST_TEST(l.could_allow("Hooks.Example.com"));
}

BOOST_AUTO_TEST_CASE(an_ip_literal_host_is_refused_with_its_kind_unless_its_range_is_listed) {
  auto l = list({"hooks.example.com"});
  BOOST_TEST(verdict(l, "169.254.169.254", "169.254.169.254") ==
             "169.254.169.254 is link-local and not on callbacks.allow");
  BOOST_TEST(verdict(l, "::1", "::1") == "::1 is loopback and not on callbacks.allow");
  BOOST_TEST(verdict(l, "[::1]", "::1") == "::1 is loopback and not on callbacks.allow");
  BOOST_TEST(verdict(l, "::ffff:127.0.0.1", "::ffff:127.0.0.1") ==
             "::ffff:127.0.0.1 is loopback and not on callbacks.allow");
  BOOST_TEST(verdict(l, "8.8.8.8", "8.8.8.8") == "8.8.8.8 is not on callbacks.allow");
}

BOOST_AUTO_TEST_CASE(a_name_that_resolves_to_loopback_is_refused_unless_its_range_is_listed) {
  BOOST_TEST(!allowed(list({"localhost"}), "localhost", "127.0.0.1"));
  auto l = list({"127.0.0.1"});
  BOOST_TEST(allowed(l, "localhost", "127.0.0.1"));
  BOOST_TEST(allowed(l, "anything.example", "127.0.0.1"));
  BOOST_TEST(allowed(l, "127.0.0.1", "127.0.0.1"));
  BOOST_TEST(allowed(l, "localhost", "::ffff:127.0.0.1"));
  BOOST_TEST(!allowed(l, "localhost", "127.0.0.2"));
  BOOST_TEST(!allowed(l, "localhost", "::1"));
  BOOST_TEST(l.could_allow("localhost"));
}

BOOST_AUTO_TEST_CASE(a_listed_range_allows_every_address_inside_it_and_none_outside) {
  auto l = list({"10.0.0.0/8", "fd00::/8", "192.168.1.0/24"});
  BOOST_TEST(allowed(l, "internal.corp", "10.0.0.1"));
  BOOST_TEST(allowed(l, "internal.corp", "10.255.255.255"));
  BOOST_TEST(allowed(l, "internal.corp", "::ffff:10.1.2.3"));
  BOOST_TEST(!allowed(l, "internal.corp", "11.0.0.0"));
  BOOST_TEST(allowed(l, "internal.corp", "fd12::1"));
  BOOST_TEST(!allowed(l, "internal.corp", "fc00::1"));
  BOOST_TEST(allowed(l, "192.168.1.77", "192.168.1.77"));
  BOOST_TEST(!allowed(l, "192.168.2.1", "192.168.2.1"));
  BOOST_TEST(!allowed(l, "internal.corp", "127.0.0.1"));
  BOOST_TEST(!allowed(l, "internal.corp", "169.254.169.254"));
}

BOOST_AUTO_TEST_CASE(an_ipv6_range_does_not_cover_ipv4_addresses_nor_the_other_way_round) {
  auto all_v6 = list({"::/0"});
  BOOST_TEST(allowed(all_v6, "h.example", "::1"));
  BOOST_TEST(allowed(all_v6, "h.example", "fe80::1"));
  BOOST_TEST(!allowed(all_v6, "h.example", "127.0.0.1"));
  BOOST_TEST(!allowed(all_v6, "h.example", "::ffff:127.0.0.1"));
  auto all_v4 = list({"0.0.0.0/0"});
  BOOST_TEST(allowed(all_v4, "h.example", "127.0.0.1"));
  BOOST_TEST(allowed(all_v4, "h.example", "::ffff:10.0.0.1"));
  BOOST_TEST(!allowed(all_v4, "h.example", "::1"));
}

BOOST_AUTO_TEST_CASE(a_mapped_range_is_the_ipv4_range_it_maps) {
  auto l = list({"::ffff:10.0.0.0/104"});
  BOOST_TEST(l.entries() == std::vector<std::string>{"10.0.0.0/8"});
  BOOST_TEST(allowed(l, "h.example", "10.9.9.9"));
  BOOST_TEST(list({"::ffff:127.0.0.1"}).entries() == std::vector<std::string>{"127.0.0.1"});
}

BOOST_AUTO_TEST_CASE(a_wildcard_matches_every_subdomain_but_not_the_apex) {
  auto l = list({"*.example.com"});
  BOOST_TEST(allowed(l, "a.example.com", "93.184.216.34"));
  BOOST_TEST(allowed(l, "a.b.example.com", "93.184.216.34"));
  BOOST_TEST(allowed(l, "A.EXAMPLE.com", "93.184.216.34"));
  BOOST_TEST(allowed(l, "a.example.com.", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "example.com", "93.184.216.34"));
  BOOST_TEST(!allowed(l, ".example.com", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "notexample.com", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "a.example.com.evil.example", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "a.example.co", "93.184.216.34"));
  BOOST_TEST(verdict(l, "a.example.com", "10.0.0.1") ==
             "a.example.com resolves to 10.0.0.1, private, not on callbacks.allow");
}

BOOST_AUTO_TEST_CASE(a_wildcard_and_its_apex_may_both_be_listed) {
  auto l = list({"*.example.com", "example.com"});
  BOOST_TEST(allowed(l, "example.com", "93.184.216.34"));
  BOOST_TEST(allowed(l, "x.example.com", "93.184.216.34"));
  BOOST_TEST(!allowed(l, "example.org", "93.184.216.34"));
}

BOOST_AUTO_TEST_CASE(an_address_that_is_not_an_ip_address_is_refused) {
  auto l = list({"0.0.0.0/0", "hooks.example.com"});
  BOOST_TEST(verdict(l, "hooks.example.com", "hooks.example.com") ==
             "'hooks.example.com' is not an IP address");
  BOOST_TEST(!allowed(l, "hooks.example.com", ""));
  BOOST_TEST(!allowed(l, "hooks.example.com", "127.1"));
}

BOOST_AUTO_TEST_CASE(the_bytes_overload_decides_like_the_text_one) {
  auto l = list({"hooks.example.com", "10.0.0.0/8"});
  BOOST_TEST(!l.refusal("hooks.example.com", ip_address::from_v4({93, 184, 216, 34})));
  BOOST_TEST(!l.refusal("x.example", ip_address::from_v4({10, 1, 1, 1})));
  BOOST_TEST(l.refusal("hooks.example.com", ip_address::from_v4({169, 254, 169, 254})).value() ==
             "hooks.example.com resolves to 169.254.169.254, link-local, not on callbacks.allow");
}

BOOST_AUTO_TEST_CASE(prefix_lengths_from_0_to_the_address_size_parse) {
  BOOST_TEST(list({"0.0.0.0/0"}).entries() == std::vector<std::string>{"0.0.0.0/0"});
  BOOST_TEST(list({"127.0.0.1/32"}).entries() == std::vector<std::string>{"127.0.0.1"});
  BOOST_TEST(list({"::/0"}).entries() == std::vector<std::string>{"::/0"});
  BOOST_TEST(list({"::1/128"}).entries() == std::vector<std::string>{"::1"});
  BOOST_TEST(list({"10.0.0.0/008"}).entries() == std::vector<std::string>{"10.0.0.0/8"});
}

BOOST_AUTO_TEST_CASE(prefix_lengths_past_the_address_size_or_not_decimal_are_refused) {
  BOOST_TEST(list_error({"10.0.0.0/33"}) == "'10.0.0.0/33': the prefix length must be 0 to 32");
  BOOST_TEST(list_error({"fd00::/129"}) == "'fd00::/129': the prefix length must be 0 to 128");
  BOOST_TEST(list_error({"10.0.0.0/"}) == "'10.0.0.0/': the prefix length must be 0 to 32");
  BOOST_TEST(list_error({"10.0.0.0/-1"}) != "(accepted)");
  BOOST_TEST(list_error({"10.0.0.0/+8"}) != "(accepted)");
  BOOST_TEST(list_error({"10.0.0.0/ 8"}) != "(accepted)");
  BOOST_TEST(list_error({"10.0.0.0/8/8"}) != "(accepted)");
  BOOST_TEST(list_error({"10.0.0.0/0x8"}) != "(accepted)");
  BOOST_TEST(list_error({"10.0.0.0/1000"}) != "(accepted)");
  BOOST_TEST(list_error({"300.0.0.0/8"}) == "'300.0.0.0/8': '300.0.0.0' is not an IP address");
  BOOST_TEST(list_error({"garbage/8"}) == "'garbage/8': 'garbage' is not an IP address");
  BOOST_TEST(list_error({"/8"}) != "(accepted)");
}

BOOST_AUTO_TEST_CASE(host_bits_past_the_prefix_are_cleared_and_duplicates_dropped) {
  auto l = list({"10.1.2.3/8", "10.0.0.0/8", "fd00::1/8", "HOOKS.example.com", "hooks.example.com.",
                 "*.Example.com", "127.0.0.1", "127.0.0.1/32", "172.31.255.255/12"});
  BOOST_TEST(l.entries() ==
                 (std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "127.0.0.1", "172.16.0.0/12",
                                           "hooks.example.com", "*.example.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(allowed(l, "x", "10.200.0.1"));
}

BOOST_AUTO_TEST_CASE(entries_that_are_neither_ranges_nor_host_names_are_refused_by_name) {
  BOOST_TEST(list_error({"hooks.example.com", ""}) == "an entry is empty");
  BOOST_TEST(list_error({"hooks example.com"}) ==
             "'hooks example.com': a host name is letters, digits, '-' and '_' between dots");
  BOOST_TEST(contains(list_error({"http://hooks.example.com"}), "'http://hooks.example.com'"));
  BOOST_TEST(contains(list_error({"hooks.example.com:443"}), "has no ':'"));
  BOOST_TEST(contains(list_error({"hooks.example.com/x"}), "is not an IP address"));
  BOOST_TEST(contains(list_error({"fe80::1%eth0"}), "zone index"));
  BOOST_TEST(contains(list_error({"[::1]"}), "'[::1]'"));
  BOOST_TEST(contains(list_error({" 10.0.0.1"}), "' 10.0.0.1'"));
  BOOST_TEST(contains(list_error({"-bad.example.com"}), "must not start or end with '-'"));
  BOOST_TEST(contains(list_error({"a..b"}), "empty label"));
  BOOST_TEST(contains(list_error({".example.com"}), "empty label"));
  BOOST_TEST(contains(list_error({std::string(64, 'a') + ".com"}), "63"));
  BOOST_TEST(contains(list_error({"exa\xc3\xa9mple.com"}), "letters, digits"));
  BOOST_TEST(contains(list_error({std::string{"a\0b", 3}}), "letters, digits"));
}

BOOST_AUTO_TEST_CASE(numbers_that_a_resolver_reads_as_addresses_are_not_host_names) {
  BOOST_TEST(contains(list_error({"127.1"}), "dotted-quad"));
  BOOST_TEST(contains(list_error({"2130706433"}), "dotted-quad"));
  BOOST_TEST(contains(list_error({"0x7f.1"}), "dotted-quad"));
  BOOST_TEST(contains(list_error({"10.0.0"}), "dotted-quad"));
  BOOST_TEST(list_error({"1password.com"}) == "(accepted)");
  BOOST_TEST(list_error({"host.0xfg"}) == "(accepted)");
}

BOOST_AUTO_TEST_CASE(a_wildcard_is_only_a_whole_first_label) {
  BOOST_TEST(contains(list_error({"*"}), "*.example.com"));
  BOOST_TEST(contains(list_error({"*example.com"}), "*.example.com"));
  BOOST_TEST(contains(list_error({"a.*.example.com"}), "*.example.com"));
  BOOST_TEST(contains(list_error({"*.*.example.com"}), "*.example.com"));
  BOOST_TEST(contains(list_error({"*."}), "empty"));
  BOOST_TEST(list_error({"*.internal"}) == "(accepted)");
}

// -- callback URLs -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_https_url_gets_port_443_and_at_least_a_slash_as_target) {
  auto u = url("https://hooks.example.com");
  BOOST_TEST(u.tls);
  BOOST_TEST(u.host == "hooks.example.com");
  BOOST_TEST(u.port == 443);
  BOOST_TEST(u.target == "/");
  BOOST_TEST(u.text == "https://hooks.example.com");
  BOOST_TEST(host_header(u) == "hooks.example.com");
  BOOST_TEST(url("https://h.example?x=1").target == "/?x=1");
}

BOOST_AUTO_TEST_CASE(an_http_url_gets_port_80_and_keeps_its_path_and_query_encoded) {
  auto u = url("http://hooks.example.com/a%20b/c?x=1&y=%2F");
  BOOST_TEST(!u.tls);
  BOOST_TEST(u.port == 80);
  BOOST_TEST(u.target == "/a%20b/c?x=1&y=%2F");
  BOOST_TEST(host_header(u) == "hooks.example.com");
  BOOST_TEST(url("http://h.example:/x").port == 80);
}

BOOST_AUTO_TEST_CASE(scheme_and_host_are_case_insensitive_and_the_host_is_lower_cased) {
  auto u = url("HTTPS://Hooks.EXAMPLE.com/Path");
  BOOST_TEST(u.tls);
  BOOST_TEST(u.host == "hooks.example.com");
  BOOST_TEST(u.target == "/Path");
  BOOST_TEST(u.text == "HTTPS://Hooks.EXAMPLE.com/Path");
  BOOST_TEST(!url("HtTp://h.example/").tls);
}

BOOST_AUTO_TEST_CASE(an_explicit_port_is_kept_and_named_in_the_host_header_unless_default) {
  auto u = url("https://hooks.example.com:8443/cb");
  BOOST_TEST(u.port == 8443);
  BOOST_TEST(host_header(u) == "hooks.example.com:8443");
  BOOST_TEST(host_header(url("https://h.example:443/")) == "h.example");
  BOOST_TEST(host_header(url("http://h.example:443/")) == "h.example:443");
  BOOST_TEST(host_header(url("https://h.example:80/")) == "h.example:80");
  BOOST_TEST(url("http://h.example:1/").port == 1);
  BOOST_TEST(url("http://h.example:65535/").port == 65535);
}

BOOST_AUTO_TEST_CASE(an_ipv6_literal_loses_its_brackets_in_host_and_keeps_them_in_host_header) {
  auto u = url("http://[::1]:8080/cb");
  BOOST_TEST(u.host == "::1");
  BOOST_TEST(u.port == 8080);
  BOOST_TEST(host_header(u) == "[::1]:8080");
  auto v = url("https://[2001:DB8:0::1]/");
  BOOST_TEST(v.host == "2001:db8::1");
  BOOST_TEST(host_header(v) == "[2001:db8::1]");
  BOOST_TEST(url("http://127.0.0.1:9000/").host == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(user_information_is_refused_even_when_empty) {
  BOOST_TEST(contains(url_error("https://user:pass@hooks.example.com/"), "user information"));
  BOOST_TEST(contains(url_error("https://user@hooks.example.com/"), "user information"));
  BOOST_TEST(contains(url_error("https://@hooks.example.com/"), "user information"));
  BOOST_TEST(contains(url_error("https://:@hooks.example.com/"), "user information"));
}

BOOST_AUTO_TEST_CASE(schemes_other_than_http_and_https_are_refused) {
  BOOST_TEST(url_error("ftp://hooks.example.com/") ==
             "a callback URL must be http or https, not 'ftp'");
  BOOST_TEST(contains(url_error("file:///etc/passwd"), "not 'file'"));
  BOOST_TEST(contains(url_error("gopher://h.example:70/"), "not 'gopher'"));
  BOOST_TEST(contains(url_error("ws://h.example/"), "not 'ws'"));
  BOOST_TEST(contains(url_error("httpx://h.example/"), "not 'httpx'"));
  BOOST_TEST(contains(url_error("mailto:a@h.example"), "not 'mailto'"));
}

BOOST_AUTO_TEST_CASE(a_fragment_is_refused) {
  BOOST_TEST(url_error("https://h.example/cb#frag") ==
             "a callback URL must not have a fragment ('#')");
  BOOST_TEST(url_error("https://h.example/#") != "(accepted)");
}

BOOST_AUTO_TEST_CASE(relative_references_and_urls_without_a_host_are_refused) {
  BOOST_TEST(url_error("/callback") != "(accepted)");
  BOOST_TEST(url_error("//h.example/callback") != "(accepted)");
  BOOST_TEST(url_error("h.example/callback") != "(accepted)");
  BOOST_TEST(url_error("") != "(accepted)");
  BOOST_TEST(url_error("http:///callback") == "a callback URL must have a host");
  BOOST_TEST(url_error("http:callback") == "a callback URL must have a host");
  BOOST_TEST(url_error("http://:8080/") == "a callback URL must have a host");
}

BOOST_AUTO_TEST_CASE(ports_outside_1_to_65535_are_refused) {
  BOOST_TEST(url_error("http://h.example:0/") == "a callback URL's port must be 1 to 65535");
  BOOST_TEST(url_error("http://h.example:65536/") == "a callback URL's port must be 1 to 65535");
  BOOST_TEST(url_error("http://h.example:99999999999999999999/") ==
             "a callback URL's port must be 1 to 65535");
  BOOST_TEST(url_error("http://h.example:-1/") == "a callback URL's host and port are not valid");
  BOOST_TEST(url_error("http://h.example:8o/") == "a callback URL's host and port are not valid");
  BOOST_TEST(url_error("http://h.example:80x") == "a callback URL's host and port are not valid");
}

BOOST_AUTO_TEST_CASE(white_space_control_characters_and_raw_non_ascii_are_refused) {
  BOOST_TEST(contains(url_error("http://h.example/a b"), "white space"));
  BOOST_TEST(contains(url_error(" http://h.example/"), "white space"));
  BOOST_TEST(contains(url_error("http://h.example/\r\nX-Injected: 1"), "white space"));
  BOOST_TEST(contains(url_error("http://h.example/\t"), "white space"));
  BOOST_TEST(contains(url_error(std::string{"http://h.example/\0", 18}), "control"));
  BOOST_TEST(contains(url_error("http://h.example/\x7f"), "control"));
  BOOST_TEST(url_error("http://h.example/caf\xc3\xa9") != "(accepted)");
  BOOST_TEST(url_error("http://h.example/a\\b") != "(accepted)");
}

BOOST_AUTO_TEST_CASE(a_url_longer_than_the_limit_is_refused_and_one_at_the_limit_accepted) {
  std::string head = "https://h.example/";
  auto at_limit = head + std::string(herald::net::max_http_url_size - head.size(), 'a');
  BOOST_TEST(url(at_limit).target.size() == at_limit.size() - head.size() + 1);
  BOOST_TEST(contains(url_error(at_limit + "a"), "at most 2048"));
}

BOOST_AUTO_TEST_CASE(hosts_that_are_neither_addresses_nor_host_names_are_refused) {
  BOOST_TEST(contains(url_error("http://127.1/"), "dotted-quad"));
  BOOST_TEST(contains(url_error("http://2130706433/"), "dotted-quad"));
  BOOST_TEST(contains(url_error("http://0x7f000001/"), "dotted-quad"));
  BOOST_TEST(contains(url_error("http://127.0.0.01/"), "dotted-quad"));
  BOOST_TEST(contains(url_error("http://a%00b.example/"), "letters, digits"));
  BOOST_TEST(contains(url_error("http://a%2Fb.example/"), "letters, digits"));
  BOOST_TEST(contains(url_error("http://a..b/"), "empty label"));
  BOOST_TEST(url_error("http://[v1.fe]/") ==
             "a callback URL's host must be a host name or an IPv4 or IPv6 address");
  BOOST_TEST(url_error("http://[fe80::1%25eth0]/") != "(accepted)");
  BOOST_TEST(url("http://ex%61mple.com/").host == "example.com");
  BOOST_TEST(url("http://hooks.example.com./").host == "hooks.example.com.");
}

// -- base64 --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(base64_encodes_rfc_4648_vectors_with_padding) {
  BOOST_TEST(base64_encode("") == "");
  BOOST_TEST(base64_encode("f") == "Zg==");
  BOOST_TEST(base64_encode("fo") == "Zm8=");
  BOOST_TEST(base64_encode("foo") == "Zm9v");
  BOOST_TEST(base64_encode("foob") == "Zm9vYg==");
  BOOST_TEST(base64_encode("fooba") == "Zm9vYmE=");
  BOOST_TEST(base64_encode("foobar") == "Zm9vYmFy");
  BOOST_TEST(base64_encode("\xfb\xff") == "+/8=");
}

BOOST_AUTO_TEST_CASE(base64_decodes_what_it_encodes_for_every_byte_and_length) {
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  for (std::size_t n = 0; n <= all.size(); ++n) {
    auto text = all.substr(all.size() - n);
    auto back = base64_decode(base64_encode(text));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(*back == text);
  }
  BOOST_TEST(base64_decode("+/8=").value() == "\xfb\xff");
  BOOST_TEST(base64_decode("").value().empty());
  BOOST_TEST(base64_decode("Zm9vYg==").value() == "foob");
}

BOOST_AUTO_TEST_CASE(base64_decoding_refuses_missing_or_misplaced_padding) {
  BOOST_TEST(!base64_decode("Zg").has_value());
  BOOST_TEST(!base64_decode("Zg=").has_value());
  BOOST_TEST(!base64_decode("Zg===").has_value());
  BOOST_TEST(!base64_decode("Z===").has_value());
  BOOST_TEST(!base64_decode("====").has_value());
  BOOST_TEST(!base64_decode("=Zm9").has_value());
  BOOST_TEST(!base64_decode("Zg==Zg==").has_value());
  BOOST_TEST(!base64_decode("Zm=v").has_value());
  BOOST_TEST(!base64_decode("Zm9vY").has_value());
}

BOOST_AUTO_TEST_CASE(base64_decoding_refuses_foreign_characters_and_stray_bits) {
  BOOST_TEST(!base64_decode("Zm9v\n").has_value());
  BOOST_TEST(!base64_decode("Zm 9").has_value());
  BOOST_TEST(!base64_decode(" Zm9v").has_value());
  BOOST_TEST(!base64_decode("-_8=").has_value());
  BOOST_TEST(!base64_decode("Zm9.").has_value());
  BOOST_TEST(!base64_decode(std::string{"Zm\0v", 4}).has_value());
  BOOST_TEST(!base64_decode("Zh==").has_value());
  BOOST_TEST(!base64_decode("Zm9=").has_value());
  BOOST_TEST(!base64_decode("AB==").has_value());
}

// -- webhook signatures --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_whsec_secret_signs_the_standard_webhooks_known_answer) {
  auto s = signer({spec_secret});
  BOOST_TEST(s.size() == 1u);
  BOOST_TEST(s.signature(spec_id, spec_timestamp, spec_body) == spec_signature);
}

BOOST_AUTO_TEST_CASE(a_raw_secret_signs_with_its_bytes_as_the_key) {
  // printf '%s' 'msg_1.1700000000.{"State":"Completed"}' |
  //   openssl dgst -sha256 -hmac 'herald-raw-secret-0123' -binary | base64
  auto s = signer({"herald-raw-secret-0123"});
  BOOST_TEST(s.signature("msg_1", 1700000000, R"({"State":"Completed"})") ==
             "v1,61oMEJx6xls36HbxB3Eb8YVcbfi98sfPGM/qxva8Gz0=");
}

BOOST_AUTO_TEST_CASE(two_secrets_give_two_entries_in_the_configured_order) {
  // The second key is the bytes 0 to 31:
  //   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f -binary | base64
  const std::string second = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  const std::string second_signature = "v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI=";
  auto s = signer({spec_secret, second});
  BOOST_TEST(s.size() == 2u);
  BOOST_TEST(s.signature(spec_id, spec_timestamp, spec_body) ==
             spec_signature + " " + second_signature);
  BOOST_TEST(signer({second, spec_secret}).signature(spec_id, spec_timestamp, spec_body) ==
             second_signature + " " + spec_signature);
}

BOOST_AUTO_TEST_CASE(the_id_the_timestamp_and_the_body_are_all_signed) {
  auto s = signer({spec_secret});
  auto base = s.signature(spec_id, spec_timestamp, spec_body);
  BOOST_TEST(s.signature(spec_id + "x", spec_timestamp, spec_body) != base);
  BOOST_TEST(s.signature(spec_id, spec_timestamp + 1, spec_body) != base);
  BOOST_TEST(s.signature(spec_id, spec_timestamp, spec_body + " ") != base);
  BOOST_TEST(s.signature(spec_id, spec_timestamp, spec_body) == base);
}

BOOST_AUTO_TEST_CASE(a_signer_needs_at_least_one_secret_and_no_empty_one) {
  BOOST_TEST(signer_error({}) == "needs at least one secret");
  BOOST_TEST(signer_error({spec_secret, ""}) == "the secret at index 1 is empty");
}

BOOST_AUTO_TEST_CASE(a_whsec_secret_must_be_strict_base64_of_24_to_64_bytes) {
  BOOST_TEST(contains(signer_error({"whsec_not base64!"}), "not padded standard base64"));
  BOOST_TEST(contains(signer_error({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"}), "base64"));
  BOOST_TEST(contains(signer_error({"whsec_" + base64_encode(std::string(16, 'k'))}),
                      "decodes to 16 bytes"));
  BOOST_TEST(contains(signer_error({"whsec_" + base64_encode(std::string(23, 'k'))}),
                      "decodes to 23 bytes"));
  BOOST_TEST(contains(signer_error({"whsec_" + base64_encode(std::string(65, 'k'))}),
                      "decodes to 65 bytes; a whsec_ secret must be 24 to 64 bytes"));
  BOOST_TEST(contains(signer_error({"whsec_"}), "decodes to 0 bytes"));
  BOOST_TEST(signer_error({"whsec_" + base64_encode(std::string(24, 'k'))}) == "(accepted)");
  BOOST_TEST(signer_error({"whsec_" + base64_encode(std::string(64, 'k'))}) == "(accepted)");
}

BOOST_AUTO_TEST_CASE(a_raw_secret_must_be_at_least_16_bytes) {
  BOOST_TEST(signer_error({"0123456789abcde"}) ==
             "the secret at index 0 is 15 bytes; a raw secret must be at least 16");
  BOOST_TEST(signer_error({"0123456789abcdef"}) == "(accepted)");
  // Without the prefix, base64 text is raw bytes: no guessing what the operator meant.
  auto raw = signer({"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
  BOOST_TEST(raw.signature(spec_id, spec_timestamp, spec_body) != spec_signature);
}

BOOST_AUTO_TEST_CASE(errors_name_a_secret_by_its_index_never_by_its_value) {
  auto error = signer_error({spec_secret, "short-secret"});
  BOOST_TEST(contains(error, "index 1"));
  BOOST_TEST(!contains(error, "short-secret"));
  error = signer_error({"whsec_c2VjcmV0LXNlY3JldA=="});
  BOOST_TEST(!contains(error, "c2VjcmV0"));
}

BOOST_AUTO_TEST_CASE(a_signer_copies_share_their_keys) {
  auto s = signer({spec_secret});
  auto copy = s;
  BOOST_TEST(copy.signature(spec_id, spec_timestamp, spec_body) == spec_signature);
}

// -- retries -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(retry_delays_double_from_the_base) {
  retry_policy p;
  // random01 = 0.5 is the middle of the jitter: the delay itself.
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 0.5).count() == 1000);
  BOOST_TEST(retry_delay(p, 2, std::nullopt, 0.5).count() == 2000);
  BOOST_TEST(retry_delay(p, 3, std::nullopt, 0.5).count() == 4000);
  BOOST_TEST(retry_delay(p, 4, std::nullopt, 0.5).count() == 8000);
  p.jitter = 0;
  BOOST_TEST(retry_delay(p, 2, std::nullopt, 0.0).count() == 2000);
  BOOST_TEST(retry_delay(p, 2, std::nullopt, 1.0).count() == 2000);
}

BOOST_AUTO_TEST_CASE(retry_delays_are_capped_at_max_delay_however_many_attempts_failed) {
  retry_policy p;
  BOOST_TEST(retry_delay(p, 7, std::nullopt, 0.5).count() == 60000);
  BOOST_TEST(retry_delay(p, 64, std::nullopt, 0.5).count() == 60000);
  BOOST_TEST(retry_delay(p, 1000, std::nullopt, 0.5).count() == 60000);
  BOOST_TEST(retry_delay(p, std::numeric_limits<int>::max(), std::nullopt, 1.0).count() == 60000);
  p.max_delay = milliseconds::max();
  BOOST_TEST(retry_delay(p, 1000, std::nullopt, 0.5).count() > 0);
}

BOOST_AUTO_TEST_CASE(attempt_numbers_below_one_count_as_the_first) {
  retry_policy p;
  BOOST_TEST(retry_delay(p, 0, std::nullopt, 0.5).count() == 1000);
  BOOST_TEST(retry_delay(p, -5, std::nullopt, 0.5).count() == 1000);
}

BOOST_AUTO_TEST_CASE(jitter_spreads_a_delay_within_its_bounds) {
  retry_policy p; // ±20 %
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 0.0).count() == 800);
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 1.0).count() == 1200);
  BOOST_TEST(retry_delay(p, 3, std::nullopt, 0.25).count() == 3600);
  for (int i = 0; i <= 100; ++i) {
    auto d = retry_delay(p, 2, std::nullopt, i / 100.0).count();
    BOOST_TEST(d >= 1600);
    BOOST_TEST(d <= 2400);
  }
  // At the cap the spread is below it only: max_delay stays a bound.
  BOOST_TEST(retry_delay(p, 10, std::nullopt, 0.0).count() == 48000);
  BOOST_TEST(retry_delay(p, 10, std::nullopt, 1.0).count() == 60000);
}

BOOST_AUTO_TEST_CASE(random_numbers_and_jitter_outside_their_range_are_clamped) {
  retry_policy p;
  BOOST_TEST(retry_delay(p, 1, std::nullopt, -3.0).count() == 800);
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 7.0).count() == 1200);
  BOOST_TEST(retry_delay(p, 1, std::nullopt, std::nan("")).count() == 1000);
  p.jitter = 5.0; // read as 1: anything from 0 to twice the delay
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 0.0).count() == 0);
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 1.0).count() == 2000);
  p.jitter = -1.0;
  BOOST_TEST(retry_delay(p, 1, std::nullopt, 1.0).count() == 1000);
  p.base = milliseconds{-5};
  BOOST_TEST(retry_delay(p, 3, std::nullopt, 0.5).count() == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_is_a_minimum_capped_at_max_retry_after) {
  retry_policy p;
  BOOST_TEST(retry_delay(p, 1, 30s, 0.5).count() == 30000);
  BOOST_TEST(retry_delay(p, 3, 1s, 0.5).count() == 4000);
  BOOST_TEST(retry_delay(p, 1, 0s, 0.5).count() == 1000);
  BOOST_TEST(retry_delay(p, 1, 5min, 0.5).count() == 300000);
  BOOST_TEST(retry_delay(p, 1, 24h, 0.5).count() == 600000);
  BOOST_TEST(retry_delay(p, 1, milliseconds{-1000}, 0.5).count() == 1000);
  p.max_retry_after = 1h;
  BOOST_TEST(retry_delay(p, 1, 24h, 0.5).count() == 3600000);
}

BOOST_AUTO_TEST_CASE(retry_after_delta_seconds_parse_with_a_bound) {
  BOOST_TEST(parse_retry_after("120", rfc_now).value().count() == 120000);
  BOOST_TEST(parse_retry_after("0", rfc_now).value().count() == 0);
  BOOST_TEST(parse_retry_after(" 5\t", rfc_now).value().count() == 5000);
  BOOST_TEST(parse_retry_after("007", rfc_now).value().count() == 7000);
  BOOST_TEST(parse_retry_after("99999999999999999999999999", rfc_now).value().count() ==
             (std::int64_t{1} << 31) * 1000);
}

BOOST_AUTO_TEST_CASE(retry_after_http_dates_parse_relative_to_now) {
  BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", rfc_now).value().count() == 37000);
  BOOST_TEST(parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", rfc_now).value().count() ==
             86400000);
  BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:48:59 GMT", rfc_now).value().count() == 0);
  BOOST_TEST(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", rfc_now).value().count() == 0);
  BOOST_TEST(parse_retry_after("Thu, 29 Feb 1996 00:00:00 GMT", rfc_now).has_value());
  BOOST_TEST(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", rfc_now).value().count() > 0);
}

BOOST_AUTO_TEST_CASE(retry_after_garbage_and_obsolete_date_forms_are_ignored) {
  for (std::string_view bad : {"",
                               " ",
                               "-5",
                               "+5",
                               "1.5",
                               "5s",
                               "0x10",
                               "soon",
                               "Sun, 06 Nov 1994 08:49:37 UTC",
                               "Sun, 06 Nov 1994 08:49:37 gmt",
                               "sun, 06 Nov 1994 08:49:37 GMT",
                               "Sun, 06 nov 1994 08:49:37 GMT",
                               "Xyz, 06 Nov 1994 08:49:37 GMT",
                               "Sun, 6 Nov 1994 08:49:37 GMT",
                               "Sun, 06 Nov 94 08:49:37 GMT",
                               "Sunday, 06-Nov-94 08:49:37 GMT",
                               "Sun Nov  6 08:49:37 1994",
                               "Sun, 31 Feb 1994 08:49:37 GMT",
                               "Wed, 29 Feb 1995 00:00:00 GMT",
                               "Sun, 00 Nov 1994 08:49:37 GMT",
                               "Sun, 06 Nov 1994 24:00:00 GMT",
                               "Sun, 06 Nov 1994 08:60:00 GMT",
                               "Sun, 06 Nov 1994 08:49:61 GMT",
                               "Sun, 06 Nov 1994 08:49:37 GMT ,",
                               "Sun, 06 Nov 1994 8:49:37 GMT",
                               "Sun, 06 Nov 199x 08:49:37 GMT"})
    BOOST_TEST(!parse_retry_after(bad, rfc_now).has_value(), "'" << bad << "'");
}

BOOST_AUTO_TEST_CASE(answers_are_judged_delivered_retried_or_given_up) {
  BOOST_TEST((judge(200) == delivery_verdict::delivered));
  BOOST_TEST((judge(201) == delivery_verdict::delivered));
  BOOST_TEST((judge(204) == delivery_verdict::delivered));
  BOOST_TEST((judge(299) == delivery_verdict::delivered));
  BOOST_TEST((judge(300) == delivery_verdict::give_up));
  BOOST_TEST((judge(301) == delivery_verdict::give_up));
  BOOST_TEST((judge(302) == delivery_verdict::give_up));
  BOOST_TEST((judge(307) == delivery_verdict::give_up));
  BOOST_TEST((judge(308) == delivery_verdict::give_up));
  BOOST_TEST((judge(410) == delivery_verdict::give_up));
  BOOST_TEST((judge(400) == delivery_verdict::retry));
  BOOST_TEST((judge(401) == delivery_verdict::retry));
  BOOST_TEST((judge(404) == delivery_verdict::retry));
  BOOST_TEST((judge(408) == delivery_verdict::retry));
  BOOST_TEST((judge(409) == delivery_verdict::retry));
  BOOST_TEST((judge(411) == delivery_verdict::retry));
  BOOST_TEST((judge(429) == delivery_verdict::retry));
  BOOST_TEST((judge(500) == delivery_verdict::retry));
  BOOST_TEST((judge(502) == delivery_verdict::retry));
  BOOST_TEST((judge(503) == delivery_verdict::retry));
  BOOST_TEST((judge(599) == delivery_verdict::retry));
  BOOST_TEST((judge(100) == delivery_verdict::retry));
  BOOST_TEST((judge(199) == delivery_verdict::retry));
  BOOST_TEST((judge(0) == delivery_verdict::retry));
  BOOST_TEST((judge(-1) == delivery_verdict::retry));
  BOOST_TEST((judge(999) == delivery_verdict::retry));
}

BOOST_AUTO_TEST_SUITE_END()
