#include "actors/inspect.hpp"

#include <caf/all.hpp>
#include <memory>

namespace herald::actors {

namespace {

/// Sent by the gathering actor to itself when its deadline passes (its own atom: a handler's
/// result goes back to an asynchronous sender too).
using gather_deadline_atom = caf::atom_constant<caf::atom("gatherdl")>;

struct gathering {
  std::vector<boost::json::value> answers;
  std::size_t outstanding = 0;
  std::function<void(std::vector<boost::json::value>)> done;
  bool finished = false;
};

void finish(caf::event_based_actor* self, const std::shared_ptr<gathering>& g) {
  if (g->finished)
    return;
  g->finished = true;
  auto done = std::move(g->done);
  done(std::move(g->answers));
  self->quit();
}

} // namespace

void gather(caf::actor_system& system, std::vector<caf::actor> targets, caf::message request,
            std::chrono::milliseconds deadline,
            std::function<void(std::vector<boost::json::value>)> done) {
  system.spawn([targets = std::move(targets), request = std::move(request), deadline,
                done = std::move(done)](caf::event_based_actor* self) mutable -> caf::behavior {
    auto g = std::make_shared<gathering>();
    g->answers.resize(targets.size());
    g->outstanding = targets.size();
    g->done = std::move(done);
    if (targets.empty()) {
      finish(self, g);
      return {};
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
      // An infinite request and a deadline of our own: CAF 0.17 never cancels the timers of
      // finite requests.
      self->request(targets[i], caf::infinite, request)
          .then(
              [self, g, i](boost::json::value& v) {
                g->answers[i] = std::move(v);
                if (--g->outstanding == 0)
                  finish(self, g);
              },
              [self, g](caf::error&) {
                if (--g->outstanding == 0)
                  finish(self, g);
              });
    }
    self->delayed_send(self, deadline, gather_deadline_atom::value);
    return {
        [self, g](gather_deadline_atom) { finish(self, g); },
    };
  });
}

void ask(caf::actor_system& system, caf::actor target, caf::message request,
         std::chrono::milliseconds deadline, std::function<void(boost::json::value)> done) {
  gather(system, {std::move(target)}, std::move(request), deadline,
         [done = std::move(done)](std::vector<boost::json::value> answers) {
           done(answers.empty() ? boost::json::value{} : std::move(answers.front()));
         });
}

} // namespace herald::actors
