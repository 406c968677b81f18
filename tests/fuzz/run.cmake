# SPDX-License-Identifier: MIT
# Runs one fuzz harness under CTest: the seed corpus first, then RUNS inputs in all with seed 1.
# New inputs go to a fresh directory under the build tree (WORK), never into the source corpus, so
# every run starts from the same corpus and is repeatable.
#   cmake -DFUZZER=<binary> -DCORPUS=<seed dir> -DDICT=<dictionary> -DWORK=<dir> -DRUNS=<n> -P run.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/new" "${WORK}/artifacts")
set(ENV{ASAN_OPTIONS} "detect_leaks=1:abort_on_error=1")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
execute_process(
  COMMAND "${FUZZER}" -seed=1 -runs=${RUNS} -dict=${DICT} -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/ "${WORK}/new" "${CORPUS}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
string(REGEX MATCH "stat::number_of_executed_units: [0-9]+" execs "${out}")
string(REGEX MATCH "#[0-9]+[ \t]+DONE[^\n]*" done "${out}")
message(STATUS "${done} ${execs}")
if(NOT rc EQUAL 0)
  message("${out}")
  message(FATAL_ERROR "${FUZZER} failed (exit ${rc}); the input that failed is in ${WORK}/artifacts")
endif()
