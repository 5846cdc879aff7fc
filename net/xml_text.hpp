#pragma once

// JSON values as XML text, for the task endpoints' `application/xml` (SPEC §4.3). Pure.

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

namespace herald::net {

/// `value` as an XML document: `<?xml version="1.0" encoding="utf-8"?>`, objects as elements
/// named by their keys (invalid name characters replaced by `_`), arrays as repeated `<Item>`
/// elements, the whole wrapped in `root_name`; text escaped, invalid UTF-8 as U+FFFD.
std::string xml_text(const boost::json::value& value, std::string_view root_name);

} // namespace herald::net
