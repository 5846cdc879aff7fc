#include "actors/replay_ring.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using herald::actors::replay_ring;

BOOST_AUTO_TEST_SUITE(replay_ring_test)

BOOST_AUTO_TEST_CASE(an_empty_ring_replays_nothing) {
  replay_ring r{10, 1000};
  std::string out;
  r.append_after(0, out);
  BOOST_TEST(out.empty());
  BOOST_TEST(r.size() == 0u);
  BOOST_TEST(r.bytes() == 0u);
  BOOST_TEST(r.find_key("k") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_client_gets_the_events_after_its_last_one_in_order) {
  replay_ring r{10, 1000};
  r.add(1, "a", {});
  r.add(2, "bb", {});
  r.add(3, "ccc", {});
  std::string out;
  r.append_after(1, out);
  BOOST_TEST(out == "bbccc");
  out.clear();
  r.append_after(0, out);
  BOOST_TEST(out == "abbccc");
  out.clear();
  r.append_after(3, out);
  BOOST_TEST(out.empty());
  BOOST_TEST(r.size() == 3u);
  BOOST_TEST(r.bytes() == 6u);
}

BOOST_AUTO_TEST_CASE(replayed_frames_are_appended_to_what_the_caller_has) {
  replay_ring r{10, 1000};
  r.add(7, "x", {});
  std::string out = "head:";
  r.append_after(0, out);
  BOOST_TEST(out == "head:x");
}

BOOST_AUTO_TEST_CASE(past_its_event_bound_the_oldest_events_go) {
  replay_ring r{2, 1000};
  r.add(1, "a", {});
  r.add(2, "b", {});
  r.add(3, "c", {});
  BOOST_TEST(r.size() == 2u);
  BOOST_TEST(r.bytes() == 2u);
  std::string out;
  r.append_after(0, out);
  BOOST_TEST(out == "bc");
}

BOOST_AUTO_TEST_CASE(past_its_byte_bound_the_oldest_events_go_until_it_fits) {
  replay_ring r{100, 10};
  r.add(1, "aaaa", {});
  r.add(2, "bbbb", {});
  r.add(3, "cccccc", {}); // 14 bytes: the oldest goes, and 10 fit
  BOOST_TEST(r.size() == 2u);
  BOOST_TEST(r.bytes() == 10u);
  std::string out;
  r.append_after(0, out);
  BOOST_TEST(out == "bbbbcccccc");
  r.add(4, "ddddddddd", {}); // 15: both older ones go
  BOOST_TEST(r.size() == 1u);
  BOOST_TEST(r.bytes() == 9u);
}

BOOST_AUTO_TEST_CASE(an_event_larger_than_the_byte_bound_is_not_kept) {
  replay_ring r{100, 4};
  r.add(1, "ab", {});
  r.add(2, "toolarge", {});
  BOOST_TEST(r.size() == 0u);
  BOOST_TEST(r.bytes() == 0u);
  std::string out;
  r.append_after(0, out);
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(a_publisher_key_is_found_while_its_event_is_kept) {
  replay_ring r{2, 1000};
  r.add(1, "a", "k1");
  r.add(2, "b", {});
  const auto* e = r.find_key("k1");
  BOOST_TEST_REQUIRE(e != nullptr);
  BOOST_TEST(e->seq == 1u);
  BOOST_TEST(e->frame == "a");
  BOOST_TEST(r.find_key("k2") == nullptr);
  r.add(3, "c", "k3"); // pushes event 1 out, and its key with it
  BOOST_TEST(r.find_key("k1") == nullptr);
  BOOST_TEST_REQUIRE(r.find_key("k3") != nullptr);
  BOOST_TEST(r.find_key("k3")->seq == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
