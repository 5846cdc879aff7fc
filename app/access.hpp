#pragma once

// Who may call a route, and the check that runs before its handler (SPEC §4.8): the credential
// a request presents is turned into an identity, and the route's rule decides. The one place
// where identity meets HTTP statuses: 401 with `WWW-Authenticate` without a valid credential,
// 403 when the caller is not entitled.

#include "net/http.hpp"
#include "net/http_error.hpp"
#include "net/identity.hpp"
#include "net/request_context.hpp"
#include "net/service.hpp"

#include <memory>
#include <optional>
#include <string_view>
#include <variant>

namespace herald::app {

class authenticator;

/// Who may call a route, and, for an async route, who may read and cancel its tasks besides
/// the invoker (who owns them).
struct route_access {
  /// Whether a credential is needed: nullopt follows `auth.required`.
  std::optional<bool> credential;
  /// Who may call it; empty: anyone (with a credential when one is needed). Naming anyone
  /// makes a credential necessary.
  net::access_rule allow;
  /// Read (`GET /tasks/{id}`, `?wait=`, its streams) granted on its tasks beyond the invoker.
  net::access_rule read;
  /// Write (`DELETE /tasks/{id}`) granted beyond the invoker.
  net::access_rule write;

  /// A route anyone may call, whatever `auth.required` says (`/health`, the demo page).
  static route_access open() {
    route_access a;
    a.credential = false;
    return a;
  }
};

/// Why a request is refused.
enum class access_error {
  unauthenticated, ///< no credential where one is needed
  invalid,         ///< a credential that does not check (or a stream token that does not)
  forbidden,       ///< a valid credential that the rule does not name
};

/// A refusal: what happened and the sentence for the body.
struct access_refusal {
  access_error error;
  std::string message;
};

/// The status and sentence of `e` (401 or 403).
net::error_answer answer_of(access_error e) noexcept;

/// The `{Error}` response of a refusal (with `Id` when given): 401s carry
/// `WWW-Authenticate: Bearer realm="herald"` (with `error="invalid_token"` for a bad one).
net::response refusal_response(const access_refusal& r, std::string_view id = {});

/// The caller of `rq` as `route` sees it: null when there is no credential and none is
/// needed, the identity when it checks and the rule names it, or the refusal. With no `auth`
/// configured (`auth.enabled()` false) nothing is read and the answer is null at once.
std::variant<std::shared_ptr<const net::identity>, access_refusal>
admit(const authenticator& auth, const route_access& route, const net::request_context& rq);

/// The refusal for a caller that a task or group rule does not name: 401 when there is no
/// caller (a credential might), 403 when there is one.
access_refusal not_entitled(const net::identity* caller, std::string_view what);

/// Wraps `h` so that it runs only for callers `route` admits, with the caller in its
/// request context; refusals are answered without calling it.
net::handler guarded(std::shared_ptr<const authenticator> auth, route_access route, net::handler h);
net::deferred_handler guarded(std::shared_ptr<const authenticator> auth, route_access route,
                              net::deferred_handler h);

} // namespace herald::app
