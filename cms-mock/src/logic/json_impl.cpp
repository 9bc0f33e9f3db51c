// Boost.JSON compiled into cms_mock_core in header-only mode: the one translation unit that
// includes its sources, so no libboost_json is linked.
#include <boost/json/src.hpp>
