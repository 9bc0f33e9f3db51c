// libFuzzer harness for hostile HTTP responses to the phone agent, without sockets (curl-fuzzer's
// idea, the server played by the input): bytes go through the Beast response parser with the
// client's settings and its 16 KiB body loop (common/src/net/http_client.cpp), then through what
// the agent does with a response: WWW-Authenticate into the Digest client, Authentication-Info,
// Retry-After, Refresh, and an XML object body. Properties: same outcome whether the bytes arrive
// in one piece or two; a complete body matches its Content-Length; the body never exceeds the limit.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "common/auth/auth_header.hpp"
#include "common/auth/digest_client.hpp"
#include "common/http/http_date.hpp"
#include "logic/xml_objects.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
namespace auth = common::auth;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

constexpr std::size_t header_limit = 64 * 1024;  // fetch_limits default
constexpr std::uint64_t body_limit = 256 * 1024;

struct outcome {
    bool complete = false;
    std::string error;  // Beast's message when the response was refused or cut short
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    friend bool operator==(const outcome&, const outcome&) = default;
};

outcome read_response(std::string_view first, std::string_view second, bool head) {
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(header_limit));
    parser.body_limit(body_limit);
    if (head) parser.skip(true);
    outcome out;
    std::string buffered;
    std::array<char, 16 * 1024> chunk{};
    bool headers_taken = false;
    for (const auto piece : {first, second}) {
        // Like Beast's read: after need_more, put() is called again only with new bytes.
        if (piece.empty()) continue;
        buffered.append(piece);
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            beast::error_code ec;
            const auto used = parser.put(boost::asio::buffer(buffered.data(), buffered.size()), ec);
            buffered.erase(0, used);
            out.body.append(chunk.data(), chunk.size() - parser.get().body().size);
            if (parser.is_header_done() && !headers_taken) {
                headers_taken = true;
                out.status = parser.get().result_int();
                for (const auto& f : parser.get()) out.headers.emplace_back(f.name_string(), f.value());
            }
            if (ec == http::error::need_buffer) continue;
            if (ec == http::error::need_more) break;
            if (ec) {
                out.error = ec.message();
                return out;
            }
            if (used == 0) break;
        }
        if (parser.is_done()) break;
    }
    if (!parser.is_done() && parser.got_some()) {
        // The server closed the connection here (Beast asserts on put_eof before any byte).
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        beast::error_code ec;
        parser.put_eof(ec);
        if (ec) {
            out.error = ec.message();
            return out;
        }
    }
    out.complete = parser.is_done();
    // A declared length is met exactly; anything else is partial_message or a parse error.
    // 1xx, 204 and 304 have no body whatever Content-Length says (RFC 9112 §6.3).
    const bool bodiless = out.status / 100 == 1 || out.status == 204 || out.status == 304;
    if (out.complete && !head && !bodiless && !parser.chunked() && parser.content_length()) {
        require(out.body.size() == *parser.content_length());
    }
    require(out.body.size() <= body_limit);
    return out;
}

// What the agent does with a parsed response.
void handle(const outcome& res) {
    auto client = auth::digest_client::create("Mufasa", "Circle of Life");
    auto* digest = std::get_if<auth::digest_client>(&client);
    require(digest != nullptr);
    std::vector<auth::challenge> challenges;
    for (const auto& [name, value] : res.headers) {
        if (auth::iequals(name, "WWW-Authenticate")) {
            auto parsed = auth::parse_challenges(value);
            if (auto* list = std::get_if<std::vector<auth::challenge>>(&parsed)) {
                challenges.insert(challenges.end(), list->begin(), list->end());
            }
        } else if (auth::iequals(name, "Retry-After")) {
            (void)common::http::parse_http_date(value);
        } else if (auth::iequals(name, "Refresh")) {
            (void)phone_agent::parse_refresh_header(value);
        }
    }
    if (res.status == 401 && !challenges.empty() && !digest->on_challenges(challenges)) {
        for (int i = 0; i < 2; ++i) {
            auto header = digest->authorization("GET", "/aastra.cfg", "0a4f113b", std::string_view());
            if (auto* text = std::get_if<std::string>(&header)) {
                require(!auth::has_forbidden_header_chars(*text));
            }
        }
        // The same 401 again and again must end the cycle: at most one stale retry, no loop.
        (void)digest->on_challenges(challenges);
        require(digest->on_challenges(challenges).has_value());
        digest->start_over();
        if (!digest->on_challenges(challenges)) {
            (void)digest->authorization("GET", "/aastra.cfg", "0a4f113b", std::string_view());
            for (const auto& [name, value] : res.headers) {
                if (auth::iequals(name, "Authentication-Info")) (void)digest->on_success(value);
            }
        }
    }
    if (res.complete && res.status == 200) (void)phone_agent::parse_xml_object(res.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const bool head = (data[0] & 1) != 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
    const auto whole = read_response(input, {}, head);
    const std::size_t split = (data[1] * input.size()) / 255;
    const auto parts = read_response(input.substr(0, split), input.substr(split), head);
    // A response used in one piece must be used the same when split. Broken ones may fail
    // differently: Beast 1.81 checks the status line at once only on the first read.
    if (whole.complete || parts.complete) require(whole == parts);
    handle(whole);
    return 0;
}
