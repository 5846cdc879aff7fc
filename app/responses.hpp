#pragma once

// Responses of the node's endpoints in the representation the client negotiated: a JSON value,
// and the `{Id?, Error}` body of an error.

#include "net/http.hpp"
#include "net/http_error.hpp"
#include "net/negotiate.hpp"

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <string_view>

namespace herald::app {

/// `body` with status `code` in `media`; `root` names the XML root element.
net::response encoded(net::status code, const boost::json::value& body, net::media_type media,
                      std::string_view root);

/// The `{Id?, Error}` body of an error (`Id` when not empty), with its status, in `media`;
/// the message is the error table's unless given.
net::response error_body(const net::error_answer& e, std::string_view id, std::string_view message,
                         net::media_type media = net::media_type::json);
net::response error_body(const net::error_answer& e, std::string_view id,
                         net::media_type media = net::media_type::json);

/// 400 for a body that does not parse, saying why.
net::response invalid_json(const boost::system::error_code& ec,
                           net::media_type media = net::media_type::json);

} // namespace herald::app
