#include "app/command_protocol.hpp"

#include "net/utf8.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <charconv>
#include <cmath>
#include <vector>

namespace herald::app {

namespace json = boost::json;

namespace {

/// What any line may hold besides the output bound: room for a directive's name, so that a
/// `::result` as large as the output bound still fits.
constexpr std::size_t line_overhead = 64;
/// Lines are bounded by the output bound, but never below this: a route with a tiny output
/// bound may still send events and results of a reasonable size.
constexpr std::size_t min_line_limit = 64 * 1024;
/// Longest custom event type accepted.
constexpr std::size_t max_event_type = 256;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

/// The blank-separated words of `s`.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  s = trim(s);
  while (!s.empty()) {
    auto end = std::find_if(s.begin(), s.end(), is_blank);
    auto n = static_cast<std::size_t>(end - s.begin());
    out.push_back(s.substr(0, n));
    s = trim(s.substr(n));
  }
  return out;
}

/// A finite number, the whole of `s`.
std::optional<double> number(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

/// `line` without its `::name` head when the line is that directive: `::tick` matches
/// `::tick` and `::tick ...`, not `::ticks`.
std::optional<std::string_view> arguments(std::string_view line, std::string_view name) {
  if (!line.starts_with(name))
    return std::nullopt;
  auto rest = line.substr(name.size());
  if (!rest.empty() && !is_blank(rest.front()))
    return std::nullopt;
  return rest;
}

std::optional<command_directive> parse_event(std::string_view args) {
  args = trim(args);
  auto end = std::find_if(args.begin(), args.end(), is_blank);
  auto type = args.substr(0, static_cast<std::size_t>(end - args.begin()));
  // The type becomes an `event:` line: no control characters, and the node's own `pode.*`
  // events are not for a program to fake.
  if (type.empty() || type.size() > max_event_type || !net::valid_name(type) ||
      type.starts_with("pode."))
    return std::nullopt;
  auto data = trim(args.substr(type.size()));
  directive::event e{std::string{type}, nullptr};
  if (!data.empty()) {
    boost::system::error_code ec;
    auto parsed = json::parse(data, ec);
    if (ec)
      e.data = json::string{net::repaired_utf8(data)};
    else
      e.data = std::move(parsed);
  }
  return e;
}

} // namespace

// -- line_splitter ----------------------------------------------------------------------------

void line_splitter::emit(const std::function<void(std::string_view)>& on_line,
                         const std::function<void()>& on_oversized) {
  if (oversized_) {
    on_oversized();
  } else {
    std::string_view line = pending_;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    on_line(line);
  }
  pending_.clear();
  oversized_ = false;
}

void line_splitter::feed(std::string_view chunk,
                         const std::function<void(std::string_view)>& on_line,
                         const std::function<void()>& on_oversized) {
  while (!chunk.empty()) {
    auto lf = chunk.find('\n');
    auto part = chunk.substr(0, lf);
    // One byte more than the bound is kept, for a CR that the LF may yet drop.
    if (!oversized_ && pending_.size() + part.size() > max_line_ + 1) {
      oversized_ = true;
      pending_.clear();
      pending_.shrink_to_fit();
    }
    if (!oversized_)
      pending_.append(part);
    if (lf == std::string_view::npos)
      return;
    if (!oversized_ && pending_.size() > max_line_ &&
        !(pending_.size() == max_line_ + 1 && pending_.back() == '\r'))
      oversized_ = true;
    emit(on_line, on_oversized);
    chunk.remove_prefix(lf + 1);
  }
}

void line_splitter::finish(const std::function<void(std::string_view)>& on_line,
                           const std::function<void()>& on_oversized) {
  if (oversized_ || pending_.size() > max_line_) {
    oversized_ = true;
    emit(on_line, on_oversized);
  } else if (!pending_.empty()) {
    emit(on_line, on_oversized);
  }
}

// -- directives -------------------------------------------------------------------------------

std::optional<command_directive> parse_directive(std::string_view line) {
  if (!line.starts_with("::"))
    return std::nullopt;
  if (auto args = arguments(line, "::progress")) {
    auto w = words(*args);
    if (w.size() != 1)
      return std::nullopt;
    if (auto v = number(w[0]))
      return directive::progress{*v};
    return std::nullopt;
  }
  if (auto args = arguments(line, "::progress-range")) {
    auto w = words(*args);
    if (w.size() < 2 || w.size() > 3)
      return std::nullopt;
    auto start = number(w[0]);
    auto end = number(w[1]);
    auto steps = w.size() == 3 ? number(w[2]) : std::optional<double>{1.0};
    if (!start || !end || !steps || *steps <= 0)
      return std::nullopt;
    return directive::progress_range{*start, *end, *steps};
  }
  if (auto args = arguments(line, "::tick")) {
    if (!trim(*args).empty())
      return std::nullopt;
    return directive::tick{};
  }
  if (auto args = arguments(line, "::progress-over")) {
    auto w = words(*args);
    if (w.empty() || w.size() > 2)
      return std::nullopt;
    auto seconds = number(w[0]);
    if (!seconds || *seconds <= 0)
      return std::nullopt;
    auto interval = w.size() == 2 ? number(w[1]) : std::optional<double>{std::min(1.0, *seconds)};
    if (!interval || *interval <= 0 || *interval > *seconds)
      return std::nullopt;
    return directive::progress_over{*seconds, *interval};
  }
  if (auto args = arguments(line, "::event"))
    return parse_event(*args);
  return std::nullopt;
}

// -- command_protocol -------------------------------------------------------------------------

command_protocol::command_protocol(std::size_t max_output_bytes)
    : max_output_(max_output_bytes),
      line_limit_(std::max(max_output_bytes, min_line_limit) + line_overhead), lines_(line_limit_) {
}

void command_protocol::feed_stdout(std::string_view chunk, const directive_sink& sink) {
  stdout_bytes_ += chunk.size();
  lines_.feed(
      chunk, [&](std::string_view line) { on_line(line, sink); }, [this] { line_over_ = true; });
}

void command_protocol::end_stdout(const directive_sink& sink) {
  lines_.finish([&](std::string_view line) { on_line(line, sink); }, [this] { line_over_ = true; });
}

void command_protocol::on_line(std::string_view line, const directive_sink& sink) {
  if (auto args = arguments(line, "::result")) {
    auto text = trim(*args);
    boost::system::error_code ec;
    auto parsed = json::parse(text, ec);
    if (ec) {
      if (result_error_.empty())
        result_error_ = "::result is not JSON: " + ec.message();
    } else {
      declared_ = std::move(parsed);
    }
    return;
  }
  if (auto d = parse_directive(line); d && sink(*d))
    return;
  keep_output(line);
}

void command_protocol::keep_output(std::string_view line) {
  // Lines are joined by LF: every line after the first costs one byte more.
  auto cost = line.size() + (any_output_ ? 1 : 0);
  if (output_over_ || output_.size() + cost > max_output_) {
    output_over_ = true;
    return;
  }
  if (any_output_)
    output_.push_back('\n');
  output_.append(line);
  any_output_ = true;
}

void command_protocol::feed_stderr(std::string_view chunk) {
  // Up to twice the tail is kept and cut back to the tail when that fills: a program that
  // writes stderr a few bytes at a time then costs O(1) per byte, not a 4 KiB move per read.
  if (chunk.size() >= stderr_tail_bytes) {
    stderr_cut_ = stderr_cut_ || chunk.size() > stderr_tail_bytes || !stderr_.empty();
    stderr_.assign(chunk.substr(chunk.size() - stderr_tail_bytes));
    return;
  }
  stderr_.append(chunk);
  if (stderr_.size() > 2 * stderr_tail_bytes) {
    stderr_.erase(0, stderr_.size() - stderr_tail_bytes);
    stderr_cut_ = true;
  }
}

std::string command_protocol::stderr_tail() const {
  std::string_view s = stderr_;
  bool cut = stderr_cut_ || s.size() > stderr_tail_bytes;
  if (s.size() > stderr_tail_bytes)
    s.remove_prefix(s.size() - stderr_tail_bytes);
  if (cut) {
    // The cut may fall inside a line (or a UTF-8 sequence): start at the next full line
    // when there is one.
    auto lf = s.find('\n');
    if (lf != std::string_view::npos && lf + 1 < s.size())
      s.remove_prefix(lf + 1);
  }
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return net::repaired_utf8(s);
}

command_protocol::outcome command_protocol::result() const {
  outcome out;
  if (line_over_) {
    out.error = "stdout line over " + std::to_string(line_limit_) + " bytes";
  } else if (output_over_) {
    out.error = "output over max_output_bytes (" + std::to_string(max_output_) + " bytes)";
  } else if (!result_error_.empty()) {
    out.error = result_error_;
  } else if (declared_) {
    out.result = *declared_;
  } else if (!any_output_) {
    out.result = json::value(nullptr);
  } else {
    boost::system::error_code ec;
    auto parsed = json::parse(output_, ec);
    if (ec)
      out.result = json::string{net::repaired_utf8(output_)};
    else
      out.result = std::move(parsed);
  }
  return out;
}

} // namespace herald::app
