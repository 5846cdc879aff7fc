#include "app/ids.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace herald::app {

namespace {

/// A version 4 GUID, lower case (`boost::uuids::to_string`'s form). The generator reads the
/// operating system's random source; one per thread, as it is not shared safely.
std::string random_guid() {
  thread_local boost::uuids::random_generator generate;
  return boost::uuids::to_string(generate());
}

} // namespace

std::string random_task_id() {
  return random_guid();
}

std::string random_client_id() {
  return random_guid();
}

std::string path_segment(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

} // namespace herald::app
