#include "actors/task_record.hpp"
#include "net/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using herald::actors::append_task_json;
using herald::actors::callback_info;
using herald::actors::format_time;
using herald::actors::is_terminal;
using herald::actors::may_read;
using herald::actors::may_write;
using herald::actors::no_expiry;
using herald::actors::parse_task_state;
using herald::actors::parse_time;
using herald::actors::sse_info;
using herald::actors::task_permission;
using herald::actors::task_record;
using herald::actors::task_state;
using herald::actors::task_time;
using herald::actors::to_json;

namespace json = boost::json;
namespace net = herald::net;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

/// A UTC time from its calendar fields, plus a sub-second part.
task_time utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0,
              nanoseconds sub = 0ns) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + sub;
}

task_record minimal_record() {
  task_record r;
  r.id = "3f1c0a4e-5b7d-4c1e-9a2b-0d6f7e8a9b10";
  r.route_id = "[POST]/process-data";
  r.method = "POST";
  r.url = "/process-data";
  r.creation = utc(2024, 9, 26, 14, 3, 11, 123456700ns);
  r.expire = r.creation + 8h;
  return r;
}

std::set<std::string> keys(const json::object& o) {
  std::set<std::string> out;
  for (const auto& m : o)
    out.emplace(m.key());
  return out;
}

const std::set<std::string> always = {"Id",          "AsyncRouteId", "State",     "IsCompleted",
                                      "Cancellable", "CreationTime", "ExpireTime"};

std::set<std::string> always_and(std::initializer_list<std::string> more) {
  auto out = always;
  out.insert(more.begin(), more.end());
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(task_record_test)

// -- states -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(states_have_podes_names) {
  BOOST_TEST(to_string(task_state::not_started) == "NotStarted");
  BOOST_TEST(to_string(task_state::running) == "Running");
  BOOST_TEST(to_string(task_state::completed) == "Completed");
  BOOST_TEST(to_string(task_state::failed) == "Failed");
  BOOST_TEST(to_string(task_state::aborted) == "Aborted");
}

BOOST_AUTO_TEST_CASE(state_names_parse_back_whatever_their_case) {
  for (auto s : {task_state::not_started, task_state::running, task_state::completed,
                 task_state::failed, task_state::aborted}) {
    BOOST_TEST((parse_task_state(to_string(s)) == s));
  }
  BOOST_TEST((parse_task_state("notstarted") == task_state::not_started));
  BOOST_TEST((parse_task_state("RUNNING") == task_state::running));
  BOOST_TEST((parse_task_state("aBoRtEd") == task_state::aborted));
}

BOOST_AUTO_TEST_CASE(unknown_state_names_are_rejected) {
  for (std::string_view name : {"", "Done", "Not Started", "Not_Started", " Running", "Running ",
                                "Complete", "Completedd", "Cancelled", "TimedOut"})
    BOOST_TEST(!parse_task_state(name).has_value(), "accepted '" << name << "'");
}

BOOST_AUTO_TEST_CASE(only_completed_failed_and_aborted_are_terminal) {
  BOOST_TEST(!is_terminal(task_state::not_started));
  BOOST_TEST(!is_terminal(task_state::running));
  BOOST_TEST(is_terminal(task_state::completed));
  BOOST_TEST(is_terminal(task_state::failed));
  BOOST_TEST(is_terminal(task_state::aborted));
}

// -- format_time ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_epoch_formats_with_seven_fractional_digits) {
  BOOST_TEST(format_time(task_time{}) == "1970-01-01T00:00:00.0000000Z");
}

BOOST_AUTO_TEST_CASE(a_time_formats_in_utc_to_the_hundred_nanoseconds) {
  BOOST_TEST(format_time(utc(2024, 9, 26, 14, 3, 11, 123456700ns)) ==
             "2024-09-26T14:03:11.1234567Z");
  BOOST_TEST(format_time(utc(2026, 11, 23, 21, 3, 0, 100ns)) == "2026-11-23T21:03:00.0000001Z");
  BOOST_TEST(format_time(utc(1999, 12, 31, 23, 59, 59, 999999900ns)) ==
             "1999-12-31T23:59:59.9999999Z");
}

BOOST_AUTO_TEST_CASE(digits_below_a_hundred_nanoseconds_are_truncated_not_rounded) {
  BOOST_TEST(format_time(utc(2024, 1, 1, 0, 0, 0, 199ns)) == "2024-01-01T00:00:00.0000001Z");
  BOOST_TEST(format_time(utc(2024, 1, 1, 0, 0, 0, 999999999ns)) == "2024-01-01T00:00:00.9999999Z");
}

BOOST_AUTO_TEST_CASE(a_leap_day_formats_as_itself) {
  BOOST_TEST(format_time(utc(2024, 2, 29, 12)) == "2024-02-29T12:00:00.0000000Z");
  BOOST_TEST(format_time(utc(2000, 2, 29)) == "2000-02-29T00:00:00.0000000Z");
}

BOOST_AUTO_TEST_CASE(times_before_1970_count_backwards_correctly) {
  BOOST_TEST(format_time(task_time{} - 1ns) == "1969-12-31T23:59:59.9999999Z");
  BOOST_TEST(format_time(task_time{} - 100ns) == "1969-12-31T23:59:59.9999999Z");
  BOOST_TEST(format_time(task_time{} - 101ns) == "1969-12-31T23:59:59.9999998Z");
  BOOST_TEST(format_time(utc(1900, 3, 1, 6, 30)) == "1900-03-01T06:30:00.0000000Z");
}

BOOST_AUTO_TEST_CASE(the_ends_of_the_clock_format_without_overflow) {
  BOOST_TEST(format_time(task_time::min()).starts_with("1677-09-21T00:12:43.145224"));
  BOOST_TEST(format_time(task_time::max() - 1ns) == "2262-04-11T23:47:16.8547758Z");
}

BOOST_AUTO_TEST_CASE(no_expiry_formats_as_podes_maximum_date) {
  BOOST_TEST(format_time(no_expiry()) == "9999-12-31T23:59:59.9999999Z");
}

BOOST_AUTO_TEST_CASE(no_expiry_is_later_than_every_real_time) {
  BOOST_TEST((no_expiry() > task_time::max() - 1ns));
  BOOST_TEST((no_expiry() > system_clock::now() + hours{24 * 365 * 200}));
  BOOST_TEST((no_expiry() == no_expiry()));
}

BOOST_AUTO_TEST_CASE(formatted_times_have_the_fixed_shape) {
  for (auto t : {task_time{}, utc(2024, 9, 26, 14, 3, 11, 5ns), utc(1980, 1, 1), no_expiry(),
                 task_time{system_clock::now()}}) {
    auto text = format_time(t);
    BOOST_TEST_REQUIRE(text.size() == 28u);
    BOOST_TEST(text[4] == '-');
    BOOST_TEST(text[10] == 'T');
    BOOST_TEST(text[19] == '.');
    BOOST_TEST(text.back() == 'Z');
  }
}

// -- parse_time -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(formatted_times_parse_back_to_the_same_instant) {
  for (auto t : {task_time{}, utc(2024, 9, 26, 14, 3, 11, 123456700ns), utc(1969, 7, 20, 20, 17),
                 utc(2262, 4, 11), task_time{} - 100ns, task_time::max() - 807ns}) {
    auto back = parse_time(format_time(t));
    BOOST_TEST_REQUIRE(back.has_value(), "no parse for " << format_time(t));
    BOOST_TEST((*back == t), format_time(t));
  }
}

BOOST_AUTO_TEST_CASE(a_parsed_time_formats_back_to_its_text) {
  for (std::string_view text : {"2024-09-26T14:03:11.1234567Z", "1970-01-01T00:00:00.0000000Z",
                                "2000-02-29T23:59:59.9999999Z", "1969-12-31T23:59:59.9999999Z"}) {
    auto t = parse_time(text);
    BOOST_TEST_REQUIRE(t.has_value(), text);
    BOOST_TEST(format_time(*t) == text);
  }
}

BOOST_AUTO_TEST_CASE(sub_100_nanosecond_digits_are_lost_in_a_round_trip_but_the_text_is_kept) {
  auto t = utc(2024, 9, 26, 14, 3, 11, 123456789ns);
  auto back = parse_time(format_time(t));
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST((*back == utc(2024, 9, 26, 14, 3, 11, 123456700ns)));
  BOOST_TEST(format_time(*back) == format_time(t));
}

BOOST_AUTO_TEST_CASE(the_fraction_may_have_one_to_seven_digits_or_none) {
  auto base = utc(2024, 7, 5, 20, 20);
  BOOST_TEST((parse_time("2024-07-05T20:20:00Z") == base));
  BOOST_TEST((parse_time("2024-07-05T20:20:00.5Z") == base + 500ms));
  BOOST_TEST((parse_time("2024-07-05T20:20:00.05Z") == base + 50ms));
  BOOST_TEST((parse_time("2024-07-05T20:20:00.123Z") == base + 123ms));
  BOOST_TEST((parse_time("2024-07-05T20:20:00.123456Z") == base + 123456us));
  BOOST_TEST((parse_time("2024-07-05T20:20:00.1234567Z") == base + 123456700ns));
  BOOST_TEST((parse_time("2024-07-05T20:20:00.0000000Z") == base));
}

BOOST_AUTO_TEST_CASE(podes_maximum_date_parses_as_no_expiry) {
  BOOST_TEST((parse_time("9999-12-31T23:59:59.9999999Z") == no_expiry()));
}

BOOST_AUTO_TEST_CASE(malformed_times_are_rejected) {
  for (std::string_view text : {
           "",
           "Z",
           "2024-09-26",
           "2024-09-26T14:03:11",       // no Z
           "2024-09-26T14:03Z",         // no seconds
           "2024-09-26t14:03:11Z",      // lower-case t
           "2024-09-26T14:03:11z",      // lower-case z
           "2024-09-26 14:03:11Z",      // space for T
           "2024-09-26T14:03:11+00:00", // offset
           "2024-09-26T14:03:11.000+01:00",
           "2024-09-26T14:03:11.12345678Z", // eight digits
           "2024-09-26T14:03:11.Z",         // dot without digits
           "2024-09-26T14:03:11,5Z",        // comma
           "2024-09-26T14:03:11.5 Z",
           "2024-9-26T14:03:11Z", // one-digit month
           "24-09-26T14:03:11Z",
           "+2024-09-26T14:03:11Z",
           "-2024-09-26T14:03:11Z",
           "20240-09-26T14:03:11Z",
           "2024/09/26T14:03:11Z",
           "2024-09-26T14.03.11Z",
           " 2024-09-26T14:03:11Z",
           "2024-09-26T14:03:11Z ",
           "2024-09-26T14:03:11ZZ",
           "2024-09-26T14:03:1aZ",
           "2024-09-26T14:03:-1Z",
           "2024-09-26T14:03:11.-1Z",
           "2024-09-26T14:03:11.1a3Z",
           "abcd-ef-ghTij:kl:mnZ",
       })
    BOOST_TEST(!parse_time(text).has_value(), "accepted '" << text << "'");
}

BOOST_AUTO_TEST_CASE(impossible_dates_and_clock_times_are_rejected) {
  for (std::string_view text :
       {"2024-00-10T00:00:00Z", "2024-13-10T00:00:00Z", "2024-01-00T00:00:00Z",
        "2024-01-32T00:00:00Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T23:60:00Z", "2024-01-01T23:59:60Z", "2024-01-01T99:99:99Z"})
    BOOST_TEST(!parse_time(text).has_value(), "accepted '" << text << "'");
}

BOOST_AUTO_TEST_CASE(an_embedded_nul_is_rejected) {
  std::string text = "2024-09-26T14:03:11Z";
  text[12] = '\0';
  BOOST_TEST(!parse_time(text).has_value());
  BOOST_TEST(!parse_time(std::string{"2024-09-26T14:03:11Z\0", 21}).has_value());
}

BOOST_AUTO_TEST_CASE(valid_dates_outside_the_clocks_range_are_rejected) {
  BOOST_TEST(!parse_time("3000-01-01T00:00:00Z").has_value());
  BOOST_TEST(!parse_time("9999-12-31T23:59:59.9999998Z").has_value());
  BOOST_TEST(!parse_time("9999-12-31T23:59:59Z").has_value());
  BOOST_TEST(!parse_time("2262-04-11T23:47:16.8547759Z").has_value());
  BOOST_TEST(!parse_time("1600-01-01T00:00:00Z").has_value());
  BOOST_TEST(!parse_time("0000-01-01T00:00:00Z").has_value());
  BOOST_TEST(parse_time("2262-04-11T23:47:16.8547758Z").has_value());
  BOOST_TEST(parse_time("1677-09-21T00:12:43.1452249Z").has_value());
}

// -- to_json ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_new_task_has_exactly_the_always_present_fields) {
  auto o = to_json(minimal_record());
  BOOST_TEST((keys(o) == always));
  BOOST_TEST(o.at("Id").as_string() == "3f1c0a4e-5b7d-4c1e-9a2b-0d6f7e8a9b10");
  BOOST_TEST(o.at("AsyncRouteId").as_string() == "[POST]/process-data");
  BOOST_TEST(o.at("State").as_string() == "NotStarted");
  BOOST_TEST(o.at("IsCompleted").as_bool() == false);
  BOOST_TEST(o.at("Cancellable").as_bool() == true);
  BOOST_TEST(o.at("CreationTime").as_string() == "2024-09-26T14:03:11.1234567Z");
  BOOST_TEST(o.at("ExpireTime").as_string() == "2024-09-26T22:03:11.1234567Z");
}

BOOST_AUTO_TEST_CASE(method_and_url_are_queryable_but_never_exported) {
  auto o = to_json(minimal_record());
  BOOST_TEST(!o.contains("Method"));
  BOOST_TEST(!o.contains("Url"));
}

BOOST_AUTO_TEST_CASE(a_task_without_timeout_expires_at_podes_maximum_date) {
  auto r = minimal_record();
  r.expire = no_expiry();
  BOOST_TEST(to_json(r).at("ExpireTime").as_string() == "9999-12-31T23:59:59.9999999Z");
}

BOOST_AUTO_TEST_CASE(a_non_cancellable_task_says_so) {
  auto r = minimal_record();
  r.cancellable = false;
  BOOST_TEST(to_json(r).at("Cancellable").as_bool() == false);
}

BOOST_AUTO_TEST_CASE(is_completed_is_true_exactly_in_the_terminal_states) {
  auto r = minimal_record();
  for (auto [s, done] : std::vector<std::pair<task_state, bool>>{{task_state::not_started, false},
                                                                 {task_state::running, false},
                                                                 {task_state::completed, true},
                                                                 {task_state::failed, true},
                                                                 {task_state::aborted, true}}) {
    r.state = s;
    auto o = to_json(r);
    BOOST_TEST(o.at("State").as_string() == to_string(s));
    BOOST_TEST(o.at("IsCompleted").as_bool() == done, to_string(s));
  }
}

BOOST_AUTO_TEST_CASE(starting_and_completed_times_appear_once_set) {
  auto r = minimal_record();
  r.state = task_state::running;
  r.starting = r.creation + 1s;
  auto running = to_json(r);
  BOOST_TEST((keys(running) == always_and({"StartingTime"})));
  BOOST_TEST(running.at("StartingTime").as_string() == "2024-09-26T14:03:12.1234567Z");
  r.state = task_state::completed;
  r.completed = r.creation + 11s;
  auto done = to_json(r);
  BOOST_TEST((keys(done) == always_and({"StartingTime", "CompletedTime"})));
  BOOST_TEST(done.at("CompletedTime").as_string() == "2024-09-26T14:03:22.1234567Z");
}

BOOST_AUTO_TEST_CASE(progress_is_rounded_to_two_decimals) {
  auto r = minimal_record();
  r.state = task_state::running;
  r.progress = 100.0 / 3;
  BOOST_TEST(to_json(r).at("Progress").as_double() == 33.33);
  r.progress = 200.0 / 3;
  BOOST_TEST(to_json(r).at("Progress").as_double() == 66.67);
  r.progress = 42.5;
  BOOST_TEST(to_json(r).at("Progress").as_double() == 42.5);
  r.progress = 99.99;
  BOOST_TEST(to_json(r).at("Progress").as_double() == 99.99);
  r.progress = 99.994;
  BOOST_TEST(to_json(r).at("Progress").as_double() == 99.99);
}

BOOST_AUTO_TEST_CASE(whole_progress_values_are_written_as_integers) {
  auto r = minimal_record();
  r.progress = 100;
  auto o = to_json(r);
  BOOST_TEST(o.at("Progress").is_int64());
  BOOST_TEST(o.at("Progress").as_int64() == 100);
  r.progress = 44.999;
  BOOST_TEST(to_json(r).at("Progress").as_int64() == 45);
  BOOST_TEST(json::serialize(to_json(r).at("Progress")) == "45");
}

BOOST_AUTO_TEST_CASE(progress_zero_is_present_once_reported) {
  auto r = minimal_record();
  BOOST_TEST(!to_json(r).contains("Progress"));
  r.progress = 0.0;
  auto o = to_json(r);
  BOOST_TEST_REQUIRE(o.contains("Progress"));
  BOOST_TEST(o.at("Progress").as_int64() == 0);
}

BOOST_AUTO_TEST_CASE(a_progress_that_is_not_a_number_is_left_out) {
  auto r = minimal_record();
  r.progress = std::numeric_limits<double>::quiet_NaN();
  BOOST_TEST(!to_json(r).contains("Progress"));
  r.progress = std::numeric_limits<double>::infinity();
  BOOST_TEST(!to_json(r).contains("Progress"));
}

BOOST_AUTO_TEST_CASE(falsy_results_are_kept) {
  auto r = minimal_record();
  r.state = task_state::completed;
  for (const json::value& v :
       {json::value(0), json::value(false), json::value(""), json::value(json::array{}),
        json::value(json::object{}), json::value(nullptr)}) {
    r.result = v;
    auto o = to_json(r);
    BOOST_TEST_REQUIRE(o.contains("Result"), json::serialize(v));
    BOOST_TEST((o.at("Result") == v));
  }
}

BOOST_AUTO_TEST_CASE(a_structured_result_is_kept_as_is) {
  auto r = minimal_record();
  r.state = task_state::completed;
  r.result = json::parse(R"({"message":"Processing completed","items":[1,2.5,"x",null]})");
  BOOST_TEST((to_json(r).at("Result") == *r.result));
}

BOOST_AUTO_TEST_CASE(a_completed_task_without_a_value_has_no_result) {
  auto r = minimal_record();
  r.state = task_state::completed;
  BOOST_TEST(!to_json(r).contains("Result"));
}

BOOST_AUTO_TEST_CASE(result_appears_only_in_the_completed_state) {
  auto r = minimal_record();
  r.result = json::value("partial");
  for (auto s :
       {task_state::not_started, task_state::running, task_state::failed, task_state::aborted}) {
    r.state = s;
    BOOST_TEST(!to_json(r).contains("Result"), to_string(s));
  }
}

BOOST_AUTO_TEST_CASE(error_appears_in_failed_and_aborted_tasks) {
  auto r = minimal_record();
  r.state = task_state::failed;
  r.error = "boom";
  BOOST_TEST(to_json(r).at("Error").as_string() == "boom");
  r.state = task_state::aborted;
  for (std::string reason : {"Aborted by the user", "Aborted by System", "Timeout"}) {
    r.error = reason;
    BOOST_TEST(to_json(r).at("Error").as_string() == reason);
  }
}

BOOST_AUTO_TEST_CASE(error_is_left_out_of_tasks_that_did_not_fail) {
  auto r = minimal_record();
  r.error = "stale";
  for (auto s : {task_state::not_started, task_state::running, task_state::completed}) {
    r.state = s;
    BOOST_TEST(!to_json(r).contains("Error"), to_string(s));
  }
}

BOOST_AUTO_TEST_CASE(an_empty_error_message_is_still_an_error) {
  auto r = minimal_record();
  r.state = task_state::failed;
  r.error = "";
  BOOST_TEST(to_json(r).at("Error").as_string() == "");
}

BOOST_AUTO_TEST_CASE(user_and_permission_are_exported_as_given) {
  auto r = minimal_record();
  r.user = "MINDY021";
  task_permission p;
  p.read.users = {"MINDY021"};
  p.read.groups = {"Developer"};
  p.write.users = {"MINDY021"};
  r.permission = std::make_shared<const task_permission>(p);
  auto o = to_json(r);
  BOOST_TEST((keys(o) == always_and({"User", "Permission"})));
  BOOST_TEST(o.at("User").as_string() == "MINDY021");
  auto expected =
      json::parse(R"({"Read":{"Users":["MINDY021"],"Groups":["Developer"],"Roles":[],"Scopes":[]},)"
                  R"("Write":{"Users":["MINDY021"],"Groups":[],"Roles":[],"Scopes":[]}})");
  BOOST_TEST((o.at("Permission") == expected));
}

BOOST_AUTO_TEST_CASE(read_and_write_follow_the_permission) {
  auto r = minimal_record();
  net::identity owner{"ann", {"ops"}, {}, {}, {}, {}};
  net::identity other{"bob", {}, {"viewer"}, {}, {}, {}};
  BOOST_TEST(may_read(r, nullptr)); // an anonymous invoker's task is everyone's
  BOOST_TEST(may_write(r, &other));
  task_permission p;
  p.read.users = {"ann"};
  p.read.roles = {"viewer"};
  p.write.users = {"ann"};
  r.permission = std::make_shared<const task_permission>(p);
  BOOST_TEST(may_read(r, &owner));
  BOOST_TEST(may_write(r, &owner));
  BOOST_TEST(may_read(r, &other));
  BOOST_TEST(!may_write(r, &other));
  BOOST_TEST(!may_read(r, nullptr));
  BOOST_TEST(!may_write(r, nullptr));
}

BOOST_AUTO_TEST_CASE(sse_is_name_group_and_url) {
  auto r = minimal_record();
  r.sse = sse_info{"/process-data_events", "DataProcess", "/process-data_events?Id=" + r.id};
  auto o = to_json(r);
  BOOST_TEST((keys(o) == always_and({"Sse"})));
  auto expected =
      json::parse(R"({"Name":"/process-data_events","Group":"DataProcess",)"
                  R"("Url":"/process-data_events?Id=3f1c0a4e-5b7d-4c1e-9a2b-0d6f7e8a9b10"})");
  BOOST_TEST((o.at("Sse") == expected));
}

BOOST_AUTO_TEST_CASE(callback_info_is_url_tentative_and_state) {
  auto r = minimal_record();
  r.state = task_state::completed;
  r.callback = std::make_shared<const callback_info>(
      callback_info{"http://hooks.example/cb", 4, "Failed", {}});
  auto o = to_json(r);
  BOOST_TEST((keys(o) == always_and({"CallbackInfo"})));
  auto expected =
      json::parse(R"({"Url":"http://hooks.example/cb","Tentative":4,"State":"Failed"})");
  BOOST_TEST((o.at("CallbackInfo") == expected));
  BOOST_TEST(o.at("CallbackInfo").at("Tentative").is_int64());
  r.callback = std::make_shared<const callback_info>(
      callback_info{"http://hooks.example/cb", 4, "Failed", "HTTP 410: the receiver is gone"});
  BOOST_TEST((to_json(r).at("CallbackInfo").at("Error") == "HTTP 410: the receiver is gone"));
}

BOOST_AUTO_TEST_CASE(queue_position_appears_only_while_not_started) {
  auto r = minimal_record();
  r.queue_position = 0;
  auto queued = to_json(r);
  BOOST_TEST_REQUIRE(queued.contains("QueuePosition"));
  BOOST_TEST(queued.at("QueuePosition").to_number<std::size_t>() == 0u);
  r.queue_position = 7;
  BOOST_TEST(to_json(r).at("QueuePosition").to_number<std::size_t>() == 7u);
  for (auto s :
       {task_state::running, task_state::completed, task_state::failed, task_state::aborted}) {
    r.state = s;
    BOOST_TEST(!to_json(r).contains("QueuePosition"), to_string(s));
  }
}

BOOST_AUTO_TEST_CASE(a_task_with_nothing_to_show_has_no_queue_position) {
  BOOST_TEST(!to_json(minimal_record()).contains("QueuePosition"));
}

BOOST_AUTO_TEST_CASE(a_finished_task_shows_every_field_it_has) {
  auto r = minimal_record();
  r.state = task_state::completed;
  r.starting = r.creation + 1s;
  r.completed = r.creation + 2s;
  r.progress = 100;
  r.result = json::value(0);
  r.user = "u";
  r.permission = std::make_shared<const task_permission>();
  r.sse = sse_info{"n", "g", "u"};
  r.callback =
      std::make_shared<const callback_info>(callback_info{"http://x/", 1, "Completed", {}});
  r.queue_position = 3;
  auto o = to_json(r);
  BOOST_TEST((keys(o) == always_and({"StartingTime", "CompletedTime", "Progress", "Result", "User",
                                     "Permission", "Sse", "CallbackInfo"})));
}

BOOST_AUTO_TEST_CASE(the_task_object_serializes_to_valid_json) {
  auto r = minimal_record();
  r.state = task_state::failed;
  r.error = "line one\nline \"two\"";
  auto text = json::serialize(to_json(r));
  auto back = json::parse(text);
  BOOST_TEST(back.at("Error").as_string() == "line one\nline \"two\"");
}

// -- append_task_json -----------------------------------------------------------------------------

namespace {

/// What the task endpoints answered before the direct writer: the value, then its text.
std::string through_value(const task_record& r) {
  return net::json_text(to_json(r));
}

std::string direct(const task_record& r) {
  std::string out = "prefix:"; // it appends
  append_task_json(out, r);
  BOOST_TEST(out.rfind("prefix:", 0) == 0u);
  return out.substr(7);
}

/// Every shape the task object takes: each optional member present and absent, each state
/// (Result and Error shown by state only), odd text and odd numbers.
std::vector<task_record> every_shape() {
  std::vector<task_record> out;
  for (auto state : {task_state::not_started, task_state::running, task_state::completed,
                     task_state::failed, task_state::aborted}) {
    auto r = minimal_record();
    r.state = state;
    out.push_back(r); // the minimum
    r.cancellable = false;
    r.expire = no_expiry();
    r.starting = r.creation + 1500ms;
    r.completed = r.creation + 2s + 1ns;
    r.progress = 33.333333;
    r.result = json::parse(R"({"a":[1,2.5,"x\u0001y",null,true],"b":{"c":-7},"d":1e300})");
    r.error = "line one\nline \"two\" \x7f tab\t";
    r.user = "alice";
    auto p = std::make_shared<task_permission>();
    p->read.users = {"alice", "b\"ob"};
    p->read.groups = {"ops"};
    p->write.users = {"alice"};
    p->write.scopes = {"tasks:cancel", "\xff\xfe"}; // ill-formed UTF-8: repaired alike
    r.permission = p;
    r.sse =
        sse_info{"/process-data_events", "process", "/process-data_events?Id=x&token=a.b", true};
    r.callback = std::make_shared<const callback_info>(
        callback_info{"http://127.0.0.1:9/cb", 3, "Failed", {}});
    r.queue_position = 12;
    out.push_back(r);
    r.callback = std::make_shared<const callback_info>(
        callback_info{"http://127.0.0.1:9/cb", 3, "Failed", "connection refused \"x\"\n"});
    out.push_back(r);
    for (double progress :
         {0.0, 100.0, 42.5, 99.999, -1.0, 1e20, std::numeric_limits<double>::quiet_NaN()}) {
      r.progress = progress;
      out.push_back(r);
    }
    r.result = json::value(0);
    out.push_back(r);
    r.result = json::value("");
    out.push_back(r);
    r.result = json::value(false);
    out.push_back(r);
    r.permission = std::make_shared<const task_permission>(); // empty lists
    r.id = "\xc3\xa9t\xc3\xa9-\xe2\x82\xac";                  // UTF-8 kept as it is
    out.push_back(r);
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_direct_writer_gives_the_same_bytes_as_the_json_value) {
  auto shapes = every_shape();
  BOOST_TEST(shapes.size() == 70u);
  for (const auto& r : shapes) {
    auto expected = through_value(r);
    auto got = direct(r);
    BOOST_TEST(got == expected);
    // And it is JSON that reads back.
    boost::system::error_code ec;
    auto back = json::parse(got, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(back.at("Id").as_string() == json::parse(expected).at("Id").as_string());
  }
}

BOOST_AUTO_TEST_SUITE_END()
