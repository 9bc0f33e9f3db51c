// HTTP-001..008: what a phone relies on from the server's HTTP itself.
#include "logic/validate_verdicts.hpp"

#include <algorithm>

namespace phone_agent::validate::detail {

using common::auth::iequals;

verdict http_existing(const observations& o) {
    const auto* e = o.find(need::get);
    if (!usable(e)) return fail("200 with the file", describe(e));
    if (e->status != 200) return fail("200 for aastra.cfg", describe(e));
    auto cl = e->header("Content-Length");
    if (!cl) {
        return fail("Content-Length header", "none (" + std::to_string(e->body_bytes) + " bytes received)");
    }
    auto n = parse_u64(*cl);
    if (!n || e->header_count("Content-Length") != 1) return fail("one numeric Content-Length", "'" + *cl + "'");
    if (*n != e->body_bytes || !e->transport_ok) {
        return fail("Content-Length: " + *cl + " = bytes received",
                    std::to_string(e->body_bytes) + " bytes received" +
                        (e->transport_ok ? std::string() : " (" + e->transport_error + ")"));
    }
    return pass(std::to_string(*n) + " bytes");
}

verdict http_missing(const observations& o) {
    const auto* e = o.find(need::missing);
    if (!usable(e)) return fail("404", describe(e));
    if (e->status != 404) return fail("404 for " + e->target, describe(e));
    return pass();
}

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return out;
}

}  // namespace

// A .cfg is text; text/html is what a CMS sends when it answers with a login or error page.
verdict http_content_type(const observations& o) {
    const auto* e = o.find(need::get);
    if (!usable(e) || e->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    auto ct = e->header("Content-Type");
    if (!ct || ct->empty()) return fail("a Content-Type header (text/plain)", "none");
    const auto value = lower(*ct);
    const auto media = value.substr(0, value.find(';'));
    const auto slash = media.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 >= media.size()) {
        return fail("a media type `type/subtype`", "Content-Type: " + *ct);
    }
    if (media.starts_with("text/html") || media.find("xml") != std::string::npos || media.find("json") != std::string::npos) {
        return fail("text/plain (or application/octet-stream) for a .cfg", "Content-Type: " + *ct,
                    "an HTML, XML or JSON answer usually is an error or login page");
    }
    if (!media.starts_with("text/") && media != "application/octet-stream") {
        return warn("text/plain (or application/octet-stream) for a .cfg", "Content-Type: " + *ct);
    }
    return pass(*ct);
}

verdict http_head(const observations& o) {
    const auto* g = o.find(need::get);
    const auto* h = o.find(need::head);
    if (!usable(g) || g->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    if (!usable(h)) return fail("HEAD answered like GET", describe(h));
    if (h->status != g->status) {
        return fail("HEAD status " + std::to_string(g->status) + " (as GET)", std::to_string(h->status));
    }
    if (h->body_bytes != 0) return fail("no body after HEAD", std::to_string(h->body_bytes) + " body bytes");
    auto gl = g->header("Content-Length");
    auto hl = h->header("Content-Length");
    if (gl && hl != gl) {
        return fail("HEAD Content-Length: " + *gl + " (as GET)", hl ? "Content-Length: " + *hl : "no Content-Length");
    }
    return pass();
}

namespace {

// A range past the end: 416 with `Content-Range: bytes */<size>` (RFC 9110 §15.5.17).
verdict unsatisfiable_range(const observations& o, std::uint64_t total, const std::string& first_note) {
    const auto* u = o.find(need::range_unsatisfiable);
    if (!u || !u->performed) return pass(first_note);
    if (!usable(u)) return fail("416 for a range past the end", describe(u));
    if (u->status == 200) {
        return warn("416 for a range past the end", "200 (the whole file; ranges ignored)");
    }
    if (u->status != 416) return fail("416 for " + u->header("Range").value_or("a range past the end"), describe(u));
    const std::string expect = "bytes */" + std::to_string(total);
    auto cr = u->header("Content-Range");
    if (cr && *cr != expect) return fail("416 with Content-Range: " + expect, "Content-Range: " + *cr);
    return pass(first_note + "; 416 past the end");
}

}  // namespace

verdict http_range(const observations& o) {
    const auto* g = o.find(need::get);
    const auto* r = o.find(need::range);
    if (!usable(g) || g->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    if (!usable(r)) return fail("206 or 200", describe(r));
    const auto total = g->body_bytes;
    const std::uint64_t want = std::min<std::uint64_t>(10, total);
    if (r->status == 200) {
        return warn("206 Partial Content for Range: bytes=0-9", "200 (the whole file; ranges ignored)");
    }
    if (r->status != 206) return fail("206 for Range: bytes=0-9", describe(r));
    auto cr = r->header("Content-Range");
    const std::string expect_cr = "bytes 0-" + std::to_string(want == 0 ? 0 : want - 1) + "/" + std::to_string(total);
    if (!cr) return fail("Content-Range: " + expect_cr, "206 without Content-Range");
    if (*cr != expect_cr) return fail("Content-Range: " + expect_cr, "Content-Range: " + *cr);
    if (!r->transport_ok || r->body_bytes != want) {
        return fail(std::to_string(want) + " body bytes",
                    std::to_string(r->body_bytes) + (r->transport_ok ? "" : " (" + r->transport_error + ")"));
    }
    if (r->body != g->body.substr(0, want)) return fail("the first " + std::to_string(want) + " bytes of the file", "other bytes");
    return unsatisfiable_range(o, total, *cr);
}

verdict http_conditional(const observations& o) {
    const auto* g = o.find(need::get);
    if (!usable(g) || g->status != 200) return skip("aastra.cfg not received (HTTP-001)");
    // A validator that does not match must never get 304: the phone would keep an old file.
    const auto* other = o.find(need::conditional_other);
    if (other && other->performed) {
        if (!usable(other)) return fail("200 for If-None-Match with another ETag", describe(other));
        if (other->status == 304) {
            return fail("200 for If-None-Match with an ETag the file does not have", "304 Not Modified",
                        "a changed file would never reach the phone");
        }
    }
    if (!g->header("ETag") && !g->header("Last-Modified")) {
        return warn("ETag or Last-Modified on aastra.cfg", "neither (a conditional GET is impossible)");
    }
    const auto* c = o.find(need::conditional);
    if (!usable(c)) return fail("304 or 200", describe(c));
    if (c->status == 304) {
        if (c->body_bytes != 0) return fail("304 without a body", std::to_string(c->body_bytes) + " body bytes");
        return pass();
    }
    if (c->status == 200) return warn("304 Not Modified for an unchanged file", "200 (the whole file again)");
    return fail("304 (or 200)", describe(c));
}

verdict http_close(const observations& o) {
    const auto& p = o.close;
    if (!p.performed) return fail("a response and the server closing", "not performed");
    if (!p.error.empty()) return fail("a response and the server closing", p.error);
    if (p.status == 0) return fail("a response", "no status line before the wait ended");
    if (!p.closed_by_server) {
        return fail("the server closes after the response (Connection: close)",
                    "connection still open after " + std::to_string(p.waited_ms) + " ms (status " +
                        std::to_string(p.status) + ")");
    }
    return pass("status " + std::to_string(p.status));
}

// The request target carried `%0D%0A<name>: yes`; a server that decodes it into a header (a
// redirect's Location, an echoed path) splits its response and the injected header appears.
verdict http_header_injection(const observations& o) {
    const auto* e = o.find(need::inject);
    if (!e || !e->performed) return fail("an answer to a target with encoded CR/LF", "not performed");
    if (!usable(e)) {
        if (e->transport_error.starts_with("bad_response")) {
            return fail("well-formed response headers", "unparsable response: " + e->transport_error);
        }
        return pass("connection refused or closed (" + e->transport_error + ")");
    }
    if (e->header(injected_header_name)) {
        return fail("no header taken from the request target",
                    std::string(injected_header_name) + ": " + *e->header(injected_header_name),
                    "the decoded %0D%0A split the response (RFC 9112 §2.2, response splitting)");
    }
    for (const auto& h : e->headers) {
        if (h.value.find_first_of("\r\n") != std::string::npos) {
            return fail("header values without CR/LF", h.name + " carries CR/LF");
        }
    }
    return pass(std::to_string(e->status));
}

}  // namespace phone_agent::validate::detail
