#include "net/request_context.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace herald::net {

std::string_view request_context::header(std::string_view name) const {
  auto it = request_.find(name);
  return it == request_.end() ? std::string_view{} : std::string_view{it->value()};
}

std::string_view request_context::param(std::string_view name) const noexcept {
  for (const auto& [key, value] : params_)
    if (key == name)
      return value;
  return {};
}

std::optional<std::string> request_context::query(std::string_view name) const {
  return query_param(request_.target(), name);
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed)
    return std::nullopt;
  auto params = parsed->params();
  auto it = params.find(name);
  if (it == params.end())
    return std::nullopt;
  return std::string{(*it).value};
}

} // namespace herald::net
