// The phone's layered configuration:
//   firmware defaults < aastra.cfg < <model>.cfg < <MAC>.cfg < local (Web UI, XML setType local)
// The three server files merge into what the phone caches as server.cfg; local changes live in
// local.cfg. Both are exported as .cfg text and read back from it, so a restarted agent comes up
// with what it had, including a server.cfg kept when aastra.cfg could not be downloaded.
//
// Not thread-safe: one owner (the phone's strand) reads and writes it and its copies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/aastra/cfg_file.hpp"

namespace common::aastra {

enum class config_layer {
    defaults,       // built into the firmware
    cached_server,  // server.cfg read back from disk, until a fresh download replaces it
    global_file,    // aastra.cfg
    model_file,     // <model>.cfg
    mac_file,       // <MAC>.cfg
    local,          // local.cfg
};

const char* to_string(config_layer layer) noexcept;
std::ostream& operator<<(std::ostream& out, config_layer layer);

enum class server_file { global, model, mac };

struct effective_value {
    std::string value;
    config_layer source = config_layer::defaults;
    bool locked = false;
    std::string locked_by;  // the server file that locked the key; empty when not locked
};

struct config_error {
    std::string message;  // names the key, e.g. "admin password: locked by aastra.cfg"
};

class config_layers {
public:
    // The defaults layer is immutable and shared, never copied: every phone of a fleet (and both
    // layer sets of one state machine) points at the same firmware_defaults(), which would
    // otherwise be most of an idle phone's memory.
    config_layers();  // starts from firmware_defaults()
    explicit config_layers(cfg_file defaults);
    explicit config_layers(std::shared_ptr<const cfg_file> defaults);  // null: no defaults
    // Copies share the files until one side changes its local layer. No move operations: a copy
    // is as cheap, and a moved-from object would have no layers to read.
    config_layers(const config_layers&) = default;
    config_layers& operator=(const config_layers&) = default;

    const cfg_file& defaults() const noexcept;

    // Installs a downloaded server file named `source` ("6731i.cfg") in its layer. Any cached
    // server.cfg is dropped, because the phone rebuilds it from what it fetched this boot.
    // Entries marked `^` delete the local value of the same key (a locked key's local value is
    // kept but ignored); the deleted keys are returned, normalised, for the log.
    std::vector<std::string> set_server_file(server_file which, cfg_file file, std::string source);
    void clear_server_file(server_file which);
    void clear_server();  // all three files and the cached server.cfg

    // Fails when a server file locked the key with `!`, or the key/value cannot be stored.
    std::optional<config_error> set_local(std::string_view key, std::string_view value);
    bool clear_local(std::string_view key);
    void clear_local();  // XML `Command: ClearLocal`

    // The value in force, where it came from, and whether the user may change it. Locks stick
    // across server files: a key locked in aastra.cfg stays locked when <MAC>.cfg sets it again.
    std::optional<effective_value> get(std::string_view key) const;

    // Invalid, missing or out-of-range values give `fallback`, as the phone does with a
    // non-numeric password.
    std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const;
    bool get_bool(std::string_view key, bool fallback) const;  // "0" or "1" only
    std::string get_string(std::string_view key, std::string_view fallback = {}) const;

    cfg_file merged_server() const;  // what the phone stores as server.cfg
    const cfg_file& local() const noexcept { return *local_; }
    std::string server_cfg_text() const { return serialise_cfg(merged_server()); }
    std::string local_cfg_text() const { return serialise_cfg(*local_); }
    // True when server_cfg_text() and local_cfg_text() are those of `other`, checked without
    // building them: the same layers present, holding the same entries.
    bool same_files(const config_layers& other) const;

    // Replace the server layers with a saved server.cfg (locks kept; `^` is not re-applied,
    // the local values it would delete were set after it was downloaded) or the local layer with
    // a saved local.cfg (`!` and `^` ignored: only server files lock). The layer is unchanged
    // when the text is rejected; skipped lines come back as diagnostics.
    std::variant<std::vector<cfg_diagnostic>, cfg_error> load_server_cfg_text(
        std::string_view text);
    std::variant<std::vector<cfg_diagnostic>, cfg_error> load_local_cfg_text(std::string_view text);

private:
    // A server file, never changed once installed: copies of the layers share it, so the copy a
    // provisioning run starts from costs a few reference counts instead of every entry.
    struct server_layer {
        cfg_file file;
        std::string source;
    };

    // Lowest precedence first: cached server.cfg, aastra.cfg, <model>.cfg, <MAC>.cfg.
    static constexpr std::size_t layer_count = 4;
    static constexpr std::size_t cached_slot = 0;

    const server_layer* locking_layer(std::string_view normalised) const;
    cfg_file& local_to_change();  // unshares local_ first
    // The entry in force, its layer and the file locking it, without copying the value: the
    // typed getters need only a look at it.
    const cfg_entry* winning(std::string_view key, config_layer& source, const server_layer*& lock) const;

    std::shared_ptr<const cfg_file> defaults_;  // never null
    std::array<std::shared_ptr<const server_layer>, layer_count> server_;  // null: absent
    // Never null; shared with copies until one of them changes it.
    std::shared_ptr<cfg_file> local_ = std::make_shared<cfg_file>();
};

// The firmware's built-in values for the provisioning and HTTP keys (domain §3.1).
const cfg_file& firmware_defaults();
// The same table, for sharing as a layer; the pointer is to firmware_defaults() itself.
const std::shared_ptr<const cfg_file>& shared_firmware_defaults();

// Keys the emulator knows: the §3.1 spellings and the indexed families `sip lineN ...`,
// `softkeyN|topsoftkeyN|prgkeyN type|label|value|line` and `expmodM keyN ...`. Case and
// whitespace runs are ignored. Used for "unknown key" warnings, never to reject a file.
bool is_known_key(std::string_view key);
std::span<const std::string_view> known_plain_keys() noexcept;

}  // namespace common::aastra
