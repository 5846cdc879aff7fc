#pragma once

#include <memory>

namespace herald::net {

class session;

/// What serves one session's requests (in herald, its connection actor), as the transport
/// sees it. The transport keeps one per session (`session_registry::owners`) and gives one to
/// each request's responder, for code that must reach the connection later: the SSE group a
/// stream subscribes to, the admin API's list of connections. It asks nothing of it; the code
/// that implements it (actors/connection.hpp) says what else it is.
class connection_owner {
 public:
  virtual ~connection_owner() = default;

  /// The session whose socket carries the connection (expired once it is gone).
  virtual std::weak_ptr<net::session> session() const = 0;
};

} // namespace herald::net
