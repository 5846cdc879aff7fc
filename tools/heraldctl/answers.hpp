#pragma once

// What the admin API's answer means for a command: the JSON to show, or the error and exit
// code. One table for every command (SPEC §4.10 error bodies: `{"Error": "..."}`).

#include "tools/heraldctl/admin_client.hpp"

#include <boost/json/value.hpp>
#include <string>

namespace herald::ctl {

/// What a request was about, for the messages.
struct subject {
  enum kind { listing, task, cancel, group };
  kind what = listing;
  std::string name;   ///< the task id or group name
  std::string target; ///< the request target, for unexpected answers
  bool key_given = false;
};

/// The answer's JSON when the status is 200 and the body is JSON; otherwise throws the
/// `ctl_error` with the exit code of the table in `exit_code.hpp`.
boost::json::value read_answer(const http_reply& reply, const subject& about);

} // namespace herald::ctl
