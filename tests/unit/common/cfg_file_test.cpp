// The .cfg text format: accepted lines, skipped lines with their numbers, limits, round trips.
#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>
#include <vector>

#include "common/aastra/cfg_file.hpp"

namespace aastra = common::aastra;
using namespace std::string_literals;

namespace {

aastra::cfg_parse_result parse_ok(std::string_view text, std::string_view source = {}) {
    auto parsed = aastra::parse_cfg(text, source);
    BOOST_TEST_REQUIRE(std::holds_alternative<aastra::cfg_parse_result>(parsed));
    return std::get<aastra::cfg_parse_result>(std::move(parsed));
}

struct line_case {
    std::string text;
    std::string key;
    std::string written_key;
    std::string value;
    bool locked;
    bool override_local;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cfg_file)

BOOST_AUTO_TEST_CASE(single_lines) {
    const line_case cases[] = {
        {"download protocol: HTTP", "download protocol", "download protocol", "HTTP", false,
         false},
        {"sip line1 auth name: 1001", "sip line1 auth name", "sip line1 auth name", "1001", false,
         false},
        {"  http port :   8080  ", "http port", "http port", "8080", false, false},
        {"softkey1 label: \"Voice Mail\"", "softkey1 label", "softkey1 label", "Voice Mail", false,
         false},
        {"https client method: \"SSL 3.0\"", "https client method", "https client method",
         "SSL 3.0", false, false},
        {"k: \"  padded  \"", "k", "k", "  padded  ", false, false},
        {"k: \"\"", "k", "k", "", false, false},
        {"k: \"\"quoted\"\"", "k", "k", "\"quoted\"", false, false},  // one pair only
        {"k: \"half", "k", "k", "\"half", false, false},
        {"k: \"", "k", "k", "\"", false, false},
        {"k: a \"b\" c", "k", "k", "a \"b\" c", false, false},
        {"k:", "k", "k", "", false, false},
        {"k: value # not a comment", "k", "k", "value # not a comment", false, false},
        {"action uri incoming: http://10.50.10.140/in.php?number=$$REMOTENUMBER$$",
         "action uri incoming", "action uri incoming",
         "http://10.50.10.140/in.php?number=$$REMOTENUMBER$$", false, false},
        {"auto resync time: 03:30", "auto resync time", "auto resync time", "03:30", false,
         false},
        {"SIP  Line1\tAuth   Name: 7", "sip line1 auth name", "SIP  Line1\tAuth   Name", "7", false,
         false},
        {"!admin password: 22222", "admin password", "admin password", "22222", true, false},
        {"! admin password: 1", "admin password", "admin password", "1", true, false},
        {"^sip proxy ip: 10.0.0.1", "sip proxy ip", "sip proxy ip", "10.0.0.1", false, true},
        {"!^k: v", "k", "k", "v", true, true},
        {"^!k: v", "k", "k", "v", true, true},
        {"\tk\t:\tv\t", "k", "k", "v", false, false},
    };
    for (const line_case& c : cases) {
        BOOST_TEST_CONTEXT("line '" << c.text << "'") {
            const auto result = parse_ok(c.text);
            BOOST_TEST(result.diagnostics.empty());
            BOOST_TEST_REQUIRE(result.file.size() == 1U);
            const aastra::cfg_entry& entry = result.file.entries().front();
            BOOST_TEST(entry.key == c.key);
            BOOST_TEST(entry.written_key == c.written_key);
            BOOST_TEST(entry.value == c.value);
            BOOST_TEST(entry.locked == c.locked);
            BOOST_TEST(entry.override_local == c.override_local);
            BOOST_TEST(entry.line == 1U);
        }
    }
}

BOOST_AUTO_TEST_CASE(comments_blank_lines_bom_and_line_endings) {
    const std::string text =
        "\xEF\xBB\xBF# aastra.cfg for the lab\r\n"
        "\r\n"
        "   # indented comment: with a colon\r\n"
        "download protocol: HTTP\r\n"
        "\t\r\n"
        "http server: cms.example.net\n"
        "#http port: 8080\n"
        "http path: /dms/Aastra";  // no final newline
    const auto result = parse_ok(text);
    BOOST_TEST(result.diagnostics.empty());
    BOOST_TEST_REQUIRE(result.file.size() == 3U);
    BOOST_TEST(result.file.entries()[0].value == "HTTP");  // no stray '\r'
    BOOST_TEST(result.file.entries()[0].line == 4U);
    BOOST_TEST(result.file.entries()[1].line == 6U);
    BOOST_TEST(result.file.entries()[2].value == "/dms/Aastra");
    BOOST_TEST(result.file.entries()[2].line == 8U);
    BOOST_TEST(result.file.find("http port") == nullptr);
}

BOOST_AUTO_TEST_CASE(keys_match_whatever_the_case_and_spacing) {
    const auto result = parse_ok("HTTP Digest  UserName: alice\n");
    const aastra::cfg_entry* entry = result.file.find("http digest username");
    BOOST_TEST_REQUIRE(entry != nullptr);
    BOOST_TEST(entry->value == "alice");
    BOOST_TEST(result.file.find(" http\tDIGEST username ") == entry);
    BOOST_TEST(aastra::normalise_cfg_key("  Sip \t Line1  Auth Name ") == "sip line1 auth name");
}

// Lookups skip the normalised copy when the key is normalised already; every other spelling
// must still find (and erase) the same entry.
BOOST_AUTO_TEST_CASE(lookups_with_keys_not_yet_normalised) {
    aastra::cfg_file file;
    BOOST_TEST_REQUIRE(!file.set("sip line1 auth name", "1001").has_value());
    const aastra::cfg_entry* entry = file.find("sip line1 auth name");
    BOOST_TEST_REQUIRE(entry != nullptr);
    for (const char* spelling : {"Sip line1 auth name", "sip line1 auth NAME", " sip line1 auth name",
                                 "sip line1 auth name ", "sip  line1 auth name", "sip\tline1 auth name",
                                 "\tsip line1 auth name"}) {
        BOOST_TEST(file.find(spelling) == entry, spelling);
    }
    BOOST_TEST(file.find("sip line1 auth nam") == nullptr);
    BOOST_TEST(file.find("") == nullptr);
    BOOST_TEST(file.erase("SIP Line1  Auth Name"));
    BOOST_TEST(file.find("sip line1 auth name") == nullptr);
}

BOOST_AUTO_TEST_CASE(last_value_read_wins_and_repeats_are_reported) {
    const auto result = parse_ok(
        "sip proxy ip: 10.0.0.1\n"
        "http port: 80\n"
        "SIP Proxy IP: 10.0.0.2\n"
        "!sip proxy ip: 10.0.0.3\n"
        "sip proxy ip: 10.0.0.4\n",
        "aastra.cfg");
    BOOST_TEST_REQUIRE(result.file.size() == 2U);
    const aastra::cfg_entry& entry = result.file.entries().front();  // keeps its first position
    BOOST_TEST(entry.value == "10.0.0.4");
    BOOST_TEST(entry.written_key == "sip proxy ip");
    BOOST_TEST(!entry.locked);  // the whole later line wins, flags included
    BOOST_TEST(entry.line == 5U);

    BOOST_TEST_REQUIRE(result.diagnostics.size() == 3U);
    const std::size_t lines[] = {3, 4, 5};
    const std::size_t previous[] = {1, 3, 4};
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(result.diagnostics[i].problem == aastra::cfg_problem::duplicate_key);
        BOOST_TEST(result.diagnostics[i].line == lines[i]);
        BOOST_TEST(result.diagnostics[i].message.find(
                       "aastra.cfg:" + std::to_string(lines[i]) + ": ") == 0U);
        BOOST_TEST(result.diagnostics[i].message.find("repeats line " +
                                                      std::to_string(previous[i])) !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_skipped_with_their_line_numbers) {
    const std::string text = "good one: 1\n"                         // 1
                             "no colon here\n"                       // 2
                             ": value without key\n"                 // 3
                             "  ! : locked nothing\n"                // 4
                             "nul\0byte: x\n"s                       // 5
                             "stray\rcr: x\r\n"                      // 6
                             + std::string(4097, 'k') + ": v\n"      // 7
                             + "!#hidden: x\n"                       // 8
                             + "good two: 2\r\n"                     // 9
                             + std::string(4096 - 3, 'k') + ": v\n";  // 10 (exactly 4096)
    const auto result = parse_ok(text, "00085D1A2B3C.cfg");
    struct expected_diag {
        std::size_t line;
        aastra::cfg_problem problem;
    };
    const expected_diag expected[] = {
        {2, aastra::cfg_problem::no_colon},     {3, aastra::cfg_problem::empty_key},
        {4, aastra::cfg_problem::empty_key},    {5, aastra::cfg_problem::control_byte},
        {6, aastra::cfg_problem::control_byte}, {7, aastra::cfg_problem::line_too_long},
        {8, aastra::cfg_problem::bad_key},
    };
    BOOST_TEST_REQUIRE(result.diagnostics.size() == std::size(expected));
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        BOOST_TEST_CONTEXT("diagnostic " << i << ": " << result.diagnostics[i].message) {
            BOOST_TEST(result.diagnostics[i].line == expected[i].line);
            BOOST_TEST(result.diagnostics[i].problem == expected[i].problem);
            BOOST_TEST(result.diagnostics[i].message.find(
                           "00085D1A2B3C.cfg:" + std::to_string(expected[i].line) + ": ") == 0U);
        }
    }
    BOOST_TEST_REQUIRE(result.file.size() == 3U);
    BOOST_TEST(result.file.find("good one")->value == "1");
    BOOST_TEST(result.file.find("good two")->value == "2");
    BOOST_TEST(result.file.find("good two")->line == 9U);
    BOOST_TEST(result.file.find(std::string(4093, 'k')) != nullptr);
}

BOOST_AUTO_TEST_CASE(diagnostics_are_capped) {
    std::string text;
    for (std::size_t i = 0; i < aastra::max_cfg_diagnostics + 25; ++i) {
        text += "junk\n";
    }
    text += "k: v\n";
    const auto result = parse_ok(text);
    BOOST_TEST(result.diagnostics.size() == aastra::max_cfg_diagnostics);
    BOOST_TEST(result.suppressed_diagnostics == 25U);
    BOOST_TEST(result.file.size() == 1U);
}

BOOST_AUTO_TEST_CASE(size_and_entry_limits_are_errors) {
    const std::string too_big(aastra::max_cfg_bytes + 1, '#');
    auto big = aastra::parse_cfg(too_big, "aastra.cfg");
    BOOST_TEST_REQUIRE(std::holds_alternative<aastra::cfg_error>(big));
    BOOST_TEST(std::get<aastra::cfg_error>(big).message.find("aastra.cfg") != std::string::npos);
    BOOST_TEST(std::holds_alternative<aastra::cfg_parse_result>(
        aastra::parse_cfg(std::string(aastra::max_cfg_bytes, '#'))));

    std::string many;
    for (std::size_t i = 0; i <= aastra::max_cfg_entries; ++i) {
        many += "k" + std::to_string(i) + ": v\n";
    }
    auto too_many = aastra::parse_cfg(many, "aastra.cfg");
    BOOST_TEST_REQUIRE(std::holds_alternative<aastra::cfg_error>(too_many));
    const std::string& message = std::get<aastra::cfg_error>(too_many).message;
    BOOST_TEST(message.find("aastra.cfg:20001") == 0U, message);

    // Repeating a key does not count against the limit.
    std::string repeated;
    for (std::size_t i = 0; i <= aastra::max_cfg_entries; ++i) {
        repeated += "k: " + std::to_string(i) + "\n";
    }
    const auto result = parse_ok(repeated);
    BOOST_TEST(result.file.size() == 1U);
}

BOOST_AUTO_TEST_CASE(set_refuses_what_cannot_be_written_back) {
    aastra::cfg_file file;
    const std::pair<std::string, std::string> bad[] = {
        {"", "v"},          {"   ", "v"},       {"a:b", "v"},      {"#k", "v"},
        {"!k", "v"},        {"^k", "v"},        {"k\n", "v"},      {"k\rx", "v"},
        {"k\0x"s, "v"},     {"k", "line\nbreak"}, {"k", "cr\r"},   {"k", "nul\0"s},
    };
    for (const auto& [key, value] : bad) {
        BOOST_TEST_CONTEXT("key '" << key << "' value '" << value << "'") {
            BOOST_TEST(file.set(key, value).has_value());
        }
    }
    BOOST_TEST(file.empty());

    BOOST_TEST(!file.set("  Http Port ", "80").has_value());
    BOOST_TEST(file.entries().front().written_key == "Http Port");
    BOOST_TEST(file.entries().front().key == "http port");
    BOOST_TEST(!file.set("HTTP PORT", "8080").has_value());
    BOOST_TEST(file.size() == 1U);
    BOOST_TEST(file.find("http port")->value == "8080");

    BOOST_TEST(!file.set("b", "2").has_value());
    BOOST_TEST(!file.set("c", "3").has_value());
    BOOST_TEST(file.erase("HTTP port"));
    BOOST_TEST(!file.erase("http port"));
    BOOST_TEST_REQUIRE(file.size() == 2U);
    BOOST_TEST(file.find("c")->value == "3");  // index still right after the shift
    BOOST_TEST(file.find("b")->value == "2");
}

BOOST_AUTO_TEST_CASE(serialise_then_parse_gives_the_same_file) {
    aastra::cfg_file file;
    const std::pair<std::string, std::string> values[] = {
        {"download protocol", "HTTPS"},
        {"softkey1 label", "Voice Mail"},
        {"padded", "  both ends  "},
        {"leading tab", "\tx"},
        {"hash", "a#b"},
        {"starts with hash", "#x"},
        {"wrapped", "\"already quoted\""},
        {"lone quote", "\""},
        {"half quote", "\"x"},
        {"inner quotes", "say \"hi\""},
        {"empty", ""},
        {"only spaces", "   "},
        {"colons", "http://h:8080/p"},
        {"Mixed Case  Key", "v"},
        {"utf8", "caf\xC3\xA9"},
    };
    for (const auto& [key, value] : values) {
        BOOST_TEST_REQUIRE(!file.set(key, value).has_value());
    }
    aastra::cfg_entry locked;
    locked.written_key = "admin password";
    locked.value = "12345";
    locked.locked = true;
    BOOST_TEST_REQUIRE(!file.set(locked).has_value());
    aastra::cfg_entry both;
    both.written_key = "sip proxy ip";
    both.value = "10.0.0.1";
    both.locked = true;
    both.override_local = true;
    BOOST_TEST_REQUIRE(!file.set(both).has_value());

    const std::string text = aastra::serialise_cfg(file);
    BOOST_TEST(text.find("!admin password: 12345\n") != std::string::npos, text);
    BOOST_TEST(text.find("!^sip proxy ip: 10.0.0.1\n") != std::string::npos, text);
    BOOST_TEST(text.find("softkey1 label: Voice Mail\n") != std::string::npos, text);
    BOOST_TEST(text.find("padded: \"  both ends  \"\n") != std::string::npos, text);
    BOOST_TEST(text.find("empty: \n") != std::string::npos, text);

    const auto reparsed = parse_ok(text);
    BOOST_TEST(reparsed.diagnostics.empty());
    BOOST_TEST_REQUIRE(reparsed.file.size() == file.size());
    for (std::size_t i = 0; i < file.size(); ++i) {
        const auto& a = file.entries()[i];
        const auto& b = reparsed.file.entries()[i];
        BOOST_TEST_CONTEXT("entry " << a.written_key) {
            BOOST_TEST(a.written_key == b.written_key);
            BOOST_TEST(a.value == b.value);
            BOOST_TEST(a.locked == b.locked);
            BOOST_TEST(a.override_local == b.override_local);
        }
    }
    BOOST_TEST((reparsed.file == file));
}

BOOST_AUTO_TEST_CASE(a_parsed_file_round_trips_despite_comments) {
    const std::string original =
        "# comment\r\n!admin password: 1\r\n\r\nsoftkey1 label: \"Voice Mail\"\r\n"
        "k: \"  x  \"\r\nk2: v\r\nK2: w\r\n";
    const auto first = parse_ok(original);
    const auto second = parse_ok(aastra::serialise_cfg(first.file));
    BOOST_TEST((second.file == first.file));
    BOOST_TEST(second.file.find("k2")->line == 4U);  // line numbers differ, content does not
    BOOST_TEST(first.file.find("k2")->line == 7U);
}

BOOST_AUTO_TEST_SUITE_END()
