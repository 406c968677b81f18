# SPDX-License-Identifier: MIT
# Runs EXE and requires its standard output to equal the file EXPECTED exactly.
# Usage: cmake -DEXE=<program> -DEXPECTED=<file> -P check_output.cmake
cmake_minimum_required(VERSION 3.14)
if(NOT EXE OR NOT EXPECTED)
  message(FATAL_ERROR "usage: cmake -DEXE=<program> -DEXPECTED=<file> -P check_output.cmake")
endif()

execute_process(COMMAND ${EXE} RESULT_VARIABLE rc OUTPUT_VARIABLE actual ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}\nstderr:\n${err}")
endif()
file(READ ${EXPECTED} expected)
if(actual STREQUAL expected)
  message(STATUS "output matches ${EXPECTED}")
  return()
endif()

# Compare line by line (without CMake lists, so ';' and brackets in the output are harmless) and
# report the first difference, then both outputs in full.
function(_ward_split_line text line_var rest_var ended_var)
  string(FIND "${text}" "\n" i)
  if(i EQUAL -1)
    set(${line_var} "${text}" PARENT_SCOPE)
    set(${rest_var} "" PARENT_SCOPE)
    set(${ended_var} TRUE PARENT_SCOPE)
  else()
    string(SUBSTRING "${text}" 0 ${i} line)
    math(EXPR i "${i} + 1")
    string(SUBSTRING "${text}" ${i} -1 rest)
    set(${line_var} "${line}" PARENT_SCOPE)
    set(${rest_var} "${rest}" PARENT_SCOPE)
    set(${ended_var} FALSE PARENT_SCOPE)
  endif()
endfunction()

set(_a "${actual}")
set(_e "${expected}")
set(_line 1)
while(TRUE)
  _ward_split_line("${_a}" _al _a _a_ended)
  _ward_split_line("${_e}" _el _e _e_ended)
  if(NOT _al STREQUAL _el OR NOT _a_ended STREQUAL _e_ended OR (_a_ended AND _e_ended))
    break()
  endif()
  math(EXPR _line "${_line} + 1")
endwhile()
if(_al STREQUAL _el)
  if(_a_ended)
    set(_al "${_al}<end of output, no newline>")
  endif()
  if(_e_ended)
    set(_el "${_el}<end of output, no newline>")
  endif()
endif()

message("---- expected (${EXPECTED}) ----\n${expected}")
message("---- actual (${EXE}) ----\n${actual}")
message("----")
message(FATAL_ERROR "output differs from ${EXPECTED}, first at line ${_line}:\n"
  "  expected: [${_el}]\n"
  "  actual:   [${_al}]\n"
  "If the new output is right, update the expectation: ${EXE} > ${EXPECTED}")
