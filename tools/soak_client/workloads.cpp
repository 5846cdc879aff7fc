#include "workloads.hpp"

#include "actors/task_stream.hpp"
#include "support/http_client.hpp"
#include "support/sse_stream.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>

namespace herald::soak {

namespace json = boost::json;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

bool stopped(const load_context& ctx) {
  return ctx.stop->load(std::memory_order_relaxed);
}

/// Sleeps `d`, in slices, unless the run stops first.
void pause(const load_context& ctx, milliseconds d) {
  auto until = steady_clock::now() + d;
  while (!stopped(ctx) && steady_clock::now() < until)
    std::this_thread::sleep_for(std::min<milliseconds>(
        duration_cast<milliseconds>(until - steady_clock::now()) + 1ms, 50ms));
}

std::optional<json::object> object_of(const net::response& res) {
  boost::system::error_code ec;
  auto v = json::parse(res.body(), ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return v.as_object();
}

std::string text_of(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string())
    return std::string{v->as_string()};
  return {};
}

bool later(const actors::sse_position& a, const actors::sse_position& b) {
  return a.epoch == b.epoch ? a.seq > b.seq : a.epoch > b.epoch;
}

/// Task ids the node handed out, across every client: one seen twice is a broken promise.
class id_book {
 public:
  bool first_time(const std::string& id) {
    std::lock_guard lock{mutex_};
    return ids_.insert(id).second;
  }

 private:
  std::mutex mutex_;
  std::unordered_set<std::string> ids_;
};

id_book& issued_ids() {
  static id_book book;
  return book;
}

// -- tasks ------------------------------------------------------------------------------------

enum class route_kind {
  demo,        ///< completes with a result
  demo_events, ///< completes, sending "Start ..." and "End ..." custom events
  echo,        ///< a command route: `cat`, the body comes back as the result
  fail,        ///< a command route that exits 3
  slow,        ///< a command route that outlives its 1 s timeout
};

struct route_case {
  std::string_view method;
  std::string_view path;
  route_kind kind;
  int weight;
};

constexpr route_case route_cases[] = {
    {"POST", "/process-data", route_kind::demo, 2},
    {"GET", "/generate-report", route_kind::demo, 2},
    {"GET", "/sse", route_kind::demo_events, 2},
    {"POST", "/soak/echo", route_kind::echo, 3},
    {"POST", "/soak/fail", route_kind::fail, 1},
    {"POST", "/soak/slow", route_kind::slow, 1},
};

/// What one task's stream (over one or two connections) told.
struct stream_story {
  int completions = 0;
  std::string state; ///< from `pode.taskCompleted`
  int starts = 0;
  int ends = 0;
  bool closed = false; ///< `pode.close` came
};

/// Follows a per-task stream to its `pode.close`; with `resume`, drops the first connection
/// after its first event and resumes with Last-Event-ID.
stream_story follow_task_stream(const load_context& ctx, const std::string& url, bool resume,
                                const std::string& id) {
  stream_story story;
  std::optional<actors::sse_position> last;
  std::string last_id;
  int connections = resume ? 2 : 1;
  for (int attempt = 0; attempt < connections && !story.closed; ++attempt) {
    std::string extra = last_id.empty() ? "" : "Last-Event-ID: " + last_id + "\r\n";
    test::sse_stream s{ctx.port, url, extra};
    if (!s.read_head(5s)) {
      ctx.out->fail("task " + id + ": its stream sent no response head within 5 s");
      return story;
    }
    if (s.status() == 204 && story.completions == 1)
      return story; // resumed after its last event: nothing more to send
    if (s.status() != 200) {
      ctx.out->fail("task " + id + ": its stream answered " + std::to_string(s.status()) +
                    (last_id.empty() ? "" : " to a resume from " + last_id));
      return story;
    }
    if (attempt > 0)
      ctx.out->task_stream_resumes.fetch_add(1, std::memory_order_relaxed);
    std::size_t seen = 0;
    bool drop = false;
    auto deadline = steady_clock::now() + 15s;
    while (!story.closed && !drop && !s.closed() && steady_clock::now() < deadline) {
      s.pump(50ms);
      const auto& events = s.events();
      for (; seen < events.size() && !drop; ++seen) {
        const auto& ev = events[seen];
        if (ev.type == "pode.open")
          continue;
        if (ev.type == "pode.close") {
          story.closed = true;
          continue;
        }
        auto pos = actors::parse_event_id(ev.last_id);
        if (!pos) {
          ctx.out->fail("task " + id + ": event " + ev.type + " has id '" + ev.last_id + "'");
          return story;
        }
        if (last && !later(*pos, *last)) {
          ctx.out->fail("task " + id + ": event id " + ev.last_id + " after " + last_id +
                        " (repeated or out of order)");
          return story;
        }
        last = pos;
        last_id = ev.last_id;
        ctx.out->task_events.fetch_add(1, std::memory_order_relaxed);
        if (ev.type == "pode.taskCompleted") {
          ++story.completions;
          boost::system::error_code ec;
          auto data = json::parse(ev.data, ec);
          if (!ec && data.is_object())
            story.state = text_of(data.as_object(), "State");
        } else if (ev.type != "pode.progress") {
          if (ev.data.starts_with("Start"))
            ++story.starts;
          else if (ev.data.starts_with("End"))
            ++story.ends;
        }
        drop = attempt + 1 < connections && story.completions == 0;
      }
    }
    if (!story.closed && !drop) {
      ctx.out->fail("task " + id + ": its stream " +
                    (s.closed() ? "ended" : "stayed silent for 15 s") + " without pode.close");
      return story;
    }
  }
  return story;
}

/// One exchange on the client's keep-alive connection (re-opened when the node closed it).
class client_connection {
 public:
  explicit client_connection(std::uint16_t port) : port_{port} {}

  /// The response, or nullopt after recording why there was none.
  std::optional<net::response> exchange(const load_context& ctx, const std::string& raw,
                                        std::string_view what) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!conn_)
          conn_ = std::make_unique<test::connection>(port_);
        auto res = conn_->exchange(raw, 20s);
        if (!res.keep_alive())
          conn_.reset();
        return res;
      } catch (const std::exception& e) {
        conn_.reset();
        // A keep-alive connection the node closed between two requests (its idle timeout)
        // is retried once on a new one; a second failure is the node's.
        if (attempt == 1) {
          ctx.out->fail(std::string{what} + ": " + e.what());
          return std::nullopt;
        }
      }
    }
    return std::nullopt;
  }

 private:
  std::uint16_t port_;
  std::unique_ptr<test::connection> conn_;
};

const route_case& pick_route(std::mt19937_64& rng) {
  int total = 0;
  for (const auto& r : route_cases)
    total += r.weight;
  int n = static_cast<int>(rng() % static_cast<unsigned>(total));
  for (const auto& r : route_cases) {
    if (n < r.weight)
      return r;
    n -= r.weight;
  }
  return route_cases[0];
}

/// Whether the final task object is what this route, this cancel and this stream allow.
void check_outcome(const load_context& ctx, const route_case& route, const json::object& task,
                   int cancel_status, const std::optional<stream_story>& story,
                   const std::string& token) {
  auto id = text_of(task, "Id");
  auto state = text_of(task, "State");
  auto error = text_of(task, "Error");
  auto where = "task " + id + " (" + std::string{route.path} + ")";
  if (state == "Completed")
    ctx.out->tasks_completed.fetch_add(1, std::memory_order_relaxed);
  else if (state == "Failed")
    ctx.out->tasks_failed.fetch_add(1, std::memory_order_relaxed);
  else if (state == "Aborted")
    ctx.out->tasks_aborted.fetch_add(1, std::memory_order_relaxed);
  if (cancel_status == 200) {
    if (state != "Aborted" || error != "Aborted by the user")
      ctx.out->fail(where + ": cancelled with 200 but ended " + state + " '" + error + "'");
  } else {
    switch (route.kind) {
    case route_kind::demo:
    case route_kind::demo_events:
      if (state != "Completed")
        ctx.out->fail(where + ": ended " + state + " '" + error + "'");
      break;
    case route_kind::echo: {
      const auto* result = task.if_contains("Result");
      if (state != "Completed" || !result || !result->is_object() ||
          text_of(result->as_object(), "token") != token)
        ctx.out->fail(where + ": ended " + state + " with result " +
                      (result ? json::serialize(*result) : "none") + ", not its token " + token);
      break;
    }
    case route_kind::fail:
      if (state != "Failed" || !error.starts_with("exit code 3"))
        ctx.out->fail(where + ": ended " + state + " '" + error + "', not a failure (exit 3)");
      break;
    case route_kind::slow:
      if (state != "Aborted" || error != "Timeout")
        ctx.out->fail(where + ": ended " + state + " '" + error + "', not a timeout");
      else
        ctx.out->tasks_timed_out.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  if (!story)
    return;
  if (story->completions != 1)
    ctx.out->fail(where + ": its stream had " + std::to_string(story->completions) +
                  " terminal events");
  else if (story->state != state)
    ctx.out->fail(where + ": its stream said " + story->state + ", the task object " + state);
  if (story->starts > 1 || story->ends > 1)
    ctx.out->fail(where + ": a custom event came twice");
  if (route.kind == route_kind::demo_events && state == "Completed" &&
      (story->starts != 1 || story->ends != 1))
    ctx.out->fail(where + ": completed, but its stream had " + std::to_string(story->starts) +
                  " Start and " + std::to_string(story->ends) + " End events");
}

/// The answer parts that must not change once a task is finished.
std::string final_view(const json::object& task) {
  json::object o;
  for (auto key : {"Id", "State", "Error", "Result", "CompletedTime", "Progress"})
    if (const auto* v = task.if_contains(key))
      o[key] = *v;
  return json::serialize(o);
}

} // namespace

void task_client(const load_context& ctx) {
  std::mt19937_64 rng{ctx.seed};
  client_connection conn{ctx.port};
  std::uint64_t n = 0;
  while (!stopped(ctx)) {
    const auto& route = pick_route(rng);
    auto token = std::to_string(ctx.seed) + "-" + std::to_string(++n);
    std::string raw =
        route.method == "GET"
            ? test::get_request(route.path)
            : test::request_with_body(route.method, route.path, R"({"token":")" + token + R"("})",
                                      "Content-Type: application/json\r\n");
    auto res = conn.exchange(ctx, raw, std::string{route.method} + " " + std::string{route.path});
    if (!res) {
      pause(ctx, 100ms);
      continue;
    }
    if (res->result_int() == 429 || res->result_int() == 503) {
      ctx.out->refused.fetch_add(1, std::memory_order_relaxed);
      pause(ctx, 50ms);
      continue;
    }
    auto task = object_of(*res);
    if (res->result_int() != 202 || !task || text_of(*task, "Id").empty()) {
      ctx.out->fail(std::string{route.path} + " answered " + std::to_string(res->result_int()) +
                    ": " + std::string{res->body().substr(0, 200)});
      continue;
    }
    auto id = text_of(*task, "Id");
    ctx.out->tasks_started.fetch_add(1, std::memory_order_relaxed);
    if (!issued_ids().first_time(id))
      ctx.out->fail("task id " + id + " was handed out twice");

    std::string url;
    if (const auto* sse = task->if_contains("Sse"); sse && sse->is_object())
      url = text_of(sse->as_object(), "Url");
    bool cancel = rng() % 4 == 0;
    bool follow = !url.empty() && rng() % 5 < 3;
    bool resume = follow && rng() % 5 < 2;

    int cancel_status = 0;
    if (cancel) {
      std::this_thread::sleep_for(milliseconds{rng() % 80});
      auto del = conn.exchange(ctx, "DELETE /tasks/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                               "DELETE /tasks/" + id);
      if (!del)
        continue;
      cancel_status = del->result_int();
      if (cancel_status == 200)
        ctx.out->cancels_accepted.fetch_add(1, std::memory_order_relaxed);
      else if (cancel_status == 410)
        ctx.out->cancels_late.fetch_add(1, std::memory_order_relaxed);
      else
        ctx.out->fail("DELETE /tasks/" + id + " answered " + std::to_string(cancel_status));
    }
    std::optional<stream_story> story;
    if (follow) {
      ctx.out->task_streams.fetch_add(1, std::memory_order_relaxed);
      try {
        story = follow_task_stream(ctx, url, resume, id);
      } catch (const std::exception& e) {
        ctx.out->fail("task " + id + ": its stream: " + e.what());
      }
    }
    auto waited = conn.exchange(ctx, test::get_request("/tasks/" + id + "?wait=15"),
                                "GET /tasks/" + id + "?wait=15");
    if (!waited)
      continue;
    auto final_task = object_of(*waited);
    if (waited->result_int() != 200 || !final_task) {
      ctx.out->fail("GET /tasks/" + id + "?wait=15 answered " +
                    std::to_string(waited->result_int()));
      continue;
    }
    if (!final_task->contains("IsCompleted") || !final_task->at("IsCompleted").is_bool() ||
        !final_task->at("IsCompleted").as_bool()) {
      ctx.out->fail("task " + id + " still " + text_of(*final_task, "State") + " after 15 s");
      continue;
    }
    check_outcome(ctx, route, *final_task, cancel_status, story, token);
    auto again = conn.exchange(ctx, test::get_request("/tasks/" + id), "GET /tasks/" + id);
    if (!again)
      continue;
    auto again_task = object_of(*again);
    if (again->result_int() != 200 || !again_task ||
        final_view(*again_task) != final_view(*final_task))
      ctx.out->fail("task " + id + ": read twice after it finished, answered " +
                    final_view(*final_task) + " then " + std::to_string(again->result_int()) + " " +
                    (again_task ? final_view(*again_task) : std::string{again->body()}));
  }
}

// -- the hub group ----------------------------------------------------------------------------

void hub_publisher(const load_context& ctx, double per_second) {
  client_connection conn{ctx.port};
  auto gap = duration_cast<steady_clock::duration>(duration<double>{1.0 / per_second});
  auto next = steady_clock::now();
  // Events of 1 KB, every tenth of 32 KB: enough that a subscriber that stops reading falls
  // past sse.max_lag_bytes plus what the kernel buffers within seconds.
  const std::string padding(1000, 'x');
  const std::string big_padding(32'000, 'y');
  std::uint64_t n = 1;
  while (!stopped(ctx)) {
    std::this_thread::sleep_until(next);
    next += gap;
    std::string body = R"({"event":"tick","data":")" + std::to_string(n) + " " +
                       (n % 10 == 0 ? big_padding : padding) + R"("})";
    auto res =
        conn.exchange(ctx,
                      test::request_with_body("POST", "/sse/" + ctx.hub_group, body,
                                              "Content-Type: application/json\r\nX-API-Key: " +
                                                  ctx.publisher_key + "\r\n"),
                      "POST /sse/" + ctx.hub_group);
    if (!res)
      continue;
    if (res->result_int() == 202) {
      ++n;
      ctx.out->hub_published.fetch_add(1, std::memory_order_relaxed);
    } else if (res->result_int() == 429 || res->result_int() == 503) {
      ctx.out->refused.fetch_add(1, std::memory_order_relaxed); // the same number again
    } else {
      ctx.out->fail("POST /sse/" + ctx.hub_group + " answered " +
                    std::to_string(res->result_int()));
    }
  }
}

namespace {

/// Follows the stream `target` until the run stops: reads it for `min` to `min + spread`,
/// drops it and resumes with `last_id`, which `take` (called with each event) keeps up to
/// date. Counts the resumes in `resumes` (when given).
void follow_resuming(const load_context& ctx, const std::string& target, milliseconds min,
                     milliseconds spread, const std::string& last_id,
                     const std::function<void(const test::sse_message&)>& take,
                     std::atomic<std::uint64_t>* resumes) {
  std::mt19937_64 rng{ctx.seed};
  while (!stopped(ctx)) {
    std::string extra = last_id.empty() ? "" : "Last-Event-ID: " + last_id + "\r\n";
    try {
      test::sse_stream s{ctx.port, target, extra};
      if (!s.read_head(5s) || s.status() != 200) {
        ctx.out->fail("GET " + target + " answered " + std::to_string(s.status()));
        pause(ctx, 500ms);
        continue;
      }
      if (resumes && !extra.empty())
        resumes->fetch_add(1, std::memory_order_relaxed);
      auto until =
          steady_clock::now() + min + milliseconds{rng() % static_cast<unsigned>(spread.count())};
      std::size_t seen = 0;
      while (!stopped(ctx) && !s.closed() && steady_clock::now() < until) {
        s.pump(50ms);
        for (; seen < s.events().size(); ++seen)
          if (s.events()[seen].type != "pode.open")
            take(s.events()[seen]);
      }
      if (s.closed() && !stopped(ctx))
        ctx.out->fail(target + ": the node closed a reading subscriber's stream");
      // Dropped here: the next turn resumes from last_id.
    } catch (const std::exception& e) {
      ctx.out->fail(target + ": " + e.what());
      pause(ctx, 500ms);
    }
  }
}

} // namespace

void hub_reader(const load_context& ctx) {
  auto target = "/sse/" + ctx.hub_group;
  std::string last_id;
  std::uint64_t last_n = 0;
  std::optional<actors::sse_position> last_pos;
  follow_resuming(
      ctx, target, 1000ms, 4000ms, last_id,
      [&](const test::sse_message& ev) {
        if (ev.type != "tick")
          return;
        auto n = std::strtoull(ev.data.c_str(), nullptr, 10);
        auto pos = actors::parse_event_id(ev.last_id);
        if (!pos)
          ctx.out->fail(target + ": event id '" + ev.last_id + "'");
        else if (last_n != 0 && n != last_n + 1)
          ctx.out->fail(target + ": event " + std::to_string(n) + " (id " + ev.last_id +
                        ") after " + std::to_string(last_n) + " (id " + last_id + ")" +
                        (n <= last_n ? ": repeated" : ": lost the ones between"));
        else if (last_pos && !later(*pos, *last_pos))
          ctx.out->fail(target + ": id " + ev.last_id + " after " + last_id);
        last_n = n;
        last_pos = pos;
        last_id = ev.last_id;
        ctx.out->hub_events.fetch_add(1, std::memory_order_relaxed);
      },
      &ctx.out->hub_resumes);
}

void group_reader(const load_context& ctx, const std::string& target) {
  std::string last_id;
  std::optional<actors::sse_position> last_pos;
  std::unordered_set<std::string> completed;
  follow_resuming(
      ctx, target, 2000ms, 4000ms, last_id,
      [&](const test::sse_message& ev) {
        auto pos = actors::parse_event_id(ev.last_id);
        // A group outlives its idle time only while it has subscribers or events: when it
        // stopped and came back, its new epoch is later and the numbering starts over.
        if (!pos || (last_pos && !later(*pos, *last_pos))) {
          ctx.out->fail(target + ": id '" + ev.last_id + "' after '" + last_id + "'");
        } else if (ev.type == "pode.taskCompleted") {
          boost::system::error_code ec;
          auto data = json::parse(ev.data, ec);
          auto id = !ec && data.is_object() ? text_of(data.as_object(), "Id") : std::string{};
          if (id.empty() || !completed.insert(id).second)
            ctx.out->fail(target + ": a second pode.taskCompleted for task '" + id + "'");
          if (completed.size() > 100'000)
            completed.clear(); // bounded: older tasks' events are far behind the ring by now
        }
        if (pos) {
          last_pos = pos;
          last_id = ev.last_id;
        }
        ctx.out->group_events.fetch_add(1, std::memory_order_relaxed);
      },
      nullptr);
}

// -- abuse --------------------------------------------------------------------------------------

void stalled_client(const load_context& ctx) {
  auto target = "/sse/" + ctx.hub_group;
  while (!stopped(ctx)) {
    try {
      // A 4 KiB receive window that is never read: the node's writes back up, and past
      // sse.max_lag_bytes it must drop this subscriber alone.
      test::sse_stream s{ctx.port, target, "", 4096};
      if (!s.read_head(5s) || s.status() != 200) {
        ctx.out->fail("stalled client: GET " + target + " answered " + std::to_string(s.status()));
        pause(ctx, 500ms);
        continue;
      }
      ctx.out->stalled_clients.fetch_add(1, std::memory_order_relaxed);
      pause(ctx, 20s);
      // Now read what is there: a cut stream ends (EOF) once its bytes are taken.
      if (s.wait_closed(2s))
        ctx.out->stalled_cut.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception& e) {
      ctx.out->fail("stalled client: " + std::string{e.what()});
      pause(ctx, 500ms);
    }
  }
}

void churn_client(const load_context& ctx, double per_second) {
  std::mt19937_64 rng{ctx.seed};
  auto gap = duration_cast<steady_clock::duration>(duration<double>{1.0 / per_second});
  auto next = steady_clock::now();
  while (!stopped(ctx)) {
    std::this_thread::sleep_until(next);
    next += gap;
    if (steady_clock::now() - next > 1s)
      next = steady_clock::now(); // behind after a stall: do not burst to catch up
    try {
      test::connection c{ctx.port};
      ctx.out->churned.fetch_add(1, std::memory_order_relaxed);
      switch (rng() % 10) {
      case 0: // connects and goes
        break;
      case 1: // half a request, then goes
        c.send("GET /hea");
        break;
      default: {
        auto res = c.exchange(test::get_request("/health", "Connection: close\r\n"), 10s);
        if (res.result_int() != 200)
          ctx.out->fail("GET /health answered " + std::to_string(res.result_int()));
      }
      }
    } catch (const std::exception& e) {
      ctx.out->fail("churn: " + std::string{e.what()});
    }
  }
}

} // namespace herald::soak
