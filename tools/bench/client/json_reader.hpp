#pragma once

// JSON answers read with Boost.JSON into memory kept from one body to the next, so that a load
// client parsing every response allocates nothing per response (unless a body outgrows it).

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

namespace herald::bench {

class json_reader {
 public:
  json_reader();
  json_reader(const json_reader&) = delete;
  json_reader& operator=(const json_reader&) = delete;

  /// `body` as a JSON object, or nullptr when it is not one. Valid until the next call.
  const boost::json::object* object(std::string_view body);

 private:
  std::array<unsigned char, 16 * 1024> storage_;
  std::array<unsigned char, 1024> parser_stack_;
  boost::json::monotonic_resource resource_;
  boost::json::parser parser_;
  std::optional<boost::json::value> document_; ///< in resource_'s memory
};

/// The string member `key` of `o`; empty when it is absent or not a string.
std::string_view string_member(const boost::json::object& o, std::string_view key) noexcept;

} // namespace herald::bench
