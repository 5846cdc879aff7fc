#include "tools/heraldctl/answers.hpp"

#include "tools/heraldctl/exit_code.hpp"
#include "tools/heraldctl/render.hpp"

#include <boost/json/parse.hpp>

namespace herald::ctl {

namespace json = boost::json;

namespace {

/// The `Error` of an error body, or the start of a body that is not one.
std::string reason(const http_reply& reply) {
  boost::system::error_code ec;
  auto v = json::parse(reply.body, ec);
  if (!ec && v.is_object())
    if (const auto* e = v.as_object().if_contains("Error"); e && e->is_string())
      return printable(e->as_string());
  return reply.body.empty() ? "(empty body)" : fit_width(printable(reply.body), 120);
}

} // namespace

json::value read_answer(const http_reply& reply, const subject& about) {
  auto status = std::to_string(reply.status);
  switch (reply.status) {
  case 200: {
    boost::system::error_code ec;
    auto v = json::parse(reply.body, ec);
    if (ec)
      throw ctl_error(exit_code::unexpected,
                      "the node's answer to " + about.target +
                          " is not JSON: " + fit_width(printable(reply.body), 120));
    return v;
  }
  case 401:
    throw ctl_error(exit_code::unauthorized,
                    "the admin key was refused (401): " + reason(reply) +
                        (about.key_given ? "" : " (give it with --key or HERALD_ADMIN_KEY)"));
  case 403:
    throw ctl_error(exit_code::unauthorized,
                    "the admin API is disabled on the node (403): " + reason(reply));
  case 404:
    if (about.what == subject::task || about.what == subject::cancel)
      throw ctl_error(exit_code::not_found, "no task " + printable(about.name));
    if (about.what == subject::group)
      throw ctl_error(exit_code::not_found, "no group " + printable(about.name));
    throw ctl_error(exit_code::unexpected, "the node answered 404 to " + about.target +
                                               ": is --url the node's admin port?");
  case 410:
  case 423:
    if (about.what == subject::cancel)
      throw ctl_error(exit_code::cancel_refused,
                      "task " + printable(about.name) +
                          (reply.status == 410 ? " has already finished (410): "
                                               : " is not cancellable (423): ") +
                          reason(reply));
    break;
  default:
    break;
  }
  throw ctl_error(exit_code::unexpected,
                  "the node answered " + status + " to " + about.target + ": " + reason(reply));
}

} // namespace herald::ctl
