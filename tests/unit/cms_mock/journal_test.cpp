#include "logic/boot_sequence.hpp"
#include "logic/journal.hpp"
#include "logic/journal_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace cms_mock;
using namespace std::chrono;

namespace {

const system_clock::time_point t0 = system_clock::time_point{sys_days{year{2024} / May / 1}};

journal_entry entry(std::string target, unsigned status, std::string device_mac = "",
                    std::string ua_mac = "", auth_outcome auth = auth_outcome::none,
                    std::uint64_t bytes = 0) {
    journal_entry e;
    e.method = "GET";
    e.target = std::move(target);
    e.status = status;
    e.device_mac = std::move(device_mac);
    e.ua_mac = std::move(ua_mac);
    e.auth_outcome = auth;
    e.bytes_sent = bytes;
    return e;
}

std::vector<std::uint64_t> ids(const std::vector<journal_entry>& entries) {
    std::vector<std::uint64_t> out;
    for (const auto& e : entries) out.push_back(e.id);
    return out;
}

using id_list = std::vector<std::uint64_t>;

}  // namespace

BOOST_AUTO_TEST_CASE(ring_evicts_but_counters_remember) {
    journal j{3};
    BOOST_TEST(j.append(entry("/aastra.cfg", 401, "", "", auth_outcome::challenged, 10)) == 1u);
    j.append(entry("/aastra.cfg", 200, "", "", auth_outcome::ok, 100));
    j.append(entry("/9480i.cfg", 404, "", "", auth_outcome::ok, 20));
    j.append(entry("/x", 503, "", "", auth_outcome::none, 5));
    BOOST_TEST(j.append(entry("/y", 0, "", "", auth_outcome::bad_password, 0)) == 5u);

    BOOST_TEST(j.size() == 3u);
    BOOST_TEST(j.last_id() == 5u);
    BOOST_TEST((ids(j.query({})) == id_list{3, 4, 5}));
    const auto& c = j.counters();
    BOOST_TEST(c.total == 5u);
    BOOST_TEST(c.evicted == 2u);
    BOOST_TEST(c.bytes_sent == 135u);
    BOOST_TEST(c.by_status_class[2] == 1u);
    BOOST_TEST(c.by_status_class[4] == 2u);
    BOOST_TEST(c.by_status_class[5] == 1u);
    BOOST_TEST(c.by_status_class[0] == 1u);
    BOOST_TEST(c.by_auth_outcome[static_cast<std::size_t>(auth_outcome::ok)] == 2u);
    BOOST_TEST(c.by_auth_outcome[static_cast<std::size_t>(auth_outcome::challenged)] == 1u);
    BOOST_TEST(c.by_auth_outcome[static_cast<std::size_t>(auth_outcome::bad_password)] == 1u);

    j.set_capacity(1);
    BOOST_TEST((ids(j.query({})) == id_list{5}));
    BOOST_TEST(j.counters().evicted == 4u);
    BOOST_TEST(j.counters().total == 5u);

    j.clear();
    BOOST_TEST(j.size() == 0u);
    BOOST_TEST(j.counters().total == 0u);
    BOOST_TEST(j.append(entry("/z", 200)) == 6u);  // ids never repeat
}

BOOST_AUTO_TEST_CASE(zero_capacity_only_counts) {
    journal j{0};
    j.append(entry("/a", 200, "", "", auth_outcome::none, 7));
    BOOST_TEST(j.size() == 0u);
    BOOST_TEST(j.counters().total == 1u);
    BOOST_TEST(j.counters().bytes_sent == 7u);
    BOOST_TEST(j.counters().evicted == 1u);
}

BOOST_AUTO_TEST_CASE(update_keeps_counters_consistent) {
    journal j{2};
    const auto id = j.append(entry("/aastra.cfg", 0));
    BOOST_TEST(j.counters().by_status_class[0] == 1u);
    BOOST_TEST(j.update(id, [](journal_entry& e) {
        e.status = 200;
        e.bytes_sent = 1234;
        e.auth_outcome = auth_outcome::ok;
        e.id = 999;  // ignored
    }));
    const auto& c = j.counters();
    BOOST_TEST(c.total == 1u);
    BOOST_TEST(c.by_status_class[0] == 0u);
    BOOST_TEST(c.by_status_class[2] == 1u);
    BOOST_TEST(c.bytes_sent == 1234u);
    BOOST_TEST(c.by_auth_outcome[static_cast<std::size_t>(auth_outcome::none)] == 0u);
    BOOST_TEST(j.query({}).at(0).id == id);
    BOOST_TEST(j.query({}).at(0).status == 200u);

    j.append(entry("/b", 200));
    j.append(entry("/c", 200));  // evicts `id`
    BOOST_TEST(!j.update(id, [](journal_entry& e) { e.status = 500; }));
    BOOST_TEST(!j.update(12345, [](journal_entry& e) { e.status = 500; }));
    BOOST_TEST(j.counters().by_status_class[5] == 0u);
}

BOOST_AUTO_TEST_CASE(filters) {
    journal j{100};
    auto add = [&](journal_entry e, seconds at) {
        e.time = t0 + at;
        return j.append(std::move(e));
    };
    add(entry("/dms/Aastra9480i/aastra.cfg?x=1", 200, "", "00-08-5D-1A-2B-3C"), seconds{0});  // 1
    add(entry("/dms/Aastra9480i/9480i.cfg", 200, "", "00-08-5D-1A-2B-3C"), seconds{1});        // 2
    add(entry("/dms/Aastra9480i/00085D1A2B3C.cfg", 200, "00085D1A2B3C", "00-08-5D-1A-2B-3C"),
        seconds{2});                                                                            // 3
    add(entry("/aastra.cfg", 200, "", "00-08-5D-00-00-01"), seconds{3});                       // 4
    add(entry("/00085D000001.cfg", 200, "00085D000001"), seconds{4});                          // 5
    add(entry("/dms/other/readme.txt", 404), seconds{5});                                      // 6

    auto q = [&](journal_filter f) { return ids(j.query(f)); };
    journal_filter f;
    f.mac = "00:08:5d:1a:2b:3c";
    BOOST_TEST((q(f) == id_list{1, 2, 3}));
    f.mac = "00085D000001";
    BOOST_TEST((q(f) == id_list{4, 5}));
    f.mac = "not-a-mac";
    BOOST_TEST(q(f).empty());

    journal_filter p;
    p.path = "aastra.cfg";
    BOOST_TEST((q(p) == id_list{1, 4}));
    p.path = "x=1";  // the query is not part of the path
    BOOST_TEST(q(p).empty());
    p.path = "/dms/*/aastra.cfg";
    BOOST_TEST((q(p) == id_list{1}));
    p.path = "*.cfg";
    BOOST_TEST((q(p) == id_list{1, 2, 3, 4, 5}));
    p.path = "/" + std::string(12, '?') + ".cfg";  // the flat MAC file
    BOOST_TEST((q(p) == id_list{5}));

    journal_filter s;
    s.since_id = 4;
    BOOST_TEST((q(s) == id_list{5, 6}));
    s.since_id = 6;
    BOOST_TEST(q(s).empty());
    journal_filter t;
    t.since_time = t0 + seconds{3};
    BOOST_TEST((q(t) == id_list{4, 5, 6}));

    journal_filter combined;
    combined.mac = "00-08-5D-1A-2B-3C";
    combined.path = ".cfg";
    combined.since_id = 1;
    combined.limit = 1;
    BOOST_TEST((q(combined) == id_list{2}));  // oldest matches first, so since_id can page
}

BOOST_AUTO_TEST_CASE(glob_matching) {
    BOOST_TEST(glob_match("*", ""));
    BOOST_TEST(glob_match("*", "/any/thing"));
    BOOST_TEST(glob_match("*/aastra.cfg", "/dms/Aastra9480i/aastra.cfg"));
    BOOST_TEST(!glob_match("*/aastra.cfg", "/dms/Aastra9480i/aastra.cfg.bak"));
    BOOST_TEST(glob_match("/a?c", "/abc"));
    BOOST_TEST(!glob_match("/a?c", "/ac"));
    BOOST_TEST(glob_match("a*b*c", "axxbyyc"));
    BOOST_TEST(!glob_match("a*b*c", "axxbyy"));
    BOOST_TEST(glob_match("**a", "bba"));
    BOOST_TEST(!glob_match("", "x"));
    // Pathological patterns stay fast (no exponential backtracking).
    BOOST_TEST(!glob_match("*a*a*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

BOOST_AUTO_TEST_CASE(json_shape) {
    journal_entry e = entry("/dms/Aastra9480i/aastra.cfg", 200, "", "00-08-5D-1A-2B-3C",
                            auth_outcome::ok, 321);
    e.id = 7;
    e.time = t0 + milliseconds{1500};
    e.peer = "127.0.0.1:5000";
    e.tls_version = "TLSv1.2";
    e.user_agent = "Aastra9480i MAC:00-08-5D-1A-2B-3C V:3.2.2.3077-SIP";
    e.auth_scheme = "Digest";
    e.auth_user = "aastra";
    e.duration = microseconds{2500};
    e.fault = "slow";
    const auto o = to_json(e);
    BOOST_TEST(o.at("id").as_uint64() == 7u);
    BOOST_TEST(o.at("time").as_string() == "2024-05-01T00:00:01.500000Z");
    BOOST_TEST(o.at("auth_outcome").as_string() == "ok");
    BOOST_TEST(o.at("auth_scheme").as_string() == "Digest");
    BOOST_TEST(o.at("status").as_uint64() == 200u);
    BOOST_TEST(o.at("bytes_sent").as_uint64() == 321u);
    BOOST_TEST(o.at("duration_us").as_int64() == 2500);
    BOOST_TEST(o.at("tls_cipher").as_string() == "");
    BOOST_TEST(o.at("fault").as_string() == "slow");
    BOOST_TEST(o.size() == 19u);

    const std::vector<journal_entry> two{e, e};
    BOOST_TEST(to_json(std::span<const journal_entry>(two)).size() == 2u);

    journal j{1};
    j.append(e);
    j.append(entry("/x", 401, "", "", auth_outcome::challenged));
    BOOST_TEST(boost::json::serialize(to_json(j.counters())) ==
               R"({"total":2,"bytes_sent":321,"evicted":1,)"
               R"("by_status_class":{"1xx":0,"2xx":1,"3xx":0,"4xx":1,"5xx":0,"other":0},)"
               R"("by_auth_outcome":{"none":0,"challenged":1,"ok":1,"bad_password":0,"stale":0,)"
               R"("replay":0,"unknown_user":0,"malformed":0,"forbidden":0}})");

    boot_verdict v;
    v.verdict = boot_verdict_kind::out_of_order;
    v.message = "m";
    v.files.push_back({"aastra.cfg", 200, 3, 2});
    BOOST_TEST(boost::json::serialize(to_json(v)) ==
               R"({"verdict":"out_of_order","message":"m",)"
               R"("files":[{"file":"aastra.cfg","status":200,"entry_id":3,"attempts":2}]})");
}

BOOST_AUTO_TEST_SUITE(boot_sequences)

struct scripted {
    std::vector<journal_entry> entries;
    std::uint64_t next = 1;

    scripted& get(std::string file, unsigned status, std::string mac = "00085D1A2B3C") {
        auto e = entry("/dms/Aastra9480i/" + std::move(file) + "?r=1", status, "",
                       "00-08-5D-" + mac.substr(6, 2) + "-" + mac.substr(8, 2) + "-" + mac.substr(10, 2));
        e.id = next++;
        entries.push_back(std::move(e));
        return *this;
    }

    boot_verdict judge() const { return boot_sequence_verdict(entries, "00-08-5d-1a-2b-3c", "9480i"); }
};

BOOST_AUTO_TEST_CASE(ok_with_retries_and_firmware) {
    const auto v = scripted{}
                       .get("aastra.cfg", 401)
                       .get("aastra.cfg", 200)
                       .get("9480i.cfg", 200)
                       .get("00085D000099.cfg", 200, "00085D000099")  // another phone
                       .get("00085d1a2b3c.cfg", 401)
                       .get("00085d1a2b3c.cfg", 200)
                       .get("9480i.st", 206)
                       .judge();
    BOOST_TEST_INFO("message: " << v.message);
    BOOST_TEST(v.verdict == boot_verdict_kind::ok);
    BOOST_TEST(v.message == "aastra.cfg -> 9480i.cfg -> 00085D1A2B3C.cfg");
    BOOST_TEST_REQUIRE(v.files.size() == 4u);
    BOOST_TEST(v.files[0].file == "aastra.cfg");
    BOOST_TEST(v.files[0].attempts == 2u);
    BOOST_TEST(v.files[0].status == 200u);
    BOOST_TEST(v.files[0].entry_id == 2u);
    BOOST_TEST(v.files[2].attempts == 2u);
    BOOST_TEST(v.files[3].file == "9480i.st");
}

BOOST_AUTO_TEST_CASE(verdict_table) {
    struct row {
        const char* name;
        scripted script;
        boot_verdict_kind expected;
        const char* message;
    };
    const std::string mac_file = "00085D1A2B3C.cfg";
    const row rows[] = {
        {"model file may be missing",
         scripted{}.get("aastra.cfg", 200).get("9480i.cfg", 404).get(mac_file, 200),
         boot_verdict_kind::ok, "aastra.cfg -> 9480i.cfg -> 00085D1A2B3C.cfg"},
        {"firmware first is before the window",
         scripted{}.get("9480i.st", 200).get("aastra.cfg", 304).get("9480i.cfg", 200).get(mac_file, 200),
         boot_verdict_kind::ok, "aastra.cfg -> 9480i.cfg -> 00085D1A2B3C.cfg"},
        {"only the last boot counts",
         scripted{}.get("aastra.cfg", 200).get(mac_file, 200).get("9480i.cfg", 200)
             .get("aastra.cfg", 200).get("9480i.cfg", 200).get("security.tuz", 404).get(mac_file, 200),
         boot_verdict_kind::ok, "aastra.cfg -> 9480i.cfg -> 00085D1A2B3C.cfg"},
        {"MAC file before model file",
         scripted{}.get("aastra.cfg", 200).get(mac_file, 200).get("9480i.cfg", 200),
         boot_verdict_kind::out_of_order, "00085D1A2B3C.cfg fetched before 9480i.cfg"},
        {"model file fetched again after MAC file",
         scripted{}.get("aastra.cfg", 200).get("9480i.cfg", 200).get(mac_file, 200).get("x.txt", 200)
             .get("9480i.cfg", 200),
         boot_verdict_kind::out_of_order, "9480i.cfg fetched again after 00085D1A2B3C.cfg"},
        {"aastra.cfg again is a new boot",
         scripted{}.get("aastra.cfg", 200).get("9480i.cfg", 200).get(mac_file, 200).get("aastra.cfg", 200),
         boot_verdict_kind::incomplete, "9480i.cfg never fetched"},
        {"firmware between configuration files",
         scripted{}.get("aastra.cfg", 200).get("9480i.st", 200).get("9480i.cfg", 200).get(mac_file, 200),
         boot_verdict_kind::out_of_order, "9480i.st fetched before 9480i.cfg"},
        {"MAC file missing",
         scripted{}.get("aastra.cfg", 200).get("9480i.cfg", 200),
         boot_verdict_kind::incomplete, "00085D1A2B3C.cfg never fetched"},
        {"auth never succeeded",
         scripted{}.get("aastra.cfg", 401).get("aastra.cfg", 401),
         boot_verdict_kind::incomplete, "aastra.cfg answered 401"},
        {"aastra.cfg missing",
         scripted{}.get("aastra.cfg", 404),
         boot_verdict_kind::incomplete, "aastra.cfg answered 404"},
        {"MAC file rejected",
         scripted{}.get("aastra.cfg", 200).get("9480i.cfg", 200).get(mac_file, 403),
         boot_verdict_kind::incomplete, "00085D1A2B3C.cfg answered 403"},
        {"no aastra.cfg at all",
         scripted{}.get("9480i.cfg", 200).get(mac_file, 200),
         boot_verdict_kind::out_of_order, "9480i.cfg fetched before aastra.cfg"},
        {"nothing from this phone",
         scripted{}.get("aastra.cfg", 200, "00085D000099"),
         boot_verdict_kind::incomplete, "no requests from 00085D1A2B3C"},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.name) {
            const auto v = r.script.judge();
            BOOST_TEST(v.verdict == r.expected);
            BOOST_TEST(v.message == r.message);
        }
    }
}

BOOST_AUTO_TEST_CASE(entries_are_judged_in_id_order_and_by_path_mac) {
    // device_mac alone (no User-Agent) identifies the phone; input order does not matter.
    std::vector<journal_entry> entries{entry("/00085D1A2B3C.cfg", 200, "00085D1A2B3C"),
                                       entry("/aastra.cfg", 200, "00085D1A2B3C"),
                                       entry("/6731i.cfg", 200, "00085D1A2B3C")};
    entries[0].id = 30;
    entries[1].id = 10;
    entries[2].id = 20;
    const auto v = boot_sequence_verdict(entries, "00085D1A2B3C", "6731i");
    BOOST_TEST_INFO("message: " << v.message);
    BOOST_TEST(v.verdict == boot_verdict_kind::ok);
}

BOOST_AUTO_TEST_SUITE_END()
