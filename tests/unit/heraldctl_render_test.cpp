// heraldctl's text: aligned tables (by display width), progress bars, sanitised cells, and
// each admin answer as the table or field list it prints; the answer table of exit codes.

#include "tools/heraldctl/answers.hpp"
#include "tools/heraldctl/exit_code.hpp"
#include "tools/heraldctl/render.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace herald::ctl;
namespace json = boost::json;

namespace {

/// The exit code and message of what `read_answer` throws.
std::pair<int, std::string> refusal(unsigned status, std::string body, subject about) {
  try {
    read_answer({status, "application/json", std::move(body)}, about);
  } catch (const ctl_error& e) {
    return {static_cast<int>(e.code()), e.what()};
  }
  return {0, "accepted"};
}

} // namespace

BOOST_AUTO_TEST_SUITE(heraldctl_render_test)

BOOST_AUTO_TEST_CASE(tables_pad_to_the_widest_cell_and_right_align_numbers) {
  auto text = render_table({{"NAME"}, {"COUNT", true}, {"NOTE"}},
                           {{"a", "1", "first"}, {"longer name", "12345", ""}, {"b", "22", "x"}});
  BOOST_TEST(text == "NAME         COUNT  NOTE\n"
                     "a                1  first\n"
                     "longer name  12345\n"
                     "b               22  x\n");
}

BOOST_AUTO_TEST_CASE(tables_measure_utf8_by_columns_not_bytes) {
  BOOST_TEST(display_width("abc") == 3u);
  BOOST_TEST(display_width("Grüße") == 5u);
  BOOST_TEST(display_width("日本") == 4u);      // wide
  BOOST_TEST(display_width("e\xCC\x81") == 1u); // e + combining acute
  BOOST_TEST(display_width("\xFF") == 1u);      // a stray byte shows as one U+FFFD
  auto text = render_table({{"G"}, {"N", true}}, {{"Grüße", "1"}, {"日本", "2"}, {"x", "3"}});
  BOOST_TEST(text == "G      N\n"
                     "Grüße  1\n"
                     "日本   2\n"
                     "x      3\n");
}

BOOST_AUTO_TEST_CASE(cells_cannot_carry_terminal_controls) {
  BOOST_TEST(printable("a\x1b[2Jb\nc\td") == "a [2Jb c d");
  BOOST_TEST(printable("\xC2\x9B"
                       "31m") == " 31m"); // C1 CSI
  BOOST_TEST(printable("ok\xFFok") == "ok\xEF\xBF\xBDok");
  BOOST_TEST(printable("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD"); // overlong '/'
  BOOST_TEST(printable("日本 ✓") == "日本 ✓");
}

BOOST_AUTO_TEST_CASE(fitting_cuts_at_a_column_and_marks_the_cut) {
  BOOST_TEST(fit_width("abcdef", 6) == "abcdef");
  BOOST_TEST(fit_width("abcdef", 4) == "abc…");
  BOOST_TEST(fit_width("日本語", 4) == "日…");
  BOOST_TEST(fit_width("abc", 0) == "");
}

BOOST_AUTO_TEST_CASE(progress_bars_fill_in_proportion_and_show_two_decimals) {
  BOOST_TEST(progress_bar(0) == "[--------------------]   0.00%");
  BOOST_TEST(progress_bar(50) == "[##########----------]  50.00%");
  BOOST_TEST(progress_bar(99.99) == "[###################-]  99.99%");
  BOOST_TEST(progress_bar(100) == "[####################] 100.00%");
  BOOST_TEST(progress_bar(33.336, 10) == "[###-------]  33.34%");
  BOOST_TEST(progress_bar(150) == "[####################] 100.00%");
  BOOST_TEST(progress_bar(-5) == "[--------------------]   0.00%");
  BOOST_TEST(progress_bar(std::nan("")) == "[--------------------]   0.00%");
}

BOOST_AUTO_TEST_CASE(the_tasks_table_prints_full_ids_and_short_times) {
  auto tasks = json::parse(R"([
    {"Id":"4b0f9f5e-1c6d-4f5e-9d43-0f1f2b7a8c11","AsyncRouteId":"[POST]/process-data",
     "State":"Running","CreationTime":"2026-11-24T10:00:00.1234567Z","Progress":45,
     "EventCount":10},
    {"Id":"x","AsyncRouteId":"[GET]/sse","State":"NotStarted","QueuePosition":1,
     "CreationTime":"2026-11-24T10:00:01.0000000Z","EventCount":0}])");
  BOOST_TEST(tasks_table(tasks) ==
             "ID                                    ROUTE                STATE          PROGRESS"
             "  CREATED               EVENTS\n"
             "4b0f9f5e-1c6d-4f5e-9d43-0f1f2b7a8c11  [POST]/process-data  Running          45.00%"
             "  2026-11-24T10:00:00Z      10\n"
             "x                                     [GET]/sse            NotStarted #1         -"
             "  2026-11-24T10:00:01Z       0\n");
  BOOST_TEST(tasks_table(json::parse("[]")) == "no tasks\n");
}

BOOST_AUTO_TEST_CASE(a_task_shows_its_fields_then_its_event_log) {
  auto task = json::parse(R"({"Id":"t1","AsyncRouteId":"[POST]/process-data","State":"Completed",
    "IsCompleted":true,"Cancellable":true,"CreationTime":"2026-11-24T10:00:00.1000000Z",
    "ExpireTime":"9999-12-31T23:59:59.9999999Z","StartingTime":"2026-11-24T10:00:00.2000000Z",
    "CompletedTime":"2026-11-24T10:00:20.2000000Z","Progress":100,
    "Result":{"message":"Processing completed"},
    "Sse":{"Name":"/process-data_events","Group":"DataProcess","Url":"/process-data_events?Id=t1"},
    "EventCount":3,
    "Events":[{"Seq":1,"Event":"pode.progress","Data":25},
              {"Seq":2,"Event":"message","Data":"hello"},
              {"Seq":3,"Event":"pode.taskCompleted","Data":{"Id":"t1","State":"Completed"}}]})");
  BOOST_TEST(task_detail(task) ==
             "Id:           t1\n"
             "Route:        [POST]/process-data\n"
             "State:        Completed\n"
             "Progress:     [####################] 100.00%\n"
             "Cancellable:  yes\n"
             "Created:      2026-11-24T10:00:00.1000000Z\n"
             "Started:      2026-11-24T10:00:00.2000000Z\n"
             "Completed:    2026-11-24T10:00:20.2000000Z\n"
             "Expires:      9999-12-31T23:59:59.9999999Z\n"
             "Result:       {\"message\":\"Processing completed\"}\n"
             "SSE group:    DataProcess\n"
             "SSE stream:   /process-data_events?Id=t1\n"
             "\n"
             "SEQ  EVENT               DATA\n"
             "  1  pode.progress       25\n"
             "  2  message             hello\n"
             "  3  pode.taskCompleted  {\"Id\":\"t1\",\"State\":\"Completed\"}\n");
  BOOST_TEST(task_detail(json::parse(R"({"Id":"q","AsyncRouteId":"r","State":"NotStarted",
    "QueuePosition":2,"Events":[]})")) == "Id:              q\n"
                                          "Route:           r\n"
                                          "State:           NotStarted\n"
                                          "Queue position:  2\n"
                                          "\n"
                                          "no events\n");
}

BOOST_AUTO_TEST_CASE(cancel_prints_the_new_state_and_reason) {
  BOOST_TEST(cancel_text(json::parse(R"({"Id":"t1","State":"Aborted",
    "Error":"Aborted by the user"})")) == "task t1 is now Aborted (Aborted by the user)\n");
}

BOOST_AUTO_TEST_CASE(routes_show_load_limits_and_outcomes) {
  auto routes = json::parse(R"([
    {"Id":"[POST]/process-data","Method":"POST","Path":"/process-data","MaxConcurrent":2,
     "MaxQueued":100,"Running":1,"Queued":0,"Admitted":5,"Refused":0,
     "Outcomes":{"Completed":3,"Failed":0,"Aborted":1},"Cancellable":true,"Timeout":28800,
     "Sse":{"Group":"DataProcess","EventsUrl":"/process-data_events"}},
    {"Id":"[GET]/x","MaxConcurrent":1,"MaxQueued":1000,"Running":0,"Queued":0,"Admitted":0,
     "Refused":2,"Outcomes":{"Completed":0,"Failed":0,"Aborted":0},"Cancellable":false,
     "Timeout":null,"Sse":null}])");
  BOOST_TEST(routes_table(routes) ==
             "ROUTE                RUNNING  QUEUED  MAX RUN/QUEUE  ADMITTED  REFUSED  COMPLETED"
             "  FAILED  ABORTED  CANCEL  TIMEOUT  SSE GROUP\n"
             "[POST]/process-data        1       0          2/100         5        0          3"
             "       0        1  yes      28800s  DataProcess\n"
             "[GET]/x                    0       0         1/1000         0        2          0"
             "       0        0  no            -  -\n");
}

BOOST_AUTO_TEST_CASE(groups_and_a_group_with_its_subscribers) {
  auto group = json::parse(R"({"Name":"DataProcess","Epoch":1764000000123456,"LastSeq":42,
    "Subscribers":3,"GroupSubscribers":1,"TaskSubscribers":2,"Ring":{"Events":42,"Bytes":5123},
    "Published":42,"Delivered":120,"Dropped":0,"SlowDisconnects":0,"Waiting":0,
    "IdleSeconds":1.5,
    "SubscriberList":[{"Subscriber":1,"Connection":17,"Task":null,"LagBytes":0,"Holding":false},
                      {"Subscriber":2,"Connection":18,"Task":"t1","LagBytes":10,"Holding":true}]})");
  json::array list{group};
  BOOST_TEST(groups_table(list) ==
             "GROUP        SUBSCRIBERS  OF GROUP  OF TASKS  PUBLISHED  DELIVERED  DROPPED  SLOW"
             "  WAITING  RING EVENTS/BYTES  IDLE\n"
             "DataProcess            3         1         2         42        120        0     0"
             "        0            42/5123  1.5s\n");
  BOOST_TEST(groups_table(json::parse("[]")) == "no live groups\n");
  BOOST_TEST(group_detail(group) == "Group:             DataProcess\n"
                                    "Epoch:             1764000000123456\n"
                                    "Last seq:          42\n"
                                    "Subscribers:       3 (1 of the group, 2 of tasks)\n"
                                    "Ring:              42 events, 5123 bytes\n"
                                    "Published:         42\n"
                                    "Delivered:         120\n"
                                    "Dropped:           0\n"
                                    "Slow disconnects:  0\n"
                                    "Waiting:           0\n"
                                    "Idle:              1.5s\n"
                                    "\n"
                                    "SUBSCRIBER  CONNECTION  TASK  LAG BYTES  HOLDING\n"
                                    "         1          17  -             0  no\n"
                                    "         2          18  t1           10  yes\n");
}

BOOST_AUTO_TEST_CASE(connections_show_their_subscription) {
  auto conns = json::parse(R"([
    {"Id":17,"Peer":"127.0.0.1:53122","AgeSeconds":12.5,"Kind":"sse","Requests":1,
     "QueuedBytes":0,"WrittenBytes":1234,
     "Subscription":{"Group":"DataProcess","Task":"t1","Subscriber":1},"LagBytes":0},
    {"Id":18,"Peer":"127.0.0.1:53124","AgeSeconds":0.04,"Kind":"plain","Requests":3,
     "QueuedBytes":0,"WrittenBytes":99,"Subscription":null,"LagBytes":0}])");
  BOOST_TEST(
      connections_table(conns) ==
      "ID  PEER             KIND     AGE  REQUESTS  QUEUED  WRITTEN  LAG  SUBSCRIPTION\n"
      "17  127.0.0.1:53122  sse    12.5s         1       0     1234    0  DataProcess (task t1)\n"
      "18  127.0.0.1:53124  plain   0.0s         3       0       99    0  -\n");
}

BOOST_AUTO_TEST_CASE(an_answer_of_the_wrong_shape_is_an_unexpected_error) {
  BOOST_CHECK_THROW(tasks_table(json::parse("{}")), ctl_error);
  BOOST_CHECK_THROW(task_detail(json::parse("[]")), ctl_error);
  try {
    routes_table(json::parse("3"));
  } catch (const ctl_error& e) {
    BOOST_TEST((e.code() == exit_code::unexpected));
    BOOST_TEST(std::string{e.what()} == "the node's answer is not a list of routes");
  }
}

BOOST_AUTO_TEST_CASE(statuses_map_to_exit_codes_and_one_line_messages) {
  subject list{subject::listing, "", "/admin/routes", true};
  subject no_key{subject::listing, "", "/admin/routes", false};
  subject task{subject::task, "abc", "/admin/tasks/abc", true};
  subject cancel{subject::cancel, "abc", "/admin/tasks/abc", true};
  subject group{subject::group, "G", "/admin/groups/G", true};
  using result = std::pair<int, std::string>;
  BOOST_TEST((refusal(200, "[1]", list) == result{0, "accepted"}));
  BOOST_TEST((refusal(200, "<html>", list) ==
              result{1, "the node's answer to /admin/routes is not JSON: <html>"}));
  BOOST_TEST((refusal(401, R"({"Error":"Wrong key"})", list) ==
              result{4, "the admin key was refused (401): Wrong key"}));
  BOOST_TEST((refusal(401, R"({"Error":"Missing key"})", no_key) ==
              result{4, "the admin key was refused (401): Missing key (give it with --key or "
                        "HERALD_ADMIN_KEY)"}));
  BOOST_TEST((refusal(403, R"({"Error":"The admin API is disabled: set admin.key"})", list) ==
              result{4, "the admin API is disabled on the node (403): The admin API is disabled: "
                        "set admin.key"}));
  BOOST_TEST((refusal(404, R"({"Id":"abc","Error":"x"})", task) == result{5, "no task abc"}));
  BOOST_TEST((refusal(404, R"({"Id":"abc","Error":"x"})", cancel) == result{5, "no task abc"}));
  BOOST_TEST((refusal(404, R"({"Error":"No such group"})", group) == result{5, "no group G"}));
  BOOST_TEST((refusal(404, "", list) ==
              result{1, "the node answered 404 to /admin/routes: is --url the node's admin "
                        "port?"}));
  BOOST_TEST((refusal(410, R"({"Error":"The Task is already completed."})", cancel) ==
              result{6, "task abc has already finished (410): The Task is already completed."}));
  BOOST_TEST((refusal(423, R"({"Error":"not cancellable"})", cancel) ==
              result{6, "task abc is not cancellable (423): not cancellable"}));
  BOOST_TEST((refusal(410, R"({"Error":"gone"})", task) ==
              result{1, "the node answered 410 to /admin/tasks/abc: gone"}));
  BOOST_TEST((refusal(500, "", list) ==
              result{1, "the node answered 500 to /admin/routes: (empty body)"}));
  BOOST_TEST((refusal(502, "bad\x1b gateway", list) ==
              result{1, "the node answered 502 to /admin/routes: bad  gateway"}));
}

BOOST_AUTO_TEST_SUITE_END()
