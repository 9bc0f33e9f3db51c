// Content faults (wrong Content-Type, HEAD/GET mismatch, Range and conditional faults): their YAML
// keys and errors, how fault_picker merges them, and exactly what the two hooks change.
#include "logic/content_faults.hpp"
#include "logic/fault_picker.hpp"
#include "logic/mock_config_loader.hpp"

#include "temp_dir.hpp"

#include "common/config/yaml_reader.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace cms_mock;

namespace {

mock_config load(const std::string& yaml, test_support::temp_dir& dir) {
    auto file = dir.write("cms.yaml", yaml);
    return load_mock_config(file, {}, {});
}

std::string header(const response_plan& p, std::string_view name) {
    for (const auto& h : p.headers) {
        if (h.name == name) return h.value;
    }
    return "<none>";
}

response_plan file_plan(std::string body, bool head = false) {
    response_plan p;
    p.head = head;
    p.body = string_body(std::move(body));
    p.set_header("Content-Type", "text/plain");
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(yaml_keys_are_read) {
    test_support::temp_dir dir("content-faults");
    auto cfg = load("faults:\n"
                    "  - {path: \"*aastra.cfg\", content_type: text/html, head_mismatch: true}\n"
                    "  - {path: \"*.cfg\", range: wrong, conditional: always_304}\n"
                    "  - {path: \"*.st\", content_type: \"\", range: ignore, conditional: ignore}\n",
                    dir);
    BOOST_REQUIRE(cfg.faults.size() == 3u);
    BOOST_TEST(*cfg.faults[0].content.content_type == "text/html");
    BOOST_TEST(cfg.faults[0].content.head_mismatch);
    BOOST_TEST((cfg.faults[1].content.range == range_fault::wrong));
    BOOST_TEST((cfg.faults[1].content.conditional == conditional_fault::always_304));
    BOOST_TEST(cfg.faults[2].content.content_type->empty());
    BOOST_TEST((cfg.faults[2].content.conditional == conditional_fault::ignore));
}

BOOST_AUTO_TEST_CASE(bad_values_name_the_key_and_line) {
    test_support::temp_dir dir("content-faults");
    auto error_of = [&](const std::string& yaml) -> std::string {
        try {
            load(yaml, dir);
        } catch (const common::config::config_error& e) {
            return e.what();
        }
        return "no error";
    };
    auto e = error_of("faults:\n  - {path: \"*\", range: sometimes}\n");
    BOOST_TEST(e.find(":2:") != std::string::npos, e);
    BOOST_TEST(e.find("faults[0].range") != std::string::npos, e);
    e = error_of("faults:\n  - path: \"*\"\n    conditional: never\n");
    BOOST_TEST(e.find(":3:") != std::string::npos, e);
    BOOST_TEST(e.find("faults[0].conditional") != std::string::npos, e);
    e = error_of("faults:\n  - {path: \"*\", content_type: \"text/html\\r\\nX-Evil: 1\"}\n");
    BOOST_TEST(e.find(":2:") != std::string::npos, e);
    BOOST_TEST(e.find("faults[0]: content_type: control characters") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(picker_merges_content_faults_and_names_them) {
    fault_rule a;
    a.path = "*aastra.cfg";
    a.content.content_type = "text/html";
    fault_rule b;
    b.path = "*.cfg";
    b.content.range = range_fault::ignore;
    fault_rule other;
    other.path = "*.st";
    other.delay = std::chrono::milliseconds(5);
    fault_picker picker({a, b, other}, 1);
    auto p = picker.pick("dms/Aastra9480i/aastra.cfg", "");
    BOOST_REQUIRE(p.content.has_value());
    BOOST_TEST(*p.content->content_type == "text/html");
    BOOST_TEST((p.content->range == range_fault::ignore));
    BOOST_TEST(p.plan.name == "content-type,range-ignored");
    // A rule without a content fault leaves none: the hooks are not called.
    BOOST_TEST(!picker.pick("9480i.st", "").content.has_value());
    BOOST_TEST(!picker.pick("other.txt", "").content.has_value());
}

BOOST_AUTO_TEST_CASE(request_hook_hides_or_forces_validators) {
    request_view req;
    req.headers = {{"Range", "bytes=0-9"}, {"If-Range", "\"e\""}, {"If-None-Match", "\"e\""}, {"Host", "x"}};
    content_fault ignore_range;
    ignore_range.range = range_fault::ignore;
    apply_request_faults(ignore_range, req);
    BOOST_TEST(!req.header("Range"));
    BOOST_TEST(!req.header("If-Range"));
    BOOST_TEST(*req.header("If-None-Match") == "\"e\"");

    content_fault always;
    always.conditional = conditional_fault::always_304;
    req.headers.push_back({"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"});
    req.headers[0].value = "\"another\"";  // If-None-Match
    apply_request_faults(always, req);
    BOOST_TEST(*req.header("If-None-Match") == "*");
    BOOST_TEST(!req.header("If-Modified-Since"));

    request_view plain;  // not conditional: left alone, or every GET would be a 304
    plain.headers = {{"Host", "x"}};
    apply_request_faults(always, plain);
    BOOST_TEST(plain.headers.size() == 1u);

    content_fault ignore_cond;
    ignore_cond.conditional = conditional_fault::ignore;
    apply_request_faults(ignore_cond, req);
    BOOST_TEST(!req.header("If-None-Match"));
}

BOOST_AUTO_TEST_CASE(response_hook_rewrites_type_head_length_and_range) {
    content_fault html;
    html.content_type = "text/html";
    auto p = file_plan("0123456789abcdef");
    apply_response_faults(html, p);
    BOOST_TEST(header(p, "Content-Type") == "text/html");
    content_fault none;
    none.content_type = "";
    apply_response_faults(none, p);
    BOOST_TEST(header(p, "Content-Type") == "<none>");

    content_fault head;
    head.head_mismatch = true;
    auto get = file_plan("0123456789abcdef");
    apply_response_faults(head, get);
    BOOST_TEST(get.length() == 16u);  // GET is untouched
    auto h = file_plan("0123456789abcdef", true);
    apply_response_faults(head, h);
    BOOST_TEST(h.length() == 8u);

    content_fault wrong;
    wrong.range = range_fault::wrong;
    auto partial = file_plan("0123456789abcdef");
    partial.status = 206;
    partial.body_offset = 0;
    partial.body_length = 10;
    partial.set_header("Content-Range", "bytes 0-9/16");
    apply_response_faults(wrong, partial);
    BOOST_TEST(header(partial, "Content-Range") == "bytes 1-10/16");
    BOOST_TEST(partial.length() == 10u);
}
