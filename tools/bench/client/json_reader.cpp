#include "tools/bench/client/json_reader.hpp"

namespace herald::bench {

json_reader::json_reader()
    : resource_(storage_.data(), storage_.size()),
      parser_(boost::json::storage_ptr{}, boost::json::parse_options{}, parser_stack_.data(),
              parser_stack_.size()) {}

const boost::json::object* json_reader::object(std::string_view body) {
  document_.reset(); // before the memory it lives in is released
  resource_.release();
  parser_.reset(&resource_);
  boost::json::error_code ec;
  parser_.write(body.data(), body.size(), ec);
  if (ec)
    return nullptr;
  // Constructed, not assigned: a value moved into another keeps its memory resource.
  document_.emplace(parser_.release());
  return document_->if_object();
}

std::string_view string_member(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  const auto* s = v ? v->if_string() : nullptr;
  return s ? std::string_view{*s} : std::string_view{};
}

} // namespace herald::bench
