// heraldctl: the command-line client of a herald node's admin API (README, "heraldctl").
// Tables for people, `--json` for scripts, exit codes that tell failures apart.

#include "net/json_text.hpp"
#include "tools/heraldctl/admin_client.hpp"
#include "tools/heraldctl/answers.hpp"
#include "tools/heraldctl/cli.hpp"
#include "tools/heraldctl/exit_code.hpp"
#include "tools/heraldctl/render.hpp"
#include "tools/heraldctl/watch.hpp"

#include <cstdlib>
#include <iostream>

namespace {

using namespace herald::ctl;

/// The request a command makes and how its answer reads as text.
struct query {
  subject about;
  bool is_delete = false;
  std::string (*text)(const boost::json::value&);
};

query query_for(const options& o) {
  bool key = !o.key.empty();
  switch (o.cmd) {
  case command::routes:
    return {{subject::listing, "", "/admin/routes", key}, false, routes_table};
  case command::tasks: {
    std::string target = "/admin/tasks";
    char sep = '?';
    auto add = [&](std::string_view name, const std::string& value) {
      target += sep + std::string{name} + "=" + query_value(value);
      sep = '&';
    };
    if (o.state)
      add("state", *o.state);
    if (o.route)
      add("route", *o.route);
    if (o.limit)
      add("limit", std::to_string(*o.limit));
    return {{subject::listing, "", target, key}, false, tasks_table};
  }
  case command::task:
    return {{subject::task, o.argument, "/admin/tasks/" + path_segment(o.argument), key},
            false,
            task_detail};
  case command::cancel:
    return {{subject::cancel, o.argument, "/admin/tasks/" + path_segment(o.argument), key},
            true,
            cancel_text};
  case command::groups:
    return {{subject::listing, "", "/admin/groups", key}, false, groups_table};
  case command::group:
    return {{subject::group, o.argument, "/admin/groups/" + path_segment(o.argument), key},
            false,
            group_detail};
  case command::connections:
  case command::watch:
    break;
  }
  return {{subject::listing, "", "/admin/connections", key}, false, connections_table};
}

int run(const options& o) {
  if (o.cmd == command::watch)
    return run_watch(o);
  auto q = query_for(o);
  admin_client client{o};
  auto reply = q.is_delete ? client.remove(q.about.target) : client.get(q.about.target);
  auto answer = read_answer(reply, q.about);
  if (o.json)
    std::cout << herald::net::json_text(answer) << '\n';
  else
    std::cout << q.text(answer);
  std::cout.flush();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = parse_command_line(args, [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string{name}.c_str());
    return v ? std::optional<std::string>{v} : std::nullopt;
  });
  if (parsed.help) {
    std::cout << usage();
    return 0;
  }
  if (!parsed.value) {
    std::cerr << "heraldctl: " << parsed.error << '\n';
    return static_cast<int>(exit_code::usage);
  }
  try {
    return run(*parsed.value);
  } catch (const ctl_error& e) {
    std::cerr << "heraldctl: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "heraldctl: " << e.what() << '\n';
    return static_cast<int>(exit_code::unexpected);
  }
}
