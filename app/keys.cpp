#include "app/keys.hpp"

#include "net/text.hpp"

namespace herald::app {

bool same_key(std::string_view given, std::string_view expected) noexcept {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

std::string_view presented_key(const net::request_context& rq) {
  auto key = rq.header("X-API-Key");
  if (!key.empty())
    return net::trim(key);
  auto auth = net::trim(rq.header("Authorization"));
  constexpr std::string_view scheme = "Bearer ";
  if (auth.size() > scheme.size() && net::iequals(auth.substr(0, scheme.size()), scheme))
    return net::trim(auth.substr(scheme.size()));
  return {};
}

} // namespace herald::app
