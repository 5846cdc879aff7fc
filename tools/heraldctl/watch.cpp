#include "tools/heraldctl/watch.hpp"

#include "tools/heraldctl/admin_client.hpp"
#include "tools/heraldctl/answers.hpp"
#include "tools/heraldctl/event_reader.hpp"
#include "tools/heraldctl/exit_code.hpp"
#include "tools/heraldctl/screen.hpp"
#include "tools/heraldctl/watch_model.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/value.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <sys/ioctl.h>
#include <unistd.h>
#include <unordered_set>

namespace herald::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

/// Redraws at most this often on a terminal (events may come much faster).
constexpr auto frame_interval = 100ms;
/// Without a group, how often every task is asked for.
constexpr auto poll_interval = 500ms;

void write_out(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

struct terminal_size {
  std::size_t columns = 80;
  std::size_t rows = 24;
};

terminal_size size_of_stdout() {
  terminal_size s;
  winsize w{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0) {
    if (w.ws_col > 0)
      s.columns = w.ws_col;
    if (w.ws_row > 0)
      s.rows = w.ws_row;
  }
  return s;
}

class watcher {
 public:
  explicit watcher(const options& opts)
      : opts_(opts), client_(opts), signals_(ioc_, SIGINT, SIGTERM), frame_timer_(ioc_),
        poll_timer_(ioc_), stop_timer_(ioc_), resolver_(ioc_), stream_(ioc_) {
    mode_ = opts.json ? output::json : isatty(STDOUT_FILENO) ? output::terminal : output::plain;
    if (mode_ == output::terminal)
      screen_.emplace(write_out);
  }

  int run() {
    signals_.async_wait([this](beast::error_code ec, int) {
      if (!ec)
        finish();
    });
    if (opts_.run_for) {
      stop_timer_.expires_after(*opts_.run_for);
      stop_timer_.async_wait([this](beast::error_code ec) {
        if (!ec)
          finish();
      });
    }
    if (opts_.argument.empty())
      poll();
    else
      open_stream();
    schedule_frame();
    ioc_.run();
    if (failure_)
      std::rethrow_exception(failure_);
    return 0;
  }

 private:
  enum class output { terminal, plain, json };

  std::string title() const {
    return opts_.argument.empty() ? std::string{"all tasks"} : "group " + opts_.argument;
  }

  /// Ends the watch: the last frame stays on screen, the cursor comes back.
  void finish() {
    if (screen_) {
      draw();
      screen_->close();
    }
    ioc_.stop();
  }

  /// Ends the watch with an error (rethrown by `run`).
  void fail(std::exception_ptr e) {
    failure_ = e;
    if (screen_)
      screen_->close();
    ioc_.stop();
  }

  // -- output ------------------------------------------------------------------------------

  void changed(const task_row* row) {
    if (row == nullptr)
      return;
    if (mode_ == output::plain)
      write_out(model_.line(*row) + '\n');
    else if (mode_ == output::json)
      write_out(watch_model::json_line(*row) + '\n');
  }

  void draw() {
    auto size = size_of_stdout();
    // One column short of the edge: a line that fills the last column makes some terminals
    // wrap, and the cursor-up count would no longer match.
    screen_->draw(model_.frame(title(), size.columns - 1, size.rows));
  }

  /// Ten times a second: drop rows that finished a while ago and redraw.
  void schedule_frame() {
    frame_timer_.expires_after(frame_interval);
    frame_timer_.async_wait([this](beast::error_code ec) {
      if (ec)
        return;
      model_.expire(watch_model::clock::now());
      if (screen_)
        draw();
      schedule_frame();
    });
  }

  // -- without a group: polling --------------------------------------------------------------

  void poll() {
    try {
      subject about{subject::listing, "", "/admin/tasks", !opts_.key.empty()};
      auto tasks = read_answer(client_.get(about.target), about);
      if (!tasks.is_array())
        throw ctl_error(exit_code::unexpected, "the node's answer is not a list of tasks");
      auto now = watch_model::clock::now();
      std::unordered_set<std::string> present;
      for (const auto& t : tasks.as_array()) {
        // Tasks that had ended before the watch began are history, not news.
        changed(model_.apply_task(t, now, polled_));
        if (const auto* id = t.is_object() ? t.as_object().if_contains("Id") : nullptr;
            id && id->is_string())
          present.emplace(id->as_string());
      }
      model_.keep_retired_only(present);
      polled_ = true;
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    poll_timer_.expires_after(poll_interval);
    poll_timer_.async_wait([this](beast::error_code ec) {
      if (!ec)
        poll();
    });
  }

  // -- with a group: its event stream --------------------------------------------------------

  [[noreturn]] void unreachable(const beast::error_code& ec) {
    if (ec == beast::error::timeout)
      throw ctl_error(exit_code::unreachable, "cannot reach the node at " + opts_.url +
                                                  ": no answer within " +
                                                  seconds_text(opts_.timeout));
    throw ctl_error(exit_code::unreachable,
                    "cannot reach the node at " + opts_.url + ": " + ec.message());
  }

  /// Runs `step`, turning what it throws into the end of the watch.
  template <class F> void guarded(F&& step) {
    try {
      step();
    } catch (...) {
      fail(std::current_exception());
    }
  }

  void open_stream() {
    request_.method(http::verb::get);
    request_.target(opts_.node.prefix + "/admin/groups/" + path_segment(opts_.argument) +
                    "/events");
    request_.version(11);
    request_.set(http::field::host, opts_.node.host + ":" + std::to_string(opts_.node.port));
    request_.set(http::field::user_agent, "heraldctl");
    request_.set(http::field::accept, "text/event-stream");
    if (!opts_.key.empty())
      request_.set("X-API-Key", opts_.key);

    // Resolving has no timer of its own: the stop timer below bounds it.
    stop_timer_for_open();
    resolver_.async_resolve(
        opts_.node.host, std::to_string(opts_.node.port),
        [this](beast::error_code ec, tcp::resolver::results_type results) {
          guarded([&] {
            if (ec)
              unreachable(ec);
            stream_.expires_after(opts_.timeout);
            stream_.async_connect(results, [this](beast::error_code ec, const tcp::endpoint&) {
              guarded([&] {
                if (ec)
                  unreachable(ec);
                http::async_write(stream_, request_, [this](beast::error_code ec, std::size_t) {
                  guarded([&] {
                    if (ec)
                      unreachable(ec);
                    http::async_read_header(stream_, buffer_, head_,
                                            [this](beast::error_code ec, std::size_t) {
                                              guarded([&] { on_head(ec); });
                                            });
                  });
                });
              });
            });
          });
        });
  }

  /// A deadline for resolving the host, cancelled once the head arrives.
  void stop_timer_for_open() {
    open_timer_ = std::make_unique<asio::steady_timer>(ioc_, opts_.timeout);
    open_timer_->async_wait([this](beast::error_code ec) {
      if (!ec) {
        resolver_.cancel();
        guarded([&] { unreachable(beast::error::timeout); });
      }
    });
  }

  void on_head(beast::error_code ec) {
    if (ec)
      unreachable(ec);
    open_timer_->cancel();
    if (head_.get().result_int() != 200) {
      // Read the error body and let the one table explain it.
      error_body_.emplace(std::move(head_));
      http::async_read(stream_, buffer_, *error_body_, [this](beast::error_code ec, std::size_t) {
        guarded([&] {
          http_reply reply;
          reply.status = error_body_->get().result_int();
          if (!ec)
            reply.body = error_body_->get().body();
          subject about{subject::group, opts_.argument, std::string{request_.target()},
                        !opts_.key.empty()};
          read_answer(reply, about);
        });
      });
      return;
    }
    stream_.expires_never(); // the stream is open-ended; the node pings it when idle
    body_.emplace(std::move(head_));
    body_->body_limit(boost::none);
    seed();
    read_more();
  }

  /// The group's tasks already queued or running: the stream only tells what happens next.
  void seed() {
    auto now = watch_model::clock::now();
    for (std::string_view state : {"Running", "NotStarted"}) {
      subject about{subject::listing, "", "/admin/tasks?state=" + std::string{state},
                    !opts_.key.empty()};
      auto tasks = read_answer(client_.get(about.target), about);
      if (!tasks.is_array())
        continue;
      for (const auto& t : tasks.as_array()) {
        const auto* sse = t.is_object() ? t.as_object().if_contains("Sse") : nullptr;
        const auto* group =
            sse && sse->is_object() ? sse->as_object().if_contains("Group") : nullptr;
        if (group && group->is_string() && group->as_string() == opts_.argument)
          changed(model_.apply_task(t, now, false));
      }
    }
  }

  void read_more() {
    auto& body = body_->get().body();
    body.data = chunk_;
    body.size = sizeof chunk_;
    http::async_read_some(stream_, buffer_, *body_, [this](beast::error_code ec, std::size_t) {
      guarded([&] {
        if (ec == http::error::need_buffer)
          ec = {};
        std::size_t got = sizeof chunk_ - body_->get().body().size;
        auto now = watch_model::clock::now();
        for (const auto& e : events_.feed({chunk_, got}))
          changed(model_.apply_event(e.type, e.data, now));
        if (ec || body_->is_done())
          throw ctl_error(exit_code::unreachable,
                          "the node ended the event stream of group " + opts_.argument +
                              (ec && ec != http::error::end_of_stream ? " (" + ec.message() + ")"
                                                                      : std::string{}));
        read_more();
      });
    });
  }

  const options& opts_;
  admin_client client_;
  output mode_ = output::plain;
  watch_model model_;
  std::optional<screen> screen_;
  bool polled_ = false;
  std::exception_ptr failure_;

  asio::io_context ioc_;
  asio::signal_set signals_;
  asio::steady_timer frame_timer_;
  asio::steady_timer poll_timer_;
  asio::steady_timer stop_timer_;
  std::unique_ptr<asio::steady_timer> open_timer_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::empty_body> head_;
  std::optional<http::response_parser<http::buffer_body>> body_;
  std::optional<http::response_parser<http::string_body>> error_body_;
  char chunk_[16 * 1024];
  event_reader events_;
};

} // namespace

int run_watch(const options& opts) {
  watcher w{opts};
  return w.run();
}

} // namespace herald::ctl
