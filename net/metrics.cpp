#include "net/metrics.hpp"

#include "net/utf8.hpp"

#include <charconv>
#include <cmath>

namespace herald::net {

void histogram::observe(std::chrono::nanoseconds d) noexcept {
  auto ns = d.count() < 0 ? 0 : static_cast<std::uint64_t>(d.count());
  double seconds = static_cast<double>(ns) / 1e9;
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

histogram_snapshot histogram::snapshot() const {
  histogram_snapshot out;
  out.bounds.assign(bounds.begin(), bounds.end());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  out.count = running + counts_[bounds.size()].load(std::memory_order_relaxed);
  out.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return out;
}

std::string format_sample_value(double value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Counts stay exact integers up to 2^53.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(value));
    return std::string(buf, end);
  }
  // The shortest digits that read back the same; plain decimals in the usual range (bucket
  // bounds read `0.0001`, not `1e-04`), exponents beyond it.
  auto magnitude = std::fabs(value);
  auto format = magnitude >= 1e-4 && magnitude < 1e15 ? std::chars_format::fixed
                                                      : std::chars_format::scientific;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, format);
  return std::string(buf, end);
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size();) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      i += append_repaired(out, value, i);
      continue;
    }
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else if (c < 0x20 || c == 0x7F)
      out += replacement_character; // the format has no escape for them
    else
      out += static_cast<char>(c);
    ++i;
  }
  return out;
}

namespace {

void append_labels(std::string& out, const label_list& labels, std::string_view le = {}) {
  if (labels.empty() && le.empty())
    return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first)
      out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  if (!le.empty()) {
    if (!first)
      out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

} // namespace

void prometheus_text::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  // HELP text escapes backslash and newline only.
  for (char c : help) {
    if (c == '\\')
      out_ += "\\\\";
    else if (c == '\n')
      out_ += "\\n";
    else
      out_ += c;
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void prometheus_text::sample(std::string_view name, const label_list& labels, double value) {
  out_ += name;
  append_labels(out_, labels);
  out_ += ' ';
  out_ += format_sample_value(value);
  out_ += '\n';
}

void prometheus_text::histogram(std::string_view name, const label_list& labels,
                                const histogram_snapshot& h) {
  std::string bucket{name};
  bucket += "_bucket";
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    out_ += bucket;
    append_labels(out_, labels, format_sample_value(h.bounds[i]));
    out_ += ' ';
    out_ += format_sample_value(static_cast<double>(h.cumulative[i]));
    out_ += '\n';
  }
  out_ += bucket;
  append_labels(out_, labels, "+Inf");
  out_ += ' ';
  out_ += format_sample_value(static_cast<double>(h.count));
  out_ += '\n';
  sample(std::string{name} + "_sum", labels, h.sum);
  sample(std::string{name} + "_count", labels, static_cast<double>(h.count));
}

} // namespace herald::net
