// herald-sse-load: a single-threaded Server-Sent Events load client on non-blocking sockets and
// epoll, for 127.0.0.1 only. It speaks to herald (`GET /sse/{group}` to subscribe,
// `POST /sse/{group}` with `{"event":...,"data":...}` and X-API-Key to publish) and to nchan
// (an `nchan_subscriber eventsource` location, and an `nchan_publisher` location that takes the
// raw message as its body), so that both are measured by the same code.
//
//   --mode throughput  opens --subscribers streams, then publishes --events events as fast as
//                      --in-flight outstanding publishes allow; waits until every subscriber
//                      has every event.
//   --mode latency     the same, with publishing paced at --rate events/s (run it below the
//                      server's saturation: latency at saturation is queueing).
//   --mode idle        opens --subscribers streams, prints one `ready` line and holds them until
//                      stdin reaches end of file or SIGTERM/SIGINT arrives; the caller reads the
//                      server's memory meanwhile.
//
// Every event's data is --size bytes of text: "<seq>:<send time>:" and padding, where the send
// time is CLOCK_MONOTONIC in ns taken just before the publish request is written. Subscribers
// parse their streams incrementally (events may be split anywhere across reads) and record
// receive minus send time in a log-linear histogram. Before the measured events, sequence-0
// events are published until every subscriber has received one, so that each subscription is
// known to be live on the server (nchan registers a subscriber with the channel's owning worker
// asynchronously) and no measured event can be missed for that reason.
//
// Prints one line of key=value pairs (see usage_text). Exits 0 when the run completed (check
// missing= in the output: deliveries that never arrived), 1 on a connection failure, a malformed
// response or the --timeout, 2 on a usage error.

#include "net/sse_parser.hpp"
#include "tools/bench/client/dechunker.hpp"
#include "tools/bench/client/extra_headers.hpp"
#include "tools/bench/client/http_response.hpp"
#include "tools/bench/client/loopback.hpp"
#include "tools/bench/client/program.hpp"
#include "tools/bench/client/statistics.hpp"
#include "tools/bench/client/text.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
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

constexpr std::string_view usage_text =
    "usage: herald-sse-load --mode throughput|latency|idle --server herald|nchan --port P\n"
    "                       --subscribe PATH [--publish PATH] [options]\n"
    "  --server S         herald: publish {\"event\":\"bench\",\"data\":...} with X-API-Key and\n"
    "                     wait for each stream's pode.open event; nchan: publish the raw data\n"
    "  --subscribe PATH   the stream to GET, e.g. /sse/bench or /sub/bench\n"
    "  --publish PATH     where to POST events, e.g. /sse/bench or /pub/bench\n"
    "  --key K            herald's publisher key (sent as X-API-Key with each publish)\n"
    "  --header \"N: V\"    a header line for every request, streams and publishes (repeatable)\n"
    "  --bearer TOKEN     send Authorization: Bearer TOKEN with every request\n"
    "  --api-key KEY      send X-API-Key: KEY with every request\n"
    "  --subscribers N    streams to open (default 1000)\n"
    "  --events M         measured events to publish (default 10000)\n"
    "  --size B           bytes of data per event, at least 32 (default 100)\n"
    "  --publishers P     publishing connections (default 16)\n"
    "  --in-flight F      publishes outstanding at once over all of them (default: P); above P\n"
    "                     requests are pipelined\n"
    "  --rate R           latency: events per second (required there)\n"
    "  --sources K        spread connections over source addresses 127.0.0.1..127.0.0.K\n"
    "                     (default: one per 20,000 connections)\n"
    "  --connect-window W subscriptions being set up at once (default 256)\n"
    "  --server-pids LIST comma-separated pids whose utime+stime make server_cpu_*\n"
    "  --settle S         once every publish is answered, give up on missing deliveries after\n"
    "                     S seconds without one (default 10)\n"
    "  --timeout S        exit 1 after this many seconds in all (default 600)\n"
    "output, one line:\n"
    "  throughput, latency: subscribers= events= delivered= missing= duplicates= seconds=\n"
    "      deliveries_per_s= published_per_s= p50_ms= p99_ms= p999_ms= max_ms=\n"
    "      server_cpu_us_per_delivery= server_cpu_pct= client_cpu_pct= publish_errors=\n"
    "      lost_subscribers= publish_lag_max_ms= setup_s=\n"
    "  idle: ready subscribers= setup_s=   (then, when released: released lost_subscribers=)\n";

/// CLOCK_MONOTONIC in ns: the clock of the send timestamps and of every deadline.
std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr std::uint64_t ns_per_s = 1'000'000'000u;

std::uint64_t to_ns(double seconds) {
  return static_cast<std::uint64_t>(seconds * 1e9);
}

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) {
  stop_requested = 1;
}

// -- options ------------------------------------------------------------------------------------

enum class mode { throughput, latency, idle };
enum class flavour { herald, nchan };

struct options {
  mode run_mode = mode::throughput;
  flavour server = flavour::herald;
  std::uint16_t port = 0;
  std::string subscribe_path;
  std::string publish_path;
  std::string key;
  unsigned subscribers = 1000;
  std::uint64_t events = 10'000;
  unsigned size = 100;
  unsigned publishers = 16;
  unsigned in_flight = 0; ///< 0: as many as publishers
  double rate = 0;
  unsigned sources = 0; ///< 0: one per 20,000 connections
  unsigned connect_window = 256;
  std::vector<int> server_pids;
  double settle = 10;
  double timeout = 600;
  /// Lines every request carries, subscriptions and publishes (a credential, mostly).
  extra_headers headers;
};

/// Paths and the key go into the request head as they stand: printable ASCII, no spaces.
bool head_safe(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > ' ' && c < 0x7f; });
}

std::string parse_path(std::string_view flag, std::string_view value) {
  if (value.empty() || value.front() != '/' || !head_safe(value))
    usage_error(std::string{flag} + " needs a path starting with '/', got '" + std::string{value} +
                "'");
  return std::string{value};
}

options parse_args(int argc, char** argv) {
  options o;
  bool have_mode = false, have_server = false, have_port = false;
  std::vector<std::string_view> names = {
      "mode",        "server",         "port",        "subscribe",  "publish",   "key",
      "subscribers", "events",         "size",        "publishers", "in-flight", "rate",
      "sources",     "connect-window", "server-pids", "settle",     "timeout"};
  names.insert(names.end(), header_flags.begin(), header_flags.end());
  auto flags = read_flags(argc, argv, names);
  for (const auto& [flag, value] : flags) {
    if (flag == "--mode") {
      if (value == "throughput")
        o.run_mode = mode::throughput;
      else if (value == "latency")
        o.run_mode = mode::latency;
      else if (value == "idle")
        o.run_mode = mode::idle;
      else
        usage_error("--mode must be throughput, latency or idle, got '" + value + "'");
      have_mode = true;
    } else if (flag == "--server") {
      if (value == "herald")
        o.server = flavour::herald;
      else if (value == "nchan")
        o.server = flavour::nchan;
      else
        usage_error("--server must be herald or nchan, got '" + value + "'");
      have_server = true;
    } else if (flag == "--port") {
      o.port = whole_number<std::uint16_t>(flag, value, 1, 65535);
      have_port = true;
    } else if (flag == "--subscribe") {
      o.subscribe_path = parse_path(flag, value);
    } else if (flag == "--publish") {
      o.publish_path = parse_path(flag, value);
    } else if (flag == "--key") {
      if (value.empty() || !head_safe(value))
        usage_error("--key needs printable ASCII without spaces");
      o.key = value;
    } else if (flag == "--subscribers") {
      o.subscribers = whole_number<unsigned>(flag, value, 1, 1'000'000);
    } else if (flag == "--events") {
      o.events = whole_number<std::uint64_t>(flag, value, 1, 9'999'999'999);
    } else if (flag == "--size") {
      o.size = whole_number<unsigned>(flag, value, 32, 60'000);
    } else if (flag == "--publishers") {
      o.publishers = whole_number<unsigned>(flag, value, 1, 1000);
    } else if (flag == "--in-flight") {
      o.in_flight = whole_number<unsigned>(flag, value, 1, 100'000);
    } else if (flag == "--rate") {
      o.rate = decimal(flag, value, 0.001, 1e7);
    } else if (flag == "--sources") {
      o.sources = whole_number<unsigned>(flag, value, 1, 254);
    } else if (flag == "--connect-window") {
      o.connect_window = whole_number<unsigned>(flag, value, 1, 100'000);
    } else if (flag == "--server-pids") {
      std::string_view rest = value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        o.server_pids.push_back(whole_number<int>(flag, rest.substr(0, comma), 1, 1 << 30));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    } else if (flag == "--settle") {
      o.settle = decimal(flag, value, 0.1, 3600);
    } else if (flag == "--timeout") {
      o.timeout = decimal(flag, value, 1, 86'400);
    } else if (auto error = o.headers.take(flag, value); !error.empty()) {
      usage_error(error);
    }
  }
  if (!have_mode)
    usage_error("--mode is required");
  if (!have_server)
    usage_error("--server is required");
  if (!have_port)
    usage_error("--port is required");
  if (o.subscribe_path.empty())
    usage_error("--subscribe is required");
  if (o.run_mode != mode::idle && o.publish_path.empty())
    usage_error("--mode throughput and latency need --publish");
  // With authentication on, the credential's scopes or the group's publish rule may allow
  // publishing instead of the publisher key.
  if (o.run_mode != mode::idle && o.server == flavour::herald && o.key.empty() &&
      !o.headers.has_credential())
    usage_error("--server herald needs --key (or a credential) to publish");
  if (o.run_mode == mode::latency && o.rate == 0)
    usage_error("--mode latency needs --rate");
  if (o.in_flight == 0)
    o.in_flight = o.publishers;
  return o;
}

// -- event data ---------------------------------------------------------------------------------

constexpr std::size_t seq_digits = 10;
constexpr std::size_t time_digits = 20;

/// Writes `n` as exactly `width` decimal digits, zero-padded, at `out`.
void put_digits(char* out, std::size_t width, std::uint64_t n) {
  for (std::size_t i = width; i-- > 0;) {
    out[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
}

/// Reads the "<seq>:<send ns>:" head of an event's data; false when it is not one of ours.
bool read_payload(std::string_view data, std::uint64_t& seq, std::uint64_t& sent) {
  if (data.size() < seq_digits + time_digits + 2 || data[seq_digits] != ':' ||
      data[seq_digits + 1 + time_digits] != ':')
    return false;
  auto digits = [](std::string_view s, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
  };
  return digits(data.substr(0, seq_digits), seq) &&
         digits(data.substr(seq_digits + 1, time_digits), sent);
}

// -- HTTP ---------------------------------------------------------------------------------------

constexpr std::size_t max_body_bytes = 1024 * 1024;
/// An event on a stream: a line of data is at most 60,000 bytes, besides herald's own events.
constexpr std::size_t max_event_bytes = 64 * 1024;

// -- the client ---------------------------------------------------------------------------------

enum class role : std::uint8_t { subscriber, publisher };

enum class phase : std::uint8_t {
  closed,     ///< no socket
  connecting, ///< connect() in progress
  head,       ///< subscriber: waiting for the stream's response head
  opening,    ///< subscriber (herald): head seen, waiting for the pode.open event
  open,       ///< subscriber: streaming; publisher: connected
};

struct connection {
  int fd = -1;
  std::uint32_t generation = 0; ///< tells events of a closed socket from its successor's
  role kind = role::subscriber;
  phase state = phase::closed;
  bool want_write = false;
  bool chunked = false;
  bool synced = false;           ///< subscriber: has received a sequence-0 event
  std::uint32_t outstanding = 0; ///< publisher: requests without an answer yet
  std::string out;
  std::size_t out_offset = 0;
  std::string in; ///< unparsed bytes: a partial head or response
  dechunker chunks;
  herald::net::sse_parser events{max_event_bytes};
};

class load_client {
 public:
  explicit load_client(options o) : opt_(std::move(o)) {
    host_ = "127.0.0.1:" + std::to_string(opt_.port);
    unsigned pubs = opt_.run_mode == mode::idle ? 0 : opt_.publishers;
    conns_.resize(std::size_t{opt_.subscribers} + pubs);
    for (std::size_t i = opt_.subscribers; i < conns_.size(); ++i)
      conns_[i].kind = role::publisher;
    unsigned total = static_cast<unsigned>(conns_.size());
    sources_ = opt_.sources ? opt_.sources : std::max(1u, (total + 19'999) / 20'000);
    raise_fd_limit(total + 16);
    depth_ = (opt_.in_flight + pubs - 1) / std::max(pubs, 1u);
    build_request_parts();
  }

  ~load_client() {
    for (auto& c : conns_)
      if (c.fd >= 0)
        ::close(c.fd);
  }

  load_client(const load_client&) = delete;
  load_client& operator=(const load_client&) = delete;

  int run() {
    start_ = now_ns();
    deadline_ = start_ + to_ns(opt_.timeout);
    subscribe_all();
    setup_s_ = static_cast<double>(now_ns() - start_) / 1e9;
    if (opt_.run_mode == mode::idle)
      return hold();
    for (std::size_t i = opt_.subscribers; i < conns_.size(); ++i) {
      open(conns_[i], i);
      for (std::uint32_t k = 0; k < depth_; ++k)
        free_slots_.push_back(static_cast<std::uint32_t>(i));
    }
    sync_all();
    return publish_and_measure();
  }

 private:
  // -- phases -----------------------------------------------------------------------------------

  /// Opens every subscription, at most --connect-window being set up at once, and waits until
  /// each stream is open (herald: its pode.open event has arrived).
  void subscribe_all() {
    std::size_t next = 0;
    while (opened_ < opt_.subscribers) {
      while (next < opt_.subscribers && setting_up_ < opt_.connect_window) {
        ++setting_up_;
        open(conns_[next], next);
        ++next;
      }
      poll_once(deadline_, "opening subscriptions");
      if (lost_subscribers_ > 0)
        fail(std::to_string(lost_subscribers_) + " subscription(s) failed while opening (" +
             std::to_string(opened_) + " of " + std::to_string(opt_.subscribers) + " open)");
    }
  }

  /// Publishes sequence-0 events, one at a time and at most every 200 ms, until every
  /// subscriber has received one: from then on, each subscription is live on the server.
  void sync_all() {
    constexpr std::uint64_t interval = 200'000'000; // ns
    auto limit = std::min(deadline_, now_ns() + 60 * ns_per_s);
    std::uint64_t last = 0;
    while (synced_ < opt_.subscribers) {
      if (lost_subscribers_ > 0)
        fail(std::to_string(lost_subscribers_) + " subscription(s) ended before the first event");
      auto now = now_ns();
      if (now >= limit)
        fail("after 60 s only " + std::to_string(synced_) + " of " +
             std::to_string(opt_.subscribers) + " subscribers had received a sync event");
      if (in_flight_ == 0 && now - last >= interval && !free_slots_.empty()) {
        publish(0);
        last = now;
      }
      poll_once(std::min(limit, last + interval), "syncing subscribers");
    }
    // The sync publishes still outstanding are answered before the measured ones.
    while (in_flight_ > 0)
      poll_once(deadline_, "waiting for sync publishes");
  }

  int publish_and_measure() {
    std::uint64_t expected = std::uint64_t{opt_.subscribers} * opt_.events;
    words_ = static_cast<std::size_t>(opt_.events / 64 + 1);
    seen_.assign(opt_.subscribers * words_, 0);
    measure_start_ = now_ns();
    last_progress_ = measure_start_;
    cpu_start_ = cpu_seconds();
    server_cpu_start_ = server_cpu_seconds(opt_.server_pids);
    std::uint64_t period =
        opt_.run_mode == mode::latency ? static_cast<std::uint64_t>(1e9 / opt_.rate) : 0;
    bool timed_out = false;
    while (delivered_ < expected) {
      auto now = now_ns();
      // Publish what is due and has a free slot.
      while (next_publish_ <= opt_.events && !free_slots_.empty()) {
        auto due = measure_start_ + (next_publish_ - 1) * period;
        if (due > now)
          break;
        if (period)
          publish_lag_max_ = std::max(publish_lag_max_, now - due);
        publish(next_publish_++);
        if (period)
          now = now_ns();
      }
      if (next_publish_ > opt_.events && in_flight_ == 0 && answered_at_ == 0)
        answered_at_ = now;
      // Every publish is answered and nothing has arrived for --settle seconds: the rest is
      // missing.
      if (answered_at_ && now - std::max(last_progress_, answered_at_) >= to_ns(opt_.settle))
        break;
      if (now >= deadline_) {
        timed_out = true;
        break;
      }
      std::uint64_t until = deadline_;
      if (period && next_publish_ <= opt_.events && !free_slots_.empty())
        until = measure_start_ + (next_publish_ - 1) * period;
      poll_once(until, nullptr);
    }
    auto end = last_delivery_ ? last_delivery_ : now_ns();
    double secs = static_cast<double>(end - measure_start_) / 1e9;
    double cpu = cpu_seconds() - cpu_start_;
    double server_cpu = server_cpu_seconds(opt_.server_pids) - server_cpu_start_;
    double published = static_cast<double>(next_publish_ - 1 - publish_errors_);
    auto ms = [](std::uint64_t ns) {
      return static_cast<double>(ns) / 1e6;
    };
    std::printf(
        "subscribers=%u events=%llu delivered=%llu missing=%llu duplicates=%llu seconds=%.3f "
        "deliveries_per_s=%.0f published_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f "
        "max_ms=%.3f server_cpu_us_per_delivery=%.3f server_cpu_pct=%.1f client_cpu_pct=%.1f "
        "publish_errors=%llu lost_subscribers=%u publish_lag_max_ms=%.3f setup_s=%.3f\n",
        opt_.subscribers, as_ull(opt_.events), as_ull(delivered_), as_ull(expected - delivered_),
        as_ull(duplicates_), secs, secs > 0 ? static_cast<double>(delivered_) / secs : 0.0,
        secs > 0 ? published / secs : 0.0, ms(latency_.quantile(0.50)), ms(latency_.quantile(0.99)),
        ms(latency_.quantile(0.999)), ms(latency_.max()),
        opt_.server_pids.empty() || delivered_ == 0
            ? 0.0
            : server_cpu * 1e6 / static_cast<double>(delivered_),
        secs > 0 ? 100.0 * server_cpu / secs : 0.0, secs > 0 ? 100.0 * cpu / secs : 0.0,
        as_ull(publish_errors_), lost_subscribers_, ms(publish_lag_max_), setup_s_);
    std::fflush(stdout);
    report_errors();
    if (timed_out)
      fail("timed out after " + seconds_text(opt_.timeout) + " s with " +
           std::to_string(expected - delivered_) + " deliveries missing");
    if (delivered_ < expected) {
      // What the streams did meanwhile tells a server that stalled from one that lost events.
      std::size_t none = 0;
      for (std::size_t i = 0; i < opt_.subscribers; ++i)
        none += std::all_of(seen_.begin() + static_cast<std::ptrdiff_t>(i * words_),
                            seen_.begin() + static_cast<std::ptrdiff_t>((i + 1) * words_),
                            [](std::uint64_t w) { return w == 0; });
      std::cerr << "herald-sse-load: " << expected - delivered_ << " of " << expected
                << " deliveries missing " << seconds_text(opt_.settle)
                << " s after the last publish was answered; " << none
                << " subscriber(s) received none of the events; " << measured_stream_bytes_
                << " bytes arrived on the streams after the first measured publish\n";
    }
    return 0;
  }

  /// Idle mode: holds the open subscriptions until stdin ends or a stop signal arrives.
  int hold() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal; // no SA_RESTART: epoll_wait returns EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = stdin_tag;
    // A regular file or /dev/null cannot be watched (EPERM): then only a signal releases us.
    bool watch_stdin = epoll_ctl(poller_.fd(), EPOLL_CTL_ADD, STDIN_FILENO, &ev) == 0;
    std::printf("ready subscribers=%u setup_s=%.3f\n", opt_.subscribers, setup_s_);
    std::fflush(stdout);
    while (!stop_requested && !stdin_closed_) {
      if (now_ns() >= deadline_)
        fail("held the subscriptions for the whole --timeout without being released");
      poll_once(deadline_, nullptr);
    }
    if (watch_stdin)
      poller_.forget(STDIN_FILENO);
    std::printf("released lost_subscribers=%u\n", lost_subscribers_);
    std::fflush(stdout);
    report_errors();
    return lost_subscribers_ ? 1 : 0;
  }

  // -- publishing -------------------------------------------------------------------------------

  void build_request_parts() {
    payload_.assign(opt_.size, 'x');
    payload_[seq_digits] = ':';
    payload_[seq_digits + 1 + time_digits] = ':';
    std::string body_head, body_tail;
    std::string head = "POST " + opt_.publish_path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
    std::size_t length = opt_.size;
    if (opt_.server == flavour::herald) {
      body_head = R"({"event":"bench","data":")";
      body_tail = R"("})";
      length += body_head.size() + body_tail.size();
      if (!opt_.key.empty())
        head += "X-API-Key: " + opt_.key + "\r\n";
      head += "Content-Type: application/json\r\n";
    } else {
      head += "Content-Type: text/plain\r\n";
    }
    head += opt_.headers.lines();
    head += "Content-Length: " + std::to_string(length) + "\r\n\r\n";
    request_prefix_ = head + body_head;
    request_suffix_ = body_tail;
  }

  /// Sends event `seq` (0: a sync event) on a publisher with a free slot.
  void publish(std::uint64_t seq) {
    auto& c = conns_[free_slots_.back()];
    free_slots_.pop_back();
    if (c.fd < 0)
      open(c, static_cast<std::size_t>(&c - conns_.data()));
    if (c.out_offset == c.out.size()) {
      c.out.clear();
      c.out_offset = 0;
    }
    c.out += request_prefix_;
    auto at = c.out.size();
    c.out += payload_;
    c.out += request_suffix_;
    put_digits(c.out.data() + at, seq_digits, seq);
    put_digits(c.out.data() + at + seq_digits + 1, time_digits, now_ns());
    ++c.outstanding;
    ++in_flight_;
    if (c.state == phase::open)
      flush(c);
  }

  /// Handles the responses that are complete in a publisher's buffer.
  void read_responses(connection& c, bool eof) {
    std::size_t used = 0;
    std::string_view in = c.in;
    while (used < in.size()) {
      std::optional<response_head> h;
      try {
        h = parse_response_head(in.substr(used));
      } catch (const protocol_error& e) {
        fail(std::string{"bad publish response: "} + e.what());
      }
      if (!h)
        break;
      std::size_t body_start = used + h->size, body_end;
      if (h->length) {
        if (*h->length > max_body_bytes)
          fail("publish response body above 1 MiB");
        body_end = body_start + *h->length;
        if (body_end > in.size())
          break;
      } else if (h->chunked) {
        auto last = in.find("\r\n0\r\n\r\n", body_start > 2 ? body_start - 2 : 0);
        if (last == std::string_view::npos) {
          if (in.size() - body_start > max_body_bytes)
            fail("publish response body above 1 MiB");
          break;
        }
        body_end = last + 7;
      } else {
        fail("publish response " + std::to_string(h->status) + " without a length");
      }
      if (c.outstanding == 0)
        fail("a publish response nobody asked for");
      --c.outstanding;
      --in_flight_;
      if (h->status < 200 || h->status > 299) {
        ++publish_errors_;
        note_error("publish answered " + std::to_string(h->status),
                   in.substr(body_start, body_end - body_start));
      }
      used = body_end;
      if (h->close) {
        close_publisher(c, "the server closed the connection after a response");
        return;
      }
      free_slots_.push_back(static_cast<std::uint32_t>(&c - conns_.data()));
    }
    c.in.erase(0, used);
    if (eof)
      close_publisher(c, "the server closed the connection");
  }

  /// A publisher's socket is gone. Requests it still had are lost: counted as errors (their
  /// events show up as missing deliveries). Its slots come back; the next publish reconnects.
  void close_publisher(connection& c, const std::string& why) {
    auto index = static_cast<std::uint32_t>(&c - conns_.data());
    if (c.outstanding > 0) {
      publish_errors_ += c.outstanding;
      in_flight_ -= c.outstanding;
      error_kinds_[why + " with requests outstanding"] += c.outstanding;
    }
    close_socket(c);
    c.in.clear();
    c.out.clear();
    c.out_offset = 0;
    c.outstanding = 0;
    // Every slot of this connection is free now: drop those already listed, add them all.
    free_slots_.erase(std::remove(free_slots_.begin(), free_slots_.end(), index),
                      free_slots_.end());
    for (std::uint32_t k = 0; k < depth_; ++k)
      free_slots_.push_back(index);
  }

  // -- subscribing ------------------------------------------------------------------------------

  /// Bytes of a subscriber's stream: the response head first, then events.
  void read_stream(connection& c, const char* p, std::size_t n, std::uint64_t now) {
    if (c.state == phase::head) {
      c.in.append(p, n);
      std::optional<response_head> h;
      try {
        h = parse_response_head(c.in);
      } catch (const protocol_error& e) {
        fail(std::string{"bad subscribe response: "} + e.what());
      }
      if (!h)
        return;
      if (h->status != 200)
        fail("GET " + opt_.subscribe_path + " answered " + std::to_string(h->status) + ": " +
             snippet(std::string_view{c.in}.substr(h->size)));
      if (!icontains(h->content_type, "text/event-stream"))
        fail("GET " + opt_.subscribe_path + " answered Content-Type '" + h->content_type +
             "', not text/event-stream");
      c.chunked = h->chunked;
      std::string rest = c.in.substr(h->size);
      c.in.clear();
      if (opt_.server == flavour::herald) {
        c.state = phase::opening;
      } else {
        c.state = phase::open;
        stream_opened();
      }
      if (!rest.empty())
        read_events(c, rest.data(), rest.data() + rest.size(), now);
      return;
    }
    read_events(c, p, p + n, now);
  }

  void stream_opened() {
    ++opened_;
    --setting_up_;
  }

  void read_events(connection& c, const char* p, const char* end, std::uint64_t now) {
    if (!c.chunked) {
      feed_events(c, p, end, now);
      return;
    }
    bool more = true;
    try {
      more =
          c.chunks.feed(p, end, [&](const char* a, const char* b) { feed_events(c, a, b, now); });
    } catch (const protocol_error& e) {
      fail(std::string{"bad chunked stream: "} + e.what());
    }
    if (!more)
      lost_subscriber(c, "the stream ended (last chunk)");
  }

  /// Where a subscriber's parser hands its events: back to the client, with the stream and
  /// the time of the read they arrived in.
  struct stream_events final : herald::net::sse_handler {
    load_client& client;
    connection& c;
    std::uint64_t now;
    stream_events(load_client& client, connection& c, std::uint64_t now)
        : client(client), c(c), now(now) {}
    void on_event(const herald::net::sse_message& e) override { client.on_stream_event(c, e, now); }
  };

  /// Stream bytes (chunked framing removed) through the subscriber's event parser.
  void feed_events(connection& c, const char* p, const char* end, std::uint64_t now) {
    stream_events sink{*this, c, now};
    if (!c.events.feed({p, static_cast<std::size_t>(end - p)}, sink))
      fail("a stream event above 64 KiB");
  }

  /// One event of a subscriber's stream (WHATWG HTML §9.2.6; comments such as ": ping" or
  /// nchan's ": hi", `id:` and `retry:` are not needed here).
  void on_stream_event(connection& c, const herald::net::sse_message& e, std::uint64_t now) {
    if (e.type == "pode.open") {
      if (c.state == phase::opening) {
        c.state = phase::open;
        stream_opened();
      }
      return;
    }
    std::uint64_t seq = 0, sent = 0;
    // Our data is one line; a second data line would make it another text.
    bool ours = (e.type == "bench" || e.type == "message") && read_payload(e.data, seq, sent) &&
                e.data.find('\n') == std::string_view::npos;
    if (!ours) {
      ++foreign_events_;
      return;
    }
    if (seq == 0) {
      if (!c.synced) {
        c.synced = true;
        ++synced_;
      }
      return;
    }
    if (seq > opt_.events) {
      ++foreign_events_;
      return;
    }
    // Concurrent publishes may be accepted in any order, so deliveries are counted per event,
    // not by a running sequence number.
    auto& word = seen_[static_cast<std::size_t>(&c - conns_.data()) * words_ + seq / 64];
    auto bit = std::uint64_t{1} << (seq % 64);
    if (word & bit) {
      ++duplicates_;
      return;
    }
    word |= bit;
    ++delivered_;
    last_delivery_ = now;
    last_progress_ = now;
    latency_.add(now > sent ? now - sent : 0);
  }

  void lost_subscriber(connection& c, const std::string& why) {
    if (c.state == phase::head || c.state == phase::opening || c.state == phase::connecting)
      --setting_up_;
    ++lost_subscribers_;
    note_error(why, {});
    close_socket(c);
  }

  // -- sockets ----------------------------------------------------------------------------------

  void open(connection& c, std::size_t index) {
    auto attempt = connect_loopback(
        opt_.port, sources_ > 1 ? std::optional<unsigned>{index % sources_} : std::nullopt);
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
    fail("cannot connect to " + host_ + ": " + errno_text(err) +
         (err == EADDRNOTAVAIL ? " (out of ephemeral ports: try more --sources)"
                               : " (is the server running?)"));
  }

  void connected(connection& c) {
    if (c.kind == role::subscriber) {
      c.state = phase::head;
      c.out = "GET " + opt_.subscribe_path + " HTTP/1.1\r\nHost: " + host_ +
              "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n" +
              opt_.headers.lines() + "\r\n";
      c.out_offset = 0;
    } else {
      c.state = phase::open;
    }
    flush(c);
  }

  void close_socket(connection& c) {
    if (c.fd >= 0) {
      poller_.forget(c.fd);
      ::close(c.fd);
    }
    c.fd = -1;
    c.want_write = false;
    c.state = phase::closed;
    ++c.generation;
  }

  void watch(connection& c, int op, bool want_write) {
    poller_.watch(c.fd, op,
                  connection_tag(static_cast<std::size_t>(&c - conns_.data()), c.generation),
                  want_write);
    c.want_write = want_write;
  }

  /// Writes what is queued in `c.out`; asks for EPOLLOUT only while the socket is full.
  void flush(connection& c) {
    switch (send_pending(c.fd, c.out, c.out_offset)) {
    case send_status::done:
      c.out.clear();
      c.out_offset = 0;
      if (c.want_write)
        watch(c, EPOLL_CTL_MOD, false);
      return;
    case send_status::blocked:
      if (!c.want_write)
        watch(c, EPOLL_CTL_MOD, true);
      return;
    case send_status::failed:
      broken(c, "send: " + errno_text(errno));
      return;
    }
  }

  void broken(connection& c, const std::string& why) {
    if (c.kind == role::subscriber)
      lost_subscriber(c, why);
    else
      close_publisher(c, why);
  }

  /// Waits for events until `until` (at most 100 ms, so the caller sees its deadlines) and
  /// handles them. `doing` names the phase for the timeout message; with nullptr the caller
  /// handles the deadline itself.
  void poll_once(std::uint64_t until, const char* doing) {
    auto now = now_ns();
    if (doing && now >= deadline_)
      fail("timed out after " + seconds_text(opt_.timeout) + " s " + doing + " (" +
           std::to_string(opened_) + " subscriptions open, " + std::to_string(synced_) +
           " synced)");
    auto limit = std::min({until, deadline_, now + 100'000'000});
    // Round up to whole ms: waking early would only spin.
    int ms = limit > now ? static_cast<int>((limit - now + 999'999) / 1'000'000) : 0;
    for (const auto& event : poller_.wait(ms)) {
      if (event.data.u64 == stdin_tag) {
        drain_stdin();
        continue;
      }
      auto& c = conns_[tag_index(event.data.u64)];
      if (c.fd < 0 || c.generation != tag_generation(event.data.u64))
        continue; // for a socket closed earlier in this batch
      handle(c, event.events);
    }
  }

  void drain_stdin() {
    char buf[256];
    auto n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
      stdin_closed_ = true;
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
        return; // the socket broke: these events were for it
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
      receive(c);
  }

  void receive(connection& c) {
    auto generation = c.generation;
    while (true) {
      auto n = ::recv(c.fd, buf_.data(), buf_.size(), 0);
      if (n > 0) {
        auto size = static_cast<std::size_t>(n);
        if (c.kind == role::subscriber) {
          if (measure_start_)
            measured_stream_bytes_ += size;
          // One clock reading per read: the events in it arrived together.
          read_stream(c, buf_.data(), size, now_ns());
        } else {
          c.in.append(buf_.data(), size);
          read_responses(c, false);
        }
        if (c.generation != generation || size < buf_.size())
          return;
        continue;
      }
      if (n == 0) {
        if (c.kind == role::subscriber)
          lost_subscriber(c, c.state == phase::open ? "the server closed a stream"
                                                    : "the server closed a stream while opening");
        else
          read_responses(c, true);
        return;
      }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      broken(c, "recv: " + errno_text(errno));
      return;
    }
  }

  // -- bookkeeping ------------------------------------------------------------------------------

  void note_error(const std::string& what, std::string_view body) {
    auto& n = error_kinds_[what];
    if (n++ == 0 && !body.empty())
      first_bodies_[what] = snippet(body);
  }

  void report_errors() const {
    for (const auto& [what, n] : error_kinds_) {
      std::cerr << "herald-sse-load: " << n << " x " << what;
      if (auto it = first_bodies_.find(what); it != first_bodies_.end())
        std::cerr << " (first body: " << it->second << ")";
      std::cerr << "\n";
    }
    if (foreign_events_)
      std::cerr << "herald-sse-load: " << foreign_events_ << " events that were not ours\n";
  }

  static unsigned long long as_ull(std::uint64_t v) { return v; }

  static constexpr std::uint64_t stdin_tag = ~std::uint64_t{0};

  options opt_;
  std::vector<connection> conns_;
  poller poller_;
  std::string host_;
  unsigned sources_ = 1;
  std::uint32_t depth_ = 1; ///< requests one publisher may have outstanding
  std::array<char, 256 * 1024> buf_{};

  std::string payload_, request_prefix_, request_suffix_;
  std::vector<std::uint32_t> free_slots_; ///< a publisher index per request it may still send
  std::uint64_t next_publish_ = 1;
  std::uint64_t in_flight_ = 0;
  std::uint64_t publish_errors_ = 0;
  std::uint64_t publish_lag_max_ = 0;

  std::uint64_t start_ = 0, deadline_ = 0, measure_start_ = 0;
  std::uint64_t last_delivery_ = 0, last_progress_ = 0, answered_at_ = 0;
  double setup_s_ = 0, cpu_start_ = 0, server_cpu_start_ = 0;
  unsigned setting_up_ = 0, opened_ = 0, synced_ = 0, lost_subscribers_ = 0;
  bool stdin_closed_ = false;

  std::uint64_t delivered_ = 0, duplicates_ = 0, foreign_events_ = 0;
  std::uint64_t measured_stream_bytes_ = 0;
  std::size_t words_ = 0;           ///< of seen_ per subscriber
  std::vector<std::uint64_t> seen_; ///< bit <seq> of each subscriber: event received
  histogram latency_;
  std::map<std::string, std::uint64_t> error_kinds_;
  std::map<std::string, std::string> first_bodies_;
};

} // namespace

int main(int argc, char** argv) {
  identify("herald-sse-load", usage_text);
  auto opt = parse_args(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);
  // 256 KiB buffers in the client object: keep it off the stack.
  auto client = std::make_unique<load_client>(std::move(opt));
  return client->run();
}
