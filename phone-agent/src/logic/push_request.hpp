// XML push to the phone (domain.md §5.5, §11 item 9): `POST /` with a body `xml=<object>`, raw
// (Aastra_push2phone, XMLG 3.3.1) or form-urlencoded (AG2x G-82), accepted only from peers listed
// in `xml application post list`, and refused above the object size limit. Pure; the I/O layer
// passes the peer address and the body and shows the returned object.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace phone_agent {

inline constexpr std::string_view post_list_key = "xml application post list";

struct push_limits {
    std::size_t max_object_size = 10000;  // XMLG p.40 (3.3.1); 2150 on old 2.x firmware
};

struct push_accepted {
    std::string xml;  // the object, decoded
};

struct push_refused {
    unsigned status = 400;  // 403 not in the post list, 413 too large, 400 no xml field
    std::string reason;
};

using push_outcome = std::variant<push_accepted, push_refused>;

// True when `peer_address` (as the socket reports it, e.g. "127.0.0.1" or "::ffff:10.0.0.1") is
// one of the comma-separated entries. Entries are trimmed; IPv4-mapped IPv6 peers match their
// IPv4 entry; IPv6 entries may be bracketed; comparison is case-insensitive. Host names are
// compared textually (the emulator does not resolve them), so list addresses for exact matches.
bool peer_in_post_list(std::string_view post_list, std::string_view peer_address);

// The whole decision for one `POST /` request.
push_outcome evaluate_push(std::string_view post_list, std::string_view peer_address,
                           std::string_view body, const push_limits& limits);

// The `xml` field's value: after "xml=", raw when it starts with '<' (after blanks), otherwise
// form-urlencoded (the field is looked up among all fields). Empty when there is no xml field.
std::string extract_push_xml(std::string_view body);

}  // namespace phone_agent
