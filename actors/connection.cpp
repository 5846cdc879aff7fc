#include "actors/connection.hpp"

#include "actors/messages.hpp"
#include "net/log.hpp"
#include "net/service.hpp"
#include "net/session.hpp"

#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/all.hpp>
#include <caf/scoped_execution_unit.hpp>

namespace herald::actors {

namespace {

/// The session's side of the link: turns session events into messages to the actor.
class observer final : public net::session_observer {
 public:
  explicit observer(caf::actor self) : self_(std::move(self)) {}

  void on_request(net::request&& req) override { caf::anon_send(self_, std::move(req)); }

  void on_closed() override {
    caf::anon_send(self_, closed_atom::value);
    self_ = nullptr; // the session lets go of the actor
  }

 private:
  caf::actor self_;
};

/// What the actor owns.
struct connection_state {
  std::shared_ptr<net::session> session;
  std::shared_ptr<const net::service> service;
};

caf::actor_companion* companion_of(const caf::actor& handle) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(handle));
}

} // namespace

caf::actor spawn_connection(caf::actor_system& system, std::shared_ptr<net::session> session,
                            std::shared_ptr<const net::service> svc) {
  auto handle = system.spawn<caf::actor_companion>();
  auto* self = companion_of(handle);
  auto state = std::make_shared<connection_state>(connection_state{session, std::move(svc)});
  auto unit = std::make_shared<caf::scoped_execution_unit>(&system);

  // Every message to this actor is processed on the session's strand, in order. The posted
  // job holds a strong reference, so the actor outlives its last pending message.
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
  // Break the session <-> actor cycle when the actor stops.
  self->on_exit([state] { state->session.reset(); });

  // A deferred route answers through a responder that messages this actor from any thread.
  net::responder_factory make_responder = [weak_self =
                                               caf::actor_cast<caf::weak_actor_ptr>(handle)] {
    return net::responder{[weak_self](net::response res) {
      if (auto strong = caf::actor_cast<caf::actor>(weak_self))
        caf::anon_send(strong, std::move(res));
    }};
  };
  self->become(
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
      [self, id = session->id()](closed_atom) {
        herald::log::debug("connection ", id, " closed");
        self->quit();
      });

  if (herald::log::enabled(herald::log::level::debug))
    herald::log::debug("connection ", session->id(), " from ",
                       session->peer().address().to_string(), ":", session->peer().port(),
                       " opened");
  session->start(std::make_shared<observer>(handle));
  return handle;
}

} // namespace herald::actors
