#include "net/sse_frame.hpp"
#include "tests/support/sse_reader.hpp"
#include "tests/support/test_helpers.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace herald::net;
using herald::test::sse_reader;
using namespace std::string_view_literals;

namespace {

std::string frame(std::string_view type, std::string_view data, std::string_view id = {}) {
  return frame_sse_event({type, data, id}).value_or("<refused>");
}

} // namespace

BOOST_AUTO_TEST_SUITE(sse_frame_test)

BOOST_AUTO_TEST_CASE(an_event_is_framed_byte_exact) {
  BOOST_TEST(frame("pode.progress", "45", "1700000000.7") ==
             "id: 1700000000.7\nevent: pode.progress\ndata: 45\n\n");
  BOOST_TEST(frame("", "hello") == "data: hello\n\n");
  BOOST_TEST(frame("pode.close", "") == "event: pode.close\ndata:\n\n");
}

BOOST_AUTO_TEST_CASE(multi_line_data_becomes_several_data_lines) {
  BOOST_TEST(frame("", "a\nb") == "data: a\ndata: b\n\n");
  BOOST_TEST(frame("", "a\r\nb\rc") == "data: a\ndata: b\ndata: c\n\n");
  BOOST_TEST(frame("", "a\n") == "data: a\ndata:\n\n");
  BOOST_TEST(frame("", "\n\n") == "data:\ndata:\ndata:\n\n");
  BOOST_TEST(frame("", "a\n\rb") == "data: a\ndata:\ndata: b\n\n"); // LF then CR: two breaks
  BOOST_TEST(frame("", " leading space") == "data:  leading space\n\n");
}

BOOST_AUTO_TEST_CASE(output_has_lf_line_ends_only) {
  auto out = frame("t", "x\r\ny\r", "1");
  BOOST_TEST(out.find('\r') == std::string::npos);
  BOOST_TEST(out.substr(out.size() - 2) == "\n\n");
}

BOOST_AUTO_TEST_CASE(utf8_and_nul_in_data_pass_through) {
  BOOST_TEST(frame("", "J\xC3\xBCrgen \xE2\x82\xAC") == "data: J\xC3\xBCrgen \xE2\x82\xAC\n\n");
  BOOST_TEST(frame("", "a\0b"sv) == "data: a\0b\n\n"sv);
}

BOOST_AUTO_TEST_CASE(cr_lf_or_nul_in_event_name_or_id_is_refused) {
  for (std::string_view bad : {std::string_view{"a\nb"}, std::string_view{"a\rb"},
                               std::string_view{"a\0b", 3}, std::string_view{"\n"}}) {
    BOOST_TEST(!frame_sse_event({bad, "x", ""}).has_value());
    BOOST_TEST(!frame_sse_event({"t", "x", bad}).has_value());
    BOOST_TEST(!valid_sse_field(bad));
  }
  std::string out = "kept";
  BOOST_TEST(!append_sse_event(out, {"a\nb", "x", ""}));
  BOOST_TEST(out == "kept"); // nothing appended
  BOOST_TEST(valid_sse_field("pode.taskCompleted"));
  BOOST_TEST(valid_sse_field(""));
}

BOOST_AUTO_TEST_CASE(append_adds_after_what_is_there) {
  std::string out = sse_retry(std::chrono::milliseconds{3000});
  BOOST_TEST(append_sse_event(out, {"a", "1", "e.1"}));
  BOOST_TEST(append_sse_event(out, {"b", "2", "e.2"}));
  BOOST_TEST(out == "retry: 3000\n\nid: e.1\nevent: a\ndata: 1\n\nid: e.2\nevent: b\ndata: 2\n\n");
}

BOOST_AUTO_TEST_CASE(retry_and_comments) {
  BOOST_TEST(sse_retry(std::chrono::milliseconds{2500}) == "retry: 2500\n\n");
  BOOST_TEST(sse_retry(std::chrono::milliseconds{-5}) == "retry: 0\n\n");
  BOOST_TEST(sse_comment("ping") == ": ping\n\n");
  BOOST_TEST(sse_comment("") == ":\n\n");
  BOOST_TEST(sse_comment("one\ntwo") == ": one\n\n");
  BOOST_TEST(sse_comment("one\r\ntwo") == ": one\n\n");
}

BOOST_AUTO_TEST_CASE(a_browser_conforming_reader_reads_back_every_event) {
  herald::test::rng r{20261124};
  const std::string alphabet = std::string{"ab :\r\n\t\xC3\xA9"} + std::string(1, '\0');
  for (int round = 0; round < 2000; ++round) {
    auto pick = [&](std::size_t max_len, bool field) {
      std::string s;
      auto n = r.below(max_len + 1);
      for (std::size_t i = 0; i < n; ++i) {
        char c = alphabet[r.below(alphabet.size())];
        if (field && (c == '\r' || c == '\n' || c == '\0'))
          c = '.';
        s += c;
      }
      return s;
    };
    auto type = pick(8, true);
    auto id = pick(8, true);
    auto data = pick(40, false);
    auto out = frame_sse_event({type, data, id});
    BOOST_REQUIRE(out.has_value());
    sse_reader reader;
    // Fed in two pieces cut anywhere, as TCP may deliver it.
    auto cut = r.below(out->size() + 1);
    reader.feed(std::string_view{*out}.substr(0, cut));
    reader.feed(std::string_view{*out}.substr(cut));
    BOOST_REQUIRE(reader.events().size() == 1u);
    const auto& e = reader.events().front();
    BOOST_TEST(e.type == (type.empty() ? "message" : type));
    BOOST_TEST(e.data == herald::test::sse_client_text(data));
    BOOST_TEST(e.last_id == id);
    BOOST_TEST(!reader.partial());
  }
}

BOOST_AUTO_TEST_CASE(the_reader_follows_the_spec_on_what_herald_never_writes) {
  // Checks of the test reader itself, so that tests built on it mean what they say.
  sse_reader r;
  r.feed(": comment\r\nretry: 12x\nretry: 1500\nid: a\0b\n"
         "data:no space\r\rdata\n\nevent: only\n\nid: 7\n\ndata: x"sv);
  BOOST_TEST(r.comments() == 1u);
  BOOST_TEST(r.retry().value_or(-1) == 1500);
  BOOST_REQUIRE(r.events().size() == 2u);
  BOOST_TEST(r.events()[0].data == "no space");
  BOOST_TEST(r.events()[0].last_id == ""); // the id with NUL was ignored
  BOOST_TEST(r.events()[1].data == "");    // `data` without colon: empty value
  BOOST_TEST(r.last_id() == "7");          // an id-only block moves the cursor silently
  BOOST_TEST(r.partial());                 // "data: x" never ended
}

BOOST_AUTO_TEST_CASE(a_position_is_an_id_without_data) {
  std::string out;
  BOOST_TEST(herald::net::append_sse_position(out, "17.4"));
  BOOST_TEST(out == "id: 17.4\n\n");
  BOOST_TEST(!herald::net::append_sse_position(out, ""));
  BOOST_TEST(!herald::net::append_sse_position(out, "1\n2"));
  BOOST_TEST(out == "id: 17.4\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
