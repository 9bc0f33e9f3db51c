// The pure half of `phone-agent validate`: each check's evaluation over hand-made observations
// (a good server passes, the specific misbehaviour fails or warns), the registry's metadata and
// the table / JSON / JUnit renderers.
#include "logic/validate_checks.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

using namespace phone_agent;
using namespace phone_agent::validate;

namespace {

const std::string cfg_body = "download protocol: HTTP\nhttp digest username: dev1\nhttp digest password: pw\n";

exchange ok(std::string body, std::vector<header_field> headers = {}) {
    exchange e;
    e.performed = true;
    e.method = "GET";
    e.target = "/aastra.cfg";
    e.transport_ok = true;
    e.status = 200;
    e.body_bytes = body.size();
    e.headers = {{"Content-Length", std::to_string(body.size())},
                 {"Content-Type", "text/plain"},
                 {"ETag", "\"abc\""}};
    for (auto& h : headers) e.headers.push_back(h);
    e.body = std::move(body);
    return e;
}

exchange status_only(unsigned status, std::vector<header_field> headers = {}) {
    exchange e;
    e.performed = true;
    e.transport_ok = true;
    e.status = status;
    e.headers = std::move(headers);
    return e;
}

// What a well-behaved server over plain HTTP produces.
observations good() {
    observations o;
    o.server = "http://127.0.0.1:1/";
    o.mac = "00085D000003";
    o.model = "9480i";
    o.user = "aastra";
    o.exchanges["get"] = ok(cfg_body);
    o.exchanges["missing"] = status_only(404);
    auto head = ok("");
    head.method = "HEAD";
    head.headers[0].value = std::to_string(cfg_body.size());
    o.exchanges["head"] = head;
    auto range = ok(cfg_body.substr(0, 10), {{"Content-Range", "bytes 0-9/" + std::to_string(cfg_body.size())}});
    range.status = 206;
    o.exchanges["range"] = range;
    o.exchanges["conditional"] = status_only(304);
    o.close = {true, "", 200, true, 3};
    o.exchanges["challenge"] =
        status_only(401, {{"WWW-Authenticate", "Digest realm=\"BroadWorks\", nonce=\"n1\", qop=\"auth\", algorithm=MD5"}});
    o.exchanges["answer"] = ok(cfg_body);
    o.exchanges["reuse"] = ok(cfg_body);
    o.exchanges["replay"] = status_only(401);
    o.exchanges["wrong"] = status_only(401);
    o.exchanges["mac_cfg"] = ok("sip line1 auth name: 1001\n");
    o.boot = {true, true, "provisioned", "", {"aastra.cfg: ok 200"}};
    return o;
}

check_status status_of(const observations& o, std::string_view id) {
    const auto* def = find_check(id);
    BOOST_REQUIRE_MESSAGE(def, "no check " << id);
    return evaluate_one(*def, o).result.status;
}

}  // namespace

BOOST_AUTO_TEST_CASE(registry_ids_are_unique_and_complete) {
    std::set<std::string_view> ids;
    for (const auto& def : check_registry()) {
        BOOST_TEST(ids.insert(def.id).second);
        BOOST_TEST(!def.title.empty());
        BOOST_TEST(!def.source.empty());
        BOOST_TEST(!def.needs.empty());
        BOOST_TEST(def.evaluate != nullptr);
    }
    for (auto id : {"HTTP-001", "HTTP-007", "AUTH-001", "AUTH-006", "TLS-001", "TLS-004", "PROV-001", "PROV-004"}) {
        BOOST_TEST(ids.contains(id));
    }
}

BOOST_AUTO_TEST_CASE(a_good_http_server_passes_everything_but_tls) {
    const auto o = good();
    for (const auto& r : evaluate_all(o)) {
        const auto expected = r.id.starts_with("TLS-") ? check_status::skip : check_status::pass;
        BOOST_TEST((r.result.status == expected), r.id << " is " << to_string(r.result.status) << ": "
                                                       << r.result.expected << " / " << r.result.seen);
    }
}

BOOST_AUTO_TEST_CASE(content_length_must_match_the_bytes) {
    auto o = good();
    auto& g = o.exchanges["get"];
    g.body_bytes = 10;
    g.body.resize(10);
    g.transport_ok = false;
    g.transport_error = "truncated: connection closed";
    BOOST_TEST((status_of(o, "HTTP-001") == check_status::fail));
    auto v = evaluate_one(*find_check("HTTP-001"), o).result;
    BOOST_TEST(v.seen.find("10 bytes received") != std::string::npos);
    o = good();
    o.exchanges["get"].headers.erase(o.exchanges["get"].headers.begin());
    BOOST_TEST((status_of(o, "HTTP-001") == check_status::fail));
}

BOOST_AUTO_TEST_CASE(http_checks_fail_or_warn_on_their_fault) {
    auto o = good();
    o.exchanges["missing"] = status_only(503);
    BOOST_TEST((status_of(o, "HTTP-002") == check_status::fail));

    o = good();
    o.exchanges["get"].headers.erase(o.exchanges["get"].headers.begin() + 1);
    BOOST_TEST((status_of(o, "HTTP-003") == check_status::fail));

    o = good();
    o.exchanges["head"].body_bytes = 5;
    BOOST_TEST((status_of(o, "HTTP-004") == check_status::fail));
    o = good();
    o.exchanges["head"].headers[0].value = "1";
    BOOST_TEST((status_of(o, "HTTP-004") == check_status::fail));

    o = good();
    o.exchanges["range"] = o.exchanges["get"];
    BOOST_TEST((status_of(o, "HTTP-005") == check_status::warn));
    o = good();
    o.exchanges["range"].headers.back().value = "bytes 0-9/1";
    BOOST_TEST((status_of(o, "HTTP-005") == check_status::fail));

    o = good();
    o.exchanges["conditional"] = o.exchanges["get"];
    BOOST_TEST((status_of(o, "HTTP-006") == check_status::warn));
    o = good();
    o.exchanges["get"].headers.pop_back();  // no ETag, no Last-Modified
    BOOST_TEST((status_of(o, "HTTP-006") == check_status::warn));

    o = good();
    o.close.closed_by_server = false;
    BOOST_TEST((status_of(o, "HTTP-007") == check_status::fail));
}

BOOST_AUTO_TEST_CASE(auth_checks_fail_or_warn_on_their_fault) {
    auto o = good();
    o.exchanges["challenge"] = status_only(401);
    BOOST_TEST((status_of(o, "AUTH-001") == check_status::fail));
    o.exchanges["challenge"] = status_only(401, {{"WWW-Authenticate", "Digest realm=\"R\", nonce=\"n\", algorithm=SHA-1024"}});
    BOOST_TEST((status_of(o, "AUTH-001") == check_status::fail));
    o.exchanges["challenge"] = status_only(401, {{"WWW-Authenticate", "Digest realm=\"R\""}});
    BOOST_TEST((status_of(o, "AUTH-001") == check_status::fail));
    o.exchanges["challenge"] = status_only(401, {{"WWW-Authenticate", "Digest realm=\"R, nonce=1"}});
    BOOST_TEST((status_of(o, "AUTH-001") == check_status::fail));

    o = good();
    o.exchanges["answer"] = status_only(401);
    BOOST_TEST((status_of(o, "AUTH-002") == check_status::fail));
    o = good();
    o.exchanges["wrong"] = ok(cfg_body);
    BOOST_TEST((status_of(o, "AUTH-003") == check_status::fail));
    o = good();
    o.exchanges["reuse"] = status_only(401);
    BOOST_TEST((status_of(o, "AUTH-004") == check_status::fail));
    BOOST_TEST((status_of(o, "AUTH-005") == check_status::skip));
    o = good();
    o.exchanges["replay"] = ok(cfg_body);
    BOOST_TEST((status_of(o, "AUTH-005") == check_status::fail));
    o = good();
    o.exchanges["challenge"] = status_only(401, {{"WWW-Authenticate", "Basic realm=\"BroadWorks\""}});
    BOOST_TEST((status_of(o, "AUTH-001") == check_status::pass));
    BOOST_TEST((status_of(o, "AUTH-006") == check_status::warn));
    o.https = true;
    BOOST_TEST((status_of(o, "AUTH-006") == check_status::skip));

    o = good();
    o.exchanges["challenge"] = ok(cfg_body);  // no authentication at all
    for (auto id : {"AUTH-001", "AUTH-002", "AUTH-003", "AUTH-004", "AUTH-005"}) {
        BOOST_TEST((status_of(o, id) == check_status::skip), id);
    }
}

BOOST_AUTO_TEST_CASE(tls_checks) {
    auto o = good();
    o.https = true;
    o.tls["tls.legacy"] = {true, true, false, "unsupported protocol", ""};
    o.tls["tls.chain"] = {true, true, true, "", "TLSv1.3"};
    o.tls["tls.hostname"] = {true, true, true, "", "TLSv1.3"};
    o.tls["tls.expiry"] = {true, true, true, "", "TLSv1.3"};
    for (auto id : {"TLS-001", "TLS-002", "TLS-003", "TLS-004"}) BOOST_TEST((status_of(o, id) == check_status::pass), id);
    o.tls["tls.legacy"] = {true, true, true, "", "TLSv1"};
    BOOST_TEST((status_of(o, "TLS-001") == check_status::warn));
    o.tls["tls.hostname"] = {true, true, false, "certificate verify failed: hostname mismatch", ""};
    BOOST_TEST((status_of(o, "TLS-003") == check_status::fail));
    o.tls["tls.chain"] = {true, false, false, "connect: refused", ""};
    BOOST_TEST((status_of(o, "TLS-002") == check_status::fail));
    o.tls.erase("tls.expiry");
    BOOST_TEST((status_of(o, "TLS-004") == check_status::fail));
}

BOOST_AUTO_TEST_CASE(provisioning_checks) {
    auto o = good();
    o.boot = {true, false, "server_error", "aastra.cfg: 404", {}};
    BOOST_TEST((status_of(o, "PROV-001") == check_status::fail));
    o.mac.reset();
    BOOST_TEST((status_of(o, "PROV-001") == check_status::skip));
    BOOST_TEST((status_of(o, "PROV-003") == check_status::skip));

    o = good();
    o.exchanges["get"] = ok(" \n\n");
    BOOST_TEST((status_of(o, "PROV-002") == check_status::fail));
    o.exchanges["get"] = ok(cfg_body + "this line has no colon\n");
    BOOST_TEST((status_of(o, "PROV-002") == check_status::fail));
    o.exchanges["get"] = ok(cfg_body + "download protocol: HTTPS\n");
    BOOST_TEST((status_of(o, "PROV-002") == check_status::warn));

    o = good();
    o.exchanges["mac_cfg"] = status_only(404);
    BOOST_TEST((status_of(o, "PROV-003") == check_status::skip));
    o.exchanges["mac_cfg"] = ok("garbage\n");
    BOOST_TEST((status_of(o, "PROV-003") == check_status::fail));

    o = good();
    o.exchanges["mac_cfg"] = ok("sip line1 auth name: 1\nfrobnicate level: 11\n");
    auto v = evaluate_one(*find_check("PROV-004"), o).result;
    BOOST_TEST((v.status == check_status::warn));
    BOOST_TEST(v.seen.find("frobnicate level") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(renderers) {
    auto o = good();
    o.exchanges["missing"] = status_only(200);
    o.exchanges["missing"].target = "/missing.cfg";
    const auto results = evaluate_all(o);
    BOOST_TEST(exit_code(results) == 1);
    const auto s = summarise(results);
    BOOST_TEST(s.fail == 1u);

    const auto table = render_table(results);
    BOOST_TEST(table.find("HTTP-002 FAIL") != std::string::npos);
    BOOST_TEST(table.find("expected: 404") != std::string::npos);

    auto doc = boost::json::parse(render_json("http://x/\"q\"", results)).as_object();
    BOOST_TEST(doc.at("server").as_string() == "http://x/\"q\"");
    BOOST_TEST(doc.at("summary").at("fail").as_int64() == 1);
    const auto& checks = doc.at("checks").as_array();
    BOOST_TEST(checks.size() == results.size());
    BOOST_TEST(checks[1].at("id").as_string() == "HTTP-002");
    BOOST_TEST(checks[1].at("result").as_string() == "fail");
    BOOST_TEST(checks[1].at("seen").as_string() == "200");

    const auto junit = render_junit("http://x/<&>", results);
    BOOST_TEST(junit.find("failures=\"1\"") != std::string::npos);
    BOOST_TEST(junit.find("<failure message=\"expected 404 for /missing.cfg; seen 200\"") != std::string::npos);
    BOOST_TEST(junit.find("http://x/&lt;&amp;&gt;") != std::string::npos);
    std::size_t cases = 0;
    for (auto pos = junit.find("<testcase "); pos != std::string::npos; pos = junit.find("<testcase ", pos + 1)) ++cases;
    BOOST_TEST(cases == results.size());

    BOOST_TEST(exit_code(evaluate_all(good())) == 0);
}
