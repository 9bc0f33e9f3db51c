// libFuzzer harness for the server's request reading without sockets: bytes go through the same
// Beast request parser settings as common/src/net/http_server.cpp (limits, chunk-extension guard),
// then check_framing / rejection_for_read_error. Properties: the verdict is the same whether the
// bytes arrive in one piece or split at a byte chosen by the input (Beast's parsegrind idea; one
// exception below); an
// accepted request never has a smuggling shape; every refusal is 400, 413 or 431.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "common/http/request_guard.hpp"

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

constexpr std::size_t header_limit = 8 * 1024;  // server_limits defaults
constexpr std::uint64_t body_limit = 64 * 1024;

enum class outcome { served, refused, incomplete };

struct verdict {
    outcome result = outcome::incomplete;
    unsigned status = 0;  // refused: the status sent
    std::string method, target, body;
    friend bool operator==(const verdict&, const verdict&) = default;
};

// Feeds `pieces` in order like successive socket reads. Stops after the first message, as the
// server answers one request before reading the next.
verdict run(std::string_view first, std::string_view second) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(header_limit));
    parser.body_limit(body_limit);
    auto chunk_guard = [](std::uint64_t, std::string_view ext, beast::error_code& ec) {
        if (ext.size() > 1024) ec = http::error::bad_chunk_extension;
    };
    parser.on_chunk_header(chunk_guard);

    std::string buffered;
    bool header_checked = false;
    std::size_t baseline = 0;
    verdict out;
    auto refuse = [&](const std::optional<common::http::rejection>& r) {
        out.result = r ? outcome::refused : outcome::incomplete;
        out.status = r ? r->status : 0;
        if (r) require(r->status == 400 || r->status == 413 || r->status == 431);
        return out;
    };
    for (const auto piece : {first, second}) {
        // Like Beast's read: after need_more, put() is called again only with new bytes (Beast
        // asserts on the same bytes offered twice in the middle of a chunk header).
        if (piece.empty()) continue;
        buffered.append(piece);
        for (;;) {
            if (buffered.empty()) break;
            beast::error_code ec;
            const auto used = parser.put(boost::asio::buffer(buffered.data(), buffered.size()), ec);
            buffered.erase(0, used);
            if (ec == http::error::need_more) break;
            if (ec) return refuse(common::http::rejection_for_read_error(ec));
            if (parser.is_header_done() && !header_checked) {
                header_checked = true;
                if (auto r = common::http::check_framing(parser)) return refuse(r);
                baseline = common::http::trailer_baseline(parser);
            }
            if (parser.is_done()) {
                if (auto r = common::http::check_trailer(parser, baseline)) return refuse(r);
                const auto& req = parser.get();
                out.result = outcome::served;
                out.method = std::string(req.method_string());
                out.target = std::string(req.target());
                out.body = req.body();
                // What the guard promises about anything it lets through.
                require(req.version() < 11 || req.count(http::field::host) == 1);
                require(req.count(http::field::host) <= 1);
                if (req.count(http::field::transfer_encoding) != 0) {
                    require(req.version() >= 11 && parser.chunked());
                }
                require(out.body.size() <= body_limit);
                return out;
            }
            if (used == 0) break;
        }
    }
    // Beast's end-of-stream handling when the peer closes here (Beast's read never calls it
    // before the first byte, and asserts that).
    if (!parser.got_some()) return out;
    beast::error_code ec;
    parser.put_eof(ec);
    if (ec) return refuse(common::http::rejection_for_read_error(ec));
    if (parser.is_done() && header_checked) {
        if (auto r = common::http::check_trailer(parser, baseline)) return refuse(r);
        out.result = outcome::served;
        out.method = std::string(parser.get().method_string());
        out.target = std::string(parser.get().target());
        out.body = parser.get().body();
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto whole = run(input, {});
    const std::size_t split = input.empty() ? 0 : (data[0] * input.size()) / 255;
    const auto parts = run(input.substr(0, split), input.substr(split));
    // What must never differ is whether, and what, a request is served. How a refusal looks may:
    // Beast 1.81 parses the request line at once only on the first read (after need_more it
    // waits for the end of the header), so a broken line in a message that never completes is a
    // 400 in one piece and a close without an answer when split; and a chunked body that is both
    // too long and malformed is a 413 or a 400 depending on which the parser reaches first (both
    // found by this fuzzer).
    if (whole.result != outcome::served && parts.result != outcome::served) return 0;
    require(whole == parts);
    return 0;
}
