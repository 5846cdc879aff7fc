#include "app/web_ui.hpp"

#include "actors/async_route.hpp"
#include "app/web_assets.hpp"
#include "net/responses.hpp"
#include "net/router.hpp"
#include "net/text.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace herald::app {

namespace json = boost::json;

namespace {

/// What every answer of the page carries. The page loads only its own files and injects no
/// markup, so the policy can forbid everything else: no inline script or style, no other
/// origin, no framing.
void protect(net::response& res) {
  res.set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'none'; "
                                     "frame-ancestors 'none'; object-src 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
}

/// The embedded files with their types and tags, computed once.
const std::vector<web_asset>& web_assets() {
  static const std::vector<web_asset> assets = [] {
    std::vector<web_asset> out;
    for (const auto& f : embedded_web_files())
      out.push_back(web_asset{f.name, f.bytes, content_type_for(f.name), strong_etag(f.bytes)});
    return out;
  }();
  return assets;
}

/// `asset`, or 304 when the client's copy is current. The files change only with the binary,
/// but their names do not: `no-cache` has browsers ask each time, and the tag makes the
/// answer a few bytes.
net::response serve(const web_asset& asset, const net::request_context& rq) {
  net::response res;
  if (etag_matches(rq.header("If-None-Match"), asset.etag)) {
    res = net::response{net::status::not_modified, 11};
  } else {
    res = net::make_response(net::status::ok, std::string{asset.bytes}, asset.content_type);
  }
  res.set(net::http::field::etag, asset.etag);
  res.set(net::http::field::cache_control, "no-cache");
  protect(res);
  return res;
}

net::response not_found() {
  auto res = net::error_response(net::http_error::not_found);
  protect(res);
  return res;
}

/// The `{name}` captures of a route pattern, in order.
json::array parameters_of(std::string_view pattern) {
  json::array out;
  for (const auto& seg : net::split_pattern(pattern))
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}')
      out.emplace_back(std::string_view{seg}.substr(1, seg.size() - 2));
  return out;
}

} // namespace

std::string_view content_type_for(std::string_view file_name) noexcept {
  static constexpr std::pair<std::string_view, std::string_view> types[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"txt", "text/plain; charset=utf-8"},
  };
  auto dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    auto ext = file_name.substr(dot + 1);
    for (const auto& [known, type] : types)
      if (net::iequals(ext, known))
        return type;
  }
  return "application/octet-stream";
}

std::string strong_etag(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a, 64 bits
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(18, '"');
  for (int i = 0; i < 16; ++i)
    out[static_cast<std::size_t>(16 - i)] = hex[(h >> (4 * i)) & 0xf];
  return out;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept {
  auto value = net::trim(if_none_match);
  if (value == "*")
    return true;
  auto opaque = [](std::string_view tag) {
    tag = net::trim(tag);
    if (tag.starts_with("W/"))
      tag.remove_prefix(2);
    return tag;
  };
  auto wanted = opaque(etag);
  if (wanted.empty())
    return false;
  while (!value.empty()) {
    auto comma = value.find(',');
    if (opaque(value.substr(0, comma)) == wanted)
      return true;
    if (comma == std::string_view::npos)
      break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

const web_asset* find_web_asset(std::string_view name) noexcept {
  for (const auto& asset : web_assets())
    if (asset.name == name)
      return &asset;
  return nullptr;
}

json::value routes_description(std::span<const std::shared_ptr<const actors::route_spec>> routes) {
  json::array out;
  for (const auto& spec : routes) {
    json::object r;
    r["Id"] = spec->route_id;
    r["Method"] = spec->method;
    r["Path"] = spec->path;
    r["Parameters"] = parameters_of(spec->path);
    r["JsonBody"] = spec->json_body;
    r["Cancellable"] = spec->cancellable;
    r["MaxConcurrent"] = spec->max_concurrent;
    r["MaxQueued"] = spec->max_queued;
    if (spec->timeout)
      r["TimeoutMs"] = spec->timeout->count();
    else
      r["TimeoutMs"] = nullptr;
    if (spec->sse) {
      json::object sse;
      sse["Group"] = spec->sse_group;
      sse["EventsUrl"] = spec->events_pattern;
      sse["SendResult"] = spec->sse->send_result;
      r["Sse"] = std::move(sse);
    } else {
      r["Sse"] = nullptr;
    }
    out.push_back(std::move(r));
  }
  return out;
}

void add_web_ui(net::service& svc,
                const std::vector<std::shared_ptr<const actors::route_spec>>& routes) {
  // The files are looked up once here, so a missing one fails at start-up, not per request.
  const auto* page = find_web_asset("index.html");
  if (!page)
    throw std::logic_error("the demo page's index.html is not embedded");
  svc.add(net::verb::get, "/", [page](const net::request_context& rq) { return serve(*page, rq); });
  svc.add(net::verb::get, "/ui/{file}", [](const net::request_context& rq) {
    const auto* asset = find_web_asset(rq.param("file"));
    return asset ? serve(*asset, rq) : not_found();
  });
  svc.add(net::verb::get, "/ui/routes", [&routes](const net::request_context&) {
    auto res = net::json_response(net::status::ok, routes_description(routes));
    res.set(net::http::field::cache_control, "no-store");
    protect(res);
    return res;
  });
}

} // namespace herald::app
