# Fails when a pure-logic source or header includes Asio or Beast.
file(GLOB_RECURSE logic_files
  ${ROOT}/common/src/logic/*
  ${ROOT}/common/include/common/auth/*
  ${ROOT}/common/include/common/crypto/*
  ${ROOT}/common/include/common/config/*
  ${ROOT}/phone-agent/src/logic/*
  ${ROOT}/cms-mock/src/logic/*)
set(bad "")
foreach(f IN LISTS logic_files)
  file(STRINGS ${f} hits REGEX "#[ \t]*include[ \t]*[<\"]boost/(asio|beast)")
  if(hits)
    list(APPEND bad "${f}: ${hits}")
  endif()
endforeach()
if(bad)
  string(REPLACE ";" "\n" bad "${bad}")
  message(FATAL_ERROR "Asio/Beast included in pure-logic code:\n${bad}")
endif()
list(LENGTH logic_files n)
message(STATUS "checked ${n} pure-logic files: no Asio/Beast includes")
