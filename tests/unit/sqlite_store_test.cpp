// The SQLite task store's file, without a node: what is written is read back the same, the
// last record of a task wins, forgetting and trimming leave nothing behind, the epoch stays
// with the file, and rows that cannot be trusted stop the load.

#include "app/config.hpp"
#include "app/sqlite_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <sqlite3.h>
#include <string>

namespace app = herald::app;
namespace actors = herald::actors;
namespace fs = std::filesystem;

namespace {

struct temp_file {
  fs::path dir;
  temp_file() {
    auto pattern = (fs::temp_directory_path() / "herald-store-test-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~temp_file() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string path() const { return (dir / "tasks.db").string(); }
};

actors::task_record full_record() {
  actors::task_record r;
  r.id = "5c3e0a8e-1111-4222-8333-944445555666";
  r.route_id = "[POST]/reports";
  r.method = "POST";
  r.url = "/reports";
  r.state = actors::task_state::failed;
  r.cancellable = false;
  r.creation = actors::task_time{std::chrono::nanoseconds{1'796'000'000'123'456'700}};
  r.expire = actors::no_expiry();
  r.starting = r.creation + std::chrono::milliseconds{5};
  r.completed = r.creation + std::chrono::milliseconds{900};
  r.progress = 42.5;
  r.result = boost::json::parse(R"({"rows": [1, 2, 3], "ok": false, "note": "é\n"})");
  r.error = "disk on fire";
  r.user = "alice";
  auto p = std::make_shared<actors::task_permission>();
  p->read.users = {"alice", "bob"};
  p->read.groups = {"ops"};
  p->write.users = {"alice"};
  p->write.scopes = {"tasks:cancel"};
  r.permission = p;
  r.sse = actors::sse_info{"/reports_events", "reports", "/reports_events?Id=x", true};
  r.callback = std::make_shared<const actors::callback_info>(
      actors::callback_info{"https://example.test/hook", 3, "Failed", "HTTP 500"});
  return r;
}

actors::task_stream_event event(std::uint64_t seq, actors::task_stream_kind kind, std::string type,
                                boost::json::value data) {
  return {seq, kind, std::move(type), std::move(data)};
}

/// Runs `sql` on the file with SQLite directly (what a damaged or foreign file looks like).
void tamper(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  BOOST_REQUIRE_EQUAL(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

} // namespace

BOOST_AUTO_TEST_SUITE(sqlite_store)

BOOST_AUTO_TEST_CASE(a_record_and_its_log_read_back_the_same) {
  temp_file f;
  auto r = full_record();
  {
    app::sqlite_store db{{f.path()}};
    db.begin();
    db.put(7, r);
    db.event(7, event(1, actors::task_stream_kind::progress, "", 10));
    db.event(7,
             event(2, actors::task_stream_kind::custom, "step", boost::json::parse(R"({"a":1})")));
    db.event(7, event(3, actors::task_stream_kind::completed, "",
                      boost::json::parse(R"({"Id":"x","State":"Failed"})")));
    db.trim(7, 1);
    db.commit();
  }
  app::sqlite_store db{{f.path()}};
  auto back = db.load();
  BOOST_REQUIRE_EQUAL(back.size(), 1u);
  const auto& t = back.front();
  BOOST_TEST(t.row == 7u);
  // The task object says it all: every field, byte for byte.
  BOOST_TEST(boost::json::serialize(actors::to_json(t.record)) ==
             boost::json::serialize(actors::to_json(r)));
  BOOST_TEST(t.record.method == "POST");
  BOOST_TEST(t.record.url == "/reports");
  BOOST_TEST(t.record.sse->send_result);
  BOOST_TEST((t.record.expire == actors::no_expiry()));
  BOOST_TEST((t.record.creation == r.creation));
  BOOST_TEST(t.record.callback->error == "HTTP 500");
  BOOST_REQUIRE_EQUAL(t.log.size(), 2u);
  BOOST_TEST(t.log[0].seq == 2u);
  BOOST_TEST(t.log[0].type == "step");
  BOOST_TEST((t.log[0].kind == actors::task_stream_kind::custom));
  BOOST_TEST(t.log[1].seq == 3u);
  BOOST_TEST((t.log[1].kind == actors::task_stream_kind::completed));
}

BOOST_AUTO_TEST_CASE(the_last_record_wins_and_forgetting_leaves_nothing) {
  temp_file f;
  app::sqlite_store db{{f.path()}};
  auto r = full_record();
  r.state = actors::task_state::running;
  r.error.reset();
  auto other = r;
  other.id = "other";
  db.begin();
  db.put(1, r);
  db.put(2, other);
  db.event(2, event(1, actors::task_stream_kind::progress, "", 5));
  db.commit();
  r.state = actors::task_state::completed;
  db.begin();
  db.put(1, r);
  db.forget(2);
  db.commit();
  auto back = db.load();
  BOOST_REQUIRE_EQUAL(back.size(), 1u);
  BOOST_TEST((back.front().record.state == actors::task_state::completed));
  BOOST_TEST(!back.front().record.error.has_value());
  BOOST_TEST(back.front().log.empty());
}

BOOST_AUTO_TEST_CASE(the_epoch_stays_with_the_file) {
  temp_file f;
  std::uint64_t first = 0;
  {
    app::sqlite_store db{{f.path()}};
    first = db.epoch();
    BOOST_TEST(first != 0u);
  }
  app::sqlite_store again{{f.path()}};
  BOOST_TEST(again.epoch() == first);
  temp_file g;
  app::sqlite_store other{{g.path()}};
  BOOST_TEST(other.epoch() != first);
}

BOOST_AUTO_TEST_CASE(rows_that_cannot_be_trusted_stop_the_load) {
  temp_file f;
  {
    app::sqlite_store db{{f.path()}};
    db.begin();
    db.put(1, full_record());
    db.commit();
  }
  // A Permission that cannot be read must not come back as "anyone may read".
  tamper(f.path(), "UPDATE tasks SET permission = '{\"Read\": 1}'");
  {
    app::sqlite_store db{{f.path()}};
    BOOST_CHECK_EXCEPTION(db.load(), app::store_error, [](const app::store_error& e) {
      std::string what = e.what();
      return what.find("Permission") != std::string::npos &&
             what.find("5c3e0a8e-1111-4222-8333-944445555666") != std::string::npos;
    });
  }
  tamper(f.path(), "UPDATE tasks SET permission = NULL, state = 9");
  {
    app::sqlite_store db{{f.path()}};
    BOOST_CHECK_THROW(db.load(), app::store_error);
  }
  // A damaged epoch is refused by name, not as a bare parse error.
  tamper(f.path(), "UPDATE meta SET value = 'x1' WHERE key = 'epoch'");
  BOOST_CHECK_EXCEPTION(app::sqlite_store({f.path()}), app::store_error,
                        [](const app::store_error& e) {
                          return std::string{e.what()}.find("epoch") != std::string::npos;
                        });
  tamper(f.path(), "UPDATE meta SET value = '12345' WHERE key = 'epoch'");
  // Another version's file is refused before anything is read.
  tamper(f.path(), "UPDATE meta SET value = '99' WHERE key = 'schema'");
  BOOST_CHECK_EXCEPTION(app::sqlite_store({f.path()}), app::store_error,
                        [](const app::store_error& e) {
                          return std::string{e.what()}.find("schema 99") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(a_bounded_file_fails_writes_like_a_full_disk) {
  temp_file f;
  app::sqlite_store db{{f.path(), false, 64 * 1024}};
  auto r = full_record();
  r.result = boost::json::value(std::string(16 * 1024, 'x'));
  bool failed = false;
  for (int i = 0; i < 20 && !failed; ++i) {
    r.id = "task-" + std::to_string(i);
    try {
      db.begin();
      db.put(static_cast<std::uint64_t>(i + 1), r);
      db.commit();
    } catch (const app::store_write_error& e) {
      db.rollback();
      failed = true;
      BOOST_TEST(std::string{e.what()}.find("full") != std::string::npos);
    }
  }
  BOOST_TEST(failed);
  // What was committed before is intact.
  BOOST_TEST(db.load().size() >= 1u);
}

BOOST_AUTO_TEST_CASE(store_urls) {
  BOOST_TEST(app::parse_store_url("memory").value() == "");
  BOOST_TEST(app::parse_store_url("sqlite:/var/lib/herald/tasks.db").value() ==
             "/var/lib/herald/tasks.db");
  BOOST_TEST(app::parse_store_url("sqlite:tasks.db").value() == "tasks.db");
  BOOST_TEST(!app::parse_store_url("sqlite:").has_value());
  BOOST_TEST(!app::parse_store_url("redis://127.0.0.1").has_value());
  BOOST_TEST(!app::parse_store_url("").has_value());
  auto bad = app::parse_config(R"({"tasks": {"store": "sqlite"}})");
  BOOST_TEST(bad.error.find("tasks.store") != std::string::npos);
  auto sync = app::parse_config(R"({"tasks": {"store_sync": "sometimes"}})");
  BOOST_TEST(sync.error.find("tasks.store_sync") != std::string::npos);
  auto good = app::parse_config(
      R"({"tasks": {"store": "sqlite:/tmp/x.db", "store_sync": "full", "store_max_bytes": 1048576}})");
  BOOST_REQUIRE(good.value.has_value());
  BOOST_TEST(good.value->tasks.store == "sqlite:/tmp/x.db");
  BOOST_TEST(good.value->tasks.store_sync == "full");
  BOOST_TEST(good.value->tasks.store_max_bytes == 1048576u);
}

BOOST_AUTO_TEST_SUITE_END()
