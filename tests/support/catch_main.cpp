// SPDX-License-Identifier: MIT
// Catch2's main, compiled once per test variant. Catch2 2 (Debian's) and Catch2 3 both work.
#if WARD_CATCH_MAJOR >= 3
#include <catch2/catch_session.hpp>
int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
#else
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
