#include "app/admin_errors.hpp"

#include "net/responses.hpp"

namespace herald::app {

net::error_answer answer_of(admin_api_error e) noexcept {
  using net::status;
  switch (e) {
  case admin_api_error::disabled:
    return {status::forbidden, "The admin API is disabled on this node: set admin.key"};
  case admin_api_error::group_not_found:
    return {status::not_found,
            "No such group (groups live while they have subscribers or recent events)"};
  }
  return net::http_error::internal;
}

net::response error_response(admin_api_error e) {
  return net::error_response(answer_of(e));
}

} // namespace herald::app
