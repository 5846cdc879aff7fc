#pragma once

// What a command route's program says on stdout (SPEC §4.11), one line at a time:
//
//     ::progress 42.5                      the progress, 0–100
//     ::progress-range START END [STEPS]   range mode (SPEC §4.4); STEPS defaults to 1
//     ::tick                               one step of the range
//     ::progress-over SECONDS [INTERVAL]   ticks by itself to reach 100 after SECONDS, a tick
//                                          every INTERVAL seconds (default 1, or SECONDS when
//                                          shorter)
//     ::event TYPE DATA                    a custom event: DATA as JSON when it parses, else as
//                                          text; no DATA sends null
//     ::result JSON                        the task's result (the last one counts)
//
// Every other line is output. Without `::result`, the output lines (joined by LF) are the
// result: JSON when they parse, else a string; no output at all is null. Output is kept as
// bytes and becomes a JSON string with each ill-formed UTF-8 byte replaced by U+FFFD; NUL
// bytes are kept (escaped by the writers).
//
// Lines end at LF; a CR before it is dropped, and a last line without LF still counts. A
// line that starts with `::` but is no well-formed directive (`::progress abc`, an unknown
// name, a reversed range) is an output line: a typo shows in the result instead of vanishing.
// `::result` with text that is not JSON fails the task (`::result is not JSON: ...`): the
// program said what its result is, and a silent string in its place would hide the bug.
//
// Output past `max_output_bytes` is counted but not kept, and fails the task ("output over
// max_output_bytes (N bytes)"); so does a single line longer than the bound of any line
// (`line_limit`), whatever it holds. stderr is kept as its last 4 KiB, for the error message.

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald::app {

/// Splits a byte stream read in arbitrary chunks into lines (LF; a CR before it dropped).
/// A line longer than `max_line` is not kept: `on_line` gets nothing for it and
/// `on_oversized` is called once for it instead.
class line_splitter {
 public:
  explicit line_splitter(std::size_t max_line) : max_line_(max_line) {}

  /// Feeds `chunk`; calls `on_line(line)` for each line it completes.
  void feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line,
            const std::function<void()>& on_oversized);

  /// The end of the stream: a last line without LF is a line (unless empty).
  void finish(const std::function<void(std::string_view)>& on_line,
              const std::function<void()>& on_oversized);

 private:
  void emit(const std::function<void(std::string_view)>& on_line,
            const std::function<void()>& on_oversized);

  std::size_t max_line_;
  std::string pending_;
  bool oversized_ = false;
};

/// The directives a program's stdout can hold.
namespace directive {
struct progress {
  double value;
};
struct progress_range {
  double start;
  double end;
  double steps;
};
struct tick {};
struct progress_over {
  double seconds;
  double interval;
};
struct event {
  std::string type;
  boost::json::value data;
};
} // namespace directive

using command_directive = std::variant<directive::progress, directive::progress_range,
                                       directive::tick, directive::progress_over, directive::event>;

/// A line read as a directive: the directive, or nullopt when the line is output (no `::`
/// prefix, or a malformed or unknown directive). `::result` is not parsed here.
std::optional<command_directive> parse_directive(std::string_view line);

/// The stdout and stderr of one run of a program, as the protocol reads them; pure (no I/O),
/// so it can be fed in any chunks and tested alone.
class command_protocol {
 public:
  /// Applies a directive to the task; false when the task refuses it (a reversed range,
  /// say): the line then counts as output.
  using directive_sink = std::function<bool(const command_directive&)>;

  /// How much stderr is kept for the error message.
  static constexpr std::size_t stderr_tail_bytes = 4096;

  explicit command_protocol(std::size_t max_output_bytes);

  /// Bytes read from stdout; directives go to `sink` in order.
  void feed_stdout(std::string_view chunk, const directive_sink& sink);
  /// stdout ended (EOF): a last line without LF counts.
  void end_stdout(const directive_sink& sink);
  /// Bytes read from stderr.
  void feed_stderr(std::string_view chunk);

  /// The result of a program that exited 0, or the error that fails its task.
  struct outcome {
    std::optional<boost::json::value> result; ///< set when it succeeded
    std::string error;                        ///< else why not
  };
  outcome result() const;

  /// The last bytes of stderr as text (ill-formed UTF-8 repaired, surrounding whitespace
  /// trimmed, a leading partial line dropped when it was cut).
  std::string stderr_tail() const;

  /// Bytes read from stdout so far, kept or not.
  std::uint64_t stdout_bytes() const noexcept { return stdout_bytes_; }
  /// The bound of any one stdout line.
  std::size_t line_limit() const noexcept { return line_limit_; }

 private:
  void on_line(std::string_view line, const directive_sink& sink);
  void keep_output(std::string_view line);

  std::size_t max_output_;
  std::size_t line_limit_;
  line_splitter lines_;
  std::string output_;
  bool any_output_ = false;
  bool output_over_ = false;
  bool line_over_ = false;
  std::optional<boost::json::value> declared_;
  std::string result_error_;
  std::string stderr_;
  bool stderr_cut_ = false;
  std::uint64_t stdout_bytes_ = 0;
};

} // namespace herald::app
