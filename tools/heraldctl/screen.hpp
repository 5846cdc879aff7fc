#pragma once

// Drawing `watch` frames. On a terminal each frame replaces the previous one in place (cursor
// up, clear each line, clear below) with the cursor hidden until `close`; elsewhere (a pipe,
// a file) frames are not drawn at all and the caller prints one line per change instead.
// Output goes to a sink so tests can read the exact bytes.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ctl {

class screen {
 public:
  using sink = std::function<void(std::string_view)>;

  explicit screen(sink out) : out_(std::move(out)) {}
  ~screen() { close(); }

  screen(const screen&) = delete;
  screen& operator=(const screen&) = delete;

  /// Replaces the frame on the terminal with `lines` (each shorter than the terminal is wide).
  void draw(const std::vector<std::string>& lines);

  /// Shows the cursor again (also done by the destructor); the last frame stays.
  void close();

  /// The bytes that turn a frame of `previous` lines into `lines` (the cursor sits below the
  /// frame before and after).
  static std::string redraw(std::size_t previous, const std::vector<std::string>& lines);

 private:
  sink out_;
  std::size_t drawn_ = 0;
  bool started_ = false;
  bool closed_ = false;
  std::vector<std::string> last_;
};

} // namespace herald::ctl
