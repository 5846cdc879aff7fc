#pragma once

// Who made a request, as its credential says, and the rules that name who may do something
// (SPEC §4.8). Plain data: the credential checks that produce an identity live in app/ (API
// keys, JWTs, stream tokens); the task registry and the SSE groups only compare.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::net {

/// The caller a valid credential stands for.
struct identity {
  std::string user;
  std::vector<std::string> groups;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  /// When the credential stops being valid (a JWT's `exp`, a stream token's expiry); nullopt
  /// for an API key. A stream opened with it is ended at that moment.
  std::optional<std::chrono::system_clock::time_point> expires;
  /// A stream token: good only for reading the stream of this one task.
  std::string stream_task;
};

/// Who a rule lets in: anyone named in any of the four lists (Pode's
/// `{Users, Groups, Roles, Scopes}`). An empty rule lets nobody in; see `allows`.
struct access_rule {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;

  bool empty() const noexcept {
    return users.empty() && groups.empty() && roles.empty() && scopes.empty();
  }
};

/// Whether `who` is named by `rule`: its user in `users`, or one of its groups, roles or
/// scopes in the matching list. A list entry `*` names everyone who has a credential.
bool allows(const access_rule& rule, const identity& who) noexcept;

/// Whether `scope` is among `who`'s scopes.
bool has_scope(const identity& who, std::string_view scope) noexcept;

/// `a` with the names of `b` added (no duplicates).
access_rule merged(access_rule a, const access_rule& b);

} // namespace herald::net
