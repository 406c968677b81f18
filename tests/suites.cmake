# SPDX-License-Identifier: MIT
# The test suites. Each directory is one suite; every .cpp in it is part of that suite's binary.
file(GLOB WARD_UNIT_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/unit/*.cpp)
file(GLOB WARD_CONSTEXPR_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/constexpr/*.cpp)
file(GLOB WARD_PROPERTY_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/property/*.cpp)
file(GLOB WARD_ALLOC_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/alloc/*.cpp)
file(GLOB WARD_CONCURRENCY_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/concurrency/*.cpp)
file(GLOB WARD_COMPILE_FAIL_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/*.cpp)

ward_test_suite(ward_unit LABEL unit SOURCES ${WARD_UNIT_SOURCES})
ward_test_suite(ward_constexpr LABEL constexpr SOURCES ${WARD_CONSTEXPR_SOURCES})
ward_test_suite(ward_property LABEL property SOURCES ${WARD_PROPERTY_SOURCES})
# Pages of 8 principals, so that the property suite's small random policies span many pages and
# policy_writer's changes land on some of them and not on others.
foreach(v ${WARD_TEST_VARIANTS})
  target_compile_definitions(ward_property_${v} PRIVATE WARD_PRINCIPAL_PAGE_BITS=3)
endforeach()
ward_test_suite(ward_alloc LABEL alloc SOURCES ${WARD_ALLOC_SOURCES})
if(WARD_CONCURRENCY_SOURCES)
  set(_conc_variants cxx17)
  if(WARD_TEST_TSAN)
    list(APPEND _conc_variants tsan)
  endif()
  ward_test_suite(ward_concurrency LABEL concurrency VARIANTS ${_conc_variants} SOURCES ${WARD_CONCURRENCY_SOURCES})
endif()

# Each compile-fail file states what the compiler must say, on a line
#   // WARD_EXPECT_ERROR: <regular expression>
foreach(_f ${WARD_COMPILE_FAIL_SOURCES})
  file(STRINGS ${_f} _line REGEX "^// WARD_EXPECT_ERROR: ")
  if(NOT _line)
    message(FATAL_ERROR "${_f} has no '// WARD_EXPECT_ERROR: <regex>' line")
  endif()
  string(REGEX REPLACE "^// WARD_EXPECT_ERROR: " "" _regex "${_line}")
  get_filename_component(_n ${_f} NAME_WE)
  file(RELATIVE_PATH _rel ${CMAKE_CURRENT_SOURCE_DIR} ${_f})
  ward_compile_fail(${_n} ${_rel} "${_regex}")
endforeach()

# The service examples' acceptance tables: every row's HTTP status is checked (label "example").
file(GLOB WARD_EXAMPLE_TABLE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/examples/*.cpp)
if(WARD_EXAMPLE_TABLE_SOURCES)
  ward_test_suite(ward_example_tables LABEL example VARIANTS cxx17 asan SOURCES ${WARD_EXAMPLE_TABLE_SOURCES})
  foreach(v cxx17 asan)
    target_include_directories(ward_example_tables_${v} PRIVATE ${PROJECT_SOURCE_DIR}/examples)
  endforeach()
endif()
