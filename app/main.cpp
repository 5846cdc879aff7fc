// The herald node: reads its configuration, serves until SIGINT/SIGTERM, exits 0.

#include "app/config.hpp"
#include "app/server.hpp"

#include <cstdio>
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
    node.stop_on_signals();
    node.start();
    // The line scripts and tests wait for: the node accepts connections from now on.
    std::cout << "herald listening on " << loaded.value->bind << ":" << node.port() << std::endl;
    node.wait();
  } catch (const std::exception& e) {
    std::cerr << "herald: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
