#include "logic/auto_resync.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

using namespace phone_agent;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// 2024-03-31 is a DST change day in Europe; the scheduler works in UTC, so it is a 24 h day too.
wall_time at(int day_of_march_2024, int hour, int minute) {
    return sys_days{year{2024} / March / day_of_march_2024} + hours(hour) + minutes(minute);
}

struct fake_config {
    std::map<std::string, std::string, std::less<>> values;
    resync_lookup lookup() {
        return [this](std::string_view key) -> std::optional<std::string> {
            auto it = values.find(key);
            if (it == values.end()) return std::nullopt;
            return it->second;
        };
    }
};

resync_settings settings(resync_mode mode, int hh, int mm, int max_delay, int days) {
    return resync_settings{mode, hh * 60 + mm, max_delay, days};
}

// A random source that always returns a fixed share of its bound and records the bounds.
struct fixed_random {
    int value = 0;
    std::vector<int> bounds;
    random_minutes fn() {
        return [this](int bound) {
            bounds.push_back(bound);
            return std::min(value, bound);
        };
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(auto_resync_suite)

BOOST_AUTO_TEST_CASE(reads_the_four_keys_and_names_bad_values) {
    fake_config cfg;
    auto none = read_resync_settings(cfg.lookup());
    BOOST_TEST((none.settings.mode == resync_mode::none));
    BOOST_TEST(none.settings.max_delay_minutes == 15);
    BOOST_TEST(none.warnings.empty());

    cfg.values = {{"auto resync mode", "3"}, {"auto resync time", "02:30"}, {"auto resync max delay", "0"},
                  {"auto resync days", "2"}};
    auto ok = read_resync_settings(cfg.lookup());
    BOOST_TEST((ok.settings.mode == resync_mode::both));
    BOOST_TEST(ok.settings.minute_of_day == 150);
    BOOST_TEST(ok.settings.max_delay_minutes == 0);
    BOOST_TEST(ok.settings.days == 2);

    cfg.values = {{"auto resync mode", "4"}, {"auto resync time", "24:00"}, {"auto resync max delay", "1440"},
                  {"auto resync days", "x"}};
    auto bad = read_resync_settings(cfg.lookup());
    BOOST_TEST_REQUIRE(bad.warnings.size() == 4u);
    BOOST_TEST(bad.warnings[0].find("auto resync mode: '4'") == 0u, bad.warnings[0]);
    BOOST_TEST(bad.warnings[1].find("auto resync time") == 0u);
    BOOST_TEST((bad.settings.mode == resync_mode::none));
    BOOST_TEST(bad.settings.minute_of_day == 0);
    for (const char* t : {"1:5", "12", ":30", "12:3x", "-1:00"}) {
        cfg.values = {{"auto resync time", t}};
        BOOST_TEST(read_resync_settings(cfg.lookup()).warnings.size() == 1u, t);
    }
    cfg.values = {{"auto resync time", " 7:05 "}};
    BOOST_TEST(read_resync_settings(cfg.lookup()).settings.minute_of_day == 425);
}

BOOST_AUTO_TEST_CASE(mode_zero_never_checks) {
    fixed_random rnd;
    auto_resync_scheduler s(rnd.fn());
    s.configure(settings(resync_mode::none, 3, 0, 15, 0), at(1, 0, 0));
    BOOST_TEST(!s.next_due().has_value());
    BOOST_TEST(!s.poll(at(20, 3, 0), true).has_value());
    BOOST_TEST(s.checks_started() == 0u);
}

BOOST_AUTO_TEST_CASE(each_mode_runs_at_its_time_plus_the_random_delay) {
    for (auto mode : {resync_mode::config, resync_mode::firmware, resync_mode::both}) {
        BOOST_TEST_CONTEXT(to_string(mode)) {
            fixed_random rnd{7, {}};
            auto_resync_scheduler s(rnd.fn());
            s.configure(settings(mode, 3, 0, 15, 0), at(30, 22, 0));
            BOOST_TEST_REQUIRE(s.next_due().has_value());
            BOOST_TEST((*s.next_due() == at(31, 3, 7)));
            BOOST_TEST(rnd.bounds == std::vector<int>{15});
            BOOST_TEST(!s.poll(at(31, 3, 6), true).has_value());
            auto ran = s.poll(at(31, 3, 7), true);
            BOOST_TEST_REQUIRE(ran.has_value());
            BOOST_TEST((*ran == mode));
            // Days 0 means every day: the next one is the following day, with a new draw.
            BOOST_TEST((*s.next_due() == sys_days{year{2024} / April / 1} + 3h + 7min));
            BOOST_TEST(s.checks_started() == 1u);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_time_already_past_today_means_tomorrow) {
    fixed_random rnd;
    auto_resync_scheduler s(rnd.fn());
    s.configure(settings(resync_mode::config, 8, 15, 0, 0), at(10, 8, 15));
    BOOST_TEST((*s.next_due() == at(11, 8, 15)));
    s.configure(settings(resync_mode::config, 8, 16, 0, 0), at(10, 8, 15));
    BOOST_TEST((*s.next_due() == at(10, 8, 16)));
    BOOST_TEST(rnd.bounds.empty());  // max delay 0: no draw
}

BOOST_AUTO_TEST_CASE(days_spaces_the_checks) {
    fixed_random rnd;
    auto_resync_scheduler s(rnd.fn());
    s.configure(settings(resync_mode::both, 1, 0, 0, 3), at(1, 12, 0));
    BOOST_TEST((*s.next_due() == at(2, 1, 0)));
    BOOST_TEST(s.poll(at(2, 1, 0), true).has_value());
    BOOST_TEST((*s.next_due() == at(5, 1, 0)));
    BOOST_TEST(!s.poll(at(4, 1, 0), true).has_value());
    BOOST_TEST(s.poll(at(5, 1, 0), true).has_value());
    BOOST_TEST((*s.next_due() == at(8, 1, 0)));
}

BOOST_AUTO_TEST_CASE(a_busy_phone_checks_once_it_is_idle_and_skips_missed_days) {
    fixed_random rnd{5, {}};
    auto_resync_scheduler s(rnd.fn());
    s.configure(settings(resync_mode::config, 2, 0, 10, 0), at(1, 0, 0));
    BOOST_TEST((*s.next_due() == at(1, 2, 5)));
    BOOST_TEST(!s.poll(at(1, 2, 5), false).has_value());
    BOOST_TEST(s.overdue(at(1, 2, 5)));
    // Still busy three days later; then idle: one check, not three.
    BOOST_TEST(!s.poll(at(4, 9, 0), false).has_value());
    BOOST_TEST(s.poll(at(4, 9, 0), true).has_value());
    BOOST_TEST(!s.poll(at(4, 9, 1), true).has_value());
    BOOST_TEST((*s.next_due() == at(5, 2, 5)));
    BOOST_TEST(s.checks_started() == 1u);
}

BOOST_AUTO_TEST_CASE(the_same_settings_again_keep_the_schedule) {
    fixed_random rnd{3, {}};
    auto_resync_scheduler s(rnd.fn());
    const auto cfg = settings(resync_mode::config, 4, 0, 30, 0);
    s.configure(cfg, at(1, 0, 0));
    const auto due = *s.next_due();
    rnd.value = 20;
    s.configure(cfg, at(1, 3, 59));  // a provisioning run delivered the same keys
    BOOST_TEST((*s.next_due() == due));
    s.configure(settings(resync_mode::config, 5, 0, 30, 0), at(1, 3, 59));
    BOOST_TEST((*s.next_due() == at(1, 5, 20)));
    s.configure(settings(resync_mode::none, 5, 0, 30, 0), at(1, 3, 59));
    BOOST_TEST(!s.next_due().has_value());
}

BOOST_AUTO_TEST_CASE(out_of_range_random_values_are_clamped) {
    auto_resync_scheduler s([](int) { return 5000; });
    s.configure(settings(resync_mode::config, 0, 0, 15, 0), at(1, 12, 0));
    BOOST_TEST((*s.next_due() == at(2, 0, 15)));
}

BOOST_AUTO_TEST_SUITE_END()
