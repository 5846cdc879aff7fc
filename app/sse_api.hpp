#pragma once

// The HTTP face of Server-Sent Events (SPEC §4.5–§4.6): the per-task and group streams of
// async routes (`<path>_events`), group streams by name (`GET /sse/{group}`), plain SSE routes,
// and hub publishing (`POST /sse/{group}` and `publish` from C++). Turns requests into
// subscriptions and publications for the group directory; the only place where SSE meets
// HTTP statuses and headers.

#include "actors/async_route.hpp"
#include "actors/sse_directory.hpp"
#include "actors/task_registry.hpp"
#include "app/access.hpp"
#include "app/config.hpp"
#include "net/router.hpp"
#include "net/service.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace herald::app {

class authenticator;

/// Who may stream and publish into one group when credentials are configured: from
/// `sse.groups`, else from the route that declared the group (its credential rule and its
/// `allow` rule for reading; publishing then needs a `publish:<group>` scope).
struct group_policy {
  /// Whether reading needs a credential: nullopt follows `auth.required`.
  std::optional<bool> credential;
  /// Who may read; empty: anyone (with a credential when one is needed).
  net::access_rule read;
  /// Who may publish, besides `publish:<group>` and `publish:*` scopes and the publisher key.
  net::access_rule publish;
};

/// What the SSE endpoints share.
struct sse_context {
  sse_settings cfg;
  actors::sse_directory_actor directory;
  /// Asked whether a caller may read a task before its stream opens.
  actors::task_registry_actor registry;
  std::shared_ptr<const authenticator> auth;
  /// The groups someone may read when credentials are configured; a group missing here is
  /// read by nobody, and not created by asking for it.
  std::map<std::string, group_policy, std::less<>> groups;
  /// Publications sent to groups and not yet handled by them.
  std::shared_ptr<std::atomic<std::int64_t>> backlog =
      std::make_shared<std::atomic<std::int64_t>>(0);
};

/// The pattern of an async route's events endpoint: `<pattern>_events`, or
/// `<pattern>/_events` when the last segment is a `{capture}` (a capture is a whole segment).
std::string events_pattern(std::string_view route_pattern);

/// `events_pattern` with its captures replaced by `params` (percent-encoded): the path a
/// client requests.
std::string events_path(std::string_view events_pattern, const net::path_params& params);

/// Whether `name` can be a group: 1–256 bytes of well-formed UTF-8 without control
/// characters (it is sent in a header, in `pode.open`, in JSON answers and metric labels).
bool valid_group_name(std::string_view name) noexcept;

/// `GET <events pattern>` of an async route: `?Id=<task>` for one task's stream, else the
/// stream of the route's whole group.
void add_route_events(net::service& svc, std::shared_ptr<const sse_context> ctx,
                      const actors::route_spec& spec);

/// `GET /sse/{group}` (a group's stream) and `POST /sse/{group}` (publishing, with the
/// publisher key).
void add_sse_endpoints(net::service& svc, std::shared_ptr<const sse_context> ctx);

/// `GET pattern` streams `group` (a plain SSE route).
void add_group_stream(net::service& svc, std::shared_ptr<const sse_context> ctx,
                      std::string_view pattern, std::string group);

/// Records who may read `group`, declared by a route with `access`, unless `sse.groups` or an
/// earlier route named it.
void declare_group(sse_context& ctx, const std::string& group, const route_access& access);

/// Streams `group` on the connection that carries `res`, as `GET /sse/{group}` does, under
/// the stream name `name` (406 when the request does not accept an event stream), without
/// asking who may read it: for callers that checked already (the admin API).
void stream_group(const sse_context& ctx, const net::request_context& rq, net::responder res,
                  std::string group, std::string name);

/// Publishes into `group` from C++. False, publishing nothing, when the backlog is over its
/// bound (retry later) or the group or event name is invalid. A publication into a new group
/// past `sse.max_groups` is dropped by the directory (there is nobody to answer).
bool publish(const sse_context& ctx, std::string group, std::string event, std::string data,
             std::string key = {});

} // namespace herald::app
