#include "net/router.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <stdexcept>

namespace herald::net {

namespace {

bool valid_capture_name(std::string_view name) {
  if (name.empty())
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string method_list(const std::vector<verb>& methods) {
  std::string out;
  for (auto m : methods) {
    if (!out.empty())
      out += ", ";
    out += http::to_string(m);
  }
  return out;
}

} // namespace

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t pos = 1;
  while (pos <= pattern.size()) {
    auto end = pattern.find('/', pos);
    if (end == std::string_view::npos)
      end = pattern.size();
    out.emplace_back(pattern.substr(pos, end - pos));
    pos = end + 1;
  }
  // "/a/" and "/a" are the same route; "/" has no segments.
  if (!out.empty() && out.back().empty())
    out.pop_back();
  return out;
}

std::size_t router::add(verb method, std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': " + std::string{pattern});
  route r{method, std::string{pattern}, {}};
  for (auto& raw : split_pattern(pattern)) {
    if (raw.empty())
      throw std::invalid_argument("route pattern has an empty segment: " + r.pattern);
    if (raw.front() == '{') {
      if (raw.back() != '}' || !valid_capture_name(std::string_view{raw}.substr(1, raw.size() - 2)))
        throw std::invalid_argument("route pattern has a malformed {param}: " + r.pattern);
      auto name = raw.substr(1, raw.size() - 2);
      for (const auto& s : r.segments)
        if (s.capture && s.text == name)
          throw std::invalid_argument("route pattern captures {" + name + "} twice: " + r.pattern);
      r.segments.push_back({std::move(name), true});
    } else {
      if (raw.find_first_of("{}?#") != std::string::npos)
        throw std::invalid_argument("route pattern has a stray '{', '}', '?' or '#': " + r.pattern);
      r.segments.push_back({raw, false});
    }
  }
  for (const auto& other : routes_) {
    if (other.method != method || other.segments.size() != r.segments.size())
      continue;
    bool same = std::equal(other.segments.begin(), other.segments.end(), r.segments.begin(),
                           [](const segment& a, const segment& b) {
                             return a.capture == b.capture && (a.capture || a.text == b.text);
                           });
    if (same)
      throw std::invalid_argument("route declared twice: " + std::string{http::to_string(method)} +
                                  " " + r.pattern);
  }
  routes_.push_back(std::move(r));
  return routes_.size() - 1;
}

bool router::matches(const route& r, const std::vector<std::string>& segments,
                     path_params* params) {
  if (r.segments.size() != segments.size())
    return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& s = r.segments[i];
    if (s.capture) {
      // A capture takes one non-empty segment.
      if (segments[i].empty())
        return false;
    } else if (s.text != segments[i]) {
      return false;
    }
  }
  if (params) {
    params->clear();
    for (std::size_t i = 0; i < segments.size(); ++i)
      if (r.segments[i].capture)
        params->emplace_back(r.segments[i].text, segments[i]);
  }
  return true;
}

std::size_t router::literal_count(const route& r) noexcept {
  return static_cast<std::size_t>(std::count_if(r.segments.begin(), r.segments.end(),
                                                [](const segment& s) { return !s.capture; }));
}

route_match router::match(verb method, const std::vector<std::string>& segments) const {
  route_match out;
  const route* best = nullptr;
  const route* best_get = nullptr; // HEAD falls back to GET
  bool path_known = false;
  auto better = [](const route* current, const route& candidate) {
    return current == nullptr || literal_count(candidate) > literal_count(*current);
  };
  for (const auto& r : routes_) {
    if (!matches(r, segments, nullptr))
      continue;
    path_known = true;
    if (r.method == method && better(best, r))
      best = &r;
    else if (method == verb::head && r.method == verb::get && better(best_get, r))
      best_get = &r;
  }
  if (best == nullptr)
    best = best_get;
  if (best != nullptr) {
    out.result = route_match::outcome::found;
    out.route = static_cast<std::size_t>(best - routes_.data());
    matches(*best, segments, &out.params);
    return out;
  }
  if (!path_known)
    return out;
  // Only for a 405: collect the methods this path has (a second pass keeps the list, and its
  // allocation, off the path of every request that is found).
  std::vector<verb> allowed;
  for (const auto& r : routes_)
    if (matches(r, segments, nullptr) &&
        std::find(allowed.begin(), allowed.end(), r.method) == allowed.end())
      allowed.push_back(r.method);
  // Every GET route answers HEAD too, so say so.
  if (std::find(allowed.begin(), allowed.end(), verb::get) != allowed.end() &&
      std::find(allowed.begin(), allowed.end(), verb::head) == allowed.end())
    allowed.push_back(verb::head);
  std::sort(allowed.begin(), allowed.end(),
            [](verb a, verb b) { return http::to_string(a) < http::to_string(b); });
  out.result = route_match::outcome::method_not_allowed;
  out.allow = method_list(allowed);
  return out;
}

bool split_path(std::string_view target, std::vector<std::string>& segments) {
  segments.clear();
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed)
    return false;
  for (auto s : parsed->segments())
    segments.push_back(std::move(s));
  if (!segments.empty() && segments.back().empty())
    segments.pop_back();
  return true;
}

} // namespace herald::net
