#include "logic/boot_auth.hpp"

#include "common/auth/auth_header.hpp"
#include "common/auth/digest.hpp"

#include <utility>

namespace phone_agent {
namespace {

using common::auth::challenge;

std::string describe_challenge(const common::auth::digest_client& client,
                               std::string_view basic_realm) {
    if (client.uses_basic()) return "401 Basic realm '" + std::string(basic_realm) + "'";
    const auto& c = *client.current();
    std::string out = "401 Digest realm '" + c.realm + "' (" +
                      std::string(common::auth::to_string(c.algorithm));
    if (c.qop_auth) out += ", qop auth";
    if (c.stale) out += ", stale";
    return out + ")";
}

std::string describe_answer(const common::auth::digest_client& client, std::string_view user,
                            std::string_view how) {
    std::string out = std::string(how) + " as '" + std::string(user) + "'";
    if (client.uses_basic()) return out + " with Basic";
    if (client.nonce_count() != 0) out += " nc=" + common::auth::format_nc(client.nonce_count());
    return out;
}

}  // namespace

std::optional<auth_refusal> boot_auth::use(const login_credentials& credentials) {
    if (client_ && credentials_ == credentials) return std::nullopt;
    auto created =
        common::auth::digest_client::create(credentials.username, credentials.password, policy_);
    if (const auto* error = std::get_if<common::auth::digest_error>(&created)) {
        return auth_refusal{"cannot use user '" + credentials.username + "': " + error->message};
    }
    client_.emplace(std::get<common::auth::digest_client>(std::move(created)));
    credentials_ = credentials;
    proven_ = false;
    basic_realm_.clear();
    return std::nullopt;
}

std::optional<std::string> boot_auth::preemptive(std::string_view target,
                                                 std::string_view cnonce,
                                                 std::vector<std::string>& story) {
    if (!preemptive_ || !client_ || !proven_ || !client_->ready()) return std::nullopt;
    auto value = client_->authorization("GET", target, cnonce);
    // Without a header the server simply challenges again; nothing is lost.
    if (std::holds_alternative<common::auth::digest_error>(value)) return std::nullopt;
    story.push_back(describe_answer(*client_, credentials_->username, "pre-emptive"));
    return std::get<std::string>(std::move(value));
}

std::string boot_auth::describe_refusal(std::string_view why, bool request_had_auth) const {
    if (!request_had_auth || !client_ || !client_->ready()) return "401: " + std::string(why);
    const std::string scheme = client_->uses_basic() ? "Basic" : "Digest";
    const std::string realm = client_->uses_basic() ? basic_realm_ : client_->current()->realm;
    return "401 after " + scheme + " answer as '" + credentials_->username + "' in realm '" +
           realm + "': credentials refused";
}

std::variant<std::string, auth_refusal> boot_auth::answer(
    const std::vector<header_field>& headers, std::string_view target, std::string_view cnonce,
    bool request_had_auth, std::vector<std::string>& story) {
    if (!client_) return auth_refusal{"401: no credentials selected"};
    // Repeated WWW-Authenticate fields are one comma-separated list (RFC 9110 §5.3).
    std::vector<challenge> offered;
    for (const auto& h : headers) {
        if (!common::auth::iequals(h.name, "WWW-Authenticate")) continue;
        auto parsed = common::auth::parse_challenges(h.value);
        if (const auto* error = std::get_if<common::auth::parse_error>(&parsed)) {
            story.push_back("401 with an unreadable challenge");
            return auth_refusal{"401: unreadable WWW-Authenticate: " + error->to_string()};
        }
        for (auto& c : std::get<std::vector<challenge>>(parsed)) offered.push_back(std::move(c));
    }
    if (offered.empty()) {
        story.push_back("401 without a challenge");
        return auth_refusal{"401 without WWW-Authenticate: nothing to answer"};
    }

    if (auto status = client_->on_challenges(offered)) {
        story.push_back("refused: " + status->message);
        const bool refused = status->message.find("rejected") != std::string::npos;
        return auth_refusal{refused ? describe_refusal(status->message, request_had_auth)
                                    : "401: " + status->message};
    }
    if (client_->uses_basic()) {
        for (const auto& c : offered) {
            const auto* realm = c.find("realm");
            if (common::auth::iequals(c.scheme, "Basic") && realm != nullptr) {
                basic_realm_ = realm->value;
                break;
            }
        }
    }
    story.push_back(describe_challenge(*client_, basic_realm_));
    auto value = client_->authorization("GET", target, cnonce);
    if (const auto* error = std::get_if<common::auth::digest_error>(&value)) {
        story.push_back("cannot answer: " + error->message);
        return auth_refusal{"401: cannot answer the challenge: " + error->message};
    }
    story.push_back(describe_answer(*client_, credentials_->username, "answered"));
    return std::get<std::string>(std::move(value));
}

std::optional<auth_refusal> boot_auth::on_response(const std::vector<header_field>& headers) {
    if (!client_) return std::nullopt;
    if (auto status = client_->on_success(find_header(headers, "Authentication-Info"))) {
        return auth_refusal{"Authentication-Info: " + status->message};
    }
    if (client_->ready()) proven_ = true;
    return std::nullopt;
}

void boot_auth::start_over() noexcept {
    if (client_) client_->start_over();
    proven_ = false;
}

}  // namespace phone_agent
