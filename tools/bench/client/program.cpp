#include "tools/bench/client/program.hpp"

#include "tools/bench/client/text.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace herald::bench {

namespace po = boost::program_options;

namespace {

std::string program_name = "herald-bench";
std::string usage_text;

} // namespace

void identify(std::string_view name, std::string_view usage) {
  program_name = name;
  usage_text = usage;
}

void fail(const std::string& message) {
  std::cerr << program_name << ": error: " << message << "\n";
  std::exit(1);
}

void usage_error(const std::string& message) {
  std::cerr << program_name << ": " << message << "\n" << usage_text;
  std::exit(2);
}

std::vector<std::pair<std::string, std::string>>
read_flags(int argc, char** argv, const std::vector<std::string_view>& flags) {
  po::options_description known;
  known.add_options()("help,h", "");
  for (auto flag : flags)
    known.add_options()(std::string{flag}.c_str(), po::value<std::string>());
  po::parsed_options parsed{&known};
  try {
    // No abbreviations and no short flags but -h: every flag is spelt out as documented.
    parsed =
        po::command_line_parser(argc, argv)
            .options(known)
            .style(po::command_line_style::allow_long |
                   po::command_line_style::long_allow_adjacent |
                   po::command_line_style::long_allow_next | po::command_line_style::allow_short |
                   po::command_line_style::allow_dash_for_short |
                   po::command_line_style::short_allow_next)
            .run();
  } catch (const po::unknown_option& e) {
    usage_error("unknown argument '" + e.get_option_name() + "'");
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_syntax::missing_parameter)
      usage_error(e.get_option_name() + " needs a value");
    usage_error(e.what());
  } catch (const po::error& e) {
    usage_error(e.what());
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& option : parsed.options) {
    if (option.position_key >= 0 || option.unregistered)
      usage_error("unknown argument '" + option.original_tokens.front() + "'");
    if (option.string_key == "help") {
      std::cout << usage_text;
      std::exit(0);
    }
    out.emplace_back("--" + option.string_key, option.value.front());
  }
  return out;
}

template <typename T> T whole_number(std::string_view flag, std::string_view text, T min, T max) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    usage_error(std::string{flag} + " needs a whole number from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got '" + std::string{text} + "'");
  return value;
}

template std::uint16_t whole_number(std::string_view, std::string_view, std::uint16_t,
                                    std::uint16_t);
template unsigned whole_number(std::string_view, std::string_view, unsigned, unsigned);
template int whole_number(std::string_view, std::string_view, int, int);
template std::uint64_t whole_number(std::string_view, std::string_view, std::uint64_t,
                                    std::uint64_t);

double decimal(std::string_view flag, std::string_view text, double min, double max,
               std::string_view unit) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) ||
      value < min || value > max)
    usage_error(std::string{flag} + " needs " + std::string{unit} + " from " + seconds_text(min) +
                " to " + seconds_text(max) + ", got '" + std::string{text} + "'");
  return value;
}

} // namespace herald::bench
