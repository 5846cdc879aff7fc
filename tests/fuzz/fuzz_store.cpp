// Fuzz target: what the task store reads back from its file at start (herald::app::
// sqlite_store::load), with the columns an outside hand could have changed set from the input:
// lines give `Permission`, `Result`, an event's data, the state and the event's kind. A row is
// either taken back or refused with `store_error`, never anything else; a record taken back
// writes and reads back the same, and one whose `Permission` was readable keeps it (a task
// never comes back readable by anyone when its rule was damaged).

#include "actors/task_record.hpp"
#include "app/sqlite_store.hpp"
#include "tests/support/test_helpers.hpp"

#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace actors = herald::actors;
namespace fs = std::filesystem;

const fs::path& folder() {
  static const fs::path dir = [] {
    auto pattern = (fs::temp_directory_path() / "herald-fuzz-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      std::abort();
    return fs::path{pattern};
  }();
  return dir;
}

std::vector<std::string> lines_of(std::string_view in) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() < 5) {
    auto end = in.find('\n', start);
    out.emplace_back(in.substr(start, end == std::string_view::npos ? in.npos : end - start));
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  out.resize(5);
  return out;
}

actors::task_record baseline() {
  actors::task_record r;
  r.id = "t1";
  r.route_id = "[POST]/job";
  r.method = "POST";
  r.url = "/job";
  r.state = actors::task_state::completed;
  r.creation = actors::task_time{std::chrono::seconds{1'800'000'000}};
  r.expire = actors::no_expiry();
  r.completed = r.creation;
  r.sse = actors::sse_info{"/job_events", "jobs", "/job_events?Id=t1", false};
  return r;
}

/// A line as a number, as any tool would write one into the column (0 when it is none).
std::int64_t number(const std::string& text) {
  return std::strtoll(text.c_str(), nullptr, 10);
}

void bind_text(sqlite3_stmt* st, int i, const std::string& text) {
  sqlite3_bind_text(st, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096)
    return 0;
  auto fields = lines_of({reinterpret_cast<const char*>(data), size});
  auto path = (folder() / "tasks.db").string();
  std::error_code ec;
  for (const auto* suffix : {"", "-wal", "-shm"})
    fs::remove(path + suffix, ec);
  {
    herald::app::sqlite_store db{{path}};
    db.begin();
    db.put(1, baseline());
    db.event(1, {1, actors::task_stream_kind::progress, "", 10});
    db.commit();
  }
  {
    sqlite3* raw = nullptr;
    FUZZ_CHECK(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    FUZZ_CHECK(sqlite3_prepare_v2(raw, "UPDATE tasks SET permission = ?1, result = ?2, state = ?3",
                                  -1, &st, nullptr) == SQLITE_OK);
    bind_text(st, 1, fields[0]);
    bind_text(st, 2, fields[1]);
    sqlite3_bind_int64(st, 3, number(fields[3]));
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    FUZZ_CHECK(sqlite3_prepare_v2(raw, "UPDATE events SET data = ?1, kind = ?2", -1, &st,
                                  nullptr) == SQLITE_OK);
    bind_text(st, 1, fields[2]);
    sqlite3_bind_int64(st, 2, number(fields[4]));
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  herald::app::sqlite_store db{{path}};
  std::vector<actors::restored_task> back;
  try {
    back = db.load();
  } catch (const herald::app::store_error& e) {
    FUZZ_CHECK(std::string_view{e.what()}.find("task t1") != std::string_view::npos);
    return 0;
  }
  FUZZ_CHECK(back.size() == 1);
  const auto& r = back.front().record;
  FUZZ_CHECK(r.permission != nullptr); // a Permission column that is set never reads as none
  FUZZ_CHECK(r.state <= actors::task_state::aborted);
  FUZZ_CHECK(back.front().log.size() == 1);
  // What was taken back writes and reads back the same.
  auto again_path = (folder() / "again.db").string();
  for (const auto* suffix : {"", "-wal", "-shm"})
    fs::remove(again_path + suffix, ec);
  {
    herald::app::sqlite_store again{{again_path}};
    again.begin();
    again.put(1, r);
    again.commit();
    auto twice = again.load();
    FUZZ_CHECK(twice.size() == 1);
    FUZZ_CHECK(boost::json::serialize(actors::to_json(twice.front().record)) ==
               boost::json::serialize(actors::to_json(r)));
  }
  return 0;
}
