#include "app/command_runner.hpp"

#include "actors/task_run.hpp"
#include "app/command_protocol.hpp"
#include "net/log.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <variant>

extern char** environ;

namespace herald::app {

namespace asio = boost::asio;
namespace json = boost::json;
using actors::task_outcome;
using actors::task_state;

namespace {

/// How long the pipes may stay open once the program has exited (its group is killed by
/// then; only a process that left the group can hold them).
constexpr std::chrono::milliseconds drain_bound{1000};

// -- the spawn --------------------------------------------------------------------------------

/// Where in the child a step failed, reported to the parent with the errno.
enum class child_step : int { exec = 0, chdir, dup, rlimit, pdeathsig };

struct child_report {
  child_step step;
  int error;
};

/// Everything the child needs, computed before `vfork`: the child shares the parent's memory
/// and may only make async-signal-safe calls, so it allocates nothing.
struct spawn_plan {
  const char* program = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr; ///< null: the node's
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;
  pid_t parent = 0;
  struct limit {
    int resource;
    rlimit value;
  };
  std::array<limit, 3> limits{};
  std::size_t limit_count = 0;
};

[[noreturn]] void child_fail(const spawn_plan& p, child_step step) {
  child_report r{step, errno};
  // A short write to a pipe of this size is atomic; nothing to do if it fails.
  [[maybe_unused]] auto n = ::write(p.report_fd, &r, sizeof r);
  _exit(127);
}

/// The child's side, between `vfork` and `execve`: async-signal-safe calls only.
[[noreturn]] void child_exec(const spawn_plan& p) {
  // Handlers of the parent would run in the child's copy of its memory: every signal back to
  // its default first (the node ignores SIGPIPE; a program expects it), then unblock them all.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);
  // No child outlives the node, even one killed with SIGKILL: the kernel kills it then. The
  // node may have died between vfork and here: then the child is already orphaned.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    child_fail(p, child_step::pdeathsig);
  if (::getppid() != p.parent)
    _exit(127);
  // The ends were moved above 2 by the parent, so no dup2 overwrites another.
  if (::dup2(p.stdin_fd, 0) < 0 || ::dup2(p.stdout_fd, 1) < 0 || ::dup2(p.stderr_fd, 2) < 0)
    child_fail(p, child_step::dup);
  // Everything else the node holds (sockets, other children's pipes) stays with the node; the
  // report pipe closes itself at exec (CLOEXEC).
  if (p.report_fd > 3)
    ::syscall(SYS_close_range, 3u, static_cast<unsigned>(p.report_fd - 1), 0u);
  ::syscall(SYS_close_range, static_cast<unsigned>(p.report_fd + 1), ~0u, 0u);
  for (std::size_t i = 0; i < p.limit_count; ++i)
    if (::setrlimit(p.limits[i].resource, &p.limits[i].value) != 0)
      child_fail(p, child_step::rlimit);
  if (p.cwd && ::chdir(p.cwd) != 0)
    child_fail(p, child_step::chdir);
  ::execve(p.program, p.argv, p.envp);
  child_fail(p, child_step::exec);
}

/// Kept apart and not inlined: the caller's frame must not be changed by the child, which
/// runs on it until `execve`.
[[gnu::noinline]] pid_t vfork_exec(const spawn_plan& p) {
  pid_t pid = ::vfork();
  if (pid == 0)
    child_exec(p);
  return pid;
}

/// A file descriptor closed with its owner.
class fd_holder {
 public:
  fd_holder() = default;
  explicit fd_holder(int fd) : fd_(fd) {}
  ~fd_holder() { reset(); }
  fd_holder(fd_holder&& o) noexcept : fd_(o.release()) {}
  fd_holder& operator=(fd_holder&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset() noexcept {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::system_error sys_error(const char* what) {
  return std::system_error(errno, std::generic_category(), what);
}

/// `fd` moved above the standard descriptors (a node started with one of them closed hands
/// them out to pipes), close-on-exec.
fd_holder above_stdio(fd_holder fd) {
  if (fd.get() > 2)
    return fd;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0)
    throw sys_error("fcntl");
  return fd_holder{moved};
}

struct pipe_pair {
  fd_holder read;
  fd_holder write;
};

pipe_pair make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw sys_error("pipe2");
  pipe_pair p{fd_holder{fds[0]}, fd_holder{fds[1]}};
  p.read = above_stdio(std::move(p.read));
  p.write = above_stdio(std::move(p.write));
  return p;
}

void set_non_blocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw sys_error("fcntl");
}

/// `HERALD_PARAM_<NAME>`: upper case, anything but letters and digits as `_`.
std::string env_name(std::string_view prefix, std::string_view name) {
  std::string out{prefix};
  for (unsigned char c : name)
    out.push_back(std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_');
  return out;
}

/// The program's environment: the node's minus its own `HERALD_*` variables (its secrets),
/// the route's `env`, then what herald tells the program about its task.
std::vector<std::string> environment_of(const command_spec& spec, const std::string& route_id,
                                        const actors::task_run& run) {
  std::map<std::string, std::string, std::less<>> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry{*e};
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || entry.starts_with("HERALD_"))
      continue;
    vars.emplace(std::string{entry.substr(0, eq)}, std::string{entry.substr(eq + 1)});
  }
  for (const auto& [name, value] : spec.env)
    vars.insert_or_assign(name, value);
  auto put = [&](std::string name, std::string_view value) {
    // An environment string ends at NUL: a value holding one cannot be passed whole.
    if (value.find('\0') == std::string_view::npos)
      vars.insert_or_assign(std::move(name), std::string{value});
  };
  const auto& input = run.input();
  put("HERALD_TASK_ID", run.id());
  put("HERALD_ROUTE", route_id);
  if (input.user)
    put("HERALD_USER", *input.user);
  for (const auto& [name, value] : input.params)
    put(env_name("HERALD_PARAM_", name), value);
  if (auto target = boost::urls::parse_origin_form(input.target)) {
    // The first of repeated names counts, as for `task_context::query`.
    std::map<std::string, std::string> seen;
    for (auto param : target->params())
      seen.emplace(env_name("HERALD_QUERY_", param.key), param.has_value ? param.value : "");
    for (auto& [name, value] : seen)
      put(name, value);
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (auto& [name, value] : vars)
    out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// A route's limit as setrlimit takes it: `soft`, and a hard limit no higher than the node's
/// own (a process may not raise it). RLIMIT_CPU keeps one second above the soft limit, so the
/// program gets SIGXCPU (and a message saying so) before the kernel's SIGKILL.
void add_limit(spawn_plan& p, int resource, rlim_t soft, rlim_t headroom) {
  rlimit now{};
  ::getrlimit(resource, &now);
  rlimit want{soft, soft + headroom};
  if (now.rlim_max != RLIM_INFINITY) {
    want.rlim_max = std::min(want.rlim_max, now.rlim_max);
    want.rlim_cur = std::min(want.rlim_cur, now.rlim_max);
  }
  p.limits[p.limit_count++] = {resource, want};
}

std::string child_error(const std::string& program, const std::string& cwd, child_report r) {
  std::string why = std::strerror(r.error);
  switch (r.step) {
  case child_step::exec:
    return "cannot run " + program + ": " + why;
  case child_step::chdir:
    return "cannot run " + program + ": cannot change to directory " + cwd + ": " + why;
  case child_step::dup:
    return "cannot run " + program + ": cannot set up its standard streams: " + why;
  case child_step::rlimit:
    return "cannot run " + program + ": cannot set its resource limits: " + why;
  case child_step::pdeathsig:
    return "cannot run " + program + ": prctl(PR_SET_PDEATHSIG): " + why;
  }
  return "cannot run " + program + ": " + why;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string{"SIG"} + abbrev : "an unknown signal";
}

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

/// The request body as the program's stdin: the bytes as received (command routes take any
/// body), none for no body.
std::string stdin_bytes(const json::value& body) {
  if (body.is_null())
    return {};
  if (body.is_string())
    return std::string{body.as_string()};
  return json::serialize(body);
}

} // namespace

std::optional<std::string> find_program(std::string_view name) {
  auto runnable = [](const std::filesystem::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty())
    return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    std::error_code ec;
    auto p = std::filesystem::absolute(std::filesystem::path{name}, ec).lexically_normal();
    if (ec || !runnable(p))
      return std::nullopt;
    return p.string();
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    // An empty entry is the current directory.
    auto p = std::filesystem::path{dir.empty() ? "." : dir} / std::string{name};
    if (runnable(p)) {
      std::error_code ec;
      auto abs = std::filesystem::absolute(p, ec).lexically_normal();
      if (!ec)
        return abs.string();
    }
    if (colon == std::string_view::npos)
      return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

// -- the runner -------------------------------------------------------------------------------

class command_child;

/// What the runner and its children share.
struct runner_state {
  explicit runner_state(asio::io_context& c) : ioc(c) {}

  asio::io_context& ioc;
  mutable std::mutex m;
  std::condition_variable changed;
  /// Children spawned and not yet finished (their task not yet told), by pid.
  std::map<pid_t, std::shared_ptr<command_child>> live;
  bool stopping = false;
};

struct command_runner::impl : runner_state {
  using runner_state::runner_state;
};

/// One running program: its pipes, its pidfd and its timers on one strand of the I/O threads.
class command_child : public std::enable_shared_from_this<command_child> {
 public:
  command_child(std::shared_ptr<runner_state> runner, std::shared_ptr<const command_spec> spec,
                std::string route_id, std::shared_ptr<actors::task_run> run)
      : runner_(std::move(runner)), spec_(std::move(spec)), route_id_(std::move(route_id)),
        run_(std::move(run)), strand_(asio::make_strand(runner_->ioc)), out_(strand_),
        err_(strand_), in_(strand_), exit_(strand_), kill_timer_(strand_), drain_timer_(strand_),
        pace_timer_(strand_), protocol_(spec_->max_output_bytes) {}

  /// Spawns the program (on the strand), or fails the task.
  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->spawn(); });
  }

  /// SIGKILL to the whole group, from any thread; only while the leader is unreaped (so the
  /// group id cannot belong to anyone else). Called under the runner's lock.
  void kill_group_locked() {
    if (pid_ > 0 && !reaped_)
      ::kill(-pid_, SIGKILL);
  }

  /// Reaps the leader when it has exited; under the runner's lock. True when reaped (now or
  /// before).
  bool reap_locked() {
    if (reaped_)
      return true;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0)
      return false;
    reaped_ = true;
    status_ = r == pid_ ? std::optional<int>{status} : std::nullopt;
    return true;
  }

 private:
  void spawn();
  void launch();
  void read_stdout();
  void read_stdout_when_room();
  void read_stderr();
  void write_stdin();
  void wait_exit();
  void on_exit();
  void cancel();
  void maybe_finish();
  void finish(task_outcome out);
  bool apply(const command_directive& d);

  std::shared_ptr<runner_state> runner_;
  std::shared_ptr<const command_spec> spec_;
  std::string route_id_;
  std::shared_ptr<actors::task_run> run_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::posix::stream_descriptor out_;
  asio::posix::stream_descriptor err_;
  asio::posix::stream_descriptor in_;
  asio::posix::stream_descriptor exit_;
  asio::steady_timer kill_timer_;
  asio::steady_timer drain_timer_;
  asio::steady_timer pace_timer_;
  command_protocol protocol_;
  std::string body_;
  std::array<char, 16 * 1024> out_buf_{};
  std::array<char, 4 * 1024> err_buf_{};
  pid_t pid_ = -1;
  // Guarded by the runner's lock (kill_all reads them from another thread).
  bool reaped_ = false;
  std::optional<int> status_;
  // The strand's own.
  bool out_done_ = false;
  bool err_done_ = false;
  bool exited_ = false;
  bool cancelled_ = false;
  bool done_ = false;
};

void command_child::spawn() {
  if (run_->context().cancelled()) { // cancelled before it ever ran
    finish(task_outcome{task_state::failed, std::nullopt, "cancelled before it started",
                        actors::task_clock::now()});
    return;
  }
  try {
    launch();
  } catch (const std::exception& e) {
    finish(task_outcome{task_state::failed, std::nullopt,
                        "cannot run " + spec_->program + ": " + e.what(),
                        actors::task_clock::now()});
  }
}

void command_child::launch() {
  // Everything the child needs is built here, before vfork.
  std::vector<std::string> argv_strings = spec_->argv;
  if (argv_strings.empty())
    argv_strings.push_back(spec_->program);
  auto argv = pointers(argv_strings);
  auto env_strings = environment_of(*spec_, route_id_, *run_);
  auto envp = pointers(env_strings);
  body_ = spec_->stdin_body ? stdin_bytes(run_->input().body) : std::string{};

  auto out = make_pipe();
  auto err = make_pipe();
  auto report = make_pipe();
  pipe_pair in;
  if (spec_->stdin_body) {
    in = make_pipe();
  } else {
    in.read = fd_holder{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    if (in.read.get() < 0)
      throw sys_error("open /dev/null");
    in.read = above_stdio(std::move(in.read));
  }

  // Only the node's ends: the program's stay blocking, as programs expect.
  set_non_blocking(out.read.get());
  set_non_blocking(err.read.get());
  if (spec_->stdin_body)
    set_non_blocking(in.write.get());

  spawn_plan plan;
  plan.program = spec_->program.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd = spec_->cwd.empty() ? nullptr : spec_->cwd.c_str();
  plan.stdin_fd = in.read.get();
  plan.stdout_fd = out.write.get();
  plan.stderr_fd = err.write.get();
  plan.report_fd = report.write.get();
  plan.parent = ::getpid();
  if (spec_->cpu_seconds)
    add_limit(plan, RLIMIT_CPU, *spec_->cpu_seconds, 1);
  if (spec_->memory_mb)
    add_limit(plan, RLIMIT_AS, *spec_->memory_mb * 1024 * 1024, 0);
  if (spec_->open_files)
    add_limit(plan, RLIMIT_NOFILE, *spec_->open_files, 0);

  // No handler of the node may run in the child before it resets them: every signal is
  // blocked across vfork (the child unblocks them once they are back to their defaults).
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = vfork_exec(plan);
  int vfork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    errno = vfork_errno;
    throw sys_error("vfork");
  }
  // vfork returns once the child has exec'd or exited: the report pipe holds its error, or
  // is at EOF (the exec closed its end).
  report.write.reset();
  in.read.reset();
  out.write.reset();
  err.write.reset();
  child_report r{};
  ssize_t n;
  do
    n = ::read(report.read.get(), &r, sizeof r);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof r)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    finish(task_outcome{task_state::failed, std::nullopt,
                        child_error(spec_->program, spec_->cwd, r), actors::task_clock::now()});
    return;
  }
  pid_ = pid;
  int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    int e = errno;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    errno = e;
    throw sys_error("pidfd_open");
  }
  try {
    exit_.assign(pidfd);
    out_.assign(out.read.release());
    err_.assign(err.read.release());
    if (spec_->stdin_body)
      in_.assign(in.write.release());
  } catch (...) {
    // The reactor refused them: this child cannot be driven; it must not be left behind.
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw;
  }
  // From here on the child is in the table, and its exit ends the task.
  {
    std::lock_guard guard{runner_->m};
    runner_->live.emplace(pid, shared_from_this());
    // kill_all already ran: this child must not outlive the node either.
    if (runner_->stopping)
      ::kill(-pid, SIGKILL);
  }
  run_->on_cancel([weak = weak_from_this(), strand = strand_] {
    asio::post(strand, [weak] {
      if (auto self = weak.lock())
        self->cancel();
    });
  });
  read_stdout();
  read_stderr();
  write_stdin();
  wait_exit();
}

bool command_child::apply(const command_directive& d) {
  auto& ctx = run_->context();
  try {
    if (auto* p = std::get_if<directive::progress>(&d)) {
      ctx.set_progress(p->value);
    } else if (auto* r = std::get_if<directive::progress_range>(&d)) {
      ctx.progress_range(r->start, r->end, r->steps);
    } else if (std::holds_alternative<directive::tick>(d)) {
      ctx.progress_tick();
    } else if (auto* o = std::get_if<directive::progress_over>(&d)) {
      auto ms = [](double s) {
        return std::chrono::milliseconds{static_cast<std::int64_t>(std::min(s, 1e9) * 1000)};
      };
      ctx.progress_over(ms(o->seconds), std::max(ms(o->interval), std::chrono::milliseconds{1}));
    } else if (auto* e = std::get_if<directive::event>(&d)) {
      ctx.send_event(e->data, e->type);
    }
    return true;
  } catch (const std::exception&) {
    return false; // refused (a reversed range, say): the line is output
  }
}

void command_child::read_stdout() {
  out_.async_read_some(asio::buffer(out_buf_),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                         auto sink = [&](const command_directive& d) {
                           return self->apply(d);
                         };
                         if (n > 0 && !self->done_)
                           self->protocol_.feed_stdout({self->out_buf_.data(), n}, sink);
                         if (!ec) {
                           self->read_stdout_when_room();
                           return;
                         }
                         if (!self->out_done_) {
                           self->out_done_ = true;
                           if (!self->done_)
                             self->protocol_.end_stdout(sink);
                         }
                         self->maybe_finish();
                       });
}

void command_child::read_stdout_when_room() {
  // A program printing `::event` lines faster than the registry takes them is slowed by its
  // own pipe: stdout is not read while the task's events are at their bound.
  if (done_ || !run_->context().event_backlog_full()) {
    read_stdout();
    return;
  }
  pace_timer_.expires_after(std::chrono::milliseconds{5});
  pace_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec)
      return;
    self->read_stdout_when_room();
  });
}

void command_child::read_stderr() {
  err_.async_read_some(asio::buffer(err_buf_),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                         if (n > 0)
                           self->protocol_.feed_stderr({self->err_buf_.data(), n});
                         if (!ec) {
                           self->read_stderr();
                           return;
                         }
                         self->err_done_ = true;
                         self->maybe_finish();
                       });
}

void command_child::write_stdin() {
  if (!in_.is_open())
    return;
  if (body_.empty()) {
    boost::system::error_code ignored;
    in_.close(ignored); // EOF at once
    return;
  }
  // A program that never reads its stdin leaves this pending: the exit closes it.
  asio::async_write(in_, asio::buffer(body_),
                    [self = shared_from_this()](boost::system::error_code, std::size_t) {
                      boost::system::error_code ignored;
                      self->in_.close(ignored);
                      std::string{}.swap(self->body_);
                    });
}

void command_child::wait_exit() {
  exit_.async_wait(asio::posix::descriptor_base::wait_read,
                   [self = shared_from_this()](boost::system::error_code ec) {
                     if (ec == asio::error::operation_aborted)
                       return;
                     self->on_exit();
                   });
}

void command_child::on_exit() {
  {
    std::lock_guard guard{runner_->m};
    // Exited, not reaped yet: the group id is still ours. Grandchildren that kept stdout open
    // must not hold the task.
    siginfo_t info{};
    if (!reaped_ &&
        ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == 0) {
      wait_exit(); // woken before the exit is visible: wait again
      return;
    }
    kill_group_locked();
    reap_locked();
  }
  exited_ = true;
  boost::system::error_code ignored;
  exit_.close(ignored);
  kill_timer_.cancel();
  in_.close(ignored);
  // A process that left the group may still hold the pipes: bounded.
  drain_timer_.expires_after(drain_bound);
  drain_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec)
      return;
    boost::system::error_code ignored;
    self->out_.close(ignored);
    self->err_.close(ignored);
  });
  maybe_finish();
}

void command_child::cancel() {
  if (exited_ || done_ || cancelled_)
    return;
  cancelled_ = true;
  {
    std::lock_guard guard{runner_->m};
    if (!reaped_)
      ::kill(-pid_, SIGTERM);
  }
  kill_timer_.expires_after(spec_->kill_grace);
  kill_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->exited_)
      return;
    std::lock_guard guard{self->runner_->m};
    self->kill_group_locked();
  });
}

void command_child::maybe_finish() {
  if (done_ || !exited_ || !out_done_ || !err_done_)
    return;
  drain_timer_.cancel();
  std::optional<int> status;
  {
    std::lock_guard guard{runner_->m};
    status = status_;
  }
  task_outcome out{task_state::failed, std::nullopt, std::nullopt, actors::task_clock::now()};
  auto tail = protocol_.stderr_tail();
  auto with_tail = [&](std::string head) {
    return tail.empty() ? head : head + ": " + tail;
  };
  if (!status) {
    out.error = with_tail("exit status unknown (the program was reaped elsewhere)");
  } else if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
    auto r = protocol_.result();
    if (r.result) {
      out.state = task_state::completed;
      out.result = std::move(*r.result);
    } else {
      out.error = std::move(r.error);
    }
  } else if (WIFEXITED(*status)) {
    out.error = with_tail("exit code " + std::to_string(WEXITSTATUS(*status)));
  } else if (WIFSIGNALED(*status)) {
    int sig = WTERMSIG(*status);
    out.error =
        with_tail("killed by signal " + std::to_string(sig) + " (" + signal_name(sig) + ")");
  } else {
    out.error = with_tail("ended with status " + std::to_string(*status));
  }
  finish(std::move(out));
}

void command_child::finish(task_outcome out) {
  if (done_)
    return;
  done_ = true;
  boost::system::error_code ignored;
  out_.close(ignored);
  err_.close(ignored);
  in_.close(ignored);
  exit_.close(ignored);
  kill_timer_.cancel();
  drain_timer_.cancel();
  pace_timer_.cancel();
  // After a cancel the task is already Aborted: the outcome is dropped, the slot freed.
  auto run = std::move(run_);
  run->finish(std::move(out));
  run.reset();
  std::lock_guard guard{runner_->m};
  if (pid_ > 0)
    runner_->live.erase(pid_);
  runner_->changed.notify_all();
}

command_runner::command_runner(asio::io_context& ioc) : impl_(std::make_shared<impl>(ioc)) {}

command_runner::~command_runner() = default;

actors::task_starter command_runner::starter(std::shared_ptr<const command_spec> spec,
                                             std::string route_id) {
  return [runner = impl_, spec = std::move(spec),
          route_id = std::move(route_id)](std::shared_ptr<actors::task_run> run) {
    std::make_shared<command_child>(runner, spec, route_id, std::move(run))->start();
  };
}

void command_runner::kill_all(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock guard{impl_->m};
  impl_->stopping = true;
  for (auto& [pid, child] : impl_->live)
    child->kill_group_locked();
  // The I/O threads reap them and end their tasks.
  if (impl_->changed.wait_until(guard, deadline, [&] { return impl_->live.empty(); }))
    return;
  // They did not in time (the I/O threads are stuck, or stopped): reap here, so that no
  // zombie is left.
  std::size_t left = 0;
  for (auto& [pid, child] : impl_->live)
    if (!child->reap_locked())
      ++left;
  if (left > 0)
    log::error(left, " command(s) still running after SIGKILL and ", wait.count(), " ms");
}

std::size_t command_runner::running() const {
  std::lock_guard guard{impl_->m};
  return impl_->live.size();
}

} // namespace herald::app
