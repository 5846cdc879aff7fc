#include "tools/heraldctl/cli.hpp"

#include <algorithm>
#include <array>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <charconv>
#include <cmath>
#include <utility>
#include <variant>

namespace herald::ctl {

namespace {

constexpr std::string_view default_url = "http://127.0.0.1:8081";

constexpr std::string_view usage_text =
    R"(usage: heraldctl [--url URL] [--key KEY] [--json] [--timeout S] COMMAND [ARG]

Commands:
  routes                      async routes: running, queued, limits, outcomes
  tasks [--state S] [--route R] [--limit N]
                              tasks (S: NotStarted|Running|Completed|Failed|Aborted;
                              R: a route id like "[POST]/process-data" or a path)
  task ID                     one task's fields and its event log
  cancel ID                   abort a task (prints its new state)
  groups                      live SSE groups
  group NAME                  one group and its subscribers
  connections                 connections of the node's main listener
  watch [GROUP] [--for S]     follow a group's tasks live (progress bars); without GROUP,
                              every task (polled twice a second)

Flags (before or after the command):
  --url URL      the node's admin API (default: $HERALD_ADMIN_URL, else http://127.0.0.1:8081)
  --key KEY      the admin key (default: $HERALD_ADMIN_KEY)
  --json         print the API's JSON instead of tables (watch: one JSON line per change)
  --timeout S    give up on a request after S seconds (default 5)
  --for S        watch: stop after S seconds
  -h, --help     this text

Exit codes:
  0  ok
  1  unexpected answer (not JSON, or another HTTP status)
  2  usage error
  3  node unreachable (refused, unknown host, timeout) or its event stream ended
  4  admin key missing or wrong (401), or the admin API is disabled (403)
  5  no such task or group (404)
  6  cancel refused: the task already finished (410) or is not cancellable (423)
)";

struct command_info {
  std::string_view name;
  command cmd;
  /// 0: no argument, 1: one required, 2: one optional.
  int argument;
};

constexpr std::array<command_info, 8> commands{{{"routes", command::routes, 0},
                                                {"tasks", command::tasks, 0},
                                                {"task", command::task, 1},
                                                {"cancel", command::cancel, 1},
                                                {"groups", command::groups, 0},
                                                {"group", command::group, 1},
                                                {"connections", command::connections, 0},
                                                {"watch", command::watch, 2}}};

constexpr std::array<std::string_view, 5> states{"NotStarted", "Running", "Completed", "Failed",
                                                 "Aborted"};

cli_result usage_error(std::string message) {
  cli_result r;
  r.error = std::move(message);
  return r;
}

/// Seconds as a positive decimal ("5", "0.5") within a day.
std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) ||
      value <= 0 || value > 86'400)
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<long long>(std::ceil(value * 1000))};
}

std::optional<unsigned> parse_count(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0)
    return std::nullopt;
  return value;
}

/// Which command a flag belongs to, when it is not global (for a clear error).
bool flag_allowed(std::string_view flag, command cmd) {
  if (flag == "--state" || flag == "--route" || flag == "--limit")
    return cmd == command::tasks;
  if (flag == "--for")
    return cmd == command::watch;
  return true;
}

} // namespace

std::optional<endpoint> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.size() < scheme.size() || url.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  url.remove_prefix(scheme.size());
  auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash);
  if (path.find_first_of("?#") != std::string_view::npos ||
      authority.find('@') != std::string_view::npos)
    return std::nullopt;
  endpoint e;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') { // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    e.host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty())
        return std::nullopt;
    }
  } else {
    auto colon = authority.find(':');
    e.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty())
        return std::nullopt;
    }
  }
  if (e.host.empty())
    return std::nullopt;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      return std::nullopt;
    e.port = static_cast<std::uint16_t>(port);
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  e.prefix = path;
  return e;
}

namespace {

namespace po = boost::program_options;

/// Every flag heraldctl knows, and the words around them (the command and its argument).
const po::options_description& known_flags() {
  static const po::options_description known = [] {
    po::options_description d;
    d.add_options()("help,h", "")("json", po::bool_switch())("url", po::value<std::string>())(
        "key", po::value<std::string>())("timeout",
                                         po::value<std::string>())("for", po::value<std::string>())(
        "state", po::value<std::string>())("route", po::value<std::string>())(
        "limit", po::value<std::string>())("word", po::value<std::vector<std::string>>());
    return d;
  }();
  return known;
}

/// The command line split into flags and words by Program_options, in command-line order;
/// an error for what it cannot split.
std::variant<po::parsed_options, std::string> split(const std::vector<std::string_view>& args) {
  std::vector<std::string> tokens{args.begin(), args.end()};
  po::positional_options_description words;
  words.add("word", -1);
  try {
    // Flags are spelt out (no abbreviations); -h is the only short one.
    return po::command_line_parser(tokens)
        .options(known_flags())
        .positional(words)
        .style(po::command_line_style::allow_long | po::command_line_style::long_allow_adjacent |
               po::command_line_style::long_allow_next | po::command_line_style::allow_short |
               po::command_line_style::allow_dash_for_short |
               po::command_line_style::short_allow_next)
        .run();
  } catch (const po::unknown_option& e) {
    return "unknown option " + e.get_option_name();
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_syntax::missing_parameter)
      return e.get_option_name() + " needs a value";
    if (e.kind() == po::invalid_syntax::extra_parameter)
      return e.get_option_name() + " takes no value";
    return e.what();
  } catch (const po::error& e) {
    return e.what();
  }
}

} // namespace

cli_result parse_command_line(const std::vector<std::string_view>& args, const env_lookup& env) {
  auto parsed = split(args);
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(*error);

  options o;
  std::optional<std::string> url;
  std::optional<std::string> key;
  std::optional<command_info> cmd;
  std::vector<std::string> positional;
  std::vector<std::string> command_flags; // checked once the command is known

  // In command-line order, as a reader takes them: `bogus --help` is an unknown command.
  for (const auto& option : std::get<po::parsed_options>(parsed).options) {
    const auto& name = option.string_key;
    auto flag = "--" + name;
    std::string_view value = option.value.empty() ? std::string_view{} : option.value.front();
    if (name == "help") {
      cli_result r;
      r.help = true;
      return r;
    }
    if (name == "word") {
      if (option.position_key < 0) // `--word` typed out: not a flag of ours
        return usage_error("unknown option " + option.original_tokens.front());
      if (!cmd) {
        auto it = std::find_if(commands.begin(), commands.end(),
                               [&](const command_info& c) { return c.name == value; });
        if (it == commands.end())
          return usage_error("unknown command " + std::string{value} + " (see heraldctl --help)");
        cmd = *it;
      } else {
        positional.emplace_back(value);
      }
    } else if (name == "json") {
      o.json = true;
    } else if (name == "url") {
      url = std::string{value};
    } else if (name == "key") {
      key = std::string{value};
    } else if (name == "timeout") {
      auto t = parse_seconds(value);
      if (!t)
        return usage_error("--timeout: not a number of seconds: " + std::string{value});
      o.timeout = *t;
    } else if (name == "for") {
      auto t = parse_seconds(value);
      if (!t)
        return usage_error("--for: not a number of seconds: " + std::string{value});
      o.run_for = *t;
      command_flags.push_back(flag);
    } else if (name == "state") {
      if (std::find(states.begin(), states.end(), value) == states.end())
        return usage_error("--state: " + std::string{value} +
                           " is not one of NotStarted, Running, Completed, Failed, Aborted");
      o.state = std::string{value};
      command_flags.push_back(flag);
    } else if (name == "route") {
      if (value.empty())
        return usage_error("--route: empty route");
      o.route = std::string{value};
      command_flags.push_back(flag);
    } else if (name == "limit") {
      auto n = parse_count(value);
      if (!n || *n > 100'000)
        return usage_error("--limit: not a count from 1 to 100000: " + std::string{value});
      o.limit = *n;
      command_flags.push_back(flag);
    }
  }

  if (!cmd)
    return usage_error("no command given (see heraldctl --help)");
  o.cmd = cmd->cmd;
  for (const auto& f : command_flags)
    if (!flag_allowed(f, o.cmd))
      return usage_error(f + " does not apply to " + std::string{cmd->name});
  if (cmd->argument == 1 && positional.empty())
    return usage_error(std::string{cmd->name} + " needs " +
                       (o.cmd == command::group ? "a group name" : "a task id"));
  if (positional.size() > (cmd->argument == 0 ? 0u : 1u))
    return usage_error("unexpected argument " + positional.back() + " for " +
                       std::string{cmd->name});
  if (!positional.empty()) {
    if (positional.front().empty())
      return usage_error(std::string{cmd->name} + ": empty argument");
    o.argument = positional.front();
  }

  o.url = url ? *url : env("HERALD_ADMIN_URL").value_or(std::string{default_url});
  auto node = parse_url(o.url);
  if (!node)
    return usage_error("--url: not an http://host[:port] URL: " + o.url);
  o.node = std::move(*node);
  o.key = key ? *key : env("HERALD_ADMIN_KEY").value_or("");

  cli_result r;
  r.value = std::move(o);
  return r;
}

std::string_view usage() noexcept {
  return usage_text;
}

} // namespace herald::ctl
