#include "app/access.hpp"

#include "app/authenticator.hpp"
#include "app/responses.hpp"

#include <chrono>

namespace herald::app {

net::error_answer answer_of(access_error e) noexcept {
  using net::status;
  switch (e) {
  case access_error::unauthenticated:
    return {status::unauthorized,
            "A credential is required: send Authorization: Bearer <key or token>, or X-API-Key"};
  case access_error::invalid:
    return {status::unauthorized, "The credential is not valid"};
  case access_error::forbidden:
    return {status::forbidden, "The credential does not allow this"};
  }
  return net::http_error::internal;
}

namespace {

/// A quoted-string of RFC 9110 holding `text` (our own sentences; quotes and backslashes are
/// escaped all the same).
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + '"';
}

} // namespace

net::response refusal_response(const access_refusal& r, std::string_view id) {
  auto answer = answer_of(r.error);
  auto out = error_body(answer, id, r.message.empty() ? answer.message : r.message);
  if (answer.code == net::status::unauthorized) {
    std::string challenge = "Bearer realm=\"herald\"";
    if (r.error == access_error::invalid)
      challenge += ", error=\"invalid_token\", error_description=" + quoted(r.message);
    out.set(net::http::field::www_authenticate, challenge);
  }
  return out;
}

std::variant<std::shared_ptr<const net::identity>, access_refusal>
admit(const authenticator& auth, const route_access& route, const net::request_context& rq) {
  if (!auth.enabled())
    return std::shared_ptr<const net::identity>{};
  auto outcome = auth.check(rq, std::chrono::system_clock::now());
  if (outcome.result == auth_outcome::kind::invalid)
    return access_refusal{access_error::invalid, std::move(outcome.reason)};
  bool needed = route.credential.value_or(auth.required()) || !route.allow.empty();
  if (!outcome.who) {
    if (needed)
      return access_refusal{access_error::unauthenticated, {}};
    return std::shared_ptr<const net::identity>{};
  }
  if (!route.allow.empty() && !net::allows(route.allow, *outcome.who))
    return access_refusal{access_error::forbidden,
                          "User '" + outcome.who->user + "' may not call this route"};
  return std::move(outcome.who);
}

access_refusal not_entitled(const net::identity* caller, std::string_view what) {
  if (!caller)
    return {access_error::unauthenticated, {}};
  return {access_error::forbidden, "User '" + caller->user + "' may not " + std::string{what}};
}

net::handler guarded(std::shared_ptr<const authenticator> auth, route_access route,
                     net::handler h) {
  if (!auth->enabled())
    return h;
  return [auth = std::move(auth), route = std::move(route),
          h = std::move(h)](const net::request_context& rq) -> net::response {
    auto admitted = admit(*auth, route, rq);
    if (auto* refusal = std::get_if<access_refusal>(&admitted))
      return refusal_response(*refusal);
    auto& who = std::get<std::shared_ptr<const net::identity>>(admitted);
    if (!who)
      return h(rq);
    return h(net::request_context{rq.raw(), rq.params(), std::move(who)});
  };
}

net::deferred_handler guarded(std::shared_ptr<const authenticator> auth, route_access route,
                              net::deferred_handler h) {
  if (!auth->enabled())
    return h;
  return [auth = std::move(auth), route = std::move(route),
          h = std::move(h)](const net::request_context& rq, net::responder res) {
    auto admitted = admit(*auth, route, rq);
    if (auto* refusal = std::get_if<access_refusal>(&admitted))
      return res(refusal_response(*refusal));
    auto& who = std::get<std::shared_ptr<const net::identity>>(admitted);
    if (!who)
      return h(rq, std::move(res));
    h(net::request_context{rq.raw(), rq.params(), std::move(who)}, std::move(res));
  };
}

} // namespace herald::app
