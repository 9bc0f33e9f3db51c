// The status line and header block of a response, serialised by hand into one string so that a
// small body can follow it in the same write (Beast's serializer walks a buffer sequence per field
// and allocated per header; on a 2 KiB keep-alive GET it was the largest single cost).
#pragma once

#include "common/http/http_types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace common::http {

// RFC 9110 reason phrase, "" for a code it does not define.
std::string_view reason_phrase(unsigned status) noexcept;

struct response_head_spec {
    unsigned status = 200;
    unsigned version = 11;                         // 10 or 11, from the request
    std::optional<std::uint64_t> content_length;   // omitted when empty (1xx, 204, 304)
    bool keep_alive = true;
};

// Appends the head to `out`: status line, `headers` in order, Content-Length, then the Connection
// field the version needs ("close" for a closing HTTP/1.1 answer, "keep-alive" for a persistent
// HTTP/1.0 one), and the empty line. A header whose name is not a token or whose name or value
// holds CR, LF or NUL would split the response; it is left out and its name appended to
// `dropped`. A Content-Length or Connection field among `headers` is left out too: the
// writer sets them from the body and the connection state.
void append_response_head(std::string& out, const response_head_spec& spec,
                          const std::vector<header_field>& headers, std::vector<std::string>& dropped);

}  // namespace common::http
