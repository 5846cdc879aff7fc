#include "actors/connection.hpp"

#include "net/log.hpp"
#include "net/service.hpp"
#include "net/session.hpp"

#include <boost/json/object.hpp>
#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/all.hpp>
#include <caf/scoped_execution_unit.hpp>

namespace herald::actors {

namespace {

/// The session's side of the link: turns session events into messages to the actor.
class observer final : public net::session_observer {
 public:
  explicit observer(connection_actor self) : self_(std::move(self)) {}

  void on_request(net::request&& req) override { caf::anon_send(self_, std::move(req)); }

  void on_closed() override {
    caf::anon_send(self_, closed_atom::value);
    self_ = nullptr; // the session lets go of the actor
  }

  /// Acknowledges each finished write of the stream to its group: a store, and a message
  /// only when the group waits for this subscriber to catch up.
  void on_stream_written(std::uint64_t total) override {
    if (!ack_)
      return;
    ack_->written.store(total, std::memory_order_release);
    auto wake = ack_->wake_at.load(std::memory_order_acquire);
    if (wake != 0 && total >= wake && ack_->wake_at.compare_exchange_strong(wake, 0))
      caf::anon_send(group_, sse_ack_atom::value, subscriber_);
  }

  /// Called by the actor, on the session's strand like every call above.
  void attach(sse_ack_listener_actor group, std::uint64_t subscriber,
              std::shared_ptr<sse_ack_state> ack) {
    group_ = std::move(group);
    subscriber_ = subscriber;
    ack_ = std::move(ack);
  }

  /// The stream's subscription, if any (on the session's strand, like `attach`).
  const std::shared_ptr<sse_ack_state>& subscription() const noexcept { return ack_; }

 private:
  connection_actor self_;
  sse_ack_listener_actor group_;
  std::uint64_t subscriber_ = 0;
  std::shared_ptr<sse_ack_state> ack_;
};

/// The connection's state for the admin API, from its session and its subscription.
boost::json::value describe(const net::session& session, const sse_ack_state* sub) {
  auto info = session.describe();
  boost::json::object out;
  out["Id"] = info.id;
  out["Peer"] = info.peer.address().to_string() + ":" + std::to_string(info.peer.port());
  out["AgeSeconds"] = std::chrono::duration<double>(info.age).count();
  out["Kind"] = info.streaming ? "sse" : "plain";
  out["Requests"] = info.requests;
  out["QueuedBytes"] = info.queued_bytes;
  out["WrittenBytes"] = info.stream_written;
  if (sub) {
    auto sent = sub->sent.load(std::memory_order_relaxed);
    auto written = sub->written.load(std::memory_order_acquire);
    out["Subscription"] = {
        {"Group", sub->group},
        {"Task", sub->task.empty() ? boost::json::value{} : boost::json::value(sub->task)},
        {"Subscriber", sub->subscriber}};
    out["LagBytes"] = sent > written ? sent - written : 0;
  } else {
    out["Subscription"] = nullptr;
    out["LagBytes"] = 0;
  }
  return out;
}

/// What the actor owns.
struct connection_state {
  std::shared_ptr<net::session> session;
  std::shared_ptr<const net::service> service;
  /// The session's side of the link (it acknowledges a stream's writes to its group).
  std::shared_ptr<observer> link;
};

caf::actor_companion* companion_of(const caf::actor& handle) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(handle));
}

/// Deferred routes answer through a responder that messages the actor from any thread; it can
/// also turn the exchange into a stream, whose later bytes come as messages too. (The factory
/// holds the actor weakly: the actor's behavior holds the factory.)
net::responder_factory responder_factory_for(const connection_actor& handle,
                                             const std::shared_ptr<net::session>& session) {
  return [weak = caf::actor_cast<caf::weak_actor_ptr>(handle),
          weak_session = std::weak_ptr<net::session>{session}] {
    return net::responder{[weak](net::response res) {
                            if (auto strong = caf::actor_cast<connection_actor>(weak))
                              caf::anon_send(strong, std::move(res));
                          },
                          [weak](net::stream_head head) {
                            if (auto strong = caf::actor_cast<connection_actor>(weak))
                              caf::anon_send(strong, std::move(head));
                          },
                          std::make_shared<const connection_ref>(
                              caf::actor_cast<connection_actor>(weak), weak_session)};
  };
}

/// Runs every message to `self` on the session's strand, in order. The posted job holds a
/// strong reference, so the actor outlives its last pending message.
void run_on_strand(caf::actor_companion* self, caf::actor_system& system,
                   const std::shared_ptr<net::session>& session) {
  auto unit = std::make_shared<caf::scoped_execution_unit>(&system);
  self->on_enqueue(
      [self, unit, weak = std::weak_ptr<net::session>{session}](caf::mailbox_element_ptr ptr) {
        auto s = weak.lock();
        if (!s)
          return;
        s->post([ref = caf::strong_actor_ptr{self->ctrl()}, unit, ptr = std::move(ptr)]() mutable {
          auto* me = static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(ref));
          me->activate(unit.get(), *ptr);
        });
      });
}

/// The connection's behavior: `connection_actor`'s messages, handled on the session's strand.
caf::behavior connection_behavior(caf::actor_companion* self,
                                  std::shared_ptr<connection_state> state,
                                  net::responder_factory make_responder, std::uint64_t id) {
  return {
      [state, make_responder](net::request& req) {
        if (!state->session)
          return;
        if (auto res = state->service->dispatch(req, make_responder))
          state->session->respond(std::move(*res));
      },
      [state](net::response& res) {
        if (state->session)
          state->session->respond(std::move(res));
      },
      [state](net::stream_head& head) {
        if (state->session)
          state->session->start_stream(std::move(head));
      },
      [state](sse_attach_atom, const sse_ack_listener_actor& group, std::uint64_t subscriber,
              const std::shared_ptr<sse_ack_state>& ack) {
        state->link->attach(group, subscriber, ack);
      },
      [state](inspect_atom) -> boost::json::value {
        if (!state->session)
          return nullptr;
        return describe(*state->session, state->link->subscription().get());
      },
      [self, id](closed_atom) {
        herald::log::debug("connection ", id, " closed");
        self->quit();
      },
  };
}

} // namespace

const connection_ref* connection_of(const net::connection_owner* owner) noexcept {
  return dynamic_cast<const connection_ref*>(owner);
}

connection_actor spawn_connection(caf::actor_system& system, std::shared_ptr<net::session> session,
                                  std::shared_ptr<const net::service> svc) {
  auto companion = system.spawn<caf::actor_companion>();
  auto* self = companion_of(companion);
  // A companion's behavior is untyped; its handle is given the protocol, so that senders
  // are checked against it.
  auto handle = caf::actor_cast<connection_actor>(companion);
  auto state = std::make_shared<connection_state>(
      connection_state{session, std::move(svc), std::make_shared<observer>(handle)});
  run_on_strand(self, system, session);
  // Break the session <-> actor cycle when the actor stops.
  self->on_exit([state] {
    state->session.reset();
    state->link.reset();
  });
  self->become(
      connection_behavior(self, state, responder_factory_for(handle, session), session->id()));

  if (herald::log::enabled(herald::log::level::debug))
    herald::log::debug("connection ", session->id(), " from ",
                       session->peer().address().to_string(), ":", session->peer().port(),
                       " opened");
  session->set_owner(std::make_shared<const connection_ref>(handle, session));
  session->start(state->link);
  return handle;
}

} // namespace herald::actors
