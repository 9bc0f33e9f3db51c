#include "logic/request_path.hpp"

#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

using namespace cms_mock;
namespace fs = std::filesystem;

namespace {

struct row {
    std::string target;
    bool accepted = false;
    path_error_kind error{};
    file_kind kind{};
    const char* mac = nullptr;
    const char* model = nullptr;
    const char* device_type = nullptr;
    const char* relative_path = nullptr;  // checked when set
};

row accept(std::string target, file_kind kind, const char* mac = nullptr,
           const char* model = nullptr, const char* device_type = nullptr,
           const char* relative_path = nullptr) {
    return {std::move(target), true, {}, kind, mac, model, device_type, relative_path};
}

row reject(std::string target, path_error_kind error) {
    return {std::move(target), false, error, {}, nullptr, nullptr, nullptr, nullptr};
}

void check(const row& r, const layout& lay) {
    BOOST_TEST_CONTEXT("target '" << r.target << "'") {
        const auto result = classify_target(r.target, lay);
        if (!r.accepted) {
            const auto* e = std::get_if<path_error>(&result);
            BOOST_TEST_REQUIRE(e != nullptr);
            BOOST_TEST(e->kind == r.error);
            BOOST_TEST(!e->reason.empty());
            return;
        }
        const auto* req = std::get_if<file_request>(&result);
        if (req == nullptr) {
            BOOST_ERROR("refused: " << std::get<path_error>(result).reason);
            return;
        }
        BOOST_TEST(req->kind == r.kind);
        BOOST_TEST(req->mac.value_or("-") == (r.mac ? r.mac : "-"));
        BOOST_TEST(req->model.value_or("-") == (r.model ? r.model : "-"));
        BOOST_TEST(req->device_type.value_or("-") == (r.device_type ? r.device_type : "-"));
        if (r.relative_path) BOOST_TEST(req->relative_path == r.relative_path);
        BOOST_TEST(!req->relative_path.empty());
        BOOST_TEST(req->relative_path.front() != '/');
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_layout_table) {
    using k = file_kind;
    using e = path_error_kind;
    const row rows[] = {
        // Benign DMS requests.
        accept("/dms/Aastra9480i/00085d1a2b3c.cfg", k::mac_cfg, "00085D1A2B3C", "9480i",
               "Aastra9480i", "dms/Aastra9480i/00085d1a2b3c.cfg"),
        accept("/dms/Aastra9480i/00085D1A2B3C.cfg", k::mac_cfg, "00085D1A2B3C", "9480i",
               "Aastra9480i"),
        accept("/dms/Aastra9480i/00-08-5d-1a-2b-3c.cfg", k::mac_cfg, "00085D1A2B3C", "9480i",
               "Aastra9480i"),
        accept("/dms/Aastra9480i/00:08:5D:1A:2B:3C.CFG", k::mac_cfg, "00085D1A2B3C", "9480i",
               "Aastra9480i"),
        accept("/dms/Aastra9480i/aastra.cfg", k::aastra_cfg, nullptr, "9480i", "Aastra9480i"),
        accept("/dms/Aastra6731i/6731i.cfg", k::model_cfg, nullptr, "6731i", "Aastra6731i"),
        accept("/dms/Aastra6731i/6731I.CFG", k::model_cfg, nullptr, "6731i", "Aastra6731i"),
        accept("/dms/Aastra6731i/9480i.cfg", k::model_cfg, nullptr, "9480i", "Aastra6731i"),
        accept("/dms/Aastra6731i/6731i.st", k::firmware, nullptr, "6731i", "Aastra6731i"),
        accept("/dms/Aastra6731i/security.tuz", k::security_tuz, nullptr, "6731i", "Aastra6731i"),
        accept("/dms/Aastra6731i/00085D1A2B3C.tuz", k::other, "00085D1A2B3C", "6731i",
               "Aastra6731i"),
        accept("/dms/6739i/aastra.cfg", k::aastra_cfg, nullptr, "6739i", "6739i"),
        accept("/dms/Spectralink/readme.txt", k::other, nullptr, nullptr, "Spectralink"),
        accept("/dms/Aastra9480i/aastra.cfg?rand=123&x=..%2f", k::aastra_cfg, nullptr, "9480i",
               "Aastra9480i", "dms/Aastra9480i/aastra.cfg"),
        // Benign flat requests.
        accept("/aastra.cfg", k::aastra_cfg, nullptr, nullptr, nullptr, "aastra.cfg"),
        accept("/AASTRA.CFG", k::aastra_cfg),
        accept("/%61astra.cfg", k::aastra_cfg, nullptr, nullptr, nullptr, "aastra.cfg"),
        accept("/9480i.cfg", k::model_cfg, nullptr, "9480i"),
        accept("/57i.cfg", k::model_cfg, nullptr, "6757i"),  // legacy model name
        accept("/9480iCT.st", k::firmware, nullptr, "9480iCT"),
        accept("/00085D1A2B3C.cfg", k::mac_cfg, "00085D1A2B3C"),
        accept("/00085D1A2B3C.cfg?x=1", k::mac_cfg, "00085D1A2B3C"),
        accept("/certs/ca.pem", k::other, nullptr, nullptr, nullptr, "certs/ca.pem"),
        accept("/certs/00085D1A2B3C.cfg", k::other),  // below the root: just a file
        accept("/00085D1A2B3.cfg", k::other),          // 11 digits
        accept("/00085D1A2B3G.cfg", k::other),         // not hex
        accept("/00:08-5D:1A:2B:3C.cfg", k::other),    // mixed separators
        accept("/1234i.cfg", k::other),                // unknown model
        accept("/...", k::other),                      // three dots is a name, not a dot segment
        accept("/a%20b.cfg", k::other, nullptr, nullptr, nullptr, "a b.cfg"),
        // Traversal, raw and encoded.
        reject("/%2e%2e/etc/passwd", e::traversal),
        reject("/%2E%2E/etc/passwd", e::traversal),
        reject("/.%2e/etc/passwd", e::traversal),
        reject("/%2e./etc/passwd", e::traversal),
        reject("/../etc/passwd", e::traversal),
        reject("/dms/../x", e::traversal),
        reject("/dms/Aastra9480i/..", e::traversal),
        reject("/dms/Aastra9480i/%2e", e::traversal),
        reject("/./aastra.cfg", e::traversal),
        reject("/..%2fx", e::malformed),           // encoded '/' is refused outright
        reject("/a%2Fb", e::malformed),
        reject("/%252e%252e/etc/passwd", e::malformed),  // double encoding never decodes twice
        reject("/.%%32%65/x", e::malformed),       // CVE-2021-42013 shape: invalid escape
        reject("/%c0%ae%c0%ae/x", e::malformed),   // overlong UTF-8 dots
        // Backslashes, NUL, control bytes.
        reject("/a\\b", e::malformed),
        reject("/..\\..\\windows\\win.ini", e::malformed),
        reject("/a%5cb", e::malformed),
        reject("/a%00b", e::malformed),
        reject(std::string("/a\0b", 4), e::malformed),
        reject("/a\x01" "b", e::malformed),
        reject("/a\x7f", e::malformed),
        reject("/a%0d%0aSet-Cookie:%20x", e::malformed),
        reject("/a\xc3\xa9.cfg", e::malformed),
        reject("/a b", e::malformed),
        // Bad escapes.
        reject("/a%zz", e::malformed),
        reject("/a%", e::malformed),
        reject("/a%2", e::malformed),
        // Not origin-form.
        reject("http://evil.example/aastra.cfg", e::malformed),
        reject("evil.example:80", e::malformed),
        reject("*", e::malformed),
        reject("", e::malformed),
        reject("aastra.cfg", e::malformed),
        reject("/aastra.cfg#frag", e::malformed),
        // Empty segments.
        reject("//etc/passwd", e::malformed),
        reject("/dms//aastra.cfg", e::malformed),
        reject("/dms/Aastra9480i/aastra.cfg/", e::malformed),
        reject("/dms/", e::malformed),
        // Outside the layouts, directories, length.
        reject("/", e::not_found),
        reject("/dms/Aastra9480i", e::not_found),
        reject("/dms/Aastra9480i/sub/x.cfg", e::not_found),
        reject("/" + std::string(1100, 'a'), e::too_long),
        reject("/" + std::string(1024, 'a'), e::too_long),
    };
    BOOST_TEST(std::size(rows) >= 40u);
    for (const auto& r : rows) check(r, layout{});
    // The limit itself is still accepted.
    check(accept("/" + std::string(1023, 'a'), k::other), layout{});
}

BOOST_AUTO_TEST_CASE(layout_switches) {
    using k = file_kind;
    using e = path_error_kind;
    const layout dms_only{true, "dms", false};
    check(accept("/dms/Aastra9480i/aastra.cfg", k::aastra_cfg, nullptr, "9480i", "Aastra9480i"),
          dms_only);
    check(reject("/aastra.cfg", e::not_found), dms_only);
    check(reject("/certs/ca.pem", e::not_found), dms_only);

    const layout flat_only{false, "dms", true};
    check(accept("/aastra.cfg", k::aastra_cfg), flat_only);
    // Without DMS, /dms/... is an ordinary file below the root.
    check(accept("/dms/Aastra9480i/aastra.cfg", k::other), flat_only);

    const layout nested_context{true, "/broadworks/dms/", true};
    check(accept("/broadworks/dms/Aastra6739i/00085D000002.cfg", k::mac_cfg, "00085D000002",
                 "6739i", "Aastra6739i"),
          nested_context);
    check(reject("/broadworks/dms/x", e::not_found), nested_context);
    check(accept("/dms/Aastra9480i/aastra.cfg", k::other), nested_context);

    // Error statuses the server sends.
    BOOST_TEST(http_status(e::malformed) == 400u);
    BOOST_TEST(http_status(e::traversal) == 400u);
    BOOST_TEST(http_status(e::too_long) == 414u);
    BOOST_TEST(http_status(e::not_found) == 404u);
}

BOOST_AUTO_TEST_CASE(resolve_refuses_symlink_escapes) {
    const test_support::temp_dir dir{"request-path"};
    dir.write("root/aastra.cfg", "# served\n");
    dir.write("root/sub/6731i.cfg", "# model\n");
    const auto canary = dir.write("outside/canary.txt", "secret");
    dir.write("root2/file.cfg", "sibling with a common prefix");
    const auto root = dir / "root";
    fs::create_directory_symlink("../outside", root / "escape");
    fs::create_symlink(canary, root / "leak.cfg");
    fs::create_symlink("../root2/file.cfg", root / "sibling.cfg");
    fs::create_symlink("aastra.cfg", root / "alias.cfg");
    fs::create_directory_symlink("sub", root / "subalias");

    const auto canonical_root = fs::canonical(root);
    auto ok = [&](std::string_view rel, const fs::path& expected) {
        BOOST_TEST_CONTEXT("relative path '" << rel << "'") {
            const auto r = resolve_under_root(root, rel);
            const auto* p = std::get_if<fs::path>(&r);
            BOOST_TEST_REQUIRE(p != nullptr);
            BOOST_TEST(p->string() == expected.string());
        }
    };
    auto refused = [&](std::string_view rel, path_error_kind kind) {
        BOOST_TEST_CONTEXT("relative path '" << rel << "'") {
            const auto r = resolve_under_root(root, rel);
            const auto* e = std::get_if<path_error>(&r);
            BOOST_TEST_REQUIRE(e != nullptr);
            BOOST_TEST(e->kind == kind);
        }
    };
    ok("aastra.cfg", canonical_root / "aastra.cfg");
    ok("alias.cfg", canonical_root / "aastra.cfg");
    ok("subalias/6731i.cfg", canonical_root / "sub" / "6731i.cfg");
    ok("missing.cfg", canonical_root / "missing.cfg");  // 404 is the server's business
    refused("escape/canary.txt", path_error_kind::traversal);
    refused("leak.cfg", path_error_kind::traversal);
    refused("sibling.cfg", path_error_kind::traversal);
    refused("../outside/canary.txt", path_error_kind::traversal);
    refused("sub/../../outside/canary.txt", path_error_kind::traversal);
    refused("/etc/passwd", path_error_kind::traversal);
    refused("a\\b", path_error_kind::malformed);
    refused("", path_error_kind::not_found);

    const auto missing_root = resolve_under_root(dir / "no-such-root", "aastra.cfg");
    BOOST_TEST(std::get_if<path_error>(&missing_root) != nullptr);
    // The canary was never touched, and what classify_target accepts resolves the same way.
    BOOST_TEST(test_support::read_file(canary) == "secret");
    const auto classified = classify_target("/escape/canary.txt", layout{});
    const auto& req = std::get<file_request>(classified);
    const auto r = resolve_under_root(root, req.relative_path);
    BOOST_TEST(std::get_if<path_error>(&r) != nullptr);
}
