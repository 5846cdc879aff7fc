// The one translation unit that compiles Boost.Asio (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
// And its TLS part (the callback client's HTTPS), over OpenSSL.
#include <boost/asio/ssl/impl/src.hpp>
