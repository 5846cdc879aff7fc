#include "app/sqlite_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <limits>
#include <map>
#include <random>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unordered_map>

namespace herald::app {

namespace json = boost::json;
using actors::task_record;
using actors::task_time;

namespace {

constexpr int schema_version = 1;

// The columns of a task, in the order of `put`'s parameters and `load`'s select.
constexpr const char* task_columns =
    "row, id, route_id, method, url, state, cancellable, creation, expire, starting, completed, "
    "progress, result, error, user, permission, sse_name, sse_group, sse_url, sse_send_result, "
    "cb_url, cb_tentative, cb_state, cb_error";

std::int64_t ticks(task_time t) {
  return static_cast<std::int64_t>(t.time_since_epoch().count());
}

task_time time_of(std::int64_t ticks) {
  return task_time{task_time::duration{ticks}};
}

/// Why a task row cannot be taken back: names the task and the column.
[[noreturn]] void bad_row(const std::string& path, const std::string& id, const char* what) {
  throw store_error("tasks.store: " + path + ": task " + id + ": " + what +
                    " cannot be read (the file is damaged or not herald's)");
}

std::string column_text(sqlite3_stmt* st, int col) {
  const auto* p = sqlite3_column_text(st, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(st, col)))
           : std::string{};
}

bool is_null(sqlite3_stmt* st, int col) {
  return sqlite3_column_type(st, col) == SQLITE_NULL;
}

std::optional<json::value> parse_json(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

/// One list of a rule: an array of strings.
bool read_names(const json::object& o, std::string_view key, std::vector<std::string>& out) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array())
    return false;
  for (const auto& name : v->get_array()) {
    if (!name.is_string())
      return false;
    out.emplace_back(name.get_string());
  }
  return true;
}

bool read_rule(const json::value& v, net::access_rule& rule) {
  const auto* o = v.if_object();
  return o && read_names(*o, "Users", rule.users) && read_names(*o, "Groups", rule.groups) &&
         read_names(*o, "Roles", rule.roles) && read_names(*o, "Scopes", rule.scopes);
}

/// `Permission` as written by `put` (`{Read, Write}`), or null when it is not that.
std::shared_ptr<const actors::task_permission> read_permission(const std::string& text) {
  auto v = parse_json(text);
  if (!v || !v->is_object())
    return nullptr;
  const auto& o = v->get_object();
  auto p = std::make_shared<actors::task_permission>();
  const auto* read = o.if_contains("Read");
  const auto* write = o.if_contains("Write");
  if (!read || !write || !read_rule(*read, p->read) || !read_rule(*write, p->write))
    return nullptr;
  return p;
}

void bind_text(sqlite3_stmt* st, int i, std::string_view text) {
  sqlite3_bind_text(st, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void bind_optional_time(sqlite3_stmt* st, int i, const std::optional<task_time>& t) {
  if (t)
    sqlite3_bind_int64(st, i, ticks(*t));
  else
    sqlite3_bind_null(st, i);
}

void bind_optional_text(sqlite3_stmt* st, int i, const std::optional<std::string>& text) {
  if (text)
    bind_text(st, i, *text);
  else
    sqlite3_bind_null(st, i);
}

} // namespace

sqlite_store::sqlite_store(const sqlite_options& options) : path_(options.path) {
  int rc =
      sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw store_error("tasks.store: cannot open " + path_ + ": " + why);
  }
  sqlite3_extended_result_codes(db_, 1);
  try {
    // Exclusive: two nodes on one file would each abort the other's tasks as unfinished.
    exec("PRAGMA locking_mode=EXCLUSIVE");
    exec("PRAGMA journal_mode=WAL");
    exec(options.full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=OFF");
    // A task's row is written twice or three times within seconds (created, ended, later
    // forgotten), and the pages near the end of the file with it: a larger log lets a
    // checkpoint copy such a page back once for many commits.
    exec("PRAGMA wal_autocheckpoint=8192");
    // A damaged file is refused here rather than found half-way through a load.
    auto check = prepare("PRAGMA quick_check");
    std::string verdict;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(check.get())) == SQLITE_ROW) {
      if (!verdict.empty())
        verdict += "; ";
      verdict += column_text(check.get(), 0);
    }
    if (rc != SQLITE_DONE)
      throw store_error(sqlite3_errmsg(db_));
    if (verdict != "ok")
      throw store_error("integrity check failed: " + verdict);
    exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    // Keyed by the registry's row numbers, which grow: new tasks go to the end of the file
    // and the ones that change are near it, so a batch writes few pages.
    exec("CREATE TABLE IF NOT EXISTS tasks("
         "row INTEGER PRIMARY KEY, id TEXT NOT NULL, route_id TEXT NOT NULL, method TEXT NOT NULL, "
         "url TEXT NOT NULL,"
         "state INTEGER NOT NULL, cancellable INTEGER NOT NULL, creation INTEGER NOT NULL,"
         "expire INTEGER NOT NULL, starting INTEGER, completed INTEGER, progress REAL,"
         "result TEXT, error TEXT, user TEXT, permission TEXT, sse_name TEXT, sse_group TEXT,"
         "sse_url TEXT, sse_send_result INTEGER, cb_url TEXT, cb_tentative INTEGER,"
         "cb_state TEXT, cb_error TEXT)");
    exec("CREATE TABLE IF NOT EXISTS events(task INTEGER NOT NULL, seq INTEGER NOT NULL,"
         "kind INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,"
         "PRIMARY KEY(task, seq)) WITHOUT ROWID");
    // The schema's version and the file's epoch, written once.
    auto get = prepare("SELECT key, value FROM meta");
    std::map<std::string, std::string> meta;
    while (sqlite3_step(get.get()) == SQLITE_ROW)
      meta[column_text(get.get(), 0)] = column_text(get.get(), 1);
    if (auto it = meta.find("schema");
        it != meta.end() && it->second != std::to_string(schema_version))
      throw store_error("written by another version of herald (schema " + it->second +
                        ", this one reads " + std::to_string(schema_version) + ")");
    if (auto it = meta.find("epoch"); it != meta.end()) {
      const auto& text = it->second;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch_);
      if (ec != std::errc{} || end != text.data() + text.size() || epoch_ == 0)
        throw store_error("its epoch cannot be read (\"" + text + "\")");
    } else {
      std::random_device rd;
      epoch_ = (std::uint64_t{rd()} << 32 | rd()) & ((std::uint64_t{1} << 53) - 1);
      auto set = prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
      for (auto [k, v] :
           {std::pair<std::string, std::string>{"schema", std::to_string(schema_version)},
            {"epoch", std::to_string(epoch_)}}) {
        bind_text(set.get(), 1, k);
        bind_text(set.get(), 2, v);
        int step = sqlite3_step(set.get());
        sqlite3_reset(set.get());
        if (step != SQLITE_DONE)
          throw store_error(sqlite3_errmsg(db_));
      }
    }
    if (options.max_bytes > 0) {
      auto page_size = prepare("PRAGMA page_size");
      std::int64_t bytes = 4096;
      if (sqlite3_step(page_size.get()) == SQLITE_ROW)
        bytes = sqlite3_column_int64(page_size.get(), 0);
      auto pages =
          std::max<std::uint64_t>(options.max_bytes / static_cast<std::uint64_t>(bytes), 8);
      exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str());
    }
    put_ = prepare(("INSERT OR REPLACE INTO tasks(" + std::string{task_columns} +
                    ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,"
                    "?20,?21,?22,?23,?24)")
                       .c_str());
    event_ = prepare("INSERT OR REPLACE INTO events(task, seq, kind, type, data) "
                     "VALUES(?1, ?2, ?3, ?4, ?5)");
    trim_ = prepare("DELETE FROM events WHERE task = ?1 AND seq <= ?2");
    forget_task_ = prepare("DELETE FROM tasks WHERE row = ?1");
    forget_events_ = prepare("DELETE FROM events WHERE task = ?1");
  } catch (const store_error& e) {
    std::string what = e.what();
    bool busy = sqlite3_errcode(db_) == SQLITE_BUSY;
    close();
    if (busy)
      what += " (another process holds it: a second node on the same file?)";
    throw store_error("tasks.store: " + path_ + ": " + what);
  }
}

sqlite_store::~sqlite_store() {
  close();
}

void sqlite_store::finalizer::operator()(sqlite3_stmt* st) const noexcept {
  sqlite3_finalize(st);
}

void sqlite_store::close() noexcept {
  for (auto* st : {&put_, &event_, &trim_, &forget_task_, &forget_events_})
    st->reset();
  if (db_)
    sqlite3_close_v2(db_);
  db_ = nullptr;
}

sqlite_store::statement sqlite_store::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    throw store_error(sqlite3_errmsg(db_));
  return statement{st};
}

void sqlite_store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw store_error(why);
  }
}

std::vector<actors::restored_task> sqlite_store::load() {
  std::vector<actors::restored_task> out;
  std::unordered_map<std::uint64_t, std::size_t> index;
  // Tasks of one invoker on one route share one `Permission`, as they did before.
  std::unordered_map<std::string, std::shared_ptr<const actors::task_permission>> permissions;
  auto rows_statement =
      prepare(("SELECT " + std::string{task_columns} + " FROM tasks ORDER BY row").c_str());
  auto* rows = rows_statement.get();
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
    actors::restored_task t;
    t.row = static_cast<std::uint64_t>(sqlite3_column_int64(rows, 0));
    auto& r = t.record;
    r.id = column_text(rows, 1);
    r.route_id = column_text(rows, 2);
    r.method = column_text(rows, 3);
    r.url = column_text(rows, 4);
    auto state = sqlite3_column_int(rows, 5);
    if (state < 0 || state > static_cast<int>(actors::task_state::aborted))
      bad_row(path_, r.id, "State");
    r.state = static_cast<actors::task_state>(state);
    r.cancellable = sqlite3_column_int(rows, 6) != 0;
    r.creation = time_of(sqlite3_column_int64(rows, 7));
    r.expire = time_of(sqlite3_column_int64(rows, 8));
    if (!is_null(rows, 9))
      r.starting = time_of(sqlite3_column_int64(rows, 9));
    if (!is_null(rows, 10))
      r.completed = time_of(sqlite3_column_int64(rows, 10));
    if (!is_null(rows, 11))
      r.progress = sqlite3_column_double(rows, 11);
    if (!is_null(rows, 12)) {
      r.result = parse_json(column_text(rows, 12));
      if (!r.result)
        bad_row(path_, r.id, "Result");
    }
    if (!is_null(rows, 13))
      r.error = column_text(rows, 13);
    if (!is_null(rows, 14))
      r.user = column_text(rows, 14);
    if (!is_null(rows, 15)) {
      auto text = column_text(rows, 15);
      auto& shared = permissions[text];
      if (!shared)
        shared = read_permission(text);
      if (!shared)
        bad_row(path_, r.id, "Permission");
      r.permission = shared;
    }
    if (!is_null(rows, 16)) {
      actors::sse_info sse;
      sse.name = column_text(rows, 16);
      sse.group = column_text(rows, 17);
      sse.url = column_text(rows, 18);
      sse.send_result = sqlite3_column_int(rows, 19) != 0;
      r.sse = std::move(sse);
    }
    if (!is_null(rows, 20))
      r.callback = std::make_shared<const actors::callback_info>(
          actors::callback_info{column_text(rows, 20), sqlite3_column_int(rows, 21),
                                column_text(rows, 22), column_text(rows, 23)});
    index.emplace(t.row, out.size());
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE)
    throw store_error("tasks.store: " + path_ + ": " + sqlite3_errmsg(db_));
  auto events_statement =
      prepare("SELECT task, seq, kind, type, data FROM events ORDER BY task, seq");
  auto* events = events_statement.get();
  while ((rc = sqlite3_step(events)) == SQLITE_ROW) {
    auto row = static_cast<std::uint64_t>(sqlite3_column_int64(events, 0));
    auto it = index.find(row);
    if (it == index.end())
      continue; // its task was forgotten in a batch that did not reach the events
    actors::task_stream_event ev;
    ev.seq = static_cast<std::uint64_t>(sqlite3_column_int64(events, 1));
    auto kind = sqlite3_column_int(events, 2);
    auto data = parse_json(column_text(events, 4));
    if (kind < 0 || kind > static_cast<int>(actors::task_stream_kind::completed) || !data)
      bad_row(path_, out[it->second].record.id, "an event");
    ev.kind = static_cast<actors::task_stream_kind>(kind);
    ev.type = column_text(events, 3);
    ev.data = std::move(*data);
    out[it->second].log.push_back(std::move(ev));
  }
  if (rc != SQLITE_DONE)
    throw store_error("tasks.store: " + path_ + ": " + sqlite3_errmsg(db_));
  return out;
}

void sqlite_store::fail_write(const char* what) {
  throw store_write_error(std::string{what} + ": " + sqlite3_errmsg(db_));
}

void sqlite_store::begin() {
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
    fail_write("begin");
}

void sqlite_store::commit() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    fail_write("commit");
}

void sqlite_store::rollback() noexcept {
  if (!sqlite3_get_autocommit(db_))
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void sqlite_store::put(std::uint64_t row, const task_record& r) {
  auto* st = put_.get();
  sqlite3_bind_int64(st, 1, static_cast<std::int64_t>(row));
  bind_text(st, 2, r.id);
  bind_text(st, 3, r.route_id);
  bind_text(st, 4, r.method);
  bind_text(st, 5, r.url);
  sqlite3_bind_int(st, 6, static_cast<int>(r.state));
  sqlite3_bind_int(st, 7, r.cancellable ? 1 : 0);
  sqlite3_bind_int64(st, 8, ticks(r.creation));
  sqlite3_bind_int64(st, 9, ticks(r.expire));
  bind_optional_time(st, 10, r.starting);
  bind_optional_time(st, 11, r.completed);
  if (r.progress)
    sqlite3_bind_double(st, 12, *r.progress);
  else
    sqlite3_bind_null(st, 12);
  if (r.result)
    bind_text(st, 13, json::serialize(*r.result));
  else
    sqlite3_bind_null(st, 13);
  bind_optional_text(st, 14, r.error);
  bind_optional_text(st, 15, r.user);
  if (r.permission)
    bind_text(st, 16,
              json::serialize(json::object{{"Read", actors::to_json(r.permission->read)},
                                           {"Write", actors::to_json(r.permission->write)}}));
  else
    sqlite3_bind_null(st, 16);
  if (r.sse) {
    bind_text(st, 17, r.sse->name);
    bind_text(st, 18, r.sse->group);
    bind_text(st, 19, r.sse->url);
    sqlite3_bind_int(st, 20, r.sse->send_result ? 1 : 0);
  } else {
    for (int i = 17; i <= 20; ++i)
      sqlite3_bind_null(st, i);
  }
  if (r.callback) {
    bind_text(st, 21, r.callback->url);
    sqlite3_bind_int(st, 22, r.callback->tentative);
    bind_text(st, 23, r.callback->state);
    bind_text(st, 24, r.callback->error);
  } else {
    for (int i = 21; i <= 24; ++i)
      sqlite3_bind_null(st, i);
  }
  // (Every parameter is bound each time: no need to clear them.)
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    fail_write("task record");
}

void sqlite_store::event(std::uint64_t row, const actors::task_stream_event& ev) {
  auto* st = event_.get();
  sqlite3_bind_int64(st, 1, static_cast<std::int64_t>(row));
  sqlite3_bind_int64(st, 2, static_cast<std::int64_t>(ev.seq));
  sqlite3_bind_int(st, 3, static_cast<int>(ev.kind));
  bind_text(st, 4, ev.type);
  bind_text(st, 5, json::serialize(ev.data));
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    fail_write("task event");
}

void sqlite_store::trim(std::uint64_t row, std::uint64_t up_to) {
  auto* st = trim_.get();
  sqlite3_bind_int64(st, 1, static_cast<std::int64_t>(row));
  sqlite3_bind_int64(st, 2, static_cast<std::int64_t>(up_to));
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    fail_write("event log trim");
}

void sqlite_store::forget(std::uint64_t row, bool with_events) {
  for (auto* st : {forget_task_.get(), forget_events_.get()}) {
    if (st == forget_events_.get() && !with_events)
      break;
    sqlite3_bind_int64(st, 1, static_cast<std::int64_t>(row));
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
      fail_write("forgetting a task");
  }
}

std::uint64_t sqlite_store::file_bytes() const {
  std::uint64_t total = 0;
  struct stat info {};
  for (const auto& p : {path_, path_ + "-wal"})
    if (::stat(p.c_str(), &info) == 0)
      total += static_cast<std::uint64_t>(info.st_size);
  return total;
}

} // namespace herald::app
