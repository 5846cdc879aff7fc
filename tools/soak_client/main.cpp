// herald-soak: a mixed load against a real node for a set time, watching what the node holds.
//
//   herald-soak --herald PATH [--duration S] [--warmup S] [--report-every S] [--store KIND]
//               [--task-clients N] [--hub-readers N] [--stalled N] [--churn N] [--dir DIR]
//               [--rss-margin F] [--no-rss-check] [--seed N]
//
// The run: start the node (its own config file, ports picked by the kernel, a SQLite store in
// DIR), load it for the warm-up, stop the load and let the node settle (tasks past their
// retention, groups idle), take that as the baseline; load it again for the rest of the
// duration, settle, and compare. Every --report-every seconds it prints the node's RSS, open
// descriptors, threads, live actors, tasks held and groups live, and what the clients did.
//
// Exit 0 when nothing broke; 1 when a client saw a broken promise (a lost or repeated event, a
// task answer that contradicts another, an unexpected status or a timeout), when after the
// load RSS is more than --rss-margin above the baseline, when a descriptor, thread or actor
// was left behind, when the node's store failed, or when the node did not stop cleanly.

#include "node_probe.hpp"
#include "tally.hpp"
#include "workloads.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;
using herald::soak::node_probe;
using herald::soak::node_sample;
using herald::soak::tally;

namespace {

constexpr const char* usage =
    "usage: herald-soak --herald PATH [--duration S] [--warmup S] [--report-every S]\n"
    "                   [--store memory|sqlite] [--task-clients N] [--hub-readers N]\n"
    "                   [--stalled N] [--churn N] [--dir DIR] [--rss-margin F]\n"
    "                   [--no-rss-check] [--seed N]\n";

struct options {
  std::string herald;
  double duration = 600;
  double warmup = -1; // default: a quarter of the duration, 15 to 60 s
  double report_every = 10;
  std::string store = "sqlite";
  int task_clients = 4;
  int hub_readers = 8;
  int stalled = 3;
  double churn = 10'000; // connections over the whole load
  fs::path dir;
  double rss_margin = 0.10;
  bool rss_check = true;
  std::uint64_t seed = 1;
};

[[noreturn]] void bad_usage(const std::string& why) {
  std::fprintf(stderr, "herald-soak: %s\n%s", why.c_str(), usage);
  std::exit(2);
}

double number(const std::string& flag, const char* text, double min, double max) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= min && v <= max))
    bad_usage(flag + ": expected a number from " + std::to_string(min) + " to " +
              std::to_string(max));
  return v;
}

options read_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (flag == "--no-rss-check") {
      o.rss_check = false;
      continue;
    }
    if (i + 1 >= argc)
      bad_usage(flag + ": needs a value");
    const char* v = argv[++i];
    if (flag == "--herald")
      o.herald = v;
    else if (flag == "--duration")
      o.duration = number(flag, v, 20, 7 * 24 * 3600);
    else if (flag == "--warmup")
      o.warmup = number(flag, v, 5, 3600);
    else if (flag == "--report-every")
      o.report_every = number(flag, v, 1, 3600);
    else if (flag == "--store") {
      o.store = v;
      if (o.store != "memory" && o.store != "sqlite")
        bad_usage("--store: memory or sqlite");
    } else if (flag == "--task-clients")
      o.task_clients = static_cast<int>(number(flag, v, 1, 64));
    else if (flag == "--hub-readers")
      o.hub_readers = static_cast<int>(number(flag, v, 0, 1000));
    else if (flag == "--stalled")
      o.stalled = static_cast<int>(number(flag, v, 0, 100));
    else if (flag == "--churn")
      o.churn = number(flag, v, 0, 10'000'000);
    else if (flag == "--dir")
      o.dir = v;
    else if (flag == "--rss-margin")
      o.rss_margin = number(flag, v, 0, 10);
    else if (flag == "--seed")
      o.seed = static_cast<std::uint64_t>(number(flag, v, 0, 1e15));
    else
      bad_usage("unknown flag " + flag);
  }
  if (o.herald.empty())
    bad_usage("--herald PATH is required");
  if (o.warmup < 0)
    o.warmup = std::clamp(o.duration / 4, 15.0, 60.0);
  if (o.warmup >= o.duration - 5)
    bad_usage("--warmup must leave at least 5 s of the duration");
  return o;
}

// Short enough that a settle waits little, long enough that tasks are read after they end.
constexpr int retention_ms = 8000;
constexpr int group_idle_ms = 2000;
const std::string publisher_key = "soak-publisher-key-0123456789";
const std::string hub_group = "soak-hub";

std::string node_config(const options& o) {
  std::string store = o.store == "sqlite" ? "sqlite:" + (o.dir / "tasks.db").string() : "memory";
  return R"({
  "bind": "127.0.0.1", "port": 0, "log_level": "warn",
  "limits": { "idle_timeout_ms": 5000, "header_timeout_ms": 3000 },
  "tasks": { "retention_ms": )" +
         std::to_string(retention_ms) + R"(, "store": ")" + store + R"(" },
  "sse": { "publisher_key": ")" +
         publisher_key + R"(", "max_lag_bytes": 65536, "group_idle_ms": )" +
         std::to_string(group_idle_ms) + R"(, "heartbeat_ms": 5000 },
  "demo": { "tick_ms": 10, "report_ms": 300, "event_gap_ms": 100 },
  "ui": { "enabled": false },
  "admin": { "port": 0 },
  "routes": [
    { "path": "/soak/echo", "command": ["cat"], "max_concurrent": 4 },
    { "path": "/soak/fail", "command": ["sh", "-c", "echo failing >&2; exit 3"] },
    { "path": "/soak/slow", "command": ["sleep", "5"], "timeout_s": 1, "kill_grace_ms": 200 }
  ]
})";
}

void print_header() {
  std::printf("%7s %-7s %8s %5s %5s %7s %6s %6s %6s %6s | %8s %7s %7s %8s %8s %7s %5s\n", "t_s",
              "phase", "rss_MiB", "fds", "thr", "actors", "tasks", "groups", "conns", "subs",
              "started", "ended", "cancels", "streams", "hub_ev", "churned", "fail");
}

void print_line(double t, const char* phase, const node_sample& s, const tally& out) {
  std::printf("%7.1f %-7s %8.1f %5ld %5ld %7.0f %6.0f %6.0f %6.0f %6.0f | %8llu %7llu %7llu "
              "%8llu %8llu %7llu %5llu\n",
              t, phase, static_cast<double>(s.rss_kib) / 1024.0, s.fds, s.threads, s.actors,
              s.tasks, s.groups, s.connections, s.subscribers,
              static_cast<unsigned long long>(out.tasks_started.load()),
              static_cast<unsigned long long>(out.tasks_completed.load() + out.tasks_failed.load() +
                                              out.tasks_aborted.load()),
              static_cast<unsigned long long>(out.cancels_accepted.load()),
              static_cast<unsigned long long>(out.task_streams.load()),
              static_cast<unsigned long long>(out.hub_events.load()),
              static_cast<unsigned long long>(out.churned.load()),
              static_cast<unsigned long long>(out.failures()));
  std::fflush(stdout);
}

/// Runs the clients until `until`, printing a line every `every`.
void load(const options& o, node_probe& node, tally& out, steady_clock::time_point start,
          steady_clock::time_point until, double churn_per_second, std::uint64_t round) {
  std::atomic<bool> stop{false};
  herald::soak::load_context base;
  base.port = node.port();
  base.publisher_key = publisher_key;
  base.hub_group = hub_group;
  base.stop = &stop;
  base.out = &out;
  std::vector<std::thread> clients;
  auto with_seed = [&](std::uint64_t k) {
    auto c = base;
    c.seed = o.seed * 1'000'003 + round * 1009 + k;
    return c;
  };
  std::uint64_t k = 0;
  clients.emplace_back(herald::soak::hub_publisher, with_seed(++k), 40.0);
  for (int i = 0; i < o.hub_readers; ++i)
    clients.emplace_back(herald::soak::hub_reader, with_seed(++k));
  clients.emplace_back(herald::soak::group_reader, with_seed(++k), "/process-data_events");
  clients.emplace_back(herald::soak::group_reader, with_seed(++k), "/soak/echo_events");
  for (int i = 0; i < o.task_clients; ++i)
    clients.emplace_back(herald::soak::task_client, with_seed(++k));
  for (int i = 0; i < o.stalled; ++i)
    clients.emplace_back(herald::soak::stalled_client, with_seed(++k));
  if (churn_per_second > 0)
    clients.emplace_back(herald::soak::churn_client, with_seed(++k), churn_per_second);

  auto every = duration_cast<steady_clock::duration>(duration<double>{o.report_every});
  auto next = steady_clock::now() + every;
  while (steady_clock::now() < until) {
    std::this_thread::sleep_until(std::min(next, until));
    if (steady_clock::now() >= next) {
      next += every;
      print_line(duration<double>(steady_clock::now() - start).count(), "load", node.sample(), out);
    }
  }
  stop = true;
  for (auto& t : clients)
    t.join();
}

/// Waits until the node holds no task, connection or subscriber and no more groups than
/// `before` the load (or `limit` passes); the sample then.
node_sample settle(node_probe& node, const tally& out, const node_sample& before,
                   steady_clock::time_point start, milliseconds limit, bool& settled) {
  auto deadline = steady_clock::now() + limit;
  node_sample s = node.sample();
  settled = false;
  while (steady_clock::now() < deadline) {
    s = node.sample();
    if (s.tasks == 0 && s.connections == 0 && s.subscribers == 0 && s.groups <= before.groups) {
      settled = true;
      break;
    }
    std::this_thread::sleep_for(250ms);
  }
  // A moment more: a connection actor ends just after its socket is counted closed.
  std::this_thread::sleep_for(500ms);
  s = node.sample();
  print_line(duration<double>(steady_clock::now() - start).count(), "settled", s, out);
  return s;
}

} // namespace

int main(int argc, char** argv) {
  auto o = read_options(argc, argv);
  bool own_dir = o.dir.empty();
  if (own_dir) {
    std::string tmpl = (fs::temp_directory_path() / "herald-soak.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      std::perror("herald-soak: mkdtemp");
      return 1;
    }
    o.dir = tmpl;
  }
  fs::create_directories(o.dir);
  {
    std::ofstream f{o.dir / "herald.json"};
    f << node_config(o);
  }
  std::printf("herald-soak: %.0f s (warm-up %.0f s), store %s, %d task clients, %d hub readers, "
              "%d stalled clients, %.0f connections churned; node log %s\n",
              o.duration, o.warmup, o.store.c_str(), o.task_clients, o.hub_readers, o.stalled,
              o.churn, (o.dir / "herald.log").c_str());

  tally out;
  double slow_disconnects = 0;
  std::vector<std::string> verdicts;
  int exit_code = 0;
  try {
    node_probe node{o.herald, o.dir / "herald.json", o.dir / "herald.log"};
    auto start = steady_clock::now();
    auto churn_per_second = o.churn / o.duration;
    auto settle_limit = milliseconds{retention_ms + group_idle_ms + 30'000};
    print_header();
    auto initial = node.sample();
    print_line(0, "start", initial, out);

    load(o, node, out, start,
         start + duration_cast<steady_clock::duration>(duration<double>{o.warmup}),
         churn_per_second, 1);
    bool settled_warm = false;
    auto warm = settle(node, out, initial, start, settle_limit, settled_warm);
    auto main_start = steady_clock::now();
    load(o, node, out, start,
         main_start +
             duration_cast<steady_clock::duration>(duration<double>{o.duration - o.warmup}),
         churn_per_second, 2);
    bool settled_end = false;
    auto end = settle(node, out, initial, start, settle_limit, settled_end);

    auto check = [&](bool ok, const std::string& what) {
      verdicts.push_back(std::string{ok ? "ok    " : "FAILED"} + "  " + what);
      if (!ok)
        exit_code = 1;
    };
    auto mib = [](long kib) {
      return std::to_string(kib / 1024) + "." + std::to_string((kib % 1024) * 10 / 1024) + " MiB";
    };
    check(out.failures() == 0, std::to_string(out.failures()) + " broken promises seen by clients");
    check(settled_warm && settled_end, "the node let go of every task, connection and group "
                                       "after each load (within " +
                                           std::to_string(settle_limit.count() / 1000) + " s)");
    double growth = warm.rss_kib > 0 ? static_cast<double>(end.rss_kib) / warm.rss_kib - 1 : 0;
    char pct[32];
    std::snprintf(pct, sizeof pct, "%+.1f %%", growth * 100);
    if (o.rss_check)
      check(growth <= o.rss_margin, "RSS after the load " + mib(end.rss_kib) + " vs " +
                                        mib(warm.rss_kib) + " after warm-up (" + pct +
                                        ", at most +" + std::to_string(int(o.rss_margin * 100)) +
                                        " %)");
    else
      verdicts.push_back("skip    RSS after the load " + mib(end.rss_kib) + " vs " +
                         mib(warm.rss_kib) + " after warm-up (" + pct + "; not checked)");
    check(end.fds <= warm.fds, "open descriptors " + std::to_string(end.fds) + " vs " +
                                   std::to_string(warm.fds) + " after warm-up");
    check(end.threads <= warm.threads, "threads " + std::to_string(end.threads) + " vs " +
                                           std::to_string(warm.threads) + " after warm-up");
    check(end.actors >= 0 && end.actors <= warm.actors,
          "live actors " + std::to_string(long(end.actors)) + " vs " +
              std::to_string(long(warm.actors)) + " after warm-up");
    if (o.store == "sqlite")
      check(end.store_errors == 0, "task store errors: " + std::to_string(long(end.store_errors)));
    slow_disconnects = end.slow_disconnects;
    auto code = node.stop(20s);
    check(code && *code == 0, "the node stopped on SIGTERM with exit code " +
                                  (code ? std::to_string(*code) : std::string{"none (killed)"}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herald-soak: error: %s\n", e.what());
    return 1;
  }

  auto u = [](const std::atomic<std::uint64_t>& v) {
    return static_cast<unsigned long long>(v.load());
  };
  std::printf("\nclients: %llu tasks started (%llu completed, %llu failed, %llu aborted: %llu "
              "cancelled, %llu timed out; %llu cancels came late), %llu refused;\n"
              "         %llu per-task streams (%llu resumed), %llu task events; hub: %llu "
              "published, %llu read (%llu resumes); %llu group events;\n"
              "         %llu stalled subscribers (%llu seen cut; the node cut %.0f slow "
              "subscribers); %llu connections churned\n",
              u(out.tasks_started), u(out.tasks_completed), u(out.tasks_failed),
              u(out.tasks_aborted), u(out.cancels_accepted), u(out.tasks_timed_out),
              u(out.cancels_late), u(out.refused), u(out.task_streams), u(out.task_stream_resumes),
              u(out.task_events), u(out.hub_published), u(out.hub_events), u(out.hub_resumes),
              u(out.group_events), u(out.stalled_clients), u(out.stalled_cut), slow_disconnects,
              u(out.churned));
  std::puts("");
  for (const auto& v : verdicts)
    std::printf("%s\n", v.c_str());
  for (const auto& f : out.failure_samples())
    std::printf("  failure: %s\n", f.c_str());
  std::printf("herald-soak: %s\n", exit_code == 0 ? "passed" : "FAILED");
  if (own_dir && exit_code == 0)
    fs::remove_all(o.dir);
  return exit_code;
}
