#define BOOST_TEST_MODULE herald_unit
#include <boost/test/unit_test.hpp>
