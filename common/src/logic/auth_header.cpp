// RFC 9110 §11 challenge/credentials grammar as a single-pass tokenizer. A regex would be shorter
// but WWW-Authenticate regexes are a known ReDoS source (CPython CVE-2020-8492); here every byte
// is looked at a bounded number of times (at most twice, by the look-aheads below).
#include "common/auth/auth_header.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace common::auth {
namespace {

constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

constexpr bool is_ctl(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}


// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
constexpr bool is_token68_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool is_token68(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && is_token68_char(s[i])) ++i;
    if (i == 0) return false;
    while (i < s.size() && s[i] == '=') ++i;
    return i == s.size();
}

std::string hex_byte(char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
    return buf;
}

// How a byte appears in an error message; raw control bytes would garble logs.
std::string describe(char c) {
    if (is_ctl(c)) return "control character " + hex_byte(c);
    if (static_cast<unsigned char>(c) >= 0x80) return "byte " + hex_byte(c);
    return std::string("'") + c + "'";
}

std::string quote_name(std::string_view s) { return "'" + std::string(s) + "'"; }

// qdtext, as a table: the bytes a quoted-string's plain run may hold (anything but DQUOTE,
// backslash and CTLs other than HTAB). The common value has no escape and is found in one scan.
constexpr std::array<bool, 256> qdtext_table = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) {
        const bool ctl = c < 0x20 || c == 0x7f;
        t[static_cast<std::size_t>(c)] = c != '"' && c != '\\' && (!ctl || c == '\t');
    }
    return t;
}();

// End of the run of plain qdtext starting at `from`: eight bytes per step while none of them is a
// DQUOTE, a backslash, a CTL or DEL (a word with one, HTAB included, is finished byte by byte).
std::size_t qdtext_run(std::string_view in, std::size_t from) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto zero_bytes = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
    std::size_t i = from;
    for (; i + 8 <= in.size(); i += 8) {
        std::uint64_t x = 0;
        std::memcpy(&x, in.data() + i, 8);
        const std::uint64_t found = ((x - ones * 0x20) & ~x & highs) | zero_bytes(x ^ (ones * '"')) |
                                    zero_bytes(x ^ (ones * '\\')) | zero_bytes(x ^ (ones * 0x7f));
        if (found != 0) {
            // The lowest flagged byte is exact (the formulas only over-report above a real hit);
            // little-endian, so it is the first in the text. HTAB is flagged but allowed: the
            // byte loop below goes on past it.
            if constexpr (std::endian::native == std::endian::little) i += static_cast<std::size_t>(std::countr_zero(found)) / 8;
            break;
        }
    }
    while (i < in.size() && qdtext_table[static_cast<unsigned char>(in[i])]) ++i;
    return i;
}

// One challenge or credentials item as found in the input; its parameters are
// params[first, last) of the parser's parameter storage.
struct item_desc {
    std::string_view scheme;
    std::optional<std::string_view> token68;
    std::size_t first = 0;
    std::size_t last = 0;
};

// Parses into views: parameters go to caller-provided storage of max_params slots (the limit
// enforced below), unescaped quoted values to a buffer the size of the input, allocated on the
// first escape (unescaping only ever shortens, so it cannot overflow).
class parser {
public:
    parser(std::string_view input, std::span<auth_param_view, max_params> params,
           std::unique_ptr<char[]>& unescaped)
        : in_(input), params_(params), unescaped_(unescaped) {}

    // `single` selects Authorization semantics: exactly one item. `emit` gets each item in turn.
    template <class Emit>
    bool run(bool single, Emit&& emit) {
        if (in_.size() > max_header_value) {
            return fail(max_header_value, "value is " + std::to_string(in_.size()) +
                                              " bytes, the limit is " +
                                              std::to_string(max_header_value));
        }
        skip_separators();
        if (at_end()) {
            return fail(pos_, single ? "no credentials (empty value)" : "no challenge (empty list)");
        }
        std::size_t items = 0;
        while (!at_end()) {
            if (single && items > 0) {
                const std::size_t start = pos_;
                const std::string_view name = scan_token(pos_);
                return fail(start, "second auth-scheme " + quote_name(name) +
                                       " in credentials, only one is allowed (or a "
                                       "parameter without '=')");
            }
            if (items == max_params) {
                return fail(pos_, "more than " + std::to_string(max_params) + " challenges");
            }
            item_desc item;
            item.first = param_count_;
            if (!parse_item(item)) return false;
            item.last = param_count_;
            emit(item);
            ++items;
        }
        return true;
    }

    parse_error take_error() { return std::move(*error_); }

private:
    bool at_end() const noexcept { return pos_ >= in_.size(); }
    char peek() const noexcept { return in_[pos_]; }
    std::string found() const { return at_end() ? "end of input" : describe(peek()); }

    bool fail(std::size_t offset, std::string message) {
        error_ = parse_error{offset, std::move(message)};
        return false;
    }

    void skip_ows() noexcept {
        while (!at_end() && is_ows(peek())) ++pos_;
    }

    // RFC 9110 §5.6.1: recipients accept empty list elements, so ", ," is only a separator.
    void skip_separators() noexcept {
        while (!at_end() && (is_ows(peek()) || peek() == ',')) ++pos_;
    }

    // The token starting at `from`, without consuming it.
    std::string_view scan_token(std::size_t from) const noexcept {
        std::size_t end = from;
        while (end < in_.size() && is_tchar(in_[end])) ++end;
        return in_.substr(from, end - from);
    }

    std::string_view read_token() noexcept {
        const std::string_view t = scan_token(pos_);
        pos_ += t.size();
        return t;
    }

    // challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; on success `pos_` is at the
    // end or at the first byte of the next challenge's scheme.
    bool parse_item(item_desc& item) {
        const std::size_t start = pos_;
        const std::string_view scheme = read_token();
        if (scheme.empty()) {
            if (peek() == '=') return fail(start, "'=' without a parameter name or auth-scheme");
            return fail(start, "expected an auth-scheme, found " + found());
        }
        item.scheme = scheme;
        // What came last, for error messages only: built into a string on failure, not per element.
        std::string_view last_kind = "auth-scheme ";
        std::string_view last_name = scheme;
        auto last = [&] { return std::string(last_kind) + quote_name(last_name); };

        if (!at_end() && is_ows(peek())) {
            skip_ows();
            if (!at_end() && peek() != ',') {
                if (try_token68(item)) {
                    last_kind = "token68 of auth-scheme ";
                } else {
                    if (!parse_param(scan_token(pos_))) return false;
                    last_kind = "parameter ";
                    last_name = params_[param_count_ - 1].name;
                }
            }
        } else if (!at_end() && peek() != ',') {
            const std::string hint =
                peek() == '=' ? " (a parameter without an auth-scheme?)" : "";
            return fail(pos_, "expected a space or ',' after " + last() + ", found " + found() +
                                  hint);
        }

        // Further elements: another auth-param of this item (`token BWS "="`) or the scheme of
        // the next challenge (a lone token, or a token followed by a space and more).
        for (;;) {
            skip_ows();
            if (at_end()) return true;
            if (peek() != ',') return fail(pos_, "expected ',' after " + last() + ", found " +
                                                     found());
            skip_separators();
            if (at_end()) return true;

            const std::string_view name = scan_token(pos_);
            std::size_t after = pos_ + name.size();
            while (after < in_.size() && is_ows(in_[after])) ++after;
            const bool is_param = after < in_.size() && in_[after] == '=';
            if (name.empty() && is_param) {
                return fail(pos_, "'=' without a parameter name after " + last());
            }
            if (!is_param) return true;
            if (item.token68) {
                return fail(pos_, "parameter " + quote_name(name) + " follows the " + last() +
                                      " (a parameter without '='?)");
            }
            if (!parse_param(name)) return false;
            last_kind = "parameter ";
            last_name = params_[param_count_ - 1].name;
        }
    }

    // Only a token68 when followed by OWS and then the end or a comma; `a=b` is a parameter.
    bool try_token68(item_desc& item) {
        std::size_t end = pos_;
        while (end < in_.size() && is_token68_char(in_[end])) ++end;
        if (end == pos_) return false;
        while (end < in_.size() && in_[end] == '=') ++end;
        std::size_t next = end;
        while (next < in_.size() && is_ows(in_[next])) ++next;
        if (next < in_.size() && in_[next] != ',') return false;
        item.token68 = in_.substr(pos_, end - pos_);
        pos_ = end;
        return true;
    }

    // auth-param = token BWS "=" BWS ( token / quoted-string ); `name` is the token at `pos_`,
    // already scanned by the caller's look-ahead.
    bool parse_param(std::string_view name) {
        const std::size_t start = pos_;
        pos_ += name.size();
        if (name.empty()) {
            if (peek() == '=') return fail(start, "'=' without a parameter name");
            return fail(start, "expected a parameter name, found " + found());
        }
        skip_ows();
        if (at_end() || peek() != '=') {
            return fail(pos_, "parameter " + quote_name(name) + " has no '=' (found " + found() +
                                  ")");
        }
        ++pos_;
        skip_ows();
        if (param_count_ == max_params) {
            return fail(start, "more than " + std::to_string(max_params) + " parameters (at " +
                                   quote_name(name) + ")");
        }
        auth_param_view param;
        param.name = name;
        if (!at_end() && peek() == '"') {
            param.quoted = true;
            if (!read_quoted(name, param.value)) return false;
        } else {
            param.value = read_token();
            if (param.value.empty()) {
                return fail(pos_, "parameter " + quote_name(name) +
                                      " has no value (expected a token or quoted-string, found " +
                                      found() + ")");
            }
        }
        params_[param_count_++] = param;
        return true;
    }

    // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; the escapes are removed.
    bool read_quoted(std::string_view name, std::string_view& out) {
        const std::size_t open = pos_;
        ++pos_;
        std::size_t run = qdtext_run(in_, pos_);
        if (run < in_.size() && in_[run] == '"') {
            out = in_.substr(pos_, run - pos_);
            pos_ = run + 1;
            return true;
        }
        // An escape, a CTL or the end: the value is rebuilt without its backslashes.
        if (!unescaped_) unescaped_ = std::make_unique_for_overwrite<char[]>(in_.size());
        char* const begin = unescaped_.get() + unescaped_used_;
        char* end = begin;
        for (;;) {
            end = std::copy(in_.data() + pos_, in_.data() + run, end);
            pos_ = run;
            if (at_end()) break;
            const char c = peek();
            if (c == '"') {
                ++pos_;
                out = std::string_view(begin, static_cast<std::size_t>(end - begin));
                unescaped_used_ += out.size();
                return true;
            }
            if (c == '\\') {
                if (pos_ + 1 >= in_.size()) {
                    return fail(pos_, "quoted-string of parameter " + quote_name(name) +
                                          " ends in a lone backslash");
                }
                const char escaped = in_[pos_ + 1];
                if (is_ctl(escaped) && escaped != '\t') {
                    return fail(pos_ + 1, describe(escaped) + " escaped in quoted-string of "
                                          "parameter " + quote_name(name));
                }
                *end++ = escaped;
                pos_ += 2;
            } else {
                return fail(pos_, describe(c) + " in quoted-string of parameter " +
                                      quote_name(name));
            }
            run = qdtext_run(in_, pos_);
        }
        return fail(open, "unterminated quoted-string in parameter " + quote_name(name));
    }

    std::string_view in_;
    std::span<auth_param_view, max_params> params_;
    std::unique_ptr<char[]>& unescaped_;
    std::size_t unescaped_used_ = 0;
    std::size_t pos_ = 0;
    std::size_t param_count_ = 0;
    std::optional<parse_error> error_;
};

auth_item owned_item(const item_desc& d, std::span<const auth_param_view> params) {
    auth_item item;
    item.scheme = d.scheme;
    if (d.token68) item.token68 = std::string(*d.token68);
    item.params.reserve(d.last - d.first);
    for (std::size_t i = d.first; i < d.last; ++i) {
        item.params.push_back({std::string(params[i].name), std::string(params[i].value), params[i].quoted});
    }
    return item;
}

// Anything the parser above accepts back inside a quoted-string: no CTL except HTAB.
bool is_quotable(std::string_view s) noexcept {
    for (char c : s) {
        if (is_ctl(c) && c != '\t') return false;
    }
    return true;
}

void append_quoted(std::string& out, std::string_view value) {
    out.push_back('"');
    for (char c : value) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

}  // namespace

const auth_param* auth_item::find(std::string_view name) const noexcept {
    for (const auth_param& p : params) {
        if (iequals(p.name, name)) return &p;
    }
    return nullptr;
}

std::size_t auth_item::count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (const auth_param& p : params) {
        if (iequals(p.name, name)) ++n;
    }
    return n;
}

std::string parse_error::to_string() const {
    return "at byte " + std::to_string(offset) + ": " + message;
}

// The parser's way into credentials_view's private storage.
class credentials_view_builder {
public:
    static std::optional<parse_error> parse(std::string_view value, credentials_view& out) {
        out.scheme_ = {};
        out.token68_.reset();
        out.size_ = 0;
        out.truncated_ = false;
        out.unescaped_.reset();  // sized for another value
        parser p(value, out.params_, out.unescaped_);
        item_desc found;
        if (!p.run(true, [&](const item_desc& item) { found = item; })) return p.take_error();
        out.scheme_ = found.scheme;
        out.token68_ = found.token68;
        out.size_ = found.last;  // the only item: its parameters start at 0
        return std::nullopt;
    }

    static void view(const credentials& owned, credentials_view& out) {
        out.scheme_ = owned.scheme;
        if (owned.token68) out.token68_ = *owned.token68;
        for (const auth_param& p : owned.params) {
            if (out.size_ == max_params) {
                out.truncated_ = true;
                break;
            }
            out.params_[out.size_++] = {p.name, p.value, p.quoted};
        }
    }
};

credentials_view::credentials_view(const credentials& owned) { credentials_view_builder::view(owned, *this); }

const auth_param_view* credentials_view::find(std::string_view name) const noexcept {
    for (const auth_param_view& p : params()) {
        if (iequals(p.name, name)) return &p;
    }
    return nullptr;
}

std::size_t credentials_view::count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (const auth_param_view& p : params()) {
        if (iequals(p.name, name)) ++n;
    }
    return n;
}

credentials credentials_view::to_owned() const {
    return owned_item({scheme_, token68_, 0, size_}, params());
}

std::optional<parse_error> parse_credentials(std::string_view value, credentials_view& out) {
    return credentials_view_builder::parse(value, out);
}

parse_result<std::vector<challenge>> parse_challenges(std::string_view value) {
    std::array<auth_param_view, max_params> params;
    std::unique_ptr<char[]> unescaped;
    std::vector<challenge> items;
    parser p(value, params, unescaped);
    if (!p.run(false, [&](const item_desc& item) { items.push_back(owned_item(item, params)); })) {
        return p.take_error();
    }
    return items;
}

parse_result<credentials> parse_credentials(std::string_view value) {
    credentials_view view;
    if (auto error = parse_credentials(value, view)) return std::move(*error);
    return view.to_owned();
}

std::optional<std::string> serialize(const auth_item& item) {
    if (!is_token(item.scheme)) return std::nullopt;
    std::string out = item.scheme;
    if (item.token68) {
        if (!item.params.empty() || !is_token68(*item.token68)) return std::nullopt;
        out += ' ';
        out += *item.token68;
        return out;
    }
    bool first = true;
    for (const auth_param& p : item.params) {
        if (!is_token(p.name) || !is_quotable(p.value)) return std::nullopt;
        out += first ? " " : ", ";
        first = false;
        out += p.name;
        out += '=';
        if (!p.quoted && is_token(p.value)) {
            out += p.value;
        } else {
            append_quoted(out, p.value);
        }
    }
    return out;
}

std::optional<std::string> serialize(const std::vector<challenge>& items) {
    if (items.empty()) return std::nullopt;
    std::string out;
    for (const challenge& c : items) {
        auto one = serialize(c);
        if (!one) return std::nullopt;
        if (!out.empty()) out += ", ";
        out += *one;
    }
    return out;
}

}  // namespace common::auth
