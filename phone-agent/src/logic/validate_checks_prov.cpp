// PROV-001..005 (the boot sequence and the files a phone reads) and ROB-001..002 (the server stays
// usable after clients that misbehave the way phones on bad networks do).
#include "logic/validate_verdicts.hpp"

#include "common/aastra/cfg_file.hpp"
#include "common/aastra/config_layers.hpp"

#include <algorithm>

namespace phone_agent::validate::detail {

verdict prov_boot(const observations& o) {
    if (!o.mac) return skip("no --mac given");
    if (!o.boot.performed) return fail("a boot", "not performed");
    if (o.boot.provisioned) {
        std::string steps;
        for (const auto& s : o.boot.steps) steps += (steps.empty() ? "" : ", ") + s;
        return pass(steps);
    }
    return fail("provisioned", o.boot.status + ": " + o.boot.reason);
}

namespace {

struct parsed_cfg {
    std::optional<common::aastra::cfg_parse_result> result;
    std::string error;
};

parsed_cfg parse_body(const exchange& e, std::string_view name) {
    parsed_cfg out;
    auto r = common::aastra::parse_cfg(e.body, name);
    if (auto* err = std::get_if<common::aastra::cfg_error>(&r)) {
        out.error = err->message;
    } else {
        out.result = std::move(std::get<common::aastra::cfg_parse_result>(r));
    }
    return out;
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

verdict cfg_check(const exchange* e, std::string_view name, bool must_exist) {
    if (!usable(e)) return fail(std::string(name) + " received", describe(e));
    if (e->status == 404 && !must_exist) return skip(std::string(name) + " is 404 (allowed)");
    if (e->status != 200) return fail("200 for " + std::string(name), describe(e));
    if (must_exist && blank(e->body)) return fail("a non-empty " + std::string(name), "an empty file");
    auto p = parse_body(*e, name);
    if (!p.result) return fail("a parseable " + std::string(name), p.error);
    std::string bad, dup;
    std::size_t bad_count = 0;
    for (const auto& d : p.result->diagnostics) {
        if (d.problem == common::aastra::cfg_problem::duplicate_key) {
            dup += (dup.empty() ? "" : "; ") + d.message;
        } else {
            ++bad_count;
            if (bad_count <= 5) bad += (bad.empty() ? "" : "; ") + d.message;
        }
    }
    if (bad_count > 0) {
        return fail("every line `key: value` or a comment",
                    std::to_string(bad_count + p.result->suppressed_diagnostics) + " unreadable line(s): " + bad);
    }
    if (!dup.empty()) return warn("each key once", dup);
    return pass(std::to_string(p.result->file.size()) + " settings");
}

}  // namespace

verdict prov_global(const observations& o) { return cfg_check(o.find(need::get), "aastra.cfg", true); }

verdict prov_mac(const observations& o) {
    if (!o.mac) return skip("no --mac given");
    return cfg_check(o.find(need::mac_cfg), *o.mac + ".cfg", false);
}

verdict prov_unknown_keys(const observations& o) {
    std::vector<std::pair<std::string, const exchange*>> files{{"aastra.cfg", o.find(need::get)}};
    if (o.mac) files.emplace_back(*o.mac + ".cfg", o.find(need::mac_cfg));
    std::string unknown;
    std::size_t count = 0, read = 0;
    for (const auto& [name, e] : files) {
        if (!usable(e) || e->status != 200) continue;
        auto p = parse_body(*e, name);
        if (!p.result) continue;
        ++read;
        for (const auto& entry : p.result->file.entries()) {
            if (common::aastra::is_known_key(entry.key)) continue;
            ++count;
            if (count <= 20) {
                unknown += (unknown.empty() ? "" : ", ") + name + ":" + std::to_string(entry.line) + " '" +
                           entry.written_key + "'";
            }
        }
    }
    if (read == 0) return skip("no configuration file received");
    if (count > 0) {
        return warn("only keys the phone knows", std::to_string(count) + " unknown key(s): " + unknown,
                    "a phone ignores them; usually a misspelling");
    }
    return pass();
}

namespace {

// One firmware download: 200, complete, Content-Length = bytes.
std::optional<verdict> firmware_download_problem(const exchange* e, std::string_view which) {
    const std::string what = std::string(which) + " download";
    if (!usable(e)) return fail(what + ": 200 with the image", describe(e));
    if (e->status != 200) return fail(what + ": 200 with the image", describe(e));
    if (!e->transport_ok) return fail(what + ": the whole image", std::to_string(e->body_bytes) + " bytes, " + e->transport_error);
    auto cl = e->header("Content-Length");
    auto n = cl ? parse_u64(*cl) : std::nullopt;
    if (cl && (!n || *n != e->body_bytes)) {
        return fail(what + ": Content-Length = bytes received",
                    "Content-Length: " + *cl + ", " + std::to_string(e->body_bytes) + " bytes");
    }
    if (e->body_bytes == 0) return fail(what + ": a non-empty image", "0 bytes");
    return std::nullopt;
}

}  // namespace

// The phone compares the image it flashed with what it downloaded only by size; an image that
// changes between downloads (a CDN edge serving two versions, a truncating proxy) bricks phones.
verdict prov_firmware(const observations& o) {
    const auto* first = o.find(need::firmware_first);
    const auto* second = o.find(need::firmware_second);
    if (!first || !first->performed) return skip("not downloaded");
    if (usable(first) && first->status == 404) {
        return warn("the firmware image " + o.model + ".st", "404", "phones of this model keep their firmware");
    }
    if (auto problem = firmware_download_problem(first, "first")) return *problem;
    if (auto problem = firmware_download_problem(second, "second")) return *problem;
    if (first->body_bytes != second->body_bytes) {
        return fail("the same size twice", std::to_string(first->body_bytes) + " then " +
                                               std::to_string(second->body_bytes) + " bytes");
    }
    if (first->body_sha256 != second->body_sha256) {
        return fail("the same SHA-256 twice", first->body_sha256 + " then " + second->body_sha256);
    }
    return pass(std::to_string(first->body_bytes) + " bytes, SHA-256 " + first->body_sha256);
}

namespace {

verdict robustness(const robustness_probe& p, const std::string& what) {
    if (!p.performed) return fail("a " + what + " and then an ordinary request", "not performed");
    if (!p.error.empty()) return fail("a " + what, p.error);
    if (p.next_status == 0) {
        return fail("an answer to the next request after a " + what,
                    p.next_error.empty() ? "no answer" : p.next_error, p.probe_note);
    }
    if (p.next_status >= 500) {
        return fail("the next request after a " + what + " served as before",
                    std::to_string(p.next_status), p.probe_note);
    }
    return pass("next request: " + std::to_string(p.next_status) + (p.probe_note.empty() ? "" : "; " + p.probe_note));
}

}  // namespace

verdict robust_slow_client(const observations& o) { return robustness(o.slow_client, "slow client"); }

verdict robust_dropped_connection(const observations& o) {
    return robustness(o.dropped_connection, "dropped connection");
}

}  // namespace phone_agent::validate::detail
