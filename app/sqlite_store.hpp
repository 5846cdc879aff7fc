#pragma once

// The embedded task store of one node (`tasks.store: "sqlite:PATH"`, SPEC §7): one SQLite
// file in WAL mode holding every held task's record and the event log of each task with SSE.
// This class is the database only (open, read back, write a batch); the actor that owns it
// and batches the registry's changes is `store_writer`.

#include "actors/sse_messages.hpp"
#include "actors/task_record.hpp"
#include "actors/task_store.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace herald::app {

/// The store cannot be opened or read (unreadable, locked by another node, corrupt): start-up
/// stops with this message.
struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The database file could not take a batch (full disk, I/O error): the node goes on from
/// memory and says so.
struct store_write_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct sqlite_options {
  std::string path;
  /// `synchronous=FULL`: each batch is on the disk before it is acknowledged, so it survives a
  /// power loss too; `NORMAL` (the default) survives the node's crash or kill, which is what
  /// a restart is about, at a fraction of the cost.
  bool full_sync = false;
  /// The file's size at most (0: no bound); past it writes fail as on a full disk.
  std::uint64_t max_bytes = 0;
};

class sqlite_store {
 public:
  /// Opens (or creates) the file and checks it; throws `store_error` naming the file and the
  /// problem. Held exclusively: a second node cannot open the same file.
  explicit sqlite_store(const sqlite_options& options);
  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  /// Every task held, in creation order, with its row and its event log; throws `store_error` for a
  /// row that cannot be read (a record whose `Permission` cannot be read must not come back as
  /// readable by anyone).
  std::vector<actors::restored_task> load();

  /// A number made when the file was created and kept with it: per-task stream event ids
  /// carry it, so that a client's `Last-Event-ID` resumes across restarts.
  std::uint64_t epoch() const noexcept { return epoch_; }

  const std::string& path() const noexcept { return path_; }

  // -- one batch: begin, changes, commit (or rollback); each throws `store_write_error` ------

  void begin();
  // A task is named by its row (see `actors::task_store_actor`).
  void put(std::uint64_t row, const actors::task_record& r);
  void event(std::uint64_t row, const actors::task_stream_event& ev);
  void trim(std::uint64_t row, std::uint64_t up_to);
  /// `with_events`: its events go too (a task without a stream has none to look for).
  void forget(std::uint64_t row, bool with_events = true);
  void commit();
  /// After a failure: the batch is dropped (never throws).
  void rollback() noexcept;

  /// The file's bytes with its write-ahead log.
  std::uint64_t file_bytes() const;

 private:
  /// A prepared statement, finalized when it goes (also when a throw leaves early).
  struct finalizer {
    void operator()(sqlite3_stmt* st) const noexcept;
  };
  using statement = std::unique_ptr<sqlite3_stmt, finalizer>;

  statement prepare(const char* sql);
  void exec(const char* sql);
  void close() noexcept;
  [[noreturn]] void fail_write(const char* what);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::uint64_t epoch_ = 0;
  statement put_;
  statement event_;
  statement trim_;
  statement forget_task_;
  statement forget_events_;
};

} // namespace herald::app
