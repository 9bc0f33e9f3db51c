// Where the phone's own address comes from when its listeners are bound to a wildcard address:
// the kernel's choice of source address towards the provisioning server, and the interface list.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace phone_agent {

// Addresses of the interfaces that are up, IPv4 first, in the kernel's order; loopback included
// (choose_local_ip skips it).
std::vector<std::string> interface_addresses();

// The local address of a UDP socket connected to host:port (connect on UDP only asks the routing
// table; no packet is sent). Empty when the name does not resolve or no route exists.
boost::asio::awaitable<std::string> route_address(boost::asio::any_io_executor executor, std::string host,
                                                  std::uint16_t port);

}  // namespace phone_agent
