#pragma once

// Content negotiation for the task endpoints (SPEC §4.3): JSON (default), YAML or XML by
// `Accept`, honouring q-values; and `encode`, which writes a value in the chosen
// representation (json_text.hpp, yaml_text.hpp, xml_text.hpp). Pure: no I/O.

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace herald::net {

enum class media_type { json, yaml, xml };

/// The MIME type written in `Content-Type`: `application/json`, `application/yaml`,
/// `application/xml`.
std::string_view content_type(media_type m) noexcept;

/// Picks the representation for an `Accept` header (RFC 9110 §12.5.1): the acceptable type
/// with the highest q-value, ties broken by the client's order, then by JSON, YAML, XML.
/// Recognised: `application/json`, `application/yaml`, `application/x-yaml`, `text/yaml`,
/// `application/xml`, `text/xml`, `application/*`, `text/*` (YAML, XML), `*/*` (JSON).
/// An empty or absent header gives JSON; a header that accepts none of them (or only with
/// q=0) gives nullopt (the caller answers 406). Malformed parts are skipped, never thrown.
std::optional<media_type> negotiate(std::string_view accept);

/// Whether an `Accept` header accepts `text/event-stream` (exactly, as `text/*` or as `*/*`,
/// with q > 0). An absent header does not: an event stream is only for clients that ask.
bool accepts_event_stream(std::string_view accept);

/// `value` in the chosen representation: `json_text`, `yaml_text`, or `xml_text` with the
/// whole wrapped in `root_name` (which JSON and YAML ignore).
std::string encode(const boost::json::value& value, media_type m,
                   std::string_view root_name = "Response");

} // namespace herald::net
