#pragma once

// heraldctl's HTTP/1.1 client for the node's admin API: one request per connection, the
// key in `X-API-Key`, and one deadline for the whole exchange (resolve, connect, write,
// read), so a dead or silent node never makes it hang. Beast stays in the .cpp.

#include "tools/heraldctl/cli.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace herald::ctl {

struct http_reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

class admin_client {
 public:
  explicit admin_client(const options& opts)
      : node_(opts.node), url_(opts.url), key_(opts.key), timeout_(opts.timeout) {}

  /// `GET target` (relative to the API's prefix: `/admin/tasks`). Throws
  /// `ctl_error(unreachable)` when the node cannot be reached or does not answer in time,
  /// `ctl_error(unexpected)` for a response that is not HTTP.
  http_reply get(std::string_view target) const;

  /// `DELETE target`, as `get`.
  http_reply remove(std::string_view target) const;

 private:
  http_reply exchange(bool is_delete, std::string_view target) const;

  endpoint node_;
  std::string url_;
  std::string key_;
  std::chrono::milliseconds timeout_;
};

/// `text` percent-encoded as one path segment (a task id or group name), so `Test events`
/// and names with `/` or `?` reach the node as they are.
std::string path_segment(std::string_view text);

/// `text` percent-encoded as a query value.
std::string query_value(std::string_view text);

/// "5 s", "0.5 s": a timeout for messages.
std::string seconds_text(std::chrono::milliseconds duration);

} // namespace herald::ctl
