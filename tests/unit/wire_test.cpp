#include "net/responses.hpp"
#include "net/wire.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/test/unit_test.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using herald::net::framing;
using herald::net::make_response;
using herald::net::response;
using herald::net::serialize_response;
using herald::net::status;

namespace http = boost::beast::http;

namespace {

/// The serialized response taken apart by hand, so that the test does not trust a parser.
struct wire_message {
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;

  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& f : fields)
      n += f.first == name;
    return n;
  }
  std::string value(std::string_view name) const {
    for (const auto& f : fields)
      if (f.first == name)
        return f.second;
    return "<absent>";
  }
};

wire_message split(std::string_view wire) {
  wire_message m;
  auto end = wire.find("\r\n\r\n");
  BOOST_REQUIRE_MESSAGE(end != std::string_view::npos, "no end of header in: " << wire);
  auto head = wire.substr(0, end + 2);
  m.body = std::string{wire.substr(end + 4)};
  auto eol = head.find("\r\n");
  m.status_line = std::string{head.substr(0, eol)};
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    auto line = head.substr(0, eol);
    auto colon = line.find(": ");
    BOOST_REQUIRE_MESSAGE(colon != std::string_view::npos, "not a field line: " << line);
    m.fields.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    head.remove_prefix(eol + 2);
  }
  return m;
}

std::string serialize(const response& res, framing f = {}) {
  std::string out;
  serialize_response(res, f, out);
  return out;
}

wire_message serialized(const response& res, framing f = {}) {
  return split(serialize(res, f));
}

} // namespace

BOOST_AUTO_TEST_SUITE(wire_test)

BOOST_AUTO_TEST_CASE(status_line_has_version_code_and_reason) {
  auto m = serialized(make_response(status::ok, "hi"));
  BOOST_TEST(m.status_line == "HTTP/1.1 200 OK");
  BOOST_TEST(serialized(make_response(status::not_found, "")).status_line ==
             "HTTP/1.1 404 Not Found");
  BOOST_TEST(serialized(make_response(status::request_header_fields_too_large, "")).status_line ==
             "HTTP/1.1 431 Request Header Fields Too Large");
}

BOOST_AUTO_TEST_CASE(handler_reason_phrase_is_kept) {
  auto res = make_response(status::ok, "");
  res.reason("Fine Thanks");
  BOOST_TEST(serialized(res).status_line == "HTTP/1.1 200 Fine Thanks");
}

BOOST_AUTO_TEST_CASE(status_line_follows_the_request_version_not_the_response) {
  auto res = make_response(status::ok, "x");
  res.version(10);
  BOOST_TEST(serialized(res, {11, true, false}).status_line == "HTTP/1.1 200 OK");
  res.version(11);
  BOOST_TEST(serialized(res, {10, true, false}).status_line == "HTTP/1.0 200 OK");
}

BOOST_AUTO_TEST_CASE(handler_fields_are_kept_in_order) {
  auto res = make_response(status::ok, "{}", "application/json");
  res.set("X-Request-Id", "abc-123");
  res.insert("Set-Cookie", "a=1");
  res.insert("Set-Cookie", "b=2");
  auto m = serialized(res);
  BOOST_REQUIRE_GE(m.fields.size(), 4u);
  BOOST_TEST(m.fields[0].first == "Content-Type");
  BOOST_TEST(m.fields[0].second == "application/json");
  BOOST_TEST(m.fields[1].first == "X-Request-Id");
  BOOST_TEST(m.fields[1].second == "abc-123");
  BOOST_TEST(m.fields[2].second == "a=1");
  BOOST_TEST(m.fields[3].second == "b=2");
}

BOOST_AUTO_TEST_CASE(serializer_writes_server_date_and_content_length) {
  auto m = serialized(make_response(status::ok, "hello"));
  BOOST_TEST(m.count("Server") == 1u);
  BOOST_TEST(m.value("Server") == "herald");
  BOOST_TEST(m.count("Date") == 1u);
  BOOST_TEST(m.count("Content-Length") == 1u);
  BOOST_TEST(m.value("Content-Length") == "5");
  BOOST_TEST(m.count("Connection") == 0u); // HTTP/1.1 keep-alive is the default
  BOOST_TEST(m.body == "hello");
}

BOOST_AUTO_TEST_CASE(handler_copies_of_framework_fields_are_replaced_not_duplicated) {
  auto res = make_response(status::ok, "hello");
  res.set(http::field::server, "evil/1.0");
  res.set(http::field::date, "yesterday");
  res.set(http::field::content_length, "999");
  res.set(http::field::connection, "upgrade");
  res.set(http::field::transfer_encoding, "chunked");
  auto m = serialized(res, {11, false, false});
  BOOST_TEST(m.count("Server") == 1u);
  BOOST_TEST(m.value("Server") == "herald");
  BOOST_TEST(m.count("Date") == 1u);
  BOOST_TEST(m.value("Date") != "yesterday");
  BOOST_TEST(m.count("Content-Length") == 1u);
  BOOST_TEST(m.value("Content-Length") == "5");
  BOOST_TEST(m.count("Connection") == 1u);
  BOOST_TEST(m.value("Connection") == "close");
  BOOST_TEST(m.count("Transfer-Encoding") == 0u);
  BOOST_TEST(m.body == "hello");
}

BOOST_AUTO_TEST_CASE(framework_fields_are_recognised_in_any_case) {
  auto res = make_response(status::ok, "hello");
  res.insert("content-LENGTH", "999");
  res.insert("SERVER", "evil");
  auto wire = serialize(res);
  BOOST_TEST(wire.find("999") == std::string::npos);
  BOOST_TEST(wire.find("evil") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_keep_alive_announces_close) {
  auto m = serialized(make_response(status::ok, "x"), {11, false, false});
  BOOST_TEST(m.value("Connection") == "close");
}

BOOST_AUTO_TEST_CASE(http10_keep_alive_is_announced) {
  auto m = serialized(make_response(status::ok, "x"), {10, true, false});
  BOOST_TEST(m.status_line == "HTTP/1.0 200 OK");
  BOOST_TEST(m.count("Connection") == 1u);
  BOOST_TEST(m.value("Connection") == "keep-alive");
}

BOOST_AUTO_TEST_CASE(http10_without_keep_alive_announces_close) {
  auto m = serialized(make_response(status::ok, "x"), {10, false, false});
  BOOST_TEST(m.value("Connection") == "close");
}

BOOST_AUTO_TEST_CASE(head_announces_the_length_but_sends_no_body) {
  auto wire = serialize(make_response(status::ok, "hello"), {11, true, true});
  auto m = split(wire);
  BOOST_TEST(m.value("Content-Length") == "5");
  BOOST_TEST(m.body.empty());
  BOOST_TEST(wire.ends_with("\r\n\r\n"));
}

BOOST_AUTO_TEST_CASE(no_content_and_not_modified_have_no_length_and_no_body) {
  for (auto code : {status::no_content, status::not_modified}) {
    BOOST_TEST_CONTEXT("status " << static_cast<unsigned>(code)) {
      auto res = make_response(code, "should not be sent");
      res.set(http::field::content_length, "18");
      for (bool head : {false, true}) {
        auto wire = serialize(res, {11, true, head});
        auto m = split(wire);
        BOOST_TEST(m.count("Content-Length") == 0u);
        BOOST_TEST(m.body.empty());
        BOOST_TEST(wire.ends_with("\r\n\r\n"));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_body_has_content_length_zero) {
  auto wire = serialize(make_response(status::ok, ""));
  auto m = split(wire);
  BOOST_TEST(m.value("Content-Length") == "0");
  BOOST_TEST(wire.ends_with("\r\n\r\n"));
}

BOOST_AUTO_TEST_CASE(binary_body_is_sent_byte_for_byte) {
  std::string body{"a\0b\r\n\r\nc", 8};
  auto m = serialized(make_response(status::ok, body, "application/octet-stream"));
  BOOST_TEST(m.body == body);
  BOOST_TEST(m.value("Content-Length") == "8");
}

BOOST_AUTO_TEST_CASE(output_is_appended_to_existing_content) {
  std::string out = "previous bytes|";
  serialize_response(make_response(status::ok, "one"), {}, out);
  auto first_end = out.size();
  serialize_response(make_response(status::created, "two"), {}, out);
  BOOST_TEST(out.starts_with("previous bytes|HTTP/1.1 200 OK\r\n"));
  BOOST_TEST(out.substr(first_end).starts_with("HTTP/1.1 201 Created\r\n"));
  BOOST_TEST(out.ends_with("two"));
}

BOOST_AUTO_TEST_CASE(date_is_an_imf_fixdate_of_now) {
  auto before = std::string{herald::net::http_date_now()};
  auto date = serialized(make_response(status::ok, "")).value("Date");
  auto after = std::string{herald::net::http_date_now()};
  static const std::regex imf_fixdate{"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                                      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                      "[0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT"};
  BOOST_TEST(std::regex_match(date, imf_fixdate), date);
  BOOST_TEST((date == before || date == after), date << " is not now");
}

BOOST_AUTO_TEST_CASE(output_parses_back_as_the_same_response) {
  auto res = make_response(status::accepted, "{\"ok\":true}", "application/json");
  res.set("X-Trace", "t-1");
  auto wire = serialize(res, {11, false, false});
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  auto used = parser.put(boost::asio::buffer(wire), ec);
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(parser.is_done());
  BOOST_TEST(used == wire.size());
  const auto& back = parser.get();
  BOOST_TEST(back.result_int() == 202u);
  BOOST_TEST(back.body() == res.body());
  BOOST_TEST(back["X-Trace"] == "t-1");
  BOOST_TEST(!back.keep_alive());
}

BOOST_AUTO_TEST_CASE(line_breaks_in_a_handler_field_value_cannot_inject_fields) {
  // A handler copying request data into a header (a decoded query parameter may hold CR LF)
  // must not let the client add fields or end the header early: response splitting.
  auto res = make_response(status::found, "");
  res.set(http::field::location, "/next\r\nSet-Cookie: session=stolen\r\n\r\n<html>");
  auto wire = serialize(res);
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  auto used = parser.put(boost::asio::buffer(wire), ec);
  BOOST_TEST(wire.find("\r\nSet-Cookie:") == std::string::npos, wire);
  if (!ec && parser.is_done()) {
    BOOST_TEST(parser.get().count(http::field::set_cookie) == 0u);
    BOOST_TEST(used == wire.size()); // no second message smuggled after the first
  }
}

BOOST_AUTO_TEST_SUITE_END()
