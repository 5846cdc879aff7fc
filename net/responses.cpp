#include "net/responses.hpp"

#include "net/json_text.hpp"

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <ctime>

namespace herald::net {

response make_response(status code, std::string body, std::string_view content_type) {
  response res{code, 11};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

response json_response(status code, const boost::json::value& value) {
  return make_response(code, json_text(value), "application/json");
}

response error_response(status code, std::string_view message) {
  boost::json::object body;
  body["Error"] = message;
  return json_response(code, body);
}

response error_response(const error_answer& e) {
  auto res = error_response(e.code, e.message);
  // The table decides whether the connection survives this error; the session honours it.
  if (e.closes)
    res.keep_alive(false);
  return res;
}

std::string_view http_date_now() {
  thread_local std::time_t cached_second = 0;
  thread_local char buffer[64] = {};
  thread_local std::size_t length = 0;
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return {buffer, length};
}

} // namespace herald::net
