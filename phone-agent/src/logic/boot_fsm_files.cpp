// provisioning_fsm, second half: the firmware download's commit/discard protocol and the results
// of the driver's file operations (commit, discard, certificate store, persist).
#include "logic/boot_fsm.hpp"

#include "common/aastra/user_agent.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace phone_agent {
namespace {

namespace aastra = common::aastra;

bool is_sha256_hex(std::string_view s) noexcept {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// The driver checks framing too; this catches a body cut short that it reported as complete.
std::optional<std::uint64_t> content_length(const std::vector<header_field>& headers) {
    const auto value = find_header(headers, "Content-Length");
    if (!value) return std::nullopt;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc{} || end != value->data() + value->size()) return std::nullopt;
    return n;
}

}  // namespace

boot_action provisioning_fsm::on_download(const event::download_result& ev,
                                          const resume_inputs& in) {
    auto& attempt = record().attempts.back();
    attempt.http_status = ev.status;
    attempt.timings = ev.timings;
    record().http_status = ev.status;
    const std::string file = current_file();

    // Every outcome but a commit discards the temp file first; `then` is what follows.
    boot_action then = action::done{};
    if (ev.failure) {
        attempt.error = std::string(to_string(*ev.failure)) + ": " + ev.detail;
        then = on_transport_error({*ev.failure, ev.detail, ev.timings}, in);
    } else if (ev.status == 401) {
        then = answer_401(ev.headers, in);
    } else if (auto refusal = auth_.on_response(ev.headers)) {
        then = fail(boot_status::auth_failed, file + ": " + refusal->message);
    } else if (ev.status < 200 || ev.status >= 300) {
        then = is_retryable_status(ev.status)
                   ? retry_or_fail(boot_status::server_error, file + ": " +
                                       http_status_text(ev.status),
                                   find_header(ev.headers, "Retry-After"), in)
                   : fail(boot_status::server_error, file + ": " + http_status_text(ev.status) +
                                                         ", keeping firmware " +
                                                         identity_.firmware);
    } else if (const auto announced = content_length(ev.headers);
               announced && *announced != ev.bytes) {
        then = retry_or_fail(boot_status::network_error,
                             file + ": truncated: " + std::to_string(ev.bytes) + " of " +
                                 std::to_string(*announced) + " bytes",
                             std::nullopt, in);
    } else if (ev.bytes == 0) {
        then = fail(boot_status::server_error, file + ": empty image, keeping firmware " +
                                                   identity_.firmware);
    } else if (!is_sha256_hex(ev.sha256)) {
        then = fail(boot_status::usage_error,
                    file + ": the download reported no SHA-256 of the image");
    } else {
        record().bytes = ev.bytes;
        return emit(action::commit_download{file, ev.bytes, ev.sha256});
    }
    after_discard_ = std::move(then);
    return emit(action::discard_download{file});
}

boot_action provisioning_fsm::on_file_op(const event::file_op_done& ev, const resume_inputs& in) {
    switch (phase_) {
        case phase::awaiting_discard: {
            // After a failure the record went out with the outcome (finish moves it).
            if (!ev.error.empty() && !records_.empty()) {
                auto& note = records_.back().note;
                note += (note.empty() ? "" : "; ") + ("discard failed: " + ev.error);
            }
            boot_action next = std::move(*after_discard_);
            after_discard_.reset();
            return emit(std::move(next));
        }
        case phase::awaiting_commit: {
            if (!ev.error.empty()) {
                return fail(boot_status::usage_error, current_file() + ": commit failed (" +
                                                          ev.error + "), keeping firmware " +
                                                          identity_.firmware);
            }
            auto ua = aastra::format_user_agent(identity_.model, identity_.mac, firmware_wanted_);
            record().note = "updated from " + identity_.firmware + " to " + firmware_wanted_;
            identity_.firmware = firmware_wanted_;
            user_agent_ = std::get<std::string>(std::move(ua));  // checked before downloading
            record().result = step_result::ok;
            return after_step(in);
        }
        case phase::awaiting_certificates_saved:
            if (!ev.error.empty()) {
                return fail(boot_status::usage_error,
                            current_file() + ": could not store the certificates: " + ev.error);
            }
            record().result = step_result::ok;
            return after_step(in);
        default: {
            boot_outcome outcome;
            if (!ev.error.empty()) {
                outcome.status = boot_status::usage_error;
                outcome.reason = "persist: " + ev.error + " (the new configuration is in force "
                                                          "but not saved)";
            }
            return finish(std::move(outcome));
        }
    }
}

}  // namespace phone_agent
