#include "app/demo.hpp"

#include "actors/task_record.hpp"
#include "app/server.hpp"

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace herald::app {

namespace {

std::string now_text() {
  return actors::format_time(actors::task_clock::now());
}

} // namespace

void add_demo_routes(server& node, const demo_settings& settings) {
  using namespace std::chrono;
  // The demo's bodies are a few bytes; this keeps what a full queue can hold small
  // (`max_queued` 1000 × 64 KiB).
  constexpr std::uint64_t demo_body_bytes = 64 * 1024;

  async_options process;
  process.max_concurrent = 2;
  process.max_body_bytes = demo_body_bytes;
  process.sse = actors::sse_options{"DataProcess", false};
  node.async_route(net::verb::post, "/process-data", process,
                   [tick = settings.tick](task_context& ctx) -> boost::json::value {
                     ctx.progress_range(0, 100, 5);
                     for (int step = 0; step < 20; ++step) {
                       if (!ctx.sleep_for(tick))
                         return nullptr; // cancelled: the task is already Aborted
                       ctx.progress_tick();
                     }
                     return {{"message", "Processing completed"}};
                   });

  async_options report;
  report.max_concurrent = 3;
  report.max_body_bytes = demo_body_bytes;
  report.sse = actors::sse_options{{}, true};
  node.async_route(net::verb::get, "/generate-report", report,
                   [work = settings.report](task_context& ctx) -> boost::json::value {
                     auto interval = std::max(milliseconds{1}, work / 10);
                     ctx.progress_over(work, interval);
                     if (!ctx.sleep_for(work))
                       return nullptr;
                     return {{"report", "Report generation completed"}};
                   });

  async_options events;
  events.max_concurrent = 3;
  events.max_body_bytes = demo_body_bytes;
  events.sse = actors::sse_options{"Test events", true};
  node.async_route(
      net::verb::get, "/sse", events,
      [gap = settings.event_gap](task_context& ctx) -> boost::json::value {
        ctx.send_event(boost::json::string{"Start - Hello there! The datetime is: " + now_text()});
        if (!ctx.sleep_for(gap))
          return nullptr;
        ctx.send_event(boost::json::string{"End - Goodbye! The datetime is: " + now_text()});
        return {{"message", "Done"}};
      });
}

} // namespace herald::app
