// The herald node: reads its configuration, serves until SIGINT/SIGTERM, exits 0.

#include "app/authenticator.hpp"
#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/server.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  auto loaded = herald::app::load_config(argc, argv);
  if (loaded.help) {
    std::cout << herald::app::usage();
    return 0;
  }
  if (!loaded.value) {
    std::cerr << "herald: configuration error: " << loaded.error << "\n";
    return 2;
  }
  try {
    herald::app::server node{*loaded.value};
    if (loaded.value->demo.enabled)
      herald::app::add_demo_routes(node, loaded.value->demo);
    node.stop_on_signals();
    node.start();
    if (auto admin = node.admin_port())
      std::cout << "herald admin API on " << loaded.value->admin.bind << ":" << *admin << "\n";
    // The line scripts and tests wait for: the node accepts connections from now on.
    std::cout << "herald listening on " << loaded.value->bind << ":" << node.port() << std::endl;
    node.wait();
    if (node.abandoned_tasks() > 0) {
      // Their threads cannot be stopped from outside and the actor system would wait for
      // them forever: leave without destroying it.
      std::cout.flush();
      std::_Exit(0);
    }
  } catch (const herald::app::auth_setup_error& e) {
    // A key file named by `auth` that cannot be used is a configuration error too.
    std::cerr << "herald: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "herald: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
