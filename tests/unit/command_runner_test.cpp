#include "app/command_runner.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using herald::app::find_program;

namespace {

/// A private folder with an executable `tool` and a plain file `data`, removed at the end.
struct folder {
  fs::path dir;
  folder() {
    std::string pattern = (fs::temp_directory_path() / "herald-unit-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    std::ofstream{dir / "tool"} << "#!/bin/sh\n";
    fs::permissions(dir / "tool", fs::perms::owner_all);
    std::ofstream{dir / "data"} << "text\n";
    fs::create_directory(dir / "sub");
  }
  ~folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(command_runner_test)

BOOST_AUTO_TEST_CASE(a_name_without_a_slash_is_found_on_path) {
  folder f;
  auto saved = std::string{std::getenv("PATH") ? std::getenv("PATH") : ""};
  ::setenv("PATH", ("/nonexistent:" + f.dir.string()).c_str(), 1);
  auto found = find_program("tool");
  auto missing = find_program("data"); // there, but not executable
  auto directory = find_program("sub");
  ::setenv("PATH", saved.c_str(), 1);
  BOOST_TEST(found.value_or("") == (f.dir / "tool").string());
  BOOST_TEST(!missing.has_value());
  BOOST_TEST(!directory.has_value());
}

BOOST_AUTO_TEST_CASE(a_path_with_a_slash_is_taken_as_written_and_made_absolute) {
  folder f;
  BOOST_TEST(find_program((f.dir / "tool").string()).value_or("") == (f.dir / "tool").string());
  BOOST_TEST(find_program((f.dir / "sub" / ".." / "tool").string()).value_or("") ==
             (f.dir / "tool").string());
  BOOST_TEST(!find_program((f.dir / "data").string()).has_value());
  BOOST_TEST(!find_program((f.dir / "nothing").string()).has_value());
  BOOST_TEST(!find_program("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
