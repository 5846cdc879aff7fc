// herald-task-load: a single-threaded load client for herald's async routes, on non-blocking
// sockets and epoll, talking HTTP/1.1 with keep-alive to 127.0.0.1 only. One request is
// outstanding per connection at any time.
//
//   --mode roundtrip  each connection loops: POST <route> (202, read "Id"), then
//                     GET /tasks/<id>?wait=10 until the task is Completed. After a warm-up,
//                     counts the tasks completed within --duration and their latency from
//                     sending the POST to receiving the Completed answer.
//   --mode accept     sends --count POSTs as fast as the connections allow and counts the
//                     202s and the rest (429 when the route's queue is full).
//
// Prints one line of key=value pairs (see usage_text) and exits 0; exits 1 on a connection
// failure, a malformed response or the --timeout, 2 on a usage error.

#include "tools/bench/client/extra_headers.hpp"
#include "tools/bench/client/http_response.hpp"
#include "tools/bench/client/json_reader.hpp"
#include "tools/bench/client/loopback.hpp"
#include "tools/bench/client/program.hpp"
#include "tools/bench/client/statistics.hpp"
#include "tools/bench/client/text.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace herald::bench;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view usage_text =
    "usage: herald-task-load --mode roundtrip|accept --port P [options]\n"
    "  --route R          the async route to invoke with POST (default /trivial)\n"
    "  --connections C    connections to 127.0.0.1:P (default 64)\n"
    "  --duration S       roundtrip: seconds measured after the warm-up (default 10)\n"
    "  --warmup S         roundtrip: seconds run but not counted first (default 1)\n"
    "  --wait S           roundtrip: the ?wait= of each GET /tasks/<id> (default 10)\n"
    "  --count N          accept: invocations to send (required)\n"
    "  --timeout S        give up (exit 1) after this many seconds in all (default 120)\n"
    "  --header \"N: V\"    a header line for every request (repeatable)\n"
    "  --bearer TOKEN     send Authorization: Bearer TOKEN with every request\n"
    "  --api-key KEY      send X-API-Key: KEY with every request\n"
    "output, one line:\n"
    "  roundtrip: completed= seconds= tasks_per_s= p50_us= p90_us= p99_us= max_us= errors=\n"
    "             client_cpu_pct= invoked_total= completed_total= polls=\n"
    "  accept:    accepted= seconds= accepted_per_s= rejected= errors= client_cpu_pct=\n";

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// -- options ------------------------------------------------------------------------------------

enum class mode { roundtrip, accept };

struct options {
  mode run_mode = mode::roundtrip;
  std::uint16_t port = 0;
  std::string route = "/trivial";
  unsigned connections = 64;
  double duration = 10;
  double warmup = 1;
  double wait = 10;
  std::uint64_t count = 0;
  double timeout = 120;
  /// Lines every request carries (a credential, when the node checks them).
  extra_headers headers;
};

double seconds(std::string_view flag, std::string_view text, double min, double max) {
  return decimal(flag, text, min, max, "a number of seconds");
}

options parse_args(int argc, char** argv) {
  options o;
  bool have_mode = false, have_port = false, have_count = false;
  std::vector<std::string_view> names = {"mode",   "port", "route", "connections", "duration",
                                         "warmup", "wait", "count", "timeout"};
  names.insert(names.end(), header_flags.begin(), header_flags.end());
  auto flags = read_flags(argc, argv, names);
  for (const auto& [flag, value] : flags) {
    if (flag == "--mode") {
      if (value == "roundtrip")
        o.run_mode = mode::roundtrip;
      else if (value == "accept")
        o.run_mode = mode::accept;
      else
        usage_error("--mode must be roundtrip or accept, got '" + value + "'");
      have_mode = true;
    } else if (flag == "--port") {
      o.port = whole_number<std::uint16_t>(flag, value, 1, 65535);
      have_port = true;
    } else if (flag == "--route") {
      // The route goes into the request line as it stands: no spaces or controls.
      if (value.empty() || value.front() != '/' ||
          std::any_of(value.begin(), value.end(),
                      [](unsigned char c) { return c <= ' ' || c >= 0x7f; }))
        usage_error("--route needs a path starting with '/', got '" + value + "'");
      o.route = value;
    } else if (flag == "--connections") {
      o.connections = whole_number<unsigned>(flag, value, 1, 10'000);
    } else if (flag == "--duration") {
      o.duration = seconds(flag, value, 0.1, 3600);
    } else if (flag == "--warmup") {
      o.warmup = seconds(flag, value, 0, 3600);
    } else if (flag == "--wait") {
      o.wait = seconds(flag, value, 0, 60);
    } else if (flag == "--count") {
      o.count = whole_number<std::uint64_t>(flag, value, 1, 100'000'000);
      have_count = true;
    } else if (flag == "--timeout") {
      o.timeout = seconds(flag, value, 1, 86'400);
    } else if (auto error = o.headers.take(flag, value); !error.empty()) {
      usage_error(error);
    }
  }
  if (!have_mode)
    usage_error("--mode is required");
  if (!have_port)
    usage_error("--port is required");
  if (o.run_mode == mode::accept && !have_count)
    usage_error("--mode accept needs --count");
  if (o.run_mode == mode::roundtrip && o.warmup + o.duration >= o.timeout)
    usage_error("--warmup plus --duration must stay below --timeout");
  return o;
}

// -- HTTP/1.1 responses -------------------------------------------------------------------------

constexpr std::size_t max_body_bytes = 64 * 1024 * 1024;

struct response {
  int status = 0;
  bool close = false;    ///< the server closes the connection after this response
  std::string_view body; ///< in the connection's input buffer
};

/// Parses one response at the front of `in` into `out`. Returns the bytes it spans, or 0 while
/// it is incomplete. Only Content-Length framing is supported (herald always sends it); throws
/// protocol_error for anything else.
std::size_t parse_response(std::string_view in, response& out) {
  auto head = parse_response_head(in);
  if (!head)
    return 0;
  if (head->chunked)
    throw protocol_error("Transfer-Encoding 'chunked' is not supported");
  if (!head->length)
    throw protocol_error("response " + std::to_string(head->status) + " without Content-Length");
  if (*head->length > max_body_bytes)
    throw protocol_error("bad Content-Length '" + std::to_string(*head->length) + "'");
  auto total = head->size + *head->length;
  if (in.size() < total)
    return 0;
  out.status = head->status;
  out.close = head->close;
  out.body = in.substr(head->size, *head->length);
  return total;
}

/// Task ids go into a path as they stand: accept only what needs no percent-encoding.
bool safe_path_segment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
  });
}

// -- the client ---------------------------------------------------------------------------------

/// What a connection waits for.
enum class phase {
  connecting, ///< connect() in progress; `out` holds the request to send once connected
  post,       ///< the answer to POST <route>
  get,        ///< the answer to GET /tasks/<id>
  done,       ///< nothing more to send (the run is ending)
};

struct connection {
  int fd = -1;
  std::uint32_t generation = 0; ///< tells events of a closed socket from its successor's
  phase state = phase::done;
  phase after_connect = phase::done; ///< what `out` asks, once the connection is up
  bool want_write = false;
  std::string out;
  std::size_t out_offset = 0;
  std::string in;
  std::string task_id;
  clock_type::time_point invoked; ///< when its current task's POST was queued for sending
};

class load_client {
 public:
  explicit load_client(options o) : opt_(std::move(o)), conns_(opt_.connections) {
    host_ = "127.0.0.1:" + std::to_string(opt_.port);
    post_request_ = "POST " + opt_.route + " HTTP/1.1\r\nHost: " + host_ +
                    "\r\nContent-Type: application/json\r\nAccept: application/json\r\n" +
                    opt_.headers.lines() + "Content-Length: 2\r\n\r\n{}";
    wait_query_ = "?wait=" + seconds_text(opt_.wait);
  }

  ~load_client() {
    for (auto& c : conns_)
      if (c.fd >= 0)
        ::close(c.fd);
  }

  load_client(const load_client&) = delete;
  load_client& operator=(const load_client&) = delete;

  int run() { return opt_.run_mode == mode::roundtrip ? run_roundtrip() : run_accept(); }

 private:
  // -- the two modes ----------------------------------------------------------------------------

  int run_roundtrip() {
    start_ = clock_type::now();
    deadline_ = start_ + to_duration(opt_.timeout);
    window_start_ = start_ + to_duration(opt_.warmup);
    window_end_ = window_start_ + to_duration(opt_.duration);
    latencies_us_.reserve(1 << 20);
    for (auto& c : conns_)
      send_post(c);

    bool window_open = false;
    double cpu_at_window = 0;
    while (true) {
      auto now = clock_type::now();
      if (!window_open && now >= window_start_) {
        window_open = true;
        cpu_at_window = cpu_seconds();
      }
      if (now >= window_end_)
        break;
      poll_once(window_open ? window_end_ : window_start_);
    }
    double cpu = cpu_seconds() - cpu_at_window;
    double secs = opt_.duration;

    std::sort(latencies_us_.begin(), latencies_us_.end());
    std::printf("completed=%llu seconds=%.3f tasks_per_s=%.0f p50_us=%llu p90_us=%llu "
                "p99_us=%llu max_us=%llu errors=%llu client_cpu_pct=%.1f invoked_total=%llu "
                "completed_total=%llu polls=%llu\n",
                as_ull(completed_), secs, static_cast<double>(completed_) / secs,
                as_ull(quantile_of_sorted(latencies_us_, 0.50)),
                as_ull(quantile_of_sorted(latencies_us_, 0.90)),
                as_ull(quantile_of_sorted(latencies_us_, 0.99)),
                as_ull(latencies_us_.empty() ? 0 : latencies_us_.back()), as_ull(errors_),
                100.0 * cpu / secs, as_ull(invoked_total_), as_ull(completed_total_),
                as_ull(polls_));
    std::fflush(stdout);
    report_errors();
    if (completed_ == 0)
      fail("no task completed within the measured " + seconds_text(opt_.duration) + " s");
    return 0;
  }

  int run_accept() {
    start_ = clock_type::now();
    deadline_ = start_ + to_duration(opt_.timeout);
    double cpu_at_start = cpu_seconds();
    for (auto& c : conns_) {
      if (sent_ == opt_.count)
        break;
      ++sent_;
      send_post(c);
    }
    while (answered_ < opt_.count)
      poll_once(deadline_);
    auto secs = seconds_between(start_, last_answer_);
    double cpu = cpu_seconds() - cpu_at_start;
    std::printf("accepted=%llu seconds=%.3f accepted_per_s=%.0f rejected=%llu errors=%llu "
                "client_cpu_pct=%.1f\n",
                as_ull(accepted_), secs, secs > 0 ? static_cast<double>(accepted_) / secs : 0.0,
                as_ull(rejected_), as_ull(errors_), secs > 0 ? 100.0 * cpu / secs : 0.0);
    std::fflush(stdout);
    report_errors();
    return 0;
  }

  /// Called with each complete response of connection `c`.
  void on_response(connection& c, const response& r) {
    auto now = clock_type::now();
    if (opt_.run_mode == mode::accept) {
      ++answered_;
      last_answer_ = now;
      if (r.status == 202) {
        ++accepted_;
      } else {
        ++rejected_;
        note_error("POST " + opt_.route + " answered " + std::to_string(r.status), r.body, false);
      }
      post_next_or_finish(c);
      return;
    }

    if (c.state == phase::post) {
      if (r.status != 202) {
        note_error("POST " + opt_.route + " answered " + std::to_string(r.status), r.body);
        next_task(c, now);
        return;
      }
      const auto* answer = json_.object(r.body);
      auto id = answer ? string_member(*answer, "Id") : std::string_view{};
      if (!safe_path_segment(id)) {
        note_error("POST " + opt_.route + " answered 202 without a usable \"Id\"", r.body);
        next_task(c, now);
        return;
      }
      ++invoked_total_;
      c.task_id = id;
      send_get(c);
      return;
    }

    // phase::get
    if (r.status != 200) {
      note_error("GET /tasks/<id> answered " + std::to_string(r.status), r.body);
      next_task(c, now);
      return;
    }
    const auto* task = json_.object(r.body);
    const auto* done = task ? task->if_contains("IsCompleted") : nullptr;
    if (!done || !done->is_bool() || !done->get_bool()) {
      // The wait ended first (or the task had not even started): ask again.
      ++polls_;
      send_get(c);
      return;
    }
    if (auto state = string_member(*task, "State"); state != "Completed") {
      note_error("task ended in state '" + std::string{state} + "'", r.body);
      next_task(c, now);
      return;
    }
    ++completed_total_;
    if (now >= window_start_ && now < window_end_) {
      ++completed_;
      latencies_us_.push_back(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c.invoked).count()));
    }
    next_task(c, now);
  }

  /// The next POST of a roundtrip connection, unless the measured window is over.
  void next_task(connection& c, clock_type::time_point now) {
    if (now >= window_end_) {
      c.state = phase::done;
      return;
    }
    send_post(c);
  }

  /// Accept mode: the connection invokes the next task, or is done once all were sent.
  void post_next_or_finish(connection& c) {
    if (sent_ < opt_.count) {
      ++sent_;
      send_post(c);
    } else {
      c.state = phase::done;
    }
  }

  void send_post(connection& c) {
    c.invoked = clock_type::now();
    send(c, phase::post, post_request_);
  }

  void send_get(connection& c) {
    send(c, phase::get,
         "GET /tasks/" + c.task_id + wait_query_ + " HTTP/1.1\r\nHost: " + host_ +
             "\r\nAccept: application/json\r\n" + opt_.headers.lines() + "\r\n");
  }

  // -- sockets ----------------------------------------------------------------------------------

  /// Queues `request` on `c` (connecting first when it has no socket) and writes what it can.
  void send(connection& c, phase expect, std::string request) {
    c.out = std::move(request);
    c.out_offset = 0;
    if (c.fd < 0) {
      c.after_connect = expect;
      open(c);
      return;
    }
    c.state = expect;
    flush(c);
  }

  void open(connection& c) {
    auto attempt = connect_loopback(opt_.port, std::nullopt);
    c.fd = attempt.fd;
    ++c.generation;
    c.in.clear();
    c.state = phase::connecting;
    if (attempt.error != 0)
      connect_failed(attempt.error);
    watch(c, EPOLL_CTL_ADD, !attempt.connected);
    if (attempt.connected)
      connected(c);
  }

  [[noreturn]] void connect_failed(int err) {
    fail("cannot connect to " + host_ + ": " + errno_text(err) + " (is the node running?)");
  }

  void connected(connection& c) {
    c.state = c.after_connect;
    flush(c);
  }

  void close_connection(connection& c) {
    if (c.fd < 0)
      return;
    poller_.forget(c.fd);
    ::close(c.fd);
    c.fd = -1;
    c.want_write = false;
    ++c.generation;
  }

  void watch(connection& c, int op, bool want_write) {
    poller_.watch(c.fd, op,
                  connection_tag(static_cast<std::size_t>(&c - conns_.data()), c.generation),
                  want_write);
    c.want_write = want_write;
  }

  /// Writes what is left of `c.out`; asks for EPOLLOUT only while the socket is full.
  void flush(connection& c) {
    switch (send_pending(c.fd, c.out, c.out_offset)) {
    case send_status::done:
      if (c.want_write)
        watch(c, EPOLL_CTL_MOD, false);
      return;
    case send_status::blocked:
      if (!c.want_write)
        watch(c, EPOLL_CTL_MOD, true);
      return;
    case send_status::failed:
      lost(c, "send: " + errno_text(errno));
      return;
    }
  }

  /// Waits for events until `until` (at most 50 ms, so the caller sees its deadlines) and
  /// handles them. Fails the run once the overall timeout has passed.
  void poll_once(clock_type::time_point until) {
    auto now = clock_type::now();
    if (now >= deadline_)
      fail("timed out after " + seconds_text(opt_.timeout) + " s (" + progress() + ")");
    auto limit = std::min({until, deadline_, now + 50ms});
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(limit - now).count();
    for (const auto& event : poller_.wait(static_cast<int>(std::max<long long>(ms, 0)))) {
      auto& c = conns_[tag_index(event.data.u64)];
      if (c.fd < 0 || c.generation != tag_generation(event.data.u64))
        continue; // for a socket closed earlier in this batch
      handle(c, event.events);
    }
  }

  void handle(connection& c, std::uint32_t events) {
    if (c.state == phase::connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        return;
      if (int err = connect_error(c.fd); err != 0)
        connect_failed(err);
      connected(c);
      return;
    }
    if (events & EPOLLOUT) {
      auto generation = c.generation;
      flush(c);
      if (c.generation != generation)
        return; // the socket broke (and may already be replaced): these events were for it
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
      receive(c);
  }

  void receive(connection& c) {
    char buf[16 * 1024];
    bool eof = false;
    while (true) {
      auto n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buf)
          break;
        continue;
      }
      if (n == 0) {
        eof = true;
        break;
      }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      lost(c, "recv: " + errno_text(errno));
      return;
    }

    if (!c.in.empty()) {
      if (c.state != phase::post && c.state != phase::get)
        // Late bytes for a connection that has nothing outstanding: the run is over for it.
        return;
      response r;
      std::size_t used = 0;
      try {
        used = parse_response(c.in, r);
      } catch (const protocol_error& e) {
        fail("bad response from " + host_ + ": " + e.what());
      }
      if (used > 0) {
        if (used != c.in.size())
          fail("bad response from " + host_ + ": bytes after a response nobody asked for");
        // The server closes after this response: reconnect before the next request.
        if (r.close || eof)
          close_connection(c);
        on_response(c, r);
        c.in.clear(); // after: the body is a view into it (a reconnection has cleared it too)
        return;
      }
    }
    if (eof)
      lost(c, c.in.empty() ? "the server closed the connection"
                           : "the server closed the connection in the middle of a response");
  }

  /// The connection broke with a request outstanding: count it, reconnect, go on.
  void lost(connection& c, const std::string& why) {
    auto was = c.state;
    close_connection(c);
    c.in.clear();
    if (was == phase::done)
      return;
    note_error(why, {});
    if (opt_.run_mode == mode::accept) {
      // The invocation may or may not have created a task; it is answered either way.
      ++answered_;
      last_answer_ = clock_type::now();
      post_next_or_finish(c);
      return;
    }
    next_task(c, clock_type::now());
  }

  // -- bookkeeping ------------------------------------------------------------------------------

  /// Remembers a failure for the report on stderr; `counts` adds it to `errors=` (a 429 in
  /// accept mode is a result, counted in `rejected=` instead).
  void note_error(const std::string& what, std::string_view body, bool counts = true) {
    if (counts)
      ++errors_;
    auto& n = error_kinds_[what];
    if (n++ == 0 && error_kinds_.size() <= 5 && !body.empty())
      first_bodies_[what] = snippet(body);
  }

  void report_errors() const {
    for (const auto& [what, n] : error_kinds_) {
      std::cerr << "herald-task-load: " << n << " x " << what;
      if (auto it = first_bodies_.find(what); it != first_bodies_.end())
        std::cerr << " (first body: " << it->second << ")";
      std::cerr << "\n";
    }
  }

  std::string progress() const {
    if (opt_.run_mode == mode::accept)
      return std::to_string(answered_) + " of " + std::to_string(opt_.count) +
             " invocations answered";
    return std::to_string(completed_total_) + " tasks completed";
  }

  static clock_type::duration to_duration(double seconds) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  }

  static unsigned long long as_ull(std::uint64_t v) { return v; }

  options opt_;
  std::vector<connection> conns_;
  poller poller_;
  json_reader json_;
  std::string host_;
  std::string post_request_;
  std::string wait_query_;

  clock_type::time_point start_, deadline_, window_start_, window_end_, last_answer_;
  std::uint64_t errors_ = 0;
  std::map<std::string, std::uint64_t> error_kinds_;
  std::map<std::string, std::string> first_bodies_;

  // roundtrip
  std::uint64_t completed_ = 0, completed_total_ = 0, invoked_total_ = 0, polls_ = 0;
  std::vector<std::uint64_t> latencies_us_;

  // accept
  std::uint64_t sent_ = 0, answered_ = 0, accepted_ = 0, rejected_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  identify("herald-task-load", usage_text);
  auto opt = parse_args(argc, argv);
  // The JSON reader's buffers are in the client object: keep it off the stack.
  auto client = std::make_unique<load_client>(std::move(opt));
  return client->run();
}
