// The phone's XML browser as a state machine without I/O (domain.md §4, §5): an idle screen with
// Status messages, a stack of UI objects, one non-blocking page fetch at a time, and key handling.
// Every input returns the actions the I/O layer must carry out, in order; time is always passed
// in, so tests drive it with a fake clock. Not thread-safe: one owner (the phone's strand).
//
// Rules modelled:
// - A page answer from the top object replaces it when it has destroyOnExit="yes", else stacks on
//   top of it; Exit pops back (calling cancelAction/doneAction), GOODBYE destroys the top object.
// - A non-UI answer (Status, Execute, Configuration) leaves the calling object alone unless it has
//   triggerDestroyOnExit="yes" and the caller has destroyOnExit="yes" (XMLG 4.10.4).
// - Timeout (45 s default, reset by key presses) returns the phone to idle; LockIn disables the
//   default timeout and ignores keys that would leave the object (GOODBYE fetches
//   GoodbyeLockInURI instead); an incoming call still clears everything.
// - While a fetch is pending the view says "Loading Page..." and the phone stays usable: GOODBYE
//   aborts the fetch and restores the screen; any other key aborts it and then acts as usual.
//   Answers for aborted or superseded fetch ids are ignored, so each fetch completes at most once.
#pragma once

#include "logic/screen_actions.hpp"
#include "logic/var_substitution.hpp"
#include "logic/xml_objects.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phone_agent {

using screen_time = std::chrono::steady_clock::time_point;

struct screen_options {
    std::size_t max_object_size = default_max_object_size;
    std::chrono::seconds default_timeout{45};
    std::chrono::seconds alert_duration{3};  // an alert Status message without Timeout
};

// A programmable key from the configuration (`softkeyN type/label/value`). Only `xml` (GET the
// value URL, with $$VAR$$ substitution) and `speeddial` (dial the value) act on the idle screen.
struct configured_softkey {
    int index = 1;
    std::string type;
    std::string label;
    std::string value;
};

struct softkey_view {
    int index = 1;
    std::string label;
};

// What the display shows, for a web page or a JSON API.
struct screen_view {
    std::string kind;   // "idle" or the object's root element name
    std::string title;
    std::vector<std::string> lines;
    std::optional<std::size_t> selected;  // highlighted line
    std::vector<softkey_view> softkeys;
    std::string status_line;  // "Loading Page..." or the last error until the next key press
    bool loading = false;
    std::size_t depth = 0;  // objects on the stack
};

// A Status message currently on the idle screen.
struct idle_message {
    std::string session;
    std::string index;
    status_type type = status_type::normal;
    std::string text;
    std::string uri;
    std::optional<screen_time> expires;
};

class phone_screen {
public:
    explicit phone_screen(screen_options options = {});

    void set_idle_title(std::string title);
    void set_idle_softkeys(std::vector<configured_softkey> keys);
    // Values for $$VAR$$ in configured softkey URLs; the I/O layer refreshes them on each change.
    void set_variables(variable_values values);

    std::vector<screen_action> press(const key_press& key, screen_time now);
    // Text typed through the API into an editable InputScreen (the keypad only gives digits).
    std::vector<screen_action> enter_text(std::string_view text, screen_time now);
    // GET a page as if a softkey asked for it (API "open URL", the phone's XML key).
    std::vector<screen_action> open_url(std::string url, screen_time now);
    // An object that arrived without a screen fetch: XML push or an action URI's answer.
    std::vector<screen_action> show_object(std::string_view body, screen_time now);
    std::vector<screen_action> on_fetch_done(const fetch_done& result, screen_time now);
    std::vector<screen_action> on_fetch_failed(const fetch_failed& result, screen_time now);
    // Telephony has priority over XML (XMLG 4.10.3): drops the pending fetch and the stack.
    std::vector<screen_action> incoming_call(screen_time now);
    // The configuration layer refused an apply_config_action (e.g. a locked `!` key).
    std::vector<screen_action> config_refused(std::string_view key, std::string_view reason);
    // Fires timeouts, due refreshes and expired Status messages.
    std::vector<screen_action> tick(screen_time now);
    // When tick() next has work; nullopt when nothing is scheduled.
    std::optional<screen_time> next_deadline() const;

    screen_view render() const;
    bool loading() const noexcept;
    std::optional<std::uint64_t> pending_fetch_id() const noexcept;
    std::size_t depth() const noexcept { return stack_.size(); }
    const std::vector<idle_message>& idle_messages() const noexcept { return messages_; }

private:
    struct entry {
        std::uint64_t serial = 0;
        xml_object object;
        std::size_t cursor = 0;  // TextMenu / Directory selection
        std::string input;       // InputScreen value
        std::optional<screen_time> deadline;
        std::optional<refresh_directive> refresh;
        std::optional<screen_time> refresh_due;
    };
    struct pending {
        std::uint64_t id = 0;
        fetch_purpose purpose = fetch_purpose::softkey;
        std::optional<std::uint64_t> origin;  // serial of the object the fetch was made from
    };
    using actions = std::vector<screen_action>;

    void start_fetch(std::string url, fetch_purpose purpose, std::optional<std::uint64_t> origin,
                     screen_time now, actions& out);
    void abort_pending(screen_time now, actions& out);
    void handle_key(const key_press& key, screen_time now, actions& out);
    void press_softkey(int index, screen_time now, actions& out);
    void follow_softkey(const std::string& uri, screen_time now, actions& out);
    void run_uri(std::string_view uri, fetch_purpose purpose, screen_time now, actions& out);
    void run_request(const exec_request& request, fetch_purpose purpose, screen_time now,
                     actions& out);
    void activate_item(screen_time now, actions& out);
    bool dial_item(std::optional<int> line, actions& out);
    void submit_input(screen_time now, actions& out);
    void edit_input(std::string_view text);
    void leave_top(bool done, screen_time now, actions& out);
    void pop_top(screen_time now);
    void clear_stack();
    void accept_body(std::string_view body, const std::optional<refresh_directive>& refresh,
                     const std::optional<pending>& origin, screen_time now, actions& out);
    void apply_ui(xml_object object, const std::optional<refresh_directive>& refresh,
                  const std::optional<pending>& origin, screen_time now, actions& out);
    void apply_status(const status& st, screen_time now);
    void run_execute_items(const std::vector<execute_item>& items, screen_time now, actions& out);
    void run_deferred(screen_time now, actions& out);
    void apply_configuration(const configuration& cfg, actions& out);
    void stop_refresh(const std::optional<pending>& origin);
    void destroy_caller_if_triggered(bool trigger, const std::optional<pending>& origin,
                                     screen_time now);
    void arm_timeout(entry& e, screen_time now) const;
    void reschedule_refresh(std::uint64_t serial, screen_time now);
    entry* find_entry(std::uint64_t serial) noexcept;
    entry* top() noexcept { return stack_.empty() ? nullptr : &stack_.back(); }
    const entry* top() const noexcept { return stack_.empty() ? nullptr : &stack_.back(); }
    std::vector<softkey> current_softkeys() const;
    void set_message(std::string text, actions& out);

    screen_options options_;
    std::string idle_title_;
    std::vector<configured_softkey> idle_softkeys_;
    variable_values variables_;
    std::vector<entry> stack_;
    std::optional<pending> pending_;
    std::deque<execute_item> deferred_;  // Execute items waiting behind an http(s) item
    std::vector<idle_message> messages_;
    std::string status_line_;
    std::uint64_t next_fetch_id_ = 1;
    std::uint64_t next_serial_ = 1;
};

}  // namespace phone_agent
