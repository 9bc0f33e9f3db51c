// XML push decisions; see push_request.hpp.
#include "logic/push_request.hpp"

#include "logic/ascii.hpp"
#include "logic/web_ui.hpp"

namespace phone_agent {

namespace {

std::string_view unmapped(std::string_view address) {
    if (ascii::istarts_with(address, "::ffff:") && address.find('.') != std::string_view::npos) {
        address.remove_prefix(7);
    }
    return address;
}

std::string_view unbracketed(std::string_view entry) {
    if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') {
        entry = entry.substr(1, entry.size() - 2);
    }
    return entry;
}

}  // namespace

bool peer_in_post_list(std::string_view post_list, std::string_view peer_address) {
    const auto peer = unmapped(ascii::trim(peer_address));
    if (peer.empty()) return false;
    while (!post_list.empty()) {
        const auto comma = post_list.find(',');
        auto entry = unbracketed(ascii::trim(post_list.substr(0, comma)));
        post_list = comma == std::string_view::npos ? std::string_view{} : post_list.substr(comma + 1);
        if (!entry.empty() && ascii::iequals(unmapped(entry), peer)) return true;
    }
    return false;
}

std::string extract_push_xml(std::string_view body) {
    auto rest = ascii::trim(body);
    if (!ascii::istarts_with(rest, "xml=")) {
        // A form with other fields first: look the field up.
        auto fields = web::parse_form(rest);
        return web::form_value(fields, "xml").value_or(std::string{});
    }
    rest.remove_prefix(4);
    const auto content = ascii::trim(rest);
    if (!content.empty() && content.front() == '<') return std::string(content);
    auto fields = web::parse_form(body);
    return web::form_value(fields, "xml").value_or(std::string{});
}

push_outcome evaluate_push(std::string_view post_list, std::string_view peer_address,
                           std::string_view body, const push_limits& limits) {
    if (!peer_in_post_list(post_list, peer_address)) {
        return push_refused{403, "XML push from " + std::string(peer_address) +
                                     " refused: not in 'xml application post list'"};
    }
    // The limit applies to the object, so a URL-encoded body is measured after decoding.
    auto xml = extract_push_xml(body);
    if (xml.empty()) return push_refused{400, "no 'xml' field in the POST body"};
    if (xml.size() > limits.max_object_size) {
        return push_refused{413, "XML object of " + std::to_string(xml.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(limits.max_object_size) + " bytes"};
    }
    return push_accepted{std::move(xml)};
}

}  // namespace phone_agent
