// The only translation unit of each test executable that defines the Boost.Test module.
#define BOOST_TEST_MODULE apl_tests
#include <boost/test/unit_test.hpp>
