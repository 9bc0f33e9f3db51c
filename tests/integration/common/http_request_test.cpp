// The HTTP client writes its requests itself (format_request) instead of through Beast's message
// and serializer; the bytes on the wire must be the ones Beast wrote for the same request.
#include "common/net/http_client.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace http = boost::beast::http;
using common::net::fetch_request;
using common::net::format_request;

namespace {

// What http_client built before: Host, the caller's fields, Connection, prepare_payload().
std::string beast_request(const fetch_request& req, bool keep_alive) {
    http::request<http::string_body> msg{http::string_to_verb(req.method), req.url.target, 11};
    if (msg.method() == http::verb::unknown) msg.method_string(req.method);
    const bool default_port = (req.url.scheme == "https" && req.url.port == 443) ||
                              (req.url.scheme == "http" && req.url.port == 80);
    std::string host = req.url.host.find(':') != std::string::npos ? "[" + req.url.host + "]" : req.url.host;
    msg.set(http::field::host, default_port ? host : host + ":" + std::to_string(req.url.port));
    for (const auto& h : req.headers) msg.insert(h.name, h.value);
    if (!keep_alive && !msg.count(http::field::connection)) msg.set(http::field::connection, "close");
    msg.body() = req.body;
    msg.prepare_payload();
    std::ostringstream out;
    out << msg;
    return out.str();
}

fetch_request request(std::string method, std::string url, std::vector<common::net::http_header> headers = {},
                      std::string body = {}) {
    fetch_request r;
    r.method = std::move(method);
    r.url = *common::net::parse_url(url);
    r.headers = std::move(headers);
    r.body = std::move(body);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_request)

BOOST_AUTO_TEST_CASE(same_bytes_as_beast) {
    const std::vector<fetch_request> cases{
        request("GET", "http://127.0.0.1:8080/dms/aastra.cfg", {{"User-Agent", "Aastra6731i MAC:00-08-5D-00-00-01 V:3.2.2.3077-SIP"}}),
        request("GET", "http://example.net/", {}),
        request("GET", "https://example.net:443/a?b=c", {{"Authorization", "Digest username=\"a\""}}),
        request("GET", "https://[::1]:8443/x.cfg", {{"Accept-Language", "en"}}),
        request("GET", "http://[fe80::1]/x", {}),
        request("HEAD", "http://10.0.0.1:81/x", {{"Range", "bytes=0-9"}, {"If-None-Match", "\"abc\""}}),
        request("GET", "http://10.0.0.1/x", {{"Connection", "close"}}),
        request("GET", "http://10.0.0.1/x", {{"connection", "keep-alive"}}),
        request("POST", "http://10.0.0.1/", {{"Content-Type", "text/xml"}}, "xml=<AastraIPPhoneTextScreen/>"),
        request("POST", "http://10.0.0.1/", {}),
        request("PUT", "http://10.0.0.1/f", {{"Content-Length", "99"}}, "12345"),
        request("OPTIONS", "http://10.0.0.1/", {}),
        request("DELETE", "http://10.0.0.1/f", {}, "body"),
        request("PROPFIND", "http://10.0.0.1/", {{"Depth", "1"}}),
        request("GET", "http://10.0.0.1/%0D%0Ax", {{"X-Empty", ""}}),
    };
    for (const auto& req : cases) {
        for (const bool keep_alive : {false, true}) {
            BOOST_TEST_CONTEXT(req.method << " " << req.url.host << req.url.target << " keep-alive " << keep_alive) {
                BOOST_TEST(format_request(req, keep_alive) == beast_request(req, keep_alive));
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
