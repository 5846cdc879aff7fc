#pragma once

// The demo page's files (app/web/), embedded into the binary at build time by
// app/embed_files.cmake: the node is one file and reads nothing from disk to serve its page.

#include <span>
#include <string_view>

namespace herald::app {

/// One embedded file: its name (no folders) and its bytes.
struct embedded_file {
  std::string_view name;
  std::string_view bytes;
};

/// Every embedded file, in the order CMake lists them (defined in the generated
/// web_assets.cpp).
std::span<const embedded_file> embedded_web_files() noexcept;

} // namespace herald::app
