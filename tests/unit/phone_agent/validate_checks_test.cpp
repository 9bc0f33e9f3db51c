// The pure half of `phone-agent validate`: each check's evaluation over hand-made observations
// (a good server passes, the specific misbehaviour fails or warns), the registry's metadata and
// the table / JSON / JUnit renderers.
#include "logic/validate_checks.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <variant>
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
    o.exchanges["conditional_other"] = ok(cfg_body);
    o.exchanges["range_unsatisfiable"] =
        status_only(416, {{"Content-Range", "bytes */" + std::to_string(cfg_body.size())}});
    o.exchanges["inject"] = status_only(404);
    o.exchanges["mac_cfg_shared"] = status_only(401);
    auto image = ok(std::string(100, 'f'));
    image.body.clear();
    image.body_sha256 = "ab12";
    o.exchanges["firmware.1"] = image;
    o.exchanges["firmware.2"] = image;
    o.slow_client = {true, "", 200, "slow request answered 200", 401, ""};
    o.dropped_connection = {true, "", 0, "dropped", 401, ""};
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
    for (auto id : {"HTTP-001", "HTTP-008", "AUTH-001", "AUTH-008", "TLS-001", "TLS-006", "PROV-001", "PROV-005",
                    "ROB-001", "ROB-002"}) {
        BOOST_TEST(ids.contains(id));
    }
}

BOOST_AUTO_TEST_CASE(a_good_http_server_passes_everything_but_tls) {
    const auto o = good();
    for (const auto& r : evaluate_all(o)) {
        // AUTH-008 needs --stale-after; TLS-* need https.
        const auto expected =
            r.id.starts_with("TLS-") || r.id == "AUTH-008" ? check_status::skip : check_status::pass;
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
    o.exchanges["get"].headers[1].value = "text/html; charset=utf-8";
    BOOST_TEST((status_of(o, "HTTP-003") == check_status::fail));
    o.exchanges["get"].headers[1].value = "textplain";
    BOOST_TEST((status_of(o, "HTTP-003") == check_status::fail));
    o.exchanges["get"].headers[1].value = "image/png";
    BOOST_TEST((status_of(o, "HTTP-003") == check_status::warn));
    o.exchanges["get"].headers[1].value = "Application/Octet-Stream";
    BOOST_TEST((status_of(o, "HTTP-003") == check_status::pass));

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
    o.exchanges["range_unsatisfiable"] = o.exchanges["get"];
    BOOST_TEST((status_of(o, "HTTP-005") == check_status::warn));
    o.exchanges["range_unsatisfiable"] = status_only(206);
    BOOST_TEST((status_of(o, "HTTP-005") == check_status::fail));
    o.exchanges["range_unsatisfiable"] = status_only(416, {{"Content-Range", "bytes */3"}});
    BOOST_TEST((status_of(o, "HTTP-005") == check_status::fail));

    o = good();
    o.exchanges["conditional"] = o.exchanges["get"];
    BOOST_TEST((status_of(o, "HTTP-006") == check_status::warn));
    o = good();
    o.exchanges["get"].headers.pop_back();  // no ETag, no Last-Modified
    BOOST_TEST((status_of(o, "HTTP-006") == check_status::warn));
    o = good();
    o.exchanges["conditional_other"] = status_only(304);
    BOOST_TEST((status_of(o, "HTTP-006") == check_status::fail));

    o = good();
    o.exchanges["inject"] = status_only(302, {{"Location", "/x"}, {"X-Phone-Agent-Injected", "yes"}});
    BOOST_TEST((status_of(o, "HTTP-008") == check_status::fail));
    o.exchanges["inject"] = status_only(400);
    BOOST_TEST((status_of(o, "HTTP-008") == check_status::pass));
    o.exchanges.erase("inject");
    BOOST_TEST((status_of(o, "HTTP-008") == check_status::fail));

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
    o.exchanges["mac_cfg_shared"] = ok("sip line1 password: secret\n");
    o.exchanges["mac_cfg_shared"].authorized = true;
    auto mac_shared = evaluate_one(*find_check("AUTH-007"), o).result;
    BOOST_TEST((mac_shared.status == check_status::fail));
    BOOST_TEST(mac_shared.seen == "200 (served to the shared login)");
    o.exchanges["mac_cfg_shared"] = status_only(403);
    BOOST_TEST((status_of(o, "AUTH-007") == check_status::pass));
    o.mac.reset();
    BOOST_TEST((status_of(o, "AUTH-007") == check_status::skip));

    o = good();
    BOOST_TEST((status_of(o, "AUTH-008") == check_status::skip));
    o.stale_after_seconds = 3;
    o.exchanges["stale"] = status_only(401, {{"WWW-Authenticate", "Digest realm=\"R\", nonce=\"n2\", stale=true"}});
    BOOST_TEST((status_of(o, "AUTH-008") == check_status::pass));
    o.exchanges["stale"] = status_only(401, {{"WWW-Authenticate", "Digest realm=\"R\", nonce=\"n2\""}});
    BOOST_TEST((status_of(o, "AUTH-008") == check_status::fail));
    o.exchanges["stale"] = ok(cfg_body);
    BOOST_TEST((status_of(o, "AUTH-008") == check_status::warn));

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

    o.tls_key = {true, true, "", "EC", 256};
    BOOST_TEST((status_of(o, "TLS-005") == check_status::pass));
    o.tls_key = {true, true, "", "RSA", 2048};
    BOOST_TEST((status_of(o, "TLS-005") == check_status::pass));
    o.tls_key = {true, true, "", "RSA", 1024};
    BOOST_TEST((status_of(o, "TLS-005") == check_status::warn));
    o.tls_key = {true, true, "", "EC", 224};
    BOOST_TEST((status_of(o, "TLS-005") == check_status::warn));
    o.tls_key = {true, false, "connect: refused", "", 0};
    BOOST_TEST((status_of(o, "TLS-005") == check_status::fail));

    BOOST_TEST((status_of(o, "TLS-006") == check_status::skip));
    o.client_cert_given = true;
    o.client_cert = {true, false, 0, "tls: certificate required", true, 200, ""};
    BOOST_TEST((status_of(o, "TLS-006") == check_status::pass));
    o.client_cert = {true, false, 0, "tls: alert", false, 0, "tls: unknown ca"};
    BOOST_TEST((status_of(o, "TLS-006") == check_status::fail));
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

    o = good();
    o.exchanges["firmware.2"].body_sha256 = "cd34";
    BOOST_TEST((status_of(o, "PROV-005") == check_status::fail));
    o = good();
    o.exchanges["firmware.2"].body_bytes = 50;
    o.exchanges["firmware.2"].transport_ok = false;
    o.exchanges["firmware.2"].transport_error = "truncated: closed";
    BOOST_TEST((status_of(o, "PROV-005") == check_status::fail));
    o = good();
    o.exchanges["firmware.1"] = status_only(404);
    o.exchanges.erase("firmware.2");
    BOOST_TEST((status_of(o, "PROV-005") == check_status::warn));
    o.exchanges["firmware.1"] = status_only(401);
    BOOST_TEST((status_of(o, "PROV-005") == check_status::fail));
}

BOOST_AUTO_TEST_CASE(robustness_checks) {
    auto o = good();
    o.slow_client.next_status = 0;
    o.slow_client.next_error = "connect: Connection refused";
    auto v = evaluate_one(*find_check("ROB-001"), o).result;
    BOOST_TEST((v.status == check_status::fail));
    BOOST_TEST(v.seen == "connect: Connection refused");
    o.slow_client.next_status = 503;
    BOOST_TEST((status_of(o, "ROB-001") == check_status::fail));
    o.dropped_connection.error = "connect: Connection refused";
    BOOST_TEST((status_of(o, "ROB-002") == check_status::fail));
    o.dropped_connection = {};
    BOOST_TEST((status_of(o, "ROB-002") == check_status::fail));
}

BOOST_AUTO_TEST_CASE(baseline_from_a_list_and_from_json) {
    auto parsed = parse_baseline("# known\nAUTH-005  replay accepted by the vendor\n\nHTTP-003\r\n", "known.txt");
    BOOST_REQUIRE(std::holds_alternative<baseline>(parsed));
    BOOST_TEST(std::get<baseline>(parsed).ids.size() == 2u);

    auto bad = parse_baseline("HTTP-003\nHTTP-999\n", "known.txt");
    BOOST_REQUIRE(std::holds_alternative<baseline_error>(bad));
    BOOST_TEST(std::get<baseline_error>(bad).message.starts_with("known.txt:2: unknown check id 'HTTP-999'"));

    auto o = good();
    o.exchanges["replay"] = ok(cfg_body);   // AUTH-005 fails
    o.exchanges["missing"] = status_only(500);  // HTTP-002 fails
    auto results = evaluate_all(o);
    const auto json = render_json("http://x/", results);
    auto from_json = parse_baseline(json, "previous.json");
    BOOST_REQUIRE(std::holds_alternative<baseline>(from_json));
    BOOST_TEST((std::get<baseline>(from_json).ids == std::set<std::string, std::less<>>{"AUTH-005", "HTTP-002"}));

    auto not_a_report = parse_baseline("{\"x\": 1}", "other.json");
    BOOST_REQUIRE(std::holds_alternative<baseline_error>(not_a_report));
    BOOST_TEST(std::get<baseline_error>(not_a_report).message.find("other.json") == 0u);
    BOOST_TEST(std::holds_alternative<baseline_error>(parse_baseline("{\"checks\": [", "broken.json")));
}

BOOST_AUTO_TEST_CASE(baseline_known_failures_do_not_fail_and_fixed_ones_are_reported) {
    auto o = good();
    o.exchanges["replay"] = ok(cfg_body);  // AUTH-005 fails
    auto results = evaluate_all(o);
    BOOST_TEST(exit_code(results) == 1);

    baseline known;
    known.ids = {"AUTH-005", "HTTP-003"};  // HTTP-003 passes now: fixed
    const auto report = apply_baseline(known, results);
    BOOST_TEST(exit_code(results) == 0);
    BOOST_TEST((report.known == std::vector<std::string>{"AUTH-005"}));
    BOOST_TEST((report.fixed == std::vector<std::string>{"HTTP-003"}));
    BOOST_TEST(summarise(results).known == 1u);

    const auto table = render_table(results, report);
    BOOST_TEST(table.find("known failure (--baseline)") != std::string::npos);
    BOOST_TEST(table.find("fixed since the baseline: HTTP-003") != std::string::npos);
    auto doc = boost::json::parse(render_json("http://x/", results, report)).as_object();
    BOOST_TEST(doc.at("baseline").at("fixed").as_array().at(0).as_string() == "HTTP-003");
    BOOST_TEST(doc.at("summary").at("known").as_int64() == 1);
    const auto junit = render_junit("http://x/", results);
    BOOST_TEST(junit.find("failures=\"0\"") != std::string::npos);
    BOOST_TEST(junit.find("known failure (baseline)") != std::string::npos);

    // A failure the baseline does not list still fails the run.
    o.exchanges["missing"] = status_only(500);
    results = evaluate_all(o);
    apply_baseline(known, results);
    BOOST_TEST(exit_code(results) == 1);
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
