#pragma once

#include "app/server.hpp"

#include <thread>

namespace herald::test {

/// A configuration for in-process nodes: a free port on 127.0.0.1, quiet log.
inline app::config quiet_config() {
  app::config cfg;
  cfg.port = 0;
  cfg.admin.port = 0;
  cfg.log_level = log::level::error;
  return cfg;
}

/// Starts `server` and waits for it on a thread; the destructor stops it and joins, whatever
/// the test's assertions did.
class in_process_node {
 public:
  explicit in_process_node(app::server& s) : server_(s) {
    server_.start();
    waiter_ = std::thread{[this] {
      server_.wait();
    }};
  }
  ~in_process_node() {
    server_.stop();
    if (waiter_.joinable())
      waiter_.join();
  }
  in_process_node(const in_process_node&) = delete;
  in_process_node& operator=(const in_process_node&) = delete;

  std::uint16_t port() const { return server_.port(); }

  /// Waits until the node has stopped (after `server.stop()` or a signal).
  void join() {
    if (waiter_.joinable())
      waiter_.join();
  }

 private:
  app::server& server_;
  std::thread waiter_;
};

} // namespace herald::test
