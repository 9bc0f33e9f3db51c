#include "common/aastra/config_layers.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ostream>
#include <utility>

namespace common::aastra {
namespace {

struct default_setting {
    std::string_view key;
    std::string_view value;
};

// Documented defaults (AG33, AG24, AG322 4-45/5-300) plus empty server fields. The
// `download protocol`, `https client method`, `auto resync time` and `action uri poll interval`
// defaults are not documented; the values below are the least surprising ones.
constexpr default_setting default_settings[] = {
    {"download protocol", "TFTP"},
    {"http server", ""},
    {"http path", ""},
    {"http port", "80"},
    {"https server", ""},
    {"https path", ""},
    {"https port", "443"},
    {"https validate certificates", "1"},
    {"https validate hostname", "1"},
    {"https validate expires", "1"},
    {"https client method", "TLS 1.0"},
    {"http digest username", "aastra"},
    {"http digest password", "aastra"},
    {"http digest force login", "0"},
    {"auto resync mode", "0"},
    {"auto resync time", "00:00"},
    {"auto resync max delay", "15"},
    {"auto resync days", "0"},
    {"xml get timeout", "0"},
    {"admin password", "22222"},
    {"user password", ""},
    {"action uri poll interval", "0"},
};

constexpr std::string_view plain_keys[] = {
    "download protocol",
    "tftp server",
    "tftp path",
    "alternate tftp server",
    "use alternate tftp",
    "ftp server",
    "ftp path",
    "ftp username",
    "ftp password",
    "http server",
    "http path",
    "http port",
    "https server",
    "https path",
    "https port",
    "https validate certificates",
    "https validate hostname",
    "https validate expires",
    "https user certificates",
    "https client method",
    // Believed spellings (domain §3.3); listed so using them draws no warning.
    "https redirect http get",
    "https block http post xml",
    "http digest username",
    "http digest password",
    "http digest force login",
    "auto resync mode",
    "auto resync time",
    "auto resync max delay",
    "auto resync days",
    "xml application post list",
    "xml application uri",
    "xml application title",
    "xml get timeout",
    "xml status scroll delay",
    "admin password",
    "user password",
    "action uri startup",
    "action uri registered",
    "action uri registration event",
    "action uri incoming",
    "action uri outgoing",
    "action uri offhook",
    "action uri onhook",
    "action uri connected",
    "action uri disconnected",
    "action uri xml sip notify",
    "action uri poll",
    "action uri poll interval",
    "sip xml notify event",
    "sip proxy ip",
    "sips persistent tls",
    "sip persistent tls keep alive",
    "contact rcs",
    "firmware version",
    "time server disabled",
    "time server1",
    "time server2",
    "time server3",
};

constexpr std::string_view key_attributes[] = {"type", "label", "value", "line"};

// Upper bounds are generous on purpose: per-model key counts are not modelled, and a false
// "unknown key" warning would be worse than a missed typo in an index.
constexpr unsigned max_sip_line = 9;
constexpr unsigned max_key_index = 99;
constexpr unsigned max_expansion_module = 3;
constexpr unsigned max_expansion_key = 60;

// Consumes `prefix` followed by a decimal index in [1, max] without leading zeros.
bool take_indexed(std::string_view& s, std::string_view prefix, unsigned max) {
    if (!s.starts_with(prefix)) {
        return false;
    }
    std::string_view rest = s.substr(prefix.size());
    if (rest.empty() || rest.front() == '0') {
        return false;
    }
    unsigned index = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (ec != std::errc{} || index > max) {
        return false;
    }
    s = rest.substr(static_cast<std::size_t>(end - rest.data()));
    return true;
}

bool is_key_attribute(std::string_view s) {
    if (!s.starts_with(' ')) {
        return false;
    }
    s.remove_prefix(1);
    return std::find(std::begin(key_attributes), std::end(key_attributes), s) !=
           std::end(key_attributes);
}

bool is_known_family(std::string_view key) {
    std::string_view s = key;
    if (take_indexed(s, "sip line", max_sip_line)) {
        return s.size() > 1 && s.front() == ' ';
    }
    s = key;
    if (take_indexed(s, "softkey", max_key_index) || take_indexed(s, "topsoftkey", max_key_index) ||
        take_indexed(s, "prgkey", max_key_index)) {
        return is_key_attribute(s);
    }
    s = key;
    if (take_indexed(s, "expmod", max_expansion_module) &&
        take_indexed(s, " key", max_expansion_key)) {
        return is_key_attribute(s);
    }
    return false;
}

cfg_file build_firmware_defaults() {
    cfg_file file;
    for (const auto& setting : default_settings) {
        // The table is constant and valid; a failure here would be a bug in the table itself.
        if (auto error = file.set(setting.key, setting.value)) {
            std::abort();
        }
    }
    return file;
}

}  // namespace

const char* to_string(config_layer layer) noexcept {
    switch (layer) {
        case config_layer::defaults: return "defaults";
        case config_layer::cached_server: return "server.cfg";
        case config_layer::global_file: return "aastra.cfg";
        case config_layer::model_file: return "<model>.cfg";
        case config_layer::mac_file: return "<MAC>.cfg";
        case config_layer::local: return "local.cfg";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& out, config_layer layer) { return out << to_string(layer); }

config_layers::config_layers() : defaults_(shared_firmware_defaults()) {}

config_layers::config_layers(cfg_file defaults)
    : defaults_(std::make_shared<const cfg_file>(std::move(defaults))) {}

config_layers::config_layers(std::shared_ptr<const cfg_file> defaults)
    : defaults_(defaults ? std::move(defaults) : std::make_shared<const cfg_file>()) {}

const cfg_file& config_layers::defaults() const noexcept { return *defaults_; }

std::vector<std::string> config_layers::set_server_file(server_file which, cfg_file file,
                                                        std::string source) {
    server_[cached_slot].reset();
    const std::size_t slot = 1 + static_cast<std::size_t>(which);
    server_[slot] = std::make_shared<const server_layer>(server_layer{std::move(file), std::move(source)});

    std::vector<std::string> overridden;
    for (const cfg_entry& entry : server_[slot]->file.entries()) {
        if (entry.override_local && locking_layer(entry.key) == nullptr && local_->find_normalised(entry.key) &&
            local_to_change().erase(entry.key)) {
            overridden.push_back(entry.key);
        }
    }
    return overridden;
}

void config_layers::clear_server_file(server_file which) {
    server_[1 + static_cast<std::size_t>(which)].reset();
}

void config_layers::clear_server() {
    for (auto& layer : server_) {
        layer.reset();
    }
}

namespace {

// A key as every layer's find_normalised() takes it; `storage` holds it when it had to change.
std::string_view normalised_key(std::string_view key, std::string& storage) {
    if (is_normalised_cfg_key(key)) return key;
    storage = normalise_cfg_key(key);
    return storage;
}

}  // namespace

std::optional<config_error> config_layers::set_local(std::string_view key, std::string_view value) {
    std::string storage;
    if (const server_layer* lock = locking_layer(normalised_key(key, storage))) {
        return config_error{normalise_cfg_key(key) + ": locked by " + lock->source};
    }
    if (auto error = local_to_change().set(key, value)) {
        return config_error{std::move(error->message)};
    }
    return std::nullopt;
}

bool config_layers::clear_local(std::string_view key) {
    return local_->find(key) != nullptr && local_to_change().erase(key);
}

void config_layers::clear_local() {
    if (!local_->empty()) local_to_change().clear();
}

cfg_file& config_layers::local_to_change() {
    if (local_.use_count() > 1) local_ = std::make_shared<cfg_file>(*local_);
    return *local_;
}

bool config_layers::same_files(const config_layers& other) const {
    for (std::size_t slot = 0; slot < layer_count; ++slot) {
        const auto& mine = server_[slot];
        const auto& theirs = other.server_[slot];
        if (mine == theirs) continue;
        if (!mine || !theirs || !(mine->file == theirs->file)) return false;
    }
    return local_ == other.local_ || *local_ == *other.local_;
}

const config_layers::server_layer* config_layers::locking_layer(std::string_view normalised) const {
    // The most specific file that locks the key is the one worth naming in an error.
    for (auto it = server_.rbegin(); it != server_.rend(); ++it) {
        if (!*it) {
            continue;
        }
        if (const cfg_entry* entry = (*it)->file.find_normalised(normalised); entry != nullptr && entry->locked) {
            return it->get();
        }
    }
    return nullptr;
}

const cfg_entry* config_layers::winning(std::string_view key, config_layer& source,
                                        const server_layer*& lock) const {
    // Normalised once for the up to ten layers asked below (the typed getters read several keys
    // per provisioning step).
    std::string storage;
    key = normalised_key(key, storage);
    // One pass over the server files, most specific first, finds both the entry in force among
    // them and the most specific file that locks the key (locking_layer()'s answer).
    const cfg_entry* server_entry = nullptr;
    std::size_t server_slot = 0;
    lock = nullptr;
    for (std::size_t slot = layer_count; slot-- > 0;) {
        const auto& layer = server_[slot];
        const cfg_entry* entry = layer ? layer->file.find_normalised(key) : nullptr;
        if (entry == nullptr) {
            continue;
        }
        if (server_entry == nullptr) {
            server_entry = entry;
            server_slot = slot;
        }
        if (entry->locked) {
            lock = layer.get();
            break;
        }
    }
    if (lock == nullptr) {
        if (const cfg_entry* entry = local_->find_normalised(key)) {
            source = config_layer::local;
            return entry;
        }
    }
    if (server_entry != nullptr) {
        source = static_cast<config_layer>(static_cast<int>(config_layer::cached_server) +
                                           static_cast<int>(server_slot));
        return server_entry;
    }
    if (const cfg_entry* entry = defaults_->find_normalised(key)) {
        source = config_layer::defaults;
        return entry;
    }
    return nullptr;
}

std::optional<effective_value> config_layers::get(std::string_view key) const {
    config_layer source = config_layer::defaults;
    const server_layer* lock = nullptr;
    const cfg_entry* entry = winning(key, source, lock);
    if (entry == nullptr) {
        return std::nullopt;
    }
    // A locking file holds the key itself, so a lock always comes with a server layer's value.
    return effective_value{entry->value, source, lock != nullptr,
                           lock != nullptr ? lock->source : std::string()};
}

std::int64_t config_layers::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) const {
    config_layer source = config_layer::defaults;
    const server_layer* lock = nullptr;
    const cfg_entry* entry = winning(key, source, lock);
    if (entry == nullptr) {
        return fallback;
    }
    const std::string& text = entry->value;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min ||
        value > max) {
        return fallback;
    }
    return value;
}

bool config_layers::get_bool(std::string_view key, bool fallback) const {
    config_layer source = config_layer::defaults;
    const server_layer* lock = nullptr;
    const cfg_entry* entry = winning(key, source, lock);
    if (entry != nullptr && entry->value == "1") {
        return true;
    }
    if (entry != nullptr && entry->value == "0") {
        return false;
    }
    return fallback;
}

std::string config_layers::get_string(std::string_view key, std::string_view fallback) const {
    config_layer source = config_layer::defaults;
    const server_layer* lock = nullptr;
    const cfg_entry* entry = winning(key, source, lock);
    return entry != nullptr ? entry->value : std::string(fallback);
}

cfg_file config_layers::merged_server() const {
    cfg_file merged;
    for (const auto& layer : server_) {
        if (!layer) {
            continue;
        }
        for (cfg_entry entry : layer->file.entries()) {
            if (const cfg_entry* previous = merged.find_normalised(entry.key)) {
                entry.locked = entry.locked || previous->locked;
            }
            // Only the key limit can refuse an entry that came out of a valid cfg_file. Four
            // full layers may together exceed one file's limit; the keys past it are dropped,
            // as a phone with a bounded store would, while later layers still replace values.
            static_cast<void>(merged.set(std::move(entry)));
        }
    }
    return merged;
}

std::variant<std::vector<cfg_diagnostic>, cfg_error> config_layers::load_server_cfg_text(
    std::string_view text) {
    auto parsed = parse_cfg(text, "server.cfg");
    if (auto* error = std::get_if<cfg_error>(&parsed)) {
        return std::move(*error);
    }
    auto& result = std::get<cfg_parse_result>(parsed);
    clear_server();
    server_[cached_slot] = std::make_shared<const server_layer>(server_layer{std::move(result.file), "server.cfg"});
    return std::move(result.diagnostics);
}

std::variant<std::vector<cfg_diagnostic>, cfg_error> config_layers::load_local_cfg_text(
    std::string_view text) {
    auto parsed = parse_cfg(text, "local.cfg");
    if (auto* error = std::get_if<cfg_error>(&parsed)) {
        return std::move(*error);
    }
    auto& result = std::get<cfg_parse_result>(parsed);
    cfg_file plain;
    for (cfg_entry entry : result.file.entries()) {
        entry.locked = false;
        entry.override_local = false;
        if (auto error = plain.set(std::move(entry))) {
            return cfg_error{"local.cfg: " + error->message};
        }
    }
    local_ = std::make_shared<cfg_file>(std::move(plain));
    return std::move(result.diagnostics);
}

const std::shared_ptr<const cfg_file>& shared_firmware_defaults() {
    static const std::shared_ptr<const cfg_file> defaults =
        std::make_shared<const cfg_file>(build_firmware_defaults());
    return defaults;
}

const cfg_file& firmware_defaults() { return *shared_firmware_defaults(); }

bool is_known_key(std::string_view key) {
    const std::string normalised = normalise_cfg_key(key);
    const bool plain = std::find(std::begin(plain_keys), std::end(plain_keys), normalised) !=
                       std::end(plain_keys);
    return plain || is_known_family(normalised);
}

std::span<const std::string_view> known_plain_keys() noexcept { return plain_keys; }

}  // namespace common::aastra
