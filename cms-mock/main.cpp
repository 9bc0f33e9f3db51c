#include "cli.hpp"

int main(int argc, char** argv) {
    CLI::App app;
    cms_mock::cli_options opts;
    cms_mock::add_options(app, opts);
    CLI11_PARSE(app, argc, argv);
    return 0;
}
