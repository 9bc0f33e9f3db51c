// cms-mock's process: configuration, TLS material, listeners, signals. main() only calls this.
#pragma once

namespace cms_mock {

// Exit codes: 0 after a clean SIGTERM/SIGINT shutdown, 2 for bad configuration or a listener that
// cannot be opened.
int run_cms_mock(int argc, char** argv);

}  // namespace cms_mock
