// What `phone-agent boot` tells its user: one line per exchange on stderr while it runs, a summary
// at the end, and the whole run as JSON for --json.
#pragma once

#include "logic/boot_events.hpp"

#include "common/net/http_client.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace phone_agent {

class boot_report {
public:
    explicit boot_report(std::ostream& out) : out_(out) {}

    void begin(const std::string& user_agent);
    void exchange(const std::string& file, const common::net::fetch_result& r, bool authorized);
    void note(const std::string& text);
    void finish(const boot_outcome& outcome, const std::string& firmware);
    std::string json(const boot_outcome& outcome, const std::string& firmware) const;

private:
    struct exchange_record {
        std::string file;
        common::net::fetch_result result;
        bool authorized = false;
    };
    std::ostream& out_;
    std::string user_agent_;
    std::vector<exchange_record> exchanges_;
    std::vector<std::string> notes_;
};

}  // namespace phone_agent
