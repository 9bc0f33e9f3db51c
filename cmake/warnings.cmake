# One interface target carries the project's warning policy so every target opts in the same way.
add_library(apl_warnings INTERFACE)
target_compile_options(apl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wdouble-promotion
  -Wimplicit-fallthrough
  # g++ 12 reports Asio's coroutine frame allocator as a mismatched new/delete (a compiler false
  # positive on co_await-ing functions), so that one warning stays off.
  -Wno-mismatched-new-delete)
if(APL_WERROR)
  target_compile_options(apl_warnings INTERFACE -Werror)
endif()
