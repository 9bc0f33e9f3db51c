#include "net/app.hpp"

int main(int argc, char** argv) { return cms_mock::run_cms_mock(argc, argv); }
