#include "common/net/release_memory.hpp"

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// jemalloc's control interface, declared weak: null unless jemalloc is linked or preloaded, so the
// libraries do not depend on it and tests (and sanitizer builds) keep glibc's allocator.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen)
    __attribute__((weak));

namespace common::net {

void release_free_memory() noexcept {
    if (mallctl != nullptr) {
        // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused dirty pages, at once rather
        // than over jemalloc's ten-second decay.
        mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
        return;
    }
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

}  // namespace common::net
