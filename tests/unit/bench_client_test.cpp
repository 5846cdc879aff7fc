// The load clients' pure parts: response heads, chunked bodies, quantiles, JSON answers, the
// header lines added to every request.

#include "tools/bench/client/dechunker.hpp"
#include "tools/bench/client/extra_headers.hpp"
#include "tools/bench/client/http_response.hpp"
#include "tools/bench/client/json_reader.hpp"
#include "tools/bench/client/statistics.hpp"
#include "tools/bench/client/text.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace herald::bench;

BOOST_AUTO_TEST_SUITE(bench_client_test)

BOOST_AUTO_TEST_CASE(a_response_head_gives_status_framing_and_its_size) {
  std::string in = "HTTP/1.1 202 Accepted\r\ncontent-length: 12\r\nContent-Type: application/json"
                   "\r\nConnection: Keep-Alive\r\n\r\n{\"Id\":\"abc\"}";
  auto h = parse_response_head(in);
  BOOST_REQUIRE(h);
  BOOST_TEST(h->status == 202);
  BOOST_TEST(*h->length == 12u);
  BOOST_TEST(!h->close);
  BOOST_TEST(!h->chunked);
  BOOST_TEST(h->content_type == "application/json");
  BOOST_TEST(in.substr(h->size) == "{\"Id\":\"abc\"}");
  // Incomplete until the blank line.
  BOOST_TEST(!parse_response_head(in.substr(0, h->size - 1)));
}

BOOST_AUTO_TEST_CASE(http_1_0_closes_unless_keep_alive_and_chunked_is_seen) {
  auto h = parse_response_head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST(h->close);
  h = parse_response_head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST(!h->close);
  h = parse_response_head("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST(h->close);
  h = parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  BOOST_TEST(h->chunked);
  BOOST_TEST(!h->length);
  h = parse_response_head("HTTP/1.1 204 No Content\r\n\r\n");
  BOOST_TEST(*h->length == 0u);
}

BOOST_AUTO_TEST_CASE(malformed_and_interim_responses_are_protocol_errors) {
  for (std::string bad :
       {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"})
    BOOST_CHECK_THROW(parse_response_head(bad), protocol_error);
  BOOST_CHECK_THROW(parse_response_head(std::string(70 * 1024, 'x')), protocol_error);
}

BOOST_AUTO_TEST_CASE(a_chunked_body_decodes_the_same_however_it_is_cut) {
  const std::string body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
  for (std::size_t step : {1u, 2u, 3u, 100u}) {
    dechunker d;
    std::string out;
    bool more = true;
    for (std::size_t i = 0; i < body.size(); i += step) {
      auto piece = body.substr(i, step);
      more = d.feed(piece.data(), piece.data() + piece.size(),
                    [&](const char* a, const char* b) { out.append(a, b); });
    }
    BOOST_TEST(out == "hello, world", "step " << step);
    BOOST_TEST(!more);
  }
  dechunker bad;
  std::string junk = "zz\r\n";
  BOOST_CHECK_THROW(bad.feed(junk.data(), junk.data() + junk.size(), [](auto, auto) {}),
                    protocol_error);
}

BOOST_AUTO_TEST_CASE(quantiles_are_by_nearest_rank) {
  std::vector<std::uint64_t> sorted{10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  BOOST_TEST(quantile_of_sorted(sorted, 0.5) == 50u);
  BOOST_TEST(quantile_of_sorted(sorted, 0.9) == 90u);
  BOOST_TEST(quantile_of_sorted(sorted, 0.99) == 100u);
  BOOST_TEST(quantile_of_sorted(sorted, 0.0) == 10u);
  BOOST_TEST(quantile_of_sorted({}, 0.5) == 0u);
}

BOOST_AUTO_TEST_CASE(the_histogram_is_exact_below_64_and_within_one_percent_above) {
  histogram h;
  BOOST_TEST(h.quantile(0.5) == 0u);
  for (std::uint64_t v = 1; v <= 50; ++v)
    h.add(v);
  BOOST_TEST(h.quantile(0.5) == 25u);
  BOOST_TEST(h.max() == 50u);
  histogram big;
  for (std::uint64_t v : {1'000'000u, 2'000'000u, 3'000'000u, 123'456'789u})
    big.add(v);
  BOOST_TEST(big.total() == 4u);
  auto p50 = big.quantile(0.5);
  BOOST_TEST(p50 >= 1'984'375u);
  BOOST_TEST(p50 <= 2'015'625u);
  auto top = big.quantile(1.0); // the middle of the maximum's bucket, never above the maximum
  BOOST_TEST(top <= 123'456'789u);
  BOOST_TEST(top >= 123'456'789u / 128 * 127);
}

BOOST_AUTO_TEST_CASE(json_answers_are_read_again_and_again_from_the_same_memory) {
  json_reader r;
  const auto* task = r.object(R"({"Id":"t-1","State":"Completed","IsCompleted":true})");
  BOOST_REQUIRE(task);
  BOOST_TEST(string_member(*task, "Id") == "t-1");
  BOOST_TEST(string_member(*task, "Missing") == "");
  BOOST_TEST(task->at("IsCompleted").as_bool());
  for (int i = 0; i < 1000; ++i) {
    auto text =
        R"({"Id":"task-)" + std::to_string(i) + R"(","Progress":)" + std::to_string(i) + "}";
    const auto* o = r.object(text);
    BOOST_REQUIRE(o);
    BOOST_TEST(string_member(*o, "Id") == "task-" + std::to_string(i));
  }
  BOOST_TEST(!r.object("not json"));
  BOOST_TEST(!r.object("[1,2]"));
  BOOST_TEST(!r.object(R"({"a":1} trailing)"));
  // A body larger than the kept memory still parses.
  std::string large = R"({"Data":")" + std::string(100'000, 'x') + R"("})";
  BOOST_REQUIRE(r.object(large));
  BOOST_TEST(string_member(*r.object(large), "Data").size() == 100'000u);
}

BOOST_AUTO_TEST_CASE(text_helpers_for_messages) {
  BOOST_TEST(seconds_text(1.5) == "1.5");
  BOOST_TEST(seconds_text(10) == "10");
  BOOST_TEST(icontains("Upgrade, Keep-Alive", "keep-alive"));
  BOOST_TEST(!icontains("close", "keep-alive"));
  BOOST_TEST(snippet("a\r\nb") == "a  b");
  BOOST_TEST(snippet(std::string(300, 'x')) == std::string(200, 'x') + "...");
}

BOOST_AUTO_TEST_CASE(credentials_and_headers_become_request_lines_in_command_line_order) {
  extra_headers h;
  BOOST_TEST(h.lines().empty());
  BOOST_TEST(!h.has_credential());
  BOOST_TEST(h.take("--header", "X-Trace:  abc def ").empty());
  BOOST_TEST(!h.has_credential());
  BOOST_TEST(h.take("--bearer", "eyJ.a.b").empty());
  BOOST_TEST(h.has_credential());
  BOOST_TEST(h.take("--api-key", "bench-0123456789abcdef").empty());
  BOOST_TEST(h.lines() == "X-Trace: abc def\r\nAuthorization: Bearer eyJ.a.b\r\n"
                          "X-API-Key: bench-0123456789abcdef\r\n");

  extra_headers by_name;
  BOOST_TEST(by_name.take("--header", "x-api-key: k").empty());
  BOOST_TEST(by_name.has_credential());
  BOOST_TEST(by_name.lines() == "x-api-key: k\r\n");
}

BOOST_AUTO_TEST_CASE(values_that_would_break_the_request_head_are_refused) {
  extra_headers h;
  BOOST_TEST(!h.take("--header", "no colon").empty());
  BOOST_TEST(!h.take("--header", ": no name").empty());
  BOOST_TEST(!h.take("--header", "Bad Name: v").empty());
  BOOST_TEST(!h.take("--header", "X-A: v\r\nX-Injected: 1").empty());
  BOOST_TEST(!h.take("--bearer", "two words").empty());
  BOOST_TEST(!h.take("--api-key", "").empty());
  BOOST_TEST(!h.take("--api-key", "k\n").empty());
  BOOST_TEST(!h.take("--port", "1").empty());
  BOOST_TEST(h.lines().empty());
  BOOST_TEST(!h.has_credential());
}

BOOST_AUTO_TEST_SUITE_END()
