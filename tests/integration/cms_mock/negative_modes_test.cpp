// cms-mock's negative authentication modes and Digest edge cases against real clients: curl
// --digest, Python (http.client + hashlib for userhash) and a hand-driven digest_client over a raw
// socket for nonce expiry and nc replay. Also per-device modes and credential rotation.
#include "cms_mock_runner.hpp"
#include "raw_socket.hpp"

#include "common/auth/auth_header.hpp"
#include "common/auth/digest_client.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace test_support;
using namespace std::chrono_literals;

namespace {

const std::string ua1 = "Aastra9480i MAC:00-08-5D-00-00-01 V:3.2.2.3077-SIP";
const std::string ua2 = "Aastra9480i MAC:00-08-5D-00-00-02 V:3.2.2.3077-SIP";

std::unique_ptr<cms_mock_runner> start(const std::string& yaml) {
    cms_mock_options o;
    o.config_yaml = yaml;
    o.https = false;
    return std::make_unique<cms_mock_runner>(o);
}

run_result curl(std::vector<std::string> args, const std::string& ua = ua1) {
    std::vector<std::string> argv{"curl", "-s", "-S", "--max-time", "10", "-o", "/dev/null", "-A", ua,
                                  "-w", "%{http_code}"};
    for (auto& a : args) argv.push_back(std::move(a));
    return run(argv, 20s, "");
}

// The status curl printed with -w ("000" when it got no answer).
std::string status_of(const run_result& r) { return r.stdout_text; }

std::string journal(const cms_mock_runner& mock) {
    return run({"curl", "-s", "--max-time", "5", mock.admin_url() + "/_admin/journal"}, 10s, "").stdout_text;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

raw_result get(const cms_mock_runner& mock, const std::string& target, const std::string& authorization = "",
               const std::string& ua = ua1) {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + ua + "\r\n";
    if (!authorization.empty()) req += "Authorization: " + authorization + "\r\n";
    req += "Connection: close\r\n\r\n";
    return raw_exchange("127.0.0.1", port_of(mock.http_url()), req, 10s);
}

std::string status_line(const raw_result& r) { return r.received.substr(0, r.received.find("\r\n")); }

bool has_status(const raw_result& r, const std::string& code) {
    return r.received.starts_with("HTTP/1.1 " + code + " ");
}

// Value of the first header with this name (case-insensitive) in the response head.
std::optional<std::string> header(const raw_result& r, const std::string& name) {
    const auto head = r.received.substr(0, r.received.find("\r\n\r\n"));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
        const auto start = pos + 2;
        const auto end = head.find("\r\n", start);
        const auto line = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const auto colon = line.find(':');
        if (colon != std::string::npos && common::auth::iequals(line.substr(0, colon), name)) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            return value;
        }
        pos = end;
    }
    return std::nullopt;
}

std::vector<common::auth::challenge> challenges(const raw_result& r) {
    auto www = header(r, "WWW-Authenticate");
    BOOST_REQUIRE_MESSAGE(www, "no WWW-Authenticate in: " + status_line(r));
    auto parsed = common::auth::parse_challenges(*www);
    BOOST_REQUIRE(std::holds_alternative<std::vector<common::auth::challenge>>(parsed));
    return std::get<std::vector<common::auth::challenge>>(parsed);
}

std::string param(const raw_result& r, const std::string& name) {
    const auto all = challenges(r);
    const auto* p = all.front().find(name);
    return p ? p->value : "";
}

std::string authorization(common::auth::digest_client& client, const std::string& uri, const std::string& cnonce) {
    auto h = client.authorization("GET", uri, cnonce);
    BOOST_REQUIRE(std::holds_alternative<std::string>(h));
    return std::get<std::string>(h);
}

common::auth::digest_client client_for(const std::string& user, const std::string& password) {
    auto made = common::auth::digest_client::create(user, password);
    BOOST_REQUIRE(std::holds_alternative<common::auth::digest_client>(made));
    return std::get<common::auth::digest_client>(std::move(made));
}

std::string rule_yaml(const std::string& negative) {
    return "auth:\n  rules:\n    - path: \"*\"\n      negative: " + negative + "\n";
}

// userhash=true with SHA-256, computed with nothing but hashlib. Prints the challenge's userhash
// flag and the final status.
const char* python_userhash = R"py(
import hashlib, http.client, os, re, sys
port, path, user, password, ua = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def get(headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers=dict(headers, **{"User-Agent": ua}))
    r = c.getresponse(); r.read(); c.close()
    return r
first = get({})
www = first.getheader("WWW-Authenticate") or ""
p = {k: (q if q else t) for k, q, t in re.findall(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', www)}
H = lambda s: hashlib.sha256(s.encode()).hexdigest()
realm, nonce, cnonce, nc = p["realm"], p["nonce"], os.urandom(8).hex(), "00000001"
ha1, ha2 = H(f"{user}:{realm}:{password}"), H(f"GET:{path}")
resp = H(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
auth = (f'Digest username="{H(user + ":" + realm)}", realm="{realm}", nonce="{nonce}", uri="{path}", '
        f'algorithm=SHA-256, qop=auth, nc={nc}, cnonce="{cnonce}", response="{resp}", userhash=true')
if "opaque" in p: auth += f', opaque="{p["opaque"]}"'
print(p.get("algorithm", "-"), p.get("userhash", "-"), get({"Authorization": auth}).status)
)py";

}  // namespace

BOOST_AUTO_TEST_SUITE(cms_mock_negative_modes)

BOOST_AUTO_TEST_CASE(stale_with_flag_curl_retries_once_and_succeeds) {
    auto mock = start(rule_yaml("stale_with_flag"));
    auto ok = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(ok) == "200");
    auto j = journal(*mock);
    BOOST_TEST(count_of(j, "\"auth_outcome\":\"stale\"") == 1u);  // the mode did fire
    BOOST_TEST(count_of(j, "\"auth_outcome\":\"ok\"") == 1u);
    auto bad = curl({"--digest", "-u", "aastra:wrong", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(bad) == "401");
}

BOOST_AUTO_TEST_CASE(stale_without_flag_curl_gives_up) {
    auto mock = start(rule_yaml("stale_without_flag"));
    auto r = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(r) == "401");
    BOOST_TEST(count_of(journal(*mock), "\"auth_outcome\":\"stale\"") == 1u);
    // The 401 after the right password carries a fresh nonce but no stale flag.
    auto first = get(*mock, "/aastra.cfg");
    auto client = client_for("aastra", "aastra");
    BOOST_REQUIRE(!client.on_challenges(challenges(first)));
    auto refused = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c1"));
    BOOST_TEST(has_status(refused, "401"), status_line(refused));
    BOOST_TEST(param(refused, "stale").empty());
    BOOST_TEST(param(refused, "nonce") != param(first, "nonce"));
}

BOOST_AUTO_TEST_CASE(endless_401_curl_stops_after_one_retry) {
    auto mock = start(rule_yaml("endless_401"));
    auto r = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(r) == "401");
    auto j = journal(*mock);
    BOOST_TEST(count_of(j, "\"auth_outcome\":\"challenged\"") == 1u);
    BOOST_TEST(count_of(j, "\"auth_outcome\":\"forbidden\"") == 1u);  // right password, refused
}

BOOST_AUTO_TEST_CASE(no_challenge_401_without_www_authenticate) {
    auto mock = start(rule_yaml("no_challenge"));
    auto raw = get(*mock, "/aastra.cfg");
    BOOST_TEST(has_status(raw, "401"), status_line(raw));
    BOOST_TEST(!header(raw, "WWW-Authenticate").has_value());
    auto r = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(r) == "401");
}

BOOST_AUTO_TEST_CASE(unsupported_algorithm_sha1024_curl_fails) {
    auto mock = start("auth:\n  rules:\n    - path: \"*\"\n      algorithms: []\n      negative: unsupported_algorithm\n");
    auto raw = get(*mock, "/aastra.cfg");
    BOOST_TEST(has_status(raw, "401"), status_line(raw));
    BOOST_TEST(param(raw, "algorithm") == "SHA-1024");
    auto client = client_for("aastra", "aastra");
    BOOST_TEST(client.on_challenges(challenges(raw)).has_value());  // nothing usable
    auto r = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(r) == "401");
    BOOST_TEST(count_of(journal(*mock), "\"auth_outcome\":\"ok\"") == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_realm_curl_fails) {
    auto mock = start(rule_yaml("wrong_realm"));
    auto raw = get(*mock, "/aastra.cfg");
    BOOST_TEST(param(raw, "realm") == "BroadWorks-elsewhere");
    auto r = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(r) == "401");
    BOOST_TEST(count_of(journal(*mock), "\"auth_outcome\":\"bad_password\"") == 1u);
}

BOOST_AUTO_TEST_CASE(nonce_lifetime_reused_nonce_is_stale_after_expiry) {
    auto mock = start("auth:\n  nonce_lifetime: 1s\n");
    auto client = client_for("aastra", "aastra");
    auto first = get(*mock, "/aastra.cfg");
    BOOST_REQUIRE(has_status(first, "401"));
    BOOST_REQUIRE(!client.on_challenges(challenges(first)));
    auto fresh = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c1"));
    BOOST_TEST(has_status(fresh, "200"), status_line(fresh));
    BOOST_TEST(!client.on_success());
    std::this_thread::sleep_for(2s);
    auto late = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c2"));  // same nonce, nc 2
    BOOST_TEST(client.nonce_count() == 2u);
    BOOST_TEST(has_status(late, "401"), status_line(late));
    BOOST_TEST(param(late, "stale") == "true");
    // The stale answer is retried once with the new nonce, without asking for the password.
    BOOST_REQUIRE(!client.on_challenges(challenges(late)));
    auto retried = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c3"));
    BOOST_TEST(has_status(retried, "200"), status_line(retried));
    // Wrong password on an expired nonce: no stale.
    auto wrong = client_for("aastra", "nope");
    BOOST_REQUIRE(!wrong.on_challenges(challenges(first)));
    auto wrong_late = get(*mock, "/aastra.cfg", authorization(wrong, "/aastra.cfg", "c4"));
    BOOST_TEST(has_status(wrong_late, "401"));
    BOOST_TEST(param(wrong_late, "stale").empty());
}

BOOST_AUTO_TEST_CASE(same_authorization_twice_is_a_replay) {
    auto mock = start("");
    auto client = client_for("aastra", "aastra");
    BOOST_REQUIRE(!client.on_challenges(challenges(get(*mock, "/aastra.cfg"))));
    const auto once = authorization(client, "/aastra.cfg", "c1");
    auto first = get(*mock, "/aastra.cfg", once);
    BOOST_TEST(has_status(first, "200"), status_line(first));
    auto again = get(*mock, "/aastra.cfg", once);
    BOOST_TEST(has_status(again, "401"), status_line(again));
    BOOST_TEST(param(again, "stale").empty());
    BOOST_TEST(count_of(journal(*mock), "\"auth_outcome\":\"replay\"") == 1u);
    // The next nc on the same nonce is fine.
    auto next = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c2"));
    BOOST_TEST(has_status(next, "200"), status_line(next));
}

BOOST_AUTO_TEST_CASE(nc_replay_mode_refuses_the_second_use_of_a_nonce) {
    auto mock = start(rule_yaml("nc_replay"));
    auto client = client_for("aastra", "aastra");
    BOOST_REQUIRE(!client.on_challenges(challenges(get(*mock, "/aastra.cfg"))));
    auto first = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c1"));
    BOOST_TEST(has_status(first, "200"), status_line(first));
    BOOST_TEST(!client.on_success());
    auto second = get(*mock, "/aastra.cfg", authorization(client, "/aastra.cfg", "c2"));  // nc 2
    BOOST_TEST(has_status(second, "401"), status_line(second));
    BOOST_TEST(param(second, "stale").empty());
    // curl does one request per nonce here, so it is not affected.
    auto r = curl({"--digest", "-u", "aastra:aastra", mock->http_url() + "/aastra.cfg"});
    BOOST_TEST(status_of(r) == "200");
}

BOOST_AUTO_TEST_CASE(userhash_sha256_with_python_hashlib) {
    auto mock = start(R"(
auth:
  rules:
    - path: "*"
      file: mac_cfg
      credentials: device
      algorithms: [SHA-256]
      userhash: true
)");
    auto script = mock->state().write("userhash.py", python_userhash);
    const auto port = std::to_string(port_of(mock->http_url()));
    auto ok = run({"python3", script.string(), port, "/00085D000001.cfg", "dev000001", "pw000001", ua1}, 20s, "");
    BOOST_TEST(ok.stdout_text == "SHA-256 true 200\n", ok.stdout_text + ok.stderr_text.substr(0, 300));
    auto bad = run({"python3", script.string(), port, "/00085D000001.cfg", "dev000001", "wrong", ua1}, 20s, "");
    BOOST_TEST(bad.stdout_text == "SHA-256 true 401\n", bad.stdout_text + bad.stderr_text.substr(0, 300));
    auto other = run({"python3", script.string(), port, "/00085D000001.cfg", "dev000002", "pw000002", ua2}, 20s, "");
    BOOST_TEST(other.stdout_text == "SHA-256 true 401\n", other.stdout_text + other.stderr_text.substr(0, 300));
}

BOOST_AUTO_TEST_CASE(per_device_negative_mode_applies_only_to_that_device) {
    auto mock = start(R"(
auth:
  rules:
    - path: "*"
      mac: 00-08-5d-00-00-01
      negative: endless_401
    - {path: "*", file: mac_cfg, credentials: device}
    - {path: "*", file: aastra_cfg, credentials: shared}
)");
    const auto a_cfg = mock->http_url() + "/aastra.cfg";
    BOOST_TEST(status_of(curl({"--digest", "-u", "aastra:aastra", a_cfg}, ua1)) == "401");
    BOOST_TEST(status_of(curl({"--digest", "-u", "aastra:aastra", a_cfg}, ua2)) == "200");
    // The MAC in the path names the device, whatever the User-Agent says.
    BOOST_TEST(status_of(curl({"--digest", "-u", "dev000001:pw000001", mock->http_url() + "/00085D000001.cfg"},
                              ua2)) == "401");
    BOOST_TEST(status_of(curl({"--digest", "-u", "dev000002:pw000002", mock->http_url() + "/00085D000002.cfg"},
                              ua1)) == "200");
}

BOOST_AUTO_TEST_CASE(previous_password_until_the_rotation_overlap_ends) {
    auto mock = start(R"(
devices:
  - mac: 00085D000001
    model: 9480i
    device: {username: dev1, password: new-pw, previous_password: old-pw}
auth:
  rotation_overlap: 4s
)");
    const auto fw = mock->http_url() + "/9480i.st";
    BOOST_TEST(status_of(curl({"--digest", "-u", "dev1:old-pw", fw})) == "200");
    BOOST_TEST(status_of(curl({"--digest", "-u", "dev1:new-pw", fw})) == "200");
    std::this_thread::sleep_for(5s);
    BOOST_TEST(status_of(curl({"--digest", "-u", "dev1:old-pw", fw})) == "401");
    BOOST_TEST(status_of(curl({"--digest", "-u", "dev1:new-pw", fw})) == "200");
}

BOOST_AUTO_TEST_SUITE_END()
