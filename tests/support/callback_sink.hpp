#pragma once

// A webhook receiver for the callback tests: tests/support/callback_sink.py in a child process
// on 127.0.0.1, which records what it receives and checks each signature with Python's own
// hmac, independently of the node's code.

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace herald::test {

class callback_sink {
 public:
  /// Starts the sink; with `cert` and `key` it speaks HTTPS only. `secrets` are what it
  /// verifies signatures with (`whsec_<base64>` or raw). Throws when it does not start.
  explicit callback_sink(const std::vector<std::string>& secrets = {}, const std::string& cert = "",
                         const std::string& key = "");
  ~callback_sink();

  callback_sink(const callback_sink&) = delete;
  callback_sink& operator=(const callback_sink&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// `http://127.0.0.1:<port><path>`.
  std::string url(const std::string& path) const;

  /// The requests received so far (plain HTTP sinks only): `[{path, method, headers, body,
  /// signature_ok, at, nth, client_port}]`, in arrival order.
  boost::json::array requests() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

} // namespace herald::test
