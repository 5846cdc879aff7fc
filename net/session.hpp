#pragma once

#include "net/http.hpp"
#include "net/http_error.hpp"
#include "net/limits.hpp"
#include "net/request_parser.hpp"
#include "net/stream.hpp"
#include "net/wire.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace herald::net {

class connection_owner;
class session_registry;
class client_limits;

/// What a session reports to its owner (the connection actor). Called on the session's strand;
/// implementations forward the event as a message and return at once.
class session_observer {
 public:
  virtual ~session_observer() = default;
  /// A whole request arrived. The session reads nothing more until `session::respond`.
  virtual void on_request(request&& req) = 0;
  /// The connection is gone: the peer left, a limit or timeout hit, or `close` was called.
  /// Called exactly once, and nothing is called after it.
  virtual void on_closed() = 0;
  /// A write of a stream finished: `total` bytes pushed with `session::push` have now gone to
  /// the kernel since the stream started. Called once per write, not per push.
  virtual void on_stream_written(std::uint64_t total) { (void)total; }
};

/// What a session says of itself, for inspection (the admin API).
struct session_info {
  std::uint64_t id = 0;
  boost::asio::ip::tcp::endpoint peer;
  std::chrono::steady_clock::duration age{};
  bool streaming = false;
  /// Requests read so far.
  std::uint64_t requests = 0;
  /// Stream bytes queued and not yet taken by the kernel.
  std::uint64_t queued_bytes = 0;
  /// Pushed stream bytes the kernel has taken.
  std::uint64_t stream_written = 0;
};

/// One HTTP/1.1 connection: the only code that touches its socket. Every member runs on the
/// socket's strand; the public commands may be called from any thread and are dispatched
/// there. At most one read and one write are in flight. Protocol errors the session can judge
/// alone (malformed request, oversize header or body, slow client) are answered here, then the
/// connection closes; everything else goes to the observer.
class session : public std::enable_shared_from_this<session> {
 public:
  using tcp = boost::asio::ip::tcp;

  session(tcp::socket socket, const limits& lim);
  ~session();

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // -- commands (any thread) ------------------------------------------------------------------

  /// Starts reading requests and reporting them to `observer`.
  void start(std::shared_ptr<session_observer> observer);

  /// Writes the answer to the request last reported; then reads the next one, or closes when
  /// `res` is not keep-alive or the node is draining.
  void respond(response res);

  /// Answers the request last reported with an endless body (see stream.hpp): the head, then
  /// the preface; from then on the session writes what `push` queues, in gather writes, a
  /// heartbeat when nothing else went out for a while and the farewell when the node drains.
  /// It reads no more requests: the peer's bytes are read and dropped, so that its leaving is
  /// noticed. A write that does not finish within `write_timeout` closes the connection. A
  /// HEAD request gets the head alone, then the connection closes.
  void start_stream(stream_head h);

  /// Queues `bytes` on the stream (ignored when no stream is open).
  void push(shared_bytes bytes);

  /// Writes what is queued on the stream, then closes.
  void end_stream();

  /// Finishes the exchange in progress, if any, then closes; closes an idle connection now.
  /// A stream gets its farewell, then closes.
  void drain();

  /// Closes the socket now; in-flight operations are abandoned.
  void close();

  /// Runs `f` on this session's strand: the place to run code that must not race with it.
  template <class F> void post(F&& f) {
    boost::asio::post(socket_.get_executor(), std::forward<F>(f));
  }

  /// Counts this session in `registry` until it closes (called by the listener).
  void attach_registry(std::shared_ptr<session_registry> registry);

  /// The bounds of its client's address: the connection was counted by the listener (when
  /// they bound connections) and is uncounted when it closes; each request takes a token
  /// (when they bound the rate), and one that finds none is answered 429 with `Retry-After`,
  /// the connection kept.
  void attach_client_limits(std::shared_ptr<client_limits> clients);

  /// Records the session's owner in its registry (see `session_registry::owners`).
  void set_owner(std::shared_ptr<const connection_owner> owner);

  /// The session's state now. Call on the session's strand only.
  session_info describe() const;

  // -- properties -----------------------------------------------------------------------------

  const tcp::endpoint& peer() const noexcept { return peer_; }
  /// The socket's executor (the session's strand on the node's I/O context).
  tcp::socket::executor_type executor() noexcept { return socket_.get_executor(); }
  std::uint64_t id() const noexcept { return id_; }

 private:
  /// What the connection is waiting for; each phase has its own deadline.
  enum class phase : std::uint8_t {
    idle,      ///< keep-alive, no byte of the next request yet: close quietly on timeout
    header,    ///< inside a header block: 408 on timeout
    body,      ///< inside a body: 408 on timeout
    handling,  ///< the observer has the request: no deadline
    writing,   ///< our response is going out: close on timeout
    streaming, ///< an endless response: close if a write stalls, heartbeat when idle
    lingering  ///< after an error answer, draining the peer's bytes before closing
  };

  using clock = std::chrono::steady_clock;

  void do_read();
  void parse_buffered();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void deliver();
  void do_respond(response res);
  /// Writes `bytes` (a buffer sequence that must outlive the write), then runs `next(*this)`
  /// unless the write failed or the session closed meanwhile.
  template <class Buffers, class Next> void write(const Buffers& bytes, Next next);
  void write_continue();
  void answer_error(http_error e);
  void do_start_stream(stream_head h);
  void queue_on_stream(shared_bytes bytes, bool counted);
  void write_stream();
  /// A stream write finished: reports the pushed bytes written so far.
  void stream_write_done();
  void read_stream();
  /// Queues `last` (if any), then ends the stream once everything queued is written.
  void end_stream_after(shared_bytes last);
  void finish_stream();
  void linger();
  /// Reads and drops what the peer sends until it closes or `linger_bytes` have come.
  void drop_until_closed();
  void do_close();
  /// True once this session or its whole listener is draining.
  bool draining() const noexcept;

  void set_deadline(phase p, std::chrono::milliseconds after);
  void arm_timer();
  void on_timer(std::uint64_t generation, boost::system::error_code ec);
  void on_deadline();

  tcp::socket socket_;
  const limits& limits_;
  std::shared_ptr<session_registry> registry_;
  std::shared_ptr<client_limits> clients_;
  std::shared_ptr<session_observer> observer_;
  tcp::endpoint peer_;
  std::uint64_t id_;
  std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  std::uint64_t requests_ = 0;

  boost::beast::flat_buffer buffer_;
  request_reader reader_;
  /// The bytes of the response being written; keeps its capacity between responses.
  std::string out_;
  /// How to frame the answer to the request being handled.
  framing framing_;
  /// A response that arrived while the interim `100 Continue` was still being written.
  std::optional<response> pending_;

  boost::asio::steady_timer timer_;
  clock::time_point deadline_{};
  clock::time_point timer_expiry_{};
  std::uint64_t timer_generation_ = 0;
  phase phase_ = phase::idle;
  bool timer_armed_ = false;
  bool timed_out_ = false;
  bool writing_ = false;
  bool draining_ = false;
  bool closed_ = false;
  std::size_t lingered_bytes_ = 0;

  /// A piece of a stream: `counted` pieces were pushed (and are reported as written), the
  /// others are the session's own (head, heartbeat, farewell).
  struct stream_piece {
    shared_bytes bytes;
    bool counted = false;
  };
  /// (A vector, not a deque: libstdc++'s deque allocates half a KiB even when empty, and
  /// every session has one of these.)
  std::vector<stream_piece> stream_queue_;
  /// The pieces of the write in flight (kept alive until it completes) and their buffers.
  std::vector<stream_piece> stream_in_flight_;
  std::vector<boost::asio::const_buffer> stream_buffers_;
  std::uint64_t stream_written_ = 0;
  shared_bytes farewell_;
  shared_bytes heartbeat_;
  std::chrono::milliseconds heartbeat_interval_{0};
  /// When the stream's lifetime ends (max when it has none).
  clock::time_point stream_end_ = clock::time_point::max();
  bool streaming_ = false;
  bool stream_ending_ = false;
  /// The farewell goes out when the lifetime ends (`stream_head::farewell_at_end`).
  bool farewell_at_end_ = false;
  /// Where a stream's peer's bytes are read to be dropped.
  std::array<char, 64> discard_{};
};

} // namespace herald::net
