// Stand-in for libFuzzer's driver in the normal (g++) build: runs a harness once on every file of
// the given corpus directories, so the seeds and any crash reproducer added to the corpus stay
// regression tests without clang. Inputs run in name order so a failure is reproducible.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " <corpus dir or file>...\n";
        return 2;
    }
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (const auto& entry : fs::directory_iterator(arg, ec)) {
                if (entry.is_regular_file()) files.push_back(entry.path());
            }
        } else if (fs::is_regular_file(arg, ec)) {
            files.push_back(arg);
        }
        if (ec || !fs::exists(arg)) {
            std::cerr << "replay: cannot read " << arg << ": " << ec.message() << '\n';
            return 2;
        }
    }
    // An empty corpus would make this test pass without testing anything.
    if (files.empty()) {
        std::cerr << "replay: no inputs found\n";
        return 1;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (!in.eof() && in.fail()) {
            std::cerr << "replay: cannot read " << file << '\n';
            return 2;
        }
        // Printed (and flushed) first so a trap names the input that caused it.
        std::cout << "replay: " << file.filename().string() << " (" << bytes.size() << " bytes)"
                  << std::endl;
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    std::cout << "replay: " << files.size() << " inputs passed\n";
    return 0;
}
