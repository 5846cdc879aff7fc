#include "net/http_error.hpp"
#include "net/request_parser.hpp"
#include "net/responses.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>
#include <iterator>
#include <optional>
#include <ostream>
#include <string>

using herald::net::classify_read_error;
using herald::net::closes_connection;
using herald::net::http_error;
using herald::net::message_of;
using herald::net::status;
using herald::net::status_of;

namespace bh = boost::beast::http;
namespace asio_error = boost::asio::error;

namespace herald::net {
// Readable failures: Boost.Test finds these by argument-dependent lookup.
static std::ostream& operator<<(std::ostream& out, http_error e) {
  return out << "http_error(" << static_cast<int>(e) << ", " << message_of(e) << ")";
}
static std::ostream& boost_test_print_type(std::ostream& out, const std::optional<http_error>& e) {
  return e ? out << *e : out << "nullopt";
}
} // namespace herald::net

namespace {

struct row {
  http_error error;
  unsigned status;
  bool closes;
};

// The expected table, written out independently of http_error.cpp. (The domains' rows are
// in domain_errors_test.cpp.)
const row table[] = {
    {http_error::malformed_request, 400, true},
    {http_error::bad_target, 400, false},
    {http_error::bad_host, 400, true},
    {http_error::chunk_line_too_long, 400, true},
    {http_error::header_too_large, 431, true},
    {http_error::body_too_large, 413, true},
    {http_error::request_timeout, 408, true},
    {http_error::not_found, 404, false},
    {http_error::method_not_allowed, 405, false},
    {http_error::too_many_connections, 503, true},
    {http_error::too_many_client_connections, 429, true},
    {http_error::too_many_requests, 429, false},
    {http_error::shutting_down, 503, true},
    {http_error::invalid_json, 400, false},
    {http_error::invalid_parameter, 400, false},
    {http_error::not_acceptable, 406, false},
    {http_error::unauthorized, 401, false},
    {http_error::invalid_name, 400, false},
    {http_error::internal, 500, false},
};

std::optional<http_error> classify(boost::system::error_code ec) {
  return classify_read_error(ec);
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_error_test)

BOOST_AUTO_TEST_CASE(every_error_maps_to_its_status) {
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.error) {
      BOOST_TEST(static_cast<unsigned>(status_of(r.error)) == r.status);
    }
  }
}

BOOST_AUTO_TEST_CASE(table_covers_every_enum_value) {
  // The last enumerator is `internal`: a value added after it must be added to `table` too.
  BOOST_TEST(std::size(table) == static_cast<std::size_t>(http_error::internal) + 1);
  for (std::size_t i = 0; i < std::size(table); ++i)
    BOOST_TEST(static_cast<std::size_t>(table[i].error) == i);
}

BOOST_AUTO_TEST_CASE(every_error_has_a_distinct_non_empty_message) {
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.error) {
      BOOST_TEST(!message_of(r.error).empty());
      for (const auto& other : table)
        if (other.error != r.error)
          BOOST_TEST(message_of(other.error) != message_of(r.error));
    }
  }
}

BOOST_AUTO_TEST_CASE(internal_message_reveals_nothing) {
  BOOST_TEST(message_of(http_error::internal) == "Internal server error");
}

BOOST_AUTO_TEST_CASE(errors_that_lose_the_parser_state_close_the_connection) {
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.error) {
      BOOST_TEST(closes_connection(r.error) == r.closes);
    }
  }
}

BOOST_AUTO_TEST_CASE(error_response_carries_status_and_json_body) {
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.error) {
      auto res = herald::net::error_response(r.error);
      BOOST_TEST(res.result_int() == r.status);
      BOOST_TEST(res.keep_alive() == !r.closes);
      BOOST_TEST(res[boost::beast::http::field::content_type] == "application/json");
      auto body = boost::json::parse(res.body());
      BOOST_TEST(body.as_object().size() == 1u);
      BOOST_TEST(body.at("Error").as_string() == message_of(r.error));
    }
  }
}

// -- classify_read_error ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(header_limit_is_header_too_large) {
  BOOST_TEST(classify(bh::error::header_limit) == http_error::header_too_large);
}

BOOST_AUTO_TEST_CASE(body_limit_is_body_too_large) {
  BOOST_TEST(classify(bh::error::body_limit) == http_error::body_too_large);
}

BOOST_AUTO_TEST_CASE(the_readers_own_refusals_have_their_rows) {
  using herald::net::read_error;
  BOOST_TEST(classify(read_error::missing_host) == http_error::bad_host);
  BOOST_TEST(classify(read_error::duplicate_host) == http_error::bad_host);
  BOOST_TEST(classify(read_error::chunk_line_too_long) == http_error::chunk_line_too_long);
}

BOOST_AUTO_TEST_CASE(beast_timeout_is_request_timeout) {
  BOOST_TEST(classify(boost::beast::error::timeout) == http_error::request_timeout);
}

BOOST_AUTO_TEST_CASE(parser_syntax_errors_are_malformed_requests) {
  for (auto e :
       {bh::error::bad_line_ending, bh::error::bad_method, bh::error::bad_target,
        bh::error::bad_version, bh::error::bad_status, bh::error::bad_reason, bh::error::bad_field,
        bh::error::bad_value, bh::error::bad_content_length, bh::error::bad_transfer_encoding,
        bh::error::bad_chunk, bh::error::bad_chunk_extension, bh::error::bad_obs_fold,
        bh::error::multiple_content_length}) {
    BOOST_TEST_CONTEXT(bh::make_error_code(e).message()) {
      BOOST_TEST(classify(e) == http_error::malformed_request);
    }
  }
}

BOOST_AUTO_TEST_CASE(peer_leaving_has_nobody_to_answer) {
  const boost::system::error_code gone[] = {
      asio_error::eof,          asio_error::connection_reset, asio_error::operation_aborted,
      asio_error::broken_pipe,  asio_error::not_connected,    asio_error::bad_descriptor,
      bh::error::end_of_stream, bh::error::partial_message,
  };
  for (const auto& ec : gone) {
    BOOST_TEST_CONTEXT(ec.message()) {
      BOOST_TEST(!classify(ec).has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(success_is_not_an_error_to_answer) {
  BOOST_TEST(!classify({}).has_value());
}

BOOST_AUTO_TEST_CASE(unrelated_system_errors_are_not_answered) {
  BOOST_TEST(!classify(boost::system::errc::make_error_code(boost::system::errc::permission_denied))
                  .has_value());
  BOOST_TEST(!classify(asio_error::timed_out).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
