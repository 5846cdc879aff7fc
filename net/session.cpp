#include "net/session.hpp"

#include "net/client_limits.hpp"
#include "net/responses.hpp"
#include "net/session_registry.hpp"
#include "net/text.hpp"

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>

namespace herald::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::atomic<std::uint64_t> next_session_id{1};

/// After an error answer we read and discard at most this much before closing, so the peer
/// sees our answer instead of a reset caused by its own unread bytes.
constexpr std::size_t linger_bytes = 256 * 1024;
constexpr std::chrono::milliseconds linger_time{2'000};

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

/// One stream write carries at most this much (or this many pieces): large enough that a
/// backlog leaves in few system calls, small enough that one write cannot hold a stream up
/// for long.
constexpr std::size_t stream_write_bytes = 256 * 1024;
constexpr std::size_t stream_write_pieces = 256;

} // namespace

session::session(tcp::socket socket, const limits& lim)
    : socket_(std::move(socket)), limits_(lim),
      id_(next_session_id.fetch_add(1, std::memory_order_relaxed)), reader_(lim),
      timer_(socket_.get_executor()) {
  error_code ec;
  peer_ = socket_.remote_endpoint(ec);
  socket_.set_option(tcp::no_delay{true}, ec);
}

session::~session() {
  // A session dropped before it ever ran still leaves the registry (and its address's count).
  if (registry_ && !closed_)
    registry_->remove(id_);
  if (clients_ && !closed_)
    clients_->close(peer_.address());
}

void session::attach_registry(std::shared_ptr<session_registry> registry) {
  registry_ = std::move(registry);
  registry_->add(id_, weak_from_this());
}

void session::attach_client_limits(std::shared_ptr<client_limits> clients) {
  clients_ = std::move(clients);
}

void session::set_owner(std::shared_ptr<const connection_owner> owner) {
  if (registry_)
    registry_->set_owner(id_, std::move(owner));
}

session_info session::describe() const {
  session_info out;
  out.id = id_;
  out.peer = peer_;
  out.age = clock::now() - opened_;
  out.streaming = streaming_;
  out.requests = requests_;
  for (const auto& piece : stream_queue_)
    out.queued_bytes += piece.bytes->size();
  out.stream_written = stream_written_;
  return out;
}

// -- commands ---------------------------------------------------------------------------------

bool session::draining() const noexcept {
  return draining_ || (registry_ && registry_->draining());
}

void session::start(std::shared_ptr<session_observer> observer) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), obs = std::move(observer)] {
    self->observer_ = std::move(obs);
    self->do_read();
  });
}

void session::respond(response res) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), r = std::move(res)]() mutable {
    self->do_respond(std::move(r));
  });
}

void session::start_stream(stream_head h) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), h = std::move(h)]() mutable {
    self->do_start_stream(std::move(h));
  });
}

void session::push(shared_bytes bytes) {
  asio::dispatch(socket_.get_executor(),
                 [self = shared_from_this(), b = std::move(bytes)]() mutable {
                   self->queue_on_stream(std::move(b), true);
                 });
}

void session::end_stream() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    if (self->streaming_)
      self->end_stream_after(nullptr);
  });
}

void session::drain() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    if (self->streaming_) {
      self->end_stream_after(self->farewell_);
      return;
    }
    // Nothing of a next request has arrived: there is no exchange to finish.
    if (self->phase_ == phase::idle)
      self->do_close();
  });
}

void session::close() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

// -- reading ----------------------------------------------------------------------------------

void session::do_read() {
  if (closed_)
    return;
  if (draining_ && buffer_.size() == 0) {
    do_close();
    return;
  }
  reader_.reset();
  timed_out_ = false;
  if (buffer_.size() == 0)
    set_deadline(phase::idle, limits_.idle_timeout);
  else
    set_deadline(phase::header, limits_.header_timeout);
  parse_buffered();
}

// The session reads raw bytes and feeds them to the parser itself (rather than through
// Beast's composed read) so that it sees the first byte of a request, which starts the header
// timeout, and each step from header to body.
void session::parse_buffered() {
  if (buffer_.size() > 0) {
    error_code ec;
    buffer_.consume(reader_.feed(buffer_.data(), ec));
    if (!ec) {
      deliver();
      return;
    }
    if (ec != http::error::need_more) {
      answer_error(classify_read_error(ec).value_or(http_error::malformed_request));
      return;
    }
  }
  if (reader_.header_done()) {
    if (phase_ != phase::body) {
      set_deadline(phase::body, limits_.body_timeout);
      // The client waits for our go-ahead before it sends the body.
      auto expect = reader_.get()[http::field::expect];
      if (iequals(expect, "100-continue"))
        write_continue();
    }
  }
  // Read in steps; the reader refuses a header block over its limit long before the buffer
  // could grow much past it.
  auto space = buffer_.prepare(16 * 1024);
  socket_.async_read_some(
      space, [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void session::on_read(error_code ec, std::size_t bytes) {
  if (closed_)
    return;
  if (ec) {
    if (timed_out_) {
      answer_error(http_error::request_timeout);
      return;
    }
    if (ec == asio::error::eof && phase_ == phase::idle) {
      do_close(); // the peer closed between requests: the normal end of keep-alive
      return;
    }
    if (auto e = classify_read_error(ec)) {
      answer_error(*e);
      return;
    }
    do_close();
    return;
  }
  buffer_.commit(bytes);
  // The first bytes of a request: from now on the header timeout runs.
  if (phase_ == phase::idle)
    set_deadline(phase::header, limits_.header_timeout);
  parse_buffered();
}

void session::deliver() {
  phase_ = phase::handling;
  const auto& req = reader_.get();
  framing_ = {req.version(), req.keep_alive(), req.method() == verb::head};
  ++requests_;
  // Over its address's rate: answered here, on the I/O thread, before any actor sees it; the
  // connection stays (a browser's burst should not cost it its keep-alive).
  if (clients_ && clients_->limits_requests())
    if (auto wait = clients_->request(peer_.address(), clock::now())) {
      auto res = error_response(http_error::too_many_requests);
      res.set(http::field::retry_after, std::to_string(wait->count()));
      do_respond(std::move(res));
      return;
    }
  if (observer_)
    observer_->on_request(reader_.release());
}

// -- writing ----------------------------------------------------------------------------------

template <class Buffers, class Next> void session::write(const Buffers& bytes, Next next) {
  writing_ = true;
  asio::async_write(socket_, bytes, [self = shared_from_this(), next](error_code ec, std::size_t) {
    self->writing_ = false;
    if (self->closed_)
      return;
    if (ec) {
      self->do_close();
      return;
    }
    next(*self);
  });
}

void session::write_continue() {
  if (writing_)
    return;
  write(asio::buffer(continue_line.data(), continue_line.size()), [](session& self) {
    if (self.pending_) {
      auto res = std::move(*self.pending_);
      self.pending_.reset();
      self.do_respond(std::move(res));
    }
  });
}

void session::do_respond(response res) {
  if (closed_ || phase_ != phase::handling)
    return; // the connection closed meanwhile, or nobody asked: drop it
  if (writing_) {
    pending_ = std::move(res);
    return;
  }
  if (registry_)
    registry_->count_response(res.result_int());
  auto f = framing_;
  f.keep_alive = f.keep_alive && res.keep_alive() && !draining();
  out_.clear();
  serialize_response(res, f, out_);
  set_deadline(phase::writing, limits_.write_timeout);
  write(asio::buffer(out_), [keep_alive = f.keep_alive](session& self) {
    // A large body's buffer is not worth keeping for the next, small, response.
    if (self.out_.capacity() > 64 * 1024)
      std::string{}.swap(self.out_);
    if (!keep_alive || self.draining())
      self.linger();
    else
      self.do_read();
  });
}

void session::answer_error(http_error e) {
  if (writing_) {
    do_close();
    return;
  }
  auto res = error_response(e);
  if (registry_)
    registry_->count_response(res.result_int());
  out_.clear();
  serialize_response(res, framing{11, false, false}, out_);
  set_deadline(phase::writing, limits_.write_timeout);
  write(asio::buffer(out_), [](session& self) { self.linger(); });
}

// -- streaming --------------------------------------------------------------------------------

void session::do_start_stream(stream_head h) {
  if (closed_ || phase_ != phase::handling || writing_ || streaming_)
    return; // the connection closed meanwhile, or a response is already on its way
  if (registry_)
    registry_->count_response(h.head.result_int());
  auto head = std::make_shared<std::string>();
  serialize_stream_head(h.head, framing_.version, *head);
  if (framing_.head) {
    // HEAD: the fields alone, then the end of the connection.
    out_ = std::move(*head);
    set_deadline(phase::writing, limits_.write_timeout);
    write(asio::buffer(out_), [](session& self) { self.linger(); });
    return;
  }
  head->append(h.preface);
  streaming_ = true;
  farewell_ = std::move(h.farewell);
  heartbeat_ = std::move(h.heartbeat);
  heartbeat_interval_ = h.heartbeat_interval;
  // Stream writes are tried at once (write_stream): the socket must never block.
  error_code nb;
  socket_.non_blocking(true, nb);
  // A bounded kernel buffer: what a stalled subscriber can hold is this plus its lag bound.
  if (limits_.stream_send_buffer > 0)
    socket_.set_option(
        asio::socket_base::send_buffer_size{static_cast<int>(limits_.stream_send_buffer)}, nb);
  if (h.lifetime.count() > 0)
    stream_end_ = clock::now() + h.lifetime;
  farewell_at_end_ = h.farewell_at_end;
  // The request buffers are no longer needed (what the peer sends from now on is dropped):
  // an idle stream should cost as little memory as possible, there may be tens of thousands.
  buffer_ = boost::beast::flat_buffer{};
  std::string{}.swap(out_);
  reader_.reset();
  queue_on_stream(std::move(head), false);
  read_stream();
}

void session::queue_on_stream(shared_bytes bytes, bool counted) {
  if (closed_ || !streaming_ || !bytes || bytes->empty())
    return;
  if (stream_ending_ && counted)
    return; // nothing is added once the stream is closing
  stream_queue_.push_back(stream_piece{std::move(bytes), counted});
  if (!writing_)
    write_stream();
}

void session::write_stream() {
  while (!stream_queue_.empty()) {
    stream_in_flight_.clear();
    stream_buffers_.clear();
    std::size_t bytes = 0;
    std::size_t taken = 0;
    while (taken < stream_queue_.size() && taken < stream_write_pieces &&
           (bytes == 0 || bytes + stream_queue_[taken].bytes->size() <= stream_write_bytes)) {
      auto& piece = stream_queue_[taken++];
      bytes += piece.bytes->size();
      stream_buffers_.push_back(asio::buffer(*piece.bytes));
      stream_in_flight_.push_back(std::move(piece));
    }
    stream_queue_.erase(stream_queue_.begin(),
                        stream_queue_.begin() + static_cast<std::ptrdiff_t>(taken));
    // Most writes are taken whole by the socket at once (a fan-out writes one batch to many
    // streams): tried directly, they need no asynchronous operation, no allocation and no
    // completion handler. The socket is non-blocking, so a full one just says so.
    error_code ec;
    auto written = socket_.write_some(stream_buffers_, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      written = 0;
      ec = {};
    }
    if (ec) {
      do_close();
      return;
    }
    if (written == bytes) {
      stream_write_done();
      continue;
    }
    // The rest goes when the socket takes it, within the write timeout.
    std::vector<asio::const_buffer> rest;
    for (auto b : stream_buffers_) {
      if (written >= b.size()) {
        written -= b.size();
        continue;
      }
      rest.push_back(b + written);
      written = 0;
    }
    stream_buffers_ = std::move(rest);
    set_deadline(phase::streaming, limits_.write_timeout);
    write(stream_buffers_, [](session& self) {
      self.stream_write_done();
      self.write_stream();
    });
    return;
  }
  if (stream_ending_) {
    finish_stream();
    return;
  }
  // Idle: the next deadline is the heartbeat, or the end of the stream's lifetime.
  auto now = clock::now();
  auto next =
      heartbeat_interval_.count() > 0 ? now + heartbeat_interval_ : clock::time_point::max();
  next = std::min(next, stream_end_);
  if (next != clock::time_point::max())
    set_deadline(phase::streaming,
                 std::chrono::duration_cast<std::chrono::milliseconds>(next - now));
}

void session::stream_write_done() {
  std::uint64_t counted = 0;
  for (const auto& piece : stream_in_flight_)
    if (piece.counted)
      counted += piece.bytes->size();
  stream_in_flight_.clear();
  // After a burst, give back what an idle stream does not need.
  if (stream_buffers_.capacity() > 16 && stream_queue_.empty()) {
    std::vector<stream_piece>{}.swap(stream_in_flight_);
    std::vector<boost::asio::const_buffer>{}.swap(stream_buffers_);
    std::vector<stream_piece>{}.swap(stream_queue_);
  }
  if (counted > 0) {
    stream_written_ += counted;
    if (observer_)
      observer_->on_stream_written(stream_written_);
  }
}

void session::read_stream() {
  // Only to notice the peer leaving: what it sends is dropped, read into a few bytes of the
  // session itself.
  socket_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                            if (self->closed_)
                              return;
                            if (ec) {
                              self->do_close();
                              return;
                            }
                            self->read_stream();
                          });
}

void session::end_stream_after(shared_bytes last) {
  if (stream_ending_)
    return;
  queue_on_stream(std::move(last), false); // nothing when null
  stream_ending_ = true;
  if (!writing_)
    finish_stream(); // else the write in flight finishes it
}

void session::finish_stream() {
  // Everything is written: half-close, so that the peer sees the end of the body; the read
  // still in flight sees the peer close in turn (or the linger deadline closes).
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  set_deadline(phase::lingering, linger_time);
}

// -- closing ----------------------------------------------------------------------------------

void session::linger() {
  // Half-close, then read until the peer closes too (or a bound hits), so that our last
  // answer is not destroyed by a reset. The deadline is set once, here: were each read to
  // move it, a peer sending a byte a second would hold the connection until `linger_bytes`,
  // days after its 408.
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  set_deadline(phase::lingering, linger_time);
  buffer_.clear();
  drop_until_closed();
}

void session::drop_until_closed() {
  auto space = buffer_.prepare(16 * 1024);
  socket_.async_read_some(space, [self = shared_from_this()](error_code ec, std::size_t n) {
    if (self->closed_)
      return;
    self->lingered_bytes_ += n;
    if (ec || self->lingered_bytes_ > linger_bytes) {
      self->do_close();
      return;
    }
    self->buffer_.clear();
    self->drop_until_closed();
  });
}

void session::do_close() {
  if (closed_)
    return;
  closed_ = true;
  phase_ = phase::handling;
  stream_queue_.clear();
  error_code ignored;
  timer_.cancel();
  socket_.close(ignored);
  if (registry_)
    registry_->remove(id_);
  if (clients_)
    clients_->close(peer_.address());
  if (auto obs = std::move(observer_))
    obs->on_closed();
}

// -- deadlines --------------------------------------------------------------------------------
//
// One timer per session, re-armed lazily: moving the deadline later (the common case, once
// per request) only stores a time point; the timer re-checks when it fires. This keeps timer
// queue operations off the per-request path.

void session::set_deadline(phase p, std::chrono::milliseconds after) {
  phase_ = p;
  deadline_ = clock::now() + after;
  arm_timer();
}

void session::arm_timer() {
  if (timer_armed_ && timer_expiry_ <= deadline_)
    return; // fires before the deadline and will re-check
  timer_expiry_ = deadline_;
  timer_armed_ = true;
  timer_.expires_at(timer_expiry_);
  timer_.async_wait([self = shared_from_this(), gen = ++timer_generation_](error_code ec) {
    self->on_timer(gen, ec);
  });
}

void session::on_timer(std::uint64_t generation, error_code) {
  if (generation != timer_generation_)
    return; // re-armed since: a newer wait is pending
  timer_armed_ = false;
  if (closed_ || phase_ == phase::handling)
    return;
  if (clock::now() < deadline_) {
    arm_timer();
    return;
  }
  on_deadline();
}

void session::on_deadline() {
  switch (phase_) {
  case phase::header:
  case phase::body:
    // Cancel the read; its handler answers 408.
    timed_out_ = true;
    {
      error_code ignored;
      socket_.cancel(ignored);
    }
    break;
  case phase::streaming:
    if (writing_) {
      do_close(); // the peer stopped reading
      break;
    }
    if (clock::now() >= stream_end_) {
      if (farewell_at_end_) {
        end_stream_after(farewell_);
        break;
      }
      stream_ending_ = true;
      finish_stream();
      break;
    }
    queue_on_stream(heartbeat_, false);
    break;
  case phase::idle:
  case phase::writing:
  case phase::lingering:
  case phase::handling:
    do_close();
    break;
  }
}

} // namespace herald::net
