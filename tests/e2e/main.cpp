#define BOOST_TEST_MODULE herald_e2e
#include <boost/test/unit_test.hpp>
