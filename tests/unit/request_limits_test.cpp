#include "net/http_error.hpp"
#include "net/limits.hpp"
#include "net/request_parser.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

using herald::net::classify_read_error;
using herald::net::http_error;
using herald::net::limits;
using herald::net::request_reader;

namespace http = boost::beast::http;

namespace {

constexpr std::size_t at_once = std::string_view::npos;
constexpr std::size_t kib = 1024;

/// What feeding a parser gave.
struct outcome {
  boost::system::error_code ec; ///< need_more when the bytes ran out first
  bool done = false;
  bool header_done = false;
  std::size_t consumed = 0;
};

} // namespace

namespace herald::net {
// Readable failures: Boost.Test finds this by argument-dependent lookup.
static std::ostream& boost_test_print_type(std::ostream& out, const std::optional<http_error>& e) {
  return e ? out << message_of(*e) : out << "nullopt";
}
} // namespace herald::net

namespace {

boost::system::error_code code(http::error e) {
  return http::make_error_code(e);
}

/// Feeds `bytes` to `r` as the session's read loop does: each read (of `piece` bytes) is
/// appended to what the reader left unconsumed, and the reader takes what it can.
outcome feed(request_reader& r, std::string_view bytes, std::size_t piece = at_once) {
  outcome out;
  std::string pending;
  std::size_t fed = 0;
  for (;;) {
    if (!pending.empty()) {
      auto n = r.feed(boost::asio::buffer(pending), out.ec);
      pending.erase(0, n);
      out.consumed += n;
      if (out.ec != http::error::need_more)
        break;
    }
    if (fed == bytes.size()) {
      out.ec = code(http::error::need_more);
      break;
    }
    auto n = std::min(piece, bytes.size() - fed);
    pending.append(bytes.substr(fed, n));
    fed += n;
  }
  out.done = r.done();
  out.header_done = r.header_done();
  return out;
}

/// A reader under `lim`, fed with `bytes`.
outcome parse(std::string_view bytes, const limits& lim = {}, std::size_t piece = at_once) {
  request_reader r{lim};
  return feed(r, bytes, piece);
}

/// A GET whose header block (request line, fields and the blank line) is exactly `total`
/// bytes, with a target of `target_len` bytes; padding fields of about 100 bytes fill it.
std::string header_block(std::size_t total, std::size_t target_len = 1,
                         std::string_view extra_fields = "") {
  std::string h = "GET /" + std::string(target_len - 1, 't') + " HTTP/1.1\r\nHost: h\r\n";
  h += extra_fields;
  constexpr std::size_t blank_line = 2, min_field = 10; // "X-Pad: v\r\n"
  BOOST_REQUIRE(h.size() + blank_line + min_field <= total);
  while (h.size() + blank_line < total) {
    auto room = total - blank_line - h.size();
    auto line = room <= 200 ? room : 100; // never leaves less than one field's room
    h += "X-Pad: " + std::string(line - 9, 'p') + "\r\n";
  }
  h += "\r\n";
  BOOST_REQUIRE_EQUAL(h.size(), total);
  return h;
}

std::string post(std::string_view body, std::string_view extra_fields = "") {
  return "POST /upload HTTP/1.1\r\nHost: h\r\n" + std::string{extra_fields} +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string{body};
}

std::string chunked(std::size_t total, std::size_t chunk) {
  std::string r = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t sent = 0; sent < total;) {
    auto n = std::min(chunk, total - sent);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    r += size;
    r.append(n, 'c');
    r += "\r\n";
    sent += n;
  }
  return r + "0\r\n\r\n";
}

} // namespace

BOOST_AUTO_TEST_SUITE(request_limits_test)

BOOST_AUTO_TEST_CASE(default_limits_are_the_documented_ones) {
  limits l;
  BOOST_TEST(l.header_limit == 16 * kib);
  BOOST_TEST(l.body_limit == 1024 * kib);
  BOOST_TEST(l.max_connections == 10'000u);
}

// -- header limit -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(small_request_parses) {
  auto r = parse("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n");
  BOOST_TEST(r.ec == boost::system::error_code{});
  BOOST_TEST(r.done);
}

BOOST_AUTO_TEST_CASE(header_block_just_under_the_limit_parses) {
  auto r = parse(header_block(16 * kib - 100));
  BOOST_TEST(r.ec.message() == "Success");
  BOOST_TEST(r.done);
}

BOOST_AUTO_TEST_CASE(header_block_exactly_at_the_limit_parses) {
  auto r = parse(header_block(16 * kib));
  BOOST_TEST(r.ec.message() == "Success");
  BOOST_TEST(r.done);
}

BOOST_AUTO_TEST_CASE(header_block_over_the_limit_fails_with_header_limit) {
  auto r = parse(header_block(17 * kib));
  BOOST_TEST(r.ec == code(http::error::header_limit), "got: " << r.ec.message());
  BOOST_TEST(!r.header_done);
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::header_too_large});
}

BOOST_AUTO_TEST_CASE(header_block_over_the_limit_fails_without_its_end) {
  // An endless header: the parser must give up at the limit, not buffer on.
  std::string endless = "GET / HTTP/1.1\r\nX-Long: " + std::string(64 * kib, 'a');
  auto r = parse(endless, {}, 4 * kib);
  BOOST_TEST(r.ec == code(http::error::header_limit), "got: " << r.ec.message());
  BOOST_TEST(r.consumed <= 16 * kib);
}

BOOST_AUTO_TEST_CASE(header_block_one_byte_over_the_limit_fails) {
  // SPEC: a header block larger than the limit answers 431, whatever its shape.
  auto r = parse(header_block(16 * kib + 1));
  BOOST_TEST(r.ec == code(http::error::header_limit), "got: " << r.ec.message());
  BOOST_TEST(!r.done);
}

BOOST_AUTO_TEST_CASE(long_request_line_counts_towards_the_header_limit) {
  // 10 KiB of target plus 10 KiB of fields is a 20 KiB header block.
  auto r = parse(header_block(20 * kib, 10 * kib));
  BOOST_TEST(r.ec == code(http::error::header_limit), "got: " << r.ec.message());
  BOOST_TEST(!r.done);
}

BOOST_AUTO_TEST_CASE(header_limit_holds_when_the_header_arrives_in_pieces) {
  // How TCP splits the stream must not change what the limit accepts.
  for (std::size_t piece : {std::size_t{16'000}, std::size_t{8 * kib}, std::size_t{1000}}) {
    BOOST_TEST_CONTEXT("reads of " << piece << " bytes") {
      auto r = parse(header_block(17 * kib), {}, piece);
      BOOST_TEST(r.ec == code(http::error::header_limit), "got: " << r.ec.message());
      BOOST_TEST(!r.done);
    }
  }
  auto twice = parse(header_block(30 * kib), {}, 15 * kib);
  BOOST_TEST(twice.ec == code(http::error::header_limit), "got: " << twice.ec.message());
  BOOST_TEST(!twice.done);
}

BOOST_AUTO_TEST_CASE(header_under_the_limit_parses_in_small_pieces) {
  auto r = parse(header_block(16 * kib - 100), {}, 7);
  BOOST_TEST(r.ec.message() == "Success");
  BOOST_TEST(r.done);
}

// -- body limit -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(content_length_over_the_limit_fails_as_soon_as_the_header_is_complete) {
  // The header alone: no body byte has been sent, and the parser already refuses.
  std::string header =
      "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(1024 * kib + 1) +
      "\r\n\r\n";
  auto r = parse(header);
  BOOST_TEST(r.ec == code(http::error::body_limit), "got: " << r.ec.message());
  BOOST_TEST(!r.done);
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::body_too_large});
}

BOOST_AUTO_TEST_CASE(content_length_over_the_limit_fails_in_small_pieces_too) {
  std::string header = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999\r\n\r\n";
  auto r = parse(header, {}, 3);
  BOOST_TEST(r.ec == code(http::error::body_limit), "got: " << r.ec.message());
}

BOOST_AUTO_TEST_CASE(body_exactly_at_the_limit_parses) {
  auto r = parse(post(std::string(1024 * kib, 'b')));
  BOOST_TEST(r.ec.message() == "Success");
  BOOST_TEST(r.done);
}

BOOST_AUTO_TEST_CASE(body_one_byte_over_the_limit_fails) {
  auto r = parse(post(std::string(1024 * kib + 1, 'b')));
  BOOST_TEST(r.ec == code(http::error::body_limit), "got: " << r.ec.message());
}

BOOST_AUTO_TEST_CASE(chunked_body_at_the_limit_parses) {
  auto r = parse(chunked(1024 * kib, 64 * kib));
  BOOST_TEST(r.ec.message() == "Success");
  BOOST_TEST(r.done);
}

BOOST_AUTO_TEST_CASE(chunked_body_over_the_limit_fails) {
  auto r = parse(chunked(1024 * kib + 1, 64 * kib), {}, 16 * kib);
  BOOST_TEST(r.ec == code(http::error::body_limit), "got: " << r.ec.message());
  BOOST_TEST(!r.done);
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::body_too_large});
}

BOOST_AUTO_TEST_CASE(one_huge_chunk_fails_at_its_size_line) {
  // The chunk's announced size is enough to refuse: none of its data follows.
  std::string header = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "200000\r\n";
  auto r = parse(header);
  BOOST_TEST(r.ec == code(http::error::body_limit), "got: " << r.ec.message());
}

BOOST_AUTO_TEST_CASE(overflowing_content_length_is_malformed) {
  auto r = parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n");
  BOOST_TEST(r.ec == code(http::error::bad_content_length), "got: " << r.ec.message());
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::malformed_request});
}

// -- malformed requests -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(garbage_request_line_is_a_malformed_request) {
  using namespace std::literals;
  for (auto garbage :
       {"HELLO\r\n\r\n"sv, "GET / HTTP/9.x\r\n\r\n"sv, "GET / FTP/1.1\r\n\r\n"sv,
        "G(T / HTTP/1.1\r\n\r\n"sv, "GET /\x01 HTTP/1.1\r\n\r\n"sv,
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"sv, // TLS hello
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n"sv, "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"sv,
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"sv,
        "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"sv}) {
    BOOST_TEST_CONTEXT("request '" << garbage << "'") {
      auto r = parse(garbage);
      BOOST_TEST(r.ec != code(http::error::need_more));
      BOOST_TEST((r.ec.category() == code(http::error::bad_method).category()),
                 "got: " << r.ec.message());
      BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::malformed_request});
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_chunk_is_a_malformed_request) {
  auto r = parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  BOOST_TEST(r.ec == code(http::error::bad_chunk), "got: " << r.ec.message());
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::malformed_request});
}

// -- chunk framing ----------------------------------------------------------------------------

namespace {

const std::string chunked_head =
    "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

boost::system::error_code read_code(herald::net::read_error e) {
  return herald::net::make_error_code(e);
}

} // namespace

BOOST_AUTO_TEST_CASE(an_endless_chunk_extension_fails_at_the_framing_limit) {
  // `1;` and then extension bytes that never reach a CRLF: the parser takes none of them, so
  // without a bound the connection would hold them all.
  auto attack = chunked_head + "1;" + std::string(256 * kib, 'e');
  for (std::size_t piece : {std::size_t{16 * kib}, std::size_t{1000}, at_once}) {
    BOOST_TEST_CONTEXT("reads of " << piece << " bytes") {
      auto r = parse(attack, {}, piece);
      BOOST_TEST(r.ec == read_code(herald::net::read_error::chunk_line_too_long),
                 "got: " << r.ec.message());
      BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::chunk_line_too_long});
      BOOST_TEST(!r.done);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_endless_chunk_size_line_of_zeros_fails_at_the_framing_limit) {
  auto r = parse(chunked_head + std::string(256 * kib, '0'), {}, 16 * kib);
  BOOST_TEST(r.ec == read_code(herald::net::read_error::chunk_line_too_long),
             "got: " << r.ec.message());
}

BOOST_AUTO_TEST_CASE(an_endless_trailer_fails_as_a_header_block_over_its_limit) {
  // After the last chunk come header fields (the trailer): over the bound they answer 431.
  auto attack = chunked_head + "3\r\nabc\r\n0\r\nX-Trailer: " + std::string(256 * kib, 't');
  auto r = parse(attack, {}, 16 * kib);
  BOOST_TEST(r.ec == code(http::error::header_limit), "got: " << r.ec.message());
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::header_too_large});
  auto extended = chunked_head + "0;ext=1\r\nX-Trailer: " + std::string(256 * kib, 't');
  BOOST_TEST(parse(extended, {}, 16 * kib).ec == code(http::error::header_limit));
}

BOOST_AUTO_TEST_CASE(the_framing_limit_is_configurable_and_leaves_normal_chunks_alone) {
  limits small;
  small.chunk_framing_limit = 64;
  // Extensions and trailers within the bound, many small chunks: all accepted.
  auto fine = chunked_head + "5;name=" + std::string(40, 'v') + "\r\nhello\r\n" +
              "0\r\nX-Sum: " + std::string(40, 's') + "\r\n\r\n";
  auto ok = parse(fine, small, 7);
  BOOST_TEST(ok.ec.message() == "Success");
  BOOST_TEST(ok.done);
  BOOST_TEST(parse(chunked(100 * kib, 1), small, 4 * kib).done);
  // Past it, refused however the reads split it.
  auto long_ext = chunked_head + "5;name=" + std::string(100, 'v') + "\r\nhello\r\n0\r\n\r\n";
  BOOST_TEST(parse(long_ext, small, 16).ec ==
             read_code(herald::net::read_error::chunk_line_too_long));
}

BOOST_AUTO_TEST_CASE(held_framing_is_sorted_into_chunk_lines_and_trailers) {
  using herald::net::classify_held_framing;
  using herald::net::held_framing;
  BOOST_TEST((classify_held_framing("1;eeee") == held_framing::chunk_line));
  BOOST_TEST((classify_held_framing("\r\n1;eeee") == held_framing::chunk_line));
  BOOST_TEST((classify_held_framing("0000000000") == held_framing::chunk_line));
  BOOST_TEST((classify_held_framing("0;ext=aaaa") == held_framing::chunk_line));
  BOOST_TEST((classify_held_framing("0010\r\n") == held_framing::chunk_line));
  BOOST_TEST((classify_held_framing("000A;x\r\n") == held_framing::chunk_line));
  BOOST_TEST((classify_held_framing("0\r\nX-T: tttt") == held_framing::trailer));
  BOOST_TEST((classify_held_framing("\r\n00;e\r\nX-T: t") == held_framing::trailer));
  BOOST_TEST((classify_held_framing("") == held_framing::chunk_line));
}

// -- Host (RFC 9112 §3.2) ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_http_1_1_request_without_host_is_refused) {
  auto r = parse("GET /health HTTP/1.1\r\n\r\n");
  BOOST_TEST(r.ec == read_code(herald::net::read_error::missing_host), "got: " << r.ec.message());
  BOOST_TEST(classify_read_error(r.ec) == std::optional{http_error::bad_host});
  BOOST_TEST(!r.done);
}

BOOST_AUTO_TEST_CASE(two_host_fields_are_refused_in_any_version) {
  for (std::string_view version : {"1.0", "1.1"}) {
    BOOST_TEST_CONTEXT("HTTP/" << version) {
      auto r = parse("GET / HTTP/" + std::string{version} + "\r\nHost: a\r\nHost: b\r\n\r\n");
      BOOST_TEST(r.ec == read_code(herald::net::read_error::duplicate_host),
                 "got: " << r.ec.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(an_http_1_0_request_may_omit_host) {
  BOOST_TEST(parse("GET / HTTP/1.0\r\n\r\n").done);
  BOOST_TEST(parse("GET / HTTP/1.1\r\nhost: x\r\n\r\n").done);
  BOOST_TEST(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").done); // empty is allowed (no authority)
}

// -- custom limits ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(custom_smaller_limits_are_honoured) {
  limits small;
  small.header_limit = 1024;
  small.body_limit = 10;
  BOOST_TEST(parse(header_block(1000), small).done);
  BOOST_TEST(parse(header_block(2000), small).ec == code(http::error::header_limit));
  BOOST_TEST(parse(post("0123456789"), small).done);
  BOOST_TEST(parse(post("0123456789x"), small).ec == code(http::error::body_limit));
  BOOST_TEST(parse(chunked(11, 4), small).ec == code(http::error::body_limit));
}

BOOST_AUTO_TEST_CASE(custom_larger_limits_are_honoured) {
  limits large;
  large.header_limit = 64 * kib;
  large.body_limit = 2048 * kib;
  BOOST_TEST(parse(header_block(40 * kib), large).done);
  BOOST_TEST(parse(post(std::string(1536 * kib, 'b')), large).done);
}

BOOST_AUTO_TEST_CASE(zero_body_limit_accepts_only_empty_bodies) {
  limits none;
  none.body_limit = 0;
  BOOST_TEST(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", none).done);
  BOOST_TEST(parse(post(""), none).done);
  BOOST_TEST(parse(post("x"), none).ec == code(http::error::body_limit));
}

BOOST_AUTO_TEST_CASE(each_fresh_parser_gets_the_full_limit) {
  // The session configures one parser per request: two requests at the limit both pass.
  limits small;
  small.body_limit = 10;
  std::string two = post("0123456789") + post("abcdefghij");
  request_reader first{small};
  auto r1 = feed(first, two);
  BOOST_REQUIRE(r1.done);
  request_reader second{small};
  auto r2 = feed(second, std::string_view{two}.substr(r1.consumed));
  BOOST_TEST(r2.done);
  BOOST_TEST(second.get().body() == "abcdefghij");
}

BOOST_AUTO_TEST_SUITE_END()
