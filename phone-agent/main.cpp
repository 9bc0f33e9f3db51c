#include "cli.hpp"

int main(int argc, char** argv) { return phone_agent::run_cli(argc, argv); }
