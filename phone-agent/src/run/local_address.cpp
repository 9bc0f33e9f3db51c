#include "run/local_address.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace phone_agent {

namespace asio = boost::asio;

std::vector<std::string> interface_addresses() {
    std::vector<std::string> v4;
    std::vector<std::string> v6;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return {};
    for (auto* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
        char text[INET6_ADDRSTRLEN] = {};
        if (i->ifa_addr->sa_family == AF_INET) {
            const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
            if (::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text)) v4.emplace_back(text);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
            if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;  // needs a scope to be usable
            if (::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text)) v6.emplace_back(text);
        }
    }
    ::freeifaddrs(list);
    v4.insert(v4.end(), v6.begin(), v6.end());
    return v4;
}

asio::awaitable<std::string> route_address(asio::any_io_executor executor, std::string host, std::uint16_t port) {
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    asio::ip::udp::resolver resolver(executor);
    const auto service = std::to_string(port);
    auto [ec, results] = co_await resolver.async_resolve(host, service, nothrow);
    if (ec) co_return std::string();
    for (const auto& entry : results) {
        asio::ip::udp::socket socket(executor);
        boost::system::error_code err;
        socket.open(entry.endpoint().protocol(), err);
        if (err) continue;
        socket.connect(entry.endpoint(), err);
        if (err) continue;
        auto local = socket.local_endpoint(err);
        if (!err) co_return local.address().to_string();
    }
    co_return std::string();
}

}  // namespace phone_agent
