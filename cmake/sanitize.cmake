# APL_SANITIZE=ON: every target (libraries, both service binaries, every test) built with ASan and
# UBSan, undefined behaviour fatal, so integration tests that start the binaries check them too.
# APL_FUZZ=ON (clang only) adds libFuzzer coverage instrumentation on top and implies APL_SANITIZE,
# so one clang build serves the sanitizer test run and the fuzz targets (scripts/sanitize.sh).
if(APL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "APL_FUZZ=ON needs clang for libFuzzer (e.g. CXX=clang++-14); "
      "use scripts/sanitize.sh or scripts/fuzz.sh, which set that up")
  endif()
  set(APL_SANITIZE ON CACHE BOOL "Build everything with ASan+UBSan" FORCE)
endif()

if(APL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang 14's -fsanitize=function (part of "undefined") puts prologue data on coroutine
    # functions that the backend cannot encode once they are split ("Cannot represent a
    # difference across sections", llvm-project#49689); every Asio coroutine hits it.
    add_compile_options(-fno-sanitize=function)
    # Line tables are all a sanitizer report needs (file:line in every frame); full debug info
    # roughly doubles the compile time of the Asio/Beast translation units.
    add_compile_options(-gline-tables-only)
  else()
    add_compile_options(-g)
  endif()
endif()

if(APL_FUZZ)
  # Coverage counters everywhere (the ASan runtime provides weak callbacks, so ordinary tests
  # still link); only the fuzz_<target> executables link libFuzzer's driver.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
