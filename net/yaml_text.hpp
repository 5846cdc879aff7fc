#pragma once

// JSON values as YAML text, for the task endpoints' `application/yaml` (SPEC §4.3). Pure.

#include <boost/json/fwd.hpp>
#include <string>

namespace herald::net {

/// `value` as a YAML document: block style, strings quoted when needed so that they read back
/// as the same string (under YAML 1.2's core schema and YAML 1.1's), non-finite numbers as
/// `.nan`/`.inf`, invalid UTF-8 as U+FFFD.
std::string yaml_text(const boost::json::value& value);

} // namespace herald::net
