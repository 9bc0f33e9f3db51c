#include "logic/http_conditional.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>

namespace cms_mock {

namespace {

using namespace std::chrono;


char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

struct entity_tag {
    bool weak = false;
    std::string_view opaque;  // including the quotes
};

// Parses one entity-tag at the front of `s` and removes it; nullopt when malformed.
std::optional<entity_tag> take_entity_tag(std::string_view& s) {
    entity_tag tag;
    if (s.size() >= 2 && s[0] == 'W' && s[1] == '/') {
        tag.weak = true;
        s.remove_prefix(2);
    }
    if (s.empty() || s.front() != '"') return std::nullopt;
    std::size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (u < 0x21 || u == 0x7f) return std::nullopt;  // etagc excludes SP, CTLs and DQUOTE
    }
    if (i == s.size()) return std::nullopt;
    tag.opaque = s.substr(0, i + 1);
    s.remove_prefix(i + 1);
    return tag;
}

std::optional<entity_tag> parse_single_tag(std::string_view s) {
    s = trim_ows(s);
    auto tag = take_entity_tag(s);
    if (!tag || !s.empty()) return std::nullopt;
    return tag;
}

// Weak comparison (RFC 9110 §8.8.3.2) of any tag in a 1#entity-tag list against `etag`.
bool list_matches_weakly(std::string_view list, std::string_view etag) {
    const auto ours = parse_single_tag(etag);
    bool any = false;
    while (true) {
        list = trim_ows(list);
        if (list.empty()) return any;
        if (list.front() == ',') {  // empty list elements are allowed on receipt
            list.remove_prefix(1);
            continue;
        }
        const auto tag = take_entity_tag(list);
        if (!tag) return false;  // malformed list: treat as matching nothing
        if (ours && tag->opaque == ours->opaque) any = true;
        list = trim_ows(list);
        if (!list.empty() && list.front() != ',') return false;
    }
}

system_clock::time_point floor_seconds(system_clock::time_point t) {
    return time_point_cast<system_clock::duration>(floor<seconds>(t));
}

// Saturating decimal parse of a non-empty digit run; returns nullopt on a non-digit or empty input.
std::optional<std::uint64_t> parse_saturating(std::string_view digits) {
    if (digits.empty()) return std::nullopt;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t v = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<std::uint64_t>(c - '0');
        v = (v > (max - d) / 10) ? max : v * 10 + d;
    }
    return v;
}

bool is_get_or_head(std::string_view method) { return method == "GET" || method == "HEAD"; }

}  // namespace

std::string_view to_string(conditional_outcome outcome) noexcept {
    switch (outcome) {
    case conditional_outcome::proceed: return "proceed";
    case conditional_outcome::not_modified: return "not_modified";
    case conditional_outcome::precondition_failed: return "precondition_failed";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, conditional_outcome outcome) {
    return os << to_string(outcome);
}

std::string_view to_string(range_kind kind) noexcept {
    switch (kind) {
    case range_kind::none: return "none";
    case range_kind::single: return "single";
    case range_kind::unsatisfiable: return "unsatisfiable";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, range_kind kind) { return os << to_string(kind); }


std::string make_etag(std::uint64_t size, nanoseconds mtime_since_epoch) {
    // Written back to front into a buffer and copied once: one allocation per tag.
    constexpr std::string_view hex = "0123456789abcdef";
    char buf[40];
    char* p = buf + sizeof buf;
    auto prepend_hex = [&](std::uint64_t v) {
        do {
            *--p = hex[v & 0xf];
            v >>= 4;
        } while (v != 0);
    };
    *--p = '"';
    prepend_hex(static_cast<std::uint64_t>(mtime_since_epoch.count()));
    *--p = '-';
    prepend_hex(size);
    *--p = '"';
    return std::string(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

std::string make_etag_from_digest(std::string_view hex_digest) {
    std::string out = "\"";
    for (const char c : hex_digest) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7f && c != '"') out.push_back(c);
    }
    out += '"';
    return out;
}

conditional_outcome evaluate_conditionals(std::string_view method,
                                          std::optional<std::string_view> if_none_match,
                                          std::optional<std::string_view> if_modified_since,
                                          std::string_view etag,
                                          system_clock::time_point last_modified) {
    const auto matched = is_get_or_head(method) ? conditional_outcome::not_modified
                                                : conditional_outcome::precondition_failed;
    if (if_none_match) {
        const auto value = trim_ows(*if_none_match);
        if (value == "*") return matched;  // the representation exists, or we would not be here
        return list_matches_weakly(value, etag) ? matched : conditional_outcome::proceed;
    }
    if (if_modified_since && is_get_or_head(method)) {
        const auto since = parse_http_date(trim_ows(*if_modified_since));
        if (since && floor_seconds(last_modified) <= *since) return conditional_outcome::not_modified;
    }
    return conditional_outcome::proceed;
}

range_decision parse_range(std::string_view range_header, std::uint64_t size) {
    const range_decision ignore{};
    auto spec = trim_ows(range_header);
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos || !iequals(trim_ows(spec.substr(0, eq)), "bytes")) {
        return ignore;
    }
    spec = trim_ows(spec.substr(eq + 1));
    // Empty list elements ("bytes=0-1,") are legal on receipt; anything with two real specs is a
    // multi-range request, which we deliberately answer with the full entity.
    std::string_view only;
    std::size_t count = 0;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const auto part = trim_ows(spec.substr(0, comma));
        if (!part.empty()) {
            ++count;
            only = part;
        }
        if (comma == std::string_view::npos) break;
        spec.remove_prefix(comma + 1);
    }
    if (count != 1) return ignore;

    const auto dash = only.find('-');
    if (dash == std::string_view::npos) return ignore;
    const auto first_text = only.substr(0, dash);
    const auto last_text = only.substr(dash + 1);

    if (first_text.empty()) {  // suffix-range
        const auto suffix = parse_saturating(last_text);
        if (!suffix) return ignore;
        if (*suffix == 0) return {range_kind::unsatisfiable, 0, 0};
        if (size == 0) return ignore;
        const auto n = std::min(*suffix, size);
        return {range_kind::single, size - n, size - 1};
    }
    const auto first = parse_saturating(first_text);
    if (!first) return ignore;
    std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
    if (!last_text.empty()) {
        const auto parsed = parse_saturating(last_text);
        if (!parsed || *parsed < *first) return ignore;
        last = *parsed;
    }
    if (*first >= size) return {range_kind::unsatisfiable, 0, 0};
    return {range_kind::single, *first, std::min(last, size - 1)};
}

bool if_range_matches(std::string_view if_range, std::string_view etag,
                      system_clock::time_point last_modified) {
    const auto value = trim_ows(if_range);
    if (value.empty()) return false;
    if (value.front() == '"' || value.starts_with("W/")) {
        const auto theirs = parse_single_tag(value);
        const auto ours = parse_single_tag(etag);
        return theirs && ours && !theirs->weak && !ours->weak && theirs->opaque == ours->opaque;
    }
    const auto date = parse_http_date(value);
    return date && *date == floor_seconds(last_modified);
}

range_decision decide_range(std::optional<std::string_view> range_header,
                            std::optional<std::string_view> if_range, std::uint64_t size,
                            std::string_view etag, system_clock::time_point last_modified) {
    if (!range_header) return {};
    if (if_range && !if_range_matches(*if_range, etag, last_modified)) return {};
    return parse_range(*range_header, size);
}

std::string content_range_value(const range_decision& decision, std::uint64_t size) {
    switch (decision.kind) {
    case range_kind::single:
        return "bytes " + std::to_string(decision.first) + "-" + std::to_string(decision.last) +
               "/" + std::to_string(size);
    case range_kind::unsatisfiable:
        return "bytes */" + std::to_string(size);
    case range_kind::none:
        break;
    }
    return {};
}

std::string_view content_type_for(std::string_view file_name) {
    const auto slash = file_name.find_last_of('/');
    if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
    const auto dot = file_name.find_last_of('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    const auto ext = file_name.substr(dot + 1);
    struct mapping {
        std::string_view ext;
        std::string_view type;
    };
    static constexpr std::array<mapping, 9> table{{
        {"cfg", "text/plain; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"xml", "text/xml"},
        {"st", "application/octet-stream"},
        {"tuz", "application/octet-stream"},
        {"pem", "application/x-pem-file"},
        {"crt", "application/x-pem-file"},
        {"html", "text/html"},
        {"htm", "text/html"},
    }};
    for (const auto& m : table) {
        if (iequals(ext, m.ext)) return m.type;
    }
    return "application/octet-stream";
}

}  // namespace cms_mock
