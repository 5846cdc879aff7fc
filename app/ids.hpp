#pragma once

// Ids the node makes (tasks, SSE clients), and ids and names written into URLs.

#include <string>
#include <string_view>

namespace herald::app {

/// A fresh task id: a lower-case GUID of version 4 (122 random bits from the operating
/// system's random source), like Pode's default.
std::string random_task_id();

/// A fresh SSE client id (`X-Pode-Sse-Client-Id`, `clientId` of `pode.open`): the same form.
std::string random_client_id();

/// `text` as one path segment or query value: unreserved characters stay, the rest are
/// percent-encoded.
std::string path_segment(std::string_view text);

} // namespace herald::app
