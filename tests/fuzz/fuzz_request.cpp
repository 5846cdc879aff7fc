// Fuzz target: bytes from a client, through everything a session does with them without I/O.
// The bytes go through the request_reader the session uses (default limits), fed at once and
// in chunks (leftovers kept: pipelining); each complete request is routed by a service and its
// response serialized, and each parse error is classified and answered. Besides crashes and
// sanitizer reports, it aborts when:
//   - a parser error is one that classify_read_error does not answer (the client gets nothing);
//   - the serialized response does not parse back to the same status, fields and body;
//   - a bad target is not answered 400, or a good one is;
//   - a request whose header block is larger than limits::header_limit is answered at all
//     (SPEC: larger answers 431), whether it came at once or in pieces;
//   - the reader leaves more than limits::chunk_framing_limit unparsed bytes in a body;
//   - feeding the bytes at once and in small chunks answers different requests, for inputs too
//     short to reach any limit (the parser must not depend on how TCP splits the stream).

#include "net/http_error.hpp"
#include "net/request_parser.hpp"
#include "net/responses.hpp"
#include "net/router.hpp"
#include "net/service.hpp"
#include "net/wire.hpp"
#include "tests/support/test_helpers.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace herald::net;

/// Aborts with a message: the replay driver and libFuzzer both report the input.

/// A small app: literal and capture routes, every kind of body framing, a failing handler.
service make_service() {
  service s;
  s.add(verb::get, "/", [](const request_context&) { return make_response(status::ok, "root"); });
  s.add(verb::get, "/hello/{name}", [](const request_context& ctx) {
    boost::json::object body;
    body["hello"] = ctx.param("name");
    body["q"] = ctx.query("q").value_or("");
    auto res = json_response(status::ok, body);
    // Request header values come from the parser, which allows no CR or LF in them.
    if (auto echo = ctx.header("X-Echo"); !echo.empty())
      res.set("X-Echo", echo);
    return res;
  });
  s.add(verb::get, "/hello/world",
        [](const request_context&) { return make_response(status::ok, "literal"); });
  s.add(verb::post, "/echo", [](const request_context& ctx) {
    return make_response(status::ok, ctx.body(), "application/octet-stream");
  });
  s.add(verb::delete_, "/items/{id}",
        [](const request_context&) { return make_response(status::no_content, ""); });
  s.add(verb::get, "/not-modified", [](const request_context&) {
    // A body on a 304: the serializer must drop it.
    auto res = make_response(status::not_modified, "stale");
    res.set(http::field::content_length, "5");
    return res;
  });
  s.add(verb::get, "/boom", [](const request_context& ctx) -> response {
    throw std::runtime_error{"boom " + std::string{ctx.target()}};
  });
  s.on_error([](std::string_view, std::string_view) {}); // keep the fuzzer's output quiet
  return s;
}

const service& the_service() {
  static const service s = make_service();
  return s;
}

bool framework_field(http::field f) {
  return f == http::field::server || f == http::field::date || f == http::field::content_length ||
         f == http::field::connection || f == http::field::transfer_encoding;
}

/// The wire bytes of `res` must read back as `res`: no header injection, no framing mistakes.
void check_round_trip(const response& res, const framing& f, const std::string& wire) {
  http::response_parser<http::string_body> back;
  back.eager(true);
  back.body_limit(boost::none);
  back.header_limit(1u << 20);
  if (f.head)
    back.skip(true);
  boost::system::error_code ec;
  auto used = back.put(boost::asio::buffer(wire), ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(back.is_done());
  FUZZ_CHECK(used == wire.size()); // nothing after the declared body
  const auto& got = back.get();
  FUZZ_CHECK(got.result_int() == res.result_int());
  // Anything but a 1.0 request is answered in 1.1 (the parser reads "HTTP/2.0" as 20).
  FUZZ_CHECK(got.version() == (f.version == 10 ? 10u : 11u));
  FUZZ_CHECK(got.count(http::field::server) == 1);
  FUZZ_CHECK(got.count(http::field::date) == 1);
  FUZZ_CHECK(got.count(http::field::transfer_encoding) == 0);
  const auto code = res.result_int();
  const bool bodiless = code < 200 || code == 204 || code == 304;
  FUZZ_CHECK(got.count(http::field::content_length) == (bodiless ? 0u : 1u));
  if (!bodiless && !f.head)
    FUZZ_CHECK(got.body() == res.body());
  if (bodiless || f.head)
    FUZZ_CHECK(got.body().empty());
  FUZZ_CHECK(got.keep_alive() == f.keep_alive);
  // The handler's own fields, each once, in order, and nothing else.
  std::vector<std::pair<std::string, std::string>> want, have;
  for (const auto& field : res)
    if (!framework_field(field.name()))
      want.emplace_back(field.name_string(), field.value());
  for (const auto& field : got)
    if (!framework_field(field.name()))
      have.emplace_back(field.name_string(), field.value());
  FUZZ_CHECK(want == have);
}

/// Answers one parsed request as the session does, and returns a summary of it.
std::string answer(request req) {
  std::vector<std::string> segments;
  const bool valid_target = split_path(req.target(), segments);

  auto res = the_service().handle(req);
  // 400 comes from the target alone: no handler here answers it.
  FUZZ_CHECK((res.result() == status::bad_request) == !valid_target);

  framing f{req.version(), req.keep_alive(), req.method() == verb::head};
  f.keep_alive = f.keep_alive && res.keep_alive();
  std::string wire = "previous response|";
  serialize_response(res, f, wire);
  FUZZ_CHECK(wire.starts_with("previous response|"));
  wire.erase(0, std::string_view{"previous response|"}.size());
  check_round_trip(res, f, wire);

  std::string summary{req.method_string()};
  summary += ' ';
  summary += req.target();
  summary += " v" + std::to_string(req.version()) +
             " keep-alive=" + std::to_string(req.keep_alive()) + " body=" + req.body() + " -> " +
             std::to_string(res.result_int()) + '\n';
  return summary;
}

/// Answers a read error as the session does; returns its summary.
std::string answer(boost::system::error_code ec) {
  auto e = classify_read_error(ec);
  // A parser error with no answer would leave the client without a status line.
  FUZZ_CHECK(e.has_value());
  std::string wire;
  serialize_response(error_response(*e), framing{11, false, false}, wire);
  check_round_trip(error_response(*e), framing{11, false, false}, wire);
  return "error " + ec.message() + '\n';
}

/// Feeds `input` in chunks of the sizes in `chunks` (cycled; empty: all at once), as the
/// session's read loop does, and answers every request. Returns what happened, one line per
/// request, then one line for how the connection ended.
std::string run(std::string_view input, const std::vector<std::size_t>& chunks) {
  constexpr int max_requests = 32;
  std::string log;
  std::string pending; // read from the socket, not consumed by the reader yet
  std::size_t fed = 0, chunk = 0;
  const limits lim{};
  request_reader reader{lim};
  for (int answered = 0; answered < max_requests;) {
    boost::system::error_code ec = http::error::need_more;
    if (!pending.empty()) {
      pending.erase(0, reader.feed(boost::asio::buffer(pending), ec));
      if (reader.header_done() && reader.header_bytes() > lim.header_limit) {
        const auto& req = reader.get();
        // method SP target SP "HTTP/1.1" CRLF
        const auto line = req.method_string().size() + 1 + req.target().size() + 11;
        std::fprintf(stderr,
                     "fuzz_request: a %zu-byte header block (request line of %zu bytes) "
                     "passed the %u-byte header limit, read %s\n",
                     reader.header_bytes(), line, unsigned{lim.header_limit},
                     chunks.empty() ? "at once" : "in chunks");
        std::abort();
      }
      // In a body, what the reader leaves unparsed is chunk framing, bounded by its limit.
      if (ec == http::error::need_more && reader.header_done() &&
          pending.size() >= lim.chunk_framing_limit) {
        std::fprintf(stderr, "fuzz_request: %zu unparsed body bytes held, limit %u\n",
                     pending.size(), unsigned{lim.chunk_framing_limit});
        std::abort();
      }
    }
    if (ec && ec != http::error::need_more)
      return log + answer(ec); // the session answers and closes
    if (!ec) {
      auto req = reader.release();
      const bool keep_alive = req.keep_alive();
      log += answer(std::move(req));
      ++answered;
      if (!keep_alive)
        return log + "close\n";
      reader.reset();
      continue;
    }
    // The reader wants more: read the next chunk, or the peer closed (a half request: the
    // peer left, nobody to answer).
    if (fed == input.size())
      return log + "eof\n";
    auto n = chunks.empty() ? input.size() - fed : chunks[chunk++ % chunks.size()];
    n = std::min(n, input.size() - fed);
    pending.append(input.substr(fed, n));
    fed += n;
  }
  return log + "enough\n";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  // How TCP splits the stream, chosen by the input itself so that it is reproducible.
  static const std::vector<std::size_t> patterns[] = {{1},      {2, 3},   {7, 1, 64}, {13},
                                                      {100, 1}, {512, 5}, {1000},     {4096, 3}};
  const auto& chunks = patterns[size == 0 ? 0 : data[size - 1] % std::size(patterns)];

  auto whole = run(input, {});
  auto pieces = run(input, chunks);
  // Below the header limit no limit can trigger, so the split must not change which requests
  // are answered. How the stream ends may differ: on an incomplete header Beast reports a
  // syntax error at once only when the bytes come together (in pieces it first waits for the
  // blank line), so a garbage tail gets a 400 or a silent close depending on the split.
  auto requests_only = [](const std::string& log) {
    auto last = log.rfind('\n', log.size() - 2);
    return log.substr(0, last == std::string::npos ? 0 : last + 1);
  };
  if (size < limits{}.header_limit && requests_only(whole) != requests_only(pieces)) {
    std::fprintf(stderr, "at once:\n%s\nin chunks:\n%s\n", whole.c_str(), pieces.c_str());
    FUZZ_CHECK(requests_only(whole) == requests_only(pieces));
  }
  return 0;
}
