#pragma once

// A client for the task API over real sockets: one request per call on a fresh connection,
// JSON bodies parsed.

#include "support/http_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace herald::test {

struct api_reply {
  unsigned status = 0;
  net::response raw;
  boost::json::value json; ///< null when the body is not JSON

  const boost::json::object& object() const { return json.as_object(); }
  /// A string field of the object, "" when absent.
  std::string text(std::string_view field) const {
    auto* v = json.is_object() ? json.as_object().if_contains(field) : nullptr;
    return v && v->is_string() ? std::string{v->as_string()} : std::string{};
  }
  bool has(std::string_view field) const {
    return json.is_object() && json.as_object().contains(field);
  }
  std::string header(std::string_view name) const {
    auto it = raw.find(name);
    return it == raw.end() ? std::string{} : std::string{it->value()};
  }
};

/// `method target` with `body` (JSON) and `extra` header lines, on a fresh connection.
inline api_reply call(std::uint16_t port, std::string_view method, std::string_view target,
                      std::string_view body = "", std::string_view extra = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  connection c{port};
  api_reply r;
  r.raw = c.exchange(request_with_body(method, target, body, extra), timeout);
  r.status = r.raw.result_int();
  boost::system::error_code ec;
  auto v = boost::json::parse(r.raw.body(), ec);
  if (!ec)
    r.json = std::move(v);
  return r;
}

inline api_reply get_task(std::uint16_t port, std::string_view id, std::string_view extra = "") {
  return call(port, "GET", "/tasks/" + std::string{id}, "", extra);
}

/// Waits (bounded) until task `id` is terminal and returns it; throws when it is not in time.
inline api_reply await_terminal(std::uint16_t port, std::string_view id,
                                std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call(port, "GET", "/tasks/" + std::string{id} + "?wait=5", "", "",
                  std::chrono::seconds{10});
    if (r.status != 200)
      throw std::runtime_error("task " + std::string{id} + ": status " + std::to_string(r.status));
    if (r.json.at("IsCompleted").as_bool())
      return r;
  }
  throw std::runtime_error("task " + std::string{id} + " did not finish in time");
}

/// Polls `GET /tasks/{id}` (bounded) until its `State` is `state`.
inline api_reply await_state(std::uint16_t port, std::string_view id, std::string_view state,
                             std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  api_reply r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = get_task(port, id);
    if (r.text("State") == state)
      return r;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  throw std::runtime_error("task " + std::string{id} + " never reached " + std::string{state} +
                           " (last: " + boost::json::serialize(r.json) + ")");
}

} // namespace herald::test
