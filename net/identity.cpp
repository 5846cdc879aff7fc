#include "net/identity.hpp"

#include <algorithm>

namespace herald::net {

namespace {

bool named(const std::vector<std::string>& list, std::string_view name) noexcept {
  return std::any_of(list.begin(), list.end(),
                     [name](const std::string& entry) { return entry == name || entry == "*"; });
}

bool any_named(const std::vector<std::string>& list,
               const std::vector<std::string>& names) noexcept {
  return std::any_of(names.begin(), names.end(),
                     [&list](const std::string& n) { return named(list, n); });
}

void add_missing(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& name : from)
    if (std::find(to.begin(), to.end(), name) == to.end())
      to.push_back(name);
}

} // namespace

bool allows(const access_rule& rule, const identity& who) noexcept {
  if (named(rule.users, who.user))
    return true;
  return any_named(rule.groups, who.groups) || any_named(rule.roles, who.roles) ||
         any_named(rule.scopes, who.scopes);
}

bool has_scope(const identity& who, std::string_view scope) noexcept {
  return std::find(who.scopes.begin(), who.scopes.end(), scope) != who.scopes.end();
}

access_rule merged(access_rule a, const access_rule& b) {
  add_missing(a.users, b.users);
  add_missing(a.groups, b.groups);
  add_missing(a.roles, b.roles);
  add_missing(a.scopes, b.scopes);
  return a;
}

} // namespace herald::net
