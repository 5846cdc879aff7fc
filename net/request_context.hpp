#pragma once

#include "net/http.hpp"
#include "net/identity.hpp"
#include "net/router.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace herald::net {

/// What a route handler sees of one request: the message, the `{param}` captures and the
/// query string, and who the caller is when a credential was checked. A view: valid only
/// during the handler call.
class request_context {
 public:
  request_context(const request& req, path_params params,
                  std::shared_ptr<const identity> caller = nullptr) noexcept
      : request_(req), params_(std::move(params)), caller_(std::move(caller)) {}

  const request& raw() const noexcept { return request_; }
  verb method() const noexcept { return request_.method(); }
  std::string_view target() const noexcept { return request_.target(); }
  const std::string& body() const noexcept { return request_.body(); }

  /// A header's value, empty when absent.
  std::string_view header(std::string_view name) const;

  /// The decoded value of the `{name}` path segment; empty when the route has no such capture.
  std::string_view param(std::string_view name) const noexcept;
  const path_params& params() const noexcept { return params_; }

  /// The decoded value of query parameter `name` (`?a=1&b=x%20y`), or nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;

  /// The caller its credential stands for; null when the request presented none (or the node
  /// checks none: no `auth` configured).
  const std::shared_ptr<const identity>& caller() const noexcept { return caller_; }

 private:
  const request& request_;
  path_params params_;
  std::shared_ptr<const identity> caller_;
};

/// The decoded value of query parameter `name` in a request target (`/p?a=1&b=x%20y`), or
/// nullopt when absent or when the target does not parse.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

} // namespace herald::net
