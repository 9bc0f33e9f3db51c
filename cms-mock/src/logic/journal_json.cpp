#include "logic/journal_json.hpp"

#include <cstdio>

namespace cms_mock {

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto us = floor<microseconds>(t);
    const auto day_point = floor<days>(us);
    const year_month_day ymd{day_point};
    const hh_mm_ss hms{us - day_point};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

boost::json::object to_json(const journal_entry& e) {
    boost::json::object o;
    o["id"] = e.id;
    o["time"] = format_rfc3339(e.time);
    o["peer"] = e.peer;
    o["tls_version"] = e.tls_version;
    o["tls_cipher"] = e.tls_cipher;
    o["method"] = e.method;
    o["target"] = e.target;
    o["user_agent"] = e.user_agent;
    o["ua_mac"] = e.ua_mac;
    o["ua_model"] = e.ua_model;
    o["ua_firmware"] = e.ua_firmware;
    o["auth_scheme"] = e.auth_scheme;
    o["auth_outcome"] = to_string(e.auth_outcome);
    o["auth_user"] = e.auth_user;
    o["status"] = e.status;
    o["bytes_sent"] = e.bytes_sent;
    o["duration_us"] = e.duration.count();
    o["fault"] = e.fault;
    o["device_mac"] = e.device_mac;
    return o;
}

boost::json::array to_json(std::span<const journal_entry> entries) {
    boost::json::array a;
    a.reserve(entries.size());
    for (const auto& e : entries) a.emplace_back(to_json(e));
    return a;
}

boost::json::object to_json(const journal_counters& c) {
    boost::json::object by_status;
    for (std::size_t i = 1; i < c.by_status_class.size(); ++i) {
        by_status[std::to_string(i) + "xx"] = c.by_status_class[i];
    }
    by_status["other"] = c.by_status_class[0];
    boost::json::object by_auth;
    for (std::size_t i = 0; i < auth_outcome_count; ++i) {
        by_auth[to_string(static_cast<auth_outcome>(i))] = c.by_auth_outcome[i];
    }
    boost::json::object o;
    o["total"] = c.total;
    o["bytes_sent"] = c.bytes_sent;
    o["evicted"] = c.evicted;
    o["by_status_class"] = std::move(by_status);
    o["by_auth_outcome"] = std::move(by_auth);
    return o;
}

boost::json::object to_json(const boot_verdict& v) {
    boost::json::array files;
    for (const auto& s : v.files) {
        files.emplace_back(boost::json::object{{"file", s.file},
                                               {"status", s.status},
                                               {"entry_id", s.entry_id},
                                               {"attempts", s.attempts}});
    }
    boost::json::object o;
    o["verdict"] = to_string(v.verdict);
    o["message"] = v.message;
    o["files"] = std::move(files);
    return o;
}

}  // namespace cms_mock
