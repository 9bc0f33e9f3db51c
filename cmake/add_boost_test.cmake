# apl_add_test(NAME <name> LABEL unit|integration|fuzz SOURCES ... LIBS ... [TIMEOUT s])
# Builds one Boost.Test executable (shared Debian library, so BOOST_TEST_DYN_LINK comes from the
# imported target) and registers it with CTest under the given label.
function(apl_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS;ENV" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/test_main.cpp)
  target_link_libraries(${T_NAME} PRIVATE apl_warnings test_support Boost::unit_test_framework ${T_LIBS})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=test_suite --report_level=short)
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABEL}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "APL_SOURCE_DIR=${PROJECT_SOURCE_DIR};APL_BINARY_DIR=${PROJECT_BINARY_DIR};${T_ENV}")
endfunction()
