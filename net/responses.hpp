#pragma once

#include "net/http.hpp"
#include "net/http_error.hpp"

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

namespace herald::net {

/// A response with `body` of type `content_type`. Version, keep-alive, `Date`, `Server` and
/// `Content-Length` are written by the session (see wire.hpp), not stored here.
response make_response(status code, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8");

/// `value` serialised as the body, `Content-Type: application/json`.
response json_response(status code, const boost::json::value& value);

/// The project's error body `{"Error": message}` with `code`.
response error_response(status code, std::string_view message);

/// The error body for `e` (an `http_error`, or a row of a domain's table) with its status;
/// not keep-alive when the table says the error closes the connection.
response error_response(const error_answer& e);

/// The current time as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), formatted at most
/// once per second per thread.
std::string_view http_date_now();

} // namespace herald::net
