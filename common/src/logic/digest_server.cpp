// Digest server: nonce issuing, nc tracking, credential verification (RFC 7616 §3.4-3.5, §5).
#include "common/auth/digest_server.hpp"

#include "common/crypto/hash.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace common::auth {
namespace {

constexpr std::size_t timestamp_bytes = 8;
constexpr std::size_t mac_bytes = 32;

std::int64_t micros_since_epoch(digest_clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string encode_timestamp(std::int64_t micros) {
    auto value = static_cast<std::uint64_t>(micros);
    std::string out(timestamp_bytes, '\0');
    for (std::size_t i = 0; i < timestamp_bytes; ++i) {
        out[timestamp_bytes - 1 - i] = static_cast<char>(value & 0xffU);
        value >>= 8U;
    }
    return out;
}

std::int64_t decode_timestamp(std::string_view bytes) noexcept {
    std::uint64_t value = 0;
    for (char c : bytes.substr(0, timestamp_bytes)) {
        value = (value << 8U) | static_cast<unsigned char>(c);
    }
    return static_cast<std::int64_t>(value);
}

constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 8187 ext-value `UTF-8'[language]'pct-encoded`, as used by `username*`.
std::optional<std::string> decode_ext_value(std::string_view text) {
    const auto first = text.find('\'');
    if (first == std::string_view::npos || !iequals(text.substr(0, first), "UTF-8")) {
        return std::nullopt;
    }
    const auto second = text.find('\'', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    std::string out;
    const auto encoded = text.substr(second + 1);
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '%') {
            out.push_back(encoded[i]);
            continue;
        }
        if (i + 2 >= encoded.size()) return std::nullopt;
        const int hi = hex_value(encoded[i + 1]);
        const int lo = hex_value(encoded[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

digest_verification fail(digest_outcome outcome, std::string message, std::string username = {}) {
    return {outcome, std::move(message), std::move(username)};
}

// The parameters verify() reads. All but userhash may appear at most once.
enum param_id : std::size_t {
    p_username, p_username_ext, p_realm, p_nonce, p_uri, p_response,
    p_algorithm, p_cnonce, p_opaque, p_qop, p_nc, p_userhash, p_count
};
constexpr std::array<std::string_view, p_count> param_names{
    "username", "username*", "realm", "nonce", "uri", "response",
    "algorithm", "cnonce", "opaque", "qop", "nc", "userhash"};
constexpr std::size_t single_params = p_userhash;  // the ids below this one

// Whether `name` (of the same length) is `lower`, in any case. The memcmp has a constant size, so
// it compiles to a load or two instead of a call; the case-folding loop runs only on a mismatch.
template <std::size_t N>
bool is_name(std::string_view name, const char (&lower)[N]) noexcept {
    return std::memcmp(name.data(), lower, N - 1) == 0 || iequals(name, std::string_view(lower, N - 1));
}

// The id of a parameter name (case-insensitive), p_count for names verify() does not read. Length
// and first letter leave one candidate, so each name costs one comparison.
param_id id_of(std::string_view name) noexcept {
    if (name.empty()) return p_count;
    const char first = static_cast<char>(name.front() | 0x20);  // ASCII lower case for letters
    auto pick = [](bool match, param_id id) { return match ? id : p_count; };
    switch (name.size()) {
        case 2: return pick(is_name(name, "nc"), p_nc);
        case 3: return first == 'u' ? pick(is_name(name, "uri"), p_uri) : pick(is_name(name, "qop"), p_qop);
        case 5: return first == 'r' ? pick(is_name(name, "realm"), p_realm) : pick(is_name(name, "nonce"), p_nonce);
        case 6:
            return first == 'c' ? pick(is_name(name, "cnonce"), p_cnonce) : pick(is_name(name, "opaque"), p_opaque);
        case 8:
            if (first == 'r') return pick(is_name(name, "response"), p_response);
            if ((name[4] | 0x20) == 'h') return pick(is_name(name, "userhash"), p_userhash);
            return pick(is_name(name, "username"), p_username);
        case 9:
            return first == 'u' ? pick(is_name(name, "username*"), p_username_ext)
                                : pick(is_name(name, "algorithm"), p_algorithm);
        default: return p_count;
    }
}

// First occurrence and count (capped at 2) of each parameter, in one pass over the credentials
// instead of a search per name.
struct indexed_params {
    std::array<const auth_param_view*, p_count> first{};
    std::array<unsigned char, p_count> count{};

    explicit indexed_params(const credentials_view& creds) {
        for (const auto& param : creds.params()) {
            const auto id = id_of(param.name);
            if (id == p_count) continue;
            if (first[id] == nullptr) first[id] = &param;
            if (count[id] < 2) ++count[id];
        }
    }
    const auth_param_view* operator[](param_id id) const noexcept { return first[id]; }
};

// Hex of either case decoded into `out`; std::nullopt for an odd length, a non-hex character or
// more than `out` holds.
std::optional<std::string_view> decode_hex(std::string_view text, crypto::digest_buffer& out) noexcept {
    // Digit values by table, 0xff for anything else.
    static constexpr std::array<unsigned char, 256> values = [] {
        std::array<unsigned char, 256> v{};
        v.fill(0xff);
        for (int c = 0; c < 256; ++c) {
            const int value = hex_value(static_cast<char>(c));
            if (value >= 0) v[static_cast<std::size_t>(c)] = static_cast<unsigned char>(value);
        }
        return v;
    }();
    if (text.size() % 2 != 0 || text.size() / 2 > out.size()) return std::nullopt;
    unsigned bad = 0;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const unsigned hi = values[static_cast<unsigned char>(text[i])];
        const unsigned lo = values[static_cast<unsigned char>(text[i + 1])];
        bad |= (hi | lo) & 0x80U;
        out[i / 2] = static_cast<char>((hi << 4U) | (lo & 0x0fU));
    }
    if (bad != 0) return std::nullopt;
    return std::string_view(out.data(), text.size() / 2);
}

}  // namespace

// ---- nonce_issuer -------------------------------------------------------------------------------

nonce_issuer::nonce_issuer(std::string secret, std::chrono::seconds lifetime,
                           std::chrono::seconds clock_skew)
    : secret_(std::move(secret)), lifetime_(lifetime), clock_skew_(clock_skew) {
    if (secret_.size() < 16) {
        throw std::invalid_argument("nonce_issuer: secret shorter than 16 bytes");
    }
}

std::string nonce_issuer::mac(std::string_view timestamp, std::string_view realm) const {
    std::string data(timestamp);
    data.append(realm);
    return crypto::hmac_sha256(secret_, data);
}

std::string nonce_issuer::issue(std::string_view realm, digest_clock::time_point now) {
    const auto now_us = micros_since_epoch(now);
    last_issued_us_ = std::max(now_us, last_issued_us_ + 1);
    if (last_issued_us_ > now_us) bumped_until_us_ = last_issued_us_;
    const auto timestamp = encode_timestamp(last_issued_us_);
    return crypto::base64_encode(timestamp + mac(timestamp, realm));
}

nonce_check nonce_issuer::verify(std::string_view nonce, std::string_view realm,
                                 digest_clock::time_point now, bool mac_known_good) const {
    const auto raw = crypto::base64_decode(nonce);
    if (!raw || raw->size() != timestamp_bytes + mac_bytes) return {nonce_status::malformed, {}};
    const std::string_view bytes(*raw);
    const auto timestamp = bytes.substr(0, timestamp_bytes);
    if (!mac_known_good && !crypto::constant_time_equal(mac(timestamp, realm), bytes.substr(timestamp_bytes))) {
        return {nonce_status::forged, {}};
    }
    const digest_clock::time_point issued_at{
        std::chrono::duration_cast<digest_clock::duration>(std::chrono::microseconds{decode_timestamp(timestamp)})};
    return check_age(issued_at, now);
}

nonce_check nonce_issuer::check_age(digest_clock::time_point issued_at, digest_clock::time_point now) const {
    const auto issued_us = micros_since_epoch(issued_at);
    const auto now_us = micros_since_epoch(now);
    const auto skew_us = std::chrono::duration_cast<std::chrono::microseconds>(clock_skew_).count();
    const auto life_us = std::chrono::duration_cast<std::chrono::microseconds>(lifetime_).count();
    // Timestamps that issue() bumped ahead of the clock to stay unique are not from the future.
    const auto latest_us = std::max(now_us, bumped_until_us_);
    if (issued_us > latest_us && issued_us - latest_us > skew_us) {
        return {nonce_status::from_future, issued_at};
    }
    if (now_us > issued_us && now_us - issued_us > life_us) return {nonce_status::expired, issued_at};
    return {nonce_status::valid, issued_at};
}

// ---- nc_window ----------------------------------------------------------------------------------

nc_window::nc_window(std::size_t max_nonces) : max_nonces_(std::max<std::size_t>(max_nonces, 1)) {}

std::optional<digest_clock::time_point> nc_window::issued_at(std::string_view nonce) {
    const auto found = index_.find(nonce);
    if (found == index_.end()) {
        last_found_.reset();
        return std::nullopt;
    }
    last_found_ = found->second;
    return found->second->issued_at;
}

nc_status nc_window::record(std::string_view nonce, digest_clock::time_point issued_at,
                            std::uint32_t nc) {
    // The entry issued_at() just found (comparing the text is cheaper than hashing it again).
    std::optional<std::list<entry>::iterator> hint;
    hint.swap(last_found_);
    if (hint && (*hint)->nonce == nonce) {
        entries_.splice(entries_.begin(), entries_, *hint);
        return advance(**hint, nc);
    }
    auto found = index_.find(nonce);
    if (found == index_.end()) {
        if (evicted_up_to_ && issued_at <= *evicted_up_to_) return nc_status::evicted;
        if (entries_.size() >= max_nonces_) {
            const auto& oldest = entries_.back();
            evicted_up_to_ = evicted_up_to_ ? std::max(*evicted_up_to_, oldest.issued_at)
                                            : oldest.issued_at;
            index_.erase(oldest.nonce);
            entries_.pop_back();
        }
        entries_.push_front(entry{std::string(nonce), issued_at, nc, 1});
        index_.emplace(entries_.front().nonce, entries_.begin());
        return nc_status::fresh;
    }

    entries_.splice(entries_.begin(), entries_, found->second);
    return advance(*found->second, nc);
}

nc_status nc_window::advance(entry& e, std::uint32_t nc) {
    if (nc > e.highest) {
        const std::uint64_t shift = std::uint64_t{nc} - e.highest;
        e.seen = shift >= window_size ? 0 : e.seen << shift;
        e.seen |= 1U;
        e.highest = nc;
        return nc_status::fresh;
    }
    const std::uint64_t offset = std::uint64_t{e.highest} - nc;
    if (offset >= window_size) return nc_status::too_old;
    const std::uint64_t bit = std::uint64_t{1} << offset;
    if ((e.seen & bit) != 0) return nc_status::replay;
    e.seen |= bit;
    return nc_status::fresh;
}

// ---- outcomes -----------------------------------------------------------------------------------

std::string_view to_string(digest_outcome outcome) noexcept {
    switch (outcome) {
        case digest_outcome::ok: return "ok";
        case digest_outcome::malformed: return "malformed";
        case digest_outcome::wrong_realm: return "wrong_realm";
        case digest_outcome::unknown_user: return "unknown_user";
        case digest_outcome::bad_password: return "bad_password";
        case digest_outcome::bad_nonce: return "bad_nonce";
        case digest_outcome::stale: return "stale";
        case digest_outcome::replay: return "replay";
        case digest_outcome::algorithm_mismatch: return "algorithm_mismatch";
        case digest_outcome::uri_mismatch: return "uri_mismatch";
        case digest_outcome::opaque_mismatch: return "opaque_mismatch";
        case digest_outcome::qop_invalid: return "qop_invalid";
    }
    return "unknown";
}

int http_status(digest_outcome outcome) noexcept {
    switch (outcome) {
        case digest_outcome::ok: return 200;
        case digest_outcome::malformed:
        case digest_outcome::algorithm_mismatch:
        case digest_outcome::uri_mismatch:
        case digest_outcome::opaque_mismatch:
        case digest_outcome::qop_invalid: return 400;
        case digest_outcome::wrong_realm:
        case digest_outcome::unknown_user:
        case digest_outcome::bad_password:
        case digest_outcome::bad_nonce:
        case digest_outcome::stale:
        case digest_outcome::replay: return 401;
    }
    return 400;
}

std::vector<challenge> make_challenges(const digest_server_config& config, std::string_view nonce,
                                       bool stale) {
    std::vector<challenge> out;
    for (auto algorithm : config.algorithms) {
        digest_challenge c;
        c.realm = config.realm;
        c.nonce = std::string(nonce);
        c.opaque = config.opaque;
        c.algorithm = algorithm;
        c.qop_auth = config.qop_auth;
        c.qop_auth_int = config.qop_auth_int;
        c.stale = stale;
        c.userhash = config.userhash;
        c.charset_utf8 = config.charset_utf8;
        out.push_back(c.to_challenge());
    }
    return out;
}

// ---- digest_verifier ----------------------------------------------------------------------------

digest_verifier::digest_verifier(digest_server_config config, nonce_issuer issuer,
                                 std::size_t max_tracked_nonces)
    : config_(std::move(config)), issuer_(std::move(issuer)), nc_window_(max_tracked_nonces) {}

const std::string& digest_verifier::password_hash(digest_algorithm algorithm, std::string_view user,
                                                  std::string_view password) {
    auto& last = last_password_;
    if (last.hash != nullptr && last.algorithm == algorithm && last.user == user && last.password == password) {
        return *last.hash;
    }
    // The user's length keeps ("a:b", "c") and ("a", "b:c") apart whatever bytes they hold. The
    // key is rebuilt in a member string, which keeps its capacity between requests.
    key_.clear();
    key_.push_back(static_cast<char>('0' + static_cast<int>(algorithm)));
    key_.append(std::to_string(user.size())).push_back(':');
    key_.append(user).append(password);
    auto found = password_hashes_.find(key_);
    if (found == password_hashes_.end()) {
        // One entry per user and password in use; a config with more devices than this recycles it.
        if (password_hashes_.size() >= 4096) password_hashes_.clear();
        found = password_hashes_.emplace(key_, digest_password_hash(algorithm, user, config_.realm, password)).first;
    }
    last = {algorithm, std::string(user), std::string(password), &found->second};
    return found->second;
}

const std::string& digest_verifier::request_hash(digest_algorithm algorithm, std::string_view method,
                                                 std::string_view uri) {
    auto& last = last_request_;
    if (last.hash != nullptr && last.algorithm == algorithm && last.method == method && last.uri == uri) {
        return *last.hash;
    }
    // A method is a token, so the space cannot be part of it.
    key_.clear();
    key_.push_back(static_cast<char>('0' + static_cast<int>(algorithm)));
    key_.append(method).push_back(' ');
    key_.append(uri);
    auto found = request_hashes_.find(key_);
    if (found == request_hashes_.end()) {
        if (request_hashes_.size() >= 4096) request_hashes_.clear();
        found = request_hashes_.emplace(key_, digest_ha2(algorithm, qop::auth, method, uri, {})).first;
    }
    last = {algorithm, std::string(method), std::string(uri), &found->second};
    return found->second;
}

std::vector<challenge> digest_verifier::challenges(digest_clock::time_point now, bool stale) {
    return make_challenges(config_, issuer_.issue(config_.realm, now), stale);
}

digest_verification digest_verifier::verify(const credentials& creds,
                                            const digest_request_info& request,
                                            const password_lookup& passwords,
                                            digest_clock::time_point now, const user_list& users) {
    const credentials_view view(creds);
    if (view.truncated()) {
        return fail(digest_outcome::malformed, "more than " + std::to_string(max_params) + " parameters");
    }
    return verify(view, request, passwords, now, users);
}

// The success path formats nothing and copies no parameter: every string below is a view of the
// header, of the configuration or of a cache, and the hashes go to stack buffers. Messages are
// built only on the way out of a refusal.
digest_verification digest_verifier::verify(const credentials_view& creds,
                                            const digest_request_info& request,
                                            const password_lookup& passwords,
                                            digest_clock::time_point now, const user_list& users) {
    using o = digest_outcome;
    if (!iequals(creds.scheme(), "Digest") || creds.token68()) {
        return fail(o::malformed, "credentials are not Digest parameters (scheme '" +
                                      std::string(creds.scheme()) + "')");
    }
    const indexed_params params(creds);
    for (std::size_t id = 0; id < single_params; ++id) {
        if (params.count[id] > 1) {
            return fail(o::malformed, "duplicate parameter '" + std::string(param_names[id]) + "'");
        }
    }
    for (const auto& param : creds.params()) {
        if (param.value.size() > max_digest_param) {
            return fail(o::malformed, "parameter '" + std::string(param.name) + "' too long");
        }
    }
    for (auto id : {p_realm, p_nonce, p_uri, p_response}) {
        if (params[id] == nullptr) {
            return fail(o::malformed, "missing parameter '" + std::string(param_names[id]) + "'");
        }
    }
    const auto* username = params[p_username];
    const auto* username_ext = params[p_username_ext];
    if ((username == nullptr) == (username_ext == nullptr)) {
        return fail(o::malformed, "need exactly one of 'username' and 'username*'");
    }
    const auto* userhash_param = params[p_userhash];
    const bool userhash = userhash_param != nullptr && iequals(userhash_param->value, "true");

    const std::string_view realm = params[p_realm]->value;
    if (realm != config_.realm) {
        return fail(o::wrong_realm, "realm '" + std::string(realm) + "' is not '" + config_.realm + "'");
    }

    const std::string_view nonce_text = params[p_nonce]->value;
    auto algorithm = digest_algorithm::md5;
    if (const auto* algorithm_param = params[p_algorithm]) {
        const auto parsed = parse_digest_algorithm(algorithm_param->value);
        if (!parsed) {
            return fail(o::algorithm_mismatch, "unknown algorithm '" + std::string(algorithm_param->value) + "'");
        }
        algorithm = *parsed;
    }
    if (std::find(config_.algorithms.begin(), config_.algorithms.end(), algorithm) == config_.algorithms.end()) {
        return fail(o::algorithm_mismatch, "algorithm " + std::string(to_string(algorithm)) +
                                               " was not offered in realm '" + config_.realm + "'");
    }

    // Some clients quote qop and nc although the grammar says token; the values are what count.
    qop chosen = qop::none;
    if (const auto* qop_param = params[p_qop]) {
        if (iequals(qop_param->value, "auth")) {
            chosen = qop::auth;
        } else if (iequals(qop_param->value, "auth-int")) {
            chosen = qop::auth_int;
        } else {
            return fail(o::qop_invalid, "unknown qop '" + std::string(qop_param->value) + "'");
        }
    }
    const bool offered_qop = chosen == qop::none ? !config_.qop_auth && !config_.qop_auth_int
                             : chosen == qop::auth ? config_.qop_auth
                                                   : config_.qop_auth_int;
    if (!offered_qop) {
        return fail(o::qop_invalid, chosen == qop::none
                                        ? std::string("qop missing but required")
                                        : "qop " + std::string(to_string(chosen)) + " not offered");
    }
    if (chosen == qop::none && is_session(algorithm)) {
        return fail(o::qop_invalid, std::string(to_string(algorithm)) + " requires qop");
    }
    if (chosen == qop::auth_int && !request.entity_body) {
        return fail(o::qop_invalid, "auth-int needs the entity body, which was not buffered");
    }
    std::string_view cnonce;
    std::string_view nc_text;
    std::uint32_t nc = 0;
    if (chosen != qop::none) {
        const auto* cnonce_param = params[p_cnonce];
        const auto* nc_param = params[p_nc];
        if (cnonce_param == nullptr || cnonce_param->value.empty()) {
            return fail(o::malformed, "missing parameter 'cnonce'");
        }
        if (nc_param == nullptr) return fail(o::malformed, "missing parameter 'nc'");
        const auto parsed_nc = parse_nc(nc_param->value);
        if (!parsed_nc) {
            return fail(o::malformed, "nc '" + std::string(nc_param->value) + "' is not 8 hex digits");
        }
        cnonce = cnonce_param->value;
        nc_text = nc_param->value;
        nc = *parsed_nc;
    }

    // Compared as raw bytes: half the length for the constant-time comparison, and no hex to write.
    crypto::digest_buffer response_buffer;
    const auto response = decode_hex(params[p_response]->value, response_buffer);
    if (!response || response->size() != crypto::digest_size(hash_of(algorithm))) {
        return fail(o::malformed, "response is not a " + std::string(to_string(algorithm)) + " hex digest");
    }
    const std::string_view uri = params[p_uri]->value;
    if (uri != request.request_target) {
        return fail(o::uri_mismatch, "uri '" + std::string(uri) + "' is not the request-target '" +
                                         std::string(request.request_target) + "'");
    }
    const auto* opaque = params[p_opaque];
    if (config_.opaque.has_value() != (opaque != nullptr) ||
        (opaque != nullptr && opaque->value != *config_.opaque)) {
        return fail(o::opaque_mismatch, "opaque does not echo the challenge");
    }

    // Resolve the user name.
    std::string user;
    if (username_ext != nullptr) {
        if (userhash) return fail(o::malformed, "username* together with userhash");
        auto decoded = decode_ext_value(username_ext->value);
        if (!decoded) return fail(o::malformed, "username* is not a UTF-8 ext-value");
        user = std::move(*decoded);
    } else if (userhash) {
        if (!config_.userhash) return fail(o::malformed, "userhash used but not offered");
        const auto wanted = to_lower_ascii(username->value);
        for (auto& candidate : users ? users() : std::vector<std::string>{}) {
            const auto hashed = digest_userhash(algorithm, candidate, config_.realm);
            if (crypto::constant_time_equal(hashed, wanted) && user.empty()) user = candidate;
        }
        if (user.empty()) {
            return fail(o::unknown_user, "no user matches the userhash in realm '" +
                                             config_.realm + "'");
        }
    } else {
        user = username->value;
    }
    const auto password = passwords ? passwords(user) : std::nullopt;
    if (!password) {
        return fail(o::unknown_user, "unknown user '" + user + "' in realm '" + config_.realm + "'",
                    user);
    }

    // A nonce in the nc window passed the MAC check when it got there, and the window kept its
    // issue time: only the age is checked. Others are decoded and their MAC recomputed.
    const auto tracked_issue = nc_window_.issued_at(nonce_text);
    const auto nonce = tracked_issue ? issuer_.check_age(*tracked_issue, now)
                                     : issuer_.verify(nonce_text, config_.realm, now);
    if (nonce.status == nonce_status::malformed || nonce.status == nonce_status::forged ||
        nonce.status == nonce_status::from_future) {
        const char* why = nonce.status == nonce_status::malformed ? "malformed"
                          : nonce.status == nonce_status::forged  ? "forged"
                                                                  : "from the future";
        return fail(o::bad_nonce, std::string("nonce ") + why + " for user '" + user + "'", user);
    }

    const auto& hashed = password_hash(algorithm, user, *password);
    crypto::hex_buffer ha1_buffer;
    crypto::digest_buffer expected_buffer;
    std::optional<std::string_view> expected;
    if (chosen == qop::auth_int) {
        digest_challenge offered;
        offered.realm = config_.realm;
        offered.nonce = nonce_text;
        offered.algorithm = algorithm;
        offered.qop_auth = config_.qop_auth;
        offered.qop_auth_int = config_.qop_auth_int;
        const digest_request computation{request.method, uri, cnonce, nc_text, chosen,
                                         request.entity_body.value_or(std::string_view())};
        auto computed = compute_from_password_hash(offered, hashed, computation);
        if (const auto* error = std::get_if<digest_error>(&computed)) {
            return fail(o::malformed, error->message, user);
        }
        expected = decode_hex(std::get<digest_values>(computed).response, expected_buffer);
    } else {
        // The checks compute() makes all passed above; HA2 depends on nothing secret, so it is reused.
        const auto ha1 = digest_ha1_from_hash(algorithm, hashed, nonce_text, cnonce, ha1_buffer);
        expected = digest_response_bytes(algorithm, ha1, nonce_text, nc_text, cnonce, chosen,
                                         request_hash(algorithm, request.method, uri), expected_buffer);
    }
    if (!expected || !crypto::constant_time_equal(*expected, *response)) {
        return fail(o::bad_password, "wrong response for user '" + user + "' in realm '" +
                                         config_.realm + "'", user);
    }

    if (nonce.status == nonce_status::expired) {
        return fail(o::stale, "nonce expired for user '" + user + "'", user);
    }
    if (chosen != qop::none) {
        switch (nc_window_.record(nonce_text, nonce.issued_at, nc)) {
            case nc_status::fresh: break;
            case nc_status::replay:
                return fail(o::replay, "nc " + std::string(nc_text) + " replayed by '" + user + "'",
                            user);
            case nc_status::too_old:
                return fail(o::replay, "nc " + std::string(nc_text) + " below the window for '" +
                                           user + "'", user);
            case nc_status::evicted:
                return fail(o::stale, "nonce no longer tracked for user '" + user + "'", user);
        }
    }
    return {o::ok, "authenticated", std::move(user)};
}

}  // namespace common::auth
