// Fuzz target: the whole HTTP session, bytes in and bytes out. The input is what a client
// sends: it goes through a socket into a real net::session serving a real net::service (plain,
// deferred, failing and streaming routes), whose requests are answered as herald's connection
// actor answers them (each step posted, as a message would be). The socket is one end of a
// socketpair(AF_UNIX) given to the session's tcp::socket: the session uses only what a stream
// socket has (its TCP_NODELAY fails quietly, its peer address is unspecified); the client at the
// other end writes the input, in pieces chosen by the input's last byte, then half-closes, and
// reads everything the server writes until it closes. One I/O context on this thread runs
// both ends, bounded in time, so the interleaving depends only on the input.
//
// Small limits (a 2 KiB header block, a 4 KiB body) make 431 and 413 reachable by short
// inputs. Besides crashes, sanitizer reports and leaks, it aborts when:
//   - the session does not end within the bound once the client has sent everything;
//   - what the server wrote is not a sequence of HTTP/1.x responses, each read whole by
//     Beast's response parser (a HEAD answer without its body), with nothing left over;
//   - a status is one the SPEC does not give for these routes and errors (100 interim,
//     200, 204, 304, 400, 404, 405, 413, 431, 500);
//   - the final responses are not, in order, the answers the routes gave to the requests the
//     session delivered (status, version, keep-alive, body), followed by at most one error
//     answer of the session's own (400, 413 or 431, closing the connection);
//   - more requests are delivered than the input can hold (each needs two line ends);
//   - a response announces or performs a close and another follows it;
//   - more than one interim 100 Continue precedes a final response;
//   - the session registry still counts the session after it closed, or counted a different
//     number of answers than were written.

#include "net/http.hpp"
#include "net/limits.hpp"
#include "net/responses.hpp"
#include "net/service.hpp"
#include "net/session.hpp"
#include "net/session_registry.hpp"
#include "net/stream.hpp"
#include "tests/support/test_helpers.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <utility>
#include <vector>

namespace {

using namespace herald::net;
namespace asio = boost::asio;
using boost::system::error_code;

/// Bounds small enough that short inputs pass them; timeouts long enough never to fire within
/// an iteration (a 408 would mean the session waited for bytes that had already arrived).
const limits& the_limits() {
  static const limits lim = [] {
    limits l;
    l.header_limit = 2 * 1024;
    l.body_limit = 4 * 1024;
    l.chunk_framing_limit = 512;
    return l;
  }();
  return lim;
}

/// The body a stream route pushes after its preface, then ends the stream.
const shared_bytes& pushed_event() {
  static const shared_bytes bytes = std::make_shared<const std::string>("data: pushed\n\n");
  return bytes;
}

/// One route of each kind a node serves: plain ones with captures, query and body, a throwing
/// one, deferred ones answering later, never (the responder dropped) or with a stream.
service make_service() {
  service s;
  s.add(verb::get, "/", [](const request_context&) { return make_response(status::ok, "root"); });
  s.add(verb::get, "/hello/{name}", [](const request_context& ctx) {
    boost::json::object body;
    body["hello"] = ctx.param("name");
    body["q"] = ctx.query("q").value_or("");
    return json_response(status::ok, body);
  });
  s.add(verb::post, "/echo", [](const request_context& ctx) {
    return make_response(status::ok, ctx.body(), "application/octet-stream");
  });
  s.add(verb::delete_, "/items/{id}",
        [](const request_context&) { return make_response(status::no_content, ""); });
  s.add(verb::get, "/not-modified",
        [](const request_context&) { return make_response(status::not_modified, "stale"); });
  s.add(verb::get, "/boom",
        [](const request_context&) -> response { throw std::runtime_error{"boom"}; });
  s.add(verb::get, "/close", [](const request_context&) {
    auto res = make_response(status::ok, "bye");
    res.keep_alive(false);
    return res;
  });
  // The observer drains the session before answering this one (a shutdown arriving).
  s.add(verb::get, "/drain",
        [](const request_context&) { return make_response(status::ok, "draining"); });
  s.add_deferred(verb::get, "/later/{n}", [](const request_context& ctx, responder r) {
    r(make_response(status::ok, "later " + std::string{ctx.param("n")}));
  });
  s.add_deferred(verb::post, "/later", [](const request_context&, responder) {
    // Dropped unanswered: the responder answers 500 itself.
  });
  s.add_deferred(verb::get, "/events/{name}", [](const request_context& ctx, responder r) {
    stream_head h;
    h.head = make_response(status::ok, "", "text/event-stream");
    h.preface = "retry: 1000\nevent: open\ndata: " + std::string{ctx.param("name")} + "\n\n";
    h.heartbeat = std::make_shared<const std::string>(": ping\n\n");
    r.open_stream(std::move(h));
  });
  s.on_error([](std::string_view, std::string_view) {}); // keep the fuzzer's output quiet
  return s;
}

const service& the_service() {
  static const service s = make_service();
  return s;
}

/// What the routes answered, in the order the session was given the answers.
struct answer {
  unsigned status = 0;
  unsigned version = 11; ///< of the request
  bool head = false;     ///< answers HEAD: no body on the wire
  bool keep_alive = true;
  bool stream = false;
  std::string body; ///< the body expected on the wire (a stream's: preface and pushes)
};

struct exchange {
  std::size_t requests = 0;
  std::vector<answer> answers;
  bool closed = false;
};

/// Stands in for herald's connection actor: each request is dispatched in a job posted to the
/// session's executor (as the actor's mailbox does), deferred answers come back as posted jobs.
class fake_connection : public session_observer {
 public:
  fake_connection(const std::shared_ptr<session>& s, exchange& log) : session_(s), log_(log) {}

  void on_request(request&& req) override {
    ++log_.requests;
    auto s = session_.lock();
    FUZZ_CHECK(s); // the session calls us from its own handlers
    s->post([s, &log = log_, req = std::move(req)] {
      answer base;
      base.version = req.version();
      base.head = req.method() == verb::head;
      base.keep_alive = req.keep_alive();
      auto send = [s, &log, base](response res, bool drain) {
        auto a = base;
        a.status = res.result_int();
        a.keep_alive = a.keep_alive && res.keep_alive() && !drain;
        if (!a.head && a.status >= 200 && a.status != 204 && a.status != 304)
          a.body = res.body();
        log.answers.push_back(std::move(a));
        if (drain)
          s->drain();
        s->respond(std::move(res));
      };
      auto make_responder = [s, &log, base, send] {
        return responder{[s, send](response res) {
                           s->post(
                               [send, r = std::move(res)]() mutable { send(std::move(r), false); });
                         },
                         [s, &log, base](stream_head h) {
                           s->post([s, &log, base, h = std::move(h)]() mutable {
                             auto a = base;
                             a.status = h.head.result_int();
                             a.keep_alive = false;
                             a.stream = true;
                             if (!a.head)
                               a.body = h.preface + *pushed_event();
                             log.answers.push_back(std::move(a));
                             s->start_stream(std::move(h));
                             s->push(pushed_event());
                             s->end_stream();
                           });
                         },
                         nullptr};
      };
      if (auto res = the_service().dispatch(req, make_responder))
        send(std::move(*res), req.target() == "/drain");
    });
  }

  void on_closed() override {
    FUZZ_CHECK(!log_.closed);
    log_.closed = true;
  }

 private:
  std::weak_ptr<session> session_;
  exchange& log_;
};

/// The client's end: writes the input in pieces of the sizes in `chunks` (cycled; empty: at
/// once; the rest at once after 48 pieces), half-closes, and reads until the server closes.
class client {
 public:
  client(asio::local::stream_protocol::socket socket, std::string_view input,
         const std::vector<std::size_t>& chunks)
      : socket_(std::move(socket)), input_(input), chunks_(chunks) {}

  void start() {
    write_next();
    read_next();
  }

  const std::string& received() const noexcept { return received_; }

 private:
  void write_next() {
    if (sent_ == input_.size()) {
      error_code ignored;
      socket_.shutdown(asio::socket_base::shutdown_send, ignored);
      return;
    }
    // Past the first pieces the rest goes at once, so that an iteration stays cheap (a long
    // input in 13-byte writes costs hundreds of system calls on each side); splits deeper in a
    // pipeline are fuzz_request's, which feeds the parser in pieces without sockets.
    constexpr std::size_t max_pieces = 48;
    auto n = chunks_.empty() || chunk_ == max_pieces ? input_.size()
                                                     : chunks_[chunk_++ % chunks_.size()];
    n = std::min(n, input_.size() - sent_);
    asio::async_write(socket_, asio::buffer(input_.data() + sent_, n),
                      [this](error_code ec, std::size_t written) {
                        sent_ += written;
                        if (!ec) // else the server closed: it has said all it will
                          write_next();
                      });
  }

  void read_next() {
    socket_.async_read_some(asio::buffer(buffer_), [this](error_code ec, std::size_t n) {
      received_.append(buffer_.data(), n);
      if (!ec) // end of stream, or a reset after it (our unread bytes): all is read
        read_next();
    });
  }

  asio::local::stream_protocol::socket socket_;
  std::string_view input_;
  const std::vector<std::size_t>& chunks_;
  std::size_t sent_ = 0;
  std::size_t chunk_ = 0;
  std::array<char, 4096> buffer_{};
  std::string received_;
};

bool allowed_status(unsigned code) {
  switch (code) {
  case 200:
  case 204:
  case 304:
  case 400:
  case 404:
  case 405:
  case 413:
  case 431:
  case 500:
    return true;
  default:
    return false;
  }
}

/// Reads `wire` back as responses and checks them against what the routes answered.
/// Returns the number of final responses.
std::size_t check_responses(std::string_view wire, const exchange& log) {
  std::size_t finals = 0;
  int interims = 0;
  bool closed = false; // a response before said the connection ends
  while (!wire.empty()) {
    FUZZ_CHECK(!closed);
    // The answers' count is bounded by the input, and so is this loop.
    const bool ours = finals >= log.answers.size(); // the session's own error answer
    const answer* want = ours ? nullptr : &log.answers[finals];
    http::response_parser<http::string_body> p;
    p.eager(true);
    p.body_limit(boost::none);
    p.header_limit(64 * 1024);
    if (want && want->head)
      p.skip(true);
    error_code ec;
    auto used = p.put(asio::buffer(wire.data(), wire.size()), ec);
    if ((!ec || ec == http::error::need_more) && p.is_header_done() && !p.is_done() &&
        used == wire.size()) {
      // A body that runs to the end of the connection (a stream's), or one cut short.
      p.put_eof(ec);
    }
    if (ec || !p.is_done()) {
      std::fprintf(stderr, "fuzz_session: response %zu does not parse (%s): %.*s\n", finals,
                   ec.message().c_str(), static_cast<int>(std::min<std::size_t>(wire.size(), 400)),
                   wire.data());
      FUZZ_CHECK(!ec && p.is_done());
    }
    wire.remove_prefix(used);
    const auto& got = p.get();
    const unsigned code = got.result_int();
    if (code == 100) {
      // Interim: one per request at most, before its answer.
      FUZZ_CHECK(++interims == 1);
      FUZZ_CHECK(got.version() == 11);
      continue;
    }
    interims = 0;
    if (!allowed_status(code)) {
      std::fprintf(stderr, "fuzz_session: status %u is not one the SPEC gives\n", code);
      FUZZ_CHECK(allowed_status(code));
    }
    FUZZ_CHECK(got.count(http::field::server) == 1);
    FUZZ_CHECK(got.count(http::field::date) == 1);
    if (ours) {
      // What the session answers alone: a request it cannot read; the connection ends.
      FUZZ_CHECK(code == 400 || code == 413 || code == 431);
      FUZZ_CHECK(got.version() == 11);
      FUZZ_CHECK(!got.keep_alive());
      FUZZ_CHECK(got.body().starts_with("{\"Error\":"));
    } else {
      if (code != want->status)
        std::fprintf(stderr, "fuzz_session: response %zu is %u, the route answered %u\n", finals,
                     code, want->status);
      FUZZ_CHECK(code == want->status);
      FUZZ_CHECK(got.version() == (want->version == 10 ? 10u : 11u));
      FUZZ_CHECK(got.keep_alive() == want->keep_alive);
      FUZZ_CHECK(got.body() == want->body);
      if (want->stream)
        FUZZ_CHECK(got.count(http::field::content_length) == 0);
    }
    closed = !got.keep_alive();
    ++finals;
  }
  return finals;
}

/// One context for every iteration: creating its reactor each time would cost more than most
/// inputs.
asio::io_context& the_context() {
  static asio::io_context ioc{1};
  return ioc;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  // How the client's writes split the input, chosen by the input so that it is reproducible.
  static const std::vector<std::size_t> patterns[] = {{},       {},   {4096},  {1000, 3},
                                                      {100, 1}, {13}, {64, 7}, {}};
  const auto& chunks = patterns[size == 0 ? 0 : data[size - 1] % std::size(patterns)];

  auto& ioc = the_context();
  int fds[2];
  FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  session::tcp::socket server_end{ioc};
  server_end.assign(session::tcp::v4(), fds[0]);
  asio::local::stream_protocol::socket client_end{ioc, asio::local::stream_protocol{}, fds[1]};

  exchange log;
  auto registry = std::make_shared<session_registry>();
  {
    auto s = std::make_shared<session>(std::move(server_end), the_limits());
    // Not an IP socket: the session knows no address for its peer (asio reads the family it
    // does not know as IPv6, all zeros). Only per-address limits would use it, and none are
    // attached here.
    FUZZ_CHECK(s->peer().address().is_unspecified() && s->peer().port() == 0);
    s->attach_registry(registry);
    s->start(std::make_shared<fake_connection>(s, log));
  }
  client c{std::move(client_end), input, chunks};
  c.start();

  ioc.restart();
  // Everything the session waits for has been sent: it ends long before this bound, which
  // only turns a hang into a report.
  ioc.run_for(std::chrono::seconds{10});
  if (!log.closed || !ioc.stopped()) {
    std::fprintf(stderr, "fuzz_session: the session did not end (%zu requests, %zu answers)\n",
                 log.requests, log.answers.size());
    FUZZ_CHECK(log.closed && ioc.stopped());
  }
  FUZZ_CHECK(registry->size() == 0);

  // Each request needs a request line and an empty line, two line ends at least.
  FUZZ_CHECK(log.requests <=
             static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n')) / 2);
  // Every delivered request is answered exactly once by the routes, before the session ends.
  FUZZ_CHECK(log.answers.size() == log.requests);
  auto finals = check_responses(c.received(), log);
  FUZZ_CHECK(finals == log.answers.size() || finals == log.answers.size() + 1);
  std::uint64_t counted = 0;
  for (unsigned cls = 1; cls <= 5; ++cls)
    counted += registry->responses(cls);
  FUZZ_CHECK(counted == finals);
  return 0;
}
