#pragma once

// The HTTP message types the whole project speaks. Beast's message headers are light enough
// (no socket code); the heavy parts of Beast and Asio are compiled once in this folder.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace herald::net {

namespace http = boost::beast::http;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
using verb = http::verb;
using status = http::status;

} // namespace herald::net
