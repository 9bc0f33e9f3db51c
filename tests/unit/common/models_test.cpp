// The model table: every known model, legacy User-Agent names, softkeys, file names, lookup errors.
#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>

#include "common/aastra/models.hpp"

namespace aastra = common::aastra;

namespace {

aastra::model_info find_ok(std::string_view name) {
    auto found = aastra::find_model(name);
    BOOST_TEST_REQUIRE(std::holds_alternative<aastra::model_info>(found), "not found: " << name);
    return std::get<aastra::model_info>(found);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(models)

BOOST_AUTO_TEST_CASE(table_of_known_models) {
    struct row {
        const char* name;
        const char* ua_token;
        bool softkeys;
        std::size_t xml_softkeys;
    };
    const row expected[] = {
        {"6730i", "6730i", false, 0},  {"6731i", "6731i", false, 0},
        {"6735i", "6735i", true, 6},   {"6737i", "6737i", true, 6},
        {"6739i", "6739i", true, 10},  {"6753i", "53i", false, 0},
        {"6755i", "55i", true, 6},     {"6757i", "57i", true, 6},
        {"6757iCT", "57iCT", true, 6}, {"9143i", "9143i", false, 0},
        {"9480i", "9480i", true, 6},   {"9480iCT", "9480iCT", true, 6},
    };
    BOOST_TEST_REQUIRE(aastra::known_models().size() == std::size(expected));
    for (const row& r : expected) {
        BOOST_TEST_CONTEXT("model " << r.name) {
            const aastra::model_info model = find_ok(r.name);
            BOOST_TEST(model.name == r.name);
            BOOST_TEST(model.ua_token == r.ua_token);
            BOOST_TEST(model.has_softkeys == r.softkeys);
            BOOST_TEST(model.xml_softkeys == r.xml_softkeys);
            BOOST_TEST(model.cfg_file_name() == std::string(r.name) + ".cfg");
            BOOST_TEST(model.firmware_file_name() == std::string(r.name) + ".st");
        }
    }
}

BOOST_AUTO_TEST_CASE(legacy_names_and_case_map_to_the_canonical_model) {
    const std::pair<const char*, const char*> cases[] = {
        {"53i", "6753i"},     {"55i", "6755i"},     {"57i", "6757i"},
        {"57iCT", "6757iCT"}, {"57ict", "6757iCT"}, {"6757ICT", "6757iCT"},
        {"6731I", "6731i"},   {"9480ict", "9480iCT"},
    };
    for (const auto& [input, canonical] : cases) {
        BOOST_TEST_CONTEXT("input " << input) {
            BOOST_TEST(find_ok(input).name == canonical);
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_names_list_the_known_models) {
    const char* inputs[] = {"", "6867i", "Aastra6731i", "6731", " 6731i", "6731i ", "57i-CT"};
    for (const char* input : inputs) {
        BOOST_TEST_CONTEXT("input '" << input << "'") {
            auto found = aastra::find_model(input);
            BOOST_TEST_REQUIRE(std::holds_alternative<aastra::model_error>(found));
            const std::string& message = std::get<aastra::model_error>(found).message;
            BOOST_TEST(message.find(std::string("'") + input + "'") != std::string::npos, message);
            BOOST_TEST(message.find("6730i, 6731i, 6735i") != std::string::npos, message);
            BOOST_TEST(message.find("9480iCT") != std::string::npos, message);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
