#pragma once

// Server-Sent Events framing (WHATWG HTML §9.2.5, SPEC §4.5): pure functions from an event
// to the bytes on the wire. LF line ends only; multi-line data becomes several `data:` lines;
// an `event:` or `id:` value can never hold CR, LF or NUL (the client would cut the line or
// drop the id); every event ends with the blank line that makes the client dispatch it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace herald::net {

/// One event to frame. Empty `type` leaves out `event:` (the client says `message`); empty
/// `id` leaves out `id:` (the client keeps its last id).
struct sse_event {
  std::string_view type;
  std::string_view data;
  std::string_view id;
};

/// Whether `value` may stand in an `event:` or `id:` field: no CR, LF or NUL.
bool valid_sse_field(std::string_view value) noexcept;

/// Appends the frame of `e` to `out`: `id:`, `event:`, one `data:` line per line of the data
/// (split at LF, CRLF or CR, so that the client reads the same text with LF line breaks; an
/// empty data is one empty `data:` line, so the event still fires), then a blank line.
/// Returns false, appending nothing, when the type or the id is not a valid field.
bool append_sse_event(std::string& out, const sse_event& e);

/// The frame of `e` alone; nullopt when the type or the id is not a valid field.
std::optional<std::string> frame_sse_event(const sse_event& e);

/// `id: <id>` and a blank line: a block with no data, which fires no event but sets the
/// client's last event id (WHATWG HTML §9.2.6, "dispatch the event"), so that a client that
/// reconnects before any event arrives still says where it was. Returns false, appending
/// nothing, when `id` is empty or not a valid field.
bool append_sse_position(std::string& out, std::string_view id);

/// `retry: <ms>` and a blank line: the client's reconnection delay.
std::string sse_retry(std::chrono::milliseconds delay);

/// A comment (`: text`) and a blank line, e.g. the `: ping` heartbeat; clients ignore it.
/// Text after a CR or LF is dropped, so a comment stays one line.
std::string sse_comment(std::string_view text);

} // namespace herald::net
