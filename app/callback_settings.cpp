#include "app/callback_settings.hpp"

#include "net/http_client.hpp"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>

namespace herald::app {

std::string callback_header_problem(std::string_view name, std::string_view value) {
  static constexpr std::array<std::string_view, 4> owned{"Content-Type", "webhook-id",
                                                         "webhook-timestamp", "webhook-signature"};
  if (std::any_of(owned.begin(), owned.end(),
                  [name](std::string_view o) { return boost::beast::iequals(o, name); }))
    return "is set by the node";
  // The client's own rule, on a request that holds only this header.
  net::http_client_request probe;
  probe.host = "callback.invalid";
  probe.headers.emplace_back(name, value);
  if (auto why = net::invalid_request(probe))
    return *why;
  return {};
}

} // namespace herald::app
