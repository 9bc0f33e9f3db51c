#include "cli.hpp"

int main(int argc, char** argv) {
    CLI::App app;
    phone_agent::cli c;
    phone_agent::add_commands(app, c);
    CLI11_PARSE(app, argc, argv);
    return 0;
}
