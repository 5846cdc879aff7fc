#include "app/config.hpp"

#include "app/digests.hpp"
#include "app/webhook_signature.hpp"
#include "net/allow_list.hpp"
#include "net/http_url.hpp"
#include "net/router.hpp"
#include "net/utf8.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace herald::app {

namespace json = boost::json;

namespace {

/// Thrown inside this file only, caught at its boundary and returned as a value.
struct config_failure {
  std::string message;
};

[[noreturn]] void fail(std::string_view key, std::string_view why) {
  throw config_failure{std::string{key} + ": " + std::string{why}};
}

std::int64_t integer(const json::value& v, std::string_view key, std::int64_t min,
                     std::int64_t max) {
  auto range = "must be between " + std::to_string(min) + " and " + std::to_string(max);
  if (v.is_uint64()) // Boost.JSON uses uint64 only above INT64_MAX
    fail(key, range);
  if (!v.is_int64())
    fail(key, "must be an integer");
  auto n = v.get_int64();
  if (n < min || n > max)
    fail(key, range);
  return n;
}

std::string text(const json::value& v, std::string_view key) {
  if (!v.is_string())
    fail(key, "must be a string");
  return std::string{v.get_string()};
}

std::string address_check(const std::string& value);

std::string checked_bind(std::string value, std::string_view key) {
  if (auto why = address_check(value); !why.empty())
    fail(key, why);
  return value;
}

log::level checked_level(std::string_view value, std::string_view key) {
  auto l = log::parse_level(value);
  if (!l)
    fail(key, "'" + std::string{value} + "' is not one of trace, debug, info, warn, error, off");
  return *l;
}

bool boolean(const json::value& v, std::string_view key) {
  if (!v.is_bool())
    fail(key, "must be true or false");
  return v.get_bool();
}

std::chrono::milliseconds millis(const json::value& v, std::string_view key, std::int64_t min,
                                 std::int64_t max) {
  return std::chrono::milliseconds{integer(v, key, min, max)};
}

constexpr std::int64_t hour_ms = 3'600'000;

/// The members of object `v` at `key`, each handed to `member` with its own key; a member
/// `member` does not know (returns false for) stops start-up.
template <class Member> void members(const json::value& v, const std::string& key, Member member) {
  if (!v.is_object())
    fail(key, "must be a JSON object");
  for (const auto& [name, value] : v.get_object()) {
    auto sub = key + "." + std::string{name};
    if (!member(std::string_view{name}, value, sub))
      fail(sub, "unknown key");
  }
}

/// A list of names (users, groups, claims): an array of non-empty strings.
std::vector<std::string> names(const json::value& v, std::string_view key) {
  if (!v.is_array())
    fail(key, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    if (!item.is_string() || item.get_string().empty())
      fail(key, "must be an array of non-empty strings");
    out.emplace_back(item.get_string());
  }
  return out;
}

std::string non_empty_text(const json::value& v, std::string_view key) {
  auto out = text(v, key);
  if (out.empty())
    fail(key, "must not be empty");
  return out;
}

/// The four lists of an access rule or of an identity: `users` (rules only), `groups`,
/// `roles`, `scopes`. False for any other member name.
bool rule_list(std::string_view name, const json::value& v, const std::string& key,
               net::access_rule& rule) {
  if (name == "users")
    rule.users = names(v, key);
  else if (name == "groups")
    rule.groups = names(v, key);
  else if (name == "roles")
    rule.roles = names(v, key);
  else if (name == "scopes")
    rule.scopes = names(v, key);
  else
    return false;
  return true;
}

net::access_rule access_rule(const json::value& v, const std::string& key) {
  net::access_rule out;
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    return rule_list(name, m, k, out);
  });
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::array<std::uint8_t, 32> hex_digest(const std::string& hex, std::string_view key) {
  std::array<std::uint8_t, 32> out{};
  if (hex.size() != 2 * out.size())
    fail(key, "must be 64 hexadecimal digits (a SHA-256)");
  for (std::size_t i = 0; i < out.size(); ++i) {
    int high = hex_digit(hex[2 * i]);
    int low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0)
      fail(key, "must be 64 hexadecimal digits (a SHA-256)");
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return out;
}

/// One entry of `auth.keys`: exactly one of `key_sha256` and `key`, a `user`, and the lists.
api_key_entry key_entry(const json::value& v, const std::string& key) {
  api_key_entry out;
  std::optional<std::string> hex;
  std::optional<std::string> plain;
  bool has_user = false;
  net::access_rule lists;
  members(v, key, [&](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "key_sha256") {
      hex = text(m, k);
      out.digest = hex_digest(*hex, k);
    } else if (name == "key") {
      plain = text(m, k);
      if (plain->size() < 16)
        fail(k, "must be at least 16 characters");
    } else if (name == "user") {
      out.who.user = non_empty_text(m, k);
      has_user = true;
    } else {
      return name != "users" && rule_list(name, m, k, lists);
    }
    return true;
  });
  if (hex.has_value() == plain.has_value())
    fail(key, "needs exactly one of key_sha256 and key");
  if (!has_user)
    fail(key + ".user", "is required");
  if (plain) {
    out.digest = sha256(*plain);
    out.plain = true;
  }
  out.who.groups = std::move(lists.groups);
  out.who.roles = std::move(lists.roles);
  out.who.scopes = std::move(lists.scopes);
  return out;
}

void read_structured(const json::value& v, const std::string& key,
                     std::vector<api_key_entry>& field) {
  if (!v.is_array())
    fail(key, "must be an array of objects");
  std::vector<api_key_entry> out;
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    auto entry_key = key + "[" + std::to_string(i) + "]";
    auto entry = key_entry(v.get_array()[i], entry_key);
    for (std::size_t j = 0; j < out.size(); ++j)
      if (out[j].digest == entry.digest)
        fail(entry_key, "is the same key as " + key + "[" + std::to_string(j) + "]");
    out.push_back(std::move(entry));
  }
  field = std::move(out);
}

/// Where a JWT's identity is read from: `claims.user`, `.groups`, `.roles`, `.scopes`.
void claim_names(const json::value& v, const std::string& key, jwt_settings& out) {
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "user")
      out.user_claim = non_empty_text(m, k);
    else if (name == "groups")
      out.groups_claim = non_empty_text(m, k);
    else if (name == "roles")
      out.roles_claim = non_empty_text(m, k);
    else if (name == "scopes")
      out.scopes_claim = non_empty_text(m, k);
    else
      return false;
    return true;
  });
}

void read_structured(const json::value& v, const std::string& key,
                     std::optional<jwt_settings>& field) {
  jwt_settings out;
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "hs256_secret") {
      out.hs256_secret = text(m, k);
      if (!out.hs256_secret.empty() && out.hs256_secret.size() < 32)
        fail(k, "must be empty or at least 32 characters");
    } else if (name == "public_keys") {
      out.public_key_files = names(m, k);
    } else if (name == "jwks_file") {
      out.jwks_file = text(m, k);
    } else if (name == "issuer") {
      out.issuer = text(m, k);
    } else if (name == "audience") {
      out.audience = text(m, k);
    } else if (name == "leeway_s") {
      out.leeway = std::chrono::seconds{integer(m, k, 0, 3600)};
    } else if (name == "claims") {
      claim_names(m, k, out);
    } else {
      return false;
    }
    return true;
  });
  if (out.hs256_secret.empty() && out.public_key_files.empty() && out.jwks_file.empty())
    fail(key, "needs hs256_secret, public_keys or jwks_file");
  field = std::move(out);
}

void read_structured(const json::value& v, const std::string& key,
                     std::map<std::string, group_access, std::less<>>& field) {
  if (!v.is_object())
    fail(key, "must be a JSON object");
  std::map<std::string, group_access, std::less<>> out;
  for (const auto& [name, rules] : v.get_object()) {
    if (name.empty() || name.size() > 256)
      fail(key, "a group name must be 1 to 256 bytes");
    group_access access;
    members(rules, key + "." + std::string{name},
            [&access](std::string_view member, const json::value& m, const std::string& k) {
              if (member == "read")
                access.read = access_rule(m, k);
              else if (member == "publish")
                access.publish = access_rule(m, k);
              else
                return false;
              return true;
            });
    out.insert_or_assign(std::string{name}, std::move(access));
  }
  field = std::move(out);
}

/// A list of non-empty strings (`callbacks.allow`, `callbacks.secrets`).
void read_structured(const json::value& v, const std::string& key,
                     std::vector<std::string>& field) {
  field = names(v, key);
}

// -- routes: command routes (SPEC §4.11) --------------------------------------------------

namespace fs = std::filesystem;

/// A string without NUL bytes: argv entries, paths and environment values cannot carry one.
std::string c_string(const json::value& v, std::string_view key) {
  auto out = text(v, key);
  if (out.find('\0') != std::string::npos)
    fail(key, "must not contain NUL bytes");
  return out;
}

/// Whether `path` names an executable regular file (for this process's user).
bool executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

/// `argv[0]` resolved as the program to run: a path (with a `/`) names an executable regular
/// file, a relative one taken against the node's current directory at start, as `cwd` is; a
/// bare name is looked up in the directories of `PATH` (the node's, at start).
std::string resolved_program(const std::string& name, const std::string& key) {
  if (name.empty())
    fail(key, "must not be empty");
  if (name.find('/') != std::string::npos) {
    std::error_code ec;
    auto path = name.front() == '/' ? fs::path{name} : fs::absolute(name, ec).lexically_normal();
    if (ec || !fs::exists(path, ec))
      fail(key, "'" + name + "' does not exist");
    if (!fs::is_regular_file(path, ec))
      fail(key, "'" + name + "' is not a regular file");
    if (::access(path.c_str(), X_OK) != 0)
      fail(key, "'" + name + "' is not executable");
    return path.string();
  }
  const char* env = std::getenv("PATH");
  std::string_view dirs = env && *env ? env : "/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    // An empty entry is the current directory, as for execvp.
    std::error_code ec;
    auto candidate = fs::absolute(fs::path{dir.empty() ? "." : dir} / name, ec).lexically_normal();
    if (!ec && executable_file(candidate))
      return candidate.string();
    if (colon == std::string_view::npos)
      break;
    dirs.remove_prefix(colon + 1);
  }
  fail(key, "'" + name + "' not found on PATH");
}

/// `command`: a non-empty argv, its program resolved.
void read_command(const json::value& v, const std::string& key, command_spec& out) {
  if (!v.is_array() || v.get_array().empty())
    fail(key, "must be a non-empty array of strings");
  out.argv.clear();
  for (const auto& item : v.get_array()) {
    if (!item.is_string())
      fail(key, "must be a non-empty array of strings");
    out.argv.push_back(c_string(item, key));
  }
  out.program = resolved_program(out.argv.front(), key);
}

/// `cwd`: an existing directory; a relative one is resolved against the node's own.
std::string working_directory(const json::value& v, const std::string& key) {
  auto written = c_string(v, key);
  if (written.empty())
    fail(key, "must not be empty");
  std::error_code ec;
  auto path = fs::absolute(written, ec).lexically_normal();
  if (ec || !fs::is_directory(path, ec))
    fail(key, "'" + written + "' is not a directory");
  auto out = path.string();
  // "dir/" normalises to "dir/": the directory itself.
  if (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out;
}

bool valid_env_name(std::string_view name) {
  auto letter = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  return !name.empty() && letter(name.front()) &&
         std::all_of(name.begin() + 1, name.end(),
                     [&letter](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

/// `env`: variables added to the program's environment. `HERALD_` names are the node's own.
std::vector<std::pair<std::string, std::string>> environment(const json::value& v,
                                                             const std::string& key) {
  if (!v.is_object())
    fail(key, "must be a JSON object of strings");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : v.get_object()) {
    auto sub = key + "." + std::string{name};
    if (!valid_env_name(name))
      fail(sub, "a variable name must be letters, digits and _, not starting with a digit");
    if (std::string_view{name}.substr(0, 7) == "HERALD_")
      fail(sub, "HERALD_ variables are set by the node");
    out.emplace_back(std::string{name}, c_string(value, sub));
  }
  return out;
}

/// `limits`: the program's resource limits (setrlimit).
void resource_limits(const json::value& v, const std::string& key, command_spec& out) {
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "cpu_s")
      out.cpu_seconds = integer(m, k, 1, 1'000'000);
    else if (name == "memory_mb")
      out.memory_mb = integer(m, k, 1, 1'000'000);
    else if (name == "open_files")
      out.open_files = integer(m, k, 3, 1'000'000);
    else
      return false;
    return true;
  });
}

/// `sse`: false (no events), true (the defaults) or `{"group": NAME, "send_result": bool}`.
void route_events(const json::value& v, const std::string& key, command_route& out) {
  if (v.is_bool()) {
    out.sse = v.get_bool();
    return;
  }
  if (!v.is_object())
    fail(key, "must be false or a JSON object");
  out.sse = true;
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "group") {
      out.sse_group = text(m, k);
      if (out.sse_group.empty() || out.sse_group.size() > 256 || !net::valid_name(out.sse_group))
        fail(k, "must be 1 to 256 bytes of UTF-8 without control characters");
    } else if (name == "send_result") {
      out.sse_send_result = boolean(m, k);
    } else {
      return false;
    }
    return true;
  });
}

/// A header name as RFC 9110 has it (a token), or a value without control characters.
bool header_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
  });
}

bool header_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

/// `callback`: true (the defaults: the URL from the body's `callbackUrl`), or `{"url",
/// "url_field", "method", "headers", "send_result", "event_name", "secrets"}`.
std::optional<actors::callback_options> route_callback(const json::value& v,
                                                       const std::string& key) {
  if (v.is_bool())
    return v.get_bool() ? std::optional{actors::callback_options{}} : std::nullopt;
  if (!v.is_object())
    fail(key, "must be true, false or a JSON object");
  actors::callback_options out;
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "url") {
      out.url = non_empty_text(m, k);
    } else if (name == "url_field") {
      out.url_field = non_empty_text(m, k);
    } else if (name == "method") {
      out.method = text(m, k);
      if (out.method != "POST" && out.method != "PUT")
        fail(k, "'" + out.method + "' is not one of POST, PUT");
    } else if (name == "headers") {
      if (!m.is_object())
        fail(k, "must be a JSON object of header names and string values");
      for (const auto& [h, value] : m.get_object()) {
        auto hk = k + "." + std::string{h};
        if (!header_token(h))
          fail(hk, "is not a header name");
        auto text_value = text(value, hk);
        if (!header_value(text_value))
          fail(hk, "must not hold control characters");
        if (auto why = callback_header_problem(h, text_value); !why.empty())
          fail(hk, why);
        out.headers.emplace_back(std::string{h}, std::move(text_value));
      }
    } else if (name == "send_result") {
      out.send_result = boolean(m, k);
    } else if (name == "event_name") {
      out.event_name = non_empty_text(m, k);
    } else if (name == "secrets") {
      out.secrets = names(m, k);
    } else {
      return false;
    }
    return true;
  });
  return out;
}

/// `auth`: `{"required": bool, "allow": RULE, "read": RULE, "write": RULE}`.
route_access route_rules(const json::value& v, const std::string& key) {
  route_access out;
  members(v, key, [&out](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "required")
      out.credential = boolean(m, k);
    else if (name == "allow")
      out.allow = access_rule(m, k);
    else if (name == "read")
      out.read = access_rule(m, k);
    else if (name == "write")
      out.write = access_rule(m, k);
    else
      return false;
    return true;
  });
  return out;
}

std::optional<net::verb> route_method(std::string_view name) {
  if (name == "GET")
    return net::verb::get;
  if (name == "POST")
    return net::verb::post;
  if (name == "PUT")
    return net::verb::put;
  if (name == "PATCH")
    return net::verb::patch;
  if (name == "DELETE")
    return net::verb::delete_;
  return std::nullopt;
}

/// The options of a route that are its program's (`command_spec`); false for any other.
bool program_option(std::string_view name, const json::value& m, const std::string& k,
                    command_spec& out) {
  if (name == "command") {
    read_command(m, k, out);
  } else if (name == "cwd") {
    out.cwd = working_directory(m, k);
  } else if (name == "env") {
    out.env = environment(m, k);
  } else if (name == "stdin") {
    auto mode = text(m, k);
    if (mode != "body" && mode != "none")
      fail(k, "'" + mode + "' is not one of body, none");
    out.stdin_body = mode == "body";
  } else if (name == "max_output_bytes") {
    out.max_output_bytes = static_cast<std::size_t>(integer(m, k, 1, std::int64_t{1} << 30));
  } else if (name == "kill_grace_ms") {
    out.kill_grace = millis(m, k, 0, hour_ms);
  } else if (name == "limits") {
    resource_limits(m, k, out);
  } else {
    return false;
  }
  return true;
}

/// The options of a route that are its tasks' (what every async route has); false for any
/// other.
bool task_option(std::string_view name, const json::value& m, const std::string& k,
                 command_route& out) {
  if (name == "max_concurrent") {
    out.max_concurrent = static_cast<std::size_t>(integer(m, k, 1, 10'000));
  } else if (name == "max_queued") {
    out.max_queued = static_cast<std::size_t>(integer(m, k, 0, 10'000'000));
  } else if (name == "timeout_s") {
    auto seconds = integer(m, k, 0, 10'000'000);
    out.timeout = seconds == 0 ? std::nullopt : std::optional{std::chrono::seconds{seconds}};
  } else if (name == "cancellable") {
    out.cancellable = boolean(m, k);
  } else if (name == "sse") {
    route_events(m, k, out);
  } else if (name == "auth") {
    out.access = route_rules(m, k);
  } else if (name == "callback") {
    out.callback = route_callback(m, k);
  } else {
    return false;
  }
  return true;
}

/// One entry of `routes`; its `path` checked as the router will take it.
command_route command_entry(const json::value& v, const std::string& key) {
  command_route out;
  bool has_path = false;
  members(v, key, [&](std::string_view name, const json::value& m, const std::string& k) {
    if (name == "method") {
      out.method = text(m, k);
      if (!route_method(out.method))
        fail(k, "'" + out.method + "' is not one of GET, POST, PUT, PATCH, DELETE");
    } else if (name == "path") {
      out.path = text(m, k);
      try {
        net::router{}.add(net::verb::get, out.path);
      } catch (const std::invalid_argument& e) {
        fail(k, e.what());
      }
      has_path = true;
    } else {
      return program_option(name, m, k, out.program) || task_option(name, m, k, out);
    }
    return true;
  });
  if (!has_path)
    fail(key + ".path", "is required");
  if (out.program.argv.empty())
    fail(key + ".command", "is required");
  return out;
}

/// What makes two routes the same to the router: the method and the segments, every capture
/// alike whatever its name (`/jobs/{id}` is `/jobs/{name}`).
std::string route_shape(const command_route& r) {
  auto out = r.method + " ";
  for (const auto& segment : net::split_pattern(r.path))
    out += "/" + (segment.front() == '{' ? std::string{"{}"} : segment);
  return out;
}

void read_structured(const json::value& v, const std::string& key,
                     std::vector<command_route>& field) {
  if (!v.is_array())
    fail(key, "must be an array of objects");
  std::vector<command_route> out;
  std::vector<std::string> shapes;
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    auto entry_key = key + "[" + std::to_string(i) + "]";
    auto entry = command_entry(v.get_array()[i], entry_key);
    auto shape = route_shape(entry);
    for (std::size_t j = 0; j < shapes.size(); ++j)
      if (shapes[j] == shape)
        fail(entry_key, "is the same method and path as " + key + "[" + std::to_string(j) + "]");
    shapes.push_back(std::move(shape));
    out.push_back(std::move(entry));
  }
  field = std::move(out);
}

/// One key of the configuration document: its dotted name and how its value is read into a
/// config. Built by `key` below, the one helper: the field's type says how it is read.
struct key_rule {
  std::string_view name;
  std::function<void(config&, const json::value&, const std::string& key)> apply;
};

/// A check of a string field's value after it is read: empty when the value is accepted,
/// else why not.
using text_check = std::string (*)(const std::string&);

/// The rule for key `name`, read into the field `access(config)` returns: an integer or a
/// duration in milliseconds within [min, max], a bool, a string (then checked by `check`),
/// a log level, or a structured value that a `read_structured` overload reads whole.
template <class Access>
key_rule key(std::string_view name, Access access, std::int64_t min = 0, std::int64_t max = 0,
             text_check check = nullptr) {
  return {name, [=](config& c, const json::value& v, const std::string& k) {
            auto& field = access(c);
            using field_type = std::remove_reference_t<decltype(field)>;
            if constexpr (std::is_same_v<field_type, bool>) {
              field = boolean(v, k);
            } else if constexpr (std::is_same_v<field_type, std::chrono::milliseconds>) {
              field = millis(v, k, min, max);
            } else if constexpr (std::is_same_v<field_type, std::string>) {
              field = text(v, k);
              if (check)
                if (auto why = check(field); !why.empty())
                  fail(k, why);
            } else if constexpr (std::is_same_v<field_type, log::level>) {
              field = checked_level(text(v, k), k);
            } else if constexpr (requires { read_structured(v, k, field); }) {
              read_structured(v, k, field);
            } else {
              static_assert(std::is_integral_v<field_type>);
              field = static_cast<field_type>(integer(v, k, min, max));
            }
          }};
}

std::string address_check(const std::string& value) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(value, ec);
  return ec ? "'" + value + "' is not an IPv4 or IPv6 address" : std::string{};
}

std::string publisher_key_check(const std::string& value) {
  return !value.empty() && value.size() < 16
             ? "must be empty (publishing disabled) or at least 16 characters"
             : std::string{};
}

std::string admin_key_check(const std::string& value) {
  return !value.empty() && value.size() < 16
             ? "must be empty (admin API disabled) or at least 16 characters"
             : std::string{};
}

std::string cookie_check(const std::string& value) {
  bool token = value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
                 return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
               });
  return value.empty() || !token
             ? "must be a cookie name: 1 to 64 characters of A-Z, a-z, 0-9, _ and -"
             : std::string{};
}

} // namespace

std::optional<std::string> parse_store_url(std::string_view text) {
  if (text == "memory")
    return std::string{};
  constexpr std::string_view scheme = "sqlite:";
  if (text.substr(0, scheme.size()) == scheme && text.size() > scheme.size())
    return std::string{text.substr(scheme.size())};
  return std::nullopt;
}

namespace {

std::string store_check(const std::string& value) {
  return parse_store_url(value) ? std::string{} : "must be \"memory\" or \"sqlite:PATH\"";
}

std::string store_sync_check(const std::string& value) {
  return value == "normal" || value == "full" ? std::string{} : "must be \"normal\" or \"full\"";
}

std::string stream_secret_check(const std::string& value) {
  return !value.empty() && value.size() < 32
             ? "must be empty (a random secret per start) or at least 32 characters"
             : std::string{};
}

/// Every key of the document, with its field, range and checks (SPEC and README:
/// Configuration). The sections are the prefixes before the dot.
const std::vector<key_rule>& rules() {
  // clang-format off
  static const std::vector<key_rule> table{
      key("bind", [](config& c) -> auto& { return c.bind; }, 0, 0, address_check),
      key("port", [](config& c) -> auto& { return c.port; }, 0, 65535),
      key("log_level", [](config& c) -> auto& { return c.log_level; }),
      key("io_threads", [](config& c) -> auto& { return c.io_threads; }, 1, 64),
      key("scheduler_threads", [](config& c) -> auto& { return c.scheduler_threads; }, 1, 64),
      key("shutdown_grace_ms", [](config& c) -> auto& { return c.shutdown_grace; }, 0, 10 * 60'000),

      key("limits.max_connections", [](config& c) -> auto& { return c.limits.max_connections; }, 1, 1'000'000),
      key("limits.max_connections_per_ip", [](config& c) -> auto& { return c.limits.max_connections_per_ip; }, 0, 1'000'000),
      key("limits.requests_per_second_per_ip", [](config& c) -> auto& { return c.limits.requests_per_second_per_ip; }, 0, 1'000'000),
      key("limits.request_burst_per_ip", [](config& c) -> auto& { return c.limits.request_burst_per_ip; }, 0, 10'000'000),
      key("limits.header_limit_bytes", [](config& c) -> auto& { return c.limits.header_limit; }, 1024, 1024 * 1024),
      key("limits.body_limit_bytes", [](config& c) -> auto& { return c.limits.body_limit; }, 0, std::int64_t{1} << 32),
      key("limits.chunk_framing_limit_bytes", [](config& c) -> auto& { return c.limits.chunk_framing_limit; }, 64, 1024 * 1024),
      key("limits.header_timeout_ms", [](config& c) -> auto& { return c.limits.header_timeout; }, 10, hour_ms),
      key("limits.body_timeout_ms", [](config& c) -> auto& { return c.limits.body_timeout; }, 10, hour_ms),
      key("limits.idle_timeout_ms", [](config& c) -> auto& { return c.limits.idle_timeout; }, 10, 24 * hour_ms),
      key("limits.write_timeout_ms", [](config& c) -> auto& { return c.limits.write_timeout; }, 10, hour_ms),
      key("limits.stream_send_buffer_bytes", [](config& c) -> auto& { return c.limits.stream_send_buffer; }, 0, 64 * 1024 * 1024),

      key("sse.retry_ms", [](config& c) -> auto& { return c.sse.retry; }, 0, hour_ms),
      key("sse.heartbeat_ms", [](config& c) -> auto& { return c.sse.heartbeat; }, 100, hour_ms),
      key("sse.stream_lifetime_ms", [](config& c) -> auto& { return c.sse.stream_lifetime; }, 0, 7 * 24 * hour_ms),
      key("sse.max_lag_bytes", [](config& c) -> auto& { return c.sse.groups.max_lag_bytes; }, 1024, std::int64_t{1} << 32),
      key("sse.ring_events", [](config& c) -> auto& { return c.sse.groups.ring_events; }, 0, 10'000'000),
      key("sse.ring_bytes", [](config& c) -> auto& { return c.sse.groups.ring_bytes; }, 0, std::int64_t{1} << 32),
      key("sse.group_idle_ms", [](config& c) -> auto& { return c.sse.groups.idle_timeout; }, 10, 24 * hour_ms),
      key("sse.publisher_key", [](config& c) -> auto& { return c.sse.publisher_key; }, 0, 0, publisher_key_check),
      key("sse.publish_backlog", [](config& c) -> auto& { return c.sse.publish_backlog; }, 1, 10'000'000),
      key("sse.max_groups", [](config& c) -> auto& { return c.sse.groups.max_groups; }, 1, 1'000'000),
      key("sse.groups", [](config& c) -> auto& { return c.sse.group_rules; }),

      key("tasks.retention_ms", [](config& c) -> auto& { return c.tasks.registry.retention; }, 0, 7 * 24 * hour_ms),
      key("tasks.max_retained", [](config& c) -> auto& { return c.tasks.registry.max_retained; }, 1, 100'000'000),
      key("tasks.cancel_grace_ms", [](config& c) -> auto& { return c.tasks.supervisor.cancel_grace; }, 0, hour_ms),
      key("tasks.query_max_value_bytes", [](config& c) -> auto& { return c.tasks.query_max_value_bytes; }, 16, 64 * 1024),
      key("tasks.max_held_bytes", [](config& c) -> auto& { return c.tasks.registry.max_held_bytes; }, 64 * 1024, std::int64_t{1} << 48),
      key("tasks.store", [](config& c) -> auto& { return c.tasks.store; }, 0, 0, store_check),
      key("tasks.store_sync", [](config& c) -> auto& { return c.tasks.store_sync; }, 0, 0, store_sync_check),
      key("tasks.store_max_bytes", [](config& c) -> auto& { return c.tasks.store_max_bytes; }, 0, std::int64_t{1} << 48),

      key("demo.enabled", [](config& c) -> auto& { return c.demo.enabled; }),
      key("demo.tick_ms", [](config& c) -> auto& { return c.demo.tick; }, 1, hour_ms),
      key("demo.report_ms", [](config& c) -> auto& { return c.demo.report; }, 1, hour_ms),
      key("demo.event_gap_ms", [](config& c) -> auto& { return c.demo.event_gap; }, 1, hour_ms),

      key("admin.enabled", [](config& c) -> auto& { return c.admin.enabled; }),
      key("admin.bind", [](config& c) -> auto& { return c.admin.bind; }, 0, 0, address_check),
      key("admin.port", [](config& c) -> auto& { return c.admin.port; }, 0, 65535),
      key("admin.key", [](config& c) -> auto& { return c.admin.key; }, 0, 0, admin_key_check),
      key("admin.metrics_top_groups", [](config& c) -> auto& { return c.admin.metrics_top_groups; }, 0, 10'000),

      key("ui.enabled", [](config& c) -> auto& { return c.ui.enabled; }),

      key("auth.keys", [](config& c) -> auto& { return c.auth.keys; }),
      key("auth.jwt", [](config& c) -> auto& { return c.auth.jwt; }),
      key("auth.cookie", [](config& c) -> auto& { return c.auth.cookie; }, 0, 0, cookie_check),
      key("auth.stream_secret", [](config& c) -> auto& { return c.auth.stream_secret; }, 0, 0, stream_secret_check),
      key("auth.required", [](config& c) -> auto& { return c.auth.required; }),

      key("callbacks.allow", [](config& c) -> auto& { return c.callbacks.allow; }),
      key("callbacks.secrets", [](config& c) -> auto& { return c.callbacks.secrets; }),
      key("callbacks.ca_file", [](config& c) -> auto& { return c.callbacks.ca_file; }),
      key("callbacks.attempts", [](config& c) -> auto& { return c.callbacks.attempts; }, 1, 20),
      key("callbacks.backoff_ms", [](config& c) -> auto& { return c.callbacks.backoff; }, 1, hour_ms),
      key("callbacks.max_backoff_ms", [](config& c) -> auto& { return c.callbacks.max_backoff; }, 1, hour_ms),
      key("callbacks.connect_timeout_ms", [](config& c) -> auto& { return c.callbacks.connect_timeout; }, 10, 10 * 60'000),
      key("callbacks.response_timeout_ms", [](config& c) -> auto& { return c.callbacks.response_timeout; }, 10, hour_ms),
      key("callbacks.max_in_flight", [](config& c) -> auto& { return c.callbacks.max_in_flight; }, 1, 10'000),
      key("callbacks.max_pending", [](config& c) -> auto& { return c.callbacks.max_pending; }, 1, 10'000'000),
      key("callbacks.max_pending_bytes", [](config& c) -> auto& { return c.callbacks.max_pending_bytes; }, 1024, std::int64_t{1} << 40),

      key("routes", [](config& c) -> auto& { return c.routes; }),
  };
  // clang-format on
  return table;
}

/// Whether `name` is a section of the document (the part before a dot of some key).
bool is_section(std::string_view name) {
  const auto& table = rules();
  return std::any_of(table.begin(), table.end(), [name](const key_rule& r) {
    auto dot = r.name.find('.');
    return dot != std::string_view::npos && r.name.substr(0, dot) == name;
  });
}

/// Applies the members of object `v` (the document, or the section `where`) in their order;
/// any key that no rule names stops start-up.
void walk(config& c, const json::value& v, std::string_view where) {
  if (!v.is_object())
    fail(where.empty() ? "configuration" : where, "must be a JSON object");
  const auto& table = rules();
  for (const auto& [name, value] : v.get_object()) {
    std::string key =
        where.empty() ? std::string{name} : std::string{where} + "." + std::string{name};
    if (where.empty() && is_section(key)) {
      walk(c, value, key);
      continue;
    }
    // A dotted name is a key of a section only when written inside it.
    auto it = std::find_if(table.begin(), table.end(),
                           [&key](const key_rule& r) { return r.name == key; });
    if (it == table.end() || (where.empty() && key.find('.') != std::string::npos))
      fail(key, "unknown key");
    it->apply(c, value, key);
  }
}

/// `callbacks.*` and each route's `callback`, checked whole: the list parses, the secrets can
/// sign, the CA file can be read.
void check_callbacks(const config& c) {
  std::string error;
  if (!net::allow_list::parse(c.callbacks.allow, error))
    fail("callbacks.allow", error);
  if (!c.callbacks.secrets.empty() && !webhook_signer::make(c.callbacks.secrets, error))
    fail("callbacks.secrets", error);
  if (!c.callbacks.ca_file.empty() && !std::ifstream{c.callbacks.ca_file})
    fail("callbacks.ca_file", "cannot read '" + c.callbacks.ca_file + "'");
  if (c.callbacks.max_backoff < c.callbacks.backoff)
    fail("callbacks.max_backoff_ms", "must not be below callbacks.backoff_ms");
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    const auto& cb = c.routes[i].callback;
    auto key = "routes[" + std::to_string(i) + "].callback";
    if (!cb)
      continue;
    if (!cb->url.empty() && !net::parse_http_url(cb->url, error))
      fail(key + ".url", error);
    if (!cb->secrets.empty() && !webhook_signer::make(cb->secrets, error))
      fail(key + ".secrets", error);
  }
}

void apply_document(config& c, const json::value& doc) {
  walk(c, doc, "");
  check_callbacks(c);
  // Checked on the whole value, so that the order of the keys does not matter.
  if (c.auth.required && !c.auth.enabled())
    fail("auth.required", "needs auth.keys or auth.jwt");
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    const auto& access = c.routes[i].access;
    bool ruled = access.credential.value_or(false) || !access.allow.empty() ||
                 !access.read.empty() || !access.write.empty();
    if (ruled && !c.auth.enabled())
      fail("routes[" + std::to_string(i) + "].auth", "needs auth.keys or auth.jwt");
  }
}

std::uint16_t parse_port(std::string_view s, std::string_view key) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value > 65535)
    fail(key, "'" + std::string{s} + "' is not a port number (0-65535)");
  return static_cast<std::uint16_t>(value);
}

} // namespace

config_result parse_config(std::string_view json_text, config base) {
  config_result out;
  boost::system::error_code ec;
  auto doc = json::parse(json_text, ec);
  if (ec) {
    out.error = "configuration is not valid JSON: " + ec.message();
    return out;
  }
  try {
    apply_document(base, doc);
    out.value = std::move(base);
  } catch (const config_failure& f) {
    out.error = f.message;
  }
  return out;
}

namespace {

namespace po = boost::program_options;

/// The flags of `herald` (the usage text below describes them). Every one may repeat: files
/// apply in order, and the last of any other flag wins.
po::options_description flags() {
  po::options_description out;
  out.add_options()("config", po::value<std::vector<std::string>>())(
      "bind", po::value<std::vector<std::string>>())("port", po::value<std::vector<std::string>>())(
      "admin-port", po::value<std::vector<std::string>>())(
      "log-level", po::value<std::vector<std::string>>())("help,h", "");
  return out;
}

/// The command line as words and flags: `--flag value` only (no `--flag=value`, no
/// abbreviations); words that are no flag are kept, to be refused by name.
po::parsed_options parse_flags(int argc, const char* const* argv,
                               const po::options_description& known) {
  namespace style = po::command_line_style;
  try {
    return po::command_line_parser(argc, argv)
        .options(known)
        .style(style::allow_long | style::long_allow_next | style::long_allow_adjacent |
               style::allow_short | style::short_allow_next | style::allow_dash_for_short)
        .allow_unregistered()
        .run();
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() != po::invalid_command_line_syntax::missing_parameter)
      throw config_failure{e.what()};
    const auto& flag = e.get_option_name();
    fail(flag, flag == "--config" ? "needs a file name" : "needs a value");
  } catch (const po::error& e) {
    throw config_failure{e.what()};
  }
}

/// Whether `option` was written as a flag we know, in the one form we take (`--port 80`).
bool well_formed(const po::option& option) {
  if (option.unregistered || option.position_key >= 0 || option.original_tokens.empty())
    return false;
  const auto& written = option.original_tokens.front();
  return written == "--" + option.string_key || (option.string_key == "help" && written == "-h");
}

bool asks_for_help(int argc, const char* const* argv) {
  return std::any_of(argv + 1, argv + argc,
                     [](std::string_view a) { return a == "--help" || a == "-h"; });
}

} // namespace

config_result load_config(int argc, const char* const* argv) {
  config_result out;
  auto known = flags();
  config cfg;
  try {
    po::parsed_options parsed{&known};
    try {
      parsed = parse_flags(argc, argv, known);
    } catch (const config_failure&) {
      if (asks_for_help(argc, argv)) {
        out.help = true;
        return out;
      }
      throw;
    }
    for (const auto& option : parsed.options)
      if (option.string_key == "help" && well_formed(option)) {
        out.help = true;
        return out;
      }
    // The files first, so that flags override them wherever they stand.
    for (const auto& option : parsed.options) {
      if (option.string_key != "config" || !well_formed(option))
        continue;
      const auto& path = option.value.front();
      std::ifstream file{path};
      if (!file)
        fail("--config", "cannot read '" + path + "'");
      std::ostringstream content;
      content << file.rdbuf();
      auto loaded = parse_config(content.str(), cfg);
      if (!loaded.value)
        fail(path, loaded.error);
      cfg = std::move(*loaded.value);
    }
    // The admin key may come from the environment (kept out of files and process lists), as
    // `heraldctl` reads it; a key in the file wins.
    if (const char* env = std::getenv("HERALD_ADMIN_KEY"); env && *env && cfg.admin.key.empty()) {
      cfg.admin.key = env;
      if (cfg.admin.key.size() < 16)
        fail("HERALD_ADMIN_KEY", "must be at least 16 characters");
    }
    for (const auto& option : parsed.options) {
      if (!well_formed(option))
        fail(option.original_tokens.empty() ? option.string_key : option.original_tokens.front(),
             "unknown option (see --help)");
      auto flag = "--" + option.string_key;
      const auto value = option.value.empty() ? std::string{} : option.value.front();
      if (option.string_key == "bind")
        cfg.bind = checked_bind(value, flag);
      else if (option.string_key == "port")
        cfg.port = parse_port(value, flag);
      else if (option.string_key == "admin-port")
        cfg.admin.port = parse_port(value, flag);
      else if (option.string_key == "log-level")
        cfg.log_level = checked_level(value, flag);
    }
  } catch (const config_failure& f) {
    out.error = f.message;
    return out;
  }
  out.value = std::move(cfg);
  return out;
}

std::string_view usage() noexcept {
  return "usage: herald [--config FILE] [--bind ADDRESS] [--port PORT] [--admin-port PORT]\n"
         "              [--log-level LEVEL]\n"
         "\n"
         "  --config FILE      JSON configuration (see README: Configuration)\n"
         "  --bind ADDRESS     address to listen on (default 127.0.0.1)\n"
         "  --port PORT        port to listen on, 0 for any free one (default 8080)\n"
         "  --admin-port PORT  port of the admin API and /metrics, 0 for any free one\n"
         "                     (default 8081, on admin.bind: 127.0.0.1)\n"
         "  --log-level LEVEL  trace, debug, info, warn, error or off (default info)\n"
         "  --help             this text\n";
}

} // namespace herald::app
