#pragma once

// Compact JSON text for responses. Boost.JSON 1.81 writes doubles in exponent form (42.5 as
// `4.25E1`) and non-finite ones as `Infinity`/`NaN`, which is not JSON. Task objects carry
// `Progress` with two decimals, so every answer would show that form: this writer gives the
// shortest decimal that reads back as the same double (`42.5`, `99.99`, `2.0`, `1e+300`) and
// `null` for a non-finite number. Strings are always valid JSON in valid UTF-8: control
// characters escaped, ill-formed UTF-8 (which Boost.JSON's serializer copies as is) replaced
// by U+FFFD, whatever the value holds.

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

namespace herald::net {

/// `value` as compact JSON text.
std::string json_text(const boost::json::value& value);

/// Appends `value` as compact JSON text to `out`.
void append_json_text(std::string& out, const boost::json::value& value);

/// Appends `s` as a JSON string (quoted, escaped, ill-formed UTF-8 repaired) to `out`: for
/// writers that produce JSON text without building a value first.
void append_json_string(std::string& out, std::string_view s);

} // namespace herald::net
