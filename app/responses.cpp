#include "app/responses.hpp"

#include "net/responses.hpp"

#include <boost/json/object.hpp>
#include <string>

namespace herald::app {

net::response encoded(net::status code, const boost::json::value& body, net::media_type media,
                      std::string_view root) {
  return net::make_response(code, net::encode(body, media, root), net::content_type(media));
}

net::response error_body(const net::error_answer& e, std::string_view id, std::string_view message,
                         net::media_type media) {
  boost::json::object body;
  if (!id.empty())
    body["Id"] = id;
  body["Error"] = message;
  return encoded(e.code, body, media, "Error");
}

net::response error_body(const net::error_answer& e, std::string_view id, net::media_type media) {
  return error_body(e, id, e.message, media);
}

net::response invalid_json(const boost::system::error_code& ec, net::media_type media) {
  auto e = net::http_error::invalid_json;
  return error_body(e, {}, std::string{net::message_of(e)} + ": " + ec.message(), media);
}

} // namespace herald::app
