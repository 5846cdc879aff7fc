#pragma once

// API keys (the SSE publisher key, the admin key): how a request presents one, and how it is
// compared.

#include "net/request_context.hpp"

#include <string_view>

namespace herald::app {

/// The key a request presents: `X-API-Key`, else `Authorization: Bearer <key>`.
std::string_view presented_key(const net::request_context& rq);

/// Compares without an early exit, so that the time taken says nothing about the key.
bool same_key(std::string_view given, std::string_view expected) noexcept;

} // namespace herald::app
