// Fuzz target: bytes as a JSON configuration document, through herald::app::parse_config.
// Besides crashes and sanitizer reports, it aborts when:
//   - the result is neither exactly a value nor exactly an error naming a key;
//   - an accepted document gives a value outside the documented ranges;
//   - the accepted value, written back as JSON, does not parse to itself;
//   - whether a document is accepted depends on the base configuration it is read over.

#include "app/config.hpp"
#include "tests/support/test_helpers.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using herald::app::config;
using herald::app::parse_config;

/// `c` as the document that configures it, every key written.
std::string to_json(const config& c) {
  boost::json::object limits{
      {"max_connections", c.limits.max_connections},
      {"header_limit_bytes", c.limits.header_limit},
      {"body_limit_bytes", c.limits.body_limit},
      {"header_timeout_ms", c.limits.header_timeout.count()},
      {"body_timeout_ms", c.limits.body_timeout.count()},
      {"idle_timeout_ms", c.limits.idle_timeout.count()},
      {"write_timeout_ms", c.limits.write_timeout.count()},
      {"stream_send_buffer_bytes", c.limits.stream_send_buffer},
  };
  boost::json::object doc{
      {"bind", c.bind},
      {"port", c.port},
      {"log_level", herald::log::to_string(c.log_level)},
      {"io_threads", c.io_threads},
      {"scheduler_threads", c.scheduler_threads},
      {"shutdown_grace_ms", c.shutdown_grace.count()},
      {"limits", std::move(limits)},
  };
  return boost::json::serialize(doc);
}

bool same(const config& a, const config& b) {
  return a.bind == b.bind && a.port == b.port && a.log_level == b.log_level &&
         a.io_threads == b.io_threads && a.scheduler_threads == b.scheduler_threads &&
         a.shutdown_grace == b.shutdown_grace &&
         a.limits.max_connections == b.limits.max_connections &&
         a.limits.header_limit == b.limits.header_limit &&
         a.limits.body_limit == b.limits.body_limit &&
         a.limits.header_timeout == b.limits.header_timeout &&
         a.limits.body_timeout == b.limits.body_timeout &&
         a.limits.idle_timeout == b.limits.idle_timeout &&
         a.limits.write_timeout == b.limits.write_timeout &&
         a.limits.stream_send_buffer == b.limits.stream_send_buffer;
}

/// The documented ranges (app/config.cpp is the authority; README repeats them).
void check_ranges(const config& c) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(c.bind, ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(c.io_threads >= 1 && c.io_threads <= 64);
  FUZZ_CHECK(c.scheduler_threads >= 1 && c.scheduler_threads <= 64);
  FUZZ_CHECK(c.shutdown_grace.count() >= 0 && c.shutdown_grace.count() <= 600'000);
  const auto& l = c.limits;
  FUZZ_CHECK(l.max_connections >= 1 && l.max_connections <= 1'000'000);
  FUZZ_CHECK(l.header_limit >= 1024 && l.header_limit <= 1024 * 1024);
  FUZZ_CHECK(l.body_limit <= (std::uint64_t{1} << 32));
  constexpr std::int64_t hour = 3'600'000;
  for (auto t : {l.header_timeout, l.body_timeout, l.write_timeout})
    FUZZ_CHECK(t.count() >= 10 && t.count() <= hour);
  FUZZ_CHECK(l.idle_timeout.count() >= 10 && l.idle_timeout.count() <= 24 * hour);
}

/// A base with no field at its default, to tell "from the document" from "left alone".
config other_base() {
  config c;
  c.bind = "::1";
  c.port = 1;
  c.log_level = herald::log::level::error;
  c.io_threads = 3;
  c.scheduler_threads = 5;
  c.shutdown_grace = std::chrono::milliseconds{7};
  c.limits.max_connections = 9;
  c.limits.header_limit = 2048;
  c.limits.body_limit = 11;
  c.limits.header_timeout = std::chrono::milliseconds{13};
  c.limits.body_timeout = std::chrono::milliseconds{17};
  c.limits.idle_timeout = std::chrono::milliseconds{19};
  c.limits.write_timeout = std::chrono::milliseconds{23};
  return c;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto result = parse_config(text);
  FUZZ_CHECK(!result.help);
  FUZZ_CHECK(result.value.has_value() == result.error.empty());
  if (!result.value) {
    // Either the JSON is broken or the message starts with the key at fault: "limits.x: ...".
    FUZZ_CHECK(result.error.find(": ") != std::string::npos);
  } else {
    check_ranges(*result.value);
    auto again = parse_config(to_json(*result.value), other_base());
    FUZZ_CHECK(again.value.has_value());
    FUZZ_CHECK(same(*again.value, *result.value));
  }
  auto over_other = parse_config(text, other_base());
  FUZZ_CHECK(over_other.value.has_value() == result.value.has_value());
  FUZZ_CHECK(over_other.error == result.error);
  if (over_other.value)
    check_ranges(*over_other.value);
  return 0;
}
