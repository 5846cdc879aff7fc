// Fuzz target: bytes as a JSON task filter (POST /tasks/query), through
// herald::actors::task_query. Besides crashes and sanitizer reports, it aborts when:
//   - a rejected filter has an empty message, or a message with a line break;
//   - matching is not deterministic;
//   - a one-condition filter with EQ/NE (or LIKE/NOTLIKE) is accepted but its complement is
//     not, or a task matches both or neither of them.

#include "actors/task_query.hpp"
#include "tests/support/test_helpers.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

using herald::actors::no_expiry;
using herald::actors::query_error;
using herald::actors::task_query;
using herald::actors::task_record;
using herald::actors::task_state;
using herald::actors::task_time;
using namespace std::chrono_literals;

/// Records with every optional field both present and absent, and times at the clock's edges.
std::vector<task_record> make_samples() {
  std::vector<task_record> out(4);
  auto base = task_time{1727359391s} + 123456789ns; // 2024-09-26T14:03:11.1234567Z + 89 ns

  auto& queued = out[0];
  queued.id = "3f1c0a4e-5b7d-4c1e-9a2b-0d6f7e8a9b10";
  queued.route_id = "[GET]/sse";
  queued.method = "GET";
  queued.url = "/sse";
  queued.creation = base;
  queued.expire = no_expiry();
  queued.queue_position = 2;

  auto& running = out[1];
  running.id = "a";
  running.route_id = "[POST]/process-data";
  running.method = "POST";
  running.url = "/process-data";
  running.state = task_state::running;
  running.creation = task_time{};
  running.expire = task_time::max() - 1ns;
  running.starting = task_time::min();
  running.progress = 100.0 / 3;
  running.user = "Zo\xC3\xAB";

  auto& done = out[2];
  done.id = "";
  done.route_id = "[PUT]/auth/asyncUsing";
  done.method = "put";
  done.url = "";
  done.state = task_state::completed;
  done.cancellable = false;
  done.creation = base - 24h;
  done.expire = base;
  done.starting = base - 23h;
  done.completed = base - 22h;
  done.progress = 100;
  done.result = boost::json::value(0);
  done.user = "";

  auto& failed = out[3];
  failed.id = std::string(300, '*');
  failed.route_id = "[DELETE]/x?y";
  failed.method = "DELETE";
  failed.url = "/x";
  failed.state = task_state::aborted;
  failed.creation = base;
  failed.expire = base + 1s;
  failed.completed = base + 2s;
  failed.error = std::string("Time\0out\xFF\xC3", 10);
  failed.progress = 0;
  return out;
}

const std::vector<task_record>& samples() {
  static const auto s = make_samples();
  return s;
}

std::string_view complement(std::string_view op) {
  auto is = [&](std::string_view name) {
    if (op.size() != name.size())
      return false;
    for (std::size_t i = 0; i < op.size(); ++i)
      if ((op[i] | 0x20) != (name[i] | 0x20))
        return false;
    return true;
  };
  if (is("EQ"))
    return "NE";
  if (is("NE"))
    return "EQ";
  if (is("LIKE"))
    return "NOTLIKE";
  if (is("NOTLIKE"))
    return "LIKE";
  return {};
}

/// For `{"F":{"op":OP,...}}` with OP in EQ/NE/LIKE/NOTLIKE: the filter with the opposite op.
std::optional<boost::json::value> complement_filter(const boost::json::value& filter) {
  if (!filter.is_object() || filter.get_object().size() != 1)
    return std::nullopt;
  const auto& member = *filter.get_object().begin();
  if (!member.value().is_object())
    return std::nullopt;
  auto condition = member.value().get_object();
  for (auto& c : condition) {
    if (c.value().is_string()) {
      auto other = complement(c.value().get_string());
      if (!other.empty() &&
          (c.key() == "op" || c.key() == "OP" || c.key() == "Op" || c.key() == "oP")) {
        c.value() = other;
        boost::json::object out;
        out[member.key()] = std::move(condition);
        return boost::json::value(std::move(out));
      }
    }
  }
  return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  boost::system::error_code ec;
  auto filter = boost::json::parse(text, ec);
  if (ec)
    return 0;
  auto parsed = task_query::parse(filter);
  if (auto* e = std::get_if<query_error>(&parsed)) {
    FUZZ_CHECK(!e->message.empty());
    FUZZ_CHECK(e->message.find_first_of("\r\n") == std::string::npos);
    return 0;
  }
  const auto& q = std::get<task_query>(parsed);
  std::vector<bool> first;
  for (const auto& r : samples())
    first.push_back(q.matches(r));
  for (std::size_t i = 0; i < samples().size(); ++i)
    FUZZ_CHECK(q.matches(samples()[i]) == first[i]);

  if (auto other = complement_filter(filter)) {
    auto parsed_other = task_query::parse(*other);
    FUZZ_CHECK(std::holds_alternative<task_query>(parsed_other));
    const auto& q_other = std::get<task_query>(parsed_other);
    for (std::size_t i = 0; i < samples().size(); ++i)
      FUZZ_CHECK(q_other.matches(samples()[i]) != first[i]);
  }
  return 0;
}
