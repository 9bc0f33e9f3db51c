// Hands whole free pages of the heap back to the system after a burst, whichever allocator the
// process runs on: jemalloc (the service binaries; see the top-level CMakeLists.txt) purges its
// arenas, glibc trims its heaps. Cheap when little is free; call it once a burst is over, not per
// request.
#pragma once

namespace common::net {

void release_free_memory() noexcept;

}  // namespace common::net
