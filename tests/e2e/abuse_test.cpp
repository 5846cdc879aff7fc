// Abuse at scale over real sockets: 1,000 attackers at once — slowloris clients trickling
// their headers, or subscribers that never read — against the real binary, while 100 healthy
// clients go on. The healthy clients' latency is measured before and during the attack; the
// p99s are printed (the README quotes them) and bounded.

#include "support/http_client.hpp"
#include "support/node_process.hpp"
#include "support/sse_stream.hpp"

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

using namespace herald::test;
using std::chrono::steady_clock;

namespace {

constexpr int attackers = 1000;
constexpr int healthy = 100;

/// Both ends of 1,000 connections live in the test's processes: lift the soft descriptor limit
/// to the hard one (the node inherits it). False when even that is too low.
bool enough_descriptors(rlim_t needed) {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) != 0)
    return false;
  if (l.rlim_cur < needed && l.rlim_max >= needed) {
    l.rlim_cur = std::min(l.rlim_max, needed * 2);
    setrlimit(RLIMIT_NOFILE, &l);
    getrlimit(RLIMIT_NOFILE, &l);
  }
  if (l.rlim_cur >= needed)
    return true;
  // A machine that cannot open them says nothing about the node: the case is left out, loudly.
  BOOST_TEST_MESSAGE("SKIPPED: RLIMIT_NOFILE's hard limit " << l.rlim_max << " is below the "
                                                            << needed << " descriptors needed");
  return false;
}

/// Milliseconds at quantile `q` (nearest rank) of `samples` (microseconds).
double quantile_ms(std::vector<std::int64_t> samples, double q) {
  if (samples.empty())
    return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(q * static_cast<double>(samples.size()) + 0.999999);
  return static_cast<double>(samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1]) /
         1000.0;
}

/// "p50 X ms, p99 Y ms" of `samples` (microseconds), three significant digits.
std::string quantiles_text(const std::vector<std::int64_t>& samples) {
  char out[96];
  std::snprintf(out, sizeof out, "p50 %.3g ms, p99 %.3g ms", quantile_ms(samples, 0.5),
                quantile_ms(samples, 0.99));
  return out;
}

std::int64_t micros_between(steady_clock::time_point a, steady_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

/// `rounds` rounds of one GET /health on each healthy keep-alive connection in turn; the
/// latency of each, in microseconds.
std::vector<std::int64_t> healthy_rounds(std::vector<std::unique_ptr<connection>>& clients,
                                         int rounds) {
  std::vector<std::int64_t> out;
  for (int r = 0; r < rounds; ++r)
    for (auto& c : clients) {
      auto sent = steady_clock::now();
      auto res = c->exchange(get_request("/health"), 10s);
      BOOST_REQUIRE(res.result_int() == 200);
      out.push_back(micros_between(sent, steady_clock::now()));
    }
  return out;
}

/// The bound on the healthy clients' p99 under attack: a few times what it was before, and
/// never less than 250 ms, as this machine's two cores are shared with the attackers' client
/// (unloaded, the stalled subscribers' attack measured 26 → 64 ms; with a build beside it, 287).
/// Under AddressSanitizer every write costs several times more, so a thousand more sockets
/// say more about the sanitizer than about the node: there the p99s are printed, not bounded.
bool kept_latency(double before_ms, double during_ms) {
#if defined(__SANITIZE_ADDRESS__)
  (void)before_ms;
  (void)during_ms;
  return true;
#else
  return during_ms <= std::max(250.0, 5 * before_ms);
#endif
}

} // namespace

BOOST_AUTO_TEST_SUITE(abuse)

BOOST_AUTO_TEST_CASE(a_thousand_slowloris_clients_leave_healthy_clients_their_latency) {
  if (!enough_descriptors(2 * (attackers + healthy) + 200))
    return; // said by enough_descriptors
  // Attackers are cut 408 at the header timeout; it is long enough to measure under attack.
  node_process node{R"({"limits": {"header_timeout_ms": 6000}, "demo": {"enabled": false}})"};
  std::vector<std::unique_ptr<connection>> clients;
  for (int i = 0; i < healthy; ++i)
    clients.push_back(std::make_unique<connection>(node.port()));
  auto before = healthy_rounds(clients, 10);

  std::vector<std::unique_ptr<connection>> slow;
  for (int i = 0; i < attackers; ++i) {
    slow.push_back(std::make_unique<connection>(node.port()));
    BOOST_REQUIRE(slow.back()->send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  auto attack_start = steady_clock::now();
  // One more header byte from each attacker every 200 ms (5,000 writes a second), so that no
  // idle timer would catch them: only the header timeout, counted from the first byte, does.
  std::atomic<bool> stop{false};
  std::thread trickle{[&] {
    while (!stop && ms_since(attack_start) < 20'000) {
      for (auto& s : slow)
        if (s->fd() >= 0)
          s->send("a");
      std::this_thread::sleep_for(200ms);
    }
  }};
  std::vector<std::int64_t> during;
  while (ms_since(attack_start) < 4'500) {
    auto round = healthy_rounds(clients, 1);
    during.insert(during.end(), round.begin(), round.end());
  }
  stop = true;
  trickle.join();

  auto p99_before = quantile_ms(before, 0.99);
  auto p99_during = quantile_ms(during, 0.99);
  BOOST_TEST_MESSAGE("slowloris: " << attackers << " attackers, " << healthy
                                   << " healthy clients: GET /health " << quantiles_text(before)
                                   << " before; " << quantiles_text(during) << " during ("
                                   << during.size() << " requests)");
  BOOST_TEST(kept_latency(p99_before, p99_during),
             "p99 " << p99_during << " ms under attack vs " << p99_before << " ms before");
  // Every attacker gets its 408 at the header timeout, and the node is still there for all.
  int cut = 0;
  for (auto& s : slow) {
    try {
      if (s->read_response(10s).result_int() == 408)
        ++cut;
    } catch (const std::exception&) {
      // Closed without an answer: not what SPEC §4.10 promises; counted as not cut.
    }
  }
  BOOST_TEST(cut == attackers);
  BOOST_TEST(ms_since(attack_start) >= 5'000);
  auto after = healthy_rounds(clients, 2);
  BOOST_TEST(after.size() == std::size_t{2 * healthy});
}

BOOST_AUTO_TEST_CASE(a_thousand_subscribers_that_never_read_leave_healthy_ones_their_latency) {
  if (!enough_descriptors(2 * (attackers + healthy) + 200))
    return; // said by enough_descriptors
  node_process node{R"({"sse": {"publisher_key": "publisher-key-0123456789",
                                "max_lag_bytes": 65536},
                        "demo": {"enabled": false}})"};
  const std::string key =
      "X-API-Key: publisher-key-0123456789\r\nContent-Type: application/json\r\n";
  std::vector<std::unique_ptr<sse_stream>> streams;
  std::vector<sse_stream*> readers;
  for (int i = 0; i < healthy; ++i) {
    streams.push_back(std::make_unique<sse_stream>(node.port(), "/sse/firehose"));
    readers.push_back(streams.back().get());
  }
  for (auto* s : readers)
    BOOST_REQUIRE(s->read_head(5s) && s->status() == 200);

  // Each event carries its number and the monotonic time it was published at (the same clock
  // in both processes); each reader stamps it as it arrives.
  constexpr int per_phase = 100;
  std::vector<std::size_t> seen(readers.size(), 0);
  std::vector<std::int64_t> latencies;
  auto stamp_new = [&] {
    auto now = steady_clock::now();
    for (std::size_t i = 0; i < readers.size(); ++i)
      for (; seen[i] < readers[i]->events().size(); ++seen[i]) {
        const auto& e = readers[i]->events()[seen[i]];
        if (e.type != "tick")
          continue;
        auto space = e.data.find(' ');
        auto sent = std::stoll(e.data.substr(space + 1, e.data.find(' ', space + 1) - space));
        latencies.push_back(
            micros_between(steady_clock::time_point{std::chrono::nanoseconds{sent}}, now));
      }
  };
  connection publisher{node.port()};
  const std::string padding(8000, 'x');
  int published = 0;
  auto publish_phase = [&](int events) {
    for (int i = 0; i < events; ++i) {
      auto sent = steady_clock::now().time_since_epoch().count();
      auto body = R"({"event":"tick","data":")" + std::to_string(published) + " " +
                  std::to_string(sent) + " " + padding + R"("})";
      auto res = publisher.exchange(request_with_body("POST", "/sse/firehose", body, key));
      BOOST_REQUIRE(res.result_int() == 202);
      ++published;
      // 20 events a second, read meanwhile.
      auto until = steady_clock::now() + 50ms;
      sse_stream::pump_all(
          readers,
          [&] {
            stamp_new();
            return steady_clock::now() >= until;
          },
          100ms);
    }
  };
  publish_phase(per_phase);
  auto before = latencies;
  latencies.clear();

  // 1,000 subscribers with a 4 KiB receive window that never read: 160 KB/s for each.
  std::vector<std::unique_ptr<connection>> stalled;
  for (int i = 0; i < attackers; ++i) {
    stalled.push_back(std::make_unique<connection>(node.port(), 4096));
    BOOST_REQUIRE(
        stalled.back()->send(get_request("/sse/firehose", "Accept: text/event-stream\r\n")));
  }
  publish_phase(per_phase);
  auto during = latencies;
  // Whatever is still on its way to the healthy readers.
  sse_stream::pump_all(
      readers,
      [&] {
        stamp_new();
        return std::all_of(readers.begin(), readers.end(), [&](auto* s) {
          return s->events().size() >= 1 + std::size_t{2 * per_phase};
        });
      },
      10s);

  for (auto* s : readers) {
    BOOST_TEST(!s->closed());
    BOOST_TEST(s->events().size() == 1 + std::size_t{2 * per_phase}); // pode.open + every tick
  }
  auto p99_before = quantile_ms(before, 0.99);
  auto p99_during = quantile_ms(during, 0.99);
  BOOST_TEST_MESSAGE("stalled subscribers: " << attackers << " never reading, " << healthy
                                             << " reading: publish to receive "
                                             << quantiles_text(before) << " before; "
                                             << quantiles_text(during) << " during");
  BOOST_TEST(kept_latency(p99_before, p99_during),
             "p99 " << p99_during << " ms under attack vs " << p99_before << " ms before");
  // Each stalled subscriber was cut once its lag passed 64 KiB (after the 128 KiB its socket
  // holds, limits.stream_send_buffer_bytes doubled): it reads what the kernel kept for it,
  // then the end of the stream. 800 KB were published for each.
  int cut = 0;
  auto deadline = steady_clock::now() + 20s;
  for (auto& s : stalled) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (s->wait_closed(std::max(left, std::chrono::milliseconds{1})))
      ++cut;
  }
  BOOST_TEST(cut == attackers);
}

BOOST_AUTO_TEST_SUITE_END()
