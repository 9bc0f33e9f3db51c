// libFuzzer harness for cms-mock's request-target -> file mapping. Properties: an accepted target
// yields a relative path with none of the refused shapes (so no later decoding layer can turn it
// into a traversal), and resolving any string below a root never yields a path outside it, even
// with a symlink in the tree pointing out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include <unistd.h>

#include "logic/request_path.hpp"

namespace fs = std::filesystem;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

struct served_tree {
    fs::path root;
    fs::path canonical_root;
    served_tree() {
        const char* tmp = std::getenv("TMPDIR");
        const fs::path base = fs::path(tmp && *tmp ? tmp : "/tmp") /
                              ("apl-fuzz-request-path-" + std::to_string(::getpid()));
        std::error_code ec;
        fs::create_directories(base / "root/dms/Aastra9480i", ec);
        fs::create_directories(base / "outside", ec);
        // A symlink inside the root pointing out of it: resolve_under_root must refuse it.
        fs::create_directory_symlink(base / "outside", base / "root/escape", ec);
        root = base / "root";
        canonical_root = fs::canonical(root);
    }
};

const served_tree& tree() {
    static const served_tree t;
    return t;
}

bool inside(const fs::path& p, const fs::path& root) {
    auto r = root.begin();
    auto q = p.begin();
    for (; r != root.end(); ++r, ++q) {
        if (q == p.end() || *q != *r) return false;
    }
    return true;
}

void check_relative(std::string_view rel) {
    require(!rel.empty() && rel.front() != '/' && rel.back() != '/');
    for (const char ch : rel) {
        const auto c = static_cast<unsigned char>(ch);
        // %20 decodes to a space on purpose (file names may have one); a raw space is refused
        // before decoding.
        require(c >= 0x20 && c < 0x7f && c != '\\' && c != '%');
    }
    std::size_t start = 0;
    while (start <= rel.size()) {
        auto end = rel.find('/', start);
        if (end == std::string_view::npos) end = rel.size();
        const auto segment = rel.substr(start, end - start);
        require(!segment.empty() && segment != "." && segment != "..");
        start = end + 1;
    }
}

void check_resolved(std::string_view rel) {
    const auto resolved = cms_mock::resolve_under_root(tree().root, rel);
    if (const auto* p = std::get_if<fs::path>(&resolved)) require(inside(*p, tree().canonical_root));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const bool flat : {true, false}) {
        cms_mock::layout lay;
        lay.flat_enabled = flat;
        const auto result = cms_mock::classify_target(input, lay);
        if (const auto* req = std::get_if<cms_mock::file_request>(&result)) {
            require(!input.empty() && input.front() == '/');
            require(input.size() <= cms_mock::max_path_length || input.find('?') != std::string_view::npos);
            check_relative(req->relative_path);
            if (req->mac) require(req->mac->size() == 12);
            check_resolved(req->relative_path);
        } else {
            const auto status = cms_mock::http_status(std::get<cms_mock::path_error>(result).kind);
            require(status == 400 || status == 404 || status == 414);
        }
    }
    // Also straight into the resolver, as a caller that skipped classify_target would.
    if (size <= 4096) check_resolved(input);
    return 0;
}
