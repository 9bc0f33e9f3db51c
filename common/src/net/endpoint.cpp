#include "common/http/endpoint.hpp"

#include <charconv>

namespace common::http {

endpoint_parse parse_listen_address(std::string_view text) {
    endpoint_parse out;
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        out.error = "'" + std::string(text) + "' is not ADDR:PORT";
        return out;
    }
    auto host = text.substr(0, colon);
    auto port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
        out.error = "'" + std::string(text) + "': port must be a number from 0 to 65535";
        return out;
    }
    if (host == "localhost") host = "127.0.0.1";
    if (host.empty()) host = "0.0.0.0";
    boost::system::error_code aec;
    auto addr = boost::asio::ip::make_address(std::string(host), aec);
    if (aec) {
        out.error = "'" + std::string(text) + "': '" + std::string(host) + "' is not an IP address";
        return out;
    }
    out.endpoint = boost::asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(port));
    return out;
}

std::string url_of(std::string_view scheme, const boost::asio::ip::tcp::endpoint& ep) {
    auto addr = ep.address();
    std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
    return std::string(scheme) + "://" + host + ":" + std::to_string(ep.port());
}

}  // namespace common::http
