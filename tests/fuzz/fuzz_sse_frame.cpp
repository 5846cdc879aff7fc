// Fuzz target: bytes as an SSE event through herald::net::frame_sse_event. The first two bytes
// give the lengths of the event type and the id, taken from what follows; the rest is the
// data. Besides crashes and sanitizer reports, it aborts when:
//   - a type or id with CR, LF or NUL is framed, or a clean one is refused;
//   - the frame holds a CR, or does not end with a blank line;
//   - a browser-conforming reader (tests/support/sse_reader.hpp), fed the frame in two pieces,
//     does not read back exactly one event with the same type, id, and data (line breaks as LF).

#include "net/sse_frame.hpp"
#include "tests/support/sse_reader.hpp"
#include "tests/support/test_helpers.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2)
    return 0;
  std::string_view in{reinterpret_cast<const char*>(bytes), size};
  std::size_t type_len = static_cast<unsigned char>(in[0]) % 32;
  std::size_t id_len = static_cast<unsigned char>(in[1]) % 32;
  in.remove_prefix(2);
  auto type = in.substr(0, type_len);
  in.remove_prefix(type.size());
  auto id = in.substr(0, id_len);
  in.remove_prefix(id.size());
  auto data = in;

  auto out = herald::net::frame_sse_event({type, data, id});
  bool clean = herald::net::valid_sse_field(type) && herald::net::valid_sse_field(id);
  FUZZ_CHECK(out.has_value() == clean);
  if (!out)
    return 0;
  FUZZ_CHECK(out->find('\r') == std::string::npos);
  FUZZ_CHECK(out->size() >= 2 && out->compare(out->size() - 2, 2, "\n\n") == 0);

  herald::test::sse_reader reader;
  auto cut = size % (out->size() + 1);
  reader.feed(std::string_view{*out}.substr(0, cut));
  reader.feed(std::string_view{*out}.substr(cut));
  FUZZ_CHECK(reader.events().size() == 1);
  const auto& e = reader.events().front();
  FUZZ_CHECK(e.type == (type.empty() ? std::string_view{"message"} : type));
  FUZZ_CHECK(e.last_id == id);
  FUZZ_CHECK(e.data == herald::test::sse_client_text(data));
  FUZZ_CHECK(!reader.partial());
  return 0;
}
