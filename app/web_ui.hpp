#pragma once

// The demo page (SPEC §6): `GET /` serves a page that lists the node's async routes, starts
// their tasks and follows them live over EventSource, the way a front end written for Pode
// does. Its files (app/web/) are embedded in the binary; `GET /ui/{file}` serves them with
// validators, `GET /ui/routes` describes the async routes as JSON.

#include "net/service.hpp"

#include <boost/json/fwd.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herald::actors {
struct route_spec;
}

namespace herald::app {

/// An embedded file as served: its bytes, type and validator.
struct web_asset {
  std::string_view name;
  std::string_view bytes;
  std::string_view content_type;
  std::string etag; ///< strong, quoted: `"<16 hex digits>"`
};

/// The `Content-Type` for a file name, by its extension (case-insensitive); text types say
/// UTF-8; `application/octet-stream` when unknown.
std::string_view content_type_for(std::string_view file_name) noexcept;

/// A strong entity tag for `bytes`, quoted (`"5d3c…"`): the 64-bit FNV-1a hash in hex. Equal
/// bytes give equal tags; it validates a cache, it does not protect anything.
std::string strong_etag(std::string_view bytes);

/// Whether an `If-None-Match` value matches `etag` (RFC 9110 §13.1.2: `*`, or a
/// comma-separated list compared weakly, so `W/"x"` matches `"x"`).
bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept;

/// The embedded file `name` (a bare name such as `app.js`), or nullptr when there is none.
const web_asset* find_web_asset(std::string_view name) noexcept;

/// The page's description of `routes`: one object per async route, `{Id, Method, Path,
/// Parameters, JsonBody, Cancellable, MaxConcurrent, MaxQueued, TimeoutMs, Sse}`, where
/// `Sse` is `{Group, EventsUrl, SendResult}` or null.
boost::json::value
routes_description(std::span<const std::shared_ptr<const actors::route_spec>> routes);

/// `GET /` (the page), `GET /ui/{file}` (its files, 304 on a matching `If-None-Match`, 404 for
/// an unknown name) and `GET /ui/routes`. `routes` is read at each request: it must outlive
/// `svc` and stay unchanged once the node serves.
void add_web_ui(net::service& svc,
                const std::vector<std::shared_ptr<const actors::route_spec>>& routes);

} // namespace herald::app
