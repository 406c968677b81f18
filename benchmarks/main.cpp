// SPDX-License-Identifier: MIT
// The benchmark binary's entry point: records the compiler and ward's version in the output's
// context, then runs Google Benchmark as usual.
#include <ward/version.hpp>

#include <benchmark/benchmark.h>

#include <string>

int main(int argc, char** argv) {
#if defined(__clang__)
    benchmark::AddCustomContext("compiler", std::string("clang ") + __clang_version__);
#elif defined(__GNUC__)
    benchmark::AddCustomContext("compiler", std::string("g++ ") + __VERSION__);
#endif
    benchmark::AddCustomContext("ward_version", std::to_string(WARD_VERSION));
#if defined(__OPTIMIZE__)
    benchmark::AddCustomContext("optimized", "yes");
#else
    benchmark::AddCustomContext("optimized", "NO: numbers are meaningless");
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
