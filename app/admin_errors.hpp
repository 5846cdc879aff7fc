#pragma once

// What the admin API refuses (SPEC §4.9), and how each refusal reaches a client: the one
// table of the admin domain. When adding a value: add its row to `answer_of` in
// admin_errors.cpp and a case to the unit test `domain_errors_test`.

#include "net/http.hpp"
#include "net/http_error.hpp"

namespace herald::app {

enum class admin_api_error {
  disabled,        ///< an admin endpoint on a node without an admin key
  group_not_found, ///< inspection of a group that does not live
};

/// The status and sentence of `e`.
net::error_answer answer_of(admin_api_error e) noexcept;

/// The `{"Error": ...}` response for `e`.
net::response error_response(admin_api_error e);

} // namespace herald::app
