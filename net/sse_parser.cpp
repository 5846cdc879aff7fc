#include "net/sse_parser.hpp"

#include <charconv>
#include <cstring>

namespace herald::net {

namespace {

constexpr std::string_view bom = "\xEF\xBB\xBF";

const char* find_byte(const char* p, const char* end, char c) noexcept {
  return static_cast<const char*>(std::memchr(p, c, static_cast<std::size_t>(end - p)));
}

} // namespace

bool sse_parser::feed(std::string_view bytes, sse_handler& handler) {
  bool ok = read(bytes.data(), bytes.data() + bytes.size(), handler);
  keep_data(); // the bytes are the caller's: what the parser still needs, it copies now
  return ok;
}

bool sse_parser::read(const char* p, const char* end, sse_handler& handler) {
  if (!bom_checked_ && !skip_bom(p, end))
    return true; // every byte so far may still be the mark
  if (skip_lf_ && p < end) {
    skip_lf_ = false;
    if (*p == '\n')
      ++p;
  }
  while (p < end) {
    // The line ends at its first CR or LF; two scans with memchr beat one byte loop.
    const char* lf = find_byte(p, end, '\n');
    const char* cr = find_byte(p, lf ? lf : end, '\r');
    const char* eol = cr ? cr : lf;
    if (!eol) {
      line_.append(p, end);
      return fits(line_.size()) || overflow();
    }
    std::string_view text{p, static_cast<std::size_t>(eol - p)};
    bool in_input = line_.empty();
    if (!in_input) {
      line_.append(text);
      text = line_;
    }
    if (!fits(text.size()))
      return overflow();
    line(text, in_input, handler);
    line_.clear();
    p = eol + 1;
    if (*eol == '\r') {
      if (p == end)
        skip_lf_ = true;
      else if (*p == '\n')
        ++p;
    }
  }
  return true;
}

/// Consumes a leading byte order mark, which may arrive split. Returns false while the bytes
/// seen so far are all a prefix of it.
bool sse_parser::skip_bom(const char*& p, const char* end) {
  while (p < end && bom_seen_ < bom.size() && *p == bom[bom_seen_]) {
    ++bom_seen_;
    ++p;
  }
  if (bom_seen_ == bom.size()) {
    bom_checked_ = true;
    return true;
  }
  if (p == end)
    return false;
  // Not a mark after all: the bytes matched so far start the first line (they hold no CR/LF).
  line_.append(bom.substr(0, bom_seen_));
  bom_checked_ = true;
  return true;
}

void sse_parser::keep_data() {
  if (!data_in_input_)
    return;
  data_.assign(data_view_);
  data_ += '\n';
  data_in_input_ = false;
}

bool sse_parser::overflow() {
  data_in_input_ = false;
  line_.clear();
  type_.clear();
  data_.clear();
  skip_lf_ = false;
  return false;
}

void sse_parser::line(std::string_view text, bool in_input, sse_handler& handler) {
  if (text.empty()) {
    dispatch(handler);
    return;
  }
  if (text.front() == ':') {
    handler.on_comment(text.substr(1));
    return;
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    field(text, {}, in_input, handler);
    return;
  }
  auto value = text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  field(text.substr(0, colon), value, in_input, handler);
}

void sse_parser::field(std::string_view name, std::string_view value, bool in_input,
                       sse_handler& handler) {
  if (name == "data") {
    if (in_input && data_.empty() && !data_in_input_) {
      data_view_ = value;
      data_in_input_ = true;
      return;
    }
    keep_data();
    data_.append(value);
    data_ += '\n';
  } else if (name == "event") {
    type_.assign(value);
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos)
      last_id_.assign(value);
  } else if (name == "retry") {
    std::uint64_t ms = 0;
    auto [rest, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    // from_chars would take a leading '-': the spec wants ASCII digits only.
    if (!value.empty() && value.front() != '-' && ec == std::errc{} &&
        rest == value.data() + value.size())
      handler.on_retry(ms);
  }
  // Any other field is ignored.
}

void sse_parser::dispatch(sse_handler& handler) {
  if (data_in_input_) {
    data_in_input_ = false;
    handler.on_event({type_.empty() ? std::string_view{"message"} : std::string_view{type_},
                      data_view_, last_id_});
    type_.clear();
    return;
  }
  if (data_.empty()) {
    type_.clear();
    return;
  }
  std::string_view data{data_.data(), data_.size() - 1}; // without the last LF
  handler.on_event(
      {type_.empty() ? std::string_view{"message"} : std::string_view{type_}, data, last_id_});
  data_.clear();
  type_.clear();
}

} // namespace herald::net
